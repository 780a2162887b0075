"""Agent profiles are data: a shipped JSON Schema, `agentxray profiles lint`, hosts the mock answers."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from tests.observe.sandbox.conftest import PYTHON, REASON

from agentxray.cli.main import main
from agentxray.errors import ConfigError
from agentxray.observe.profile import (
    generated_schema,
    lint_profile,
    parse_profile,
    profile_names,
    profile_schema,
)

#: A minimal profile that must lint clean; each bad case below changes one thing in it.
GOOD = """
name: tiny-agent
packages: ["tiny-agent"]
default_spec: "npm:tiny-agent@1.0.0"
program: package/cli.js
interpreter: node
dialect: openai-chat
argv: ["{interpreter}", "{program}", "--print", "{prompt}"]
env:
  OPENAI_BASE_URL: "{base_url}/v1"
files:
  .tiny/config.json: '{"telemetry": true}'
ca_env: [NODE_EXTRA_CA_CERTS]
"""


def _where(text: str) -> list[tuple[str, str]]:
    return [(p.level, p.where) for p in lint_profile(text)]


def test_the_good_profile_lints_clean() -> None:
    assert lint_profile(GOOD) == []


@pytest.mark.parametrize("name", profile_names())
def test_every_builtin_profile_lints_clean(name: str) -> None:
    from importlib import resources

    text = (resources.files("agentxray.observe") / "profiles" / f"{name}.yaml").read_text()
    assert lint_profile(text) == []


def test_the_documented_example_lints_clean() -> None:
    # docs/examples/aider.yaml, the profile written from docs/profiles.md alone.
    example = Path(__file__).parents[2] / "docs" / "examples" / "aider.yaml"
    assert lint_profile(example.read_text()) == []
    assert parse_profile(example.read_text(), str(example)).default_spec.startswith("pypi:")


def test_shipped_schema_is_the_model_schema() -> None:
    # Regenerate with: python -c "from agentxray.observe.profile import generated_schema ..."
    # (docs/profiles.md); the file and the model cannot drift apart.
    assert profile_schema() == generated_schema()
    assert profile_schema()["properties"]["dialect"]["enum"] == [
        "anthropic",
        "openai-chat",
        "openai-responses",
        "gemini",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # A typo in a placeholder: the agent would get the literal text "{promt}".
        (("{prompt}", "{promt}"), [("error", "argv.3"), ("error", "argv")]),
        # The prompt given through nothing: the agent never gets the task.
        (('"--print", "{prompt}"', '"--print"'), [("error", "argv")]),
        # A file written outside the fresh HOME.
        ((".tiny/config.json", "../escape.json"), [("error", "files")]),
        # A URL where a host name belongs.
        (("ca_env:", "hosts: [https://auth.tiny.dev/]\nca_env:"), [("error", "hosts")]),
        # The pinned spec names another package.
        (("npm:tiny-agent@1.0.0", "npm:other-agent@1.0.0"), [("error", "default_spec")]),
        # A Node.js agent that will not trust the sandbox's CA.
        (("[NODE_EXTRA_CA_CERTS]", "[SSL_CERT_FILE]"), [("warning", "ca_env")]),
        # Nothing tells the agent where its API is.
        (('OPENAI_BASE_URL: "{base_url}/v1"', 'OPENAI_BASE_URL: "x"'), [("warning", "env")]),
        # An unknown dialect and an unknown field are schema errors.
        (("openai-chat", "grpc"), [("error", "dialect")]),
        (("ca_env:", "retries: 3\nca_env:"), [("error", "-")]),
        (("ca_env:", "host_only_env: [DISABLE_X]\nca_env:"), [("error", "host_only_env")]),
    ],
)
def test_lint_names_the_field(change: tuple[str, str], expected: list[tuple[str, str]]) -> None:
    old, new = change
    assert old in GOOD
    assert _where(GOOD.replace(old, new)) == expected


def test_lint_of_what_is_not_a_profile() -> None:
    assert _where("- a\n- list\n") == [("error", "-")]
    assert _where("name: [unclosed\n") == [("error", "-")]


def test_loading_refuses_a_file_outside_home() -> None:
    with pytest.raises(ConfigError, match="files"):
        parse_profile(GOOD.replace(".tiny/config.json", "/etc/profile.d/x.sh"), "test")


def test_profiles_lint_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("{prompt}", "{promt}"))
    assert main(["profiles", "lint", str(good), "claude-code"]) == 0
    assert main(["profiles", "lint", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: error: argv.3: unknown placeholder {{promt}}" in out
    assert main(["profiles", "lint", str(tmp_path / "missing.yaml")]) == 2


def test_profiles_schema_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "agentxray agent profile"
    assert main(["profiles", "list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == profile_names()
    assert {"copilot", "qwen-code", "opencode"} <= set(listed)


HOSTS_PROFILE = """
name: hosts-probe
packages: ["hosts-probe"]
default_spec: "npm:hosts-probe@1.0.0"
program: bin/hosts-probe
dialect: openai-chat
api_host: api.tiny-llm.dev
hosts: [auth.tiny-llm.dev]
argv: ["{program}", "{prompt}"]
env:
  TINY_BASE_URL: "{base_url}"
"""


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_profile_hosts_are_answered_by_the_mock_in_the_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "hosts-probe.yaml"
    profile.write_text(HOSTS_PROFILE)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "prog.py").write_text(
        textwrap.dedent(
            """
            import os, urllib.request, urllib.error
            out = [os.environ["TINY_BASE_URL"]]
            for url in ("https://auth.tiny-llm.dev/copilot_internal/user",
                        "https://stats.tiny-llm.dev/collect"):
                try:
                    with urllib.request.urlopen(url, timeout=10) as r:
                        out.append(f"{r.status} {r.read()[:40]!r}")
                except urllib.error.HTTPError as e:
                    out.append(str(e.code))
            open("out.txt", "w").write("\\n".join(out))
            """
        )
    )
    argv = ["run", "--scenario", "hello", "--workdir", str(tmp_path / "run"), "--workspace"]
    argv += [str(ws), "--profile", str(profile), "--format", "json"]
    argv += ["--", str(PYTHON), "prog.py"]
    assert main(argv) == 0, capsys.readouterr().out
    base, auth, stats = (ws / "out.txt").read_text().splitlines()
    # The agent is told its API is at api_host; a host in `hosts` is the mock's (GitHub's
    # entitlement answered), any other host gets the recorder's 503.
    assert base == "https://api.tiny-llm.dev"
    assert auth.startswith("200 ") and "login" in auth
    assert stats == "503"
