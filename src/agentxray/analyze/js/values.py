"""Backward resolution of what a signal is compared with: literals, lists, decoded data."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from agentxray.analyze.facts.jsmodules import JsModules
from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    WIDE_SCOPE,
    NameIndex,
    function_name,
    literal,
    parameter_names,
    prefiltered_finditer,
    returned_expressions,
    scope_of,
    text,
    unwrap,
)

logger = logging.getLogger(__name__)

MAX_DEPTH = 6
MAX_VALUES = 2_000
MAX_CALL_SITES = 5
MAX_LEAVES = 5_000
"""Strings taken from one decoded value at most."""
"""A parameter is resolved through at most this many call sites."""
LIST_METHODS = frozenset(["some", "every", "find", "filter", "findIndex", "forEach", "map"])


@dataclass(frozen=True, slots=True)
class Decoded:
    """Data recovered by running a decoder on its literal input."""

    site: Node
    """The expression whose run-time value this is (the decoder call)."""
    method: str
    """How it was hidden."""
    values: tuple[str, ...]
    """The decoded strings (a decoded list gives one entry per element)."""
    decoder: Node | None = None
    value: object = field(default=None, hash=False, compare=False)
    """The decoded value as evaluated (a list or an object parsed from decoded JSON)."""


@dataclass(frozen=True, slots=True)
class Values:
    """Literal values an expression can take, and the decoded data they came from."""

    items: tuple[str, ...] = ()
    decoded: tuple[Decoded, ...] = ()
    regex: bool = False
    """At least one item is a regular expression source."""

    def __add__(self, other: Values) -> Values:
        return Values(
            _dedupe(self.items + other.items)[:MAX_VALUES],
            tuple(dict.fromkeys(self.decoded + other.decoded)),
            self.regex or other.regex,
        )


def leaves(value: object, budget: int = MAX_LEAVES) -> list[str]:
    """The strings inside a decoded value (a list, an object parsed from decoded JSON)."""
    out: list[str] = []
    stack = [value]
    while stack and len(out) < budget:
        cur = stack.pop()
        if isinstance(cur, str):
            out.append(cur)
        elif isinstance(cur, list):
            stack.extend(reversed(cur))
        elif isinstance(cur, dict):
            stack.extend(reversed(list(cur.values())))
    return out


def _dedupe(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


_CLASS_DECLARATION = re.compile(rb"\bclass\s+([\w$]+)[\s{]")


@dataclass
class Resolver:
    """Resolves expressions to literal values, following names, returns and decoders."""

    index: NameIndex
    decoded: dict[tuple[int, int], Decoded] = field(default_factory=dict)
    _classes: dict[str, list[int]] | None = field(default=None, repr=False)
    """Class name → where ``class name`` is declared (one pass over the file, on first need)."""
    modules: JsModules | None = field(default=None, repr=False)
    """The bundle's module machinery (built on first need when not handed in)."""

    def imported(self, node: Node) -> Node | None:
        """What a name or ``m.name`` of one bundled module stands for in the module exporting
        it (``var { table } = require_config()``: the exporting module's ``new Set(…)``)."""
        if self.modules is None:
            self.modules = JsModules(self.index.data, self.index.tree.root_node)
        if not self.modules.modules():
            return None
        return self.modules.definition(node)

    def values(self, node: Node | None, depth: int = 0) -> Values:
        """Every literal value ``node`` may evaluate to that can be seen statically."""
        if node is None:
            return Values()
        node = unwrap(node)
        lit = literal(node)
        if lit is not None:
            return Values((lit,))  # a literal costs nothing: it counts toward no depth
        if depth > MAX_DEPTH:
            return Values()
        hit = self.decoded.get((node.start_byte, node.end_byte))
        if hit is not None:
            return Values(hit.values, (hit,))
        t = node.type
        if t == "regex":
            pattern = node.child_by_field_name("pattern")
            return Values((text(pattern) if pattern is not None else text(node),), regex=True)
        if t == "array":
            out = Values()
            for child in node.named_children:
                out = out + self.values(child, depth + 1)
            return out
        if t in ("as_expression", "satisfies_expression", "non_null_expression", "spread_element"):
            if not node.named_child_count:
                return Values()
            return self.values(node.named_children[0], depth)
        if t == "switch_body":
            out = Values()
            for case in node.named_children:
                value = case.child_by_field_name("value")
                if value is not None:
                    out = out + self.values(value, depth + 1)
            return out
        if t == "new_expression":
            args = node.child_by_field_name("arguments")
            if args is not None and args.named_child_count:
                return self.values(args.named_children[0], depth + 1)
            return Values()
        if t == "binary_expression":
            return self._concat(node, depth)
        if t == "ternary_expression":
            return self.values(node.child_by_field_name("consequence"), depth + 1) + self.values(
                node.child_by_field_name("alternative"), depth + 1
            )
        if t in ("identifier", "shorthand_property_identifier"):
            return self._identifier(node, depth)
        if t in ("augmented_assignment_expression", "assignment_expression"):
            return self.values(node.child_by_field_name("right"), depth + 1)
        if t == "member_expression":
            return self._member(node, depth)
        if t == "call_expression":
            return self._call(node, depth)
        return Values()

    def _member(self, node: Node, depth: int) -> Values:
        """A field of decoded data: ``D.domains`` where ``D`` is JSON decoded at run time."""
        prop = node.child_by_field_name("property")
        holder = self.values(node.child_by_field_name("object"), depth + 1)
        key = text(prop) if prop is not None else ""
        out = Values()
        for d in holder.decoded:
            if isinstance(d.value, dict) and key in d.value:
                found = tuple(leaves(d.value[key]))
                out = out + Values(found, (replace(d, values=found),))
        if not out.items:
            # `CONFIG.zones` where `const CONFIG = { zones: [...] }`: the field's value.
            field_value = self._field(node.child_by_field_name("object"), key, depth)
            if field_value is not None:
                out = self.values(field_value, depth + 1)
        if not out.items:
            out = self._static(node.child_by_field_name("object"), key, depth)
        if not out.items:
            imported = self.imported(node)
            if imported is not None:
                out = self.values(imported, depth + 1)
        obj = node.child_by_field_name("object")
        if not out.items and obj is not None and obj.type == "this":
            out = self._instance(obj, key, depth)
        return out

    def _instance(self, this: Node, key: str, depth: int, call: bool = False) -> Values:
        """``this.hosts`` where the class has a getter ``hosts`` (what it returns), or sets the
        field in several places (a memo: ``this._h = undefined`` … ``this._h = decode(…)``):
        every value it may hold. With ``call``: what ``this.hosts()`` returns."""
        body = this.parent
        while body is not None and body.type != "class_body":
            body = body.parent
        if body is None or body.end_byte - body.start_byte > WIDE_SCOPE:
            return Values()
        out = Values()
        for member in body.named_children:
            name = member.child_by_field_name("name")
            if (
                member.type == "method_definition"
                and name is not None
                and text(name) == key
                and call != any(c.type in ("get", "set") for c in member.children)
            ):
                for ret in returned_expressions(member):
                    out = out + self.values(ret, depth + 1)
        if out.items or call:
            return out
        pattern = re.compile(rb"\bthis\s*\.\s*" + re.escape(key.encode()) + rb"\s*=(?![=>])")
        for _, m in zip(range(MAX_CALL_SITES), pattern.finditer(body.text or b""), strict=False):
            right = _assignment_at(body, body.start_byte + m.start())
            if right is not None:
                out = out + self.values(right, depth + 1)
        return out

    def _static(self, holder: Node | None, key: str, depth: int) -> Values:
        """``Table.entries`` of ``class Table { static get entries() {…} }`` (or a static
        field): what the getter returns (its decoded value when it decodes) or the field holds."""
        if holder is None or holder.type != "identifier":
            return Values()
        body = self._class_body(text(holder))
        if body is None:
            return Values()
        out = Values()
        for member in body.named_children:
            if not any(c.type == "static" for c in member.children):
                continue
            name = member.child_by_field_name("name") or member.child_by_field_name("property")
            if name is None or text(name) != key:
                continue
            if member.type == "method_definition" and any(c.type == "get" for c in member.children):
                hit = self.decoded.get((member.start_byte, member.end_byte))
                if hit is not None:
                    return Values(hit.values, (hit,))
                for ret in returned_expressions(member):
                    out = out + self.values(ret, depth + 1)
            elif member.type in ("field_definition", "public_field_definition"):
                out = out + self.values(member.child_by_field_name("value"), depth + 1)
        return out

    def _class_body(self, name: str) -> Node | None:
        """The body of the one ``class name { … }`` declared in the file."""
        if self._classes is None:
            self._classes = {}
            for m in prefiltered_finditer(_CLASS_DECLARATION, self.index.data):
                self._classes.setdefault(m.group(1).decode(), []).append(m.start())
        found = self._classes.get(name, [])
        if len(found) != 1:
            return None
        node = self.index.node_at(found[0], found[0] + 5).parent
        if node is None or node.type != "class_declaration":
            return None
        return node.child_by_field_name("body")

    def members(self, node: Node | None) -> Values:
        """What a membership test (``x in T``, ``T[x]``, ``T.includes(x)``) compares with: the
        keys of a constant object literal, else the values of a list or set."""
        obj = self._object(node, 0)
        return self._keys(obj) if obj is not None else self.values(node)

    def table(self, node: Node | None) -> Node | None:
        """The constant object literal a membership test looks keys up in, if any."""
        return self._object(node, 0)

    def _enum(self, name: str) -> Node | None:
        """The body of ``enum name { … }`` declared in the file."""
        declared = re.compile(rb"enum\s+" + re.escape(name.encode()) + rb"\s*\{")
        m = next(prefiltered_finditer(declared, self.index.data), None)
        if m is None:
            return None
        node = self.index.node_at(m.start(), m.start() + 4).parent
        body = node.child_by_field_name("body") if node is not None else None
        return body if node is not None and node.type == "enum_declaration" else None

    def _keys(self, obj: Node) -> Values:
        keys = []
        for pair in obj.named_children:
            k = pair.child_by_field_name("key") if pair.type == "pair" else None
            if k is not None and k.type in ("string", "property_identifier", "number"):
                keys.append(literal(k) if k.type != "property_identifier" else text(k))
        return Values(tuple(k for k in keys if k is not None))

    def _field_values(self, holder: Node | None, depth: int) -> Values:
        """``Object.values(CONFIG)``: the values of a constant object's fields."""
        obj = self._object(holder, depth)
        out = Values()
        if obj is not None:
            for pair in obj.named_children:
                if pair.type == "pair":
                    out = out + self.values(pair.child_by_field_name("value"), depth + 1)
        return out

    def _field(self, holder: Node | None, key: str, depth: int) -> Node | None:
        """The expression a constant object literal holds under ``key``, if one is seen."""
        if holder is not None and holder.type == "this":
            return class_field(holder, key)  # `this.blocked` of a field set once
        obj = self._object(holder, depth)
        if obj is None:
            return None
        for pair in reversed(obj.named_children):
            if pair.type in ("pair", "enum_assignment"):
                k = pair.child_by_field_name("key") or pair.child_by_field_name("name")
                if k is not None and text(k).strip("\"'`") == key:
                    return pair.child_by_field_name("value")
            elif pair.type == "shorthand_property_identifier" and text(pair) == key:
                return pair
        return None

    def _object(self, node: Node | None, depth: int) -> Node | None:
        """The object literal ``node`` names: a constant, a field of one, ``Object.freeze({…})``."""
        for _ in range(MAX_DEPTH - depth):
            if node is None:
                return None
            node = unwrap(node)
            t = node.type
            if t == "object":
                return node
            if t in ("as_expression", "satisfies_expression", "non_null_expression"):
                node = node.named_children[0] if node.named_child_count else None
            elif t == "call_expression" and text(node.child_by_field_name("function") or node) in (
                "Object.freeze",
                "Object.seal",
            ):
                args = node.child_by_field_name("arguments")
                node = (
                    args.named_children[0] if args is not None and args.named_child_count else None
                )
            elif t in ("identifier", "shorthand_property_identifier"):
                bindings = self._bindings(node, text(node))
                if not bindings:
                    return self._enum(text(node))  # `Blocked.Tehran` of a TypeScript enum
                if len(bindings) != 1:
                    return None
                node = bindings[0].child_by_field_name("value") or bindings[0].child_by_field_name(
                    "right"
                )
            elif t == "call_expression" and (
                (callee := node.child_by_field_name("function")) is not None
                and callee.type == "identifier"
            ):
                fn = self.index.function_named(text(callee))
                rets = returned_expressions(fn) if fn is not None else []
                node = rets[0] if len(rets) == 1 else None  # `config().zones`
            elif t == "member_expression":
                prop = node.child_by_field_name("property")
                node = self._field(
                    node.child_by_field_name("object"), text(prop) if prop else "", depth + 1
                )
            else:
                return None
        return None

    def _concat(self, node: Node, depth: int) -> Values:
        op = node.child_by_field_name("operator")
        if op is None or text(op) != "+":
            return Values()
        left = self.values(node.child_by_field_name("left"), depth + 1)
        right = self.values(node.child_by_field_name("right"), depth + 1)
        if len(left.items) == 1 and right.items:
            return Values(tuple(left.items[0] + r for r in right.items), right.decoded)
        if len(right.items) == 1 and left.items:
            return Values(tuple(v + right.items[0] for v in left.items), left.decoded)
        return Values()

    def _identifier(self, node: Node, depth: int) -> Values:
        name = text(node)
        # A callback parameter of list.some(x => …) ranges over the list's elements.
        fn = scope_of(node)
        while fn.type in FUNCTION_TYPES:
            params = parameter_names(fn)
            if name in params:
                if (
                    params.index(name) == 0
                    and fn.parent is not None
                    and fn.parent.type == "arguments"
                ):
                    call = fn.parent.parent
                    callee = call.child_by_field_name("function") if call is not None else None
                    if callee is not None and callee.type == "member_expression":
                        prop = callee.child_by_field_name("property")
                        if prop is not None and text(prop) in LIST_METHODS:
                            return self.values(callee.child_by_field_name("object"), depth + 1)
                return self._arguments_for(fn, params.index(name), depth)
            parent_fn = scope_of(fn)
            if parent_fn == fn:
                break
            fn = parent_fn
        loop = _loop_of(node, name)
        if loop is not None:
            return self._loop_values(loop, name, depth)
        imported = self.imported(node)
        if imported is not None:
            return self.values(imported, depth + 1)
        out = Values()
        for d in self._bindings(node, name):
            value = d.child_by_field_name("value") or d.child_by_field_name("right")
            out = out + self.values(value, depth + 1)
        return out

    def _loop_values(self, loop: Node, name: str, depth: int) -> Values:
        """What a loop variable ranges over: ``for (const d of LIST)``, ``for (const k in OBJ)``,
        and one column of a table of pairs, ``for (const [suffix, tag] of new Map([...]))`` or
        ``of Object.entries(OBJ)``."""
        left, right = loop.child_by_field_name("left"), loop.child_by_field_name("right")
        operator = loop.child_by_field_name("operator")
        if left is None or right is None or self._lists(loop, name):
            return Values()
        if left.type == "identifier":
            if operator is not None and text(operator) == "in":
                obj = self._object(right, depth + 1)
                return self._keys(obj) if obj is not None else Values()
            return self.values(right, depth + 1)
        column = next(
            (
                i
                for i, c in enumerate(left.named_children)
                if c.type == "identifier" and text(c) == name
            ),
            None,
        )
        if column is None:
            return Values()
        right = unwrap(right)
        callee = right.child_by_field_name("function") if right.type == "call_expression" else None
        if callee is not None and text(callee) == "Object.entries":
            args = right.child_by_field_name("arguments")
            arg = args.named_children[0] if args is not None and args.named_child_count else None
            if column == 0:
                obj = self._object(arg, depth + 1)
                return self._keys(obj) if obj is not None else Values()
            return self._field_values(arg, depth + 1) if column == 1 else Values()
        out = Values()
        for row in self._rows(right, depth + 1):
            if column < row.named_child_count:
                out = out + self.values(row.named_children[column], depth + 1)
        return out

    def _lists(self, loop: Node, name: str) -> bool:
        """The loop hands its elements on as data (``out.push({zone, selected: zone === tz})``,
        ``return `${zone} (yours)```): a listing of options, which the user's value is looked up
        in, not a list of targets tested against it."""
        body = loop.child_by_field_name("body")
        if body is None:
            return False
        encoded = name.encode()
        shorthand = re.compile(rb"[{,]\s*" + re.escape(encoded) + rb"\s*[,}]")
        if shorthand.search(self.index.data, body.start_byte, body.end_byte):
            return True  # `{ zone, … }`: the element put into an object
        for use in self.index.identifiers(name, body.start_byte, body.end_byte)[:20]:
            parent = use.parent
            while parent is not None and parent.type == "parenthesized_expression":
                parent = parent.parent
            if parent is None:
                continue
            if parent.type in ("return_statement", "pair", "array", "spread_element"):
                return True
            if parent.type == "template_substitution" and not _tested_text(parent):
                return True
            if parent.type == "arguments" and not _tested_text(parent):
                call = parent.parent
                callee = call.child_by_field_name("function") if call is not None else None
                method = callee.child_by_field_name("property") if callee is not None else None
                if method is None or text(method) not in _TEST_CALLS:
                    return True
        return False

    def _rows(self, node: Node | None, depth: int) -> list[Node]:
        """The array literals a table of pairs is made of (a list of pairs, ``new Map(…)``,
        ``M.entries()``, a constant holding one)."""
        for _ in range(MAX_DEPTH - depth):
            if node is None:
                return []
            node = unwrap(node)
            if node.type == "array":
                return [c for c in node.named_children if c.type == "array"]
            if node.type == "new_expression":
                args = node.child_by_field_name("arguments")
                node = (
                    args.named_children[0] if args is not None and args.named_child_count else None
                )
            elif node.type == "call_expression":
                callee = node.child_by_field_name("function")
                prop = callee.child_by_field_name("property") if callee is not None else None
                if callee is None or prop is None or text(prop) != "entries":
                    return []
                node = callee.child_by_field_name("object")
            elif node.type == "identifier":
                bindings = self._bindings(node, text(node))
                if len(bindings) != 1:
                    return []
                node = bindings[0].child_by_field_name("value")
            else:
                return []
        return []

    def _arguments_for(self, fn: Node, position: int, depth: int) -> Values:
        """A parameter's values: what the function's call sites (a few) pass in its place."""
        name = function_name(fn)
        if name is None or depth >= MAX_DEPTH - 1:
            return Values()
        out = Values()
        for call in self.index.calls(name)[:MAX_CALL_SITES]:
            args = call.child_by_field_name("arguments")
            if args is not None and position < args.named_child_count:
                out = out + self.values(args.named_children[position], depth + 1)
        return out

    def bindings(self, use: Node) -> list[Node]:
        """The declarators (or assignments) binding the identifier ``use``, nearest scope first."""
        return self._bindings(use, text(use))

    def _bindings(self, use: Node, name: str) -> list[Node]:
        scope = scope_of(use)
        while True:
            if scope.end_byte - scope.start_byte > WIDE_SCOPE and scope.parent is not None:
                break
            local = []
            for ident in self.index.identifiers(name, scope.start_byte, scope.end_byte):
                parent = ident.parent
                if (
                    parent is not None
                    and parent.type == "variable_declarator"
                    and parent.child_by_field_name("name") == ident
                    and scope_of(ident) == scope
                ):
                    local.append(parent)
            if local:
                return local
            if scope.parent is None:
                return []
            scope = scope_of(scope)
        return [
            d
            for d in self.index.definitions(name)
            if d.type in ("variable_declarator", "assignment_expression")
        ][:4]

    def _call(self, node: Node, depth: int) -> Values:
        callee = node.child_by_field_name("function")
        if callee is None:
            return Values()
        if callee.type == "member_expression" and text(callee) in (
            "Object.keys",
            "Object.values",
            "Object.entries",
            "Object.freeze",
        ):
            args = node.child_by_field_name("arguments")
            arg = args.named_children[0] if args is not None and args.named_child_count else None
            if text(callee) == "Object.values":
                return self._field_values(arg, depth)
            if text(callee) == "Object.keys":
                obj = self._object(arg, depth)
                return self._keys(obj) if obj is not None else Values()
            return self.values(arg, depth + 1)
        if callee.type == "member_expression":
            prop = callee.child_by_field_name("property")
            method = text(prop) if prop is not None else ""
            obj = callee.child_by_field_name("object")
            if obj is not None and obj.type == "this" and method:
                return self._instance(obj, method, depth, call=True)  # the class's own method
            receiver = self.values(obj, depth + 1)
            args = node.child_by_field_name("arguments")
            sep = (
                self.values(args.named_children[0], depth + 1)
                if args is not None and args.named_child_count
                else Values()
            )
            if (
                method == "split"
                and len(receiver.items) == 1
                and len(sep.items) == 1
                and sep.items[0]
            ):
                return Values(tuple(receiver.items[0].split(sep.items[0])), receiver.decoded)
            if method in ("toLowerCase", "toUpperCase", "trim", "concat", "slice", "map", "filter"):
                return receiver
            imported = self.imported(callee)
            if imported is None or imported.type not in FUNCTION_TYPES:
                return Values()
            return self._returned_values(imported, depth)
        if callee.type != "identifier":
            return Values()
        fn = self.index.function_named(text(callee))
        if fn is None:
            fn = self.imported(callee)
            if fn is not None and fn.type not in FUNCTION_TYPES:
                return Values()
        if fn is None:
            return Values()
        return self._returned_values(fn, depth)

    def _returned_values(self, fn: Node, depth: int) -> Values:
        out = Values()
        for ret in returned_expressions(fn):
            out = out + self.values(ret, depth + 1)
        return out


