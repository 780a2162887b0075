"""``agentxray cache ls|clear``: show or empty the download cache."""

from __future__ import annotations

import argparse
import json
import logging
import time
from typing import Any

from agentxray.acquire import Cache

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the ``cache`` parser with its ``ls`` and ``clear`` actions."""
    p: argparse.ArgumentParser = sub.add_parser(
        "cache",
        help="list or clear the download cache",
        description="The content-addressed download cache ($AGENTXRAY_CACHE_DIR, else "
        "$XDG_CACHE_HOME/agentxray, else ~/.cache/agentxray; size cap $AGENTXRAY_CACHE_MAX_BYTES).",
    )
    actions = p.add_subparsers(dest="cache_action", metavar="ACTION", required=True)
    ls = actions.add_parser("ls", help="list cached downloads, most recently used first")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(func=run_ls)
    clear = actions.add_parser("clear", help="delete every cached download and registry answer")
    clear.set_defaults(func=run_clear)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def run_ls(args: argparse.Namespace) -> int:
    """Print the cache's entries."""
    cache = Cache()
    entries = cache.ls()
    if args.json:
        rows = [
            {
                "sha256": e.sha256,
                "size": e.size,
                "name": e.name,
                "version": e.version,
                "source_url": e.source_url,
                "last_used": e.last_used,
                "path": str(e.path),
            }
            for e in entries
        ]
        print(json.dumps({"root": str(cache.root), "entries": rows}, indent=2))
        return 0
    total = sum(e.size for e in entries)
    print(f"{cache.root}: {len(entries)} entries, {_size(total)} of {_size(cache.max_bytes)}")
    for e in entries:
        used = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.last_used))
        label = f"{e.name}@{e.version}" if e.name else "(unknown)"
        print(f"{e.sha256[:12]}  {_size(e.size):>10}  {used}  {label}")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    """Empty the cache."""
    cache = Cache()
    freed = cache.clear()
    print(f"cleared {cache.root}: freed {_size(freed)}")
    return 0
