"""Lexical scopes of one JavaScript tree: which declaration each identifier refers to."""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.syntax import FUNCTIONS, captures

logger = logging.getLogger(__name__)

_BLOCKS = frozenset(
    {"program", "statement_block", "for_statement", "for_in_statement", "switch_body", "class_body"}
)
_SCOPE_QUERY = "\n".join(
    f"({kind}) @scope" for kind in sorted(FUNCTIONS | _BLOCKS | {"catch_clause"})
)
_DECL_QUERY = """
(function_declaration name: (identifier) @block)
(generator_function_declaration name: (identifier) @block)
(class_declaration name: (identifier) @block)
(function_expression name: (identifier) @function)
(variable_declaration (variable_declarator name: (_) @var))
(lexical_declaration (variable_declarator name: (_) @block))
(formal_parameters) @params
(arrow_function parameter: (identifier) @function)
(catch_clause parameter: (_) @catch)
(for_in_statement left: (identifier) @block)
(import_clause (identifier) @block)
(import_specifier) @import
(namespace_import (identifier) @block)
(identifier) @ref
(shorthand_property_identifier) @ref
"""
_TS_CLASS = "(class_declaration name: (type_identifier)"
BUILTINS = frozenset(
    {
        "Array",
        "ArrayBuffer",
        "Boolean",
        "Buffer",
        "DataView",
        "Date",
        "Error",
        "Infinity",
        "JSON",
        "Math",
        "NaN",
        "Number",
        "Object",
        "RangeError",
        "RegExp",
        "String",
        "Symbol",
        "SyntaxError",
        "TextDecoder",
        "TextEncoder",
        "TypeError",
        "Uint8Array",
        "Uint16Array",
        "Uint32Array",
        "Int8Array",
        "Int16Array",
        "Int32Array",
        "Map",
        "Set",
        "atob",
        "btoa",
        "decodeURI",
        "decodeURIComponent",
        "encodeURI",
        "encodeURIComponent",
        "escape",
        "globalThis",
        "isFinite",
        "isNaN",
        "parseFloat",
        "parseInt",
        "undefined",
        "unescape",
        "arguments",
    }
)
"""Globals a decoder may use: the isolate provides each (no I/O, no timers)."""


@dataclass(frozen=True, slots=True, eq=False)
class Binding:
    """One declared name (compared by identity: the scopes hand out one object per name and scope)."""

    name: str
    kind: str
    """``var``, ``block`` (let/const/class/function declaration), ``function`` (a parameter or a
    function expression's own name) or ``catch``."""
    scope: Node
    """The node whose scope holds it."""
    name_node: Node
    """The identifier (or pattern) where it is declared."""


