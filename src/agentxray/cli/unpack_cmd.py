"""``agentxray unpack TARGET -o DIR``: recover an agent's files, with ``manifest.json``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agentxray.errors import UsageError
from agentxray.model import Tree
from agentxray.unpack.limits import Limits

logger = logging.getLogger(__name__)

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.I)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """Bytes from ``8G``, ``500M``, ``64KiB`` or ``1048576``."""
    match = _SIZE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 500M or 8G")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GiB"  # pragma: no cover


def register(sub: Any) -> None:
    """Add the ``unpack`` parser."""
    d = Limits()
    p: argparse.ArgumentParser = sub.add_parser(
        "unpack",
        help="recover an agent's files (JavaScript from Bun/Node executables, archives, …)",
        description="Acquire TARGET and write every file recovered from it to DIR, with "
        "manifest.json giving each file's virtual path (containers joined by '!'), origin, "
        "offset, size, sha256 and kind, and what was skipped. A nested container's members go "
        "to a folder named after it plus '.x' (package/claude → package/claude.x/). TARGET is "
        "npm:NAME[@VERSION], pypi:NAME[==VERSION], cmd:COMMAND or a path.",
    )
    p.add_argument("target", metavar="TARGET", help="what to unpack, e.g. npm:@scope/agent@1.2.3")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="DIR",
        help="output folder: new, empty, or an earlier agentxray output (replaced)",
    )
    p.add_argument("--platform", metavar="P", help="platform build, e.g. linux-x64, darwin-arm64")
    p.add_argument(
        "--pretty",
        action="store_true",
        help="also write a formatted NAME.pretty.js beside each JavaScript file",
    )
    g = p.add_argument_group("limits (raise only for input you trust)")
    limits: tuple[tuple[str, Callable[[str], float], str, str, str], ...] = (
        ("--max-total-bytes", parse_size, "N", _human(d.max_total_bytes), "all content written"),
        ("--max-member-bytes", parse_size, "N", _human(d.max_member_bytes), "one file"),
        ("--max-members", int, "N", f"{d.max_members:,}", "files in total"),
        ("--max-ratio", float, "R", f"{d.max_ratio:g}", "compression ratio of one member"),
        (
            "--max-depth",
            int,
            "N",
            str(d.max_depth),
            "levels of containers inside the target to open",
        ),
    )
    for flag, kind, metavar, default, what in limits:
        g.add_argument(
            flag,
            type=kind,
            default=getattr(d, flag[2:].replace("-", "_")),
            metavar=metavar,
            help=f"{what} (default {default})",
        )
    p.set_defaults(func=run)


def _limits(args: argparse.Namespace) -> Limits:
    for name in ("max_total_bytes", "max_member_bytes", "max_members", "max_ratio"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    if args.max_depth < 0:
        raise UsageError("--max-depth must not be negative")
    return Limits(
        max_total_bytes=args.max_total_bytes,
        max_member_bytes=args.max_member_bytes,
        max_members=args.max_members,
        max_ratio=args.max_ratio,
        max_depth=args.max_depth,
    )


def summary(tree: Tree) -> Table:
    """The table printed after a run: files and bytes per kind."""
    count: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for entry in tree.files:
        if entry.relpath is not None:
            count[entry.kind] += 1
            size[entry.kind] += entry.size
    table = Table()
    table.add_column("kind")
    table.add_column("files", justify="right")
    table.add_column("size", justify="right")
    for kind, n in count.most_common():
        table.add_row(kind, f"{n:,}", _human(size[kind]))
    table.add_row("[b]total[/b]", f"{sum(count.values()):,}", _human(sum(size.values())))
    return table


def run(args: argparse.Namespace) -> int:
    """Unpack and print a summary; notices are listed, and the exit code stays 0."""
    from agentxray.pipeline import acquire_target
    from agentxray.unpack import unpack

    limits = _limits(args)
    started = time.perf_counter()
    terminal = sys.stderr.isatty()
    artifact = acquire_target(args.target, platform=args.platform, progress=terminal)
    doing = "unpacking and formatting JavaScript" if args.pretty else "unpacking"
    with contextlib.ExitStack() as stack:
        if terminal:
            stack.enter_context(Console(stderr=True).status(f"{doing} {artifact.name}…"))
        tree = unpack(artifact, args.output, limits=limits, pretty=args.pretty)
    console = Console(highlight=False)
    art = tree.artifact
    what = " ".join(x for x in (art.name, art.version, art.platform) if x)
    console.print(f"{what}: unpacked in {time.perf_counter() - started:.1f}s", markup=False)
    console.print(summary(tree))
    unwritten = sum(1 for f in tree.files if f.relpath is None)
    if unwritten:
        console.print(f"{unwritten:,} recorded but not written (see their notes in the manifest)")
    if tree.notices:
        codes = Counter(n.code for n in tree.notices)
        listed = ", ".join(f"{code} ×{n}" for code, n in codes.most_common())
        console.print(f"{len(tree.notices):,} notices (listed in the manifest): {listed}")
        serious = [n for n in tree.notices if n.level != "info"]
        for notice in serious[:5]:
            console.print(
                f"  [{notice.level}] {notice.code}: {notice.message} ({notice.path})", markup=False
            )
    console.print(f"files in {tree.root}, manifest: {tree.root / 'manifest.json'}", markup=False)
    return 0
