"""The JSON report document (schema ``agentxray.report/1``, shipped as package data)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from agentxray.model import Event, FileEntry, FileKind, Finding, Location, Notice, Report

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


def event_to_dict(event: Event) -> dict[str, Any]:
    """One event of a live run as the schema's ``events`` entry (fields that do not apply left out)."""
    out: dict[str, Any] = {}
    for name in Event.__dataclass_fields__:
        value = getattr(event, name)
        if value is not None:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def run_report_to_dict(
    report: Report, run: dict[str, Any], events: Sequence[Event]
) -> dict[str, Any]:
    """The document of a live run: the report plus its ``run`` object and ``events`` list."""
    doc = report_to_dict(report)
    doc["run"] = run
    doc["events"] = [event_to_dict(e) for e in events]
    return doc


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


def _location_from(obj: dict[str, Any]) -> Location:
    return Location(
        artifact=str(obj["artifact"]),
        line=obj.get("line"),
        column=obj.get("column"),
        offset=obj.get("offset"),
    )


def finding_from_dict(obj: dict[str, Any]) -> Finding:
    """The inverse of :func:`finding_to_dict`."""
    return Finding(
        id=obj["id"],
        rule=obj["rule"],
        category=obj["category"],
        severity=obj["severity"],
        title=obj["title"],
        location=_location_from(obj["location"]),
        message=obj.get("message", ""),
        related=tuple(_location_from(r) for r in obj.get("related", ())),
        snippet=obj.get("snippet", ""),
        signals=tuple(obj.get("signals", ())),
        values=tuple(obj.get("values", ())),
        decoded=tuple(obj.get("decoded", ())),
        confidence=obj.get("confidence", "high"),
        condition=obj.get("condition", ""),
    )


def _artifact_from(obj: dict[str, Any]) -> FileEntry:
    """A file entry read back; the document's kinds are coarser than the model's, so the finer
    kind is recovered from the name where it decides (strings files, source maps, JSON)."""
    path = str(obj["path"])
    kind: FileKind = {
        "javascript": "javascript",
        "typescript": "typescript",
        "python": "python",
        "native": "native",
        "data": "data",
    }.get(str(obj.get("kind")), "other")  # type: ignore[assignment]
    if kind == "native" and path.endswith(".strings"):
        kind = "strings"
    elif kind == "data" and path.endswith(".map"):
        kind = "sourcemap"
    elif kind == "data" and path.endswith(".json"):
        kind = "json"
    return FileEntry(
        vpath=path,
        kind=kind,
        size=int(obj.get("size", 0)),
        sha256=str(obj.get("sha256", "")),
        container=obj.get("container"),
        offset=obj.get("offset"),
        note=obj.get("note"),
    )


def report_from_dict(doc: dict[str, Any]) -> Report:
    """A report read back from its JSON document (validated against :func:`report_schema`).

    What the document keeps is restored: target, findings, notices, analysed files and time.
    Raises ``ValueError`` naming the first schema violation when ``doc`` is not a report.
    """
    import jsonschema

    from agentxray.model import Artifact, TargetKind, TargetSpec

    try:
        jsonschema.Draft202012Validator(report_schema()).validate(doc)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the document"
        raise ValueError(f"not an agentxray.report/1 document: {where}: {exc.message}") from None
    t = doc["target"]
    kinds: dict[str, TargetKind] = {"npm": "npm", "pypi": "pypi", "command": "command"}
    kind = kinds.get(str(t.get("kind")), "path")
    spec = TargetSpec(raw=t["spec"], kind=kind, name=t.get("name", t["spec"]), version=None)
    artifact = Artifact(
        spec=spec,
        path=Path(t["spec"]),
        format="file",
        name=t.get("name", t["spec"]),
        version=t.get("version"),
        platform=t.get("platform"),
        sha256=t.get("sha256"),
    )
    return Report(
        target=spec,
        tool_version=doc["tool"]["version"],
        artifact=artifact,
        artifacts=tuple(_artifact_from(a) for a in doc.get("artifacts", ())),
        findings=tuple(finding_from_dict(f) for f in doc["findings"]),
        notices=tuple(
            Notice(n["code"], n["message"], n.get("path"), n.get("level", "warning"))
            for n in doc.get("notices", ())
        ),
        duration_s=float(doc.get("summary", {}).get("duration_s", 0.0)),
    )
