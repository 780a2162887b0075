"""The rules on real agents: Claude Code 2.1.332 lists its telemetry and remote-control endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import JsRulesDetector
from agentxray.model import Finding
from agentxray.unpack import unpack


@pytest.mark.online
@pytest.mark.slow
def test_claude_code_2_1_332_telemetry_and_remote_control_endpoints(
    real_artifact, tmp_path: Path
) -> None:
    artifact = real_artifact("npm:@anthropic-ai/claude-code@2.1.332", platform="linux-x64")
    tree = unpack(artifact, tmp_path / "out")
    detector = JsRulesDetector()
    findings: list[Finding] = []
    for entry in tree.files:
        path = tree.path_of(entry)
        if entry.kind in detector.kinds and path is not None:
            data = path.read_bytes()
            findings += [f for f in detector.run(SourceUnit(entry, data)) if isinstance(f, Finding)]
    seen = {(f.rule, v.split(" [")[0]) for f in findings for v in f.values}
    assert ("AXR-TEL-001", "https://http-intake.logs.us5.datadoghq.com/api/v2/logs") in seen
    assert ("AXR-TEL-002", "/api/event_logging/v2/batch") in seen
    assert any(r == "AXR-RC-004" and "/api/eval/" in v for r, v in seen)
    for f in findings:
        if f.category in ("telemetry", "remote-control"):
            assert f.location.artifact.startswith(artifact.path.name) or "!" in f.location.artifact
            assert f.location.line and f.snippet
