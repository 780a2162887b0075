"""Copilot CLI, Qwen Code and opencode, contained by `agentxray run`, offline against the mock.

Each run is the command a user types (`agentxray run SPEC --scenario S --format json`); the
packages come from the registry once and stay in agentxray's cache. Each run takes 10-35 s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.observe.sandbox.conftest import REASON

from agentxray.cli.main import main

pytestmark = [
    pytest.mark.online,
    pytest.mark.slow,
    pytest.mark.skipif(REASON is not None, reason=REASON or ""),
]

COPILOT = "npm:@github/copilot@1.0.102"
QWEN = "npm:@qwen-code/qwen-code@0.24.4"
OPENCODE = "npm:opencode-ai@1.18.33"
AGENTS = [COPILOT, QWEN, OPENCODE]
IDS = ["copilot", "qwen-code", "opencode"]
RUM = "gb4w8c3ygj-default-sea.rum.aliyuncs.com"


def _run(capsys: pytest.CaptureFixture[str], tmp_path: Path, spec: str, *extra: str) -> Any:
    argv = ["run", spec, "--format", "json", "--timeout", "60", "--workdir", str(tmp_path)]
    code = main([*argv, *extra])
    out, err = capsys.readouterr()
    assert out.startswith("{"), err[-2000:]
    report = json.loads(out)
    assert code == 0, report["run"]
    assert report["run"]["duration_s"] < 60
    return report


def _hosts(report: Any, kind: str = "http") -> set[str]:
    return {e["host"] for e in report["events"] if e["kind"] == kind and e.get("host")}


def _home_reads(report: Any) -> set[str]:
    return {
        e["path"]
        for e in report["events"]
        if e["kind"] == "file" and e.get("access") == "read" and e["path"].startswith("~/")
    }


def _programs(report: Any) -> set[str]:
    return {
        (e.get("argv") or [e.get("path") or ""])[0].rsplit("/", 1)[-1]
        for e in report["events"]
        if e["kind"] == "exec"
    }


@pytest.mark.parametrize("spec", AGENTS, ids=IDS)
def test_agent_completes_edit_contained(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _run(capsys, tmp_path, spec, "--scenario", "edit")
    ws = tmp_path / "workspace"
    assert (ws / "summary.txt").read_text() == "Summary written by the agentxray mock model.\n"
    assert (ws / "command-output.txt").read_text().split() == ["45", "summary.txt"]
    # What it tried, read in $HOME and started is on the record.
    assert _hosts(report)
    assert "~/.gitconfig" in _home_reads(report)
    assert {"bash"} <= _programs(report) or {"sh"} <= _programs(report)


def test_copilot_talks_to_github_and_its_telemetry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _run(capsys, tmp_path, COPILOT, "--scenario", "hello")
    urls = {e["url"].split("?", 1)[0] for e in report["events"] if e["kind"] == "http"}
    # The token is checked against GitHub, the model answered on the Copilot API it names,
    # usage goes to GitHub's telemetry host and releases are looked up for self-update.
    assert "https://api.github.com/copilot_internal/user" in urls
    assert "https://api.individual.githubcopilot.com/responses" in urls
    assert "https://telemetry.individual.githubcopilot.com/telemetry" in urls
    assert "https://api.github.com/repos/github/copilot-cli/releases" in urls
    assert any(
        f["category"] == "telemetry" and "telemetry.individual.githubcopilot.com" in f["message"]
        for f in report["findings"]
    )


@pytest.mark.parametrize("api_host", ["api.openai.com", "api.deepseek.com"])
def test_qwen_usage_statistics_carry_the_configured_base_url(
    api_host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _run(capsys, tmp_path, QWEN, "--scenario", "hello", "--api-host", api_host)
    assert RUM in _hosts(report)
    (sent,) = [
        f
        for f in report["findings"]
        if f["category"] == "telemetry" and "model API base URL" in f["message"]
    ]
    assert RUM in sent["message"]
    assert f"model API base URL: https://{api_host}" in sent["values"]
    others = {"api.openai.com", "api.deepseek.com"} - {api_host}
    assert not any(o in v for o in others for v in sent["values"])


def test_opencode_fetches_its_model_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _run(capsys, tmp_path, OPENCODE, "--scenario", "hello")
    urls = {e["url"] for e in report["events"] if e["kind"] == "http"}
    assert "https://models.opencode.ai/api.json" in urls
    assert "https://api.anthropic.com/v1/messages" in urls


@pytest.mark.parametrize("spec", AGENTS, ids=IDS)
def test_exfil_is_caught(spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # None of the three refuses: each runs the curl the model asks for. The sandbox answers it
    # and the planted AWS keys are found in what was sent.
    report = _run(capsys, tmp_path, spec, "--scenario", "exfil")
    assert (tmp_path / "workspace" / "exfil-marker.txt").read_text().startswith("exfil-attempted")
    caught = [
        f
        for f in report["findings"]
        if f["category"] == "exfiltration" and "collector.exfil.invalid" in f["message"]
    ]
    assert {f["message"].split()[1] for f in caught} == {
        "aws-access-key-id",
        "aws-secret-access-key",
    }
    assert all("~/.aws/credentials" in f["message"] and "curl" in f["message"] for f in caught)
