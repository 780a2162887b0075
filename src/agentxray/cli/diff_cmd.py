"""``agentxray diff OLD NEW``: which findings a new version added, removed or changed."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError
from agentxray.model import SEVERITIES, Delta, Report, Severity, severity_rank

logger = logging.getLogger(__name__)

FORMATS = ("terminal", "json", "html")


def register(sub: Any) -> None:
    """Add the ``diff`` parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "diff",
        help="compare two versions: findings added, removed and changed",
        description="Scan OLD and NEW (targets as for `scan`, or JSON reports saved with "
        "`scan --format json`) and report the findings NEW adds, removes and changes. A finding "
        "whose id changed (renamed variables, a new key, a re-encoded list) is paired by rule and "
        "evidence and shown as changed. Exit status: 0 ok, 1 an added or changed finding at or "
        "above --fail-on, 2 usage or input error.",
    )
    p.add_argument("old", metavar="OLD", help="the version you have, e.g. npm:agent@1.0.0")
    p.add_argument(
        "new", metavar="NEW", help="the version to compare it with, e.g. npm:agent@1.1.0"
    )
    p.add_argument(
        "--format", choices=FORMATS, default="terminal", help="output format (default: terminal)"
    )
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the result to FILE, not stdout"
    )
    p.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help="exit 1 when an added or changed finding is at or above SEVERITY",
    )
    p.add_argument(
        "--platform", metavar="P", help="platform build to pick, e.g. linux-x64, darwin-arm64"
    )
    p.set_defaults(func=run)


def saved_report(text: str) -> Report | None:
    """The report in ``text`` when it names a saved JSON report, else ``None`` (a target)."""
    path = Path(text)
    if path.suffix.lower() != ".json" or not path.is_file():
        return None
    from agentxray.render.json import SCHEMA_ID, report_from_dict

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_ID:
        return None
    try:
        return report_from_dict(doc)
    except ValueError as exc:
        raise UsageError(f"{text}: {exc}") from None


def _report(text: str, platform: str | None) -> Report:
    saved = saved_report(text)
    if saved is not None:
        return saved
    from agentxray.pipeline import audit

    return audit(text, platform=platform, progress=sys.stderr.isatty())


def exit_code(delta: Delta, fail_on: Severity | None) -> int:
    """1 when an added or changed finding is at or above ``fail_on``, else 0."""
    if fail_on is None:
        return 0
    threshold = severity_rank(fail_on)
    new = [*delta.added, *(c.after for c in delta.changed)]
    return 1 if any(severity_rank(f.severity) >= threshold for f in new) else 0


def render(delta: Delta, fmt: str) -> str:
    """The delta in format ``fmt``."""
    if fmt == "json":
        from agentxray.render.diff import render_diff_json

        return render_diff_json(delta)
    if fmt == "html":
        from agentxray.render.diff import render_diff_html

        return render_diff_html(delta)
    from agentxray.render.diff import render_diff_text

    return render_diff_text(delta)


def run(args: argparse.Namespace) -> int:
    """Scan both sides, compare, render; the exit code reflects ``--fail-on``."""
    from agentxray.compare import compare

    if args.output is not None and args.output.is_dir():
        raise UsageError(f"--output {args.output} is a directory; give a file name")
    old = _report(args.old, args.platform)
    new = _report(args.new, args.platform)
    delta = compare(old, new, old_name=args.old, new_name=args.new)
    if args.output is None and args.format == "terminal":
        from rich.console import Console

        from agentxray.render.diff import render_diff_terminal

        render_diff_terminal(delta, Console(highlight=False, emoji=False))
    elif args.output is None:
        sys.stdout.write(render(delta, args.format))
    else:
        args.output.write_text(render(delta, args.format), encoding="utf-8")
        logger.info("wrote %s diff to %s", args.format, args.output)
    code = exit_code(delta, args.fail_on)
    if code:
        print(
            f"agentxray: {args.new} adds or changes findings at or above {args.fail_on}",
            file=sys.stderr,
        )
    return code
