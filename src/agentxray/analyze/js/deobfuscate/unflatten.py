"""Control-flow flattening undone: a ``switch`` dispatcher in an endless loop → straight-line code."""

from __future__ import annotations

import logging

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.fold import constant, truthiness
from agentxray.analyze.js.deobfuscate.rewrite import Copy, Edit, Part
from agentxray.analyze.js.deobfuscate.scope import Binding, Scopes
from agentxray.analyze.js.deobfuscate.simplify import CONTAINERS
from agentxray.analyze.js.deobfuscate.syntax import (
    FUNCTIONS,
    captures,
    unparen,
)

logger = logging.getLogger(__name__)

_QUERY = """
(while_statement) @loop
(for_statement) @loop
"""
_NESTS = (
    "\n".join(
        f"({kind}) @nest"
        for kind in sorted(
            FUNCTIONS
            | {
                "for_statement",
                "for_in_statement",
                "while_statement",
                "do_statement",
                "switch_statement",
            }
        )
    )
    + "\n(continue_statement) @jump\n(break_statement) @jump\n"
)


def _endless(data: bytes, loop: Node) -> bool:
    cond = loop.child_by_field_name("condition")
    if loop.type == "for_statement":
        init = loop.child_by_field_name("initializer")
        step = loop.child_by_field_name("increment")
        if (init is not None and init.type != "empty_statement") or step is not None:
            return False
        return cond is None or cond.type == "empty_statement" or truthiness(data, cond) is True
    return cond is not None and truthiness(data, cond) is True


def _dispatch(loop: Node) -> tuple[Node, Node, Node] | None:
    """For ``{switch (order[i++]) {…} break;}`` the switch, the order and the counter identifiers."""
    body = loop.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return None
    statements = [c for c in body.named_children if c.type != "comment"]
    if not statements or statements[0].type != "switch_statement":
        return None
    if len(statements) > 2 or (len(statements) == 2 and statements[1].type != "break_statement"):
        return None
    switch = statements[0]
    value = switch.child_by_field_name("value")
    subscript = unparen(value) if value is not None else None
    if subscript is None or subscript.type != "subscript_expression":
        return None
    order = subscript.child_by_field_name("object")
    index = subscript.child_by_field_name("index")
    if (
        order is None
        or index is None
        or order.type != "identifier"
        or index.type != "update_expression"
    ):
        return None
    counter = index.child_by_field_name("argument")
    operator = index.child_by_field_name("operator")
    if counter is None or counter.type != "identifier" or operator is None or operator.type != "++":
        return None
    if index.children[0].type == "++":
        return None  # ``++i`` skips the first entry: not this shape
    return switch, order, counter


def _declarator(binding: Binding) -> tuple[Node, Node] | None:
    decl = binding.name_node.parent
    if decl is None or decl.type != "variable_declarator":
        return None
    value = decl.child_by_field_name("value")
    return (decl, value) if value is not None else None


def _order(data: bytes, value: Node) -> list[str] | None:
    """``'2|0|1'.split('|')`` → ``['2', '0', '1']``."""
    value = unparen(value)
    if value.type != "call_expression":
        return None
    fn = value.child_by_field_name("function")
    args = value.child_by_field_name("arguments")
    if fn is None or args is None or fn.type != "member_expression" or args.named_child_count != 1:
        return None
    prop = fn.child_by_field_name("property")
    obj = fn.child_by_field_name("object")
    if prop is None or obj is None or data[prop.start_byte : prop.end_byte] != b"split":
        return None
    text, sep = constant(data, obj), constant(data, args.named_children[0])
    if not isinstance(text, str) or not isinstance(sep, str) or not sep:
        return None
    return text.split(sep)


def _case_bodies(data: bytes, switch: Node, typescript: bool) -> dict[str, tuple[Node, ...]] | None:
    body = switch.child_by_field_name("body")
    if body is None:
        return None
    found = captures(body, _NESTS, typescript)
    nests = [n for n in found.get("nest", []) if n.id != switch.id]
    out: dict[str, tuple[Node, ...]] = {}
    for case in body.named_children:
        if case.type == "comment":
            continue
        if case.type != "switch_case":
            return None  # a ``default:`` has no place in a dispatcher
        value = case.child_by_field_name("value")
        key = constant(data, value) if value is not None else None
        if not isinstance(key, str | float):
            return None
        statements = [s for s in case.children_by_field_name("body") if s.type != "comment"]
        if statements and statements[-1].type == "continue_statement":
            if statements[-1].named_child_count:
                return None  # labelled
            statements = statements[:-1]
        for jump in found.get("jump", []):
            inside = any(s.start_byte <= jump.start_byte < s.end_byte for s in statements)
            nested = any(
                n.start_byte <= jump.start_byte < n.end_byte
                and case.start_byte <= n.start_byte
                and n.end_byte <= case.end_byte
                for n in nests
            )
            if inside and not nested:
                return None  # a jump out of the dispatcher: not straight-line code
        name = key if isinstance(key, str) else str(int(key)) if key == int(key) else str(key)
        out[name] = tuple(statements)
    return out


def unflatten(root: Node, data: bytes, scopes: Scopes, typescript: bool) -> tuple[list[Edit], int]:
    """Edits straightening every dispatcher loop, and how many there were.

    The order and counter variables, then unused, go in a later round.
    """
    edits: list[Edit] = []
    count = 0
    for loop in captures(root, _QUERY, typescript).get("loop", []):
        if not _endless(data, loop):
            continue
        shape = _dispatch(loop)
        if shape is None:
            continue
        switch, order_ref, counter_ref = shape
        order_b, counter_b = scopes.resolve(order_ref), scopes.resolve(counter_ref)
        if order_b is None or counter_b is None:
            continue
        order_decl, counter_decl = _declarator(order_b), _declarator(counter_b)
        if order_decl is None or counter_decl is None:
            continue
        sequence = _order(data, order_decl[1])
        start = constant(data, counter_decl[1])
        if sequence is None or not isinstance(start, float) or start != int(start) or start < 0:
            continue
        if len(scopes.references(order_b)) != 2 or len(scopes.references(counter_b)) != 2:
            continue
        cases = _case_bodies(data, switch, typescript)
        if cases is None or any(k not in cases for k in sequence[int(start) :]):
            continue
        parts: list[Part] = []
        for key in sequence[int(start) :]:
            statements = cases[key]
            if statements:
                if parts:
                    parts.append(b"\n")
                parts.append(Copy(statements[0].start_byte, statements[-1].end_byte))
        parent = loop.parent
        if parent is None or parent.type not in CONTAINERS:
            parts = [b"{", *parts, b"}"]
        edits.append(Edit(loop.start_byte, loop.end_byte, tuple(parts)))
        count += 1
    return edits, count
