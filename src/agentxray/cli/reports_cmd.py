"""``agentxray reports ls|show``: the static reports kept in the store (by history and sweeps)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError

FORMATS = ("terminal", "json", "sarif", "html")


def register(sub: Any) -> None:
    """Add the ``reports`` parser with its ``ls`` and ``show`` actions."""
    p: argparse.ArgumentParser = sub.add_parser(
        "reports",
        help="list or show the stored static reports",
        description="Every release `agentxray history` scans is kept in the store "
        "($AGENTXRAY_STORE, else ~/.local/share/agentxray/agentxray.sqlite).",
    )
    actions = p.add_subparsers(dest="reports_action", metavar="ACTION", required=True)
    ls = actions.add_parser("ls", help="list stored reports, newest first")
    ls.add_argument("package", nargs="?", metavar="PACKAGE", help="only this npm:NAME/pypi:NAME")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.add_argument(
        "--store",
        metavar="PATH|URL",
        help="the store: a SQLite file or postgresql://… (default: see above)",
    )
    ls.set_defaults(func=run_ls)
    show = actions.add_parser("show", help="show one stored report")
    show.add_argument("package", metavar="PACKAGE@VERSION", help="e.g. npm:agent@1.2.3")
    show.add_argument("--format", choices=FORMATS, default="terminal")
    show.add_argument(
        "--store",
        metavar="PATH|URL",
        help="the store: a SQLite file or postgresql://… (default: see above)",
    )
    show.set_defaults(func=run_show)


def _store(args: argparse.Namespace) -> Any:
    from agentxray.store import default_store_path
    from agentxray.store.postgres import is_url
    from agentxray.store.reports import open_store

    where: str = args.store or str(default_store_path())
    if not is_url(where) and not Path(where).exists():
        raise UsageError(
            f"no store at {where}", hint="Run `agentxray history npm:PKG` first, or pass --store."
        )
    return open_store(where)


def run_ls(args: argparse.Namespace) -> int:
    """List stored reports."""
    from agentxray.store.reports import list_reports

    store = _store(args)
    try:
        rows = list_reports(store, args.package)
    finally:
        store.close()
    items: list[dict[str, Any]] = [
        {
            "package": r.package,
            "version": r.version,
            "platform": r.platform,
            "status": r.status,
            "published": r.published,
            "findings": _counts(r.document) if r.document else {},
            "error": r.error,
            "stored": datetime.fromtimestamp(r.created, UTC).isoformat(timespec="seconds"),
        }
        for r in rows
    ]
    if args.json:
        sys.stdout.write(json.dumps(items, indent=2) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("package", "version", "status", "findings", "stored"):
        table.add_column(col)
    for item in items:
        found: dict[str, int] = item["findings"]
        counts = ", ".join(f"{n} {c}" for c, n in found.items() if c != "endpoint")
        error = str(item["error"])
        status = f"failed: {error[:60]}" if error else str(item["status"])
        table.add_row(
            str(item["package"]), str(item["version"]), status, counts or "—", str(item["stored"])
        )
    Console(highlight=False).print(table if items else "No stored reports.")
    return 0


def _counts(document: str) -> dict[str, int]:
    summary = json.loads(document).get("summary", {})
    counts = summary.get("counts", {})
    return {str(k): int(v) for k, v in counts.items()}


def run_show(args: argparse.Namespace) -> int:
    """Render one stored report as `scan` would have."""
    from agentxray.cli.scan_cmd import render
    from agentxray.render.json import report_from_dict
    from agentxray.store.reports import list_reports

    package, sep, version = args.package.rpartition("@")
    if not sep or not package or ":" not in package:
        raise UsageError(f"give PACKAGE@VERSION, e.g. npm:agent@1.2.3, not {args.package}")
    store = _store(args)
    try:
        rows = [r for r in list_reports(store, package) if r.version == version and r.document]
    finally:
        store.close()
    if not rows:
        raise UsageError(f"no stored report of {args.package}", hint="See `agentxray reports ls`.")
    report = report_from_dict(json.loads(rows[0].document or "{}"))
    if args.format == "terminal":
        from agentxray.render.terminal import render_terminal, terminal_console

        render_terminal(report, terminal_console())
    else:
        sys.stdout.write(render(report, args.format))
    return 0
