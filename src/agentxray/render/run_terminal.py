"""The terminal view of a live run, from its report document's ``run``, ``events`` and ``findings``."""

from __future__ import annotations

import io
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from agentxray.model.coverage import human_bytes
from agentxray.rules.hosts import default_hosts, split_url

logger = logging.getLogger(__name__)

STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "bold yellow",
    "low": "cyan",
    "info": "dim",
}
ROWS = 40
"""Rows shown per section; the rest is counted."""
#: Control characters, and format characters that reorder or hide text (bidi overrides,
#: zero-width): a traced program names its files, so they are shown escaped, never obeyed.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _safe(value: object) -> str:
    """``value`` as text a terminal shows as is: control characters as ``\\xNN``/``\\uNNNN``."""
    text = str(value)

    def one(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(one, text)


def _cell(value: object) -> str:
    """A table cell: safe, and rich markup in it shown, not interpreted."""
    return escape(_safe(value))


#: Columns whose text may wrap; the others keep to one line.
WRAPPING = frozenset({"command", "path", "by", "host", "name", "purpose", "secret", "what"})


def _table(*columns: str) -> Table:
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, header_style="bold")
    for c in columns:
        if c in WRAPPING:
            table.add_column(c, overflow="fold", min_width=12)
        else:
            table.add_column(c, no_wrap=True)
    return table


def _section(console: Console, title: str, count: int, table: Table | None = None) -> None:
    console.print(Text(f"{title} ({count})", style="bold underline"))
    if table is not None and count:
        console.print(table)
    elif not count:
        console.print(Text("  none", style="dim"))
    if count > ROWS:
        console.print(Text(f"  … and {count - ROWS} more", style="dim"))
    console.print()


def _purpose(host: str, url: str) -> str:
    known = default_hosts().classify(host.lower(), split_url(url)[1] if url else "")
    return "" if known is None or known.ignore else f"{known.purpose} ({known.name})"


def _hosts(events: Sequence[Mapping[str, Any]]) -> Table:
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"requests": 0, "sent": 0, "received": 0, "blocked": 0, "url": "", "ports": set()}
    )
    for e in events:
        if e.get("kind") not in ("http", "connect", "tls-refused") or not e.get("host"):
            continue
        row = rows[e["host"]]
        row["requests"] += 1
        row["sent"] += e.get("bytes_sent") or 0
        row["received"] += e.get("bytes_received") or 0
        row["blocked"] += bool(e.get("blocked"))
        row["url"] = row["url"] or e.get("url") or ""
        if e.get("port"):
            row["ports"].add(str(e["port"]))
    table = _table("host", "requests", "sent", "received", "purpose")
    for host, row in list(rows.items())[:ROWS]:
        ports = ":" + ",".join(sorted(row["ports"])) if row["ports"] else ""
        blocked = f" ({row['blocked']} blocked)" if row["blocked"] else ""
        table.add_row(
            _cell(host + ports),
            f"{row['requests']}{blocked}",
            human_bytes(row["sent"]),
            human_bytes(row["received"]),
            _cell(_purpose(host, row["url"])),
        )
    return table


