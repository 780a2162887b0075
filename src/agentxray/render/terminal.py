"""The terminal report: a summary per category, then each finding with its evidence (rich)."""

from __future__ import annotations

import io
import logging
import os
import re
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from agentxray.model import (
    CATEGORIES,
    SEVERITIES,
    Finding,
    Report,
    Severity,
    severity_rank,
)
from agentxray.model.coverage import Coverage, coverage, describe, verdict
from agentxray.render.about import CATEGORY_EXPLANATIONS, CATEGORY_TITLES, preview

logger = logging.getLogger(__name__)

SEVERITY_STYLES: dict[Severity, str] = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "bold yellow",
    "low": "cyan",
    "info": "dim",
}
#: Lines of snippet shown per finding; longer snippets are cut with a marker.
SNIPPET_LINES = 30
#: Info-level findings shown per category in the compact tables.
INFO_ROWS = 40
#: Characters of text per info-level row.
INFO_TEXT = 160
#: Width when stdout is not a terminal and $COLUMNS is unset (files, pipes, CI logs).
PIPE_WIDTH = 100
#: Notice codes that change how the whole report must be read; shown under the header.
HEADLINE_NOTICES = ("launcher",)


def _lexer(report: Report, vpath: str) -> str:
    kinds = {e.vpath: e.kind for e in report.artifacts}
    kind = kinds.get(vpath)
    if kind == "python" or vpath.endswith(".py"):
        return "python"
    if kind == "typescript" or vpath.endswith((".ts", ".tsx")):
        return "typescript"
    if kind in ("javascript", None) and not vpath.endswith((".txt", ".strings")):
        return "javascript"
    return "text"


def _where(finding: Finding) -> str:
    loc = finding.location
    text = loc.artifact
    if loc.line is not None:
        text += f":{loc.line}"
        if loc.column is not None:
            text += f":{loc.column}"
    return text


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("ry") else f"{n} {noun}s"


def _badge(severity: Severity) -> Text:
    return Text(f" {severity.upper()} ", style=SEVERITY_STYLES[severity])


def _header(report: Report) -> RenderableType:
    art = report.artifact
    lines = [Text.assemble(("agentxray scan ", "bold"), (report.target.raw, "bold cyan"))]
    if art is not None:
        what = art.name + (f" {art.version}" if art.version else "")
        if art.platform:
            what += f" ({art.platform})"
        lines.append(
            Text(f"resolved: {what}" + (f" · sha256 {art.sha256[:12]}…" if art.sha256 else ""))
        )
    for notice in report.notices:
        if notice.code in HEADLINE_NOTICES:
            lines.append(
                Text.assemble(
                    ("⚠ ", "bold yellow"),
                    (notice.message, "yellow"),
                    (f" — {notice.path}" if notice.path else "", "dim"),
                )
            )
    lines += _coverage_lines(coverage(report))
    lines.append(
        Text(
            f"{_count(len(report.artifacts), 'file')} unpacked · "
            f"{_count(len(report.findings), 'finding')} · {_count(len(report.notices), 'notice')} · "
            f"{report.duration_s:.1f} s · agentxray {report.tool_version}",
            style="dim",
        )
    )
    return Group(*lines)


def _coverage_lines(cov: Coverage) -> list[Text]:
    """What was analysed (files, languages, bytes) and what was not: skips, binaries, budgets."""
    lines: list[Text] = []
    for label, text in describe(cov):
        warn = label in ("Limits hit", "Incomplete") or (
            label == "Analysed" and cov.nothing_analysed
        )
        style = "bold yellow" if warn else "bold"
        lines.append(Text.assemble((f"{label}: ", style), (text, "yellow" if warn else "")))
    return lines


def _summary(report: Report) -> RenderableType:
    if not report.findings:
        cov = coverage(report)
        style = "bold yellow" if cov.nothing_analysed else "bold green"
        return Text(verdict(cov), style=style)
    table = Table(box=box.SIMPLE_HEAD, title="Summary", title_justify="left", expand=False)
    table.add_column("category")
    table.add_column("findings", justify="right")
    table.add_column("worst")
    table.add_column("what it means")
    for category, count in report.counts().items():
        worst = max(
            (f.severity for f in report.findings if f.category == category), key=severity_rank
        )
        table.add_row(category, str(count), _badge(worst), CATEGORY_TITLES[category])
    return table


def _evidence(label: str, values: Sequence[str], noun: str, limit: int = 12) -> Text:
    text = Text.assemble((f"{label}: ", "bold"))
    count = f"{len(values)} {noun}: " if len(values) > limit else ""
    text.append(count + preview(values, limit=limit, width=100))
    return text


