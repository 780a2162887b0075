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
        if obj is not None and prop is not None and _getter_call(node) is None:
            # `this.seed.digest`, `seed.digest`: the file's one getter of that name
            return [r for g in _members_named(a, text(prop), getter=True) for r in _produced(g)]
        return []
    if t == "call_expression":
        callee = node.child_by_field_name("function")
        if callee is None:
            return []
        return [r for fn in callee_functions(a, callee) for r in _produced(fn)]
    return []


def _getter_call(member: Node) -> Node | None:
    """The call ``member`` is the callee of, if it is one."""
    parent = member.parent
    if (
        parent is not None
        and parent.type == "call_expression"
        and parent.child_by_field_name("function") == member
    ):
        return parent
    return None


def _produced(fn: Node) -> list[Node]:
    """What calling ``fn`` gives: its returns, and a generator's yielded values."""
    out = returned_expressions(fn)
    if not any(c.type == "*" for c in fn.children):
        return out
    stack = [fn.child_by_field_name("body")]
    while stack and len(out) < MAX_SITES * 2:
        cur = stack.pop()
        if cur is None:
            continue
        for child in cur.named_children:
            if child.type in FUNCTION_TYPES or child.type == "class_declaration":
                continue
            if child.type == "yield_expression" and child.named_child_count:
                out.append(child.named_children[0])
            stack.append(child)
    return out


def callee_functions(a: JsAnalysis, callee: Node, depth: int = 0) -> list[Node]:
    """The functions a callee may be: a named function, a class's method (``this.m()``, or
    ``x.m()`` for the file's one method ``m``), or a function value held in a variable, a
    parameter (its default, the arguments it is given), or a field (``this.keySource =
    keySource`` with ``keySource = hostKey``): a function is the same value however it is
    handed on before the call."""
    callee = unwrap(callee)
    if callee.type in FUNCTION_TYPES:
        return [callee]
    if depth > 3:
        return []
    if callee.type in ("binary_expression", "ternary_expression"):
        # `k || (() => …)`, `k ?? hostKey`, `c ? f : g`: any of the arms
        op = callee.child_by_field_name("operator")
        if callee.type == "binary_expression" and (op is None or text(op) not in ("||", "??")):
            return []
        arms = [
            callee.child_by_field_name(f) for f in ("left", "right", "consequence", "alternative")
        ]
        return [fn for arm in arms if arm is not None for fn in callee_functions(a, arm, depth + 1)]
    if callee.type == "identifier":
        fn = _function_of(a, callee)
        if fn is not None:
            return [fn]
        values = _name_feeders(a, callee)
    elif callee.type == "member_expression":
        obj = callee.child_by_field_name("object")
        prop = callee.child_by_field_name("property")
        if obj is None or prop is None:
            return []
        if obj.type == "this":
            own = _method_named(callee, text(prop))
            if own is not None:
                return [own]
            values = _this_fields(callee, text(prop))
        else:
            return _members_named(a, text(prop), getter=False)
    else:
        return []
    out: list[Node] = []
    for value in values[:MAX_SITES]:
        for fn in callee_functions(a, value, depth + 1):
            if fn not in out:
                out.append(fn)
    return out


def _method_named(node: Node, key: str) -> Node | None:
    """The method ``key`` of the class holding ``node``."""
    body = _class_body(node)
    for member in body.named_children if body is not None else []:
        name = member.child_by_field_name("name")
        if member.type == "method_definition" and name is not None and text(name) == key:
            return member
    return None


MEMBER_FILE_LIMIT = 200_000
"""Methods are found by name alone only in files this small (not in bundles)."""


def _members_named(a: JsAnalysis, key: str, getter: bool) -> list[Node]:
    """The file's one method (or getter) called ``key``, whatever the receiver it is reached
    through (an injected instance, a default parameter, a field): none when several classes
    define it, when the name is a common one of the platform, or in a bundle."""
    data = a.unit.data
    if len(data) > MEMBER_FILE_LIMIT or key in (_COMMON_PROPERTIES if getter else _COMMON_MEMBERS):
        return []
    cache = a.unit.context.get(_MEMBERS_KEY)
    if not isinstance(cache, dict):
        cache = a.unit.context[_MEMBERS_KEY] = {}
    if (key, getter) not in cache:
        cache[(key, getter)] = _member_named(a, key, getter)
    return list(cache[(key, getter)])


_MEMBERS_KEY = "agentxray.analyze.js.watermark_deps.members"


def _member_named(a: JsAnalysis, key: str, getter: bool) -> list[Node]:
    data = a.unit.data
    found: list[Node] = []
    for m in re.finditer(rb"(?<![\w$.])" + re.escape(key.encode()) + rb"\s*\(", data):
        node = a.index.node_at(m.start(), m.start() + len(key.encode()))
        method = node.parent
        if (
            method is None
            or method.type != "method_definition"
            or method.child_by_field_name("name") != node
        ):
            continue
        found.append(method)
        if len(found) > 1:
            return []
    if len(found) != 1:
        return []
    is_getter = any(c.type == "get" for c in found[0].children)
    return found if is_getter == getter else []


