"""Forward data flow of environment signals through variables, fields, returns and calls.

From each signal read, values are followed a few hops (``MAX_HOPS`` function boundaries) to the
comparisons they meet; the outcome of those comparisons is followed on to the conditions (``if``,
ternaries) it decides. Only nodes near the flow are visited: names are found by regex over the
bytes and mapped to nodes with ``descendant_for_byte_range``.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from agentxray.analyze.facts.jsmodules import JsModules
from agentxray.analyze.facts.jsscope import MAX_DISPATCH_BYTES, JsScopes, strip
from agentxray.analyze.facts.jsvalues import returned
from agentxray.analyze.js.deciding import (
    TARGETED_KINDS,
    answer_gate,
    answer_names,
    awaited_yield,
    parsed_answer,
    request_call,
)
from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    WIDE_SCOPE,
    NameIndex,
    declares_param,
    enclosing_function,
    function_name,
    number_value,
    parameter_names,
    prefiltered_finditer,
    scope_of,
    shadowed,
    string_value,
    text,
    unwrap,
)
from agentxray.analyze.js.signals import IDENTITY_KINDS, REGION_KINDS, Signal, env_kind
from agentxray.analyze.js.values import Resolver

logger = logging.getLogger(__name__)

DERIVED = ("+",)
"""Path of a string built from an identity value: followed to hashes and encoders only."""
SENT = ("\x1equery",)
"""Path of a query string or URL a targeted value was put into: followed to the request only."""
KEYED = "\x1f"
"""Prefix of a path step that is a key of a keyed store (``m.set("zone", tz)`` … ``m.get("zone")``),
kept apart from a member of the same name."""
_THIS = re.compile(rb"\bthis\b")
DERIVED_OPS = frozenset({"+", "&", "|", "^", "<<", ">>", ">>>", "%"})
"""Operators whose result is still made from a derived value (code points masked, shifted)."""
MAX_HOPS = 4
SHORT_GLOBAL_USES = 40
"""A global with a one- or two-letter name is followed only when it has at most this many uses."""
MAX_ITEMS = 300
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
        "maximize",
        "minimize",
        "pop",
        "shift",
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
COLLECTION_PASS = frozenset(
    {"flat", "filter", "sort", "slice", "concat", "reverse", "values", "join"}
)
"""Methods whose result still holds the collection's (signal) elements."""
CODE_POINTS = frozenset({"codePointAt", "charCodeAt"})
STATIC_PASS = frozenset({"Object.values", "Array.from"})
"""Calls whose result still holds a collection's elements (interfaces → their MAC addresses)."""
FILL_METHODS = frozenset({"push", "unshift"})
"""Array methods that put a value into the list they are called on."""
HASH_OBJECTS = ("createHash", "createHmac", "subtle.digest", "sha256", "sha1", "md5")
"""Calls whose ``update``/argument turns a value into a derived identifier."""
DERIVE_METHODS = frozenset({"exec", "match", "matchAll"})
ELEMENT_METHODS = frozenset({"find", "filter", "findLast"})
"""Callback methods whose result is (a list of) the elements themselves."""
"""Regex methods whose result holds parts of the value (capture groups)."""


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
    entry: Node | None = None
    """The call whose argument brought the value into the function holding ``node``: the
    call's value is what the function returns for this signal."""


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
        self._methods: dict[str, Node | None] = {}
        self._method_calls: dict[str, list[Node]] = {}
        self._declared: dict[tuple[int, int, str], bool] = {}
        self._values: Resolver | None = None
        self._js_scopes: JsScopes | None = None
        self._js_modules: JsModules | None = None
        self._member_uses_by_name: dict[str, list[Node]] = {}

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
        entry = item.calls[-1] if item.calls else None
        cmp = Comparison(item.signal, op, node, other, item.hops, entry)
        key = (node.start_byte, node.end_byte, item.signal.label)
        if key not in self._seen_cmp:
            self._seen_cmp.add(key)
            if item.signal.kind not in REGION_KINDS or not (
                _exception(node) or _marks_entry(other)
            ):
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
        if ptype == "yield_expression" and awaited_yield(parent):
            return [replace(item, node=parent)]  # tsc/esbuild down-levelled `await`
        if ptype == "as_expression" and parent.named_children[0] == node:
            return [replace(item, node=parent)]
        if ptype == "ternary_expression":
            if parent.child_by_field_name("condition") == node:
                if item.outcome:
                    self._condition(item, parent)
                    if _coded_arms(parent):
                        # `this.mode = inList ? 1 : 0`: the value is the outcome, coded as a
                        # flag that other code tests (`if (this.mode !== 1) return text`).
                        return [replace(item, node=parent)]
                return []
            return [replace(item, node=parent)]
        if ptype == "if_statement" or ptype in ("while_statement", "do_statement", "for_statement"):
            if item.outcome:
                self._condition(item, parent)
                if ptype == "if_statement" and _returns_flag(parent):
                    # `if (zone === "…") return 2;`: the function's result is the outcome, coded
                    # as a number or a flag its callers test (`if (variant() === 2) …`).
                    return self._callers(item, enclosing_function(parent))
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
        if (
            ptype == "subscript_expression"
            and parent.child_by_field_name("index") == node
            and not item.path
            and not item.outcome
            and item.signal.kind != "env-object"
            and _tested(parent)
        ):
            # `if (TABLE[tz])`: a lookup keyed by the signal, used as a test, is a membership
            # test of the table's keys (a lookup used as data, a zone's label, is not).
            return [self._compare(item, "in", parent, parent.child_by_field_name("object"))]
        if ptype == "subscript_expression" and parent.child_by_field_name("object") == node:
            index = parent.child_by_field_name("index")
            if not item.path and not item.outcome and index is not None and index.type == "number":
                return [replace(item, node=parent)]
            if item.signal.kind == "network-interfaces" and not item.path and not item.outcome:
                return [replace(item, node=parent)]  # `ifaces[name]`: that interface's addresses
            if index is not None and index.type == "string" and not item.outcome:
                projected = self._project(item, text(index).strip("\"'`"))
                return [replace(projected, node=parent)] if projected is not None else []
            if index is not None and item.signal.kind == "env-object" and not item.outcome:
                # `E[k]` with `k` ranging over a list of variable names.
                names = self._resolver().values(index).items
                kinds = [(n, k) for n in names if (k := env_kind(n))]
                if kinds:
                    kind = kinds[0][1]
                    source = "env:" + "/".join(n for n, _ in kinds[:4])
                    return [replace(item, node=parent, signal=Signal(kind, source))]
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
                return [_url(item, parent)]
            return []
        return self._carry(item, parent)

    def _binary(self, item: _Item, parent: Node) -> list[_Item]:
        op_node = parent.child_by_field_name("operator")
        op = text(op_node) if op_node is not None else ""
        left = parent.child_by_field_name("left")
        right = parent.child_by_field_name("right")
        other = right if left == item.node else left
        if item.outcome:
            if op in ("&&", "||", "??"):
                return [replace(item, node=parent)]
            # `a.localeCompare(b) === 0`, `list.indexOf(x) > -1`: still the comparison's outcome.
            constant = other is not None and (
                number_value(other) is not None or text(other) in ("true", "false", "!0", "!1")
            )
            return [replace(item, node=parent)] if constant and op in EQUALITY | ORDER else []
        if item.path == DERIVED and op in DERIVED_OPS:
            return [replace(item, node=parent)]
        if item.path == SENT:
            return [replace(item, node=parent)] if op == "+" else []
        if item.path and item.path != DERIVED and op in ("||", "??"):
            return [replace(item, node=parent)]  # `this.where || (await this.locate())`
        if item.path:
            return []
        if (
            op == "+"
            and item.signal.kind in TARGETED_KINDS
            and other is not None
            and other.type in ("string", "template_string")
            and re.search(r"[?&][\w.-]+=$", text(other).strip("\"'`")) is not None
        ):
            return [replace(item, node=parent, path=SENT)]  # `"…/s?cc=" + country`
        if op in EQUALITY or (op in ORDER and item.signal.kind == "tz-offset"):
            return [self._compare(item, op, parent, other)]
        if op == "in" and left == item.node:
            return [self._compare(item, "in", parent, right)]  # `tz in BLOCKED`
        if op in ("||", "??"):
            return [replace(item, node=parent)]
        if op == "+" and item.signal.kind in IDENTITY_KINDS and item.signal.kind != "endpoint":
            return [replace(item, node=parent, path=DERIVED)]
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
        if item.path == DERIVED:
            if is_call and (prop in PASS_METHODS or prop in COLLECTION_PASS or prop in CODE_POINTS):
                return [replace(item, node=call)]
            if is_call and prop in ("map", "flatMap"):
                return self._into_callback(item, call)
            return []
        if item.path == SENT:
            return [replace(item, node=call)] if is_call and prop == "toString" else []
        if is_call and prop in ("catch", "finally") and not item.outcome:
            return [replace(item, node=call)]  # `lookup().catch(() => "")`: still the value
        if item.path and item.path[0].startswith("[") and is_call and prop == "then":
            # `Promise.all([...]).then(([country, lang]) => …)`: element i of the answer
            cb = call.child_by_field_name("arguments")
            first_cb = cb.named_children[0] if cb is not None and cb.named_child_count else None
            if first_cb is None or first_cb.type not in FUNCTION_TYPES:
                return []
            plist = first_cb.child_by_field_name("parameters")
            pattern = (
                plist.named_children[0] if plist is not None and plist.named_child_count else None
            )
            local = _element_name(pattern, item.path[0])
            return (
                self._uses_in(replace(item, path=item.path[1:]), first_cb, text(local))
                if local
                else []
            )
        if item.path:
            if prop == item.path[0]:
                return [replace(item, node=member, path=item.path[1:])]
            if is_call and prop == "get" and item.path[0] == KEYED + (_first_key(call) or "\0"):
                return [replace(item, node=call, path=item.path[1:])]  # `store.get("zone")`
            return []
        if item.outcome:
            return []
        sig = item.signal
        if sig.kind == "env-object":
            kind = env_kind(prop)
            return [replace(item, node=member, signal=Signal(kind, f"env:{prop}"))] if kind else []
        if sig.kind == "network-interfaces":
            if prop == "mac":
                return [replace(item, node=member, signal=Signal("mac", "MAC address"))]
            if is_call and prop in COLLECTION_PASS:
                return [replace(item, node=call)]
            if is_call and prop in ("map", "filter", "some", "find", "forEach", "flatMap"):
                return self._into_callback(item, call)
            return []
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
            if sig.kind == "repository" and prop in _URL_PARTS:
                return [replace(item, node=member)]  # the remote's host or path: still the remote
            return []
        args = call.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_child_count else None
        if prop in PASS_METHODS:
            return [replace(item, node=call)]
        if prop == "match" and first is not None and first.type == "regex" and "(" in text(first):
            return [self._compare(item, prop, call, first), replace(item, node=call)]
        if prop in TEST_METHODS:
            return [self._compare(item, prop, call, first)]
        if prop == "localeCompare":
            return [self._compare(item, "===", call, first)]
        if sig.kind in IDENTITY_KINDS and (prop in COLLECTION_PASS or prop in CODE_POINTS):
            return [replace(item, node=call)]
        if prop == "then" and first is not None and first.type in FUNCTION_TYPES:
            params = parameter_names(first)  # `readZone().then(tz => …)`
            if params and params[0]:
                return self._uses_in(item, first, params[0])
            pattern = _parameter_pattern(first, 0)
            return self._destructure(item, pattern, first) if pattern is not None else []
        if prop == "map" and first is not None and first.type in FUNCTION_TYPES:
            params = parameter_names(first)
            return self._uses_in(item, first, params[0]) if params and params[0] else []
        if prop in CALLBACK_METHODS and first is not None and first.type == "identifier":
            named = self.index.function_named(text(first))  # `hosts.some(isGateway)`
            params = parameter_names(named) if named is not None else []
            if named is not None and params and params[0] and len(item.hops) < MAX_HOPS:
                hopped = replace(item, hops=(*item.hops, text(first)))
                return self._uses_in(hopped, named, params[0])
            if named is None and prop in ELEMENT_METHODS:
                return [replace(item, node=call)]  # `values.find(Boolean)`: still the elements
        if prop in CALLBACK_METHODS and first is not None and first.type in FUNCTION_TYPES:
            params = parameter_names(first)
            inside = self._uses_in(item, first, params[0]) if params and params[0] else []
            # `parts.find(p => …)` returns one of the parts: the value goes on from the call.
            return inside + ([replace(item, node=call)] if prop in ELEMENT_METHODS else [])
        return []

    def _argument(self, item: _Item, args: Node) -> list[_Item]:
        call = args.parent
        if call is not None and call.type == "new_expression" and item.outcome:
            # `new Formatter(host !== "" && !FORGES.has(host))`: the constructor keeps the
            # outcome, tested where its parameter (or field) is.
            ctor = call.child_by_field_name("constructor")
            if ctor is not None and ctor.type == "identifier" and len(item.hops) < MAX_HOPS:
                return self._constructed(item, args, text(ctor))
            return []
        if call is not None and call.type == "new_expression" and not item.outcome:
            ctor = call.child_by_field_name("constructor")
            first = args.named_children[0] == item.node
            if ctor is not None and text(ctor) == "URL" and first:
                return [_url(item, call)]
            if (
                ctor is not None
                and text(ctor) == "URLSearchParams"
                and first
                and item.signal.kind in TARGETED_KINDS
                and len(item.path) <= 1
            ):
                return [replace(item, node=call, path=SENT)]  # `new URLSearchParams({c})`
            if ctor is not None and text(ctor) == "Intl.Locale" and first and not item.path:
                return [replace(item, node=call)] if item.signal.kind == "locale" else []
            if ctor is not None and ctor.type == "identifier" and len(item.hops) < MAX_HOPS:
                return self._constructed(item, args, text(ctor))
            return []
        if call is None or call.type != "call_expression":
            return []
        callee = call.child_by_field_name("function")
        if callee is None:
            return []
        if (
            callee.type == "member_expression"
            and text(callee.child_by_field_name("property") or callee) == "emit"
            and not item.outcome
        ):
            return self._emitted(item, args)
        if (
            item.signal.kind in TARGETED_KINDS
            and item.path in ((), SENT)
            and text(callee) in ("encodeURIComponent", "encodeURI")
        ):
            return [replace(item, node=call, path=SENT)]
        if item.signal.kind in TARGETED_KINDS and not item.outcome and item.path != DERIVED:
            if text(callee) == "JSON.stringify":
                return [replace(item, node=call)]  # the request body it becomes
            helper = self._helper_of(call, callee)
            if request_call(call, helper):
                parsed = helper is not None and parsed_answer(helper) is True
                gate = (
                    answer_gate(call, parsed)
                    or self._caller_gate(call)
                    or self._accessor_gate(call, parsed)
                )
                if gate is not None:
                    self._compare(replace(item, path=()), "remote-decision", call, gate)
                return []
        if callee.type == "member_expression" and not item.outcome and item.path == DERIVED:
            derived = text(callee) in ("String.fromCodePoint", "String.fromCharCode") or (
                text(callee).endswith(".update") and self._hasher(callee)
            )
            if text(callee).endswith("subtle.digest"):
                self._compare(replace(item, path=()), "hash", call, None)
            elif text(callee) == "Buffer.from" or text(callee).endswith(".encode"):
                return [replace(item, node=call)]  # text made from the identity, as bytes
            elif derived:
                op = "hash" if text(callee).endswith(".update") else "encode"
                self._compare(replace(item, path=()), op, call, None)
            elif text(callee) == "Array.from" and args.named_children[0] == item.node:
                return self._into_callback(item, call, 1)  # `Array.from(s, ch => …)`
            return []
        if (
            callee.type == "member_expression"
            and not item.outcome
            and item.path != DERIVED
            and len(item.path) < 3
            and text(callee.child_by_field_name("property") or callee) == "set"
            and args.named_child_count == 2
            and args.named_children[1] == item.node
            and _first_key(call) is not None
        ):
            stored = self._stored(item, callee.child_by_field_name("object"), _first_key(call))
            if stored is not None:
                return stored
        if callee.type == "member_expression" and not item.outcome and not item.path:
            prop = callee.child_by_field_name("property")
            method = text(prop) if prop is not None else ""
            if text(callee) in STATIC_PASS and item.signal.kind == "network-interfaces":
                return [replace(item, node=call)]
            if text(callee) == "Promise.resolve":
                return [replace(item, node=call)]
            if text(callee).endswith("subtle.digest") and item.signal.kind in IDENTITY_KINDS:
                self._compare(item, "hash", call, None)  # `crypto.subtle.digest(alg, bytes)`
                return []
            if item.signal.kind in IDENTITY_KINDS and (
                text(callee) == "Buffer.from" or text(callee).endswith(".encode")
            ):
                return [replace(item, node=call)]  # the same identity as bytes
            if (
                text(callee) == "Array.from"
                and item.signal.kind in IDENTITY_KINDS - {"endpoint"}
                and args.named_children[0] == item.node
            ):
                # `Array.from(host, ch => …)`: each character of the identity value.
                return self._into_callback(replace(item, path=DERIVED), call, 1)
            if text(callee) in ("String.fromCodePoint", "String.fromCharCode"):
                if item.signal.kind in IDENTITY_KINDS and item.signal.kind != "endpoint":
                    self._compare(item, "encode", call, None)
                return []
            if method == "update" and self._hasher(callee):
                if item.signal.kind in IDENTITY_KINDS:
                    self._compare(item, "hash", call, None)
                return []
            if method == "exec":
                return [replace(item, node=call)]
            if method in FILL_METHODS and item.signal.kind in IDENTITY_KINDS:
                return self._filled(item, callee.child_by_field_name("object"))
            if method in MEMBERSHIP_METHODS:
                return [self._compare(item, "in", call, callee.child_by_field_name("object"))]
            if method == "localeCompare":
                return [self._compare(item, "===", call, callee.child_by_field_name("object"))]
            if not text(callee).startswith("this.") and self._member_fn(callee) is None:
                return []
        if len(item.hops) >= MAX_HOPS:
            return []
        if text(callee) in ("String", "Boolean"):
            return [replace(item, node=call)]
        if callee.type == "identifier":
            name = text(callee)
            # Of the functions bound to that (minified) name, the one this call reaches.
            named = next(
                (f for f in self.index.functions_named(name) if self._binds_same(call, f, name)),
                None,
            )
            fn = named or self._passed_callback(callee, item.hops)
        elif callee.type == "member_expression" and text(callee).startswith("this."):
            fn = self._method(text(callee)[5:])
            if fn is None:
                fn = self._member_fn(callee)  # `this.transport.send(body)`
        elif callee.type == "member_expression":
            fn = self._member_fn(callee)  # `profile.decide(ctx)`, `(p || new C()).m(v)`
        elif unwrap(callee).type in FUNCTION_TYPES:
            fn = unwrap(callee)  # `(function (env) { … })(process.env)`
        else:
            return []
        if fn is None:
            return []
        try:
            position = list(args.named_children).index(item.node)
        except ValueError:
            return []
        params = parameter_names(fn)
        if position >= len(params):
            return []
        hopped = replace(item, hops=(*item.hops, text(callee)), calls=(*item.calls, call))
        if not params[position]:
            # `function f({ zone, offset })` called with the object holding the signal.
            pattern = _parameter_pattern(fn, position)
            if pattern is None or item.outcome:
                return []
            return self._destructure(hopped, pattern, fn)
        return self._uses_in(hopped, fn, params[position])

    def _emitted(self, item: _Item, args: Node) -> list[_Item]:
        """``bus.emit("context", v)``: every listener of that event (``x.on("context", (e)
        => …)``, ``once``, ``addListener``) receives ``v`` as its parameter at the position
        after the event name."""
        handed = list(args.named_children)
        if len(handed) < 2 or handed[0].type != "string" or item.node not in handed[1:]:
            return []
        if len(item.hops) >= MAX_HOPS or len(self.index.data) > MAX_DISPATCH_BYTES:
            return []
        position = handed.index(item.node) - 1
        event = text(handed[0])
        if len(event) < 3:
            return []
        quoted = re.compile(rb"[\"'`]" + re.escape(event[1:-1].encode()) + rb"[\"'`]")
        out: list[_Item] = []
        for m in list(prefiltered_finditer(quoted, self.index.data))[:_MAX_MEMBER_USES]:
            lit = self.index.node_at(m.start(), m.end())
            holder = lit.parent
            call = holder.parent if holder is not None else None
            if (
                holder is None
                or call is None
                or holder.type != "arguments"
                or holder.named_children[0] != lit
                or holder.named_child_count < 2
                or call.type != "call_expression"
            ):
                continue
            callee = call.child_by_field_name("function")
            prop = callee.child_by_field_name("property") if callee is not None else None
            if prop is None or text(prop) not in _LISTEN_METHODS:
                continue
            cb = unwrap(holder.named_children[1])
            if cb.type == "identifier":
                cb = self.index.function_named(text(cb)) or cb
            if cb.type not in FUNCTION_TYPES and cb.type != "method_definition":
                continue
            hopped = replace(item, hops=(*item.hops, f"on {event}"))
            names = parameter_names(cb)
            if position < len(names) and names[position]:
                out.extend(self._uses_in(hopped, cb, names[position]))
            elif position < len(names) and not item.outcome:
                pattern = _parameter_pattern(cb, position)
                if pattern is not None:
                    out.extend(self._destructure(hopped, pattern, cb))
        return out

    def _helper_of(self, call: Node, callee: Node) -> Node | None:
        """The file's function a call reaches (``getJson(url)``, ``this.http.get(url)``)."""
        if callee.type == "identifier":
            name = text(callee)
            return next(
                (f for f in self.index.functions_named(name) if self._binds_same(call, f, name)),
                None,
            )
        if callee.type == "member_expression":
            if (callee.child_by_field_name("object") or callee).type == "this":
                return self._method(text(callee)[5:])
            return self._member_fn(callee)
        return None

    def _accessor_gate(self, call: Node, parsed: bool) -> Node | None:
        """The test of an answer kept in a field and read back through a method or getter of
        the class (``enabled(k) { return Boolean(this.gates[k]) }``), wherever that method is
        called (``e.enabled("halt") && process.exit(3)``, ``if (!flags.on("x"))``)."""
        found = answer_names(call, parsed)
        fn = enclosing_function(call)
        body = _class_body(fn) if fn is not None else None
        if found is None or not found[1] or body is None or fn is None:
            return None
        if body.end_byte - body.start_byte > WIDE_SCOPE:
            return None
        fields = found[1]
        reads = re.compile(
            r"\bthis\s*\.\s*(?:" + "|".join(re.escape(f) for f in sorted(fields)) + r")(?![\w$])"
        )
        for method in body.named_children:
            key = method.child_by_field_name("name")
            if method.type != "method_definition" or method == fn or key is None:
                continue
            if not any(reads.search(text(r)) for r in returned(self.index.data, method)):
                continue
            uses = list(self._member_uses(method))
            pat = re.compile(rb"\bthis\s*\.\s*" + re.escape(text(key).encode()) + rb"(?![\w$])")
            for m in pat.finditer(self.index.data, body.start_byte, body.end_byte):
                node = self.index.node_at(m.end() - len(text(key).encode()), m.end()).parent
                if node is not None and node.type == "member_expression":
                    parent = node.parent
                    called = parent is not None and parent.type == "call_expression"
                    uses.append(parent if called and parent is not None else node)
            for use in uses:
                gate = _gate_of(use)
                if gate is not None:
                    return gate
        return None

    def _stored(self, item: _Item, store: Node | None, key: str | None) -> list[_Item] | None:
        """``store.set("zone", value)``: the store now holds the value under that key, read back
        by ``store.get("zone")`` wherever the store goes. The store is a variable, a field
        (``this.ctx.set``) or the instance itself (``this.set`` in a class extending ``Map``:
        its ``this`` in the class body and the objects ``new C(…)`` makes). ``None`` when the
        class defines ``set`` itself (then the call is followed into it)."""
        if store is None or key is None:
            return None
        moved = replace(item, path=(KEYED + key, *item.path))
        if store.type == "identifier":
            name = text(store)
            scope = self._declaring_scope(store, name)
            if scope.parent is None and len(name) < 3:
                return []  # a minified global: other functions' stores of the same name
            return self._uses_in(moved, scope, name, exclude=store)
        if store.type == "member_expression" and text(store).startswith("this."):
            prop = store.child_by_field_name("property")
            return self._field_uses(moved, store, text(prop)) if prop is not None else []
        if store.type != "this":
            return []
        body = _class_body(store)
        if body is None or body.end_byte - body.start_byte > WIDE_SCOPE:
            return []
        own_set = self._method("set")
        if own_set is not None and own_set.parent == body:
            return None
        found = [
            n
            for m in _THIS.finditer(self.index.data, body.start_byte, body.end_byte)
            if (n := self.index.node_at(m.start(), m.end())).type == "this" and n != store
        ]
        holder = _holder_name(body)
        if holder is not None and len(holder) > 2:
            made = re.compile(rb"\bnew\s+" + re.escape(holder.encode()) + rb"\s*\(")
            for m in prefiltered_finditer(made, self.index.data):
                new: Node | None = self.index.node_at(m.start(), m.start() + 3)
                while new is not None and new.type != "new_expression":
                    new = new.parent
                if new is not None:
                    found.append(new)
        return [replace(moved, node=n) for n in found[:40]]

    def _constructed(self, item: _Item, args: Node, cls: str) -> list[_Item]:
        """``new Cls(…, value, …)`` of a class the file declares: the constructor's parameter
        holds the value (and ``this.param`` too, for a TypeScript parameter property)."""
        ctor = self._constructor(cls)
        if ctor is None:
            return []
        try:
            position = list(args.named_children).index(item.node)
        except ValueError:
            return []
        names = parameter_names(ctor)
        if position >= len(names) or not names[position]:
            return []
        hopped = replace(item, hops=(*item.hops, f"new {cls}"))
        out = self._uses_in(hopped, ctor, names[position])
        params = ctor.child_by_field_name("parameters")
        param = params.named_children[position] if params is not None else None
        if param is not None and any(
            c.type in ("accessibility_modifier", "readonly") for c in param.children
        ):
            out += self._field_uses(hopped, ctor, names[position])  # `private readonly opts`
        return out

    def _constructor(self, cls: str) -> Node | None:
        """The constructor of the one ``class cls`` the file declares, if it has one."""
        key = f"new {cls}"
        if key in self._methods:
            return self._methods[key]
        found = None
        declared = re.compile(rb"\bclass\s+" + re.escape(cls.encode()) + rb"[\s{]")
        matches = list(prefiltered_finditer(declared, self.index.data))
        decl = (
            self.index.node_at(matches[0].start(), matches[0].start() + 5).parent
            if len(matches) == 1
            else None
        )
        body = (
            decl.child_by_field_name("body")
            if decl is not None and decl.type in ("class_declaration", "class")
            else None
        )
        if body is not None and body.end_byte - body.start_byte <= WIDE_SCOPE:
            found = next(
                (
                    c
                    for c in body.named_children
                    if c.type == "method_definition"
                    and text(c.child_by_field_name("name") or c) == "constructor"
                ),
                None,
            )
        self._methods[key] = found
        return found

    def _caller_gate(self, call: Node) -> Node | None:
        """The test the answer of ``call`` decides in a caller, when the requesting function
        returns the answer's body (``return res.json()``): the caller binds the result
        (``const gates = await evaluate()``) and tests it, or hands it to a function whose
        parameter is tested (``applyGates(gates)`` → ``if (gates.enabled === false)``)."""
        fn = enclosing_function(call)
        name = function_name(fn) if fn is not None else None
        if fn is None or name is None or fn.end_byte - fn.start_byte > _MAX_GATE_BYTES:
            return None
        if not any(_ANSWER_READ.search(text(r)) for r in _own(fn, ("return_statement",))):
            return None
        for site in self.index.calls(name)[:_MAX_GATE_SITES]:
            bound = _bound_name(site)
            caller = enclosing_function(site)
            if (
                bound is None
                or caller is None
                or caller.end_byte - caller.start_byte > (_MAX_GATE_BYTES)
            ):
                continue
            gate = _test_of(caller, bound)
            if gate is not None:
                return gate
            for handed in _own(caller, ("call_expression",)):
                gate = self._parameter_gate(handed, bound)
                if gate is not None:
                    return gate
        return None

    def _parameter_gate(self, handed: Node, bound: str) -> Node | None:
        """The test of the parameter that receives ``bound`` in ``callee(…, bound, …)``."""
        callee, args = (
            handed.child_by_field_name("function"),
            handed.child_by_field_name("arguments"),
        )
        if callee is None or args is None or callee.type != "identifier":
            return None
        position = next((i for i, a in enumerate(args.named_children) if text(a) == bound), None)
        target = self.index.function_named(text(callee)) if position is not None else None
        if (
            target is None
            or position is None
            or target.end_byte - target.start_byte > (_MAX_GATE_BYTES)
        ):
            return None
        names = parameter_names(target)
        return _test_of(target, names[position]) if position < len(names) else None

    def _filled(self, item: _Item, receiver: Node | None) -> list[_Item]:
        """``macs.push(n.mac)``: the list now holds the identity; its uses carry it."""
        if receiver is None or receiver.type != "identifier":
            return []
        name = text(receiver)
        scope = self._declaring_scope(receiver, name)
        if scope.parent is None and len(name) < 3:
            return []  # a minified global: other functions' lists of the same name
        return self._uses_in(item, scope, name, exclude=receiver)

    def _hasher(self, callee: Node) -> bool:
        """``x.update`` on a hash: ``createHash(…).update``, or a variable holding one (``const
        h = crypto.createHash("sha256"); h.update(id)``) declared in a function around the call."""
        if any(h in text(callee) for h in HASH_OBJECTS):
            return True
        obj = callee.child_by_field_name("object")
        if obj is None or obj.type != "identifier":
            return False
        for d in self.index.definitions(text(obj))[:8]:
            value = d.child_by_field_name("value") or d.child_by_field_name("right")
            scope = scope_of(d)
            if (
                value is not None
                and value.type == "call_expression"
                and d.start_byte < callee.start_byte
                and scope.start_byte <= callee.start_byte < scope.end_byte
                and any(
                    h in text(value.child_by_field_name("function") or value) for h in HASH_OBJECTS
                )
            ):
                return True
        return False

    def _passed_callback(self, callee: Node, hops: tuple[str, ...]) -> Node | None:
        """``function withZone(cb) { cb(zone) }`` called as ``withZone(z => …)``: that arrow."""
        outer = enclosing_function(callee)
        name = text(callee)
        while outer is not None and name not in parameter_names(outer):
            outer = enclosing_function(outer)
        outer_name = function_name(outer) if outer is not None else None
        if outer is None or outer_name is None or len(hops) >= MAX_HOPS:
            return None
        position = parameter_names(outer).index(name)
        for call in self.index.calls(outer_name)[:8]:
            args = call.child_by_field_name("arguments")
            if args is None or position >= args.named_child_count:
                continue
            arg = args.named_children[position]
            if arg.type in FUNCTION_TYPES:
                return arg
            if arg.type == "identifier":
                named = self.index.function_named(text(arg))
                if named is not None:
                    return named
        return None

    def _into_callback(self, item: _Item, call: Node, position: int = 0) -> list[_Item]:
        """``list.map(x => …)``: the element is the callback's first parameter."""
        args = call.child_by_field_name("arguments")
        cb = (
            args.named_children[position]
            if args is not None and args.named_child_count > position
            else None
        )
        if cb is None or cb.type not in FUNCTION_TYPES:
            return []
        params = parameter_names(cb)
        return self._uses_in(item, cb, params[0]) if params and params[0] else []

    def _resolver(self) -> Resolver:
        if self._values is None:
            self._values = Resolver(self.index, modules=self._modules())
        return self._values

    def _method(self, name: str) -> Node | None:
        """The class method ``name`` (for ``this.name(…)``), when the file defines one."""
        if name in self._methods:
            return self._methods[name]
        found = None
        for m in re.finditer(re.escape(name.encode()) + rb"\s*\(", self.index.data):
            node = self.index.node_at(m.start(), m.start() + len(name.encode()))
            parent = node.parent
            if (
                node.type == "property_identifier"
                and parent is not None
                and parent.type == "method_definition"
                and parent.child_by_field_name("name") == node
            ):
                found = parent
                break
        self._methods[name] = found
        return found

    def _scopes(self) -> JsScopes:
        """The rule layer's scopes over this tree: one receiver resolver for both engines."""
        if self._js_scopes is None:
            self._js_scopes = JsScopes(self.index.data, self.index.tree.root_node)
        return self._js_scopes

    def _modules(self) -> JsModules:
        """The bundle's module machinery over this tree (``require_x()``, webpack tables)."""
        if self._js_modules is None:
            self._js_modules = JsModules(self.index.data, self.index.tree.root_node, self._scopes())
        return self._js_modules

    def _imported_calls(self, fn: Node) -> list[Node]:
        """Calls of ``fn`` from other modules of a bundle: ``f()`` with ``var { f } =
        require_x()``, ``m.f()`` with ``m = require_x()``, ``g()`` with ``g = require_y()`` when
        the module exports the function itself."""
        out = []
        for use in self._modules().uses(fn):
            parent = use.parent
            if (
                parent is not None
                and parent.type == "call_expression"
                and parent.child_by_field_name("function") == use
            ):
                out.append(parent)
        return out

    def _member_fn(self, member: Node) -> Node | None:
        """The file's one method, getter or function-valued property that ``x.name`` reaches on
        a receiver other than ``this`` (``this.clock.zone()``, ``(p || new C()).m()``,
        ``profile.decide(v)``): the receiver holds one of the file's own objects (the rule
        layer's ``dispatchable``: a field, ``new C()``, an object literal, a variable or
        default made from one) or is an untyped parameter, and no other class or object
        literal of the file defines ``name``. Modules, globals and built-in method names are
        not dispatched; neither is anything in a file above the rule layer's bundle limit."""
        obj, prop = member.child_by_field_name("object"), member.child_by_field_name("property")
        if obj is None or prop is None or prop.type != "property_identifier":
            return None
        name = text(prop)
        if len(name) < 3 or name in _BUILTIN_METHODS or strip(obj).type == "this":
            return None
        scopes = self._scopes()
        found = scopes.member_named(name)
        if found is None:
            return None
        return found if scopes.dispatchable(obj) or self._untyped(obj) else None

    def _untyped(self, receiver: Node) -> bool:
        """A parameter, a loop variable, or a member of one (``e.ctx``): a value some caller
        hands in, which may be any of the file's objects (not a module, not a global)."""
        receiver = strip(receiver)
        while receiver.type in ("member_expression", "subscript_expression"):
            inner = receiver.child_by_field_name("object")
            if inner is None:
                return False
            receiver = strip(inner)
        if receiver.type != "identifier":
            return False
        b = self._scopes().binding(receiver)
        return b is not None and b.kind in ("param", "loop") and not b.module

    def _member_uses(self, fn: Node) -> list[Node]:
        """Where a method, getter or function-valued property of the file is used on receivers
        other than ``this`` (which ``_field_uses`` covers): the calls ``x.m(…)`` of a method,
        the reads ``x.g`` of a getter."""
        key: Node | None = None
        if fn.type == "method_definition":
            key = fn.child_by_field_name("name")
        elif fn.parent is not None and fn.parent.type == "pair":
            key = fn.parent.child_by_field_name("key")
        if key is None or key.type != "property_identifier":
            return []
        name = text(key)
        got = self._member_uses_by_name.get(name)
        if got is not None:
            return got
        got = []
        self._member_uses_by_name[name] = got
        if self._scopes().member_named(name) != fn:
            return got
        getter = fn.type == "method_definition" and any(c.type == "get" for c in fn.children[:3])
        needle = b"." + name.encode()
        data = self.index.data
        at = data.find(needle)
        while at != -1 and len(got) < _MAX_MEMBER_USES:
            end = at + len(needle)
            at = data.find(needle, end)
            if data[end : end + 1] and data[end : end + 1] in _IDENT_TAIL:
                continue
            prop = self.index.node_at(end - len(name), end)
            member = prop.parent
            if prop.type != "property_identifier" or member is None:
                continue
            if member.type != "member_expression" or self._member_fn(member) != fn:
                continue
            call = member.parent
            called = (
                call is not None
                and call.type == "call_expression"
                and call.child_by_field_name("function") == member
            )
            if getter and not called:
                holder = member.parent
                if not (
                    holder is not None
                    and holder.type in ("assignment_expression", "augmented_assignment_expression")
                    and holder.child_by_field_name("left") == member
                ):
                    got.append(member)
            elif not getter and called and call is not None:
                got.append(call)
        return got

    def _value_calls(self, fn: Node) -> list[Node]:
        """Calls of a named function handed on as a value: an argument of a call or of
        ``new C(…)`` whose parameter the callee calls (``p()``) or keeps in a field it calls
        (``this.f = p`` … ``this.f()``), and a parameter default (``(src = readZone) =>``)."""
        name = function_name(fn)
        if name is None or len(name) < 2 or len(self.index.data) > MAX_DISPATCH_BYTES:
            return []  # in a bundle a function's name is handed on everywhere
        out: list[Node] = []
        for use in self.index.identifiers(name)[:_MAX_MEMBER_USES]:
            parent = use.parent
            if parent is None or not self._binds_same_value(use, fn, name):
                continue
            target: Node | None = None
            position = -1
            if parent.type == "arguments" and parent.parent is not None:
                call = parent.parent
                position = list(parent.named_children).index(use)
                if call.type == "new_expression":
                    ctor = call.child_by_field_name("constructor")
                    if ctor is not None and ctor.type == "identifier":
                        target = self._constructor(text(ctor))
                elif call.type == "call_expression":
                    callee = call.child_by_field_name("function")
                    if callee is not None and callee.type == "identifier":
                        target = self.index.function_named(text(callee))
                    elif callee is not None and callee.type == "member_expression":
                        target = self._member_fn(callee)
                if target is None:
                    continue
                names = parameter_names(target)
                if position >= len(names) or not names[position]:
                    continue
                out.extend(self._param_calls(target, names[position]))
            elif parent.type in ("assignment_pattern", "required_parameter", "optional_parameter"):
                left = parent.child_by_field_name("left") or parent.child_by_field_name("pattern")
                owner = enclosing_function(parent)
                if left is not None and left.type == "identifier" and owner is not None:
                    out.extend(self._param_calls(owner, text(left)))
        return out[:_MAX_MEMBER_USES]

    def _binds_same_value(self, use: Node, fn: Node, name: str) -> bool:
        home = self._binding_scope(fn)
        if home is None or home.parent is None:
            return True
        return home.start_byte <= use.start_byte < home.end_byte

    def _param_calls(self, target: Node, param: str) -> list[Node]:
        """Calls of what parameter ``param`` of ``target`` holds: ``param(…)`` in the
        function, and ``this.f(…)`` in its class when the function keeps it as ``this.f``."""
        out: list[Node] = []
        for use in self.index.identifiers(param, target.start_byte, target.end_byte):
            parent = use.parent
            if parent is None or shadowed(use, target, param):
                continue
            if parent.type == "call_expression" and parent.child_by_field_name("function") == use:
                out.append(parent)
            elif (
                parent.type == "assignment_expression"
                and parent.child_by_field_name("right") == use
            ):
                left = parent.child_by_field_name("left")
                if left is None or left.type != "member_expression":
                    continue
                obj = left.child_by_field_name("object")
                prop = left.child_by_field_name("property")
                if obj is None or obj.type != "this" or prop is None:
                    continue
                body = _class_body(left)
                if body is None or body.end_byte - body.start_byte > WIDE_SCOPE:
                    continue
                pat = re.compile(rb"\bthis\s*\.\s*" + re.escape(text(prop).encode()) + rb"\s*\(")
                for m in pat.finditer(self.index.data, body.start_byte, body.end_byte):
                    node = self.index.node_at(m.start(), m.start() + 4)
                    call = node.parent.parent if node.parent is not None else None
                    if call is not None and call.type == "call_expression":
                        out.append(call)
        return out

    def _carry(self, item: _Item, parent: Node) -> list[_Item]:
        node, ptype = item.node, parent.type
        if ptype == "variable_declarator" and parent.child_by_field_name("value") == node:
            name = parent.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                return self._uses_of(item, name)
            if name is not None and name.type == "object_pattern" and not item.outcome:
                return self._destructure(item, name)
            if name is not None and name.type == "array_pattern" and not item.outcome:
                if item.path[:1] and item.path[0].startswith("["):
                    # `const [who, cc] = await Promise.all([...])`: element i of the answer
                    local = _element_name(name, item.path[0])
                    return self._uses_of(replace(item, path=item.path[1:]), local) if local else []
                return self._elements(item, name)
            return []
        if ptype == "assignment_pattern" and parent.child_by_field_name("right") == node:
            left = parent.child_by_field_name("left")
            fn = enclosing_function(parent)
            if left is not None and left.type == "identifier" and fn is not None:
                return self._uses_in(item, fn, text(left), exclude=left)
            if left is not None and left.type == "object_pattern" and not item.outcome:
                return self._destructure(item, left)
            return []
        if ptype == "array" and not item.outcome and not item.path:
            gathered = _gathered(parent)
            if gathered is not None:
                # `Promise.all([country(), lang()])`: the answer's element i is this value
                position = [c.id for c in parent.named_children].index(node.id)
                return [replace(item, node=gathered, path=(f"[{position}]",))]
        if ptype == "array" and not item.outcome and item.path != DERIVED:
            made = _map_entry(parent, node)
            if made is not None:
                return [replace(item, node=made[0], path=(KEYED + made[1], *item.path))]
        if ptype in ("array", "spread_element") and not item.outcome and item.path in ((), DERIVED):
            return [replace(item, node=parent)]
        if (
            ptype == "spread_element"
            and parent.parent is not None
            and parent.parent.type == "object"
            and not item.outcome
        ):
            # `{ ...defaults, ...overrides }`: the fields of `defaults` are the new object's.
            return [replace(item, node=parent.parent)]
        if ptype == "public_field_definition" and parent.child_by_field_name("value") == node:
            prop = parent.child_by_field_name("property") or parent.child_by_field_name("name")
            return self._field_uses(item, parent, text(prop)) if prop is not None else []
        if (
            ptype == "template_substitution"
            and item.signal.kind in TARGETED_KINDS
            and item.path in ((), SENT)
            and not item.outcome
            and parent.parent is not None
        ):
            return [replace(item, node=parent.parent, path=SENT)]  # `${base}?c=${country}`
        if (
            ptype == "template_substitution"
            and item.signal.kind in IDENTITY_KINDS
            and item.signal.kind != "endpoint"
            and parent.parent is not None
        ):
            return [replace(item, node=parent.parent, path=DERIVED)]
        if ptype in ("required_parameter", "optional_parameter") and (
            parent.child_by_field_name("value") == node
        ):
            pattern = parent.child_by_field_name("pattern")
            fn = enclosing_function(parent)
            if pattern is not None and pattern.type == "identifier" and fn is not None:
                return self._uses_in(item, fn, text(pattern), exclude=pattern)
            return []
        if ptype == "augmented_assignment_expression" and (
            parent.child_by_field_name("right") == node
        ):
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                return self._uses_of(item, left)
            return []
        if ptype == "assignment_expression" and parent.child_by_field_name("right") == node:
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                return self._uses_of(item, left)
            if (
                left is not None
                and left.type == "member_expression"
                and text(left).startswith("this.")
            ):
                prop = left.child_by_field_name("property")
                return self._field_uses(item, parent, text(prop)) if prop is not None else []
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
            if not item.outcome and fn is not None:
                mapped = _callback_call(fn, ("map", "flatMap"))
                if mapped is not None:
                    return [replace(item, node=mapped)]
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
        if ptype == "for_in_statement" and parent.child_by_field_name("right") == node:
            return self._loop_element(item, parent)
        return []

    def _loop_element(self, item: _Item, loop: Node) -> list[_Item]:
        """``for (const lang of languages)``: the loop variable holds each element."""
        op = loop.child_by_field_name("operator")
        left = loop.child_by_field_name("left")
        if item.outcome or item.path or op is None or text(op) != "of" or left is None:
            return []
        if left.type == "identifier":
            return self._uses_in(item, loop, text(left), exclude=left)
        if left.type == "object_pattern":
            return self._destructure(item, left, loop)
        return []

    def _elements(self, item: _Item, pattern: Node) -> list[_Item]:
        """``const [lang, region] = locale.split("-")``: each bound name holds a part of the
        value (the parts a split or a match of it is made of). A list from elsewhere (a
        function returning ``[locale, numbering, calendar]``) holds other values at other
        places, which the flow does not tell apart: not followed."""
        if item.path not in ((), DERIVED) or not _parts_of_value(item.node):
            return []
        out: list[_Item] = []
        for element in pattern.named_children:
            local = element
            if local.type == "assignment_pattern":
                local = local.child_by_field_name("left") or local
            if local.type != "identifier":
                continue
            out.extend(self._uses_of(item, local))
        return out

    def _destructure(self, item: _Item, pattern: Node, within: Node | None = None) -> list[_Item]:
        """``const {timeZone: tz = "UTC", locale} = value``: each bound name is a member read.

        ``within`` is the function whose parameter the pattern is (its names live there).
        """
        out: list[_Item] = []
        for prop in pattern.named_children:
            if prop.type == "shorthand_property_identifier_pattern":
                key, local = text(prop), prop
            elif prop.type == "object_assignment_pattern":
                local = prop.child_by_field_name("left") or prop
                key = text(local)
            elif prop.type == "pair_pattern":
                k, local_node = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                if k is None or local_node is None:
                    continue
                key, local = text(k).strip("\"'"), local_node
                if local.type == "assignment_pattern":
                    local = local.child_by_field_name("left") or local
            else:
                continue
            projected = self._project(item, key)
            if projected is None:
                continue
            if local.type == "object_pattern":
                out.extend(self._destructure(projected, local, within))
                continue
            name = text(local)
            if within is not None:
                out.extend(self._uses_in(projected, within, name, exclude=local))
                continue
            scope = self._declaring_scope(local, name) if local.type == "identifier" else None
            if scope is None:
                scope = scope_of(local)
            out.extend(
                u
                for u in self._uses_in(projected, scope, name, exclude=local)
                if self._declaring_scope(u.node, name) == scope
            )
            if scope.end_byte - scope.start_byte < WIDE_SCOPE or len(name) > 2:
                out.extend(
                    replace(projected, node=n)
                    for n in self.index.shorthands(name, scope.start_byte, scope.end_byte)
                    if n.start_byte != local.start_byte
                )
        return out

    def _project(self, item: _Item, key: str) -> _Item | None:
        """The value of member ``key`` of ``item``'s value, when it is still a signal."""
        if item.path:
            return replace(item, path=item.path[1:]) if key == item.path[0] else None
        sig = item.signal
        if sig.kind == "env-object":
            kind = env_kind(key)
            return replace(item, signal=Signal(kind, f"env:{key}")) if kind else None
        if sig.kind == "intl-options":
            kind = {"timeZone": "timezone", "locale": "locale"}.get(key)
            return replace(item, signal=Signal(kind, f"{sig.source}.{key}")) if kind else None
        if sig.kind == "user-info" and key == "username":
            return replace(item, signal=Signal("username", f"{sig.source}.username"))
        if sig.kind == "url" and key in ("hostname", "host", "origin"):
            return replace(item, signal=Signal("endpoint", sig.source, host=True))
        if sig.kind == "locale" and key in LOCALE_PARTS:
            return item
        return None

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
        if (
            scope.parent is None
            and len(name) < 3
            and len(self.index.identifiers(name, scope.start_byte, scope.end_byte))
            > SHORT_GLOBAL_USES
        ):
            return []  # a minified global reused everywhere: following it is noise
        uses = self._uses_in(item, scope, name, exclude=name_node)
        block = _lexical_block(name_node)
        if block is not None:
            # `let`/`const` live in their block: a sibling block's `let G` is another variable.
            uses = [u for u in uses if block.start_byte <= u.node.start_byte < block.end_byte]
        if scope.parent is None and len(name) < 3:
            # A short global: a use inside a function declaring its own `name` is another variable.
            uses = [u for u in uses if self._declaring_scope(u.node, name) == scope]
        return uses

    def _declaring_scope(self, use: Node, name: str) -> Node:
        """The function declaring ``name`` as seen from ``use``; the program when global."""
        if use.parent is not None and use.parent.type == "variable_declarator":
            return scope_of(use)
        fn = enclosing_function(use)
        while fn is not None and fn.end_byte - fn.start_byte < WIDE_SCOPE:
            if name in parameter_names(fn) or self._declares(fn, name):
                return fn
            fn = enclosing_function(fn)
        return _root(use)

    def _declares(self, fn: Node, name: str) -> bool:
        key = (fn.start_byte, fn.end_byte, name)
        found = self._declared.get(key)
        if found is None:
            found = self._declares_uncached(fn, name)
            self._declared[key] = found
        return found

    def _declares_uncached(self, fn: Node, name: str) -> bool:
        for ident in self.index.identifiers(name, fn.start_byte, fn.end_byte):
            parent = ident.parent
            if parent is None or scope_of(ident) != fn:
                continue
            if parent.type == "variable_declarator" and parent.child_by_field_name("name") == ident:
                return True
            if parent.type == "for_in_statement" and parent.child_by_field_name("left") == ident:
                return True
            if parent.type in _PATTERN_PARTS and _declared_by_pattern(ident):
                return True  # `const { timeZone: tz } = …`, `const [a, tz] = …`
        # `const { timeZone } = …`: a shorthand in a pattern is no identifier node.
        encoded = name.encode()
        pattern = re.compile(re.escape(encoded) + rb"\s*[,}=]")
        for m in pattern.finditer(self.index.data, fn.start_byte, fn.end_byte):
            node = self.index.node_at(m.start(), m.start() + len(encoded))
            if (
                node.type == "shorthand_property_identifier_pattern"
                and scope_of(node) == fn
                and _declared_by_pattern(node)
            ):
                return True
        return False

    def _uses_in(
        self, item: _Item, scope: Node, name: str, exclude: Node | None = None
    ) -> list[_Item]:
        out = []
        for use in self.index.identifiers(name, scope.start_byte, scope.end_byte):
            if use == exclude or shadowed(use, scope, name) or self._redeclared(use, scope, name):
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

    def _redeclared(self, use: Node, scope: Node, name: str) -> bool:
        """Whether a function between ``use`` and ``scope`` declares its own ``name``
        (``(q) => { let re = code(q); … }`` inside the function whose ``re`` is followed)."""
        fn = enclosing_function(use)
        while _narrower(fn, scope):
            assert fn is not None
            if self._declares(fn, name):
                return True
            fn = enclosing_function(fn)
        return False

    def _binds_same(self, call: Node, fn: Node, name: str) -> bool:
        """Whether calling ``name`` at ``call`` reaches ``fn``: the call is where the function's
        name is bound, and no function between them binds the name again (minified bundles
        reuse ``y`` for a helper in every function)."""
        home = self._binding_scope(fn)
        if home is None:
            return True
        if home.parent is not None and not (home.start_byte <= call.start_byte < home.end_byte):
            return False
        callee = call.child_by_field_name("function")
        if callee is None:
            return True
        cur = enclosing_function(callee)
        while _narrower(cur, home):
            assert cur is not None
            if declares_param(cur, name) or self._declares(cur, name):
                return False
            cur = enclosing_function(cur)
        return True

    @staticmethod
    def _binding_scope(fn: Node) -> Node | None:
        """The function (or program) whose body binds ``fn``'s name."""
        if fn.type == "function_declaration":
            return scope_of(fn)
        parent = fn.parent
        if parent is not None and parent.type == "variable_declarator":
            return scope_of(parent)
        return None

    def _field_uses(self, item: _Item, where: Node, prop: str) -> list[_Item]:
        """Reads of ``this.prop`` in the class holding ``where`` (fields, getters, methods), and
        of ``Holder.prop`` where the class or object literal is bound to the name ``Holder``."""
        body = _class_body(where) or _object_of(where)
        if body is None or body.end_byte - body.start_byte > WIDE_SCOPE:
            return []
        out = []
        prop_re = re.escape(prop.encode()) + rb"(?![\w$])"
        ranges = []
        if body.type == "class_body":
            ranges.append(
                (re.compile(rb"\bthis\s*\.\s*" + prop_re), body.start_byte, body.end_byte)
            )
        holder_name = _holder_name(body)
        if holder_name is not None and len(holder_name) > 2:
            # `Holder.prop` in the scope declaring the holder (a literal prefix: a fast search).
            scope = scope_of(body)
            if scope.end_byte - scope.start_byte <= WIDE_SCOPE:
                pattern = re.compile(re.escape(holder_name.encode()) + rb"\s*\.\s*" + prop_re)
                ranges.append((pattern, scope.start_byte, scope.end_byte))
        data = self.index.data
        matches = [
            m
            for pat, lo, hi in ranges
            for m in pat.finditer(data, lo, hi)
            if m.start() == 0 or data[m.start() - 1 : m.start()] not in _IDENT_TAIL
        ]
        out = self._reads(item, matches, prop)
        if body.type == "class_body" and holder_name is not None and len(holder_name) > 2:
            out.extend(self._instance_reads(item, holder_name, prop))
        if body.type == "class_body" and len(item.path) < 3 and item.path != DERIVED:
            out.extend(self._handed_instance(item, body, prop))
        return out[:40]

    def _handed_instance(self, item: _Item, body: Node, prop: str) -> list[_Item]:
        """The instance itself handed on from inside its class (``bus.emit("ctx", this)``,
        ``profile.decide(this)``, a fluent ``return this``): it holds the field ``prop``."""
        moved = replace(item, path=(prop, *item.path))
        out: list[_Item] = []
        for m in _THIS.finditer(self.index.data, body.start_byte, body.end_byte):
            node = self.index.node_at(m.start(), m.end())
            parent = node.parent
            if node.type != "this" or parent is None:
                continue
            if parent.type == "sequence_expression" and parent.named_children[-1] == node:
                node, parent = parent, parent.parent
                if parent is None:
                    continue
            if parent.type in ("arguments", "return_statement"):
                out.append(replace(moved, node=node))
            if len(out) >= 8:
                break
        return out

    def _reads(self, item: _Item, matches: list[re.Match[bytes]], prop: str) -> list[_Item]:
        """The member reads (not assignments) ending at each match of ``….prop``."""
        out = []
        for m in matches:
            end = m.end()
            node = self.index.node_at(end - len(prop.encode()), end)
            member = node.parent
            if member is None or member.type != "member_expression":
                continue
            holder = member.parent
            if (
                holder is not None
                and holder.type in ("assignment_expression", "augmented_assignment_expression")
                and holder.child_by_field_name("left") == member
            ):
                continue
            out.append(replace(item, node=member))
        return out

    def _instance_reads(self, item: _Item, holder: str, prop: str) -> list[_Item]:
        """Reads of ``prop`` on instances of class ``holder``: ``v.prop`` where
        ``v = new Holder(…)``, and ``this.f.prop`` in a class whose constructor keeps ``v``
        (``new Other(v)`` → ``constructor(s) { this.f = s }``)."""
        data = self.index.data
        prop_re = re.escape(prop.encode()) + rb"(?![\w$])"
        out: list[_Item] = []
        made = re.compile(rb"\bnew\s+" + re.escape(holder.encode()) + rb"\s*\(")
        for m in prefiltered_finditer(made, data):  # `new` found first: 30x faster on 18 MB
            new: Node | None = self.index.node_at(m.start(), m.start() + 3)
            while new is not None and new.type != "new_expression":
                new = new.parent
            var = _bound_name(new) if new is not None else None
            if new is None or var is None:
                continue
            scope = scope_of(new)
            if scope.end_byte - scope.start_byte > WIDE_SCOPE:
                continue
            lo, hi = scope.start_byte, scope.end_byte
            direct = re.compile(rb"(?<![\w$.])" + re.escape(var.encode()) + rb"\s*\.\s*" + prop_re)
            out.extend(self._reads(item, list(direct.finditer(data, lo, hi)), prop))
            handed = re.compile(rb"\bnew\s+([A-Za-z_$][\w$]*)\s*\(([^()]*)\)")
            for h in handed.finditer(data, lo, hi):
                args = [a.strip() for a in h.group(2).decode(errors="replace").split(",")]
                if var in args:
                    out.extend(self._kept_reads(item, h.group(1).decode(), args.index(var), prop))
            if len(out) > 40:
                break
        return out

    def _kept_reads(self, item: _Item, cls: str, position: int, prop: str) -> list[_Item]:
        """``this.f.prop`` in class ``cls`` whose constructor stores parameter ``position`` in
        ``this.f``."""
        data = self.index.data
        declared = re.compile(rb"\bclass\s+" + re.escape(cls.encode()) + rb"\b")
        m = next(prefiltered_finditer(declared, data), None)
        if m is None:
            return []
        body = _class_body(self.index.node_at(m.end() - 1, m.end()))
        decl = self.index.node_at(m.end() - 1, m.end()).parent
        if decl is not None and decl.type in ("class_declaration", "class"):
            body = decl.child_by_field_name("body")
        if body is None or body.end_byte - body.start_byte > WIDE_SCOPE:
            return []
        ctor = next(
            (
                c
                for c in body.named_children
                if c.type == "method_definition"
                and text(c.child_by_field_name("name") or c) == "constructor"
            ),
            None,
        )
        names = parameter_names(ctor) if ctor is not None else []
        if ctor is None or position >= len(names) or not names[position]:
            return []
        param = re.escape(names[position].encode())
        kept = re.compile(rb"\bthis\s*\.\s*([\w$]+)\s*=\s*" + param + rb"\s*[;\n]")
        out: list[_Item] = []
        for k in kept.finditer(data, ctor.start_byte, ctor.end_byte):
            field_name = re.escape(k.group(1))
            reads = re.compile(
                rb"\bthis\s*\.\s*"
                + field_name
                + rb"\s*\.\s*"
                + re.escape(prop.encode())
                + rb"(?![\w$])"
            )
            out.extend(
                self._reads(item, list(reads.finditer(data, body.start_byte, body.end_byte)), prop)
            )
        return out

    def _dispatched(self, item: _Item, name: str) -> list[_Item]:
        """``probe.probe()`` on an object the class's instance was handed as (an injected
        dependency typed by an interface): when the file defines one method ``name`` and only
        one, a call of ``.name(…)`` on any receiver reaches it (resolution by name, as a call
        graph without types does). ``this.name(…)`` is left to the class's own reads."""
        if len(name) < 3 or name in _BUILTIN_METHODS:
            return []
        calls = self._method_calls.get(name)
        if calls is None:
            calls = []
            defined = 0
            pattern = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"\s*\(")
            for m in prefiltered_finditer(pattern, self.index.data):
                node = self.index.node_at(m.start(), m.start() + len(name.encode()))
                parent = node.parent
                if node.type != "property_identifier" or parent is None:
                    continue
                if parent.type == "method_definition":
                    defined += 1
                elif (
                    parent.type == "member_expression"
                    and parent.parent is not None
                    and parent.parent.type == "call_expression"
                    and parent.parent.child_by_field_name("function") == parent
                    and (parent.child_by_field_name("object") or parent).type != "this"
                ):
                    calls.append(parent.parent)
                if defined > 1 or len(calls) > _MAX_DISPATCHED:
                    calls = []
                    break
            self._method_calls[name] = calls
        return [replace(item, node=call) for call in calls]

    def _callers(self, item: _Item, fn: Node | None) -> list[_Item]:
        if item.calls:
            return [replace(item, node=item.calls[-1], calls=item.calls[:-1])]
        if fn is None or len(item.hops) >= MAX_HOPS:
            return []
        iife = _invocation(fn)
        if iife is not None:
            return [replace(item, node=iife)]  # `(() => { … return v })()`
        if fn.type == "method_definition":
            # A getter is read as `this.name`, a method called as `this.name(…)`.
            key = fn.child_by_field_name("name")
            if key is None:
                return []
            hopped = replace(item, hops=(*item.hops, text(key)))
            getter = any(c.type == "get" for c in fn.children)
            dispatched = [] if getter else self._dispatched(hopped, text(key))
            if getter or not dispatched:
                # `this.clock.timezone`, `(await this.where.lookup())`: the file's one getter
                # or method of that name, read or called on another receiver.
                dispatched += [replace(hopped, node=n) for n in self._member_uses(fn)]
            return dispatched + [
                replace(u, node=u.node.parent)
                if not getter
                and u.node.parent is not None
                and u.node.parent.type == "call_expression"
                else u
                for u in self._field_uses(hopped, fn, text(key))
                if getter
                or (
                    u.node.parent is not None
                    and u.node.parent.type == "call_expression"
                    and u.node.parent.child_by_field_name("function") == u.node
                )
            ]
        imported = self._imported_calls(fn)
        if fn.parent is not None and fn.parent.type == "pair":
            # `{ lookup: async () => … }`: called as `x.lookup()` on the object literal.
            used = self._member_uses(fn) + imported
            if used:
                hops = (*item.hops, text(fn.parent.child_by_field_name("key") or fn))
                return [replace(item, node=n, hops=hops) for n in used]
        name = function_name(fn)
        if name is None:
            return [
                replace(item, node=call, hops=(*item.hops, text(_callee(call))))
                for call in imported
            ]
        hops = (*item.hops, name)
        out = [replace(item, node=call, hops=hops) for call in imported] + [
            replace(item, node=call, hops=hops)
            for call in self.index.calls(name)
            if self._binds_same(call, fn, name)
        ]
        # `new Router(zoneOf)` … `this.provider = p` … `await this.provider()`
        return out + [replace(item, node=call, hops=hops) for call in self._value_calls(fn)]