def _values_label(finding: Finding) -> str | None:
    """How to introduce ``finding.values``; ``None`` when the line would only repeat the message.

    Geofence and fingerprint values are what the signal is compared with; watermark values are
    the variants written; a rule's values are the evidence it matched, usually already quoted in
    its message.
    """
    if finding.decoded and set(finding.values) <= set(finding.decoded):
        return None  # the "Decoded" line shows them
    if finding.category in ("geofence", "fingerprint"):
        return "Compared with"
    if finding.category == "watermark":
        return "Variants"
    if all(v in finding.message for v in finding.values):
        return None
    return "Evidence"


def _message(finding: Finding) -> str:
    """The message without its closing "Active only when …" sentence, shown on its own line."""
    if finding.condition:
        sentence = f" Active {finding.condition}."
        if finding.message.endswith(sentence):
            return finding.message[: -len(sentence)]
        return finding.message.replace(sentence, "")
    return finding.message


def _condition(text: str) -> str:
    """``"only when X"`` → ``"X"`` (the label already says "Active when")."""
    return text[len("only when ") :] if text.lower().startswith("only when ") else text


def _related(finding: Finding) -> str:
    """Related places, with the primary file's path left out for places in the same file."""
    parts: list[str] = []
    for loc in dict.fromkeys(finding.related):
        if loc.artifact == finding.location.artifact:
            parts.append(f"line {loc.line}" if loc.line else "same file")
        else:
            parts.append(f"{loc.artifact}:{loc.line}" if loc.line else loc.artifact)
    shown = list(dict.fromkeys(parts))
    more = f" (+{len(shown) - 8} more)" if len(shown) > 8 else ""
    return ", ".join(shown[:8]) + more


def _finding_panel(report: Report, finding: Finding) -> RenderableType:
    parts: list[RenderableType] = [
        Text(finding.title, style="bold"),
        Text(_where(finding), style="cyan", overflow="fold"),
    ]
    if finding.message:
        parts.append(Text(_message(finding)))
    else:
        parts.append(Text(CATEGORY_EXPLANATIONS[finding.category], style="italic"))
    if finding.condition:
        parts.append(
            Text.assemble(("Active when: ", "bold magenta"), _condition(finding.condition))
        )
    if finding.signals:
        parts.append(_evidence("Signals", finding.signals, "signals"))
    label = _values_label(finding) if finding.values else None
    if label is not None:
        parts.append(_evidence(label, finding.values, "values"))
    if finding.decoded:
        parts.append(_evidence("Decoded", finding.decoded, "hidden values"))
    if finding.related:
        parts.append(Text.assemble(("Related: ", "bold"), _related(finding)))
    if finding.snippet:
        lines = finding.snippet.splitlines()
        code = "\n".join(lines[:SNIPPET_LINES])
        if len(lines) > SNIPPET_LINES:
            code += f"\n/* … {len(lines) - SNIPPET_LINES} more lines */"
        lexer = _lexer(report, finding.location.artifact)
        parts.append(Syntax(code, lexer, theme="ansi_dark", word_wrap=True))
    parts.append(
        Text(
            f"rule {finding.rule} · id {finding.id} · confidence {finding.confidence}",
            style="dim",
        )
    )
    title = Text.assemble(
        _badge(finding.severity),
        " ",
        (finding.category, "bold"),
        " ",
        (CATEGORY_TITLES[finding.category], "dim"),
    )
    return Panel(
        Group(*parts),
        title=title,
        title_align="left",
        border_style=SEVERITY_STYLES[finding.severity].replace("on red", "").strip() or "red",
    )


def _info_table(category: str, findings: Sequence[Finding]) -> RenderableType:
    table = Table(
        box=box.SIMPLE,
        title=f"{category} ({len(findings)}) — {CATEGORY_TITLES[findings[0].category]}",
        title_justify="left",
    )
    table.add_column("what", overflow="fold")
    table.add_column("where", style="cyan", overflow="fold")
    for finding in findings[:INFO_ROWS]:
        what = finding.message or finding.title
        if not finding.message and finding.values:
            what += f": {preview(finding.values, limit=3)}"
        if len(what) > INFO_TEXT:
            what = what[: INFO_TEXT - 1] + "…"
        table.add_row(what, _where(finding))
    if len(findings) > INFO_ROWS:
        table.add_row(f"… {len(findings) - INFO_ROWS} more (see --format json)", "")
    return table


_ENDPOINT_VALUE = re.compile(r"^(?P<url>\S+?)(?: \[(?P<purpose>[^\]:]+): (?P<name>[^\]]+)\])?$")


def _short_where(finding: Finding) -> str:
    """``cli.js:121``: the file's own name and the line (the full path is in JSON and SARIF)."""
    loc = finding.location
    name = re.split(r"[/!]", loc.artifact.rstrip("/!"))[-1] or loc.artifact
    return f"{name}:{loc.line}" if loc.line else name


