"""``agentxray scan TARGET``: the static audit, rendered as terminal text, JSON, SARIF or HTML."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError
from agentxray.model import SEVERITIES, Report, Severity, severity_rank

logger = logging.getLogger(__name__)

FORMATS = ("terminal", "json", "sarif", "html")


def register(sub: Any) -> None:
    """Add the ``scan`` parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="statically audit an agent: geofences, fingerprints, hidden data, watermarks, …",
        description="Acquire TARGET, unpack it and scan the recovered code. TARGET is "
        "npm:NAME[@VERSION], pypi:NAME[==VERSION], cmd:COMMAND, or a path (a package archive, "
        "a folder, a binary, or a single .js/.mjs/.cjs/.ts/.py file). Exit status: 0 ok, "
        "1 findings at or above --fail-on, 2 usage or input error.",
    )
    p.add_argument("target", metavar="TARGET", help="what to scan, e.g. npm:@scope/agent@1.2.3")
    p.add_argument(
        "--format", choices=FORMATS, default="terminal", help="output format (default: terminal)"
    )
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the report to FILE, not stdout"
    )
    p.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above SEVERITY (critical, high, medium, low, info)",
    )
    p.add_argument(
        "--platform", metavar="P", help="platform build to pick, e.g. linux-x64, darwin-arm64"
    )
    p.set_defaults(func=run)


def render(report: Report, fmt: str, *, color: bool = False, width: int = 100) -> str:
    """The report in format ``fmt``."""
    if fmt == "json":
        from agentxray.render.json import render_json

        return render_json(report)
    if fmt == "sarif":
        from agentxray.render.sarif import render_sarif

        return render_sarif(report)
    if fmt == "html":
        from agentxray.render.html import render_html

        return render_html(report)
    from agentxray.render.terminal import render_terminal_text

    return render_terminal_text(report, color=color, width=width)


def exit_code(report: Report, fail_on: Severity | None) -> int:
    """1 when some finding is at or above ``fail_on``, else 0."""
    if fail_on is None:
        return 0
    threshold = severity_rank(fail_on)
    return 1 if any(severity_rank(f.severity) >= threshold for f in report.findings) else 0


def run(args: argparse.Namespace) -> int:
    """Scan, render and write the report; the exit code reflects ``--fail-on``."""
    from agentxray.pipeline import audit

    if args.output is not None and args.output.is_dir():
        raise UsageError(f"--output {args.output} is a directory; give a file name")
    report = audit(args.target, platform=args.platform, progress=sys.stderr.isatty())
    if args.output is None and args.format == "terminal":
        from agentxray.render.terminal import render_terminal, terminal_console

        render_terminal(report, terminal_console())
    elif args.output is None:
        sys.stdout.write(render(report, args.format))
    else:
        args.output.write_text(render(report, args.format), encoding="utf-8")
        logger.info("wrote %s report to %s", args.format, args.output)
    code = exit_code(report, args.fail_on)
    if code:
        threshold = severity_rank(args.fail_on)
        counts = [
            f"{n} {sev}"
            for sev, n in report.severity_counts().items()
            if severity_rank(sev) >= threshold
        ]
        print(
            f"agentxray: findings at or above {args.fail_on}: {', '.join(counts)}", file=sys.stderr
        )
    return code
