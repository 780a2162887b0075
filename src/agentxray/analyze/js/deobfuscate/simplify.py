"""Expression-level clean-up: constant folding, plain literals, dot access, dead branches."""

from __future__ import annotations

import logging
import math
import re

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.fold import constant, truthiness
from agentxray.analyze.js.deobfuscate.rewrite import Copy, Edit, Part
from agentxray.analyze.js.deobfuscate.syntax import (
    IDENTIFIER,
    Constant,
    captures,
    js_constant,
    js_number,
    js_string,
    number_value,
    string_value,
)

logger = logging.getLogger(__name__)

_QUERY = """
(string) @string
(number) @number
(member_expression object: (number) @number_object)
(binary_expression) @binary
(unary_expression) @unary
(subscript_expression index: (string)) @subscript
(pair key: (string) @key)
(computed_property_name (string)) @computed_key
(if_statement) @if
(ternary_expression) @ternary
(parenthesized_expression) @paren
"""
_SPECIAL_KEYS = frozenset({"constructor", "__proto__"})
_ESCAPED = re.compile(r"\\(?:x|u)")
_RADIX = re.compile(r"0[xXoObB]")
CONTAINERS = frozenset({"program", "statement_block", "switch_case", "switch_default"})
PRIMARY = frozenset(
    {
        "identifier",
        "number",
        "string",
        "template_string",
        "true",
        "false",
        "null",
        "undefined",
        "this",
        "array",
        "object",
        "call_expression",
        "member_expression",
        "subscript_expression",
        "parenthesized_expression",
        "regex",
    }
)
_DECLARATIONS = frozenset(
    {
        "lexical_declaration",
        "class_declaration",
        "function_declaration",
        "generator_function_declaration",
    }
)


def _printable(value: Constant) -> bool:
    if isinstance(value, float):
        return math.isfinite(value) and value == int(value) and abs(value) < 2**53
    return isinstance(value, str | bool)


def _source(data: bytes, node: Node) -> bytes:
    return data[node.start_byte : node.end_byte]


def _replace(data: bytes, node: Node, replacement: str) -> Edit | None:
    """An edit replacing ``node``, or None when it would not change anything."""
    if replacement.encode("utf-8", "surrogatepass") == _source(data, node):
        return None
    return Edit.text(node.start_byte, node.end_byte, replacement)


def _folds(data: bytes, found: dict[str, list[Node]]) -> list[Edit]:
    edits: list[Edit] = []
    end = -1
    for node in sorted(
        found.get("binary", []) + found.get("unary", []), key=lambda n: (n.start_byte, -n.end_byte)
    ):
        if node.start_byte < end:
            continue  # inside an expression already folded
        value = constant(data, node)
        if value is not None and _printable(value):
            edit = _replace(data, node, js_constant(value))
            if edit is not None:
                edits.append(edit)
                end = node.end_byte
            continue
        if node.type == "binary_expression":
            edit = _merge_tail(data, node)
            if edit is not None:
                edits.append(edit)
                end = node.end_byte
    return edits


def _merge_tail(data: bytes, node: Node) -> Edit | None:
    """``x + 'a' + 'b' + 'c'`` → ``x + 'abc'``: exact, since ``x + 'a'`` is a string already."""
    strings: list[Node] = []
    cur = node
    while cur.type == "binary_expression":
        op = cur.child_by_field_name("operator")
        right = cur.child_by_field_name("right")
        left = cur.child_by_field_name("left")
        if op is None or op.type != "+" or right is None or left is None:
            break
        if not isinstance(constant(data, right), str):
            break
        strings.append(right)
        cur = left  # not through parentheses: the edit must not cut them
    if len(strings) < 2:
        return None
    value = "".join(str(constant(data, s)) for s in reversed(strings))
    return Edit.text(strings[-1].start_byte, node.end_byte, js_string(value))


def _literals(data: bytes, found: dict[str, list[Node]]) -> list[Edit]:
    edits: list[Edit] = []
    for node in found.get("string", []):
        raw = _source(data, node).decode("utf-8", "replace")
        value = string_value(data, node)
        if value is not None and _ESCAPED.search(raw):
            edit = _replace(data, node, js_string(value))
            if edit is not None:
                edits.append(edit)
    skip = {n.id for n in found.get("number_object", [])}
    for node in found.get("number", []):
        if node.id in skip or not _RADIX.match(_source(data, node).decode("ascii", "replace")):
            continue
        number = number_value(data, node)
        if number is not None and _printable(number):
            edit = _replace(data, node, js_number(number))
            if edit is not None:
                edits.append(edit)
    return edits


def _keys(data: bytes, found: dict[str, list[Node]]) -> list[Edit]:
    edits: list[Edit] = []
    for node in found.get("subscript", []):
        obj = node.child_by_field_name("object")
        index = node.child_by_field_name("index")
        if obj is None or index is None or obj.type == "number":
            continue
        name = string_value(data, index)
        if name is None or not IDENTIFIER.match(name):
            continue
        optional = node.child_by_field_name("optional_chain") is not None
        edits.append(Edit.text(obj.end_byte, node.end_byte, ("?." if optional else ".") + name))
    for node in found.get("key", []):
        name = string_value(data, node)
        if name is not None and IDENTIFIER.match(name):
            edits.append(Edit.text(node.start_byte, node.end_byte, name))
    for node in found.get("computed_key", []):
        # Any key position: an object's pair, a destructuring pattern, a class or object
        # method, a class field. ``["constructor"]()`` is an ordinary method and
        # ``{["__proto__"]: x}`` an ordinary property; spelled plainly both mean more.
        inner = node.named_children[0] if node.named_child_count else None
        name = string_value(data, inner) if inner is not None else None
        if name is not None and name not in _SPECIAL_KEYS:
            edits.append(
                Edit.text(
                    node.start_byte,
                    node.end_byte,
                    name if IDENTIFIER.match(name) else js_string(name),
                )
            )
    return edits