_URL_PARTS = frozenset({"hostname", "host", "origin", "pathname", "href"})
_PART_METHODS = frozenset({"split", "match", "exec"})
_MAX_DISPATCHED = 8
_MAX_MEMBER_USES = 40
_LISTEN_METHODS = frozenset({"on", "once", "addListener", "prependListener"})
"""Uses of one member name (or of a function handed on as a value) followed at most."""
"""Calls of a method by name on other receivers followed at most (more: a common name)."""
_BUILTIN_METHODS = (
    PASS_METHODS
    | TEST_METHODS
    | COLLECTION_PASS
    | FILL_METHODS
    | frozenset(
        {"get", "set", "has", "then", "call", "apply", "bind", "toString", "valueOf", "toJSON"}
    )
)
"""Method names that built-in objects answer too: a call of them is no call of the file's."""

_PATTERN_PARTS = frozenset(
    {
        "object_pattern",
        "array_pattern",
        "pair_pattern",
        "assignment_pattern",
        "object_assignment_pattern",
        "rest_pattern",
    }
)


_MAX_GATE_BYTES = 20_000
_MAX_GATE_SITES = 5
_ANSWER_READ = re.compile(r"\.(?:json|text)\s*\(\s*\)|\.data\b")
_GATE_TESTS = frozenset({"if_statement", "ternary_expression", "while_statement"})
_CALL_WRAPPERS = frozenset({"await_expression", "parenthesized_expression", "as_expression"})


