"""String arrays: find the array, its decoders and its rotation by what they do."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.remove import delete_statement
from agentxray.analyze.js.deobfuscate.rewrite import Edit
from agentxray.analyze.js.deobfuscate.scope import BUILTINS, Binding, Scopes
from agentxray.analyze.js.deobfuscate.syntax import FUNCTIONS, matches, string_value, unparen

logger = logging.getLogger(__name__)

MAX_DECODER_BYTES = 64 * 1024
"""A decoder or setup statement larger than this is not a decoder (it is the program)."""
MAX_DEPENDENCY_DEPTH = 3
"""Helper functions followed from a decoder (a helper of a helper of a helper)."""
MIN_ARRAY_VARIABLE = 3
"""An array variable needs this many strings to be a candidate string array."""

_CANDIDATES = """
(function_declaration name: (identifier) @name parameters: (formal_parameters) @params
  body: (statement_block) @body) @decl
(variable_declarator name: (identifier) @name value: (function_expression
  parameters: (formal_parameters) @params body: (statement_block) @body)) @decl
(variable_declarator name: (identifier) @name value: (array) @array) @decl
"""
_DECLARATION_TYPES = frozenset(
    {"lexical_declaration", "variable_declaration", "function_declaration", "class_declaration"}
)
_STATEMENT_PARENTS = frozenset({"program", "statement_block", "switch_case", "switch_default"})


@dataclass(frozen=True, slots=True)
class Setup:
    """Code that prepares the array (a rotation): a statement, or one expression of a statement."""

    node: Node
    statement: Node
    """The statement holding it (the same node when it is a whole statement)."""

    def prelude(self, data: bytes) -> str:
        """Source that runs it."""
        text = _text(data, self.node)
        return text if self.node == self.statement else f"({text});"

    def removal(self) -> Edit:
        """The edit deleting it (with its comma when it is one expression of a sequence)."""
        node = self.node
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        seq = node.parent
        if node == self.statement or seq is None or seq.type != "sequence_expression":
            return delete_statement(self.statement)
        siblings = seq.children
        i = next(k for k, c in enumerate(siblings) if c == node)
        if i + 1 < len(siblings) and siblings[i + 1].type == ",":
            return Edit(node.start_byte, siblings[i + 1].end_byte)
        return Edit(siblings[i - 1].start_byte, node.end_byte)


@dataclass(frozen=True, slots=True)
class StringArray:
    """One string array with everything needed to evaluate its decoders in isolation."""

    array: Binding
    array_decl: Node
    """The array function (declaration or declarator) or the array variable's declarator."""
    decoders: tuple[Binding, ...]
    decoder_decls: tuple[Node, ...]
    setup: tuple[Setup, ...]
    """Code that prepares the array (the rotation), in source order."""
    deps: tuple[Node, ...]
    """Declarations the decoders and setup use (helper functions, constants)."""
    is_variable: bool
    """Whether the array is a plain variable (then ``array[n]`` reads are decoded too)."""

    def prelude(self, data: bytes) -> str:
        """JavaScript that defines the array and decoders and runs the setup."""
        parts = [_definition(data, d) for d in (*self.deps, self.array_decl, *self.decoder_decls)]
        parts += [s.prelude(data) for s in self.setup]
        return "\n".join(parts)

    def owned(self) -> tuple[Node, ...]:
        """The nodes that make up the mechanism (not call sites)."""
        return (self.array_decl, *self.decoder_decls, *(s.node for s in self.setup))


def _text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


def _definition(data: bytes, decl: Node) -> str:
    if decl.type == "variable_declarator":
        name = decl.child_by_field_name("name")
        value = decl.child_by_field_name("value")
        if name is not None and value is not None:
            return f"var {_text(data, name)} = {_text(data, value)};"
    return _text(data, decl)


def inside(node: Node, containers: tuple[Node, ...]) -> bool:
    """Whether ``node`` lies within one of ``containers``."""
    return any(c.start_byte <= node.start_byte and node.end_byte <= c.end_byte for c in containers)