def class_field(this: Node, key: str) -> Node | None:
    """The value a class gives its field ``key`` when it sets it exactly once: a field
    declaration (``private readonly blocked = new Set([…])``) or ``this.blocked = …``."""
    body = this.parent
    while body is not None and body.type != "class_body":
        body = body.parent
    if body is None or body.end_byte - body.start_byte > WIDE_SCOPE:
        return None
    found: list[Node] = []
    for member in body.named_children:
        if member.type in ("public_field_definition", "field_definition"):
            name = member.child_by_field_name("property") or member.child_by_field_name("name")
            value = member.child_by_field_name("value")
            if name is not None and text(name) == key and value is not None:
                found.append(value)
    pattern = re.compile(rb"\bthis\s*\.\s*" + re.escape(key.encode()) + rb"\s*=(?![=>])")
    data = body.text or b""
    for m in pattern.finditer(data):
        right = _assignment_at(body, body.start_byte + m.start())
        if right is None or found:
            return None  # set in more than one place: its value is not a constant
        found.append(right)
    return found[0] if len(found) == 1 else None


def _assignment_at(body: Node, offset: int) -> Node | None:
    """The right side of the ``this.x = …`` assignment starting at ``offset``."""
    node = body.descendant_for_byte_range(offset, offset + 4)
    while node is not None and node.type != "assignment_expression":
        node = node.parent
    return node.child_by_field_name("right") if node is not None else None