def _gate_of(node: Node) -> Node | None:
    """The test a value decides: the condition of an ``if``/``while``/ternary it is (part
    of), or a short-circuit statement (``ok(x) || remove(x)``, ``on(k) && exit()``)."""
    cur = node
    for _ in range(8):
        parent = cur.parent
        if parent is None:
            return None
        if parent.type in _GATE_TESTS and parent.child_by_field_name("condition") == cur:
            return parent
        if parent.type in ("parenthesized_expression", "await_expression", "unary_expression") or (
            parent.type == "yield_expression" and awaited_yield(parent)
        ):
            cur = parent
            continue
        if parent.type == "arguments" and parent.parent is not None:
            callee = parent.parent.child_by_field_name("function")
            if callee is not None and text(callee) == "Boolean":
                cur = parent.parent
                continue
            return None
        if parent.type == "binary_expression" and _operator(parent) in ("&&", "||"):
            if parent.child_by_field_name("left") == cur:
                outer = parent.parent
                while outer is not None and outer.type in (
                    "sequence_expression",
                    "parenthesized_expression",
                ):
                    outer = outer.parent
                if outer is not None and outer.type == "expression_statement":
                    return parent
            cur = parent
            continue
        return None
    return None


def _own(fn: Node, types: tuple[str, ...]) -> list[Node]:
    """Nodes of ``types`` in ``fn``'s own body (nested functions excluded)."""
    out: list[Node] = []
    stack = list(fn.named_children)
    while stack:
        node = stack.pop()
        if node.type in FUNCTION_TYPES or node.type == "method_definition":
            continue
        if node.type in types:
            out.append(node)
        stack.extend(node.named_children)
    return out


