"""A bundle's own module machinery: which value a ``require_x()`` hands to the module using it.

Bundlers put every source module of a program into one file and connect them through small
runtime helpers instead of ``import``:

- esbuild: ``var require_x = __commonJS({ "a/x.js"(exports, module) { … } })`` (minified:
  ``var l = i((g, c) => { … })``, the helper being ``(t, e) => () => (e || t((e = {exports:
  {}}).exports, e), e.exports)``), used as ``require_x()`` or ``__toESM(require_x())``;
- webpack: a table ``{ 123: (module, exports, __webpack_require__) => { … } }`` used as
  ``__webpack_require__(123)``.

Inside a module, what it hands out is ``module.exports = v``, ``module.exports = { a, b: c }``,
``module.exports.a = v`` / ``exports.a = v``, ``__export(exports, { a: () => local })`` /
``__webpack_require__.d(exports, { a: () => local })`` and ``Object.defineProperty(exports, "a",
{ get: () => local })``.

:class:`JsModules` answers two questions for the data-flow engines:

- :meth:`JsModules.definition`: what an expression of an importing module stands for
  (``currentZone`` bound by ``var { currentZone } = require_probe()``, ``policy.current``
  with ``policy = require_policy()``, ``f`` with ``f = l()``): the node the exporting module
  binds (a function, or the value a variable was initialised with);
- :meth:`JsModules.uses`: the reverse, the expressions of importing modules that stand for one
  such node (to follow a returned value to the callers of an exported function).

Everything is syntactic and bounded: a file above :data:`MAX_MODULE_BYTES` has no modules here
(an 18 MB bundle's thousands of modules would make every lookup a search of the whole file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from agentxray.analyze.facts.jsscope import FUNCTIONS, JsScopes, parameters, strip, text

MAX_MODULE_BYTES = 1 << 20
"""Largest file whose module machinery is resolved."""
MAX_MODULES = 400
"""Module wrappers looked at per file."""
_WRAPPER_HELPER = re.compile(rb"exports\s*:\s*\{\s*\}")
"""The esbuild ``__commonJS`` helper builds ``{ exports: {} }`` for each module."""
_ESM_WRAPPERS = frozenset({"__toESM", "__toCommonJS", "__importDefault", "__importStar"})


@dataclass(eq=False)
class Module:
    """One bundled module."""

    body: Node
    """The function holding the module's code."""
    key: str
    """How it is required: the name of its ``require_x`` function, or the webpack id."""
    exports_name: str = ""
    module_name: str = ""
    exported: dict[str, Node] = field(default_factory=dict)
    """Export name (``""``: the whole ``module.exports``) → the expression handed out."""


