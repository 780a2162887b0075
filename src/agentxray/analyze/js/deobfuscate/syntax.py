"""Small helpers over tree-sitter JavaScript for the deobfuscator: queries and literals."""

from __future__ import annotations

import logging
import math
import re
from functools import cache

from tree_sitter import Node, Query, QueryCursor, Tree

from agentxray.analyze.js.parse import language, parse_js

logger = logging.getLogger(__name__)

Constant = str | float | bool | None
"""A JavaScript primitive as Python: string, number, boolean (``None`` is not a constant)."""

FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "generator_function_declaration",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*\Z", re.ASCII)
_ESCAPE = re.compile(
    r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|\r\n|[\s\S])"
)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_LINE_BREAKS = {"\n", "\r", "\u2028", "\u2029"}


def parse(data: bytes, typescript: bool) -> Tree:
    """The tree-sitter tree of ``data`` (raises ``ParseTooCostly`` on pathological input)."""
    return parse_js(data, typescript=typescript)


@cache
def _query(source: str, typescript: bool) -> Query:
    return Query(language(typescript), source)


def captures(root: Node, source: str, typescript: bool) -> dict[str, list[Node]]:
    """Nodes captured by the query ``source`` under ``root``, by capture name."""
    return QueryCursor(_query(source, typescript)).captures(root)


def matches(root: Node, source: str, typescript: bool) -> list[dict[str, list[Node]]]:
    """The matches of the query ``source`` under ``root``: each a dict of capture name → nodes."""
    return [caps for _, caps in QueryCursor(_query(source, typescript)).matches(root)]


def src(data: bytes, node: Node) -> bytes:
    """The source bytes of ``node``."""
    return data[node.start_byte : node.end_byte]


def text(data: bytes, node: Node) -> str:
    """The source text of ``node``."""
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _unescape(match: re.Match[str]) -> str:
    esc = match.group(1)
    if esc[0] == "u":
        code = int(esc[2:-1] if esc[1] == "{" else esc[1:], 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"
    if esc[0] == "x":
        return chr(int(esc[1:], 16))
    if esc[0] in "01234567":
        return chr(int(esc, 8))
    if esc in ("\n", "\r\n", "\r", "\u2028", "\u2029"):
        return ""
    return _SIMPLE.get(esc, esc)


def _join_surrogates(value: str) -> str:
    if not any("\ud800" <= ch <= "\udfff" for ch in value):
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def string_value(data: bytes, node: Node) -> str | None:
    """The value of a string literal (or of a template literal without substitutions)."""
    plain_template = node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    )
    if node.type != "string" and not plain_template:
        return None
    raw = text(data, node)[1:-1]
    return _join_surrogates(_ESCAPE.sub(_unescape, raw)) if "\\" in raw else raw


def number_value(data: bytes, node: Node) -> float | None:
    """The value of a number literal (``0x1f``, ``0o7``, ``1e3``, ``1_000``); BigInts are not."""
    if node.type != "number":
        return None
    raw = text(data, node).replace("_", "")
    try:
        if raw[:2] in ("0x", "0X"):
            return float(int(raw[2:], 16))
        if raw[:2] in ("0o", "0O"):
            return float(int(raw[2:], 8))
        if raw[:2] in ("0b", "0B"):
            return float(int(raw[2:], 2))
        if len(raw) > 1 and raw[0] == "0" and raw.isdigit():
            return float(int(raw, 8)) if all(c in "01234567" for c in raw) else float(raw)
        return float(raw)
    except ValueError:
        return None


def js_string(value: str) -> str:
    """A single-quoted JavaScript literal for ``value``: printable characters kept as they are."""
    out = ["'"]
    for ch in value:
        if ch == "'" or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch in _LINE_BREAKS or not ch.isprintable() or "\ud800" <= ch <= "\udfff":
            code = ord(ch)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code <= 0xFFFF:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\u{{{code:x}}}")
        else:
            out.append(ch)
    out.append("'")
    return "".join(out)


def js_number(value: float) -> str:
    """JavaScript source for a number (integers without a fraction; negatives with a sign)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def js_constant(value: Constant) -> str:
    """JavaScript source for a constant."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return js_string(value)
    if value is None:
        return "null"
    return js_number(value)


def unparen(node: Node) -> Node:
    """``node`` without surrounding parentheses."""
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node