def _string_array_literal(data: bytes, array: Node, minimum: int) -> bool:
    items = [c for c in array.named_children if c.type != "comment"]
    return len(items) >= minimum and all(string_value(data, c) is not None for c in items)


def _array_function_body(data: bytes, body: Node) -> bool:
    """A zero-parameter function that builds an array of strings and returns (a function of) it."""
    statements = [c for c in body.named_children if c.type != "comment"]
    has_array = False
    for st in statements[:3]:
        if st.type in ("lexical_declaration", "variable_declaration"):
            for d in st.named_children:
                value = d.child_by_field_name("value") if d.type == "variable_declarator" else None
                if value is not None and value.type == "array":
                    has_array = has_array or _string_array_literal(data, value, 1)
    return has_array and any(st.type == "return_statement" for st in statements)


def _named_function(node: Node) -> tuple[Node, Node] | None:
    """The nearest enclosing named function (declaration or ``var f = function…``) and its name."""
    cur = node.parent
    while cur is not None:
        if cur.type == "function_declaration":
            name = cur.child_by_field_name("name")
            return (cur, name) if name is not None else None
        if cur.type in ("function_expression", "arrow_function"):
            parent = cur.parent
            if parent is not None and parent.type == "variable_declarator":
                name = parent.child_by_field_name("name")
                if name is not None and name.type == "identifier":
                    return parent, name
        cur = cur.parent
    return None


def _statement(node: Node) -> Node | None:
    cur: Node | None = node
    while cur is not None and cur.parent is not None and cur.parent.type not in _STATEMENT_PARENTS:
        cur = cur.parent
    return cur


def _unwrap_statement_expression(node: Node) -> Node:
    """``(a, b)`` and ``!(…)`` as statements → the expression that matters."""
    while node.type in ("parenthesized_expression", "unary_expression"):
        if node.named_child_count != 1:
            break
        node = node.named_children[0]
    return node


def _has_params(decl: Node) -> bool:
    fn = decl if decl.type in FUNCTIONS else decl.child_by_field_name("value")
    if fn is None or unparen(fn).type not in FUNCTIONS:
        return False
    fn = unparen(fn)
    if fn.child_by_field_name("parameter") is not None:
        return True
    params = fn.child_by_field_name("parameters")
    return params is not None and params.named_child_count > 0