def render_run(document: Mapping[str, Any], console: Console) -> None:
    """Print the run: header, hosts, DNS names, files read outside the workspace, files written,
    processes, honeytoken hits, policy violations, then the findings."""
    run: Mapping[str, Any] = document.get("run") or {}
    events: Sequence[Mapping[str, Any]] = document.get("events") or []
    findings: Sequence[Mapping[str, Any]] = document.get("findings") or []
    state = "complete" if run.get("complete", True) else "INCOMPLETE (interrupted)"
    header = Text(f"Run {_safe(run.get('id', '?'))}", style="bold")
    header.append(f"  {state}", style="green" if run.get("complete", True) else "bold red")
    for label, key in (("exit", "exit_code"), ("scenario", "scenario"), ("policy", "policy")):
        if run.get(key) is not None and run.get(key) != "":
            header.append(f"  {label} {_safe(run[key])}")
    if run.get("duration_s") is not None:
        header.append(f"  {run['duration_s']:.1f} s")
    console.print(header)
    if run.get("command"):
        console.print(Text("  " + _safe(" ".join(run["command"])), style="dim"))
    if run.get("persona"):
        persona = ", ".join(f"{k}={v}" for k, v in run["persona"].items())
        console.print(Text(f"  persona: {_safe(persona)}", style="dim"))
    console.print()

    contacted = {
        e["host"] for e in events if e.get("kind") in ("http", "connect") and e.get("host")
    }
    _section(console, "Hosts contacted", len(contacted), _hosts(events))

    names = Counter(e["host"] for e in events if e.get("kind") == "dns" and e.get("host"))
    dns = _table("name", "queries")
    for name, n in list(names.items())[:ROWS]:
        dns.add_row(_cell(name), str(n))
    _section(console, "DNS names", len(names), dns)

    def files(accesses: tuple[str, ...], outside: bool) -> tuple[Table, int]:
        seen: dict[str, set[str]] = defaultdict(set)
        for e in events:
            path = e.get("path")
            if e.get("kind") != "file" or e.get("access") not in accesses or not path:
                continue
            if outside and not path.startswith(("/", "~")):
                continue
            seen[path].add(f"{e.get('process') or '?'} ({e.get('access')})")
        table = _table("path", "by")
        for path, who in list(seen.items())[:ROWS]:
            table.add_row(_cell(path), _cell(", ".join(sorted(who))))
        return table, len(seen)

    table, n = files(("read",), True)
    _section(console, "Files read outside the workspace", n, table)
    table, n = files(("written", "created", "deleted", "renamed"), False)
    _section(console, "Files written", n, table)

    procs = _table("pid", "command")
    execs = [e for e in events if e.get("kind") == "exec"]
    for e in execs[:ROWS]:
        argv = e.get("argv") or [e.get("path") or "?"]
        procs.add_row(str(e.get("pid", "")), _cell(" ".join(argv)))
    _section(console, "Processes", len(execs), procs)

    hits = [e for e in events if e.get("kind") == "honeytoken"]
    table = _table("secret", "file", "to")
    for e in hits[:ROWS]:
        table.add_row(
            _cell(e.get("detail") or ""), _cell(e.get("path") or ""), _cell(e.get("host") or "")
        )
    _section(console, "Honeytoken hits", len(hits), table)

    violations = [e for e in events if e.get("kind") == "violation" or e.get("blocked")]
    table = _table("what", "where")
    for e in violations[:ROWS]:
        where = e.get("host") or e.get("path") or e.get("url") or ""
        what = e.get("detail") or " ".join(
            str(x) for x in (e.get("kind"), "blocked:", e.get("method"), e.get("url")) if x
        )
        table.add_row(_cell(what), _cell(str(where)))
    _section(console, "Policy violations", len(violations), table)

    console.print(Text(f"Findings ({len(findings)})", style="bold underline"))
    for f in findings:
        line = Text("  ")
        severity = _safe(f.get("severity", "?"))
        line.append(f" {severity} ", style=STYLES.get(severity, ""))
        line.append(_safe(f" {f.get('category', '')}  {f.get('title', '')}"), style="bold")
        loc = f.get("location") or {}
        line.append(_safe(f"  {loc.get('artifact', '')}:{loc.get('line', '')}"), style="dim")
        console.print(line)
        if f.get("message"):
            console.print(Text("     " + _safe(f["message"])))
    if not findings:
        console.print(Text("  none", style="dim"))


def render_runs_table(runs: Sequence[Mapping[str, Any]], console: Console) -> None:
    """The list of stored runs (``agentxray runs ls``), newest first."""
    table = _table("run", "state", "started UTC", "command", "scenario", "policy", "exit",
                   "time", "events", "findings")  # fmt: skip
    for r in runs:
        started = time.strftime("%Y-%m-%d %H:%M", time.gmtime(r.get("started", 0)))
        duration = r.get("duration_s")
        table.add_row(
            str(r.get("id")),
            "complete" if r.get("complete") else "incomplete",
            started,
            _cell(" ".join(r.get("command") or []) or r.get("target", "")),
            _cell(r.get("scenario", "")),
            _cell(r.get("policy", "")),
            "" if r.get("exit_code") is None else str(r["exit_code"]),
            "" if duration is None else f"{duration:.1f} s",
            str(r.get("events", 0)),
            str(r.get("findings", 0)),
        )
    console.print(table)


def render_run_text(document: Mapping[str, Any], *, width: int = 100) -> str:
    """The run view as plain text, e.g. for tests and files."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, emoji=False)
    render_run(document, console)
    return buffer.getvalue()
