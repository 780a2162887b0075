"""Pretty-print minified JavaScript for snippets: one statement per line, blocks indented."""

from __future__ import annotations

import logging

from tree_sitter import Node

logger = logging.getLogger(__name__)

BLOCKS = frozenset({"statement_block", "switch_body", "class_body"})
CLAUSES = frozenset(
    {"else_clause", "catch_clause", "finally_clause", "switch_case", "switch_default"}
)
MAX_LINE = 160
INDENT = "  "
MAX_DEPTH = 40
"""Deeper blocks are printed on one line (hostile nesting must not exhaust the stack)."""


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"


def _emit(node: Node, depth: int, out: list[str], data: bytes) -> None:
    """Append the lines of ``node`` at ``depth``."""
    pad = INDENT * depth
    if depth > MAX_DEPTH:
        out.append(
            _cut(
                pad
                + " ".join(data[node.start_byte : node.end_byte].decode("utf-8", "replace").split())
            )
        )
        return
    line = ""
    pos = node.start_byte
    for child in _structural_children(node):
        line += data[pos : child.start_byte].decode("utf-8", "replace")
        if child.type in BLOCKS:
            out.append(_cut(pad + (line + "{").strip()))
            for stmt in child.named_children:
                _emit(stmt, depth + 1, out, data)
            line = "}"
        elif child.type in CLAUSES or child.type.endswith("statement"):
            if line.strip():
                out.append(_cut(pad + line.strip()))
            _emit(
                child,
                depth + (child.type.endswith("statement") and child.type != "if_statement"),
                out,
                data,
            )
            line = ""
        pos = child.end_byte
    line += data[pos : node.end_byte].decode("utf-8", "replace")
    if line.strip():
        out.append(_cut(pad + line.strip()))


def _structural_children(node: Node) -> list[Node]:
    """Children that carry blocks: statement bodies of this node, not of nested expressions."""
    if node.type in ("expression_statement", "lexical_declaration", "variable_declaration"):
        value = _single_function_value(node)
        return [value] if value is not None else []
    if node.type in FUNCTIONISH:
        body = node.child_by_field_name("body")
        return [body] if body is not None and body.type in BLOCKS else []
    return [
        c
        for c in node.children
        if c.type in BLOCKS
        or c.type in CLAUSES
        or (
            c.type.endswith("statement")
            and c.type != "expression_statement"
            and node.type != "program"
        )
        or (c.type == "expression_statement" and node.type in ("if_statement", "else_clause"))
    ]


FUNCTIONISH = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "method_definition"}
)


def _single_function_value(node: Node) -> Node | None:
    """For ``var f = function(){…}`` the function's body block, so it is laid out too."""
    declarators = [c for c in node.named_children if c.type == "variable_declarator"]
    if len(declarators) != 1:
        return None
    value = declarators[0].child_by_field_name("value")
    if value is not None and value.type in FUNCTIONISH:
        body = value.child_by_field_name("body")
        if body is not None and body.type in BLOCKS:
            return body
    return None


def pretty(node: Node, data: bytes, max_lines: int = 40) -> str:
    """The source of ``node`` laid out for reading, at most ``max_lines`` lines."""
    out: list[str] = []
    _emit(node, 0, out, data)
    if len(out) > max_lines:
        out = [*out[: max_lines - 1], "…"]
    return "\n".join(out)
