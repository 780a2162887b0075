"""The JSON report document (schema ``agentxray.report/1``, shipped as package data)."""

from __future__ import annotations

import json
import logging
from functools import cache
from importlib import resources
from typing import Any

from agentxray.model import FileEntry, FileKind, Finding, Location, Notice, Report

logger = logging.getLogger(__name__)

SCHEMA_ID = "agentxray.report/1"

#: File kinds of the model mapped onto the schema's smaller artifact-kind vocabulary.
_ARTIFACT_KIND: dict[FileKind, str] = {
    "javascript": "javascript",
    "typescript": "typescript",
    "python": "python",
    "native": "native",
    "strings": "native",
    "bytecode": "other",
    "sourcemap": "data",
    "json": "data",
    "text": "data",
    "archive": "other",
    "data": "data",
    "other": "other",
}


@cache
def report_schema() -> dict[str, Any]:
    """The JSON schema of the report document."""
    text = resources.files("agentxray.render").joinpath("schema/report.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def _location(loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {"artifact": loc.artifact}
    for key in ("line", "column", "offset"):
        value = getattr(loc, key)
        if value is not None:
            out[key] = value
    return out


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding as a JSON object (empty optional fields left out)."""
    out: dict[str, Any] = {
        "id": finding.id,
        "rule": finding.rule,
        "category": finding.category,
        "severity": finding.severity,
        "title": finding.title,
        "location": _location(finding.location),
        "confidence": finding.confidence,
    }
    if finding.message:
        out["message"] = finding.message
    if finding.condition:
        out["condition"] = finding.condition
    if finding.related:
        out["related"] = [_location(r) for r in finding.related]
    if finding.snippet:
        out["snippet"] = finding.snippet
    for key in ("signals", "values", "decoded"):
        items = getattr(finding, key)
        if items:
            out[key] = list(items)
    return out


def _artifact(entry: FileEntry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": entry.vpath,
        "kind": _ARTIFACT_KIND.get(entry.kind, "other"),
        "size": entry.size,
        "sha256": entry.sha256,
    }
    if entry.container is not None:
        out["container"] = entry.container
    if entry.offset is not None:
        out["offset"] = entry.offset
    if entry.note:
        out["note"] = entry.note
    return out


def _notice(notice: Notice) -> dict[str, Any]:
    out: dict[str, Any] = {"code": notice.code, "level": notice.level, "message": notice.message}
    if notice.path is not None:
        out["path"] = notice.path
    return out


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready document conforming to :func:`report_schema`."""
    spec, artifact = report.target, report.artifact
    target: dict[str, Any] = {"spec": spec.raw, "kind": spec.kind, "name": spec.name}
    version = artifact.version if artifact and artifact.version else spec.version
    platform = artifact.platform if artifact and artifact.platform else spec.platform
    if artifact is not None:
        target["name"] = artifact.name
    if version:
        target["version"] = version
    if platform:
        target["platform"] = platform
    if artifact is not None and artifact.sha256:
        target["sha256"] = artifact.sha256
    if artifact is not None and artifact.via:
        target["via"] = list(artifact.via)
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "agentxray", "version": report.tool_version},
        "target": target,
        "artifacts": [_artifact(e) for e in report.artifacts],
        "findings": [finding_to_dict(f) for f in report.findings],
        "notices": [_notice(n) for n in report.notices],
        "summary": {
            "counts": dict(report.counts()),
            "severities": dict(report.severity_counts()),
            "duration_s": round(report.duration_s, 3),
        },
    }


def render_json(report: Report) -> str:
    """The report document as indented JSON text (ends with a newline)."""
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
