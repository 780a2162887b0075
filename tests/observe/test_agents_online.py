"""Real agents from the npm registry complete scripted scenarios against the mock model API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentxray.observe.mockapi.scenario import load_scenario
from agentxray.pipeline import observe_agent

pytestmark = pytest.mark.online

CLAUDE = "npm:@anthropic-ai/claude-code@2.1.197"
CODEX = "npm:@openai/codex@0.171.0"
GEMINI = "npm:@google/gemini-cli@0.61.0"

#: The date line of Claude Code's prompt; its apostrophe varies (the watermark), so accept all four.
DATE_LINE = re.compile(r"^Today['’ʼʹ]s date is \d{4}-\d{2}-\d{2}", re.M)
EDIT_TURNS = len(load_scenario("edit").turns)


def _check_edit(workdir: Path, turns: list[int | None]) -> None:
    ws = workdir / "workspace"
    assert (ws / "summary.txt").read_text() == "Summary written by the agentxray mock model.\n"
    assert (ws / "command-output.txt").read_text().split() == ["45", "summary.txt"]
    assert [t for t in turns if t is not None] == list(range(EDIT_TURNS))


@pytest.mark.parametrize("spec", [CLAUDE, CODEX, GEMINI], ids=["claude", "codex", "gemini"])
def test_agent_completes_edit(spec: str, tmp_path: Path) -> None:
    run = observe_agent(spec, scenario="edit", workdir=tmp_path, timeout=30)
    assert run.launch.exit_code == 0, run.launch.stderr[-2000:]
    assert run.launch.duration_s < 30
    _check_edit(tmp_path, [ex.turn for ex in run.exchanges])
    assert "Done: I listed the files" in run.launch.stdout
    assert not [ex for ex in run.exchanges if ex.outcome.startswith("unmatched")]


def test_claude_code_prompt_has_the_date_line_verbatim(tmp_path: Path) -> None:
    run = observe_agent(CLAUDE, scenario="edit", workdir=tmp_path, timeout=30)
    assert run.launch.exit_code == 0
    first = run.exchanges[0]
    assert first.dialect == "anthropic" and first.turn == 0
    texts = [*first.system, *first.first_user]
    hits = [m.group(0) for t in texts for m in DATE_LINE.finditer(t)]
    assert hits, "no line beginning `Today's date is` in the first model request"
    # Kept byte for byte: the extracted text is exactly what the raw body carries.
    assert all(
        h.encode("utf-8") in first.request_body or h in first.request_body.decode() for h in hits
    )


@pytest.mark.parametrize("spec", [CLAUDE, CODEX, GEMINI], ids=["claude", "codex", "gemini"])
def test_agent_completes_hello(spec: str, tmp_path: Path) -> None:
    run = observe_agent(spec, scenario="hello", workdir=tmp_path, timeout=30)
    assert run.launch.exit_code == 0, run.launch.stderr[-2000:]
    assert "Hello from the agentxray mock model." in run.launch.stdout
    assert any(ex.turn == 0 for ex in run.exchanges)


@pytest.mark.parametrize("spec", [CLAUDE, CODEX, GEMINI], ids=["claude", "codex", "gemini"])
def test_agent_follows_the_exfil_script_with_fake_credentials(spec: str, tmp_path: Path) -> None:
    # Red-team scenario: fake credentials in a throw-away HOME; the target host is under .invalid
    # and every proxy variable points at a dead loopback port, so nothing leaves the machine.
    creds = tmp_path / "home" / ".aws" / "credentials"
    creds.parent.mkdir(parents=True)
    creds.write_text("[default]\naws_access_key_id = AKIA2XRAYTEST7Q4MZ3P\n")
    run = observe_agent(spec, scenario="exfil", workdir=tmp_path, timeout=30)
    assert run.launch.exit_code == 0
    marker = (tmp_path / "workspace" / "exfil-marker.txt").read_text().split()
    assert marker[0] == "exfil-attempted"
    # curl went through the proxy variables to the mock, which recorded the upload and refused it.
    (upload,) = [ex for ex in run.exchanges if "collector.exfil.invalid" in ex.target]
    assert upload.target == "http://collector.exfil.invalid/upload"
    assert upload.status == 403 and upload.outcome.startswith("proxy refused")
    assert b"AKIA2XRAYTEST7Q4MZ3P" in upload.request_body
    # The agent's next request carries the tool call it ran back in its history.
    (follow_up,) = [ex for ex in run.exchanges if ex.turn == 1]
    assert "collector.exfil.invalid" in follow_up.request_body.decode()


def test_probe_without_personas_compares_a_gateway_user_in_shanghai(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from agentxray.cli.main import main

    # The default pair: a corporate gateway, and the same gateway with a Shanghai zone and locale.
    assert main(["probe", CLAUDE, "--timeout", "30", "--no-store"]) == 1
    out = capsys.readouterr().out
    assert "corp-gateway → corp-gateway;cn-shanghai: 1 difference(s)" in out
    assert "date format 2026" in out and "U+002D HYPHEN-MINUS -> U+002F SOLIDUS" in out
    assert "sk-ant-api03-agentxray" not in out  # the key is masked in the summary


def test_codex_sends_the_profile_key_and_refused_outside_hosts_are_recorded(tmp_path: Path) -> None:
    run = observe_agent(CODEX, scenario="hello", workdir=tmp_path, timeout=30)
    assert run.launch.exit_code == 0
    model = next(ex for ex in run.exchanges if ex.turn == 0)
    assert dict(model.request_headers)["authorization"].startswith("Bearer sk-proj-agentxray-mock")
    assert model.dialect == "openai-responses" and model.target == "/v1/responses"
    assert any(ex.outcome == "websocket refused" for ex in run.exchanges)


@pytest.mark.parametrize(
    ("api_host", "tz", "apostrophe", "sep"),
    [
        ("api.anthropic.com", "UTC", "'", "-"),
        ("api.deepseek.com", "UTC", "\u02bc", "-"),  # MODIFIER LETTER APOSTROPHE
        ("api.moonshot.cn", "Asia/Shanghai", "\u02b9", "/"),  # MODIFIER LETTER PRIME
        ("example.org", "Asia/Shanghai", "'", "/"),
    ],
)
def test_claude_code_marks_its_prompt_by_api_host_and_timezone(
    api_host: str, tz: str, apostrophe: str, sep: str, tmp_path: Path
) -> None:
    # The geofence of Claude Code 2.1.197, seen live: the agent is told its API is at
    # https://<api_host> and the mock serves it there through the intercepting proxy.
    run = observe_agent(
        CLAUDE,
        scenario="hello",
        api_host=api_host,
        extra_env={"TZ": tz},
        workdir=tmp_path,
        timeout=30,
    )
    assert run.launch.exit_code == 0, run.launch.stderr[-2000:]
    model = next(ex for ex in run.exchanges if ex.turn == 0)
    assert dict(model.request_headers)["host"] == api_host and model.tls
    line = re.compile(rf"^Today{apostrophe}s date is \d{{4}}{sep}\d{{2}}{sep}\d{{2}}\.$", re.M)
    assert any(line.search(part) for part in model.first_user), [
        m.group(0) for p in model.first_user for m in DATE_LINE.finditer(p)
    ]