def _pattern_names(node: Node) -> list[Node]:
    """Identifiers a parameter list or destructuring pattern binds (no recursion: hostile
    input nests patterns thousands deep)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        kind = cur.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            out.append(cur)
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            left = cur.child_by_field_name("left")
            if left is not None:
                stack.append(left)
        elif kind in ("required_parameter", "optional_parameter"):  # TypeScript ``i: number``
            pattern = cur.child_by_field_name("pattern")
            if pattern is not None:
                stack.append(pattern)
        elif kind == "pair_pattern":
            value = cur.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif kind in ("formal_parameters", "object_pattern", "array_pattern", "rest_pattern"):
            stack.extend(reversed(cur.named_children))
    return out


class Scopes:
    """Scope tables of a tree, built from two queries (no Python walk over every node)."""

    def __init__(self, root: Node, data: bytes, typescript: bool) -> None:
        self.data = data
        scopes = sorted(
            captures(root, _SCOPE_QUERY, typescript).get("scope", []),
            key=lambda n: (n.start_byte, -n.end_byte),
        )
        self._scopes = scopes
        self._starts = [s.start_byte for s in scopes]
        self._parent: list[int] = []
        stack: list[int] = []
        for i, s in enumerate(scopes):
            while stack and scopes[stack[-1]].end_byte <= s.start_byte:
                stack.pop()
            self._parent.append(stack[-1] if stack else -1)
            stack.append(i)
        self._tables: list[dict[str, Binding]] = [{} for _ in scopes]
        # TypeScript names a class with a type identifier (also a value binding there).
        query = _DECL_QUERY.replace("(class_declaration name: (identifier)", _TS_CLASS)
        found = captures(root, query if typescript else _DECL_QUERY, typescript)
        for kind in ("var", "block", "function", "catch"):
            for node in found.get(kind, []):
                for name in _pattern_names(node):
                    self._declare(name, kind)
        for spec in found.get("import", []):
            local = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
            if local is not None and local.type == "identifier":
                self._declare(local, "block")
        for params in found.get("params", []):
            for name in _pattern_names(params):
                self._declare(name, "function")
        refs = sorted(found.get("ref", []), key=lambda n: n.start_byte)
        self._refs = refs
        self._ref_starts = [r.start_byte for r in refs]
        self._by_name: dict[str, list[Node]] | None = None
        self._resolved: dict[str, dict[int, list[Node]]] = {}

    def _innermost(self, offset: int) -> int:
        i = bisect_right(self._starts, offset) - 1
        while i >= 0 and self._scopes[i].end_byte <= offset:
            i = self._parent[i]
        return i

    def _declare(self, name: Node, kind: str) -> None:
        i = self._innermost(name.start_byte)
        while i >= 0:
            scope = self._scopes[i]
            t = scope.type
            if kind == "catch":
                ok = t == "catch_clause"
            elif kind in ("var", "function"):
                ok = t in FUNCTIONS or t == "program"
            else:
                ok = t in _BLOCKS
            if ok:
                key = self.data[name.start_byte : name.end_byte].decode("utf-8", "replace")
                self._tables[i].setdefault(key, Binding(key, kind, scope, name))
                return
            i = self._parent[i]

    def resolve(self, ident: Node) -> Binding | None:
        """The binding ``ident`` refers to, or None for a global."""
        name = self.data[ident.start_byte : ident.end_byte].decode("utf-8", "replace")
        return self.resolve_name(name, ident.start_byte)

    def resolve_name(self, name: str, offset: int) -> Binding | None:
        """The binding ``name`` would refer to if written at ``offset``."""
        i = self._innermost(offset)
        while i >= 0:
            found = self._tables[i].get(name)
            if found is not None:
                return found
            i = self._parent[i]
        return None

    def identifiers(self, start: int, end: int) -> list[Node]:
        """Identifier references (and declarations) inside ``[start, end)``."""
        lo = bisect_left(self._ref_starts, start)
        hi = bisect_left(self._ref_starts, end)
        return self._refs[lo:hi]

    def named(self, name: str) -> list[Node]:
        """Every identifier spelled ``name``."""
        if self._by_name is None:
            by_name: dict[str, list[Node]] = {}
            for ref in self._refs:
                key = self.data[ref.start_byte : ref.end_byte].decode("utf-8", "replace")
                by_name.setdefault(key, []).append(ref)
            self._by_name = by_name
        return self._by_name.get(name, [])

    def references(self, binding: Binding) -> list[Node]:
        """Every identifier resolving to ``binding`` (its declaration included)."""
        if binding.name not in self._resolved:
            groups: dict[int, list[Node]] = {}
            for ident in self.named(binding.name):
                groups.setdefault(id(self.resolve(ident)), []).append(ident)
            self._resolved[binding.name] = groups
        return self._resolved[binding.name].get(id(binding), [])

    def is_written(self, binding: Binding) -> bool:
        """Whether anything but its declaration assigns ``binding``."""
        for ref in self.references(binding):
            parent = ref.parent
            if parent is None or ref == binding.name_node:
                continue
            kind = parent.type
            if kind in ("assignment_expression", "augmented_assignment_expression"):
                if parent.child_by_field_name("left") == ref:
                    return True
            elif kind == "update_expression" or (
                kind == "for_in_statement" and parent.child_by_field_name("left") == ref
            ):
                return True
        return False

    def free_names(self, node: Node) -> dict[str, Binding | None]:
        """Names used inside ``node`` but declared outside it (``None``: a global)."""
        out: dict[str, Binding | None] = {}
        for ident in self.identifiers(node.start_byte, node.end_byte):
            b = self.resolve(ident)
            if b is None or not (
                node.start_byte <= b.scope.start_byte and b.scope.end_byte <= node.end_byte
            ):
                if b is not None and node.start_byte <= b.name_node.start_byte < node.end_byte:
                    continue  # the node's own declaration (a function's name)
                name = self.data[ident.start_byte : ident.end_byte].decode("utf-8", "replace")
                out.setdefault(name, b)
        return out
