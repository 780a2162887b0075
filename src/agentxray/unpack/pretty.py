"""Pretty-printing of minified JavaScript for reading: line breaks and indentation, nothing else.

Tree-sitter finds the spans whose bytes must stay as they are (strings, template literals, regex
literals, comments, JSX text, and any region it could not parse); between them a line break and
indentation go after ``;`` (outside parentheses), after ``{`` and around ``}``. Only whitespace is
ever added or replaced, and only next to those three characters, so the program means the same.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import tree_sitter
import tree_sitter_javascript

logger = logging.getLogger(__name__)

MAX_INDENT = 32
"""Deeper nesting is not indented further (keeps hostile input from blowing up the output)."""
_INDENTS = [b"\n" + b"  " * level for level in range(MAX_INDENT + 1)]
_OPAQUE = (
    "[(string) (template_string) (regex) (comment) (html_comment) (jsx_text) (hash_bang_line)"
    " (ERROR)] @opaque"
)
# ``\\u{…}`` escapes inside identifiers (``espa\\u{f1}ol``) are matched whole, so their braces stay.
_PUNCT = re.compile(rb"\\u\{[0-9A-Fa-f]*\}?|[{};]")
_WS = re.compile(rb"[ \t\r\n]*")
_JOINED = (b")", b"]", b",", b";", b".", b"?", b":", b"=", b"}", b"else", b"catch", b"finally")


@lru_cache(maxsize=1)
def _language() -> tuple[tree_sitter.Language, tree_sitter.Query]:
    language = tree_sitter.Language(tree_sitter_javascript.language())
    return language, tree_sitter.Query(language, _OPAQUE)


def opaque_spans(data: bytes) -> list[tuple[int, int]]:
    """Sorted, non-overlapping byte ranges that must be copied verbatim."""
    language, query = _language()
    tree = tree_sitter.Parser(language).parse(data)
    nodes = tree_sitter.QueryCursor(query).captures(tree.root_node).get("opaque", [])
    spans = sorted((node.start_byte, node.end_byte) for node in nodes)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
            continue
        if end > start:
            merged.append((start, end))
    return merged


def prettify(data: bytes) -> bytes:
    """``data`` (JavaScript source) with line breaks and indentation added."""
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
                    out += (data[last:at], _INDENTS[depth if depth < MAX_INDENT else MAX_INDENT])
                    last = after
            elif char == 0x7B:  # {
                saved.append(parens)
                parens = 0
                depth += 1
                if after < end_of_data and data[after] == 0x7D:
                    empty_close = after
                else:
                    out += (data[last:at], _INDENTS[depth if depth < MAX_INDENT else MAX_INDENT])
                    last = after
            else:  # }
                depth = depth - 1 if depth else 0
                parens = saved.pop() if saved else 0
                indent = _INDENTS[depth if depth < MAX_INDENT else MAX_INDENT]
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