def _endpoint_table(findings: Sequence[Finding]) -> RenderableType:
    """One row per host: what it is for (known hosts), its URLs, where it appears; 100 columns."""
    table = Table(
        box=box.SIMPLE,
        title=f"endpoint ({len(findings)}) — hosts the program can contact",
        title_justify="left",
    )
    table.add_column("host", overflow="fold", ratio=3)
    table.add_column("purpose", overflow="fold", ratio=2)
    table.add_column("URLs", overflow="ellipsis", no_wrap=True, ratio=3)
    table.add_column("where", style="cyan", overflow="fold", ratio=2)
    for finding in findings[:INFO_ROWS]:
        urls: list[str] = []
        purpose = ""
        for value in finding.values:
            m = _ENDPOINT_VALUE.match(value)
            if m is None:
                continue
            urls.append(m["url"])
            if m["purpose"] and not purpose:
                purpose = f"{m['purpose']}: {m['name']}"
        if not urls:
            table.add_row(finding.message or finding.title, "", "", _short_where(finding))
            continue
        host = (urlsplit(urls[0]).hostname if "://" in urls[0] else None) or urls[0]
        paths = [urlsplit(u).path or "/" for u in urls if "://" in u]
        more = f" +{len(paths) - 1}" if len(paths) > 1 else ""
        shown = f"{paths[0]}{more}" if paths else ""
        table.add_row(host, purpose, shown, _short_where(finding))
    if len(findings) > INFO_ROWS:
        table.add_row(f"… {len(findings) - INFO_ROWS} more (see --format json)", "", "", "")
    note = Text(
        "Links in messages and help text are not endpoints; every URL and full path: "
        "--format json.",
        style="dim",
    )
    return Group(table, note)


def _notices(report: Report) -> RenderableType:
    by_code: dict[str, int] = {}
    for notice in report.notices:
        by_code[notice.code] = by_code.get(notice.code, 0) + 1
    table = Table(box=box.SIMPLE, title="Notices (skipped or incomplete)", title_justify="left")
    table.add_column("level")
    table.add_column("code")
    table.add_column("path", overflow="fold")
    table.add_column("message", overflow="fold")
    for notice in report.notices[:20]:
        table.add_row(notice.level, notice.code, notice.path or "", notice.message)
    if len(report.notices) > 20:
        counts = ", ".join(f"{code} ×{n}" for code, n in sorted(by_code.items()))
        table.add_row("", "", "", f"… {len(report.notices) - 20} more ({counts})")
    return table


def _gate(report: Report, fail_on: Severity | None) -> Text:
    """How this run gates a CI job, or how to make it gate one."""
    if fail_on is not None:
        rank = severity_rank(fail_on)
        n = sum(1 for f in report.findings if severity_rank(f.severity) >= rank)
        verdict = f"exit 1: {_count(n, 'finding')} at or above {fail_on}" if n else "exit 0"
        return Text(f"Gate: --fail-on {fail_on} → {verdict}.", style="dim")
    return Text(
        "Exit status 0: add --fail-on high to fail CI on findings, --baseline OLD.json to see "
        "only new ones.",
        style="dim",
    )


def render_terminal(report: Report, console: Console, *, fail_on: Severity | None = None) -> None:
    """Print the report on ``console``; the last line says how the exit status gates CI."""
    console.print(_header(report))
    console.print()
    console.print(_summary(report))
    detailed = [f for f in report.findings if f.severity != "info"]
    for finding in detailed:
        console.print(_finding_panel(report, finding))
    for category in CATEGORIES:
        infos = [f for f in report.findings if f.severity == "info" and f.category == category]
        if infos and category == "endpoint":
            console.print(_endpoint_table(infos))
        elif infos:
            console.print(_info_table(category, infos))
    if report.notices:
        console.print(_notices(report))
    totals = report.severity_counts()
    if totals:
        line = Text("Total: ")
        for sev in SEVERITIES:
            if sev in totals:
                line.append(f"{totals[sev]} ", style="bold")
                line.append(sev, style=SEVERITY_STYLES[sev])
                line.append("  ")
        console.print(line)
    if not coverage(report).nothing_analysed:
        console.print(_gate(report, fail_on))


def terminal_console() -> Console:
    """The console for ``agentxray scan`` on stdout: the terminal's width, else $COLUMNS, else
    :data:`PIPE_WIDTH` (rich's 80 columns fold every virtual path in a redirected report)."""
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH
    return Console(highlight=False, emoji=False, width=width)


def render_terminal_text(report: Report, *, width: int = 100, color: bool = False) -> str:
    """The terminal report as a string (plain text unless ``color``), e.g. for files and tests."""
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
    render_terminal(report, console)
    return buffer.getvalue()
