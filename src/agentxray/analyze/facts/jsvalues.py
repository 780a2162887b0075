"""What a JavaScript expression carries: the source facts that reach it, its canonical name, the
path or command line it spells.

A *label* is a source fact (an environment or file read, a command, a response, a URL, a read of
``os``/``process``/``navigator``) whose value reaches an expression. :meth:`JsValues.labels`
follows identifiers to their declarations and later writes, calls of local functions to what
they return (their parameters bound to the call's arguments, a few calls deep), callbacks'
parameters to the call that invokes them and a ``new Promise`` to its executor. Everything else
passes its operands' labels on: ``JSON.stringify``, ``Buffer.from(…).toString("hex")`` and
``Object.entries(…).filter(…)`` do not clean data.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from tree_sitter import Node

from agentxray.analyze.facts.common import STANDARD_HEADERS
from agentxray.analyze.facts.jsmodules import JsModules
from agentxray.analyze.facts.jsscope import (
    FUNCTIONS,
    MAX_DISPATCH_BYTES,
    Binding,
    JsScopes,
    function_body,
    parameters,
    strip,
    text,
    this_members,
    unquote,
)
from agentxray.model import Fact, Location

logger = logging.getLogger(__name__)

MAX_DEPTH = 3
"""Local function calls followed into, nested."""
MAX_VISITS = 1000
"""Nodes one question (one role of one sink) may visit."""
MAX_NESTING = 40
"""Nested walks (member chains, helper calls) before the walk stops narrowing."""
MAX_FILE_VISITS = 400_000
"""Nodes all questions about one file may visit (a huge bundle stops being followed)."""
SYNTHETIC_ROOTS = frozenset(
    {
        "os",
        "process",
        "navigator",
        "screen",
        "location",
        "document",
        "localStorage",
        "sessionStorage",
    }
)
"""Modules and globals whose member reads become ``member`` labels (``os.hostname``,
``document.cookie``, ``localStorage.key``)."""
SOURCE_KINDS = frozenset(
    {"env_read", "file_read", "network_request", "url", "exec", "member", "string"}
)
"""Facts that label the expression they span (calls are named by synthetic ``member`` labels)."""
WRITE_LABELS = frozenset({"writeFile", "writeFileSync", "createWriteStream"})
"""File writes that label the file they write (a downloaded file then run carries both)."""
OPAQUE_KINDS = frozenset({"file_read", "exec", "network_request"})
"""Sources whose value is not their arguments: a file's contents are not its path."""
RESPONSE_META = frozenset(
    {"status", "statusCode", "statusText", "ok", "headers", "redirected", "status_code", "reason"}
)
"""Properties of a response that say how the request went, not what the server sent."""
CONNECTION_STATE = frozenset(
    {"destroyed", "readyState", "connecting", "pending", "closed", "writable", "readable"}
    | {"writableEnded", "readableEnded", "bufferedAmount"}
)
"""Properties of a socket or connection that say what state it is in, not what a server sent."""
FREE_NAMES = frozenset({"__dirname", "__filename"})
OWN_SCRIPT = frozenset(
    {"require.main.filename", "require.main.path", "process.mainModule.filename"}
)
"""The script node was started with (its main module's file and folder): the program itself."""
PATH_JOINS = frozenset({"join", "resolve", "normalize"})
ITERATORS = frozenset({"map", "forEach", "filter", "flatMap", "some", "every", "find"})
"""Array methods whose callback's first parameter takes each element."""
COLLECTION_ADDS = frozenset({"push", "unshift", "add", "set", "append", "concat"})
"""Methods that put their arguments into the array, set or map they are called on."""
ELEMENT_KEEPING = frozenset(
    {"slice", "filter", "concat", "reverse", "sort", "toSorted", "toReversed", "flat", "values"}
)
"""Array methods whose result holds (some of) the receiver's own elements."""
MAX_PUSHED = 32
"""Writes into an array searched for its pushed elements, at most."""
_SPELLING = frozenset({"string", "template_string", "number", "true", "false", "object", "array"})
"""Branches of a ternary that spell its condition as data (a label, a flag, a literal shape)."""
MAPPERS = frozenset({"map", "flatMap", "reduce"})
"""Array methods whose result is made of what their callback returns."""
_BOOLEANS = frozenset({"Boolean", "isNaN", "isFinite"})
_KEY_LISTS = frozenset({"Object.keys", "Object.getOwnPropertyNames", "Reflect.ownKeys"})
"""Calls that give the names of an object's keys, not the values (``Object.keys(process.env)``
lists which variables are set, none of their secrets)."""

Env = dict[tuple[int, int], tuple[Node, "Env"]]
Const = str | list[int] | tuple[str, ...] | None
"""A folded value: a string, the numbers of a list of them, the strings of a list of them."""
"""A folded constant: text, or the numbers of an array literal (bytes, char codes)."""
"""Parameters bound to arguments while a local function is followed: (function, index) → arg."""


@dataclass
class Visit:
    """One question's budget and what it reached."""

    left: int = field(default_factory=lambda: MAX_VISITS)
    params: set[tuple[int, int]] = field(default_factory=set)
    """Parameters of enclosing functions reached without a binding (helpers' inputs)."""
    seen: set[int] = field(default_factory=set)