_TEST_CALLS = frozenset(
    {"endsWith", "startsWith", "includes", "indexOf", "lastIndexOf", "match", "test", "has"}
    | {"search", "localeCompare"}
)
"""Calls that test a value against their argument (its use in them is a comparison)."""


def _tested_text(node: Node) -> bool:
    """``node`` is (inside) an argument of a test call: ``host.endsWith(`.${suffix}`)``."""
    cur: Node | None = node
    for _ in range(4):
        if cur is None:
            return False
        if cur.type == "arguments":
            call = cur.parent
            callee = call.child_by_field_name("function") if call is not None else None
            method = callee.child_by_field_name("property") if callee is not None else None
            return method is not None and text(method) in _TEST_CALLS
        cur = cur.parent
    return False


def _loop_of(use: Node, name: str) -> Node | None:
    """The ``for … of``/``for … in`` loop whose head binds ``name`` around ``use``."""
    child, cur = use, use.parent
    while cur is not None and cur.type not in FUNCTION_TYPES and cur.type != "program":
        if cur.type == "for_in_statement" and child != cur.child_by_field_name("left"):
            left = cur.child_by_field_name("left")
            if left is not None and (
                (left.type == "identifier" and text(left) == name)
                or (
                    left.type == "array_pattern"
                    and any(c.type == "identifier" and text(c) == name for c in left.named_children)
                )
            ):
                right = cur.child_by_field_name("right")
                inside_right = (
                    right is not None and right.start_byte <= use.start_byte < right.end_byte
                )
                return None if inside_right else cur
        child, cur = cur, cur.parent
    return None
