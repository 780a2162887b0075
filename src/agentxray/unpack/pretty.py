"""Pretty-printing of minified JavaScript for reading: line breaks and indentation, nothing else.

Tree-sitter finds the spans whose bytes must stay as they are (strings, template literals, regex
literals, comments, JSX text, and any region it could not parse); between them a line break and
indentation go after ``;`` (outside parentheses), after ``{`` and around ``}``. Only whitespace is
ever added or replaced, and only next to those three characters, so the program means the same.
"""

from __future__ import annotations

import logging
import re
import time
from functools import lru_cache

import tree_sitter
import tree_sitter_javascript

from agentxray.errors import UnpackError

logger = logging.getLogger(__name__)

MAX_INDENT = 32
"""Deeper nesting is not indented further."""
MAX_INPUT = 48 * 1024**2
"""Larger sources are refused (tree-sitter needs about 50 bytes of memory per source byte)."""
PARSE_SECONDS = 30.0
"""Parsing time budget; what is left unparsed after it is copied as is."""
MAX_GROWTH = 2.0
"""Output stays under ``MAX_GROWTH`` × input + 1 MiB (with many braces, indentation shrinks)."""
_INDENTS = [b"\n" + b"  " * level for level in range(MAX_INDENT + 1)]
_OPAQUE_TYPES = frozenset(
    ("string", "template_string", "regex", "comment", "html_comment", "jsx_text", "hash_bang_line")
)
_OPAQUE = "[" + " ".join(f"({name})" for name in sorted(_OPAQUE_TYPES)) + "] @opaque"
_MAX_ERROR_DEPTH = 64
_CHUNK = 1 << 20
Span = tuple[int, int]
# ``\\u{…}`` escapes inside identifiers (``espa\\u{f1}ol``) are matched whole, so their braces stay.
_PUNCT = re.compile(rb"\\u\{[0-9A-Fa-f]*\}?|[{};]")
_WS = re.compile(rb"[ \t\r\n]*")
_JOINED = (b")", b"]", b",", b";", b".", b"?", b":", b"=", b"}", b"else", b"catch", b"finally")


@lru_cache(maxsize=1)
def _language() -> tuple[tree_sitter.Language, tree_sitter.Query]:
    language = tree_sitter.Language(tree_sitter_javascript.language())
    return language, tree_sitter.Query(language, _OPAQUE)


def _parse(data: bytes, seconds: float) -> tuple[tree_sitter.Tree, int]:
    """Parse ``data``; past the time budget, feed the parser an early end. Returns the tree and
    where the input was cut (``len(data)`` when it was not)."""
    language, _ = _language()
    deadline = time.monotonic() + seconds
    cut = len(data)

    def read(offset: int, _point: object) -> bytes:
        nonlocal cut
        if offset < cut and time.monotonic() > deadline:
            cut = offset
        return data[offset : min(offset + _CHUNK, cut)]

    tree = tree_sitter.Parser(language).parse(read)
    if cut < len(data):
        logger.warning("pretty: parsing stopped at byte %d of %d (time budget)", cut, len(data))
    return tree, cut


def _error_free(node: tree_sitter.Node, depth: int, ranges: list[Span], opaque: list[Span]) -> None:
    """Split ``node`` (which contains a syntax error) into error-free ranges and opaque parts.

    Queries over subtrees with errors can take quadratic time (``{{{{…``), so those subtrees are
    not queried: error nodes, literal-bearing nodes and anything too deep are kept verbatim.
    """
    if node.type in _OPAQUE_TYPES or node.type == "ERROR" or depth > _MAX_ERROR_DEPTH:
        opaque.append((node.start_byte, node.end_byte))
        return
    start = node.start_byte
    for child in node.children:
        if child.has_error:
            if child.start_byte > start:
                ranges.append((start, child.start_byte))
            _error_free(child, depth + 1, ranges, opaque)
            start = child.end_byte
    if node.end_byte > start:
        ranges.append((start, node.end_byte))


def opaque_spans(data: bytes, *, seconds: float = PARSE_SECONDS) -> list[Span]:
    """Sorted, non-overlapping byte ranges that must be copied verbatim."""
    _, query = _language()
    tree, cut = _parse(data, seconds)
    root = tree.root_node
    ranges: list[Span] = []
    spans: list[Span] = [(cut, len(data))] if cut < len(data) else []
    if root.has_error:
        _error_free(root, 0, ranges, spans)
    else:
        ranges.append((root.start_byte, root.end_byte))
    for start, end in ranges:
        cursor = tree_sitter.QueryCursor(query)
        cursor.set_byte_range(start, end)
        for node in cursor.captures(root).get("opaque", []):
            spans.append((node.start_byte, node.end_byte))
    spans.sort()
    merged: list[Span] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
            continue
        if end > start:
            merged.append((start, end))
    return merged


def _indent_cap(data: bytes) -> int:
    """The deepest indentation level that keeps the worst-case output within the growth bound."""
    breaks = data.count(b"{") + data.count(b"}") + data.count(b";")
    room = int(len(data) * (MAX_GROWTH - 1)) + (1 << 20)
    return max(0, min(MAX_INDENT, (room // max(breaks, 1) - 1) // 2))


def prettify(data: bytes) -> bytes:
    """``data`` (JavaScript source) with line breaks and indentation added.

    Raises :class:`UnpackError` for sources over :data:`MAX_INPUT`.
    """
    if len(data) > MAX_INPUT:
        raise UnpackError(f"{len(data)} bytes of JavaScript is too large to pretty-print")
    cap = _indent_cap(data)
    indents = _INDENTS[: cap + 1]
    spans = opaque_spans(data)
    spans.append((len(data), len(data)))
    out: list[bytes] = []
    last = 0  # data[:last] is already in out
    depth = 0
    parens = 0  # open parentheses at this brace level ("for(;;)" keeps its semicolons)
    saved: list[int] = []
    empty_close = -1  # position of the "}" of a "{}" just seen
    gap_start = 0
    count, skip_ws, end_of_data = data.count, _WS.match, len(data)
    for span_start, span_end in spans:
        mark = gap_start  # parentheses before mark are counted
        for m in _PUNCT.finditer(data, gap_start, span_start):
            pos = m.start()
            char = data[pos]
            if char == 0x5C:  # \u{…}
                continue
            parens += count(b"(", mark, pos) - count(b")", mark, pos)
            if parens < 0:
                parens = 0
            mark = at = pos + 1
            space = skip_ws(data, at)  # always matches (possibly empty)
            after = space.end() if space else at
            if after > span_start:
                after = span_start
            if char == 0x3B:  # ;
                if parens == 0 and after < end_of_data and data[after] != 0x7D:
                    out += (data[last:at], indents[depth if depth < cap else cap])
                    last = after
            elif char == 0x7B:  # {
                saved.append(parens)
                parens = 0
                depth += 1
                if after < end_of_data and data[after] == 0x7D:
                    empty_close = after
                else:
                    out += (data[last:at], indents[depth if depth < cap else cap])
                    last = after
            else:  # }
                depth = depth - 1 if depth else 0
                parens = saved.pop() if saved else 0
                indent = indents[depth if depth < cap else cap]
                if pos != empty_close:
                    out += (data[last:pos], indent)
                    last = pos
                if after < end_of_data and not data.startswith(_JOINED, after):
                    out += (data[last:at], indent)
                    last = after
        parens += count(b"(", mark, span_start) - count(b")", mark, span_start)
        if parens < 0:
            parens = 0
        gap_start = span_end
    out.append(data[last:])
    return b"".join(out)