_COMMON_MEMBERS = frozenset(
    {
        "toString",
        "valueOf",
        "then",
        "catch",
        "finally",
        "get",
        "set",
        "has",
        "push",
        "map",
        "join",
        "update",
        "digest",
        "write",
        "end",
        "on",
        "emit",
        "send",
        "length",
        "keys",
        "values",
        "entries",
        "constructor",
    }
)
"""Names of platform methods: a call of one of them on another receiver is that call."""
_COMMON_PROPERTIES = frozenset({"length", "size", "name", "message", "data", "value"})
"""Names of platform properties: a read of one of them on another receiver is that read."""


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
    bindings = a.resolver.bindings(use)[:4]
    for d in bindings:
        value = d.child_by_field_name("value") or d.child_by_field_name("right")
        if value is not None:
            out.append(value)
    # assignments anywhere the variable is seen, not only in the closure reading it
    scope = scope_of(bindings[0]) if bindings else scope_of(use)
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
            elif parent is not None and parent.type == "member_expression":
                # `bits.push(x)`: what is put into the list is what it holds
                prop = parent.child_by_field_name("property")
                call = parent.parent
                args = call.child_by_field_name("arguments") if call is not None else None
                if (
                    prop is not None
                    and text(prop) in _PUTS
                    and args is not None
                    and parent.child_by_field_name("object") == ident
                ):
                    out.extend(args.named_children[:2])
    return out


_PUTS = frozenset({"push", "unshift", "add", "set", "splice"})
"""Methods putting their arguments into the collection they are called on."""


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
    out: list[Node] = []
    default = _default(fn, position)
    if default is not None:
        out.append(default)
    if fn.type == "method_definition":
        key = fn.child_by_field_name("name")
        sites = _method_calls(fn, text(key)) if key is not None else []
        if key is not None and text(key) == "constructor":
            sites += _constructions(a, fn)
    else:
        name = function_name(fn)
        sites = a.index.calls(name)[:MAX_SITES] if name else []
        if position == 0:
            out.extend(collection for _, collection in handed_to(a, fn))
    for call in sites:
        args = call.child_by_field_name("arguments")
        if args is not None and position < args.named_child_count:
            out.append(args.named_children[position])
    return out


def _default(fn: Node, position: int) -> Node | None:
    """A parameter's default value (``constructor(keySource = hostKey)``)."""
    params = fn.child_by_field_name("parameters")
    if params is None or position >= params.named_child_count:
        return None
    param = params.named_children[position]
    if param.type in ("required_parameter", "optional_parameter"):  # TypeScript
        value = param.child_by_field_name("value")
        return value
    if param.type == "assignment_pattern":
        return param.child_by_field_name("right")
    return None


def _constructions(a: JsAnalysis, ctor: Node) -> list[Node]:
    """``new C(…)`` of the class whose constructor is ``ctor``."""
    body = ctor.parent
    cls = body.parent if body is not None else None
    name = cls.child_by_field_name("name") if cls is not None else None
    if name is None:
        return []
    out: list[Node] = []
    pattern = re.compile(rb"\bnew\s+" + re.escape(text(name).encode()) + rb"\s*\(")
    for m in pattern.finditer(a.unit.data):
        new = a.index.node_at(m.start(), m.start() + 3).parent
        if new is not None and new.type == "new_expression":
            out.append(new)
        if len(out) >= MAX_SITES:
            break
    return out


ITERATIONS = frozenset(
    {"map", "flatMap", "forEach", "filter", "some", "every", "find", "findIndex", "reduce"}
)
"""Array methods calling their function argument with each element in turn."""


def handed_to(a: JsAnalysis, fn: Node) -> list[tuple[Node, Node]]:
    """Where a named function is handed by reference to be called with each element of a
    collection, as (the call, the collection): ``bits.map(glyph)`` gives ``bits``,
    ``Array.from(bits, glyph)`` gives ``bits``. It is then called as an inline callback
    there would be."""
    name = function_name(fn)
    if not name or is_callback(fn):
        return []
    scope = scope_of(fn.parent if fn.parent is not None else fn)
    if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(name) <= 2:
        return []
    out: list[tuple[Node, Node]] = []
    for use in a.index.identifiers(name, scope.start_byte, scope.end_byte)[:40]:
        args = use.parent
        call = args.parent if args is not None and args.type == "arguments" else None
        callee = call.child_by_field_name("function") if call is not None else None
        if call is None or callee is None or callee.type != "member_expression" or args is None:
            continue
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        if obj is None or prop is None:
            continue
        position = args.named_children.index(use)
        if text(prop) in ITERATIONS and position == 0:
            out.append((call, obj))
        elif text(callee) == "Array.from" and position == 1:
            out.append((call, args.named_children[0]))
        if len(out) >= MAX_SITES:
            break
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
        name = member.child_by_field_name("name")
        if member.type == "method_definition" and name is not None and text(name) == "constructor":
            # TypeScript parameter properties: `constructor(private readonly seed = new S())`
            params = member.child_by_field_name("parameters")
            for param in params.named_children if params is not None else []:
                pattern_ = param.child_by_field_name("pattern")
                if (
                    param.type in ("required_parameter", "optional_parameter")
                    and pattern_ is not None
                    and text(pattern_) == key
                    and any(c.type == "accessibility_modifier" for c in param.children)
                ):
                    out.append(pattern_)  # its default and the arguments of `new C(…)`
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