def _bound_name(site: Node) -> str | None:
    """The variable a call's result is bound to, through ``await``, parentheses and a
    ``.catch(…)``/``.then(…)`` fallback (``const g = await f().catch(() => ({}))``)."""
    node = site
    while node.parent is not None:
        parent = node.parent
        if parent.type in _CALL_WRAPPERS or awaited_yield(parent):
            node = parent
        elif (
            parent.type == "member_expression"
            and text(parent.child_by_field_name("property") or parent) in ("catch", "then")
            and parent.parent is not None
            and parent.parent.type == "call_expression"
        ):
            node = parent.parent
        else:
            break
    holder = node.parent
    if holder is not None and holder.type == "variable_declarator":
        name = holder.child_by_field_name("name")
        return text(name) if name is not None and name.type == "identifier" else None
    return None


def _test_of(scope: Node, name: str) -> Node | None:
    """The first test in ``scope`` reading ``name`` (``if (gates.enabled === false)``)."""
    pattern = re.compile(r"(?<![\w$.])" + re.escape(name) + r"(?![\w$])")
    for node in sorted(_own(scope, tuple(_GATE_TESTS)), key=lambda n: n.start_byte):
        cond = node.child_by_field_name("condition")
        if cond is not None and pattern.search(text(cond)):
            return node
    return None


