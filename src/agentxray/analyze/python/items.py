"""Values kept in containers and read back: ``cache[k] = v`` (or ``cache.setdefault(k, v)``)
somewhere, ``cache[k]``/``cache.get(k)`` elsewhere — module-level caches and ``self`` caches."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.python.arguments import parameter_names
from agentxray.analyze.python.parse import FUNCTIONS, ItemStore, ModuleIndex, container_name

logger = logging.getLogger(__name__)

MAX_STORES = 8
"""Stores followed per read (a container filled in many places is a table, not a cache)."""
LOADS = frozenset({"get", "pop", "setdefault"})
"""Methods that read an item back (``setdefault`` also stores its second argument)."""


def _same_key(stored: ast.expr, read: ast.expr | None) -> bool:
    """Whether a read may see the store: equal literal keys, or either key computed."""
    if read is None:
        return True
    if isinstance(stored, ast.Constant) and isinstance(read, ast.Constant):
        return bool(stored.value == read.value and type(stored.value) is type(read.value))
    return True


def stored_values(index: ModuleIndex, container: ast.expr, key: ast.expr | None) -> list[ast.expr]:
    """The values stored into ``container`` under ``key`` (``None``: any key) anywhere in the
    module. A name must be the same variable at the store and the read (a module-level or
    enclosing binding both see); a parameter or an unbound name is nobody's cache."""
    name = container_name(container)
    stores: list[ItemStore] = index.items.get(name, []) if name else []
    if not stores:
        return []
    if isinstance(container, ast.Name):
        bound, scope = index.lookup(container.id, container)
        if not bound or _parameter(index, container):
            return []
        stores = [
            s
            for s in stores
            if index.lookup(container.id, s.container)[1] is scope
            and not _parameter(index, s.container)
        ]
    return [s.value for s in stores[:MAX_STORES] if _same_key(s.key, key)]


def _parameter(index: ModuleIndex, name: ast.expr) -> bool:
    """Whether ``name`` is a parameter of an enclosing function (not bound in between)."""
    assert isinstance(name, ast.Name)
    scope = index.scope_of(name)
    while not isinstance(scope, ast.Module):
        if (id(scope), name.id) in index.bindings:
            return False
        if isinstance(scope, (*FUNCTIONS, ast.Lambda)) and name.id in parameter_names(scope):
            return True
        scope = index.scope_of(scope)
    return False
