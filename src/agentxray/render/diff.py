"""A Delta (what changed between two reports) as terminal text, JSON (``agentxray.diff/1``) or HTML."""

from __future__ import annotations

import io
import json
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentxray.model import SEVERITIES, Finding, severity_rank
from agentxray.model.delta import Change, Delta
from agentxray.render.json import finding_to_dict, report_schema

DIFF_SCHEMA_ID = "agentxray.diff/1"

SEVERITY_STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


@cache
def diff_schema() -> dict[str, Any]:
    """The JSON schema of the diff document (its findings are the report schema's findings)."""
    text = resources.files("agentxray.render").joinpath("schema/diff.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def diff_validator() -> Any:
    """A validator for diff documents, with the report schema registered for its ``$ref``s."""
    import jsonschema
    from referencing import Registry, Resource

    registry = Registry().with_resource(
        report_schema()["$id"], Resource.from_contents(report_schema())
    )
    return jsonschema.Draft202012Validator(diff_schema(), registry=registry)


def _side(name: str, version: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"target": name}
    if version:
        out["version"] = version
    return out


def delta_to_dict(delta: Delta) -> dict[str, Any]:
    """The delta as a JSON-ready document conforming to :func:`diff_schema`."""
    return {
        "schema": DIFF_SCHEMA_ID,
        "old": _side(delta.old, delta.old_version),
        "new": _side(delta.new, delta.new_version),
        "added": [finding_to_dict(f) for f in delta.added],
        "removed": [finding_to_dict(f) for f in delta.removed],
        "changed": [
            {
                "before": finding_to_dict(c.before),
                "after": finding_to_dict(c.after),
                "how": list(c.how),
                "matched_by": c.matched_by,
            }
            for c in delta.changed
        ],
        "summary": {
            "added": len(delta.added),
            "removed": len(delta.removed),
            "changed": len(delta.changed),
            "unchanged": len(delta.unchanged),
        },
    }


def render_diff_json(delta: Delta) -> str:
    """The delta document as indented JSON text (ends with a newline)."""
    return json.dumps(delta_to_dict(delta), indent=2, ensure_ascii=False) + "\n"


def _label(delta: Delta, side: str) -> str:
    name = delta.old if side == "old" else delta.new
    version = delta.old_version if side == "old" else delta.new_version
    return name if not version or version in name else f"{name} ({version})"


def _sorted(findings: tuple[Finding, ...]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-severity_rank(f.severity), f.category, f.title))


def _line(mark: str, style: str, f: Finding) -> Text:
    text = Text(f"{mark} ", style=style)
    text.append(f"{f.severity:<8}", style=SEVERITY_STYLES[f.severity])
    text.append(f" {f.category:<17} ")
    text.append(f.title, style="bold")
    if f.decoded:
        text.append("\n    decoded: " + ", ".join(f.decoded[:8]), style="magenta")
    if f.signals:
        text.append("\n    signals: " + ", ".join(f.signals[:8]), style="dim")
    loc = f.location
    where = loc.artifact.rsplit("!", 1)[-1] + (f":{loc.line}" if loc.line else "")
    text.append(f"\n    at {where}", style="dim")
    return text


def _change(c: Change) -> Text:
    text = _line("~", "yellow", c.after)
    for how in c.how:
        text.append(f"\n    {how}", style="yellow")
    if c.matched_by == "evidence":
        text.append("\n    (id changed; paired by rule and evidence)", style="dim")
    return text


def _renderables(delta: Delta) -> RenderableType:
    head = Text()
    head.append("agentxray diff", style="bold")
    head.append(f"  {_label(delta, 'old')}  →  {_label(delta, 'new')}\n")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("", *SEVERITIES, "total"):
        table.add_column(col, justify="right" if col else "left")
    rows: tuple[tuple[str, tuple[Finding, ...]], ...] = (
        ("added", delta.added),
        ("removed", delta.removed),
        ("changed", tuple(c.after for c in delta.changed)),
        ("unchanged", delta.unchanged),
    )
    for name, items in rows:
        row = [str(sum(1 for f in items if f.severity == s) or "·") for s in SEVERITIES]
        table.add_row(name, *row, str(len(items)))
    parts: list[RenderableType] = [head, table]
    detailed: list[tuple[str, str, str, list[Finding]]] = [
        ("Added", "+", "green", [f for f in _sorted(delta.added) if f.category != "endpoint"]),
        ("Removed", "-", "red", [f for f in _sorted(delta.removed) if f.category != "endpoint"]),
    ]
    for title, mark, style, shown in detailed:
        if shown:
            parts.append(Text(f"\n{title}", style=f"bold {style}"))
            parts.extend(_line(mark, style, f) for f in shown)
    changes = sorted(delta.changed, key=lambda c: -severity_rank(c.after.severity))
    if changes:
        parts.append(Text("\nChanged", style="bold yellow"))
        parts.extend(_change(c) for c in changes)
    hosts_added = sorted(v for f in delta.added if f.category == "endpoint" for v in f.values[:1])
    hosts_gone = sorted(v for f in delta.removed if f.category == "endpoint" for v in f.values[:1])
    if hosts_added or hosts_gone:
        parts.append(Text("\nEndpoints", style="bold"))
        parts.extend(Text(f"+ {h}", style="green") for h in hosts_added)
        parts.extend(Text(f"- {h}", style="red") for h in hosts_gone)
    if not (delta.added or delta.removed or delta.changed):
        parts.append(Text("\nNo differences in findings.", style="bold"))
    return Group(*parts)


def render_diff_terminal(delta: Delta, console: Console) -> None:
    """Print the delta on ``console``."""
    console.print(_renderables(delta))


def render_diff_text(delta: Delta, *, width: int = 100, color: bool = False) -> str:
    """The terminal rendering as a string (plain text unless ``color``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="truecolor" if color else None,
        highlight=False,
        emoji=False,
    )
    render_diff_terminal(delta, console)
    return buffer.getvalue()


def render_diff_html(delta: Delta) -> str:
    """The delta as one self-contained HTML document (no external URLs)."""
    env = Environment(
        loader=PackageLoader("agentxray.render.html", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("diff.html.j2").render(
        delta=delta,
        old=_label(delta, "old"),
        new=_label(delta, "new"),
        added=_sorted(delta.added),
        removed=_sorted(delta.removed),
        changed=sorted(delta.changed, key=lambda c: -severity_rank(c.after.severity)),
    )
