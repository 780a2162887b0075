"""pipeline.prepare_agent/observe_agent on a hand-made package: found by profile, made runnable."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from agentxray.errors import ConfigError
from agentxray.pipeline import observe_agent, prepare_agent
from agentxray.store.sqlite import Store

# A stand-in agent: a shell script that prints its prompt and calls the mock's count_tokens.
SCRIPT = b"""#!/bin/sh
echo "fake agent got: $1"
exec python3 -c 'import sys, urllib.request
r = urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/v1/messages", data=b"{}", headers={"content-type": "application/json", "x-api-key": "k-123456789"}))
print(r.status)' "$AGENT_URL"
"""
PROFILE = """
name: fake
packages: [fake-agent]
default_spec: "x"
program: package/bin/fake-agent
dialect: anthropic
argv: ["{program}", "{prompt}"]
env: {AGENT_URL: "{base_url}"}
"""


def _package(tmp_path: Path) -> Path:
    out = tmp_path / "fake-agent-1.0.0.tgz"
    with tarfile.open(out, "w:gz") as tar:
        for name, data, mode in (
            ("package/package.json", json.dumps({"name": "fake-agent"}).encode(), 0o644),
            ("package/bin/fake-agent", SCRIPT, 0o644),  # not executable in the archive
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return out


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTXRAY_CACHE_DIR", str(tmp_path / "cache"))


def test_prepare_finds_the_program_and_makes_it_executable(tmp_path: Path) -> None:
    profile = tmp_path / "fake.yaml"
    profile.write_text(PROFILE)
    agent = prepare_agent(str(_package(tmp_path)), profile=str(profile))
    assert agent.profile.name == "fake"
    assert agent.program.name == "fake-agent" and agent.program.stat().st_mode & 0o100


def test_wrong_profile_is_a_config_error(tmp_path: Path) -> None:
    profile = tmp_path / "fake.yaml"
    profile.write_text(PROFILE.replace("package/bin/fake-agent", "package/bin/missing"))
    with pytest.raises(ConfigError) as err:
        prepare_agent(str(_package(tmp_path)), profile=str(profile))
    assert "package/bin/missing" in err.value.diagnostics()


def test_observe_records_to_jsonl_and_store(tmp_path: Path) -> None:
    profile = tmp_path / "fake.yaml"
    profile.write_text(PROFILE)
    run = observe_agent(
        str(_package(tmp_path)),
        profile=str(profile),
        prompt="hi there",
        record=tmp_path / "r.jsonl",
        store=tmp_path / "r.db",
        workdir=tmp_path / "run",
        timeout=30,
    )
    assert run.launch.exit_code == 0, run.launch.stderr
    assert run.launch.stdout.splitlines() == ["fake agent got: hi there", "200"]
    (ex,) = run.exchanges
    assert ex.dialect == "anthropic" and ex.turn == 0
    store = Store(tmp_path / "r.db")
    (row,) = store.runs()
    assert row["exit_code"] == 0 and row["profile"] == "fake"
    assert store.exchanges(int(str(row["id"]))) == [ex]
    store.close()
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 1


def test_run_command_summarises_and_exits_with_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agentxray.cli.main import main

    profile = tmp_path / "fake.yaml"
    profile.write_text(PROFILE)
    pkg, work = str(_package(tmp_path)), str(tmp_path / "run")
    assert (
        main(["run", pkg, "--profile", str(profile), "--scenario", "hello", "--workdir", work]) == 0
    )
    out = capsys.readouterr().out
    assert "exit:      0" in out and "POST /v1/messages -> 200  [turn 0]" in out
    assert "credentials sent: x-api-key: k-12…(11 chars)" in out
    profile.write_text(PROFILE.replace('"{program}", "{prompt}"', '"/bin/false"'))
    assert main(["run", pkg, "--profile", str(profile), "--workdir", work + "2"]) == 1


def test_visible_spells_out_invisible_and_confusable_characters() -> None:
    from agentxray.cli.run_cmd import visible

    assert visible("Today\u2019s\u200b ok\n") == (
        "Today⟨U+2019 RIGHT SINGLE QUOTATION MARK⟩s⟨U+200B ZERO WIDTH SPACE⟩ ok\n"
    )


@pytest.mark.parametrize(
    "extra",
    [["--api-host", "https://api.example.com/v1"], ["--env", "NOEQUALS"], ["--env", "1BAD=x"]],
)
def test_run_rejects_bad_options(tmp_path: Path, extra: list[str]) -> None:
    from agentxray.cli.main import main

    profile = tmp_path / "fake.yaml"
    profile.write_text(PROFILE)
    assert main(["run", str(_package(tmp_path)), "--profile", str(profile), *extra]) == 2


def test_extra_env_and_api_host_reach_the_agent(tmp_path: Path) -> None:
    profile = tmp_path / "fake.yaml"
    profile.write_text(
        PROFILE.replace(
            'env: {AGENT_URL: "{base_url}"}',
            'env: {AGENT_URL: "{base_url}"}\nca_env: [SSL_CERT_FILE]',
        )
    )
    script_profile = profile.read_text().replace(
        'argv: ["{program}", "{prompt}"]', 'argv: ["/bin/sh", "-c", "echo $TZ $AGENT_URL"]'
    )
    profile.write_text(script_profile)
    run = observe_agent(
        str(_package(tmp_path)),
        profile=str(profile),
        api_host="api.example.net",
        extra_env={"TZ": "Asia/Urumqi"},
        workdir=tmp_path / "run",
        timeout=30,
    )
    assert run.launch.stdout.strip() == "Asia/Urumqi https://api.example.net"
    assert run.agent_base_url == "https://api.example.net" and run.base_url.startswith("https://")
    assert run.ca_file is not None and run.ca_file.is_file()
