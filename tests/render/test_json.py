"""The JSON report conforms to the contract schema and carries the evidence."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from agentxray.model import Report
from agentxray.render.json import render_json, report_schema, report_to_dict

SHARED_SCHEMA = Path(__file__).resolve().parents[3] / "shared/contract/report.schema.json"


def test_document_validates_against_schema(sample_report: Report, empty_report: Report) -> None:
    for report in (sample_report, empty_report):
        jsonschema.Draft202012Validator(report_schema()).validate(json.loads(render_json(report)))


def test_invalid_document_is_rejected() -> None:
    validator = jsonschema.Draft202012Validator(report_schema())
    assert not validator.is_valid({"schema": "agentxray.report/1", "findings": []})


def test_document_carries_target_evidence_and_notices(sample_report: Report) -> None:
    doc = report_to_dict(sample_report)
    assert doc["target"] == {
        "spec": "npm:@anthropic-ai/claude-code@2.1.197",
        "kind": "npm",
        "name": "@anthropic-ai/claude-code-linux-x64",
        "version": "2.1.197",
        "platform": "linux-x64",
        "sha256": "ab" * 32,
        "via": ["@anthropic-ai/claude-code@2.1.197"],
    }
    geo = doc["findings"][0]
    assert geo["id"] == "geofence:5f3a9c"
    assert geo["location"] == {
        "artifact": "claude!/$bunfs/root/src/entrypoints/cli.js",
        "line": 4211,
        "column": 17,
        "offset": 123456,
    }
    assert geo["values"] == ["Asia/Shanghai", "Asia/Urumqi"]
    assert geo["condition"].startswith("ANTHROPIC_BASE_URL")
    assert "moonshot.ai" in doc["findings"][1]["decoded"]
    assert [a["kind"] for a in doc["artifacts"]] == ["native", "javascript", "native"]
    assert doc["artifacts"][1]["container"] == "claude" and doc["artifacts"][1]["offset"] == 4096
    assert {n["code"] for n in doc["notices"]} == {
        "bytecode-not-written",
        "parse-error",
        "detector-error",
    }
    assert doc["summary"]["counts"] == {
        "geofence": 1,
        "obfuscated-data": 1,
        "watermark": 1,
        "command-exec": 1,
        "endpoint": 1,
    }


def test_packaged_schema_is_the_contract() -> None:
    if not SHARED_SCHEMA.exists():
        pytest.skip("the shared contract folder is not beside this checkout")
    assert report_schema() == json.loads(SHARED_SCHEMA.read_text())
