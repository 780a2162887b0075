"""Forward data flow of environment signals through variables, fields, returns and calls.

From each signal read, values are followed a few hops (``MAX_HOPS`` function boundaries) to the
comparisons they meet; the outcome of those comparisons is followed on to the conditions (``if``,
ternaries) it decides. Only nodes near the flow are visited: names are found by regex over the
bytes and mapped to nodes with ``descendant_for_byte_range``.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    NameIndex,
    enclosing_function,
    function_name,
    number_value,
    parameter_names,
    scope_of,
    shadowed,
    text,
)
from agentxray.analyze.js.signals import Signal

logger = logging.getLogger(__name__)

MAX_HOPS = 4
MAX_ITEMS = 300
LOCAL_SCOPE_LIMIT = 200_000
"""Functions larger than this (bundle wrappers) count as the global scope."""
EQUALITY = frozenset({"===", "==", "!==", "!="})
ORDER = frozenset({"<", "<=", ">", ">="})
PASS_METHODS = frozenset(
    [
        "toLowerCase",
        "toUpperCase",
        "toLocaleLowerCase",
        "toLocaleUpperCase",
        "trim",
        "trimStart",
        "trimEnd",
        "toString",
        "normalize",
        "replace",
        "replaceAll",
        "split",
        "slice",
        "substring",
        "substr",
        "valueOf",
        "at",
    ]
)
TEST_METHODS = frozenset(
    ["endsWith", "startsWith", "includes", "indexOf", "lastIndexOf", "match", "search"]
)
MEMBERSHIP_METHODS = frozenset({"includes", "has", "indexOf", "test", "get"})
LOCALE_PARTS = frozenset({"language", "region", "baseName", "script"})
"""Parts of an ``Intl.Locale`` that still name the user's language or territory."""
TARGETING_CALLS = frozenset(
    {
        "setAttributes",
        "updateAttributes",
        "updateUser",
        "updateUserAsync",
        "updateUserSync",
        "identify",
    }
)
"""Feature-flag SDK calls that take targeting attributes (GrowthBook, Statsig, LaunchDarkly)."""
TARGETING_KEYS = frozenset({"attributes", "custom", "customAttributes"})
SDK_OPTION_KEYS = frozenset({"clientKey", "apiHost", "sdkKey", "environment", "remoteEval"})
"""Keys that mark an object as a feature-flag SDK's options (with ``attributes`` beside them)."""
CALLBACK_METHODS = frozenset(["some", "every", "find", "filter", "findIndex", "forEach", "map"])


@dataclass(frozen=True, slots=True)
class Comparison:
    """A signal value meeting something it is compared with."""

    signal: Signal
    operator: str
    """``===``, ``endsWith``, ``in``, ``switch``…"""
    node: Node
    """The comparing expression (or the ``switch``)."""
    other: Node | None
    """What the signal is compared with (operand, list, or switch body)."""
    hops: tuple[str, ...]
    """Functions the value passed through, in order."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A test (``if``, ternary, loop) whose outcome depends on comparisons of signals."""

    node: Node
    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True, slots=True)
class _Item:
    node: Node
    signal: Signal
    path: tuple[str, ...] = ()
    hops: tuple[str, ...] = ()
    outcome: tuple[Comparison, ...] = ()
    calls: tuple[Node, ...] = ()
    """Call sites entered through an argument: a return goes back to the last one only."""


@dataclass
class FlowResult:
    """Everything the tracker saw."""

    comparisons: list[Comparison] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)


