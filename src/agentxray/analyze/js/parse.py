"""Parsing JavaScript and TypeScript with tree-sitter."""

from __future__ import annotations

import ctypes
import logging
import os
import resource
import sys
from collections.abc import Callable
from functools import cache

import tree_sitter_javascript
import tree_sitter_typescript
from tree_sitter import Language, Parser, Tree

logger = logging.getLogger(__name__)

MEMORY_PER_BYTE = 100
"""Growth of the process allowed per source byte while parsing. Real code needs about 50
(Claude Code's 18 MB ``cli.js``: 850 MiB); garbage that is all error recovery needs 250."""
MEMORY_FLOOR = 256 * 1024**2
MEMORY_CEILING = 6 * 1024**3
_CHUNK = 256 * 1024
_TRIM_FROM = 1024**2
"""Sources at least this large release freed memory before the budget is measured (0.1 ms)."""
_CHECK_EVERY = 256
"""Progress reports between two memory readings (Claude Code's cli.js: 237,000 reports)."""


class ParseTooCostly(ValueError):
    """tree-sitter needed more memory than the budget for this source (hostile or garbage)."""


@cache
def language(typescript: bool = False) -> Language:
    """The tree-sitter language object (cached)."""
    if typescript:
        return Language(tree_sitter_typescript.language_typescript())
    return Language(tree_sitter_javascript.language())


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or ``None`` on other C libraries."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def _resident() -> int:
    """Bytes of memory this process uses now (its peak where /proc is missing)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def parse_js(data: bytes, *, typescript: bool = False, max_memory: int | None = None) -> Tree:
    """Parse source bytes; tree-sitter recovers from syntax errors, so those do not raise.

    Raises :class:`ParseTooCostly` when the parse grows the process by more than ``max_memory``
    bytes (default :data:`MEMORY_PER_BYTE` per source byte, within :data:`MEMORY_FLOOR` and
    :data:`MEMORY_CEILING`): a few MB of punctuation make millions of error nodes and would
    otherwise take gigabytes.
    """
    if max_memory is None:
        max_memory = min(max(MEMORY_PER_BYTE * len(data), MEMORY_FLOOR), MEMORY_CEILING)
    trim = _malloc_trim()
    if trim is not None and len(data) >= _TRIM_FROM:
        # Hand pages freed by earlier work (other files' trees) back to the system first, so that
        # the parse's own growth is what the budget measures, not what reused pages hide.
        trim(0)
    limit = _resident() + max_memory
    reports = 0

    def read(offset: int, _point: tuple[int, int]) -> bytes:
        return data[offset : offset + _CHUNK]

    def progress(_offset: int, _has_error: bool) -> bool:
        nonlocal reports
        reports += 1
        return reports % _CHECK_EVERY == 0 and _resident() > limit

    parser = Parser(language(typescript))
    try:
        streamed = parser.parse(read, progress_callback=progress)
    except ValueError:  # raised when ``progress`` cancels the parse
        logger.debug("parse of %d bytes cancelled past %d bytes of memory", len(data), max_memory)
        raise ParseTooCostly(
            f"parsing needed more than {max_memory // 1024**2:,} MiB of memory "
            f"for {len(data):,} bytes of source (pathological syntax)"
        ) from None
    # ``Node.text`` of a tree parsed from a callback segfaulted (on a 50 MB string literal);
    # reparsing the unchanged bytes against that tree reuses every node, in milliseconds.
    return parser.parse(data, old_tree=streamed)
