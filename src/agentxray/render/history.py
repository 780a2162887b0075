"""A History (findings across releases) as terminal text, JSON or an HTML timeline chart."""

from __future__ import annotations

import io
import json
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentxray.model import History, Lineage, severity_rank
from agentxray.render.json import finding_to_dict

HISTORY_SCHEMA_ID = "agentxray.history/1"
#: Versions shown as one presence strip per finding in the terminal (more: first/last only).
STRIP_MAX = 60


def _ordered(history: History, *, include_info: bool) -> list[Lineage]:
    lines = [ln for ln in history.timeline if include_info or ln.finding.severity != "info"]
    return sorted(lines, key=lambda ln: (-severity_rank(ln.finding.severity), ln.finding.category))


def history_validator() -> Any:
    """A validator for history documents (the report schema registered for findings)."""
    import jsonschema
    from referencing import Registry, Resource

    from agentxray.render.json import report_schema

    text = resources.files("agentxray.render").joinpath("schema/history.schema.json").read_text()
    registry = Registry().with_resource(
        report_schema()["$id"], Resource.from_contents(report_schema())
    )
    return jsonschema.Draft202012Validator(json.loads(text), registry=registry)


def history_to_dict(history: History) -> dict[str, Any]:
    """The JSON document: versions with their status, and one timeline entry per finding."""
    return {
        "schema": HISTORY_SCHEMA_ID,
        "target": history.target,
        "versions": [
            {
                "version": v.version,
                "published": v.published,
                "status": v.status,
                **({"error": v.error} if v.error else {}),
                **({"seconds": round(v.seconds, 3)} if v.seconds is not None else {}),
            }
            for v in history.versions
        ],
        "timeline": [
            {
                "finding": ln.finding.id,
                "rule": ln.finding.rule,
                "category": ln.finding.category,
                "severity": ln.finding.severity,
                "title": ln.finding.title,
                "first": ln.first,
                "last": ln.last,
                "present_in": list(ln.present_in),
                "gaps": [{"gone_after": a, "back_in": b} for a, b in ln.gaps],
                "ids": list(ln.ids),
                "latest": finding_to_dict(ln.finding),
            }
            for ln in _ordered(history, include_info=True)
        ],
    }


def render_history_json(history: History) -> str:
    return json.dumps(history_to_dict(history), indent=2, ensure_ascii=False) + "\n"


def _strip(line: Lineage, versions: list[str]) -> Text:
    present = set(line.present_in)
    text = Text()
    for v in versions:
        text.append("■" if v in present else "·", style="bold" if v in present else "dim")
    return text


def _renderables(history: History) -> RenderableType:
    ok = [v.version for v in history.versions if v.status != "failed"]
    failed = [v for v in history.versions if v.status == "failed"]
    scanned = sum(1 for v in history.versions if v.status == "scanned")
    stored = sum(1 for v in history.versions if v.status == "stored")
    head = Text()
    head.append("agentxray history", style="bold")
    head.append(f"  {history.target}  ")
    if history.versions:
        head.append(f"{history.versions[0].version} … {history.versions[-1].version}")
    head.append(
        f"\n{len(history.versions)} versions: {scanned} scanned, {stored} from the store, "
        f"{len(failed)} failed\n",
        style="dim",
    )
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("severity")
    table.add_column("category")
    table.add_column("finding", overflow="fold", max_width=44)
    table.add_column("first")
    table.add_column("last")
    if len(ok) <= STRIP_MAX:
        table.add_column("present")
    lines = _ordered(history, include_info=False)
    for ln in lines:
        last = ln.last if ln.last != ok[-1] else f"{ln.last} (still)"
        row: list[RenderableType] = [
            ln.finding.severity,
            ln.finding.category,
            ln.finding.title,
            ln.first,
            last,
        ]
        if len(ok) <= STRIP_MAX:
            row.append(_strip(ln, ok))
        table.add_row(*row)
    parts: list[RenderableType] = [head]
    if lines:
        parts.append(table)
    else:
        parts.append(Text("No findings above info in any version scanned."))
    gaps = [ln for ln in lines if ln.gaps]
    if gaps:
        parts.append(Text("\nCame back after a gap", style="bold yellow"))
        for ln in gaps:
            spans = ", ".join(f"gone after {a}, back in {b}" for a, b in ln.gaps)
            parts.append(Text(f"  {ln.finding.category}: {ln.finding.title} — {spans}"))
    for v in failed:
        parts.append(Text(f"failed {v.version}: {v.error}", style="red"))
    return Group(*parts)


def render_history_terminal(history: History, console: Console) -> None:
    console.print(_renderables(history))


def render_history_text(history: History, *, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, emoji=False)
    render_history_terminal(history, console)
    return buffer.getvalue()


def render_history_html(history: History) -> str:
    """A self-contained HTML page: one row per finding, one column per version."""
    env = Environment(
        loader=PackageLoader("agentxray.render.html", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    ok = [v for v in history.versions if v.status != "failed"]
    return env.get_template("history.html.j2").render(
        history=history,
        versions=ok,
        lines=[(ln, set(ln.present_in)) for ln in _ordered(history, include_info=False)],
    )
