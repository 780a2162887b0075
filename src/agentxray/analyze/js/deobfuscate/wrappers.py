"""Calls that reach a decoder through aliases and wrapper functions, folded to one decoder call."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.scope import Binding, Scopes
from agentxray.analyze.js.deobfuscate.syntax import FUNCTIONS, unparen

logger = logging.getLogger(__name__)

MAX_DEPTH = 12
"""Aliases and wrappers followed from one call to its decoder."""
MAX_ARG_CHARS = 400
_UNARY = frozenset({"-", "+", "~", "!"})
_LITERALS = frozenset({"number", "string", "true", "false", "null", "undefined"})


@dataclass(frozen=True, slots=True)
class Alias:
    """``const alias = target`` (``target`` an identifier)."""

    decl: Node
    """The variable declarator."""
    target: Node
    """The identifier it copies."""


@dataclass(frozen=True, slots=True)
class Wrapper:
    """A function whose whole body is ``return callee(…params and constants…)``."""

    decl: Node
    """The function declaration, or the variable declarator holding the function."""
    params: tuple[str, ...]
    call: Node
    """The call it returns."""


Link = Alias | Wrapper


def _function_of(decl: Node) -> Node | None:
    if decl.type in FUNCTIONS:
        return decl
    if decl.type == "variable_declarator":
        value = decl.child_by_field_name("value")
        if value is not None and unparen(value).type in ("function_expression", "arrow_function"):
            return unparen(value)
    return None


def _params(fn: Node, data: bytes) -> tuple[str, ...] | None:
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return (data[single.start_byte : single.end_byte].decode(),)
    params = fn.child_by_field_name("parameters")
    if params is None:
        return None
    names = []
    for p in params.named_children:
        if p.type != "identifier":
            return None
        names.append(data[p.start_byte : p.end_byte].decode())
    return tuple(names)


def _returned_call(fn: Node) -> Node | None:
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        expr: Node | None = unparen(body)
    else:
        statements = [c for c in body.named_children if c.type != "comment"]
        if len(statements) != 1 or statements[0].type != "return_statement":
            return None
        expr = statements[0].named_children[0] if statements[0].named_child_count else None
        expr = unparen(expr) if expr is not None else None
    if expr is None or expr.type != "call_expression":
        return None
    callee = expr.child_by_field_name("function")
    return expr if callee is not None and callee.type == "identifier" else None


def link_of(binding: Binding, data: bytes) -> Link | None:
    """What a binding is, if it can forward to a decoder: an alias or a wrapper function."""
    node = binding.name_node
    decl = node.parent
    if decl is None or decl.child_by_field_name("name") != node:
        return None
    if decl.type == "variable_declarator":
        value = decl.child_by_field_name("value")
        if value is not None and unparen(value).type == "identifier":
            return Alias(decl, unparen(value))
        fn = _function_of(decl)
    elif decl.type == "function_declaration":
        fn = decl
    else:
        return None
    if fn is None:
        return None
    params = _params(fn, data)
    call = _returned_call(fn)
    if params is None or call is None:
        return None
    return Wrapper(decl, params, call)


def render(data: bytes, node: Node, subst: dict[str, str], depth: int = 0) -> str | None:
    """Source of a constant expression, parameters replaced by ``subst``; None if not constant."""
    if depth > 40:
        return None
    kind = node.type
    if kind == "identifier":
        name = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        if name in subst:
            return f"({subst[name]})"
        return "undefined" if name == "undefined" else None
    if kind in _LITERALS:
        return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")
    if kind == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")
    if kind == "unary_expression":
        op = node.child_by_field_name("operator")
        if op is None or op.type not in _UNARY:
            return None
    elif kind not in ("binary_expression", "parenthesized_expression"):
        return None
    out: list[str] = []
    pos = node.start_byte
    for child in node.children:
        out.append(data[pos : child.start_byte].decode("utf-8", "replace"))
        if child.is_named:
            part = render(data, child, subst, depth + 1)
            if part is None:
                return None
            out.append(part)
        else:
            out.append(data[child.start_byte : child.end_byte].decode("utf-8", "replace"))
        pos = child.end_byte
    out.append(data[pos : node.end_byte].decode("utf-8", "replace"))
    result = "".join(out)
    return result if len(result) <= MAX_ARG_CHARS else None


def call_arguments(data: bytes, call: Node, subst: dict[str, str]) -> list[str] | None:
    """The rendered arguments of ``call`` (None if one is not constant)."""
    args = call.child_by_field_name("arguments")
    if args is None or args.type != "arguments":
        return None
    out = []
    for arg in args.named_children:
        if arg.type == "comment":
            continue
        part = render(data, arg, subst)
        if part is None:
            return None
        out.append(part)
    return out


class Chains:
    """Follows aliases and wrappers from a binding to one of the decoders (``id()`` of each)."""

    def __init__(self, scopes: Scopes, decoders: frozenset[int]) -> None:
        self.scopes = scopes
        self.decoders = decoders
        self.links: dict[int, Link | None] = {}

    def link(self, binding: Binding) -> Link | None:
        """What ``binding`` is (alias, wrapper or neither), worked out once."""
        key = id(binding)
        if key not in self.links:
            self.links[key] = link_of(binding, self.scopes.data)
        return self.links[key]

    def fold(
        self, binding: Binding, args: list[str], depth: int = 0
    ) -> tuple[Binding, list[str]] | None:
        """The decoder and its arguments that calling ``binding`` with ``args`` amounts to."""
        if id(binding) in self.decoders:
            return binding, args
        if depth > MAX_DEPTH:
            return None
        link = self.link(binding)
        if isinstance(link, Alias):
            target = self.scopes.resolve(link.target)
            return None if target is None else self.fold(target, args, depth + 1)
        if isinstance(link, Wrapper):
            subst = {
                p: args[i] if i < len(args) else "undefined" for i, p in enumerate(link.params)
            }
            inner = call_arguments(self.scopes.data, link.call, subst)
            callee = link.call.child_by_field_name("function")
            if inner is None or callee is None:
                return None
            target = self.scopes.resolve(callee)
            return None if target is None else self.fold(target, inner, depth + 1)
        return None
