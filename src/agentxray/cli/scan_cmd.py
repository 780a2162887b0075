"""``agentxray scan TARGET``: the static audit, rendered as terminal text, JSON, SARIF or HTML."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from agentxray.cli.progress import step_progress
from agentxray.compare.suppress import DEFAULT_IGNORE_FILE
from agentxray.errors import AgentXrayError, UsageError
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
    p.add_argument(
        "--baseline",
        type=Path,
        metavar="OLD.json",
        help="report only findings whose id is not in OLD.json (an earlier --format json or "
        "sarif report)",
    )
    p.add_argument(
        "--ignore-file",
        type=Path,
        metavar="FILE",
        help=f"suppressions (YAML list of id or rule, optional path glob, required reason); "
        f"default: {DEFAULT_IGNORE_FILE} in the current directory when present. Comments in "
        "the scanned code are never honoured",
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


class NothingAnalysed(AgentXrayError):
    """The target held no code or strings to analyse; an empty report would look like safety."""

    hint = "Point agentxray at an agent's package, binary or source code (see `scan --help`)."


def check_output(path: Path) -> None:
    """Fail before the scan when the report cannot be written to ``path``."""
    if path.is_dir():
        raise UsageError(f"--output {path} is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(
            f"--output {path}: folder {parent} does not exist",
            hint="Create it first or give another path.",
        )
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UsageError(
            f"--output {path} is not writable ({exc.strerror})",
            hint="Give a path you can write to.",
        ) from exc
    if not existed:
        path.unlink(missing_ok=True)


def _suppressions_file(args: argparse.Namespace) -> Path | None:
    if args.ignore_file is not None:
        if not args.ignore_file.is_file():
            raise UsageError(f"--ignore-file {args.ignore_file} does not exist")
        path: Path = args.ignore_file
        return path
    default = Path(DEFAULT_IGNORE_FILE)
    return default if default.is_file() else None


def run(args: argparse.Namespace) -> int:
    """Scan, render and write the report; the exit code reflects ``--fail-on``.

    Exit 2 (after the report is shown) when nothing could be analysed: no findings from no code
    is not a clean result.
    """
    from agentxray.compare.baseline import apply_baseline, load_baseline
    from agentxray.compare.suppress import apply_suppressions, load_suppressions
    from agentxray.model.coverage import coverage, human_bytes
    from agentxray.pipeline import audit

    if args.output is not None:
        check_output(args.output)
    known = load_baseline(args.baseline) if args.baseline is not None else None
    ignore_path = _suppressions_file(args)
    suppressions = load_suppressions(ignore_path) if ignore_path is not None else ()
    with step_progress() as steps:
        report = audit(
            args.target, platform=args.platform, progress=sys.stderr.isatty(), steps=steps
        )
    if suppressions and ignore_path is not None:
        report = apply_suppressions(report, suppressions, str(ignore_path))
    if known is not None:
        report = apply_baseline(report, known, str(args.baseline))
    if args.output is None and args.format == "terminal":
        from agentxray.render.terminal import render_terminal, terminal_console

        render_terminal(report, terminal_console(), fail_on=args.fail_on)
    elif args.output is None:
        sys.stdout.write(render(report, args.format))
    else:
        try:
            args.output.write_text(render(report, args.format), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --output {args.output} ({exc.strerror})") from exc
        logger.info("wrote %s report to %s", args.format, args.output)
    cov = coverage(report)
    if cov.nothing_analysed:
        n = len(report.artifacts)
        size = human_bytes(sum(e.size for e in report.artifacts))
        files, verb = ("1 file", "holds") if n == 1 else (f"{n} files", "hold")
        held = (
            f"its {files} ({size}) {verb} no JavaScript, TypeScript, Python or binary strings "
            "with content"
            if n
            else "it holds no files"
        )
        raise NothingAnalysed(f"nothing was analysed in {args.target}: {held}")
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