class _Finder:
    def __init__(self, scopes: Scopes) -> None:
        self.scopes = scopes
        self.data = scopes.data
        self.problems: list[str] = []

    def self_contained(
        self, node: Node, allowed: dict[int, Binding], deps: list[Node], depth: int = 0
    ) -> bool:
        """Whether ``node`` uses only ``allowed`` bindings, builtins and small pure dependencies."""
        for name, b in self.scopes.free_names(node).items():
            if b is None:
                if name not in BUILTINS:
                    return False
                continue
            if id(b) in allowed:
                continue
            if depth >= MAX_DEPENDENCY_DEPTH:
                return False
            decl = b.name_node.parent
            if decl is None or decl.end_byte - decl.start_byte > MAX_DECODER_BYTES:
                return False
            if (
                decl.type == "function_declaration"
                and decl.child_by_field_name("name") == b.name_node
            ):
                pass
            elif (
                decl.type == "variable_declarator"
                and decl.child_by_field_name("name") == b.name_node
            ):
                value = decl.child_by_field_name("value")
                if value is None:
                    return False
            else:
                return False
            allowed[id(b)] = b
            if not self.self_contained(decl, allowed, deps, depth + 1):
                return False
            deps.append(decl)
        return True

    def _setup_of(self, ref: Node, allowed: dict[int, Binding], deps: list[Node]) -> Setup | None:
        """The statement, or the expression of a sequence, around ``ref`` that can run alone."""
        st = _statement(ref)
        if st is None or st.type in _DECLARATION_TYPES:
            return None
        node = st
        if st.type == "expression_statement" and st.named_child_count:
            expr = _unwrap_statement_expression(st.named_children[0])
            if expr.type == "sequence_expression":
                items = [c for c in expr.named_children if c.type != "comment"]
                node = next((c for c in items if c.start_byte <= ref.start_byte < c.end_byte), st)
        if node.end_byte - node.start_byte > MAX_DECODER_BYTES:
            return None
        if not self.self_contained(node, allowed, deps):
            return None
        return Setup(node, st)

    def find(self, root: Node, typescript: bool) -> list[StringArray]:
        found: list[StringArray] = []
        for caps in matches(root, _CANDIDATES, typescript):
            decl, name = caps["decl"][0], caps["name"][0]
            if "array" in caps:
                if not _string_array_literal(self.data, caps["array"][0], MIN_ARRAY_VARIABLE):
                    continue
                is_variable = True
            else:
                if caps["params"][0].named_child_count or not _array_function_body(
                    self.data, caps["body"][0]
                ):
                    continue
                is_variable = False
            binding = self.scopes.resolve(name)
            if binding is None:
                continue
            sa = self._assemble(binding, decl, is_variable)
            if sa is not None:
                found.append(sa)
        return found

    def _assemble(self, array: Binding, array_decl: Node, is_variable: bool) -> StringArray | None:
        refs = [
            r
            for r in self.scopes.references(array)
            if not (array_decl.start_byte <= r.start_byte < array_decl.end_byte)
        ]
        decoders: dict[int, tuple[Binding, Node]] = {}
        others: list[Node] = []
        for ref in refs:
            named = _named_function(ref)
            if named is not None:
                decl, name = named
                b = self.scopes.resolve(name)
                if (
                    b is not None
                    and b is not array
                    and decl.end_byte - decl.start_byte <= MAX_DECODER_BYTES
                    and _has_params(decl)
                ):
                    decoders.setdefault(id(b), (b, decl))
                    continue
            others.append(ref)
        allowed: dict[int, Binding] = {id(array): array}
        allowed.update({k: b for k, (b, _) in decoders.items()})
        deps: list[Node] = []
        for key, (_b, decl) in list(decoders.items()):
            if not self.self_contained(decl, allowed, deps):
                del decoders[key]
                allowed.pop(key, None)
        if not decoders and not is_variable:
            return None
        setup: dict[int, Setup] = {}
        decoder_decls = tuple(d for _, d in decoders.values())
        for ref in others:
            if inside(ref, decoder_decls) or ref.start_byte in setup:
                continue
            found = self._setup_of(ref, allowed, deps)
            if found is not None:
                setup[found.node.start_byte] = found
                continue
            if is_variable and _index_read(ref):
                continue
            # Code we cannot run also uses the array: decoding without it could be wrong.
            if not is_variable:
                self.problems.append(
                    f"string array {array.name} is also used by code that cannot be evaluated "
                    "in isolation; not decoded"
                )
            return None
        names = [array.name, *(b.name for b, _ in decoders.values())]
        if len(set(names)) != len(names):
            return None
        unique_deps = {d.start_byte: d for d in deps}
        return StringArray(
            array=array,
            array_decl=array_decl,
            decoders=tuple(b for b, _ in decoders.values()),
            decoder_decls=tuple(d for _, d in decoders.values()),
            setup=tuple(setup[k] for k in sorted(setup) if not _nested(setup[k], setup)),
            deps=tuple(unique_deps[k] for k in sorted(unique_deps)),
            is_variable=is_variable,
        )


def _index_read(ref: Node) -> bool:
    parent = ref.parent
    if parent is None or parent.type != "subscript_expression":
        return False
    index = parent.child_by_field_name("index")
    return (
        parent.child_by_field_name("object") == ref and index is not None and index.type == "number"
    )


def _nested(item: Setup, setup: dict[int, Setup]) -> bool:
    """Whether another setup item contains this one (it then runs as part of that one)."""
    return any(
        o is not item
        and o.node.start_byte <= item.node.start_byte
        and item.node.end_byte <= o.node.end_byte
        for o in setup.values()
    )


def find_string_arrays(
    root: Node, scopes: Scopes, typescript: bool
) -> tuple[list[StringArray], list[str]]:
    """Every string array in the tree whose decoders can run in isolation, and why others can't."""
    finder = _Finder(scopes)
    arrays = finder.find(root, typescript)
    return arrays, finder.problems
