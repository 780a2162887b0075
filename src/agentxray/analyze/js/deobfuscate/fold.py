"""Constant evaluation of JavaScript expressions: literals, arithmetic, comparisons, joins."""

from __future__ import annotations

import logging
import math

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.syntax import (
    Constant,
    js_constant,
    js_number,
    number_value,
    string_value,
    unparen,
)

logger = logging.getLogger(__name__)

_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>", ">>>"})
_COMPARISON = frozenset({"===", "!==", "==", "!="})


def _to_number(value: Constant) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if value is None:
        return 0.0
    try:
        return float(value.strip() or "0")
    except ValueError:
        return math.nan


def _to_string(value: Constant) -> str:
    if isinstance(value, str):
        return value
    return js_constant(value) if not isinstance(value, float) else js_number(value)


def _to_int32(value: float) -> int:
    if not math.isfinite(value):
        return 0
    n = int(value) & 0xFFFFFFFF
    return n - 0x100000000 if n >= 0x80000000 else n


def _arith(op: str, a: Constant, b: Constant) -> Constant:
    if op == "+" and (isinstance(a, str) or isinstance(b, str)):
        return _to_string(a) + _to_string(b)
    x, y = _to_number(a), _to_number(b)
    try:
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            if y:
                return x / y
            if x == 0 or math.isnan(x):
                return math.nan
            return math.copysign(math.inf, x) * math.copysign(1.0, y)
        if op == "%":
            return math.fmod(x, y) if y else math.nan
        if op == "**":
            return float(x**y) if abs(y) < 64 else math.nan
        i, j = _to_int32(x), _to_int32(y)
        if op == "&":
            return float(i & j)
        if op == "|":
            return float(_to_int32(i | j))
        if op == "^":
            return float(i ^ j)
        if op == "<<":
            return float(_to_int32(i << (j & 31)))
        if op == ">>":
            return float(i >> (j & 31))
        if op == ">>>":
            return float((i & 0xFFFFFFFF) >> (j & 31))
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.nan
    return math.nan


def _equal(op: str, a: Constant, b: Constant) -> bool | None:
    if type(a) is not type(b):
        if op in ("===", "!=="):
            return op == "!=="
        return None  # loose equality across types: not worth modelling
    same = a == b
    return same if op in ("===", "==") else not same


def _truthy(value: Constant) -> bool:
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return bool(value)


def constant(data: bytes, node: Node, depth: int = 0) -> Constant:
    """The value of a constant expression (literals, ``![]``, arithmetic, comparisons), else None."""
    if depth > 60:
        return None
    node = unparen(node)
    kind = node.type
    if kind in ("string", "template_string"):
        return string_value(data, node)
    if kind == "number":
        return number_value(data, node)
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "member_expression":
        prop = node.child_by_field_name("property")
        obj = node.child_by_field_name("object")
        if prop is None or obj is None or data[prop.start_byte : prop.end_byte] != b"length":
            return None
        value = constant(data, obj, depth + 1)
        if not isinstance(value, str):
            return None
        return float(len(value.encode("utf-16-le", "surrogatepass")) // 2)
    if kind == "unary_expression":
        op_node = node.child_by_field_name("operator")
        arg = node.child_by_field_name("argument")
        if op_node is None or arg is None:
            return None
        op = op_node.type
        inner = unparen(arg)
        if op == "!" and inner.type in ("array", "object") and inner.named_child_count == 0:
            return False
        value = constant(data, inner, depth + 1)
        if value is None:
            return None
        if op == "!":
            return not _truthy(value)
        if op == "-":
            return -_to_number(value)
        if op == "+":
            return _to_number(value)
        if op == "~":
            return float(~_to_int32(_to_number(value)))
        if op == "typeof":
            return {str: "string", float: "number", bool: "boolean"}[type(value)]
        return None
    if kind == "binary_expression":
        op_node = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op_node is None or left is None or right is None:
            return None
        op = op_node.type
        if op == "+":
            return _sum(data, node, depth)
        if op not in _ARITHMETIC and op not in _COMPARISON and op not in ("&&", "||"):
            return None
        a = constant(data, left, depth + 1)
        if a is None:
            return None
        b = constant(data, right, depth + 1)
        if b is None:
            return None
        if op in _ARITHMETIC:
            return _arith(op, a, b)
        if op in _COMPARISON:
            return _equal(op, a, b)
        if op == "&&":
            return b if _truthy(a) else a
        return a if _truthy(a) else b
    return None


def _sum(data: bytes, node: Node, depth: int) -> Constant:
    """A chain ``a + b + c + …`` (split strings: hundreds long), walked without recursion."""
    terms: list[Node] = []
    cur = node
    while True:
        cur = unparen(cur)
        op = cur.child_by_field_name("operator") if cur.type == "binary_expression" else None
        if op is None or op.type != "+":
            break
        right = cur.child_by_field_name("right")
        left = cur.child_by_field_name("left")
        if right is None or left is None:
            return None
        terms.append(right)
        cur = left
    terms.append(cur)
    value = constant(data, terms[-1], depth + 1)
    for term in reversed(terms[:-1]):
        other = constant(data, term, depth + 1)
        if value is None or other is None:
            return None
        value = _arith("+", value, other)
    return value


def truthiness(data: bytes, node: Node) -> bool | None:
    """Whether a constant condition is always true or always false, else None."""
    value = constant(data, node)
    return None if value is None else _truthy(value)
