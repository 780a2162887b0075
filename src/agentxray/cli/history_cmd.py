"""``agentxray history npm:PKG``: scan a range of releases, keep every report, print the timeline."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError
from agentxray.model import History, VersionResult

logger = logging.getLogger(__name__)

FORMATS = ("terminal", "json", "html")


def register(sub: Any) -> None:
    """Add the ``history`` parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "history",
        help="scan a range of releases and show when each finding appeared and left",
        description="Scan each selected release of a registry package (skipping releases already "
        "in the store), keep each report, and print a timeline: for every finding, its first and "
        "last version and any gap (gone, then back). Interrupted sweeps resume where they stopped.",
    )
    p.add_argument("target", metavar="PACKAGE", help="npm:NAME or pypi:NAME, without a version")
    p.add_argument(
        "--versions",
        metavar="RANGE",
        help="A..B (inclusive; either end may be left out), a,b,c, or a semver range "
        "(default: the newest 10 releases)",
    )
    p.add_argument("--platform", metavar="P", help="platform build to pick, e.g. linux-x64")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="releases scanned at once")
    p.add_argument(
        "--store",
        metavar="PATH|URL",
        help="the store: a SQLite file or a postgresql://… URL shared by a team (default: "
        "$AGENTXRAY_STORE or ~/.local/share/agentxray/agentxray.sqlite)",
    )
    p.add_argument("--format", choices=FORMATS, default="terminal", help="output format")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE, not stdout")
    p.set_defaults(func=run)


def render(history: History, fmt: str) -> str:
    if fmt == "json":
        from agentxray.render.history import render_history_json

        return render_history_json(history)
    if fmt == "html":
        from agentxray.render.history import render_history_html

        return render_history_html(history)
    from agentxray.render.history import render_history_text

    return render_history_text(history)


def run(args: argparse.Namespace) -> int:
    """Sweep, then render the timeline."""
    from agentxray.pipeline import sweep
    from agentxray.store import default_store_path

    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give 1 or more")
    if args.output is not None and args.output.is_dir():
        raise UsageError(f"--output {args.output} is a directory; give a file name")
    store = args.store or default_store_path()
    if sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn("sweep {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task(args.target, total=None)

            def tick(result: VersionResult, done: int, total: int) -> None:
                progress.update(
                    task,
                    completed=done,
                    total=total,
                    description=f"{args.target} {result.version} {result.status}",
                )

            history = sweep(
                args.target,
                args.versions,
                store=store,
                platform=args.platform,
                jobs=args.jobs,
                on_version=tick,
            )
    else:

        def note(result: VersionResult, done: int, total: int) -> None:
            logger.info("[%d/%d] %s %s", done, total, result.version, result.status)

        history = sweep(
            args.target,
            args.versions,
            store=store,
            platform=args.platform,
            jobs=args.jobs,
            on_version=note,
        )
    if args.output is None and args.format == "terminal":
        from rich.console import Console

        from agentxray.render.history import render_history_terminal

        render_history_terminal(history, Console(highlight=False, emoji=False))
    elif args.output is None:
        sys.stdout.write(render(history, args.format))
    else:
        args.output.write_text(render(history, args.format), encoding="utf-8")
    failed = [v.version for v in history.versions if v.status == "failed"]
    if failed:
        print(
            f"agentxray: {len(failed)} release(s) could not be scanned: {', '.join(failed)}; "
            "run again to retry them",
            file=sys.stderr,
        )
    return 0
