"""A single self-contained HTML report (inline CSS and JS, no external URLs)."""

from __future__ import annotations

import io
import logging
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from rich.console import Console
from rich.syntax import Syntax

from agentxray.model import CATEGORIES, SEVERITIES, Finding, Report
from agentxray.model.coverage import coverage, describe, verdict
from agentxray.render.about import CATEGORY_EXPLANATIONS, CATEGORY_TITLES, preview

logger = logging.getLogger(__name__)

#: Lines of snippet shown per finding.
SNIPPET_LINES = 60


def _lexer(vpath: str) -> str:
    if vpath.endswith(".py"):
        return "python"
    if vpath.endswith((".ts", ".tsx")):
        return "typescript"
    return "javascript"


def highlight(code: str, vpath: str) -> Markup:
    """``code`` as syntax-highlighted HTML (inline styles; rich escapes the text)."""
    lines = code.splitlines()
    if len(lines) > SNIPPET_LINES:
        lines = [*lines[:SNIPPET_LINES], f"/* … {len(lines) - SNIPPET_LINES} more lines */"]
    console = Console(record=True, file=io.StringIO(), width=120, color_system="truecolor")
    console.print(Syntax("\n".join(lines), _lexer(vpath), theme="monokai", word_wrap=True))
    html = console.export_html(inline_styles=True, code_format="{code}")
    return Markup(f'<pre class="code">{html}</pre>')  # rich escaped the code text


def _where(finding: Finding) -> str:
    loc = finding.location
    text = loc.artifact
    if loc.line is not None:
        text += f":{loc.line}" + (f":{loc.column}" if loc.column is not None else "")
    return text


def _related(finding: Finding) -> list[str]:
    """Related places as ``path:line``, each once."""
    places = (f"{r.artifact}:{r.line}" if r.line else r.artifact for r in finding.related)
    return list(dict.fromkeys(places))


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("agentxray.render.html", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = highlight
    env.filters["preview"] = preview
    env.filters["where"] = _where
    env.filters["related"] = _related
    return env


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    counts = report.counts()
    cov = coverage(report)
    context: dict[str, Any] = {
        "report": report,
        "coverage": describe(cov),
        "verdict": verdict(cov),
        "nothing_analysed": cov.nothing_analysed,
        "categories": [c for c in CATEGORIES if c in counts],
        "severities": [s for s in SEVERITIES if s in report.severity_counts()],
        "counts": counts,
        "severity_counts": report.severity_counts(),
        "titles": CATEGORY_TITLES,
        "explanations": CATEGORY_EXPLANATIONS,
    }
    return _environment().get_template("report.html.j2").render(context)