def _up(node: Node) -> Node:
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    return node


def _exception(node: Node) -> bool:
    """``lang === "zh" && !/-(TW|HK|Hant)/.test(tag)``: a negated test conjoined with a test of
    a literal carves exceptions out of that test (who is spared); its values are not targets of
    their own (a comparison still decides the branch through its outcome)."""
    neg = _up(node).parent
    if neg is None or neg.type != "unary_expression" or not text(neg).startswith("!"):
        return False
    conj = _up(neg).parent
    if conj is None or conj.type != "binary_expression" or _operator(conj) != "&&":
        return False
    left, right = conj.child_by_field_name("left"), conj.child_by_field_name("right")
    other = left if right is not None and right.start_byte == _up(neg).start_byte else right
    return other is not None and _literal_test(other)


def _marks_entry(other: Node | None) -> bool:
    """``zones.map(zone => ({ value: zone, selected: zone === current }))``: the signal compared
    with each entry of a list being mapped marks the user's own entry (a picker preselecting
    it); a membership test is written with ``some``/``includes``/``has`` or a branch instead."""
    if other is None or other.type != "identifier":
        return False
    fn = enclosing_function(other)
    while fn is not None and text(other) not in parameter_names(fn):
        fn = enclosing_function(fn)
    if fn is None or parameter_names(fn)[:1] != [text(other)]:
        return False
    args = fn.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    prop = callee.child_by_field_name("property") if callee is not None else None
    return (
        callee is not None
        and callee.type == "member_expression"
        and prop is not None
        and text(prop) in ("map", "flatMap")
    )