class JsModules:
    """The module wrappers of one file, found once on first use."""

    def __init__(self, data: bytes, root: Node, scopes: JsScopes | None = None) -> None:
        self.data = data
        self.root = root
        self.scopes = scopes or JsScopes(data, root)
        self._modules: dict[str, Module] | None = None
        self._webpack: set[str] = set()

    # ---- public API -------------------------------------------------------------------

    def modules(self) -> dict[str, Module]:
        """The file's modules by key (empty for a file without bundler machinery)."""
        if self._modules is None:
            self._modules = {}
            if len(self.data) <= MAX_MODULE_BYTES:
                self._find()
        return self._modules

    def required(self, node: Node) -> Module | None:
        """The module ``node`` evaluates to the exports of: ``require_x()``,
        ``__toESM(require_x())``, ``__webpack_require__(123)``."""
        mods = self.modules()
        if not mods:
            return None
        node = strip(node)
        if node.type != "call_expression":
            return None
        fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if fn is None or args is None:
            return None
        named = args.named_children
        name = text(self.data, fn)
        if name in _ESM_WRAPPERS and named:
            return self.required(named[0])
        if fn.type == "identifier" and not named and name in mods:
            return mods[name]
        if fn.type == "identifier" and len(named) == 1 and name in self._webpack:
            key = text(self.data, named[0]).strip("\"'")
            return mods.get("#" + key)
        return None

    def definition(self, expr: Node) -> Node | None:
        """What an importer's identifier or ``m.name`` stands for in the exporting module:
        a function node, or the value a variable was initialised with (``None``: not an
        import of this file's modules)."""
        expr = strip(expr)
        for _ in range(4):  # an export may itself be an import of a third module
            got = self._definition(expr)
            if got is None:
                return None
            if strip(got) == expr:
                return got
            expr = strip(got)
            if expr.type not in ("identifier", "member_expression", "call_expression"):
                return expr
            if self._definition(expr) is None:
                return expr
        return expr

    def uses(self, defn: Node) -> list[Node]:
        """Expressions of importing modules that stand for ``defn`` (a function or a value
        :meth:`definition` answers with): identifiers bound from the export, ``m.name``
        member expressions, and calls ``require_x().name``."""
        out: list[Node] = []
        for mod in self.modules().values():
            for name, value in mod.exported.items():
                if self._resolve_local(mod, value) != defn:
                    continue
                out.extend(self._import_uses(mod, name))
        return out

    # ---- finding modules --------------------------------------------------------------

    def _find(self) -> None:
        helpers = self._helpers()
        assert self._modules is not None
        for name in helpers:
            for m in re.finditer(rb"\b" + re.escape(name.encode()) + rb"\s*\(", self.data):
                if len(self._modules) >= MAX_MODULES:
                    return
                node = self.root.descendant_for_byte_range(m.start(), m.start() + len(name))
                call = node.parent if node is not None else None
                if call is None or call.type != "call_expression":
                    continue
                holder = call.parent
                if holder is None or holder.type != "variable_declarator":
                    continue
                ident = holder.child_by_field_name("name")
                args = call.child_by_field_name("arguments")
                if ident is None or ident.type != "identifier" or args is None:
                    continue
                body = _wrapper_body(args)
                if body is not None:
                    self._add(Module(body, text(self.data, ident)))
        self._find_webpack()

    def _helpers(self) -> list[str]:
        """Names of functions building ``{ exports: {} }`` and returning ``.exports``."""
        out: list[str] = []
        for m in _WRAPPER_HELPER.finditer(self.data):
            node = self.root.descendant_for_byte_range(m.start(), m.start() + 7)
            cur = node
            while cur is not None and cur.type != "variable_declarator":
                cur = cur.parent
            if cur is None:
                continue
            ident, value = cur.child_by_field_name("name"), cur.child_by_field_name("value")
            if ident is None or value is None or ident.type != "identifier":
                continue
            if strip(value).type not in FUNCTIONS or value.end_byte - value.start_byte > 400:
                continue
            if b".exports" not in self.data[value.start_byte : value.end_byte]:
                continue
            out.append(text(self.data, ident))
        return out

    def _find_webpack(self) -> None:
        """``{ 12: (module, exports, __webpack_require__) => { … } }`` tables: a function
        with three parameters as the value of a numeric key, whose third parameter is
        called with a number somewhere in the file."""
        assert self._modules is not None
        for m in re.finditer(
            rb"(?:^|[{,\s])(\d+|\"[\w./-]+\")\s*:\s*(?:function\s*)?\(", self.data
        ):
            if len(self._modules) >= MAX_MODULES:
                return
            key_node = self.root.descendant_for_byte_range(m.start(1), m.end(1))
            pair = key_node.parent if key_node is not None else None
            if key_node is None or pair is None or pair.type != "pair":
                continue
            value = pair.child_by_field_name("value")
            if value is None or strip(value).type not in FUNCTIONS:
                continue
            fn = strip(value)
            params = parameters(fn)
            if not 1 <= len(params) <= 3:
                continue
            names = [text(self.data, p) for p in params]
            mod = Module(fn, "#" + text(self.data, key_node).strip("\"'"))
            mod.module_name = names[0]
            mod.exports_name = names[1] if len(names) > 1 else ""
            if len(names) == 3:
                self._webpack.add(names[2])
            self._collect(mod)
            self._modules[mod.key] = mod
        if not self._webpack:
            for key in [k for k in self._modules if k.startswith("#")]:
                del self._modules[key]
        else:
            # the loader calls the table with its own name: `function __webpack_require__(id)`
            for m in re.finditer(rb"function\s+([\w$]+)\s*\(\s*[\w$]+\s*\)", self.data):
                self._webpack.add(m.group(1).decode("latin-1"))

    def _add(self, mod: Module) -> None:
        params = parameters(mod.body)
        if params:
            mod.exports_name = text(self.data, params[0])
        if len(params) > 1:
            mod.module_name = text(self.data, params[1])
        self._collect(mod)
        assert self._modules is not None
        self._modules[mod.key] = mod

    # ---- exports ----------------------------------------------------------------------

    def _collect(self, mod: Module) -> None:
        body = mod.body.child_by_field_name("body")
        if body is None:
            return
        stack = list(body.named_children)
        walked = 0
        while stack and walked < 5000:
            node = stack.pop()
            walked += 1
            if node.type in ("expression_statement", "sequence_expression"):
                stack.extend(node.named_children)
            elif node.type == "assignment_expression":
                self._assigned(mod, node)
                right = node.child_by_field_name("right")
                if right is not None and right.type == "assignment_expression":
                    stack.append(right)  # exports.a = exports.b = void 0
            elif node.type == "call_expression":
                self._export_call(mod, node)

    def _assigned(self, mod: Module, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        target = text(self.data, left).replace(" ", "")
        names = {mod.exports_name, f"{mod.module_name}.exports"} - {"", ".exports"}
        if target == f"{mod.module_name}.exports" and mod.module_name:
            mod.exported[""] = right
            value = strip(right)
            if value.type == "object":
                for item in value.named_children:
                    self._property(mod, item)
            return
        if left.type != "member_expression":
            return
        target_obj = left.child_by_field_name("object")
        prop = left.child_by_field_name("property")
        if target_obj is None or prop is None:
            return
        if (
            text(self.data, target_obj).replace(" ", "") in names
            and text(self.data, right) != "void 0"
        ):
            mod.exported[text(self.data, prop)] = right

    def _property(self, mod: Module, prop: Node) -> None:
        if prop.type == "shorthand_property_identifier":
            mod.exported[text(self.data, prop)] = prop
        elif prop.type == "pair":
            key, value = prop.child_by_field_name("key"), prop.child_by_field_name("value")
            if key is not None and value is not None:
                mod.exported[text(self.data, key).strip("\"'")] = value
        elif prop.type == "method_definition":
            key = prop.child_by_field_name("name")
            if key is not None:
                mod.exported[text(self.data, key)] = prop

    def _export_call(self, mod: Module, call: Node) -> None:
        """``__export(exports, { a: () => local })``, ``__webpack_require__.d(exports, {…})``,
        ``Object.defineProperty(exports, "a", { get: () => local })``."""
        args = call.child_by_field_name("arguments")
        if args is None or len(args.named_children) < 2:
            return
        first, second = args.named_children[0], args.named_children[1]
        if text(self.data, first) != mod.exports_name or not mod.exports_name:
            return
        if second.type == "object":
            for prop in second.named_children:
                if prop.type != "pair":
                    continue
                key, value = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                got = _getter_result(value) if value is not None else None
                if key is not None and got is not None:
                    mod.exported[text(self.data, key).strip("\"'")] = got
        elif second.type == "string" and len(args.named_children) > 2:
            desc = args.named_children[2]
            if desc.type != "object":
                return
            for prop in desc.named_children:
                if prop.type == "pair":
                    key = prop.child_by_field_name("key")
                    value = prop.child_by_field_name("value")
                    if key is None or value is None:
                        continue
                    name = text(self.data, key)
                    got = _getter_result(value) if name == "get" else value
                    if name in ("get", "value") and got is not None:
                        mod.exported[text(self.data, second)[1:-1]] = got
                elif prop.type == "method_definition":  # get() { return local }
                    got = _getter_result(prop)
                    if got is not None:
                        mod.exported[text(self.data, second)[1:-1]] = got

    # ---- resolution ---------------------------------------------------------------------

    def _resolve_local(self, mod: Module, value: Node) -> Node:
        """An exported expression, through a name of the module to what the name holds."""
        value = strip(value)
        if value.type not in ("identifier", "shorthand_property_identifier"):
            return value
        b = self.scopes.binding(value)
        if b is None or not (mod.body.start_byte <= b.scope.start_byte < mod.body.end_byte):
            return value
        if b.kind == "function" and b.value is not None:
            return b.value
        if b.kind == "var" and b.value is not None and not b.member:
            return b.value
        if b.kind == "import" and b.value is not None:
            return b.value
        if b.kind == "var" and b.value is not None:
            return value
        return value

    def _definition(self, expr: Node) -> Node | None:
        if expr.type == "identifier":
            b = self.scopes.binding(expr)
            if b is None or b.kind != "var" or b.value is None:
                return None
            mod = self.required(b.value)
            if mod is None:
                return None
            return self._export(mod, b.member)
        if expr.type == "member_expression":
            obj, prop = expr.child_by_field_name("object"), expr.child_by_field_name("property")
            if obj is None or prop is None:
                return None
            obj = strip(obj)
            mod = self.required(obj)
            if mod is None and obj.type == "identifier":
                b = self.scopes.binding(obj)
                if b is not None and b.kind == "var" and b.value is not None and not b.member:
                    mod = self.required(b.value)
            if mod is None:
                return None
            return self._export(mod, text(self.data, prop))
        return None

    def _export(self, mod: Module, name: str) -> Node | None:
        got = mod.exported.get(name)
        if got is None and name == "default":
            got = mod.exported.get("")
        if got is None and name and "." not in name:
            whole = mod.exported.get("")
            if whole is not None and strip(whole).type == "object":
                return None
        if got is None:
            return None
        return self._resolve_local(mod, got)

    def _import_uses(self, mod: Module, name: str) -> list[Node]:
        out: list[Node] = []
        pattern = (
            rb"\b" + re.escape(mod.key.encode()) + rb"\s*\(\s*\)"
            if not mod.key.startswith("#")
            else rb"\(\s*[\"']?" + re.escape(mod.key[1:].encode()) + rb"[\"']?\s*\)"
        )
        for m in re.finditer(pattern, self.data):
            node = self.root.descendant_for_byte_range(m.start(), m.end())
            while node is not None and node.type != "call_expression":
                node = node.parent
            if node is None or self.required(node) is not mod:
                continue
            site = node
            while (
                site.parent is not None
                and site.parent.type
                in (
                    "call_expression",
                    "parenthesized_expression",
                )
                and text(self.data, site.parent.child_by_field_name("function") or site)
                in (_ESM_WRAPPERS)
            ):
                site = site.parent
            parent = site.parent
            if parent is None:
                continue
            if parent.type == "member_expression" and parent.child_by_field_name("object") == site:
                prop = parent.child_by_field_name("property")
                if prop is not None and text(self.data, prop) == name:
                    out.append(parent)
                continue
            if parent.type != "variable_declarator":
                continue
            ident = parent.child_by_field_name("name")
            if ident is None:
                continue
            out.extend(self._bound_uses(ident, name))
        return out

    def _bound_uses(self, pattern: Node, name: str) -> list[Node]:
        """Uses of the names ``pattern`` binds that stand for export ``name``."""
        out: list[Node] = []
        for b in self.scopes.table(_scope(pattern)).values():
            for binding in b:
                if binding.kind != "var" or binding.value is None:
                    continue
                if not (pattern.start_byte <= binding.value.start_byte) or (
                    binding.value.parent is None or binding.value.parent != pattern.parent
                ):
                    continue
                found = [
                    o
                    for o in self.scopes.occurrences(binding)
                    if not (pattern.start_byte <= o.start_byte < pattern.end_byte)
                ]
                if binding.member == name:
                    out.extend(found)
                elif not binding.member and name:
                    for occ in found:
                        parent = occ.parent
                        if parent is None or parent.type != "member_expression":
                            continue
                        prop = parent.child_by_field_name("property")
                        if prop is not None and text(self.data, prop) == name:
                            out.append(parent)
        return out


def _scope(node: Node) -> Node:
    cur = node.parent
    while cur is not None and cur.type not in FUNCTIONS and cur.type != "program":
        cur = cur.parent
    return cur if cur is not None else node


def _wrapper_body(args: Node) -> Node | None:
    """The module function of ``__commonJS({ "p"(exports, module) {…} })`` or of
    ``i((exports, module) => {…})``."""
    if not args.named_children:
        return None
    first = strip(args.named_children[0])
    if first.type in FUNCTIONS:
        return first
    if first.type == "object" and len(first.named_children) == 1:
        only = first.named_children[0]
        if only.type == "method_definition":
            return only
        if only.type == "pair":
            value = only.child_by_field_name("value")
            if value is not None and strip(value).type in FUNCTIONS:
                return strip(value)
    return None


def _getter_result(value: Node) -> Node | None:
    """What ``() => local`` or ``function () { return local; }`` returns."""
    value = strip(value)
    if value.type not in FUNCTIONS and value.type != "method_definition":
        return None
    body = value.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return strip(body)
    stmts = [s for s in body.named_children if s.type != "comment"]
    if len(stmts) == 1 and stmts[0].type == "return_statement" and stmts[0].named_children:
        return strip(stmts[0].named_children[0])
    return None
