"""The launcher: cleared environment, fresh HOME from the profile, dead-end proxy, timeouts."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from agentxray.errors import ConfigError, ObserveError
from agentxray.observe.launch import dead_end_proxy, launch
from agentxray.observe.profile import (
    load_profile,
    parse_profile,
    profile_for_package,
    profile_names,
)

# A stand-in agent: a Python script that reports the environment and HOME it was given.
PROFILE = """
name: env-reporter
packages: [env-reporter]
default_spec: "path:/dev/null"
program: report.py
interpreter: python3
dialect: anthropic
argv: ["{interpreter}", "{program}", "{prompt}"]
env: {AGENT_BASE_URL: "{base_url}", AGENT_CONFIG: "{home}/.cfg/settings.json"}
files: {".cfg/settings.json": '{"url": "{base_url}"}'}
dirs: [".cache"]
ca_env: [NODE_EXTRA_CA_CERTS]
"""
SCRIPT = """
import json, os, sys, time
if sys.argv[1] == "sleep":
    time.sleep(30)
print(json.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv[1:],
                  "settings": open(os.environ["AGENT_CONFIG"]).read()}))
"""


def _program(tmp_path: Path) -> Path:
    program = tmp_path / "report.py"
    program.write_text(SCRIPT)
    return program


def test_agent_gets_only_what_the_profile_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "must-not-leak")
    profile = parse_profile(PROFILE, "t")
    result = launch(
        profile,
        _program(tmp_path),
        prompt="do it",
        base_url="http://127.0.0.1:9999/",
        home=tmp_path / "home",
        workspace=tmp_path / "ws",
        ca_file=tmp_path / "ca.pem",
    )
    assert result.exit_code == 0, result.stderr
    seen = json.loads(result.stdout)
    env = seen["env"]
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert (
        env["HOME"] == str(tmp_path / "home") and env["AGENT_BASE_URL"] == "http://127.0.0.1:9999"
    )
    assert env["NODE_EXTRA_CA_CERTS"] == str(tmp_path / "ca.pem")
    assert env["HTTPS_PROXY"].startswith("http://127.0.0.1:") and env["NO_PROXY"].startswith(
        "127.0.0.1"
    )
    assert Path(seen["cwd"]) == tmp_path / "ws" and seen["argv"] == ["do it"]
    assert json.loads(seen["settings"]) == {"url": "http://127.0.0.1:9999"}
    assert (tmp_path / "home" / ".cache").is_dir()
    assert set(env) - {
        "PATH",
        "HOME",
        "TZ",
        "LANG",
        "TERM",
        "AGENT_BASE_URL",
        "AGENT_CONFIG",
        "NODE_EXTRA_CA_CERTS",
        "LC_CTYPE",
    } <= {"HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy"}


def test_timeout_kills_and_reports(tmp_path: Path) -> None:
    profile = parse_profile(PROFILE, "t")
    result = launch(
        profile,
        _program(tmp_path),
        prompt="sleep",
        base_url="http://x",
        home=tmp_path / "h",
        workspace=tmp_path / "w",
        timeout=0.5,
    )
    assert result.exit_code is None and result.duration_s < 10


def test_missing_interpreter_is_a_clear_error(tmp_path: Path) -> None:
    profile = parse_profile(
        PROFILE.replace("interpreter: python3", "interpreter: no-such-interp-xyz"), "t"
    )
    with pytest.raises(ObserveError) as err:
        launch(
            profile,
            _program(tmp_path),
            prompt="x",
            base_url="http://x",
            home=tmp_path / "h",
            workspace=tmp_path / "w",
        )
    assert "no-such-interp-xyz" in err.value.diagnostics()


def test_dead_end_proxy_refuses_connections() -> None:
    url = dead_end_proxy()
    port = int(url.rsplit(":", 1)[1])
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=2),
    ):
        pass


def test_builtin_profiles() -> None:
    assert {"claude-code", "codex", "gemini-cli"} <= set(profile_names())
    assert profile_for_package("@anthropic-ai/claude-code-linux-x64").name == "claude-code"
    assert load_profile("codex").default_spec == "npm:@openai/codex@0.171.0"
    assert load_profile("gemini-cli").interpreter == "node"
    with pytest.raises(ConfigError):
        profile_for_package("left-pad")
    with pytest.raises(ConfigError) as err:
        parse_profile("name: x\n", "p.yaml")
    assert err.value.diagnostics().startswith("agent profile p.yaml")