_LEVELS = (
    ("||",),
    ("&&",),
    ("|",),
    ("^",),
    ("&",),
    ("==", "!=", "===", "!=="),
    ("<", ">", "<=", ">=", "instanceof", "in"),
    ("<<", ">>", ">>>"),
    ("+", "-"),
    ("*", "/", "%"),
)
_PRECEDENCE = {op: level for level, ops in enumerate(_LEVELS) for op in ops}
_OPERAND_PRIMARY = PRIMARY - {"object", "parenthesized_expression"}
_VALUE_SLOTS = {
    "subscript_expression": "index",
    "variable_declarator": "value",
    "return_statement": None,
    "arguments": None,
}
"""Where any expression but a comma sequence stands without parentheses."""


def _operator(node: Node) -> str | None:
    op = node.child_by_field_name("operator")
    return op.type if op is not None else None


def _redundant(paren: Node) -> Node | None:
    """The inner expression when ``paren``'s parentheses change nothing (the proxy functions
    javascript-obfuscator inlines leave ``(((k * 7) + 3) % n)``), else None."""
    if paren.named_child_count != 1:
        return None
    inner, parent = paren.named_children[0], paren.parent
    if parent is None or inner.type in ("sequence_expression", "comment"):
        return None
    if parent.type == "variable_declarator":
        decl = parent.parent
        if decl is None or decl.parent is None or decl.parent.type == "for_statement":
            return None  # ``for (var x = (a in b); …)``: the parentheses keep ``in`` apart
    if parent.type in _VALUE_SLOTS:
        field = _VALUE_SLOTS[parent.type]
        if field is None or parent.child_by_field_name(field) == paren:
            return inner if inner.type != "object" or parent.type != "return_statement" else None
        return None
    if parent.type != "binary_expression":
        return None
    if inner.type in _OPERAND_PRIMARY:
        return inner
    if inner.type != "binary_expression":
        return None
    outer_level = _PRECEDENCE.get(_operator(parent) or "")
    inner_level = _PRECEDENCE.get(_operator(inner) or "")
    if outer_level is None or inner_level is None:
        return None  # ``**`` and ``??`` have rules of their own
    if parent.child_by_field_name("left") == paren:
        return inner if inner_level >= outer_level else None
    return inner if inner_level > outer_level else None


def _parentheses(found: dict[str, list[Node]]) -> list[Edit]:
    edits: list[Edit] = []
    for node in found.get("paren", []):
        inner = _redundant(node)
        if inner is not None:
            edits.append(
                Edit(node.start_byte, node.end_byte, (Copy(inner.start_byte, inner.end_byte),))
            )
    return edits


def _statement_parts(chosen: Node | None, in_container: bool) -> tuple[Part, ...]:
    """What replaces a statement by ``chosen`` (a block's statements are spliced when safe)."""
    if chosen is None:
        return () if in_container else (b";",)
    if chosen.type == "statement_block" and in_container:
        inner = list(chosen.named_children)
        if not inner:
            return ()
        if not any(c.type in _DECLARATIONS for c in inner):
            return (Copy(inner[0].start_byte, inner[-1].end_byte),)
    copy = Copy(chosen.start_byte, chosen.end_byte)
    return (copy,) if in_container or chosen.type == "statement_block" else (b"{", copy, b"}")


def _branches(data: bytes, found: dict[str, list[Node]]) -> list[Edit]:
    edits: list[Edit] = []
    for node in found.get("if", []):
        cond = node.child_by_field_name("condition")
        truth = truthiness(data, cond) if cond is not None else None
        if truth is None:
            continue
        chosen = node.child_by_field_name("consequence")
        if not truth:
            alternative = node.child_by_field_name("alternative")
            chosen = (
                alternative.named_children[0]
                if alternative and alternative.named_child_count
                else None
            )
        parent = node.parent
        parts = _statement_parts(chosen, parent is not None and parent.type in CONTAINERS)
        edits.append(Edit(node.start_byte, node.end_byte, parts))
    for node in found.get("ternary", []):
        cond = node.child_by_field_name("condition")
        truth = truthiness(data, cond) if cond is not None else None
        branch = node.child_by_field_name("consequence" if truth else "alternative")
        if truth is None or branch is None:
            continue
        copy = Copy(branch.start_byte, branch.end_byte)
        edits.append(
            Edit(
                node.start_byte,
                node.end_byte,
                (copy,) if branch.type in PRIMARY else (b"(", copy, b")"),
            )
        )
    return edits


def simplify(root: Node, data: bytes, typescript: bool) -> list[Edit]:
    """One round of expression-level simplifications (overlaps are resolved by the caller)."""
    found = captures(root, _QUERY, typescript)
    return (
        _folds(data, found)
        + _literals(data, found)
        + _keys(data, found)
        + _branches(data, found)
        + _parentheses(found)
    )
