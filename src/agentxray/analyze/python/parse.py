"""Python modules parsed once per unit, with an index of imports, scopes, bindings and parents."""

from __future__ import annotations

import ast
import logging
import warnings
from dataclasses import dataclass, field

from agentxray.analyze.interface import SourceUnit

logger = logging.getLogger(__name__)

AST_KEY = "python.ast"
"""``unit.context`` key of the parsed :class:`ast.Module` (or the :class:`SyntaxError`)."""
INDEX_KEY = "agentxray.analyze.python.index"

MAX_SEPARATORS = 2_000_000
"""Punctuation and whitespace bytes a module may have to be parsed. Every syntax-tree node
needs at least one, and CPython's nodes take up to ~1 KB each: 14 MB of ``x = [1, 2, 3]`` lines
took 32 s and 5.6 GB to parse. Real modules stay far below (the largest seen, 4 MB, has 1.5 M)."""
_SEPARATORS = bytes(b for b in range(128) if not (chr(b).isalnum() or b == ord("_")))


class TooLargeToParse(ValueError):
    """A module with so many tokens that its syntax tree would take gigabytes."""


Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True, slots=True)
class ItemStore:
    """A value stored into a container under a key: ``d[k] = v`` or ``d.setdefault(k, v)``."""

    container: ast.expr
    """The container as written at the store (``_cache``, ``self._cache``)."""
    key: ast.expr
    value: ast.expr


def python_module(unit: SourceUnit) -> ast.Module:
    """The unit's module, parsed on first use and shared through ``unit.context``.

    Raises :class:`SyntaxError` (or :class:`ValueError` for NUL bytes, :class:`RecursionError`
    for pathological nesting) when it does not parse; the failure is cached too.
    """
    cached = unit.context.get(AST_KEY)
    if isinstance(cached, ast.Module):
        return cached
    if isinstance(cached, (SyntaxError, ValueError, RecursionError, MemoryError)):
        raise cached
    separators = len(unit.data) - len(unit.data.translate(None, _SEPARATORS))
    if separators > MAX_SEPARATORS:
        too_large = TooLargeToParse(
            f"not parsed: {separators:,} punctuation and whitespace bytes (limit "
            f"{MAX_SEPARATORS:,}); its syntax tree would take gigabytes"
        )
        unit.context[AST_KEY] = too_large
        raise too_large
    try:
        with warnings.catch_warnings():  # the target's invalid escapes are not our warnings
            warnings.simplefilter("ignore")
            tree = ast.parse(unit.text, filename=unit.entry.vpath)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        unit.context[AST_KEY] = exc
        raise
    unit.context[AST_KEY] = tree
    return tree