class Tracker:
    """Follows signal values forward from their reads."""

    def __init__(self, index: NameIndex) -> None:
        self.index = index
        self.result = FlowResult()
        self._seen_cmp: set[tuple[int, int, str]] = set()
        self._seen_cond: set[tuple[int, frozenset[int]]] = set()

    def track(self, start: Node, signal: Signal) -> None:
        """Follow one signal read."""
        work: deque[_Item] = deque([_Item(start, signal)])
        seen: set[tuple[int, int, tuple[str, ...], bool]] = set()
        steps = 0
        while work and steps < MAX_ITEMS:
            item = work.popleft()
            key = (item.node.start_byte, item.node.end_byte, item.path, bool(item.outcome))
            if key in seen:
                continue
            seen.add(key)
            steps += 1
            work.extend(self._step(item))

    # -- recording -------------------------------------------------------------------------
    def _compare(self, item: _Item, op: str, node: Node, other: Node | None) -> _Item:
        cmp = Comparison(item.signal, op, node, other, item.hops)
        key = (node.start_byte, node.end_byte, item.signal.label)
        if key not in self._seen_cmp:
            self._seen_cmp.add(key)
            self.result.comparisons.append(cmp)
        return _Item(node, item.signal, (), item.hops, (cmp,))

    def _condition(self, item: _Item, node: Node) -> None:
        key = (node.start_byte, frozenset(c.node.start_byte for c in item.outcome))
        if key not in self._seen_cond:
            self._seen_cond.add(key)
            self.result.conditions.append(Condition(node, item.outcome))

    # -- one step --------------------------------------------------------------------------
    def _step(self, item: _Item) -> list[_Item]:
        node, parent = item.node, item.node.parent
        if parent is None:
            return []
        ptype = parent.type
        if ptype in ("parenthesized_expression", "await_expression", "non_null_expression"):
            return [replace(item, node=parent)]
        if ptype == "as_expression" and parent.named_children[0] == node:
            return [replace(item, node=parent)]
        if ptype == "ternary_expression":
            if parent.child_by_field_name("condition") == node:
                if item.outcome:
                    self._condition(item, parent)
                return []
            return [replace(item, node=parent)]
        if ptype == "if_statement" or ptype in ("while_statement", "do_statement", "for_statement"):
            if item.outcome:
                self._condition(item, parent)
            return []
        if ptype == "binary_expression":
            return self._binary(item, parent)
        if ptype == "unary_expression" and item.outcome:
            return [replace(item, node=parent)]
        if ptype == "unary_expression" and item.signal.kind == "tz-offset" and not item.path:
            if text(parent).startswith("-"):
                negated = replace(item.signal, scale=-item.signal.scale)
                return [replace(item, node=parent, signal=negated)]
            return []
        if ptype == "member_expression" and parent.child_by_field_name("object") == node:
            return self._member(item, parent)
        if ptype == "subscript_expression" and parent.child_by_field_name("object") == node:
            index = parent.child_by_field_name("index")
            if not item.path and not item.outcome and index is not None and index.type == "number":
                return [replace(item, node=parent)]
            return []
        if ptype == "arguments":
            return self._argument(item, parent)
        if ptype == "switch_statement" and not item.outcome:
            body = parent.child_by_field_name("body")
            self._compare(item, "switch", parent, body)
            return []
        if ptype == "new_expression" and not item.outcome:
            ctor = parent.child_by_field_name("constructor")
            if ctor is not None and text(ctor) == "URL":
                return [_Item(parent, Signal("url", item.signal.source), (), item.hops)]
            return []
        return self._carry(item, parent)

    def _binary(self, item: _Item, parent: Node) -> list[_Item]:
        op_node = parent.child_by_field_name("operator")
        op = text(op_node) if op_node is not None else ""
        left = parent.child_by_field_name("left")
        right = parent.child_by_field_name("right")
        other = right if left == item.node else left
        if item.outcome:
            return [replace(item, node=parent)] if op in ("&&", "||", "??") else []
        if item.path:
            return []
        if op in EQUALITY or (op in ORDER and item.signal.kind == "tz-offset"):
            return [self._compare(item, op, parent, other)]
        if op in ("||", "??") and left == item.node:
            return [replace(item, node=parent)]
        if item.signal.kind == "tz-offset" and other is not None:
            return self._offset_arithmetic(item, parent, op, other)
        return []

    def _offset_arithmetic(self, item: _Item, parent: Node, op: str, other: Node) -> list[_Item]:
        """Keep track of the unit of an offset through ``/ 60``, ``* -1``, ``0 - x``."""
        n = number_value(other)
        scale = item.signal.scale
        if op == "/" and n and parent.child_by_field_name("left") == item.node:
            scale *= n
        elif op == "*" and n:
            scale /= n
        elif op == "-" and n == 0 and parent.child_by_field_name("right") == item.node:
            scale = -scale
        else:
            return []
        return [replace(item, node=parent, signal=replace(item.signal, scale=scale))]

    def _member(self, item: _Item, member: Node) -> list[_Item]:
        prop_node = member.child_by_field_name("property")
        prop = text(prop_node) if prop_node is not None else ""
        call = member.parent if member.parent is not None else member
        is_call = call.type == "call_expression" and call.child_by_field_name("function") == member
        if item.path:
            if prop == item.path[0]:
                return [replace(item, node=member, path=item.path[1:])]
            return []
        if item.outcome:
            return []
        sig = item.signal
        if sig.kind == "intl-options":
            kind = {"timeZone": "timezone", "locale": "locale"}.get(prop)
            return (
                [replace(item, node=member, signal=Signal(kind, f"{sig.source}.{prop}"))]
                if kind
                else []
            )
        if sig.kind == "user-info":
            return (
                [replace(item, node=member, signal=Signal("username", f"{sig.source}.username"))]
                if prop == "username"
                else []
            )
        if sig.kind == "url":
            if prop in ("hostname", "host", "origin"):
                return [
                    replace(item, node=member, signal=Signal("endpoint", sig.source, host=True))
                ]
            return []
        if not is_call:
            if sig.kind == "locale" and prop in LOCALE_PARTS:
                return [replace(item, node=member)]
            return []
        args = call.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_child_count else None
        if prop in PASS_METHODS:
            return [replace(item, node=call)]
        if prop in TEST_METHODS:
            return [self._compare(item, prop, call, first)]
        if prop in CALLBACK_METHODS and first is not None and first.type in FUNCTION_TYPES:
            params = parameter_names(first)
            return self._uses_in(item, first, params[0]) if params and params[0] else []
        return []

    def _argument(self, item: _Item, args: Node) -> list[_Item]:
        call = args.parent
        if call is not None and call.type == "new_expression" and not item.outcome:
            ctor = call.child_by_field_name("constructor")
            first = args.named_children[0] == item.node
            if ctor is not None and text(ctor) == "URL" and first:
                return [_Item(call, Signal("url", item.signal.source), (), item.hops)]
            if ctor is not None and text(ctor) == "Intl.Locale" and first and not item.path:
                return [replace(item, node=call)] if item.signal.kind == "locale" else []
            return []
        if call is None or call.type != "call_expression":
            return []
        callee = call.child_by_field_name("function")
        if callee is None:
            return []
        if callee.type == "member_expression" and not item.outcome and not item.path:
            prop = callee.child_by_field_name("property")
            method = text(prop) if prop is not None else ""
            if method in MEMBERSHIP_METHODS:
                return [self._compare(item, "in", call, callee.child_by_field_name("object"))]
            return []
        if callee.type != "identifier" or len(item.hops) >= MAX_HOPS:
            return []
        if text(callee) in ("String", "Boolean"):
            return [replace(item, node=call)]
        fn = self.index.function_named(text(callee))
        if fn is None:
            return []
        try:
            position = list(args.named_children).index(item.node)
        except ValueError:
            return []
        params = parameter_names(fn)
        if position >= len(params) or not params[position]:
            return []
        hopped = replace(item, hops=(*item.hops, text(callee)), calls=(*item.calls, call))
        return self._uses_in(hopped, fn, params[position])

    def _carry(self, item: _Item, parent: Node) -> list[_Item]:
        node, ptype = item.node, parent.type
        if ptype == "variable_declarator" and parent.child_by_field_name("value") == node:
            name = parent.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                return self._uses_of(item, name)
            return []
        if ptype == "assignment_expression" and parent.child_by_field_name("right") == node:
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                return self._uses_of(item, left)
            return []
        if ptype == "return_statement" or (
            ptype in FUNCTION_TYPES and parent.child_by_field_name("body") == node
        ):
            fn = parent if ptype in FUNCTION_TYPES else enclosing_function(parent)
            if item.outcome and fn is not None:
                # The test inside list.some(x => …) decides the result of the whole call.
                call = _callback_call(fn)
                if call is not None:
                    return [replace(item, node=call)]
            return self._callers(item, fn)
        if ptype == "pair" and parent.child_by_field_name("value") == node:
            key = parent.child_by_field_name("key")
            obj = parent.parent
            if key is None or obj is None:
                return []
            moved = replace(item, node=obj, path=(text(key).strip("\"'"), *item.path))
            return self._targeting(moved)
        if node.type == "shorthand_property_identifier" and ptype == "object":
            return self._targeting(replace(item, node=parent, path=(text(node), *item.path)))
        if ptype == "sequence_expression" and parent.named_children[-1] == node:
            return [replace(item, node=parent)]
        return []

    def _targeting(self, item: _Item) -> list[_Item]:
        """An object holding the signal handed to a feature-flag SDK as targeting attributes."""
        parent = item.node.parent
        if item.outcome or item.signal.kind not in ("timezone", "locale", "tz-offset"):
            return [item]
        if parent is not None and parent.type == "arguments" and parent.parent is not None:
            callee = parent.parent.child_by_field_name("function")
            prop = callee.child_by_field_name("property") if callee is not None else None
            if prop is not None and text(prop) in TARGETING_CALLS:
                self._compare(item, "targeting", parent.parent, None)
        if parent is not None and parent.type == "pair":
            key = parent.child_by_field_name("key")
            holder = parent.parent
            if key is not None and text(key).strip("\"'") in TARGETING_KEYS and holder is not None:
                keys = {
                    text(k).strip("\"'")
                    for p in holder.named_children
                    if (k := p.child_by_field_name("key")) is not None
                }
                if keys & SDK_OPTION_KEYS:
                    self._compare(item, "targeting", parent, None)
        return [item]

    # -- names -----------------------------------------------------------------------------
    def _uses_of(self, item: _Item, name_node: Node) -> list[_Item]:
        name = text(name_node)
        scope = self._declaring_scope(name_node, name)
        if scope.parent is None and len(name) < 3:
            return []
        return self._uses_in(item, scope, name, exclude=name_node)

    def _declaring_scope(self, use: Node, name: str) -> Node:
        """The function declaring ``name`` as seen from ``use``; the program when global."""
        if use.parent is not None and use.parent.type == "variable_declarator":
            return scope_of(use)
        fn = enclosing_function(use)
        while fn is not None and fn.end_byte - fn.start_byte < LOCAL_SCOPE_LIMIT:
            if name in parameter_names(fn) or self._declares(fn, name):
                return fn
            fn = enclosing_function(fn)
        return _root(use)

    def _declares(self, fn: Node, name: str) -> bool:
        for ident in self.index.identifiers(name, fn.start_byte, fn.end_byte):
            parent = ident.parent
            if (
                parent is not None
                and parent.type == "variable_declarator"
                and parent.child_by_field_name("name") == ident
                and scope_of(ident) == fn
            ):
                return True
        return False

    def _uses_in(
        self, item: _Item, scope: Node, name: str, exclude: Node | None = None
    ) -> list[_Item]:
        out = []
        for use in self.index.identifiers(name, scope.start_byte, scope.end_byte):
            if use == exclude or shadowed(use, scope, name):
                continue
            parent = use.parent
            if parent is not None and (
                (
                    parent.type == "assignment_expression"
                    and parent.child_by_field_name("left") == use
                )
                or (
                    parent.type == "variable_declarator"
                    and parent.child_by_field_name("name") == use
                )
            ):
                continue
            if parent is not None and parent.type == "formal_parameters":
                continue
            out.append(replace(item, node=use))
        return out

    def _callers(self, item: _Item, fn: Node | None) -> list[_Item]:
        if item.calls:
            return [replace(item, node=item.calls[-1], calls=item.calls[:-1])]
        if fn is None or len(item.hops) >= MAX_HOPS:
            return []
        name = function_name(fn)
        if name is None:
            return []
        hops = (*item.hops, name)
        return [replace(item, node=call, hops=hops) for call in self.index.calls(name)]


def _callback_call(fn: Node) -> Node | None:
    args = fn.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    if call is None or callee is None or callee.type != "member_expression":
        return None
    prop = callee.child_by_field_name("property")
    return (
        call if prop is not None and text(prop) in ("some", "every", "find", "findIndex") else None
    )


def _root(node: Node) -> Node:
    while node.parent is not None:
        node = node.parent
    return node
