"""Parsing JavaScript and TypeScript with tree-sitter."""

from __future__ import annotations

import ctypes
import logging
import os
import re
import resource
import sys
import time
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
_CLOCK_MASK = 63
"""Read the CPU clock at one progress report in 64 (about every 4 KB of real code, every 50 ms
of error recovery at its worst seen): a clock read at each report cost 8% of the parse."""
SECONDS_FLOOR = 2.0
SECONDS_PER_MB = 1.0
"""CPU time a parse may take: :data:`SECONDS_FLOOR` plus this per MB of source. Real code needs
about 0.25 s per MB (Claude Code 2.1.332's 6.3 MB chunk: 1.4 s, its 3,670 modules 8 s in all);
tree-sitter's error recovery on what is not JavaScript needs 15 s per MB and more (785 KB of
zstd data named ``mermaid.min.js``: 10-12 s). CPU time of the parsing thread, not wall time, so
that a busy machine does not give up a parse an idle one finishes."""
_COMPRESSED = (
    (b"\x28\xb5\x2f\xfd", "zstd-compressed"),
    (b"\x1f\x8b", "gzip-compressed"),
    (b"\xfd7zXZ\x00", "xz-compressed"),
)


class ParseTooCostly(ValueError):
    """tree-sitter needed more memory than the budget for this source (hostile or garbage)."""


class ParseOverBudget(ParseTooCostly):
    """tree-sitter's parse took more CPU time than the budget for this source."""


def parse_budget(size: int) -> float:
    """CPU seconds the parse of ``size`` bytes may take (:data:`SECONDS_PER_MB`)."""
    return SECONDS_FLOOR + SECONDS_PER_MB * size / 1e6


def not_javascript_text(data: bytes) -> str | None:
    """Why ``data`` is not JavaScript text at all (a compressed stream), or ``None``.

    Parsing such bytes is tree-sitter's most expensive case (error recovery at every token) and
    gives no syntax. Decided by content, never by name, and only by a compression format's magic
    number: no runtime runs those bytes as JavaScript either, whereas text with stray control
    bytes (legal in strings and comments) could be a way to evade analysis and is parsed (the
    CPU budget of :func:`parse_js` bounds it).
    """
    for magic, what in _COMPRESSED:
        if data.startswith(magic):
            return f"the content is {what} data, not JavaScript text"
    return None


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


def parse_js(
    data: bytes,
    *,
    typescript: bool = False,
    max_memory: int | None = None,
    max_seconds: float | None = None,
) -> Tree:
    """Parse source bytes; tree-sitter recovers from syntax errors, so those do not raise.

    Raises :class:`ParseTooCostly` when the parse grows the process by more than ``max_memory``
    bytes (default :data:`MEMORY_PER_BYTE` per source byte, within :data:`MEMORY_FLOOR` and
    :data:`MEMORY_CEILING`): a few MB of punctuation make millions of error nodes and would
    otherwise take gigabytes. Raises :class:`ParseOverBudget` when it takes more than
    ``max_seconds`` of CPU time (default :func:`parse_budget` of the size).
    """
    if max_seconds is None:
        max_seconds = parse_budget(len(data))
    if max_memory is None:
        max_memory = min(max(MEMORY_PER_BYTE * len(data), MEMORY_FLOOR), MEMORY_CEILING)
    trim = _malloc_trim()
    if trim is not None and len(data) >= _TRIM_FROM:
        # Hand pages freed by earlier work (other files' trees) back to the system first, so that
        # the parse's own growth is what the budget measures, not what reused pages hide.
        trim(0)
    limit = _resident() + max_memory
    reports = 0
    over_time = False
    deadline = time.thread_time() + max_seconds

    def read(offset: int, _point: tuple[int, int]) -> bytes:
        return data[offset : offset + _CHUNK]

    def progress(_offset: int, _has_error: bool) -> bool:
        nonlocal reports, over_time
        reports += 1
        if reports & _CLOCK_MASK:
            return False
        if time.thread_time() > deadline:
            over_time = True
            return True
        return reports % _CHECK_EVERY == 0 and _resident() > limit

    parser = Parser(language(typescript))
    try:
        streamed = parser.parse(read, progress_callback=progress)
    except ValueError:  # raised when ``progress`` cancels the parse
        if over_time:
            logger.debug("parse of %d bytes cancelled after %.2f s", len(data), max_seconds)
            raise ParseOverBudget(
                f"parsing took more than its budget of {max_seconds:.3g} s of CPU time for "
                f"{len(data):,} bytes of source (pathological syntax)"
            ) from None
        logger.debug("parse of %d bytes cancelled past %d bytes of memory", len(data), max_memory)
        raise ParseTooCostly(
            f"parsing needed more than {max_memory // 1024**2:,} MiB of memory "
            f"for {len(data):,} bytes of source (pathological syntax)"
        ) from None
    # ``Node.text`` of a tree parsed from a callback segfaulted (on a 50 MB string literal);
    # reparsing the unchanged bytes against that tree reuses every node, in milliseconds.
    return parser.parse(data, old_tree=streamed)


_LEX = re.compile(
    rb"""//[^\n]*
    |/\*.*?(?:\*/|\Z)
    |"(?:[^"\\\n]|\\.)*(?:"|$)
    |'(?:[^'\\\n]|\\.)*(?:'|$)
    |`(?:[^`\\]|\\.)*(?:`|\Z)
    |/(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/""",
    re.S | re.M | re.X,
)
_REGEX_AFTER = frozenset(b"(,=:[!&|?{};+-*%<>~^")
_REGEX_KEYWORDS = (b"return", b"typeof", b"case", b"do", b"else", b"in", b"of", b"void", b"yield")


def _regex_may_start(data: bytes, at: int) -> bool:
    """Whether a ``/`` at ``at`` can open a regular expression (not divide), by what precedes."""
    before = data[max(0, at - 16) : at].rstrip()
    if not before:
        return True
    if before[-1] in _REGEX_AFTER:
        return True
    for keyword in _REGEX_KEYWORDS:
        if before.endswith(keyword):
            ahead = before[-len(keyword) - 1 : -len(keyword)]
            return not (ahead.isalnum() or ahead in (b"_", b"$", b"."))
    return False


def string_spans(data: bytes, upto: int | None = None) -> list[tuple[int, int]]:
    """Byte ranges of the string and template literals of ``data``, quotes included, by a lexer
    (those starting before ``upto``, when given: the lexer stops there).

    For source without a syntax tree (a parse given up, or not needed): comments are skipped, a
    ``/`` opens a regular expression only where a value cannot precede it, and a template literal
    runs to its closing backtick (a template nested in a ``${}`` ends it early). Approximate where
    a tree would be exact, never dependent on the file's name.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    end = len(data) if upto is None else upto
    while pos < end and (m := _LEX.search(data, pos)) is not None:
        first = data[m.start()]
        if first == ord("/"):
            second = data[m.start() + 1 : m.start() + 2]
            if second not in (b"/", b"*") and not _regex_may_start(data, m.start()):
                pos = m.start() + 1  # a division: lex on after it
                continue
        elif m.end() > m.start() + 1 or first == ord("`"):
            spans.append((m.start(), m.end()))
        pos = max(m.end(), m.start() + 1)
    return spans
