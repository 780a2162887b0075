"""``agentxray scan`` end to end on real Claude Code releases from the npm registry (the acceptance)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from agentxray.cli.main import main
from agentxray.render.json import report_schema

pytestmark = pytest.mark.online

ACCUSING = ("geofence", "fingerprint", "obfuscated-data", "watermark")


def scan(target: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    code = main(["scan", target, "--format", "json", *extra])
    doc = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    return code, doc


def by_category(doc: Any, category: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["category"] == category]


@pytest.mark.parametrize(
    ("target", "entry"),
    [
        ("npm:@anthropic-ai/claude-code@2.1.197", "!/$bunfs/root/src/entrypoints/cli.js"),
        ("npm:@anthropic-ai/claude-code@2.1.91", "package/cli.js"),
    ],
)
def test_claude_code_geofence_fingerprint_hidden_lists_and_watermark(
    target: str, entry: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = scan(target, capsys, "--fail-on", "critical")
    assert code == 1
    found = {c: by_category(doc, c) for c in ACCUSING}
    for category, findings in found.items():
        assert findings, f"no {category} finding"
        for finding in findings:
            assert finding["severity"] == "critical"
            assert finding["location"]["artifact"].endswith(entry)
            assert "ANTHROPIC_BASE_URL" in finding["condition"]
    [geo] = found["geofence"]
    assert {"Asia/Shanghai", "Asia/Urumqi"} <= set(geo["values"])
    assert "timezone" in geo["signals"]
    [fp] = found["fingerprint"]
    assert "env:ANTHROPIC_BASE_URL" in fp["signals"]
    decoded = {v for f in found["obfuscated-data"] for v in f["decoded"]}
    assert {"moonshot.ai", "aliyuncs.com", "88code.ai", "deepseek", "minimax"} <= decoded
    assert len(decoded) >= 147 + 11 - 1
    marks = " ".join(v for f in found["watermark"] for v in f["values"])
    for code_point in ("U+0027", "U+2019", "U+02BC", "U+02B9"):
        assert code_point in marks
    assert "'-' → '/'" in marks or "separator" in marks
    # Same code, same line: the four findings point at the code that builds "Today's date is".
    assert len({f["location"]["line"] for c in ("geofence", "watermark") for f in found[c]}) <= 2


def test_claude_code_2_1_90_has_none_of_the_four(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = scan("npm:@anthropic-ai/claude-code@2.1.90", capsys, "--fail-on", "critical")
    assert [f["id"] for c in ACCUSING for f in by_category(doc, c)] == []
    assert code == 0


def test_claude_code_2_1_332_lists_telemetry_and_remote_control(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, doc = scan("npm:@anthropic-ai/claude-code@2.1.332", capsys)
    assert by_category(doc, "geofence") == [] and by_category(doc, "watermark") == []
    evidence = " ".join(
        " ".join([f["title"], f.get("message", ""), *f.get("values", [])])
        for c in ("telemetry", "remote-control")
        for f in by_category(doc, c)
    )
    assert "/api/event_logging/v2/batch" in evidence
    assert "GrowthBook" in evidence and "/api/eval/" in evidence
    assert "datadoghq.com" in evidence
