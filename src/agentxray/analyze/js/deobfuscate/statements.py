"""Statements: sequences split into statements, guard expressions written as ``if``."""

from __future__ import annotations

import logging

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.rewrite import Copy, Edit, Part
from agentxray.analyze.js.deobfuscate.simplify import CONTAINERS
from agentxray.analyze.js.deobfuscate.syntax import matches

logger = logging.getLogger(__name__)

_QUERY = """
(expression_statement (sequence_expression) @seq) @statement
(return_statement (sequence_expression) @seq) @statement
(expression_statement (binary_expression operator: ["&&" "||"]) @logical) @guard
(expression_statement (ternary_expression) @ternary) @guard
"""
_STATEMENT_START = ("{", "function", "class", "let ", "let[", "async function")


def _piece(data: bytes, node: Node) -> tuple[Part, ...]:
    head = data[node.start_byte : node.start_byte + 16].decode("utf-8", "replace")
    copy = Copy(node.start_byte, node.end_byte)
    if head.startswith(_STATEMENT_START):
        return (b"(", copy, b")")
    return (copy,)


def split_sequences(data: bytes, found: list[dict[str, list[Node]]]) -> list[Edit]:
    """``a(), b();`` → ``a(); b();`` and ``return a, b;`` → ``a; return b;``."""
    edits: list[Edit] = []
    for caps in found:
        if "seq" not in caps:
            continue
        seq, stmt = caps["seq"][0], caps["statement"][0]
        is_return = stmt.type == "return_statement"
        items = [c for c in seq.named_children if c.type != "comment"]
        if len(items) < 2:
            continue
        parts: list[Part] = []
        for i, item in enumerate(items):
            last = i == len(items) - 1
            if last and is_return:
                parts += [b"return ", Copy(item.start_byte, item.end_byte), b";"]
            else:
                parts += [*_piece(data, item), b";" if last else b"; "]
        parent = stmt.parent
        if parent is None or parent.type not in CONTAINERS:
            parts = [b"{", *parts, b"}"]
        edits.append(Edit(stmt.start_byte, stmt.end_byte, tuple(parts)))
    return edits


def _inner(node: Node) -> Copy:
    """The expression inside parentheses (one level), as a copy."""
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return Copy(node.start_byte, node.end_byte)


def _as_if(stmt: Node, parts: tuple[Part, ...]) -> Edit:
    """Replace a statement by an ``if``, in braces where an ``else`` could attach to it."""
    parent = stmt.parent
    if parent is None or parent.type not in CONTAINERS:
        parts = (b"{", *parts, b"}")
    return Edit(stmt.start_byte, stmt.end_byte, parts)


def guards_to_ifs(found: list[dict[str, list[Node]]]) -> list[Edit]:
    """``a && b;`` → ``if (a) { b; }``, ``a || b;`` → ``if (!(a)) { b; }``, ``a ? b : c;`` → if/else."""
    edits: list[Edit] = []
    for caps in found:
        if "guard" not in caps:
            continue
        stmt = caps["guard"][0]
        if "logical" in caps:
            expr = caps["logical"][0]
            op = expr.child_by_field_name("operator")
            test = expr.child_by_field_name("left")
            then = expr.child_by_field_name("right")
            if op is None or test is None or then is None:
                continue
            cond: tuple[Part, ...] = (
                (b"if (", _inner(test), b")")
                if op.type == "&&"
                else (b"if (!(", _inner(test), b"))")
            )
            edits.append(_as_if(stmt, (*cond, b" { ", _inner(then), b"; }")))
        else:
            expr = caps["ternary"][0]
            test = expr.child_by_field_name("condition")
            then = expr.child_by_field_name("consequence")
            other = expr.child_by_field_name("alternative")
            if test is None or then is None or other is None:
                continue
            parts = (
                b"if (",
                _inner(test),
                b") { ",
                _inner(then),
                b"; } else { ",
                _inner(other),
                b"; }",
            )
            edits.append(_as_if(stmt, parts))
    return edits


def rewrite_statements(root: Node, data: bytes, typescript: bool) -> list[Edit]:
    """One round of statement rewrites (overlaps are resolved by the caller)."""
    found = matches(root, _QUERY, typescript)
    return split_sequences(data, found) + guards_to_ifs(found)