@dataclass
class ModuleIndex:
    """Where names come from and what encloses what, for one module."""

    tree: ast.Module
    parents: dict[int, ast.AST] = field(default_factory=dict)
    """``id(node)`` → parent node."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Local name → dotted import path (``tz`` → ``tzlocal.get_localzone``)."""
    functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = field(default_factory=dict)
    """Function and method names → their definitions (anywhere in the module)."""
    bindings: dict[tuple[int, str], list[ast.expr]] = field(default_factory=dict)
    """(``id(scope)``, name) → the expressions assigned to it (``with … as`` items included)."""
    attributes: dict[str, list[ast.expr]] = field(default_factory=dict)
    """``self.x``/``obj.x`` attribute name → expressions assigned to it anywhere."""
    items: dict[str, list[ItemStore]] = field(default_factory=dict)
    """Container name (see :func:`container_name`) → the values stored into it by key."""
    by_type: dict[type[ast.AST], list[ast.AST]] = field(default_factory=dict)
    """Every node of the module by its class (one walk serves every detector)."""
    receivers: object | None = field(default=None, repr=False, compare=False)
    """The module's scopes for receiver typing (built on first need, see ``interpret``)."""

    def nodes(self, *types: type[ast.AST]) -> list[ast.AST]:
        """All nodes of the given classes, in source order."""
        found = [n for t in types for n in self.by_type.get(t, [])]
        return sorted(found, key=_position)

    def parent(self, node: ast.AST) -> ast.AST | None:
        """The node directly enclosing ``node``."""
        return self.parents.get(id(node))

    def scope_of(self, node: ast.AST) -> Scope:
        """The function (or lambda, class, module) whose body holds ``node``."""
        cur = self.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, (*FUNCTIONS, ast.Lambda, ast.ClassDef, ast.Module)):
                return cur
            cur = self.parents.get(id(cur))
        return self.tree

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The nearest enclosing ``def``."""
        cur = self.parents.get(id(node))
        while cur is not None and not isinstance(cur, FUNCTIONS):
            cur = self.parents.get(id(cur))
        return cur if isinstance(cur, FUNCTIONS) else None

    def lookup(self, name: str, at: ast.AST) -> tuple[list[ast.expr], Scope]:
        """Assignments of ``name`` visible at ``at``: its own scope first, then the module."""
        scope = self.scope_of(at)
        while True:
            found = self.bindings.get((id(scope), name))
            if found is not None or isinstance(scope, ast.Module):
                return found or [], scope
            scope = self.scope_of(scope)


def _position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def module_index(unit: SourceUnit) -> ModuleIndex:
    """The index of the unit's module, built once (raises like :func:`python_module`)."""
    cached = unit.context.get(INDEX_KEY)
    if isinstance(cached, ModuleIndex):
        return cached
    index = build_index(python_module(unit))
    unit.context[INDEX_KEY] = index
    return index


def container_name(node: ast.AST) -> str | None:
    """How stores into a container are filed: ``cache`` for a name, ``self.cache`` for an
    attribute of ``self``/``cls`` (any class, like :attr:`ModuleIndex.attributes`)."""
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("self", "cls")
    ):
        return f"self.{node.attr}"
    return None


def _store_item(index: ModuleIndex, container: ast.expr, key: ast.expr, value: ast.expr) -> None:
    name = container_name(container)
    if name is not None:
        index.items.setdefault(name, []).append(ItemStore(container, key, value))


def _bind(index: ModuleIndex, scope: ast.AST, target: ast.AST, value: ast.expr) -> None:
    if isinstance(target, ast.Name):
        index.bindings.setdefault((id(scope), target.id), []).append(value)
    elif isinstance(target, ast.Attribute):
        index.attributes.setdefault(target.attr, []).append(value)
    elif isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice):
        _store_item(index, target.value, target.slice, value)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for i, elt in enumerate(target.elts):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                _bind(index, scope, elt, value.elts[i])
            else:
                sub = ast.Subscript(value=value, slice=ast.Constant(i), ctx=ast.Load())
                ast.copy_location(sub, value)
                index.parents[id(sub)] = value
                _bind(index, scope, elt, sub)


def build_index(tree: ast.Module) -> ModuleIndex:
    """One pass over ``tree`` (iterative: deep nesting cannot overflow the stack)."""
    index = ModuleIndex(tree)
    stack: list[tuple[ast.AST, ast.AST]] = [(tree, tree)]
    while stack:
        node, scope = stack.pop()
        index.by_type.setdefault(type(node), []).append(node)
        inner = node if isinstance(node, (*FUNCTIONS, ast.Lambda, ast.ClassDef)) else scope
        if isinstance(node, FUNCTIONS):
            index.functions.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                index.aliases[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names:
                index.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                _bind(index, scope, target, node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            _bind(index, scope, node.target, node.value)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    _bind(index, scope, item.optional_vars, item.context_expr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
        ):
            _store_item(index, node.func.value, node.args[0], node.args[1])
        for child in ast.iter_child_nodes(node):
            index.parents[id(child)] = node
            stack.append((child, inner))
    return index