def _operator(node: Node) -> str:
    op = node.child_by_field_name("operator")
    return text(op) if op is not None else ""


def _literal_test(node: Node) -> bool:
    """An equality with a string literal (``t === "zh"``), or a conjunction holding one."""
    node = unwrap(node)
    if node.type != "binary_expression":
        return False
    if _operator(node) == "&&":
        return any(
            _literal_test(side)
            for side in (node.child_by_field_name("left"), node.child_by_field_name("right"))
            if side is not None
        )
    sides = (node.child_by_field_name("left"), node.child_by_field_name("right"))
    return _operator(node) in ("===", "==") and any(
        s is not None and s.type == "string" for s in sides
    )


def _declared_by_pattern(node: Node) -> bool:
    """``node`` is a name bound by a destructuring declaration (``const {a: node} = …``)."""
    cur = node
    while cur.parent is not None and cur.parent.type in _PATTERN_PARTS:
        # Only the bound side: not the key of `{key: local}` nor a default's value.
        if (
            cur.parent.type in ("pair_pattern", "assignment_pattern")
            and cur.parent.child_by_field_name("value") != cur
            and cur.parent.child_by_field_name("left") != cur
        ):
            return False
        cur = cur.parent
    decl = cur.parent
    return (
        cur != node
        and decl is not None
        and decl.type == "variable_declarator"
        and decl.child_by_field_name("name") == cur
    )


