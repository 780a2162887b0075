"""SARIF 2.1.0 output that GitHub code scanning accepts."""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import quote

from agentxray.model import Finding, Location, Notice, NoticeLevel, Report, Severity, severity_rank
from agentxray.render.about import CATEGORY_EXPLANATIONS, CATEGORY_TITLES, SECURITY_SEVERITY

logger = logging.getLogger(__name__)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "agentxrayFindingId/v1"

_LEVEL: dict[Severity, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
_NOTIFICATION_LEVEL: dict[NoticeLevel, str] = {
    "info": "note",
    "warning": "warning",
    "error": "error",
}


def artifact_uri(vpath: str) -> str:
    """A relative URI reference for a virtual path (``!`` and ``$`` kept, the rest escaped)."""
    return quote(vpath.lstrip("/"), safe="/!$&'()*+,;=@-._~")


def _rule_name(rule_id: str) -> str:
    """``js-region-geofence`` → ``JsRegionGeofence`` (SARIF rule names are identifiers)."""
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", rule_id) if p)


def _rule(rule_id: str, findings: list[Finding]) -> dict[str, Any]:
    first = findings[0]
    worst = max(findings, key=lambda f: severity_rank(f.severity)).severity
    category = first.category
    about = CATEGORY_EXPLANATIONS[category]
    props: dict[str, Any] = {
        "tags": ["security", "agentxray", category],
        "category": category,
        "precision": {"high": "high", "medium": "medium", "low": "low"}[first.confidence],
    }
    if worst != "info":
        props["security-severity"] = SECURITY_SEVERITY[worst]
    return {
        "id": rule_id,
        "name": _rule_name(rule_id),
        "shortDescription": {"text": f"{CATEGORY_TITLES[category]}: {first.title}"},
        "fullDescription": {"text": about},
        "help": {
            "text": f"{about}\n\nCategory: {category}. Review the reported code and evidence.",
            "markdown": f"**{CATEGORY_TITLES[category]}** (`{category}`)\n\n{about}",
        },
        "defaultConfiguration": {"level": _LEVEL[worst]},
        "properties": props,
    }


def _physical(loc: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(loc.artifact)}}
    if loc.line is not None and loc.line >= 1:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None and loc.column >= 1:
            region["startColumn"] = loc.column
        if loc.offset is not None and loc.offset >= 0:
            region["byteOffset"] = loc.offset
        physical["region"] = region
    return {"physicalLocation": physical}


def _message(finding: Finding) -> str:
    parts = [finding.title.rstrip(".") + "."]
    if finding.message:
        parts.append(finding.message)
    if finding.condition:
        parts.append(f"Active when: {finding.condition}.")
    if finding.values:
        parts.append("Compared with: " + ", ".join(finding.values[:10]) + ".")
    if finding.decoded:
        parts.append(f"Decoded {len(finding.decoded)} hidden values.")
    return " ".join(parts)


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [_physical(finding.location)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "properties": {
            "category": finding.category,
            "severity": finding.severity,
            "confidence": finding.confidence,
            "signals": list(finding.signals),
            "values": list(finding.values),
            "decoded": list(finding.decoded),
            "condition": finding.condition,
        },
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, **_physical(loc)} for i, loc in enumerate(finding.related, 1)
        ]
    return result


def _notification(notice: Notice) -> dict[str, Any]:
    note: dict[str, Any] = {
        "level": _NOTIFICATION_LEVEL[notice.level],
        "message": {"text": notice.message},
        "descriptor": {"id": notice.code},
    }
    if notice.path:
        note["locations"] = [
            {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(notice.path)}}}
        ]
    return note


def report_to_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log with one run."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "agentxray",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "rules": [_rule(r, by_rule[r]) for r in rule_ids],
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "commandLine": f"agentxray scan {report.target.raw}",
                "toolExecutionNotifications": [_notification(n) for n in report.notices],
            }
        ],
        "results": [_result(f, index[f.rule]) for f in report.findings],
        "properties": {"target": report.target.raw},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report) -> str:
    """The SARIF log as indented JSON text (ends with a newline)."""
    return json.dumps(report_to_sarif(report), indent=2, ensure_ascii=False) + "\n"
