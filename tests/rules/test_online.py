"""The rules on real agents: Claude Code 2.1.332 lists its telemetry and remote-control endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import JsRulesDetector, PythonRulesDetector, RulesDetector
from agentxray.model import Finding, Tree
from agentxray.unpack import unpack


def _scan(tree: Tree, detector: RulesDetector) -> list[Finding]:
    """Run one rules detector over every file of its kinds in an unpacked tree."""
    found: list[Finding] = []
    for entry in tree.files:
        path = tree.path_of(entry)
        if entry.kind in detector.kinds and path is not None:
            data = path.read_bytes()
            found += [f for f in detector.run(SourceUnit(entry, data)) if isinstance(f, Finding)]
    return found


@pytest.mark.online
@pytest.mark.slow
def test_claude_code_2_1_332_telemetry_and_remote_control_endpoints(
    real_artifact, tmp_path: Path
) -> None:
    artifact = real_artifact("npm:@anthropic-ai/claude-code@2.1.332", platform="linux-x64")
    tree = unpack(artifact, tmp_path / "out")
    findings = _scan(tree, JsRulesDetector())
    seen = {(f.rule, v.split(" [")[0]) for f in findings for v in f.values}
    assert ("AXR-TEL-001", "https://http-intake.logs.us5.datadoghq.com/api/v2/logs") in seen
    assert ("AXR-TEL-002", "/api/event_logging/v2/batch") in seen
    assert any(r == "AXR-RC-004" and "/api/eval/" in v for r, v in seen)
    for f in findings:
        if f.category in ("telemetry", "remote-control"):
            assert "/$bunfs/root/chunk-" in f.location.artifact, f.location
            assert f.location.line and f.snippet


@pytest.mark.online
def test_aider_chat_python_telemetry_and_command_exec(real_artifact, tmp_path: Path) -> None:
    tree = unpack(real_artifact("pypi:aider-chat==0.86.2"), tmp_path / "out")
    findings = _scan(tree, PythonRulesDetector())
    where = {(f.rule, f.location.artifact.rsplit("aider/", 1)[-1], f.values[0]) for f in findings}
    assert ("AXR-TEL-003", "analytics.py", "posthog") in where
    assert ("AXR-TEL-003", "analytics.py", "mixpanel") in where
    assert any(r == "AXR-TEL-001" and "posthog.com" in v for r, _, v in where)
    assert any(r == "AXR-CMD-003" and p == "run_cmd.py" for r, p, _ in where)


@pytest.mark.online
def test_codex_native_strings_endpoints(real_artifact, tmp_path: Path) -> None:
    from agentxray.analyze.rules_detector import StringsRulesDetector

    artifact = real_artifact("npm:@openai/codex@0.171.0", platform="linux-x64")
    tree = unpack(artifact, tmp_path / "out")
    findings = _scan(tree, StringsRulesDetector())
    hosts = {
        (f.rule, f.values[0].split(" [")[0].split("://", 1)[-1].split("/", 1)[0]) for f in findings
    }
    assert ("AXR-END-001", "chatgpt.com") in hosts
    assert any(r == "AXR-TEL-001" and h.endswith("ingest.us.sentry.io") for r, h in hosts)
    assert any(r == "AXR-TEL-001" and h == "ab.chatgpt.com" for r, h in hosts)
    for f in findings:
        assert "/bin/codex!strings/" in f.location.artifact or "!strings/" in f.location.artifact
        assert f.location.offset is not None  # the offset in the binary, from the strings line


@pytest.mark.online
@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec", "platform"),
    [
        ("npm:@anthropic-ai/claude-code@2.1.91", None),
        ("npm:@anthropic-ai/claude-code@2.1.197", "linux-x64"),
    ],
)
def test_claude_code_cli_js_telemetry_and_flags(
    real_artifact, tmp_path: Path, spec: str, platform: str | None
) -> None:
    tree = unpack(real_artifact(spec, platform=platform), tmp_path / "out")
    findings = _scan(tree, JsRulesDetector())
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    datadog = [f for f in by_rule["AXR-TEL-001"] if "datadoghq.com" in f.values[0]]
    assert datadog and all(f.location.artifact.endswith("cli.js") for f in datadog)
    assert any(
        v.startswith("/api/event_logging/") for f in by_rule["AXR-TEL-002"] for v in f.values
    )
    growthbook = by_rule["AXR-RC-002"][0]
    assert any(v.startswith("remoteEval: ") for v in growthbook.values)
    assert "remoteEval" in growthbook.snippet and growthbook.location.line
    assert any("/api/eval/" in v for f in by_rule["AXR-RC-004"] for v in f.values)
    assert any("downloads.claude.ai" in v for f in by_rule["AXR-UPD-001"] for v in f.values)


#: Honest packages that look like the accusing rules' targets, and what each pins.
BENIGN: list[tuple[str, str]] = [
    ("npm:axios@1.7.9", "an HTTP client reading proxy variables from the environment"),
    ("npm:dotenv@16.4.7", "reading a project's own .env file into process.env"),
    ("npm:execa@9.5.2", "spawning processes with the environment passed on"),
    ("npm:node-fetch@2.7.0", "fetch itself: requests, bodies, redirects"),
    ("npm:lodash@4.17.21", "template() compiling code with Function, no network"),
    ("pypi:requests==2.32.3", "an HTTP client with netrc and proxy environment support"),
    ("pypi:httpx==0.28.1", "an HTTP client reading SSL and proxy variables"),
]
ACCUSING_RULES = ("AXR-EXF-", "AXR-CRD-001", "AXR-RC-003", "AXR-RC-005", "AXR-UPD-")


@pytest.mark.online
@pytest.mark.parametrize(("spec", "pins"), BENIGN, ids=[s for s, _ in BENIGN])
def test_honest_packages_trigger_no_accusing_rule(
    real_artifact, tmp_path: Path, spec: str, pins: str
) -> None:
    tree = unpack(real_artifact(spec), tmp_path / "out")
    findings = _scan(tree, JsRulesDetector()) + _scan(tree, PythonRulesDetector())
    assert any(e.kind in ("javascript", "python") for e in tree.files)
    accusing = [
        f"{f.rule} {f.location.artifact}:{f.location.line} {f.values[:2]}"
        for f in findings
        if f.rule.startswith(ACCUSING_RULES)
    ]
    assert accusing == [], f"{spec} should not trigger these ({pins})"