def _returns_flag(stmt: Node) -> bool:
    """``if (…) return 2;`` / ``{ return true; }``: the branch returns a number or a boolean."""
    body = stmt.child_by_field_name("consequence")
    if body is not None and body.type == "statement_block" and body.named_child_count:
        body = body.named_children[0]
    if body is None or body.type != "return_statement" or body.named_child_count != 1:
        return False
    value = body.named_children[0]
    return number_value(value) is not None or text(value) in ("true", "false", "!0", "!1")


def _coded_arms(ternary: Node) -> bool:
    """``test ? 1 : 0``, ``test ? true : false``: both arms a number or a boolean, a coded flag."""
    arms = (ternary.child_by_field_name("consequence"), ternary.child_by_field_name("alternative"))
    return all(
        arm is not None
        and (number_value(arm) is not None or text(arm) in ("true", "false", "!0", "!1"))
        for arm in arms
    )


def _narrower(fn: Node | None, scope: Node) -> bool:
    """Whether ``fn`` is a function inside ``scope`` that counts as a scope of its own (a bundle's
    module wrapper, wider than ``WIDE_SCOPE``, counts as the global scope, as for
    ``_declaring_scope``)."""
    return (
        fn is not None
        and fn != scope
        and fn.start_byte >= scope.start_byte
        and fn.end_byte - fn.start_byte < WIDE_SCOPE
    )


