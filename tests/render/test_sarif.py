"""SARIF output validates against the OASIS 2.1.0 schema and has what GitHub code scanning needs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from agentxray.model import Report
from agentxray.render.sarif import artifact_uri, render_sarif, report_to_sarif

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data/sarif-schema-2.1.0.json").read_text())


def test_log_validates_against_sarif_schema(sample_report: Report, empty_report: Report) -> None:
    for report in (sample_report, empty_report):
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(render_sarif(report)))


def test_schema_check_can_fail(sample_report: Report) -> None:
    log = report_to_sarif(sample_report)
    log["runs"][0]["results"][0]["level"] = "critical"  # not a SARIF level
    assert not jsonschema.Draft4Validator(SARIF_SCHEMA).is_valid(log)


def test_rules_carry_github_metadata(sample_report: Report) -> None:
    driver = report_to_sarif(sample_report)["runs"][0]["tool"]["driver"]
    rules = {r["id"]: r for r in driver["rules"]}
    geo = rules["js-region-compare"]
    assert geo["name"] == "JsRegionCompare"
    assert geo["properties"]["security-severity"] == "9.5"
    assert geo["properties"]["category"] == "geofence"
    assert "geofence" in geo["properties"]["tags"]
    assert geo["shortDescription"]["text"] and geo["fullDescription"]["text"] and geo["help"]
    assert "security-severity" not in rules["endpoint-url"]["properties"]


def test_results_point_at_virtual_paths(sample_report: Report) -> None:
    run = report_to_sarif(sample_report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "js-region-compare"
    assert first["level"] == "error"
    assert first["partialFingerprints"] == {"agentxrayFindingId/v1": "geofence:5f3a9c"}
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "claude!/$bunfs/root/src/entrypoints/cli.js"
    assert loc["region"] == {"startLine": 4211, "startColumn": 17, "byteOffset": 123456}
    assert "Asia/Shanghai" in first["message"]["text"]
    no_line = next(r for r in run["results"] if r["ruleId"] == "js-child-process")
    assert "region" not in no_line["locations"][0]["physicalLocation"]


def test_notices_become_tool_execution_notifications(sample_report: Report) -> None:
    notes = report_to_sarif(sample_report)["runs"][0]["invocations"][0][
        "toolExecutionNotifications"
    ]
    assert [(n["descriptor"]["id"], n["level"]) for n in notes] == [
        ("bytecode-not-written", "note"),
        ("parse-error", "warning"),
        ("detector-error", "error"),
    ]
    uri = notes[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "claude!/$bunfs/root/x.js"


def test_uri_escapes_what_a_uri_cannot_hold() -> None:
    assert artifact_uri("pkg!/a b/c:d.js") == "pkg!/a%20b/c%3Ad.js"
    assert artifact_uri("/abs/x.js") == "abs/x.js"
