"""What a look-alike choice is computed from, followed backwards (JavaScript front-end).

A watermark picks between renderings a reader cannot tell apart (a straight or curly quote, a
space or a thin space) by a *selector*: a ternary's test, the index a table of variants is read
at. When the selector is made from who the user is, the choice spells that identity into the
text, however many steps lie between: a hash of ``git config user.email`` cut into bits and
kept in a field, a hand-written FNV hash of ``hostname:username`` shifted two bits per use, a
counter over a list of bits read through a small arrow function.

The search is a backward slice over ordinary code, not a list of hash APIs: from the selector
to the names it reads (their declarations and assignments), the class fields (every assignment
of ``this.x`` in the class), what called functions and methods return, what a parameter is
given at the call sites, and, for any other call, its receiver and arguments (a result is made
from what went in: ``createHash(…).update(x).digest()``, ``Array.from(d).flatMap(…)``). It stops
at identity reads found by the signal finder, and within a budget.
"""

from __future__ import annotations

import re
from collections import deque

from tree_sitter import Node

from agentxray.analyze.js.analysis import JsAnalysis
from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    WIDE_SCOPE,
    enclosing_function,
    function_name,
    is_callback,
    parameter_names,
    returned_expressions,
    scope_of,
    text,
    unwrap,
)
from agentxray.analyze.js.signals import IDENTITY_KINDS, Signal, find_signals

MARKING_KINDS = (IDENTITY_KINDS | {"user-info"}) - {"endpoint", "api-key"}
"""Identities a per-user mark spells (the API base URL and the user's own key say nothing about
who the user is)."""
MAX_DEPTH = 8
MAX_ROOTS = 120
"""Expressions followed per choice."""
MAX_WALK = 400
"""Nodes looked at inside one expression."""
MAX_SITES = 6
_SIGNALS_KEY = "agentxray.analyze.js.watermark_deps.signals"


def _identity_reads(a: JsAnalysis) -> dict[tuple[int, int], Signal]:
    """Identity reads of the file by span, found once per file (on first need)."""
    cached = a.unit.context.get(_SIGNALS_KEY)
    if isinstance(cached, dict):
        return cached
    found = {
        (node.start_byte, node.end_byte): sig
        for node, sig in find_signals(a.index, a.unit.data)
        if sig.kind in MARKING_KINDS
    }
    a.unit.context[_SIGNALS_KEY] = found
    return found


def identity_sources(a: JsAnalysis, selectors: list[Node]) -> list[Signal]:
    """The identity reads ``selectors`` are computed from (empty when none is reached)."""
    reads = _identity_reads(a)
    if not reads or not selectors:
        return []
    out: dict[tuple[int, int], Signal] = {}
    seen: set[tuple[int, int]] = set()
    work: deque[tuple[Node, int]] = deque((s, 0) for s in selectors)
    while work and len(seen) < MAX_ROOTS:
        root, depth = work.popleft()
        key = (root.start_byte, root.end_byte)
        if key in seen:
            continue
        seen.add(key)
        for node in _walk(root):
            span = (node.start_byte, node.end_byte)
            if span in reads:
                out.setdefault(span, reads[span])
                continue
            if depth >= MAX_DEPTH:
                continue
            for nxt in _feeders(a, node):
                work.append((nxt, depth + 1))
    return list(out.values())


def _walk(root: Node) -> list[Node]:
    """The nodes of one expression, not entering the functions written inside it (a callback's
    body is reached through its parameters, when a selector reads them) but for a promise's
    executor: what it resolves with is the promise's value."""
    out: list[Node] = []
    stack = [root]
    while stack and len(out) < MAX_WALK:
        cur = stack.pop()
        out.append(cur)
        if cur is not root and cur.type in FUNCTION_TYPES and not _executor(cur):
            continue
        stack.extend(reversed(cur.named_children))
    return out


def _executor(fn: Node) -> bool:
    """``new Promise((resolve) => …)``: the function is the promise's executor."""
    args = fn.parent
    new = args.parent if args is not None and args.type == "arguments" else None
    ctor = new.child_by_field_name("constructor") if new is not None else None
    return (
        new is not None
        and new.type == "new_expression"
        and ctor is not None
        and (text(ctor) == "Promise")
    )


def _feeders(a: JsAnalysis, node: Node) -> list[Node]:
    """The expressions the value of ``node`` is computed from, one step back."""
    t = node.type
    if t in ("identifier", "shorthand_property_identifier"):
        parent = node.parent
        if parent is not None and parent.type in ("variable_declarator", "formal_parameters"):
            name_field = parent.child_by_field_name("name")
            if name_field == node or parent.type == "formal_parameters":
                return []  # the declared name itself
        return _name_feeders(a, node)
    if t == "member_expression":
        obj = node.child_by_field_name("object")
        prop = node.child_by_field_name("property")
        if obj is not None and obj.type == "this" and prop is not None:
            return _this_fields(node, text(prop)) + _method_returns(node, text(prop))
        return []
    if t == "call_expression":
        callee = node.child_by_field_name("function")
        if callee is None:
            return []
        if callee.type == "identifier":
            fn = _function_of(a, callee)
            return returned_expressions(fn) if fn is not None else []
    return []