_BLOCKS = frozenset(
    {"statement_block", "for_statement", "for_in_statement", "switch_body", "class_static_block"}
)


def _lexical_block(name: Node) -> Node | None:
    """The block a ``let``/``const`` name is bound in; ``None`` for ``var`` and the rest."""
    decl = name.parent
    if (
        decl is None
        or decl.type != "variable_declarator"
        or decl.child_by_field_name("name") != name
    ):
        return None
    statement = decl.parent
    if statement is None or statement.type != "lexical_declaration":
        return None
    cur = statement.parent
    while cur is not None and cur.type not in _BLOCKS and cur.type not in FUNCTION_TYPES:
        cur = cur.parent
    return cur if cur is not None and cur.type in _BLOCKS else None


def _tested(node: Node) -> bool:
    """Whether ``node``'s truthiness decides a branch (``if (x)``, ``!x ? …``, ``x && …``)."""
    cur = node
    while cur.parent is not None:
        parent = cur.parent
        if parent.type in ("parenthesized_expression", "unary_expression"):
            cur = parent
            continue
        if parent.type == "binary_expression" and text(
            parent.child_by_field_name("operator") or parent
        ) in ("&&", "||"):
            cur = parent
            continue
        if parent.type in ("if_statement", "while_statement"):
            return parent.child_by_field_name("condition") == cur
        if parent.type == "ternary_expression":
            return parent.child_by_field_name("condition") == cur
        return False
    return False


def _parameter_pattern(fn: Node, position: int) -> Node | None:
    """The object pattern declaring parameter ``position`` of ``fn`` (``{a, b} = {}`` too)."""
    params = fn.child_by_field_name("parameters")
    if params is None or position >= params.named_child_count:
        return None
    p: Node | None = params.named_children[position]
    for _ in range(3):
        if p is None or p.type == "object_pattern":
            break
        if p.type == "assignment_pattern":
            p = p.child_by_field_name("left")
        elif p.type in ("required_parameter", "optional_parameter"):
            p = p.child_by_field_name("pattern")
        else:
            return None
    return p if p is not None and p.type == "object_pattern" else None


def _invocation(fn: Node) -> Node | None:
    """The call running a function expression where it is written (an IIFE)."""
    cur = fn
    while cur.parent is not None and cur.parent.type == "parenthesized_expression":
        cur = cur.parent
    call = cur.parent
    if (
        call is not None
        and call.type == "call_expression"
        and call.child_by_field_name("function") == cur
    ):
        return call
    return None


_IDENT_TAIL = frozenset(
    bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$."
)


def _object_of(node: Node) -> Node | None:
    """The object literal a method or getter ``node`` is written in (``{ get zone() {…} }``)."""
    parent = node.parent if node.type == "method_definition" else None
    return parent if parent is not None and parent.type == "object" else None


def _holder_name(body: Node) -> str | None:
    """``C`` for ``class C {…}``; ``V`` for ``const V = {…}`` or ``const V = class {…}``."""
    owner = body.parent if body.type == "class_body" else body
    if owner is None:
        return None
    name = owner.child_by_field_name("name") if owner.type != "object" else None
    if name is not None:
        return text(name)
    decl = owner.parent
    if decl is not None and decl.type == "variable_declarator":
        n = decl.child_by_field_name("name")
        return text(n) if n is not None and n.type == "identifier" else None
    return None


def _class_body(node: Node) -> Node | None:
    cur = node.parent
    while cur is not None and cur.type != "class_body":
        cur = cur.parent
    return cur


def _callback_call(
    fn: Node, methods: tuple[str, ...] = ("some", "every", "find", "findIndex")
) -> Node | None:
    args = fn.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    if call is None or callee is None or callee.type != "member_expression":
        return None
    prop = callee.child_by_field_name("property")
    return call if prop is not None and text(prop) in methods else None


def _parts_of_value(node: Node) -> bool:
    """``value.split(…)``, ``value.match(re)``, ``re.exec(value)``: the parts of one value."""
    node = unwrap(node)
    callee = node.child_by_field_name("function") if node.type == "call_expression" else None
    prop = callee.child_by_field_name("property") if callee is not None else None
    return prop is not None and text(prop) in _PART_METHODS


def _map_entry(pair: Node, value: Node) -> tuple[Node, str] | None:
    """``new Map([["zone", value], …])``: the map made and the key ``value`` is kept under."""
    entries = pair.parent
    args = entries.parent if entries is not None else None
    made = args.parent if args is not None else None
    if (
        pair.named_child_count != 2
        or pair.named_children[1] != value
        or entries is None
        or entries.type != "array"
        or args is None
        or args.type != "arguments"
        or made is None
        or made.type != "new_expression"
        or text(made.child_by_field_name("constructor") or made) != "Map"
    ):
        return None
    key = string_value(pair.named_children[0])
    return (made, key) if key is not None else None


def _url(item: _Item, made: Node) -> _Item:
    """``new URL(value)``: a URL whose host is an endpoint; a git remote's stays the remote."""
    if item.signal.kind == "repository":
        return replace(item, node=made, path=())
    return _Item(made, Signal("url", item.signal.source), (), item.hops)


def _first_key(call: Node) -> str | None:
    """The constant string a call's first argument is (``m.get("zone")``), else ``None``."""
    args = call.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_child_count else None
    return string_value(first) if first is not None else None


def _gathered(array: Node) -> Node | None:
    """The ``Promise.all(array)`` call an array literal is handed to (its answer holds the
    array's values at the same places)."""
    args = array.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    if call is None or call.type != "call_expression" or args is None:
        return None
    callee = call.child_by_field_name("function")
    if callee is None or text(callee) != "Promise.all" or args.named_children[:1] != [array]:
        return None
    return call


def _element_name(pattern: Node | None, place: str) -> Node | None:
    """The identifier an array pattern binds at ``place`` (``"[1]"``), through a default."""
    while pattern is not None and pattern.type in ("required_parameter", "optional_parameter"):
        pattern = pattern.child_by_field_name("pattern")
    if pattern is None or pattern.type != "array_pattern":
        return None
    try:
        position = int(place.strip("[]"))
    except ValueError:
        return None
    elements = pattern.named_children
    if position >= len(elements):
        return None
    local: Node | None = elements[position]
    if local is not None and local.type == "assignment_pattern":
        local = local.child_by_field_name("left")
    return local if local is not None and local.type == "identifier" else None


def _callee(call: Node) -> Node:
    """The function part of a call (the call itself when it has none)."""
    return call.child_by_field_name("function") or call


def _root(node: Node) -> Node:
    while node.parent is not None:
        node = node.parent
    return node