class JsValues:
    """Labels, canonical names, paths and command lines of expressions in one file."""

    def __init__(self, vpath: str, data: bytes, scopes: JsScopes, facts: Iterable[Fact]) -> None:
        self.vpath = vpath
        self.data = data
        self.scopes = scopes
        self.by_span: dict[tuple[int, int], list[Fact]] = {}
        for f in facts:
            self.add_source(f)
        self._synthetic: dict[tuple[int, int], Fact] = {}
        self._canonical: dict[int, str | None] = {}
        self._bound_labels: dict[int, tuple[frozenset[Fact], frozenset[tuple[int, int]]]] = {}
        self._emits: dict[str, list[Node]] = {}
        """By event name: the ``.emit(name, …)`` calls of the file."""
        self._held_calls: dict[int, list[Node]] = {}
        """By function: the calls made through what keeps it (``held_calls``)."""
        self.files: dict[str, list[Node]] = {}
        """What is written to literal paths (``writeFile("/tmp/x", data)``): the write calls."""
        self.carried: dict[int, set[Fact]] = {}
        """Labels a variable gets without an assignment, by ``id`` of its binding: the path a
        downloaded file is written to carries the request and the write."""
        self.budget = MAX_FILE_VISITS
        self._nested = 0
        self.modules = JsModules(data, scopes.root, scopes)
        """The bundle's module machinery: what ``require_x().name`` stands for."""

    def add_source(self, fact: Fact) -> None:
        """Make a fact a label of the expression it spans."""
        if fact.span is None:
            return
        if fact.kind in SOURCE_KINDS or (
            fact.kind == "call" and fact.value.rsplit(".", 1)[-1] in WRITE_LABELS
        ):
            self.by_span.setdefault(fact.span, []).append(fact)

    # --- names -------------------------------------------------------------------------------

    def canonical(self, node: Node, depth: int = 0) -> str | None:
        """``os.hostname`` for ``o.hostname`` when ``o = require("os")``; globals by name."""
        key = node.id
        if key not in self._canonical:
            self._canonical[key] = self._canonical_of(node, depth)
        return self._canonical[key]

    def _canonical_of(self, node: Node, depth: int) -> str | None:
        if depth > 12:
            return None
        node = strip(node)
        kind = node.type
        if kind == "identifier":
            b = self.scopes.binding(node)
            if b is None:
                return text(self.data, node)
            if b.kind == "import":
                return f"{b.module}.{b.member}" if b.member else b.module
            if b.kind == "var" and b.value is not None and depth < 4:
                value = strip(b.value)
                if value.type in ("identifier", "member_expression"):
                    return self.canonical(value, depth + 1)
                if value.type == "call_expression":
                    # a = r(37) where module 37 is `e.exports = require("os")`
                    got = self.modules.definition(node) if self.modules.modules() else None
                    if got is not None and strip(got).type == "call_expression":
                        return self._wrapped(strip(got), depth + 1)
                    return self._wrapped(value, depth + 1)
            return None
        if kind == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is None or prop is None:
                return None
            base = self.canonical(obj, depth + 1)
            return f"{base}.{text(self.data, prop)}" if base else None
        if kind == "call_expression" and depth < 4:
            return self._wrapped(node, depth + 1)
        return None

    def _wrapped(self, call: Node, depth: int) -> str | None:
        """``promisify(execFile)`` and ``execFile.bind(…)`` name what they wrap."""
        fn, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if fn is None or args is None:
            return None
        name = (self.canonical(fn, depth) or text(self.data, fn)).rsplit(".", 1)[-1]
        if name == "promisify" and args.named_children:
            return self.canonical(args.named_children[0], depth)
        if name == "bind" and fn.type == "member_expression":
            obj = fn.child_by_field_name("object")
            return self.canonical(obj, depth) if obj is not None else None
        module, member = self.scopes.required(call)
        if module:
            return f"{module}.{member}" if member else module
        return None

    def callee_name(self, call: Node) -> str:
        """The last segment of a call's callee (``""`` when it is not a name)."""
        fn = call.child_by_field_name("function") or call.child_by_field_name("constructor")
        if fn is None:
            return ""
        fn = strip(fn)
        if fn.type == "sequence_expression" and fn.named_children:  # (0, eval)(…)
            fn = fn.named_children[-1]
        if fn.type == "member_expression":
            prop = fn.child_by_field_name("property")
            return text(self.data, prop) if prop is not None else ""
        return text(self.data, fn) if fn.type in ("identifier", "import") else ""

    def function_of(self, callee: Node) -> Node | None:
        """The local function a callee names (a declaration or a variable holding one)."""
        callee = strip(callee)
        if callee.type in FUNCTIONS:
            return callee
        if callee.type == "member_expression":
            return (
                self._own_method(callee)
                or self._exported(callee)
                or self._module_function(callee)
                or self._typed_method(callee)
                or self._dispatched_to(callee)
            )
        if callee.type != "identifier":
            return None
        b = self.scopes.binding(callee)
        if b is None:
            return None
        if b.kind == "var" and b.value is not None and strip(b.value).type == "call_expression":
            got = self._module_function(callee)  # var { send } = require_net(); send(x)
            if got is not None:
                return got
        if b.kind == "function":
            return b.value
        if b.kind == "var" and b.value is not None and strip(b.value).type in FUNCTIONS:
            return strip(b.value)
        return None

    def _exported(self, callee: Node) -> Node | None:
        """The function ``m.run`` names when ``m`` holds another module of the same bundle
        (``const m = require(12)`` in a module table) and that module exports ``run``."""
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        if obj is None or prop is None or strip(obj).type != "identifier":
            return None
        b = self.scopes.binding(strip(obj))
        if b is None or b.kind != "var" or b.value is None or b.member:
            return None
        value = strip(b.value)
        module = self.bundle_module(value) if value.type == "call_expression" else None
        return self.export_of(module, text(self.data, prop)) if module is not None else None

    def _module_function(self, callee: Node) -> Node | None:
        """The function another module of the bundle exports under the name ``callee``
        stands for (esbuild's ``require_x()``, webpack's ``__webpack_require__(n)``)."""
        got = self.modules.definition(callee) if self.modules.modules() else None
        if got is None or (got.type == "method_definition" and got.children[0].type == "get"):
            return None
        return strip(got) if strip(got).type in FUNCTIONS else None

    def module_value(self, node: Node) -> list[Node]:
        """What an importer's ``name`` or ``mod.name`` reads from another module of the
        bundle: the exporting module's variable (so that its writes and pushes count), a
        getter's returned expressions, or the exported expression; ``[]`` for no import."""
        got = self.modules.definition(node) if self.modules.modules() else None
        if got is not None and got.type == "method_definition":
            getter = any(c.type == "get" for c in got.children[:3])
            return returned(self.data, got) if getter else []
        if got is None or strip(got).type in FUNCTIONS:
            return []
        decl = got.parent
        if decl is not None and decl.type == "variable_declarator":
            name = decl.child_by_field_name("name")
            if (
                decl.child_by_field_name("value") == got
                and name is not None
                and (name.type == "identifier")
            ):
                return [name]
        return [got]

    def bundle_module(self, call: Node) -> Node | None:
        """The module function a bundle's own ``require(id)`` loads: in a module table
        (``{12: function (module, exports, require) {…}}``, webpack's ``{417: (t, e, r) =>
        …}``) the third parameter of a module loads the table's entry of that key."""
        fn, args = call.child_by_field_name("function"), _arguments(call)
        if fn is None or fn.type != "identifier" or len(args) != 1:
            return None
        b = self.scopes.binding(fn)
        scope = b.scope if b is not None and b.kind == "param" and b.index == 2 else None
        if b is None:  # `require` itself is looked up as a global: the module's parameter
            scope = fn.parent
            while scope is not None and not (
                scope.type in FUNCTIONS
                and len(parameters(scope)) == 3
                and text(self.data, parameters(scope)[2]) == text(self.data, fn)
            ):
                scope = scope.parent
        table = module_table(scope) if scope is not None else None
        if table is None:
            return None
        key = text(self.data, strip(args[0])).strip("\"'`")
        for pair in table.named_children:
            name, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if pair.type != "pair" or name is None or value is None:
                continue
            if text(self.data, name).strip("\"'") == key and strip(value).type in FUNCTIONS:
                return strip(value)
        return None

    def export_of(self, module: Node, name: str) -> Node | None:
        """The function a bundle's module function exports as ``name`` (``exports.name =
        function …``, ``module.exports.name = …``, ``module.exports = { name }``)."""
        params = parameters(module)
        words = [text(self.data, p) for p in params[:2]]
        holders = {f"{words[0]}.exports"} if words else set()
        holders |= {words[1]} if len(words) > 1 else set()
        body = function_body(module)
        for stmt in body.named_children if body is not None else []:
            expr = stmt.named_children[0] if stmt.type == "expression_statement" else None
            if expr is not None and expr.type == "call_expression":
                got = self._getter_export(expr, holders, name)
                if got is not None:
                    return got
            if expr is None or expr.type != "assignment_expression":
                continue
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            if left is None or right is None or left.type != "member_expression":
                continue
            obj, prop = left.child_by_field_name("object"), left.child_by_field_name("property")
            if obj is None or prop is None:
                continue
            if text(self.data, obj) in holders and text(self.data, prop) == name:
                if strip(right).type == "unary_expression":
                    continue  # tsc's `exports.name = void 0;` declares it before the value
                return self.function_of(right)
            if f"{text(self.data, obj)}.{text(self.data, prop)}" in holders and (
                strip(right).type == "object"
            ):
                for pair in strip(right).named_children:
                    key = pair.child_by_field_name("key") if pair.type == "pair" else pair
                    if key is not None and text(self.data, key) == name:
                        value = pair.child_by_field_name("value") if pair.type == "pair" else pair
                        return self.function_of(value) if value is not None else None
        return None

    def _getter_export(self, call: Node, holders: set[str], name: str) -> Node | None:
        """webpack's ESM exports: ``r.d(exports, { name: () => fn })`` defines getters."""
        args = _arguments(call)
        if len(args) != 2 or text(self.data, args[0]) not in holders:
            return None
        table = strip(args[1])
        for pair in table.named_children if table.type == "object" else []:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            getter = pair.child_by_field_name("value") if key is not None else None
            if key is None or getter is None or text(self.data, key).strip("\"'") != name:
                continue
            got = returned(self.data, strip(getter)) if strip(getter).type in FUNCTIONS else []
            return self.function_of(got[0]) if len(got) == 1 else None
        return None

    def _dispatched_to(self, callee: Node) -> Node | None:
        """The method ``x.m`` calls when ``x`` is no module or global and the file defines
        ``m`` once (a class's method, an object literal's): ``this.transport.send(b)`` with the
        transport handed to the constructor, ``(opts.clock || new Clock()).zone()``."""
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        if obj is None or prop is None or prop.type != "property_identifier":
            return None
        found = self.scopes.member_named(text(self.data, prop))
        if found is None or obj.type == "this" or not self.scopes.dispatchable(obj):
            return None
        if found.type != "method_definition":
            return found
        return None if any(c.type == "get" for c in found.children[:3]) else found

    def _getter_read(self, member: Node) -> list[Node]:
        """What a read ``x.info`` returns when ``info`` is the file's one getter (and ``x`` is
        no module or global): the getter's returned expressions."""
        obj, prop = member.child_by_field_name("object"), member.child_by_field_name("property")
        found = self.scopes.member_named(text(self.data, prop)) if prop is not None else None
        if obj is None or found is None or found.type != "method_definition":
            return []
        parent = member.parent
        if (
            parent is not None
            and parent.type == "call_expression"
            and parent.child_by_field_name("function") == member
        ):
            return []
        if not self.scopes.dispatchable(obj):
            return []
        if not any(c.type == "get" for c in found.children[:3]):
            return []
        return returned(self.data, found)

    def _own_method(self, callee: Node) -> Node | None:
        """The method ``this.base`` names in the class around it (``this.base()``)."""
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        if obj is None or prop is None or obj.type != "this":
            return None
        cls = callee.parent
        while cls is not None and cls.type not in ("class_body", "program"):
            cls = cls.parent
        if cls is None or cls.type != "class_body":
            return None
        name = text(self.data, prop)
        for method in cls.named_children:
            key = method.child_by_field_name("name") if method.type == "method_definition" else None
            if key is not None and text(self.data, key) == name:
                if any(c.type in ("get", "set") for c in method.children[:3]):
                    return None
                return method
        return None

    # --- function values ---------------------------------------------------------------------

    def held_functions(self, callee: Node, depth: int = 0) -> list[Node]:
        """The functions a callee that names no function itself may hold: a parameter (its
        default, ``e = () => process.env``, and for a constructor what the file's ``new C(…)``
        hands it) and a field such a parameter is kept in (``this.onFrame = onFrame`` …
        ``this.onFrame(x)``); small files only, as member dispatch."""
        callee = strip(callee)
        if depth > 3 or len(self.data) > MAX_DISPATCH_BYTES:
            return []
        if callee.type in FUNCTIONS:
            return [callee]
        held: list[Node] = []
        if callee.type == "member_expression":
            obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
            if obj is None or prop is None or obj.type != "this":
                return []
            held = self._this_values(callee, text(self.data, prop))
        elif callee.type == "identifier":
            b = self.scopes.binding(callee)
            if b is None:
                return []
            if b.kind in ("function", "var") and (got := self.function_of(callee)) is not None:
                return [got]
            if b.kind == "param":
                held = ([b.value] if b.value is not None else []) + self._constructed_with(b)
                held += self._called_with(b)
        elif callee.type in ("binary_expression", "ternary_expression"):
            held = [
                c for c in callee.named_children if c != callee.child_by_field_name("condition")
            ]
        out: list[Node] = []
        for value in held[:20]:
            for fn in self.held_functions(value, depth + 1):
                if fn not in out:
                    out.append(fn)
        return out

    def _function_values(self, callee: Node) -> list[Node]:
        """The functions a callee that is no function's own name may be: the members of an
        object of functions it iterates over, or what a parameter or field holds."""
        callee = strip(callee)
        found = [strip(v) for v in self.iterated(callee)] if callee.type == "identifier" else []
        found = [v for v in found if v.type in FUNCTIONS or v.type == "method_definition"]
        return (found or self.held_functions(callee))[:12]

    def _called_with(self, b: Binding) -> list[Node]:
        """For a parameter of a function declared by name (``function sync(read)``, ``const
        sync = (read) => …``), the arguments at its position of the function's direct calls."""
        fn = b.scope
        name: Node | None = None
        if fn.type in ("function_declaration", "generator_function_declaration"):
            name = fn.child_by_field_name("name")
        elif fn.parent is not None and fn.parent.type == "variable_declarator":
            name = fn.parent.child_by_field_name("name")
        holder = (
            self.scopes.binding(name) if name is not None and name.type == "identifier" else None
        )
        out: list[Node] = []
        for occ in self.scopes.occurrences(holder)[:100] if holder is not None else []:
            call = occ.parent
            if (
                call is not None
                and call.type == "call_expression"
                and call.child_by_field_name("function") == occ
            ):
                args = _arguments(call)
                if b.index < len(args) and _spread_free(args[: b.index + 1]):
                    out.append(args[b.index])
        return out[:20]

    def held_calls(self, fn: Node) -> list[Node]:
        """Calls of a function value through what holds it: the parameter it is handed to
        (``new FrameReader((f) => …)``, ``run(cb)`` of a local function) or whose default it
        is, also by the name of a variable holding it (``new Router(zoneOf)``), and a field
        such a parameter is kept in (``this.onFrame = onFrame`` … ``this.onFrame(x)``)."""
        if len(self.data) > MAX_DISPATCH_BYTES:
            return []
        got = self._held_calls.get(fn.id)
        if got is None:
            got = self._held_calls[fn.id] = self._find_held_calls(fn)
        return got

    def _find_held_calls(self, fn: Node) -> list[Node]:
        holders = self._holding_params(fn)
        up = fn.parent
        while up is not None and up.type == "parenthesized_expression":
            up = up.parent
        ident = up.child_by_field_name("name") if up is not None else None
        if up is not None and up.type == "variable_declarator" and ident is not None:
            b = self.scopes.binding(ident) if ident.type == "identifier" else None
            for occ in self.scopes.occurrences(b)[:100] if b is not None else []:
                holders += self._holding_params(occ)
        out: list[Node] = []
        for b in holders[:10]:
            for occ in self.scopes.occurrences(b)[:100]:
                parent = occ.parent
                if parent is None:
                    continue
                if (
                    parent.type == "call_expression"
                    and parent.child_by_field_name("function") == occ
                ):
                    out.append(parent)
                    continue
                left = parent.child_by_field_name("left")
                if (
                    parent.type != "assignment_expression"
                    or parent.child_by_field_name("right") != occ
                    or left is None
                    or left.type != "member_expression"
                    or left.child_by_field_name("object") is None
                    or left.child_by_field_name("object").type != "this"  # type: ignore[union-attr]
                ):
                    continue
                prop = left.child_by_field_name("property")
                for member in this_members(self.data, parent, text(self.data, prop or left)):
                    call = member.parent
                    if (
                        call is not None
                        and call.type == "call_expression"
                        and (call.child_by_field_name("function") == member)
                    ):
                        out.append(call)
        return out[:50]

    def _holding_params(self, value: Node) -> list[Binding]:
        """The parameters a value is given to as an argument of a local function or of a
        class's ``new``, or is the default of."""
        arg = value
        up = value.parent
        while up is not None and up.type == "parenthesized_expression":
            arg, up = up, up.parent
        if (
            up is not None
            and up.type == "assignment_pattern"
            and up.child_by_field_name("right") == arg
        ):
            left = up.child_by_field_name("left")
            b = (
                self.scopes.binding(left)
                if left is not None and left.type == "identifier"
                else None
            )
            return [b] if b is not None and b.kind == "param" else []
        call = up.parent if up is not None and up.type == "arguments" else None
        if call is None or up is None:
            return []
        args = list(up.named_children)
        index = args.index(arg) if arg in args else -1
        if index < 0 or not _spread_free(args[: index + 1]):
            return []
        target: Node | None = None
        if call.type == "new_expression":
            target = self._constructor_of(call.child_by_field_name("constructor"))
        elif call.type == "call_expression":
            callee = call.child_by_field_name("function")
            target = self.function_of(callee) if callee is not None else None
        params = parameters(target) if target is not None else []
        if index >= len(params):
            return []
        param = params[index]
        if param.type in ("required_parameter", "optional_parameter"):
            param = param.child_by_field_name("pattern") or param
        if param.type == "assignment_pattern":
            param = param.child_by_field_name("left") or param
        b = self.scopes.binding(param) if param.type == "identifier" else None
        return [b] if b is not None and b.kind == "param" else []

    def _constructor_of(self, ident: Node | None) -> Node | None:
        """The constructor of the class a ``new`` names (one class of that name in the file)."""
        return self._method_of_class(ident, "constructor")

    def _typed_method(self, callee: Node) -> Node | None:
        """The method ``x.m`` calls when ``x`` is an instance of a class of the file made right
        there or kept in a constant: ``new FetchStep().run(rel)``, ``const s = new S(); s.run()``
        (the class's own method, even when other classes define one of that name)."""
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        if obj is None or prop is None or len(self.data) > MAX_DISPATCH_BYTES:
            return None
        made = strip(obj)
        if made.type == "identifier":
            b = self.scopes.binding(made)
            if b is None or b.kind != "var" or b.value is None or b.member:
                return None
            made = strip(b.value)
        if made.type != "new_expression":
            return None
        return self._method_of_class(made.child_by_field_name("constructor"), text(self.data, prop))

    def _method_of_class(self, ident: Node | None, method_name: str) -> Node | None:
        """A method (no getter or setter) of the one class of the file ``ident`` names."""
        if ident is None or ident.type != "identifier":
            return None
        name = text(self.data, ident)
        b = self.scopes.binding(ident)
        classes: list[Node] = []
        if b is not None and b.kind == "var" and b.value is not None:
            if strip(b.value).type == "class":
                classes.append(strip(b.value))
        elif b is None:
            pattern = re.compile(rb"\bclass\s+" + re.escape(name.encode()) + rb"\b")
            for m in islice(pattern.finditer(self.data), 3):
                node = self.scopes.root.descendant_for_byte_range(m.start(), m.start() + 5)
                if node is not None and node.type == "class":
                    node = node.parent
                if node is not None and node.type == "class_declaration":
                    classes.append(node)
        if len(classes) != 1:
            return None
        body = classes[0].child_by_field_name("body")
        for method in body.named_children if body is not None else []:
            key = method.child_by_field_name("name")
            if (
                method.type == "method_definition"
                and key is not None
                and text(self.data, key) == method_name
                and not any(c.type in ("get", "set") for c in method.children[:3])
            ):
                return method
        return None

    # --- labels ------------------------------------------------------------------------------

    def labels(self, node: Node, visit: Visit, env: Env | None = None, depth: int = 0) -> set[Fact]:
        """Source facts whose values reach ``node``."""
        out: set[Fact] = set()
        self._walk(node, visit, env or {}, depth, out)
        return out

    def _descend(self, node: Node, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        """A nested walk (a variable's value, a helper's return), bounded in depth."""
        if self._nested > MAX_NESTING:
            return
        self._nested += 1
        try:
            self._walk(node, visit, env, depth, out)
        finally:
            self._nested -= 1

    def _descend_returns(
        self, target: Node, args: list[Node], visit: Visit, env: Env, depth: int, out: set[Fact]
    ) -> None:
        """What a called function returns, its parameters bound to the call's arguments (once
        per function on the walk's path: recursion stops at a function already entered)."""
        if target.id in visit.seen:
            return
        visit.seen.add(target.id)
        bound = dict(env)
        for i, arg in enumerate(args):
            bound[(target.start_byte, i)] = (arg, env)
        for ret in returned(self.data, target):
            self._descend(ret, visit, bound, depth + 1, out)
        visit.seen.discard(target.id)

    def _walk(self, node: Node, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        stack = [node]
        while stack:
            node = stack.pop()
            if visit.left <= 0 or self.budget <= 0:
                return
            visit.left -= 1
            self.budget -= 1
            out.update(self.by_span.get((node.start_byte, node.end_byte), ()))
            kind = node.type
            if kind in FUNCTIONS or kind in ("comment", "regex"):
                continue
            if kind == "string" and self.files:
                for write in self.files.get(text(self.data, node)[1:-1], ()):
                    if write.id not in visit.seen:
                        visit.seen.add(write.id)
                        self._descend(write, visit, env, depth, out)
                continue
            if kind in ("identifier", "shorthand_property_identifier"):
                self._identifier(node, visit, env, depth, out)
                continue
            if kind == "member_expression":
                self._member(node, out)
                obj = node.child_by_field_name("object")
                prop = node.child_by_field_name("property")
                if obj is None or prop is None:
                    continue
                if prop.type != "property_identifier":
                    stack.append(obj)
                    continue
                if obj.type == "this":  # this.ws: what the class's methods assign to it
                    for assigned in self._this_values(node, text(self.data, prop)):
                        if assigned.id not in visit.seen:
                            visit.seen.add(assigned.id)
                            self._descend(assigned, visit, env, depth, out)
                    continue
                imported = self.module_value(node) if obj.type == "identifier" else []
                if imported and depth < MAX_DEPTH:  # paths.sources: another module's export
                    for got in imported:
                        if got.id not in visit.seen:
                            visit.seen.add(got.id)
                            self._descend(got, visit, env, depth + 1, out)
                    continue
                if obj.type != "this" and depth < MAX_DEPTH:
                    for got in self._getter_read(node):  # x.info: the file's getter `info`
                        if got.id not in visit.seen:
                            visit.seen.add(got.id)
                            self._descend(got, visit, env, depth + 1, out)
                meta = (
                    text(self.data, prop) in RESPONSE_META | CONNECTION_STATE
                    and self._response(obj)
                    and not (text(self.data, prop) == "headers" and self._handed_whole(node))
                )
                self._narrowed(obj, visit, env, depth, out, meta)
                continue
            if kind == "subscript_expression":
                obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
                if obj is not None and index is not None and index.type == "string":
                    self._narrowed(obj, visit, env, depth, out)
                    continue
            if kind == "pair":
                value = node.child_by_field_name("value")
                if value is not None:
                    stack.append(value)
                continue
            if kind in ("call_expression", "new_expression"):
                self._call(node, visit, env, depth, out, stack)
                continue
            if kind == "unary_expression" and text(self.data, node).startswith("typeof"):
                continue
            if kind == "ternary_expression":
                # c ? a : b is a or b; the condition is in the value only when a branch is a
                # constant that spells it (platform === "darwin" ? "mac" : "linux"), not when
                # it picks between values (v !== V ? install(v) : null)
                arms = [
                    n
                    for n in (
                        node.child_by_field_name("consequence"),
                        node.child_by_field_name("alternative"),
                    )
                    if n is not None
                ]
                test = node.child_by_field_name("condition")
                if test is not None and any(strip(a).type in _SPELLING for a in arms):
                    stack.append(test)
                stack.extend(arms)
                continue
            if kind == "sequence_expression" and node.named_children:
                # (a, b, r): the value is the last; the others run for their effects, and
                # what they write is followed through the names they write to
                stack.append(node.named_children[-1])
                continue
            stack.extend(node.named_children)

    def _this_values(self, node: Node, name: str) -> list[Node]:
        """What the methods of ``node``'s class assign to ``this.<name>`` (``this.ws = new
        WebSocket(u)`` in ``connect()`` is what ``this.ws.on(…)`` in another place listens to)."""
        out: list[Node] = []
        for member in this_members(self.data, node, name)[:20]:
            parent = member.parent
            if parent is None:
                continue
            if (
                parent.type == "assignment_expression"
                and parent.child_by_field_name("left") == member
            ):
                right = parent.child_by_field_name("right")
                if right is not None:
                    out.append(right)
            elif (
                parent.type == "subscript_expression"
                and parent.child_by_field_name("object") == member
                and parent.parent is not None
                and parent.parent.type == "assignment_expression"
                and parent.parent.child_by_field_name("left") == parent
            ):
                # this.found[k] = v elsewhere: the object kept in the field holds v
                right = parent.parent.child_by_field_name("right")
                if right is not None:
                    out.append(right)
            elif (
                parent.type == "member_expression"
                and parent.child_by_field_name("object") == member
            ):
                # this.queue.push(event) elsewhere: what is added to it
                prop, call = parent.child_by_field_name("property"), parent.parent
                if (
                    call is not None
                    and call.type == "assignment_expression"
                    and call.child_by_field_name("left") == parent
                ):
                    # this.gates.halt = v elsewhere: the object kept in the field holds v
                    right = call.child_by_field_name("right")
                    if right is not None:
                        out.append(right)
                    continue
                if (
                    prop is not None
                    and text(self.data, prop) in COLLECTION_ADDS
                    and call is not None
                    and call.type == "call_expression"
                    and call.child_by_field_name("function") == parent
                ):
                    args = call.child_by_field_name("arguments")
                    out.extend(args.named_children if args is not None else [])
        out += _parameter_property(self.data, node, name)
        return out

    def _response(self, node: Node, depth: int = 0) -> bool:
        """Whether an expression is a request's response object itself (``res`` in
        ``const res = await fetch(u)``), not data parsed out of it."""
        node = strip(node)
        if node.type == "identifier" and depth < 3:
            b = self.scopes.binding(node)
            return b is not None and b.value is not None and self._response(b.value, depth + 1)
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if node.type == "member_expression" and obj is not None and obj.type == "this" and prop:
            # this.sock: what the class's methods assign to it (null before it connects)
            held = [
                v
                for v in self._this_values(node, text(self.data, prop))
                if text(self.data, v) not in ("null", "undefined")
            ]
            return depth < 3 and bool(held) and all(self._response(v, depth + 1) for v in held)
        here = self.by_span.get((node.start_byte, node.end_byte), ())
        return any(f.kind == "network_request" for f in here)

    def _handed_whole(self, node: Node) -> bool:
        """Whether a response's ``headers`` object is handed whole to a local function that
        reads a custom header in it (``this.absorb(res.headers)`` reading ``x-cfg-gates``): a
        custom header's value is what the server decides, not how the transfer went."""
        holder = node.parent
        call = holder.parent if holder is not None and holder.type == "arguments" else None
        callee = call.child_by_field_name("function") if call is not None else None
        target = self.function_of(callee) if callee is not None else None
        if target is None or target.end_byte - target.start_byte > 20_000:
            return False
        body = self.data[target.start_byte : target.end_byte]
        return any(
            m.group(2).decode("latin-1").lower() not in STANDARD_HEADERS
            for m in _HEADER_READ.finditer(body)
        )

    def _narrowed(
        self, node: Node, visit: Visit, env: Env, depth: int, out: set[Fact], meta: bool = False
    ) -> None:
        """What one key of ``node`` carries: ``env.HTTPS_PROXY`` is one variable, not the
        whole environment it is read from; ``res.status`` (``meta``) is how a request went,
        not data the server sent."""
        inner: set[Fact] = set()
        self._descend(node, visit, env, depth, inner)
        out.update(
            f for f in inner if not _whole_env(f) and not (meta and f.kind == "network_request")
        )

    def _call(
        self, node: Node, visit: Visit, env: Env, depth: int, out: set[Fact], stack: list[Node]
    ) -> None:
        fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args = node.child_by_field_name("arguments")
        arg_nodes = list(args.named_children) if args is not None else []
        if fn is None:
            stack.extend(arg_nodes)
            return
        name = self.callee_name(node)
        if name in _BOOLEANS or (text(self.data, fn) in _KEY_LISTS and not _walked(node)):
            return
        here = self.by_span.get((node.start_byte, node.end_byte), ())
        if any(f.kind in OPAQUE_KINDS for f in here):
            return
        if node.type == "new_expression" and name == "Promise" and arg_nodes:
            executor = strip(arg_nodes[0])
            body = function_body(executor) if executor.type in FUNCTIONS else None
            if body is not None:
                stack.append(body)
            return
        target = self.function_of(fn)
        if target is not None:
            if depth < MAX_DEPTH:
                self._descend_returns(target, arg_nodes, visit, env, depth, out)
            return
        held = self.held_functions(fn) if fn.type in ("identifier", "member_expression") else []
        if held and depth < MAX_DEPTH:  # this.envSource(): the function handed to the field
            for target in held[:8]:
                self._descend_returns(target, arg_nodes, visit, env, depth, out)
            return
        if name == "then" and fn.type == "member_expression" and arg_nodes and depth < MAX_DEPTH:
            # p.then(f): what f returns (what p settles to reaches f's parameter, see
            # _identifier), not p itself: check().then((v) => v !== V ? swap() : null)
            # is what swap() returns
            handlers = [self.function_of(a) for a in arg_nodes[:2]]
            if handlers[0] is not None and all(h is not None for h in handlers):
                for target in handlers:
                    assert target is not None
                    if target.id in visit.seen:
                        continue
                    visit.seen.add(target.id)
                    for ret in returned(self.data, target):
                        self._descend(ret, visit, env, depth + 1, out)
                    visit.seen.discard(target.id)
                return
        if fn.type == "identifier" or fn.type == "member_expression":
            self._member(fn, out)
        if fn.type == "member_expression":
            obj = fn.child_by_field_name("object")
            if obj is not None:
                stack.append(obj)
        elif fn.type not in ("identifier", "import"):
            stack.append(fn)
        stack.extend(a for a in arg_nodes if strip(a).type not in FUNCTIONS)
        if name in MAPPERS:  # xs.map((x) => ({ x, body: readFileSync(x) })) carries the body
            for cb in arg_nodes[:1]:
                target = self.function_of(cb)  # also a named function: xs.map(snapshot)
                if target is not None and target.id not in visit.seen and depth < MAX_DEPTH:
                    visit.seen.add(target.id)
                    for ret in returned(self.data, target):
                        self._descend(ret, visit, env, depth + 1, out)
                    visit.seen.discard(target.id)

    def _identifier(self, node: Node, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        name = text(self.data, node)
        b = self.scopes.binding(node)
        if b is None:
            if name in FREE_NAMES:
                out.add(self._synth(node, name))
            return
        if b.kind == "import":
            self._member(node, out)
            return
        key = id(b)
        if key in visit.seen:
            return
        cached = self._bound_labels.get(key) if not env else None
        if cached is not None:
            out.update(cached[0])
            visit.params.update(cached[1])
            return
        visit.seen.add(key)
        mine: set[Fact] = set()
        outer = visit.params
        visit.params = set()
        try:
            required = b.kind == "var" and b.value is not None
            imported = (
                self.module_value(node)
                if required and b.value is not None and strip(b.value).type == "call_expression"
                else []
            )
            if b.kind == "param":
                self._param(b, visit, env, depth, mine)
            elif imported:  # var { queue } = require_collect(): the exporting module's queue
                for value in imported:
                    if value.id not in visit.seen:
                        self._descend(value, visit, env, depth, mine)
            elif b.kind in ("var", "loop") and b.value is not None:
                self._descend(b.value, visit, env, depth, mine)
            if b.kind in ("var", "loop", "param"):
                for written in self.scopes.writes(b):
                    self._descend(written, visit, env, depth, mine)
        finally:
            visit.seen.discard(key)
            reached = visit.params
            visit.params = outer | reached
        mine.update(self.carried.get(key, ()))
        out.update(mine)
        if not env and visit.left > 0 and self.budget > 0:
            self._bound_labels[key] = (frozenset(mine), frozenset(reached))

    def carry(self, b: Binding, labels: Iterable[Fact]) -> None:
        """Make a variable carry labels from now on (cached answers are dropped)."""
        self.carried.setdefault(id(b), set()).update(labels)
        self._bound_labels.clear()

    def _param(self, b: Binding, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        bound = env.get((b.scope.start_byte, b.index))
        if bound is not None:
            arg, outer = bound
            self._descend(arg, visit, outer, max(depth - 1, 0), out)
            return
        if b.value is not None:  # a default value
            self._descend(b.value, visit, env, depth, out)
        # constructor(file) { this.file = file }: what the file's `new C(…)` hands it
        for arg in self._constructed_with(b):
            self._descend(arg, visit, env, depth, out)
        dispatched = self._dispatched(b)
        if dispatched:
            # A handler kept in a table (handlers.set("patch", (msg) => …)) receives what the
            # code that looks it up passes it: h = handlers.get(op); h(msg).
            for arg in dispatched[:20]:
                self._descend(arg, visit, env, depth, out)
            return
        # A function value kept by what it is handed to (new FrameReader((f) => …) keeping it
        # in this.onFrame) receives the arguments of the calls made through it.
        for call in self.held_calls(b.scope)[:20]:
            for arg in _arg(call, b.index):
                self._descend(arg, visit, env, depth, out)
        holder = b.scope.parent
        # A listener's parameter receives what is emitted under its event's name:
        # bus.on("flush", (batch) => …) gets the batch of bus.emit("flush", batch) (and,
        # below, what its receiver delivers: a socket's own "data").
        for arg in self._emitted(b)[:20]:
            self._descend(arg, visit, env, depth, out)
        if holder is not None and holder.type == "arguments" and holder.parent is not None:
            # A callback's parameter receives what the call it is given to produces:
            # res in https.get(url, res => …), r in fetch(u).then(r => …), x in xs.map(x => …).
            call = holder.parent
            out.update(self.by_span.get((call.start_byte, call.end_byte), ()))
            fn = call.child_by_field_name("function")
            given = holder.named_children
            if (
                b.index >= 1
                and len(given) >= 2
                and given[-1] == b.scope
                and fn is not None
                and _transforms(self.canonical(fn) or "")
            ):
                # zlib.gzip(data, (err, out) => …): the result is the input, transformed
                self._descend(given[0], visit, env, depth, out)
            if fn is not None and fn.type == "member_expression":
                obj = fn.child_by_field_name("object")
                if obj is not None:
                    self._descend(obj, visit, env, depth, out)
            return
        receiver = _handler_receiver(b.scope)
        if receiver is not None:
            # An event handler's parameter receives what its receiver delivers:
            # ev in ws.onmessage = (ev) => …, a socket's message or a response.
            self._descend(receiver, visit, env, depth, out)
            return
        visit.params.add((b.scope.start_byte, b.index))

    def _constructed_with(self, b: Binding) -> list[Node]:
        """For a parameter of a class's constructor, the arguments at its position of the
        file's ``new C(…)`` (small files only, as for member dispatch)."""
        method, body = b.scope, b.scope.parent
        key = method.child_by_field_name("name") if method.type == "method_definition" else None
        cls = body.parent if body is not None and body.type == "class_body" else None
        if key is None or cls is None or text(self.data, key) != "constructor":
            return []
        if len(self.data) > MAX_DISPATCH_BYTES:
            return []
        ident = cls.child_by_field_name("name")
        holder = cls.parent
        if ident is None and holder is not None and holder.type == "variable_declarator":
            ident = holder.child_by_field_name("name")  # const C = class { … }
        if ident is None:
            return []
        name = text(self.data, ident)
        out: list[Node] = []
        for m in re.finditer(rb"\bnew\s+" + re.escape(name.encode()) + rb"\b", self.data):
            occ = self.scopes.root.descendant_for_byte_range(m.end() - len(name), m.end())
            made = occ.parent if occ is not None else None
            if made is None or made.type != "new_expression":
                continue
            if made.child_by_field_name("constructor") != occ:
                continue
            args = _arguments(made)
            if b.index < len(args) and _spread_free(args[: b.index + 1]):
                out.append(args[b.index])
            if len(out) >= 20:
                break
        return out

    def _emitted(self, b: Binding) -> list[Node]:
        """For a parameter of a listener (``x.on("name", (a, b) => …)``, ``once``,
        ``addListener``), the arguments at its position of the file's ``.emit("name", …)``."""
        holder = b.scope.parent
        call = holder.parent if holder is not None and holder.type == "arguments" else None
        fn = call.child_by_field_name("function") if call is not None else None
        prop = fn.child_by_field_name("property") if fn is not None else None
        given = _arguments(call) if call is not None else []
        if (
            prop is None
            or text(self.data, prop) not in _LISTENS
            or len(given) < 2
            or given[1] != b.scope
        ):
            return []
        event = unquote(self.data, given[0])
        if not event:
            return []
        found = self._emits.get(event)
        if found is None:
            found = []
            for quote in (b'"', b"'"):
                needle = b"emit(" + quote + event.encode() + quote
                at = self.data.find(needle)
                while at != -1 and len(found) < 50:
                    node = self.scopes.root.descendant_for_byte_range(at, at + 4)
                    while node is not None and node.type != "call_expression":
                        node = node.parent
                    if node is not None:
                        found.append(node)
                    at = self.data.find(needle, at + len(needle))
            self._emits[event] = found
        out: list[Node] = []
        for emit in found:
            args = _arguments(emit)
            if b.index + 1 < len(args) and _spread_free(args[: b.index + 2]):
                out.append(args[b.index + 1])
        return out

    def _dispatched(self, b: Binding) -> list[Node]:
        """The arguments a handler kept in a table is called with: for ``t.set(k, fn)``, the
        calls of what ``t.get(…)`` returns (directly or through a variable)."""
        holder = b.scope.parent
        call = holder.parent if holder is not None and holder.type == "arguments" else None
        fn = call.child_by_field_name("function") if call is not None else None
        if call is None or fn is None or fn.type != "member_expression" or holder is None:
            return []
        table, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
        args = holder.named_children
        if table is None or prop is None or text(self.data, prop) != "set" or len(args) != 2:
            return []
        if args[1] != b.scope:
            return []
        needle = text(self.data, table).encode() + b".get("
        if len(needle) > 80:
            return []
        out: list[Node] = []
        at = self.data.find(needle)
        while at != -1 and len(out) < 20:
            start = at
            at = self.data.find(needle, at + len(needle))
            node = self.scopes.root.descendant_for_byte_range(start, start + len(needle) - 1)
            while node is not None and node.type != "call_expression":
                node = node.parent
            callee = node.child_by_field_name("function") if node is not None else None
            if node is None or callee is None or callee.start_byte != start:
                continue
            looked = node
            parent = looked.parent
            if parent is not None and parent.type == "call_expression":
                if parent.child_by_field_name("function") == looked:
                    out += _arg(parent, b.index)
                continue
            ident = parent.child_by_field_name("name") if parent is not None else None
            if parent is None or parent.type != "variable_declarator" or ident is None:
                continue
            holder_b = self.scopes.binding(ident)
            for occ in self.scopes.occurrences(holder_b) if holder_b is not None else []:
                up = occ.parent
                called = up is not None and up.child_by_field_name("function") == occ
                if up is not None and up.type == "call_expression" and called:
                    out += _arg(up, b.index)
        return out

    def _member(self, node: Node, out: set[Fact]) -> None:
        """A read of ``os.*``, ``process.*``, ``navigator.*`` becomes a ``member`` label."""
        if node.type == "member_expression":
            parent = node.parent
            if (
                parent is not None
                and parent.type == "member_expression"
                and parent.child_by_field_name("object") == node
            ):
                return  # the longer chain is the read
        name = self.canonical(node)
        if (
            name
            and "." in name
            and (name.split(".", 1)[0] in SYNTHETIC_ROOTS or name in OWN_SCRIPT)
            and not name.startswith("process.env")
        ):
            out.add(self._synth(node, name))

    def _synth(self, node: Node, name: str) -> Fact:
        key = (node.start_byte, node.end_byte)
        got = self._synthetic.get(key)
        if got is None:
            row, col = node.start_point
            loc = Location(self.vpath, line=row + 1, column=col + 1, offset=node.start_byte)
            got = self._synthetic[key] = Fact("member", name, loc, "", "", key)
        return got

    # --- spelled values ----------------------------------------------------------------------

    def path(self, node: Node, depth: int = 0) -> str:
        """The path an expression spells: ``~/.aws/credentials`` for
        ``path.join(os.homedir(), ".aws", "credentials")``; ``*`` for what is not known."""
        node = strip(node)
        literal = unquote(self.data, node)
        if literal is not None:
            return literal
        if depth > 6:
            return "*"
        kind = node.type
        if kind == "template_string":
            held = [
                c if c.type == "string_fragment" else c.named_children[0]
                for c in node.named_children
                if c.type == "string_fragment"
                or (c.type == "template_substitution" and c.named_children)
            ]
            per_row = self._row_paths(held, depth, glue="")  # `${home}/${r.dir}/${r.file}`
            if per_row:
                return per_row
            parts = []
            for child in node.named_children:
                if child.type == "string_fragment":
                    parts.append(text(self.data, child))
                elif child.type == "template_substitution" and child.named_children:
                    parts.append(self.path(child.named_children[0], depth + 1))
            return "".join(parts)
        if kind == "binary_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = node.child_by_field_name("operator")
            if left is None or right is None or op is None:
                return "*"
            if text(self.data, op) == "+":
                return self.path(left, depth + 1) + self.path(right, depth + 1)
            if text(self.data, op) in ("||", "??"):
                spelled = self.path(left, depth + 1)
                return spelled if spelled.strip("*/") else self.path(right, depth + 1)
            return "*"
        if kind == "call_expression":
            return self._path_call(node, depth)
        if kind == "member_expression":
            name = self.canonical(node) or ""
            if name in ("process.env.HOME", "process.env.USERPROFILE"):
                return "~"
            if name in ("path.sep", "path.posix.sep"):
                return "/"
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is not None and prop is not None and strip(obj).type == "this":
                # this.root where the class assigns it (a constructor's parameter and its default)
                kept = [
                    self.path(v, depth + 1) for v in self._this_values(node, text(self.data, prop))
                ]
                kept = [k for k in dict.fromkeys(kept) if k.strip("*/.")]
                if len(kept) == 1:
                    return kept[0]
            if obj is not None and prop is not None and strip(obj).type == "identifier":
                # e.dir where e takes the rows of a table: rows.map((e) => join(home, e.dir))
                rows = self.iterated(strip(obj))[:12]
                each = [self.path(v, depth + 1) for v in self._fields(rows, text(self.data, prop))]
                each = [e for e in dict.fromkeys(each) if e.strip("*/.")]
                if each:
                    return each[0] if len(each) == 1 else "{" + ",".join(each) + "}"
            return self._tested_name(node) or "*"
        if kind == "identifier":
            b = self.scopes.binding(node)
            if b is None:
                return "<dir>" if text(self.data, node) == "__dirname" else "*"
            if b.kind in ("var", "param") and b.value is not None:
                return self.path(b.value, depth + 1)
            each = [self.path(e, depth + 1) for e in self.iterated(node)[:12]]
            each = [e for e in dict.fromkeys(each) if e.strip("*/.")]
            if not each and b.kind == "loop" and b.value is not None:
                each = [e for e in self._mapped(b.value) if e.strip("*/.")]
            if not each and b.kind == "loop" and b.value is not None:
                each = [e for e in self._map_paths(b.value, depth + 1) if e.strip("*/.")]
            if each:  # a loop over known paths: {a,b} (one file read per element)
                return each[0] if len(each) == 1 else "{" + ",".join(each) + "}"
        return "*"

    def _map_paths(self, node: Node, depth: int) -> list[str]:
        """The paths a loop over ``rows.map((r) => join(home, ...r))`` takes, also when the
        list is another module's export or getter (``for (const p of paths.sources)``)."""
        node = strip(node)
        for _ in range(3):
            if node.type not in ("identifier", "member_expression"):
                break
            held = self.module_value(node)
            if not held and node.type == "identifier":
                b = self.scopes.binding(node)
                held = [b.value] if b is not None and b.kind == "var" and b.value else []
            if len(held) != 1:
                return []
            node = strip(held[0])
        fn = node.child_by_field_name("function") if node.type == "call_expression" else None
        prop = fn.child_by_field_name("property") if fn is not None else None
        args = _arguments(node)
        if prop is None or text(self.data, prop) != "map" or not args or depth > 6:
            return []
        cb = self.function_of(args[0])
        rets = returned(self.data, cb) if cb is not None else []
        return [self.path(r, depth + 1) for r in rets[:4]]

    def _mapped(self, node: Node, depth: int = 0) -> list[str]:
        """The strings ``xs.map(cb)`` holds when ``cb`` folds to a constant for each element
        of ``xs`` (names decoded from char codes: ``P.map((e) => String.fromCharCode(...))``),
        through the variable that keeps the result."""
        node = strip(node)
        if node.type == "identifier" and depth < 3:
            b = self.scopes.binding(node)
            if b is not None and b.kind == "var" and b.value is not None:
                return self._mapped(b.value, depth + 1)
            return []
        fn = node.child_by_field_name("function") if node.type == "call_expression" else None
        prop = fn.child_by_field_name("property") if fn is not None else None
        obj = fn.child_by_field_name("object") if fn is not None else None
        args = _arguments(node)
        if prop is None or obj is None or text(self.data, prop) != "map" or not args:
            return []
        cb = self.function_of(args[0])
        if cb is None:
            return []
        rets = returned(self.data, cb)
        if len(rets) != 1:
            return []
        out: list[str] = []
        for element in self._elements(obj)[:MAX_PUSHED]:
            got = self.constant(rets[0], {(cb.start_byte, 0): element})
            if isinstance(got, str):
                out.append(got)
        return list(dict.fromkeys(out))

    def iterated(self, node: Node) -> list[Node]:
        """The elements a loop variable or an iteration callback's parameter takes: ``f`` in
        ``for (const f of [a, b])`` or ``files.map((f) => …)`` with ``files = [a, b]``."""
        node = strip(node)
        b = self.scopes.binding(node) if node.type == "identifier" else None
        if b is None:
            return []
        if b.kind == "loop" and b.value is not None:
            at_pos = int(b.member[1:-1]) if b.member[1:-1].isdigit() else None
            members = self._object_members(b.value, at_pos if b.member else None)
            if members is not None:
                return members
            if b.member and not b.member.startswith("["):  # one key of each element
                return self._fields(self._elements(b.value), b.member)
            if b.member.startswith("[") and b.member[1:-1].isdigit():
                at = int(b.member[1:-1])  # one position of each element (a pair of a table)
                rows = [strip(e) for e in self._elements(b.value)]
                return [
                    r.named_children[at]
                    for r in rows
                    if r.type == "array" and at < len(r.named_children)
                ]
            return self._elements(b.value)
        holder = b.scope.parent if b.kind == "param" and b.index == 0 else None
        if holder is not None and holder.type != "arguments":
            # A named function handed to an iteration: xs.map(readOne) with function readOne(x)
            return [e for site in self._iterations_of(b.scope)[:4] for e in self._elements(site)]
        call = holder.parent if holder is not None and holder.type == "arguments" else None
        obj = self._iterated_object(call) if call is not None else None
        if obj is None:
            return []
        place = _array_position(self.data, parameters(b.scope)[:1], b.name)
        members = self._object_members(obj, place)
        if members is not None:
            return members
        rows = self._elements(obj)
        if place is None:
            return rows
        # rows.map(([name, file]) => …): the name takes one position of each element
        pairs = [strip(r) for r in rows]
        return [
            r.named_children[place]
            for r in pairs
            if r.type == "array" and place < len(r.named_children)
        ]

    def _row_paths(self, parts: list[Node], depth: int, glue: str = "/") -> str:
        """A join of several fields of one table row (``join(home, row.dir, row.file)``, or
        the names a loop destructures from it), spelled row by row: ``{.aws/credentials,…}``
        rather than each field's alternatives apart; ``""`` when the join is not one."""
        drivers: list[tuple[int, list[Node], str] | None] = []
        for part in parts:
            node, found = strip(part), None
            if node.type == "member_expression":
                obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
                if obj is not None and prop is not None and strip(obj).type == "identifier":
                    b = self.scopes.binding(strip(obj))
                    rows = self.iterated(strip(obj)) if b is not None else []
                    if b is not None and rows:
                        found = (id(b), rows, text(self.data, prop))
            elif node.type == "identifier":
                b = self.scopes.binding(node)
                if (
                    b is not None
                    and b.kind == "loop"
                    and b.value is not None
                    and b.member
                    and not b.member.startswith("[")
                ):
                    found = (b.value.id, self._elements(b.value), b.member)
            drivers.append(found)
        keyed = [d for d in drivers if d is not None]
        if len(keyed) < 2 or len({d[0] for d in keyed}) != 1:
            return ""
        each: list[str] = []
        for row in keyed[0][1][:12]:
            pieces = []
            for part, d in zip(parts, drivers, strict=True):
                got = self._fields([row], d[2]) if d is not None else None
                if got:
                    pieces.append(self.path(got[0], depth + 1))
                elif part.type == "string_fragment":  # the literal text of a template
                    pieces.append(text(self.data, part))
                else:
                    pieces.append(self._piece(part, depth + 1))
            if glue:
                each.append(
                    glue.join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(pieces))
                )
            else:
                each.append("".join(pieces))
        each = [e for e in dict.fromkeys(each) if e.strip("*/.~")]
        if not each:
            return ""
        return each[0] if len(each) == 1 else "{" + ",".join(each) + "}"

    def _fields(self, rows: list[Node], key: str) -> list[Node]:
        """The values ``key`` has in the object literals among ``rows``."""
        out: list[Node] = []
        for row in (strip(r) for r in rows):
            for pair in row.named_children if row.type == "object" else []:
                name = pair.child_by_field_name("key") if pair.type == "pair" else None
                value = pair.child_by_field_name("value") if name is not None else None
                if (
                    name is not None
                    and value is not None
                    and text(self.data, name).strip("\"'") == key
                ):
                    out.append(value)
        return out

    def _object_members(self, node: Node, place: int | None) -> list[Node] | None:
        """What iterating ``Object.values(o)`` / ``Object.entries(o)`` gives, with ``o`` an
        object literal of the file: its values, or with ``place`` the keys (0) or values (1) of
        the pairs (``for (const [k, fn] of Object.entries(sources))``); ``None`` otherwise."""
        node = strip(node)
        fn = node.child_by_field_name("function") if node.type == "call_expression" else None
        args = _arguments(node) if fn is not None else []
        name = text(self.data, fn) if fn is not None else ""
        if name not in ("Object.entries", "Object.values") or len(args) != 1:
            return None
        obj = strip(args[0])
        if obj.type == "identifier":
            b = self.scopes.binding(obj)
            obj = strip(b.value) if b is not None and b.kind == "var" and b.value else obj
        if obj.type != "object":
            return None
        want = 1 if name == "Object.values" and place is None else place
        if want not in (0, 1):
            return None
        out: list[Node] = []
        for pair in obj.named_children:
            if pair.type == "pair":
                got = pair.child_by_field_name("key" if want == 0 else "value")
            elif pair.type == "method_definition" and want == 1:
                got = pair
            else:
                continue
            if got is not None:
                out.append(got)
        return out[:MAX_PUSHED]

    def _iterated_object(self, call: Node) -> Node | None:
        """``xs`` in ``xs.map(…)`` (an iteration call), else ``None``."""
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            return None
        prop, obj = fn.child_by_field_name("property"), fn.child_by_field_name("object")
        if prop is None or obj is None or text(self.data, prop) not in ITERATORS:
            return None
        return obj

    def _iterations_of(self, fn: Node) -> list[Node]:
        """The collections a named function is handed to as an iteration callback."""
        name: Node | None = None
        if fn.type in ("function_declaration", "generator_function_declaration"):
            name = fn.child_by_field_name("name")
        elif fn.parent is not None and fn.parent.type == "variable_declarator":
            name = fn.parent.child_by_field_name("name")
        b = self.scopes.binding(name) if name is not None and name.type == "identifier" else None
        if b is None:
            return []
        out: list[Node] = []
        for occ in self.scopes.occurrences(b):
            holder = occ.parent
            call = holder.parent if holder is not None and holder.type == "arguments" else None
            if call is None or holder is None or holder.named_children[0] != occ:
                continue
            obj = self._iterated_object(call)
            if obj is not None:
                out.append(obj)
        return out

    def _tested_name(self, node: Node) -> str:
        """The file name an entry's name is tested to be in its loop (``e.name`` where the loop
        checks ``/^\\.env(\\.|$)/.test(e.name)`` or ``e.name === ".env"``): its fixed prefix."""
        loop = node.parent
        while loop is not None and loop.type not in ("for_in_statement", "program", *FUNCTIONS):
            loop = loop.parent
        if loop is None or loop.type != "for_in_statement":
            return ""
        said = text(self.data, node).encode()
        for needle in (b".test(" + said + b")", said + b" === ", said + b" == "):
            at = self.data.find(needle, loop.start_byte, loop.end_byte)
            if at == -1:
                continue
            if needle.startswith(b".test("):
                regex = self.root_at(at - 1)
                if regex is None or regex.type != "regex":
                    continue
                pattern = regex.child_by_field_name("pattern")
                fixed = _fixed_prefix(text(self.data, pattern)) if pattern is not None else ""
            else:
                literal = self.root_at(at + len(needle))
                fixed = (unquote(self.data, literal) or "") if literal is not None else ""
            if len(fixed) >= 2 and "/" not in fixed:
                return fixed
        return ""

    def root_at(self, offset: int) -> Node | None:
        """The regex or string literal a byte offset lies in (else the smallest node there)."""
        node = self.scopes.root.descendant_for_byte_range(offset, offset + 1)
        while (
            node is not None and node.parent is not None and node.parent.type in ("regex", "string")
        ):
            node = node.parent
        return node

    def _elements(self, node: Node, depth: int = 0) -> list[Node]:
        node = strip(node)
        if node.type == "array":
            out = [e for e in node.named_children if e.type != "spread_element"]
            for spread in (e for e in node.named_children if e.type == "spread_element"):
                if spread.named_children and depth < 3:  # [...found, extra]
                    out += self._elements(spread.named_children[0], depth + 1)
            return out
        if node.type == "member_expression" and depth < 3:  # this.extra set by a method
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is not None and prop is not None and obj.type == "this":
                return [
                    e
                    for v in self._this_values(node, text(self.data, prop))
                    for e in self._elements(v, depth + 1)
                ]
        if node.type == "identifier" and depth < 3:
            b = self.scopes.binding(node)
            if b is not None and b.kind == "var" and b.value is not None:
                # const found = []; … found.push(p): what is pushed is an element too
                called = strip(b.value).type == "call_expression"
                imported = self.module_value(node) if called else []
                out = [e for v in imported or [b.value] for e in self._elements(v, depth + 1)]
                for written in self.scopes.writes(b)[:MAX_PUSHED]:
                    if _pushed(self.data, written):
                        out.append(written)
                    elif written.type != "call_expression":
                        out += self._elements(written, depth + 1)
                return out
        if node.type == "call_expression" and depth < 3:  # paths() returning lists
            fn = node.child_by_field_name("function")
            prop = fn.child_by_field_name("property") if fn is not None else None
            if fn is not None and prop is not None and text(self.data, prop) in ELEMENT_KEEPING:
                # found.slice(0, 20), files.filter(f), a.concat(b): the receiver's elements
                obj = fn.child_by_field_name("object")
                kept = self._elements(obj, depth + 1) if obj is not None else []
                if text(self.data, prop) == "concat":
                    kept += [e for a in _arguments(node) for e in self._elements(a, depth + 1)]
                return kept
            target = self.function_of(fn) if fn is not None else None
            if target is not None and target.type.startswith("generator_function"):
                return returned(self.data, target)  # each value it yields is one element
            if target is not None:
                return [
                    e for r in returned(self.data, target) for e in self._elements(r, depth + 1)
                ]
        return []

    def _piece(self, node: Node, depth: int) -> str:
        """One argument of a path join; a spread one (``join(home, ...parts)``) spells the
        segments of its array, or of each row a loop or callback takes from a table."""
        if node.type != "spread_element" or not node.named_children:
            return self.path(node, depth)
        inner = strip(node.named_children[0])
        rows = [strip(r) for r in self.iterated(inner)[:12]] or [inner]
        each = [
            "/".join(self.path(e, depth + 1).strip("/") for e in self._elements(r)) for r in rows
        ]
        each = [e for e in dict.fromkeys(each) if e.strip("*/.")]
        if not each:
            return "*"
        return each[0] if len(each) == 1 else "{" + ",".join(each) + "}"

    def _path_call(self, node: Node, depth: int) -> str:
        fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if fn is None or args is None:
            return "*"
        name = self.canonical(fn) or text(self.data, fn)
        last = name.rsplit(".", 1)[-1]
        parts = args.named_children
        if last == "homedir":
            return "~"
        if last == "tmpdir":
            return "/tmp"
        if last == "cwd":
            return "."
        if last in PATH_JOINS and (name.startswith("path") or len(parts) >= 2):
            per_row = self._row_paths(parts, depth)
            if per_row:
                return per_row
            pieces = [self._piece(p, depth + 1) for p in parts]
            return "/".join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(pieces))
        if last in ("fileURLToPath", "String") and parts:
            return self.path(parts[0], depth + 1)
        folded = self.constant(node)
        if isinstance(folded, str):
            return folded
        target = self.function_of(fn)
        targets = [target] if target is not None else self._function_values(fn)
        if not targets or depth > 4:
            return "*"
        # A local helper that returns the path (an override from the environment, else the
        # default under the home directory): the paths its returns spell; a function taken
        # from an object of them (Object.entries(sources).map(([k, fn]) => read(fn()))): each.
        each = [self.path(r, depth + 1) for t in targets for r in returned(self.data, t)[:8]]
        each = [e for e in dict.fromkeys(each) if e.strip("*/.~")]
        if not each:
            return "*"
        return each[0] if len(each) == 1 else "{" + ",".join(each) + "}"

    # --- constants -------------------------------------------------------------------------

    def constant(
        self, node: Node, env: dict[tuple[int, int], Node | int] | None = None, depth: int = 0
    ) -> Const:
        """The value of an expression built from literals with the standard decoders
        (``TextDecoder().decode(Uint8Array.from([…]))``, ``String.fromCharCode``,
        ``Buffer.from(s, "base64"|"hex").toString()``, ``atob``), through constants and local
        helpers; ``None`` when it is not a constant."""
        node = strip(node)
        literal = unquote(self.data, node)
        if literal is not None:
            return literal
        if depth > 12:
            return None
        env = env or {}
        kind = node.type
        if kind == "number":
            try:
                return [int(text(self.data, node), 0)]
            except ValueError:
                return None
        if kind == "array":
            out: list[int] = []
            for e in node.named_children:
                got = self.constant(e, env, depth + 1)
                if not isinstance(got, list):
                    return self._string_list(node, env, depth)
                out += got
            return out
        if kind == "subscript_expression":  # P[0], "abc"[1], parts[i] of a folded list
            obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            seq = self.constant(obj, env, depth + 1) if obj is not None else None
            at = self.constant(index, env, depth + 1) if index is not None else None
            if not isinstance(at, list) or len(at) != 1 or seq is None:
                return None
            if not -len(seq) <= at[0] < len(seq):
                return None
            item = seq[at[0]]
            return [item] if isinstance(item, int) else item
        if kind == "binary_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            first = self.constant(left, env, depth + 1) if left is not None else None
            second = self.constant(right, env, depth + 1) if right is not None else None
            if isinstance(first, str) and isinstance(second, str):
                return first + second
            op = node.child_by_field_name("operator")
            if (
                op is not None
                and isinstance(first, list)
                and isinstance(second, list)
                and len(first) == len(second) == 1
            ):
                return _arithmetic(text(self.data, op), first[0], second[0])
            return None
        if kind == "identifier":
            b = self.scopes.binding(node)
            if b is None:
                return None
            if b.kind == "param":
                arg = env.get((b.scope.start_byte, b.index))
                if isinstance(arg, int):  # an element of a list being mapped
                    return [arg]
                return self.constant(arg, {}, depth + 1) if arg is not None else None
            if b.kind == "var" and b.value is not None:
                return self.constant(b.value, env, depth + 1)
            return None
        if kind == "call_expression":
            return self._constant_call(node, env, depth)
        if kind == "member_expression":
            return self._constant_member(node, env, depth)
        return None

    def _constant_member(
        self, node: Node, env: dict[tuple[int, int], Node | int], depth: int
    ) -> Const:
        """A field of a constant object (``CFG.url`` for ``const CFG = {url: "…"}``) or of the
        class around (``this.url`` when every assignment to it is the same constant)."""
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is None or prop is None or prop.type != "property_identifier":
            return None
        name = text(self.data, prop)
        obj = strip(obj)
        if obj.type == "this":
            got = {self.constant(v, {}, depth + 1) for v in self._this_values(node, name)[:8]}
            kept = [g for g in got if isinstance(g, str)]
            return kept[0] if len(got) == 1 and kept else None
        if obj.type != "identifier":
            return None
        b = self.scopes.binding(obj)
        if b is None or b.kind != "var" or b.value is None or b.member:
            return None
        value = strip(b.value)
        if value.type != "object" or self.scopes.writes(b):
            return None
        for pair in value.named_children:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            if key is not None and text(self.data, key).strip("\"'") == name:
                field = pair.child_by_field_name("value")
                return self.constant(field, env, depth + 1) if field is not None else None
        return None

    def _string_list(self, node: Node, env: dict[tuple[int, int], Node | int], depth: int) -> Const:
        """An array literal of strings, spreads of strings counted char by char (``[...s]``)."""
        out: list[str] = []
        for e in node.named_children[:4096]:
            spread = e.type == "spread_element"
            got = self.constant(e.named_children[0] if spread else e, env, depth + 1)
            if not isinstance(got, str):
                return None
            out += list(got) if spread else [got]
        return tuple(out)

    def _constant_call(
        self, node: Node, env: dict[tuple[int, int], Node | int], depth: int
    ) -> Const:
        fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if fn is None or args is None:
            return None
        parts = [a for a in args.named_children]
        target = self.function_of(fn)
        if target is not None:
            bound: dict[tuple[int, int], Node | int] = {
                (target.start_byte, i): a for i, a in enumerate(parts)
            }
            rets = returned(self.data, target)
            return self.constant(rets[0], bound, depth + 1) if len(rets) == 1 else None
        name = self.callee_name(node)
        if name == "map" and fn.type == "member_expression" and len(parts) == 1:
            # codes.map((c) => (c >> 1) - 9): the callback folded for each number
            codes = self.constant(fn.child_by_field_name("object") or fn, env, depth + 1)
            cb = self.function_of(parts[0])
            rets = returned(self.data, cb) if cb is not None else []
            if not isinstance(codes, list) or cb is None or len(rets) != 1 or len(codes) > 4096:
                return None
            mapped: list[int] = []
            for c in codes:
                got = self.constant(rets[0], {**env, (cb.start_byte, 0): c}, depth + 1)
                if not isinstance(got, list) or len(got) != 1:
                    return None
                mapped += got
            return mapped
        values = [self.constant(a, env, depth + 1) for a in parts]
        if name == "join" and fn.type == "member_expression":  # ["res", "olve"].join("")
            obj = strip(fn.child_by_field_name("object") or fn)
            sep = values[0] if values else ","
            if not isinstance(sep, str):
                return None
            if obj.type != "array":  # s.split("").reverse().join(""), [...s].reverse()…
                held = self.constant(obj, env, depth + 1)
                return sep.join(held) if isinstance(held, tuple) else None
            if obj.named_child_count > 64:
                return None
            pieces = [self.constant(e, env, depth + 1) for e in obj.named_children]
            texts = [p for p in pieces if isinstance(p, str)]
            return sep.join(texts) if texts and len(texts) == len(pieces) else None
        if fn.type == "member_expression" and name in _SEQUENCE_OPS:
            held = self.constant(fn.child_by_field_name("object") or fn, env, depth + 1)
            return _sequence_op(name, held, values)
        if name == "from" and len(parts) == 1 and isinstance(values[0], str):
            # Array.from(s): its characters; Buffer.from(s) is not folded to a list
            return tuple(values[0]) if self.canonical(fn) == "Array.from" else None
        if name == "fromCharCode":
            spread = (
                parts[0].named_children[0] if parts and parts[0].type == "spread_element" else None
            )
            codes = self.constant(spread, env, depth + 1) if spread is not None else None
            codes = (
                codes
                if isinstance(codes, list)
                else [v[0] for v in values if isinstance(v, list) and len(v) == 1]
            )
            return "".join(chr(c) for c in codes if 0 <= c < 0x110000) if codes else None
        if name in ("from", "Uint8Array") and values and isinstance(values[0], list):
            return values[0]  # Uint8Array.from([…]), Buffer.from([…]), new Uint8Array([…])
        if name == "decode" and values and isinstance(values[0], list):
            return bytes(c & 0xFF for c in values[0]).decode("utf-8", "replace")
        if name == "atob" and values and isinstance(values[0], str):
            return _decoded(values[0], "base64")
        if name == "toString" and fn.type == "member_expression":
            inner = strip(fn.child_by_field_name("object") or fn)
            if inner.type == "call_expression" and self.callee_name(inner) == "from":
                inner_args = _arguments(inner)
                src = self.constant(inner_args[0], env, depth + 1) if inner_args else None
                enc = (
                    self.constant(inner_args[1], env, depth + 1) if len(inner_args) > 1 else "utf8"
                )
                if isinstance(src, list):
                    return bytes(c & 0xFF for c in src).decode("utf-8", "replace")
                if isinstance(src, str) and isinstance(enc, str):
                    return _decoded(src, enc)
        return None

    def string(self, node: Node, depth: int = 0) -> str | None:
        """A string constant (a literal or a constant it names), else ``None``."""
        node = strip(node)
        literal = unquote(self.data, node)
        if literal is not None or depth > 4 or node.type != "identifier":
            return literal
        b = self.scopes.binding(node)
        if b is not None and b.kind == "var" and b.value is not None:
            return self.string(b.value, depth + 1)
        return None

    def command(self, call: Node) -> str:
        """The command line of a ``spawn``/``exec*`` call: ``git credential fill``."""
        args = call.child_by_field_name("arguments")
        if args is None or not args.named_children:
            return "*"
        first, *rest = args.named_children
        head = self.string(first)
        if head is None and strip(first).type in ("template_string", "binary_expression"):
            spelled = self.path(first)  # `tar -xzf ${file} -C ${dir}` → tar -xzf * -C *
            head = spelled if spelled.strip("* ") else None
        words = [head or "*"]
        if rest and strip(rest[0]).type == "array":
            words += [self._word(e) for e in strip(rest[0]).named_children]
        return _SPACES.sub(" ", " ".join(words)).strip()

    def _word(self, node: Node) -> str:
        """One argument of a command: a constant, or a template or join spelled with ``*``
        for what is not known (``curl -s --data-binary @- *`` for `` `curl … ${url}` ``)."""
        known = self.string(node)
        if known is not None:
            return known
        if strip(node).type in ("template_string", "binary_expression"):
            spelled = self.path(node)
            if spelled.strip("* "):
                return spelled
        return "*"


_HEADER_READ = re.compile(rb"(?:\.get\(|\[)\s*([\"'`])([A-Za-z][\w-]{0,63})\1")
"""A header read by name: ``h.get("x-cfg")``, ``h["x-cfg"]``."""

_SPACES = re.compile(r"\s+")


_SEQUENCE_OPS = frozenset({"split", "reverse", "toReversed", "slice", "concat"})
"""Methods folded on a constant string or list: what string-reversal hiding is made of."""


def _sequence_op(name: str, held: Const, values: list[Const]) -> Const:
    """``s.split(sep)``, ``xs.reverse()``, ``xs.slice(a, b)``, ``s.concat(t)`` on constants."""
    if held is None:
        return None
    if name == "split":
        sep = values[0] if values else None
        if not isinstance(held, str) or not isinstance(sep, str) or len(values) != 1:
            return None
        return tuple(held) if sep == "" else tuple(held.split(sep))
    if name in ("reverse", "toReversed") and not values and not isinstance(held, str):
        return held[::-1]
    if name == "slice" and all(isinstance(v, list) and len(v) == 1 for v in values[:2]):
        bounds = [v[0] for v in values[:2] if isinstance(v, list)]
        return held[slice(*bounds)] if len(bounds) == len(values) else None
    if name == "concat" and isinstance(held, str) and all(isinstance(v, str) for v in values):
        return held + "".join(v for v in values if isinstance(v, str))
    return None


def _arithmetic(op: str, a: int, b: int) -> list[int] | None:
    """One integer operation of a char-code transform (``(c >> 1) - 9``, ``c ^ 42``)."""
    try:
        if op == "+":
            return [a + b]
        if op == "-":
            return [a - b]
        if op == "*":
            return [a * b] if abs(a * b) < 1 << 32 else None
        if op == "^":
            return [a ^ b]
        if op == "&":
            return [a & b]
        if op == "|":
            return [a | b]
        if op == ">>":
            return [a >> (b & 31)]
        if op == ">>>":
            return [(a & 0xFFFFFFFF) >> (b & 31)]
        if op == "<<":
            return [(a << (b & 31)) & 0xFFFFFFFF]
        if op == "%" and b:
            return [int(math.fmod(a, b))]  # JavaScript keeps the dividend's sign
    except (ValueError, OverflowError):
        return None
    return None


def _decoded(value: str, encoding: str) -> str | None:
    """``Buffer.from(value, encoding).toString()`` for the encodings that hide strings."""
    try:
        if encoding in ("base64", "base64url"):
            padded = value + "=" * (-len(value) % 4)
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        elif encoding == "hex":
            raw = bytes.fromhex(value)
        elif encoding in ("utf8", "utf-8", "latin1", "ascii"):
            return value
        else:
            return None
    except (ValueError, binascii.Error):
        return None
    return raw.decode("utf-8", "replace")


def _pushed(data: bytes, written: Node) -> bool:
    """Whether ``written`` is an argument of ``xs.push(…)``/``unshift``/``add`` (one element
    put into the array or set), not a whole new value assigned to the name."""
    args = written.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    fn = call.child_by_field_name("function") if call is not None else None
    prop = fn.child_by_field_name("property") if fn is not None else None
    return prop is not None and text(data, prop) in ("push", "unshift", "add")


def module_table(fn: Node) -> Node | None:
    """The object a bundle keeps its modules in, when ``fn`` is one of them: a function with
    two or three parameters that is the value of a numeric (or path) key of an object."""
    pair = fn.parent
    while pair is not None and pair.type == "parenthesized_expression":
        pair = pair.parent
    if pair is None or pair.type != "pair" or not 2 <= len(parameters(fn)) <= 3:
        return None
    key = pair.child_by_field_name("key")
    if key is None or key.type not in ("number", "string"):
        return None
    return pair.parent if pair.parent is not None and pair.parent.type == "object" else None


_LISTENS = frozenset({"on", "once", "addListener", "prependListener", "prependOnceListener"})
"""Methods that install a listener for an event name (Node's ``EventEmitter``)."""


def _spread_free(args: list[Node]) -> bool:
    return all(a.type != "spread_element" for a in args)


def _array_position(data: bytes, params: list[Node], name: str) -> int | None:
    """Where ``name`` stands in the array pattern of the first parameter (``1`` for ``p`` in
    ``([k, p]) => …``); ``None`` when it is not bound by one."""
    for param in params:
        pattern = (
            param.child_by_field_name("pattern") if param.type == "required_parameter" else param
        )
        if pattern is None or pattern.type != "array_pattern":
            return None
        for i, part in enumerate(pattern.named_children):
            if part.type == "assignment_pattern":
                part = part.child_by_field_name("left") or part
            if part.type == "identifier" and text(data, part) == name:
                return i
    return None


def _arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return list(args.named_children) if args is not None else []


def _whole_env(fact: Fact) -> bool:
    return fact.kind == "env_read" and (fact.value == "*" or fact.value.startswith("/"))


def returned(data: bytes, fn: Node) -> list[Node]:
    """What a function returns: an arrow's expression body, or its ``return`` arguments."""
    body = function_body(fn)
    if body is None:
        return []
    if body.type != "statement_block":
        return [body]
    out: list[Node] = []
    stack = list(body.named_children)
    while stack and len(out) < 50:
        node = stack.pop()
        if node.type in FUNCTIONS or node.type == "class_declaration":
            continue
        if node.type == "return_statement":
            out.extend(node.named_children)
            continue
        if node.type == "expression_statement" and node.named_children:
            made = node.named_children[0]  # a generator's `yield x` is what it produces
            if made.type == "yield_expression":
                out.extend(made.named_children)
            continue
        if node.type.endswith("statement") or node.type in (
            "statement_block",
            "else_clause",
            "catch_clause",
            "finally_clause",
            "switch_body",
            "switch_case",
            "switch_default",
        ):
            stack.extend(node.named_children)
    return out


def _handler_receiver(fn: Node) -> Node | None:
    """The object a function is installed on as an event handler (``ws`` for
    ``ws.onmessage = fn``), else ``None``."""
    parent = fn.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None or parent.type != "assignment_expression":
        return None
    left = parent.child_by_field_name("left")
    if left is None or left.type != "member_expression":
        return None
    prop = left.child_by_field_name("property")
    name = prop.text.decode("utf-8", "replace") if prop is not None and prop.text else ""
    if not name.startswith("on") or len(name) < 5:
        return None
    return left.child_by_field_name("object")


def _fixed_prefix(pattern: str) -> str:
    """The literal text an anchored pattern starts with: ``.env`` for ``^\\.env(\\.|$)``."""
    if not pattern.startswith("^"):
        return ""
    out = []
    i = 1
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            out.append(pattern[i + 1])
            i += 2
            continue
        if ch.isalnum() or ch in "-_":
            out.append(ch)
            i += 1
            continue
        break
    return "".join(out)


def _walked(keys: Node) -> bool:
    """Whether a list of keys is walked by code that may read the values through them:
    ``for (const k of Object.keys(env)) out[k] = env[k]``, ``Object.keys(env).forEach(…)``."""
    cur = keys
    for _hop in range(6):  # through .filter(…), .sort() to the call that walks them
        parent = cur.parent
        if parent is not None and parent.type == "for_in_statement":
            return True
        if parent is None or parent.type != "member_expression":
            return False
        prop = parent.child_by_field_name("property")
        name = prop.text if prop is not None else b""
        if name in (b"forEach", b"map", b"reduce", b"flatMap"):
            return True
        call = parent.parent
        if name not in (b"filter", b"sort", b"slice", b"reverse", b"concat") or call is None:
            return False
        cur = call
    return False


def _parameter_property(data: bytes, inside: Node, name: str) -> list[Node]:
    """The default of a TypeScript parameter property ``constructor(private exe =
    process.execPath)``: the field ``this.exe`` holds it unless a caller passes another; the
    initializer of a class field (``root = resolve(__dirname, "..")``)."""
    cls = inside.parent
    while cls is not None and cls.type not in ("class_body", "program"):
        cls = cls.parent
    if cls is None or cls.type != "class_body":
        return []
    for method in cls.named_children:
        if method.type == "method_definition" and any(c.type == "get" for c in method.children):
            # a getter: `get info() { return {…} }` is what `this.info` reads
            key = method.child_by_field_name("name")
            if key is not None and text(data, key) == name:
                return returned(data, method)
            continue
        if method.type in ("public_field_definition", "field_definition"):
            # a class field's initializer: `root = resolve(__dirname, "..")`
            key = method.child_by_field_name("name") or method.child_by_field_name("property")
            value = method.child_by_field_name("value")
            if key is not None and value is not None and text(data, key) == name:
                return [value]
            continue
        key = method.child_by_field_name("name")
        params = method.child_by_field_name("parameters")
        if key is None or params is None or text(data, key) != "constructor":
            continue
        for param in params.named_children:
            pattern = param.child_by_field_name("pattern")
            value = param.child_by_field_name("value")
            if (
                pattern is not None
                and text(data, pattern) == name
                and any(c.type in ("accessibility_modifier", "readonly") for c in param.children)
            ):
                # without a default: the parameter, which receives what `new C(…)` hands it
                return [value if value is not None else pattern]
    return []


_TRANSFORMS = frozenset({"pbkdf2", "scrypt", "hkdf"})
"""``crypto`` functions whose node-style callback receives their input, transformed."""


def _transforms(name: str) -> bool:
    """Whether ``name`` is a node-style call whose callback's result parameter carries its
    first argument transformed: every callback function of ``zlib`` (``gzip``, ``deflate``,
    ``brotliCompress``, ``inflate``, …) and ``crypto``'s key derivations."""
    module, _, member = name.removeprefix("node:").partition(".")
    if module == "zlib":
        return bool(member) and not member.endswith("Sync") and not member.startswith("create")
    return module == "crypto" and member in _TRANSFORMS


def _arg(call: Node, index: int) -> list[Node]:
    """The argument at ``index`` of a call, if it has one."""
    args = call.child_by_field_name("arguments")
    named = args.named_children if args is not None else []
    return [named[index]] if 0 <= index < len(named) else []