def _function_of(a: JsAnalysis, callee: Node) -> Node | None:
    """The function a called name is bound to: a declaration, or a function assigned to it in
    reach (``const next = () => bits[i++ % bits.length]``)."""
    for d in a.resolver.bindings(callee)[:2]:
        value = d.child_by_field_name("value") or d.child_by_field_name("right")
        if value is not None and unwrap(value).type in FUNCTION_TYPES:
            return unwrap(value)
    return a.index.function_named(text(callee))


def _name_feeders(a: JsAnalysis, use: Node) -> list[Node]:
    """What a name holds: a parameter's arguments (or, for a callback over a list, the list),
    a loop variable's collection, its declarations and the assignments to it in its scope."""
    name = text(use)
    fn = enclosing_function(use)
    while fn is not None:
        params = parameter_names(fn)
        if name in params:
            return _arguments(a, fn, params.index(name))
        if any(
            d.type == "variable_declarator" and enclosing_function(d) == fn
            for d in a.resolver.bindings(use)[:2]
        ):
            break
        fn = enclosing_function(fn)
    out: list[Node] = []
    loop = use.parent
    while loop is not None and loop.type not in FUNCTION_TYPES:
        if loop.type == "for_in_statement":
            left = loop.child_by_field_name("left")
            right = loop.child_by_field_name("right")
            if left is not None and right is not None and name in re.findall(r"[\w$]+", text(left)):
                out.append(right)
                return out
        loop = loop.parent
    for d in a.resolver.bindings(use)[:4]:
        value = d.child_by_field_name("value") or d.child_by_field_name("right")
        if value is not None:
            out.append(value)
    scope = scope_of(use)
    if scope.end_byte - scope.start_byte <= WIDE_SCOPE:
        for ident in a.index.identifiers(name, scope.start_byte, scope.end_byte)[:40]:
            parent = ident.parent
            if (
                parent is not None
                and parent.type in ("assignment_expression", "augmented_assignment_expression")
                and parent.child_by_field_name("left") == ident
            ):
                right = parent.child_by_field_name("right")
                if right is not None:
                    out.append(right)
    return out


def _arguments(a: JsAnalysis, fn: Node, position: int) -> list[Node]:
    """What a parameter is given: the list a callback ranges over (``d.flatMap(b => …)``), or
    the arguments at the call sites of a named function or method."""
    if is_callback(fn):
        call = fn.parent.parent if fn.parent is not None else None
        callee = call.child_by_field_name("function") if call is not None else None
        if callee is not None and callee.type == "member_expression":
            obj = callee.child_by_field_name("object")
            return [obj] if obj is not None else []
        return []
    sites: list[Node] = []
    if fn.type == "method_definition":
        key = fn.child_by_field_name("name")
        sites = _method_calls(fn, text(key)) if key is not None else []
    else:
        name = function_name(fn)
        sites = a.index.calls(name)[:MAX_SITES] if name else []
    out: list[Node] = []
    for call in sites:
        args = call.child_by_field_name("arguments")
        if args is not None and position < args.named_child_count:
            out.append(args.named_children[position])
    return out


def _class_body(node: Node) -> Node | None:
    body = node.parent
    while body is not None and body.type != "class_body":
        body = body.parent
    if body is None or body.end_byte - body.start_byte > WIDE_SCOPE:
        return None
    return body


def _this_fields(node: Node, key: str) -> list[Node]:
    """Every value the class gives ``this.key``: field declarations and assignments."""
    body = _class_body(node)
    if body is None:
        return []
    out: list[Node] = []
    for member in body.named_children:
        if member.type in ("public_field_definition", "field_definition"):
            name = member.child_by_field_name("property") or member.child_by_field_name("name")
            value = member.child_by_field_name("value")
            if name is not None and text(name) == key and value is not None:
                out.append(value)
    pattern = re.compile(rb"\bthis\s*\.\s*" + re.escape(key.encode()) + rb"\s*[-+|&^]?=(?![=>])")
    for m in pattern.finditer(body.text or b""):
        at = body.descendant_for_byte_range(body.start_byte + m.start(), body.start_byte + m.end())
        while at is not None and at.type not in (
            "assignment_expression",
            "augmented_assignment_expression",
        ):
            at = at.parent
        right = at.child_by_field_name("right") if at is not None else None
        if right is not None:
            out.append(right)
        if len(out) >= MAX_SITES:
            break
    return out


def _method_returns(node: Node, key: str) -> list[Node]:
    """What the class's method or getter ``key`` returns (``this.seed()``, ``this.bits``)."""
    body = _class_body(node)
    if body is None:
        return []
    for member in body.named_children:
        name = member.child_by_field_name("name")
        if member.type == "method_definition" and name is not None and text(name) == key:
            return returned_expressions(member)
    return []


def _method_calls(method: Node, key: str) -> list[Node]:
    """Calls ``this.key(…)`` inside the method's class."""
    body = method.parent
    if body is None:
        return []
    out: list[Node] = []
    pattern = re.compile(rb"\bthis\s*\.\s*" + re.escape(key.encode()) + rb"\s*\(")
    for m in pattern.finditer(body.text or b""):
        at = body.descendant_for_byte_range(body.start_byte + m.start(), body.start_byte + m.end())
        while at is not None and at.type != "call_expression":
            at = at.parent
        if at is not None:
            out.append(at)
        if len(out) >= MAX_SITES:
            break
    return out
