"""The values a decoder function's parameters can take, read from the module without running it:
the literal arguments its callers pass, its parameter defaults, and the keys of the constant
tables it indexes with a parameter (``kind, blob = _TABLE[tag]``)."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.evaluate import Evaluator
from agentxray.analyze.python.interpret import Def, callable_def, takes_self
from agentxray.analyze.python.parse import ModuleIndex

logger = logging.getLogger(__name__)

MAX_BINDINGS = 48
"""Parameter assignments tried per function (call sites and table keys together)."""
MAX_KEYS = 32
"""Table keys tried per parameter (a larger table is data, not a decoder's lookup)."""
MAX_SITES = 400
"""Calls looked at per function for its callers' arguments."""

Binding = dict[tuple[int, str], object]


def _names(fn: Def) -> list[str]:
    return [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]


def _value(ev: Evaluator, node: ast.AST) -> object:
    try:
        return ev.value(node)
    except (Unsupported, RecursionError, MemoryError):
        return Unsupported


def _call_sites(index: ModuleIndex, ev: Evaluator, fn: Def) -> list[dict[str, object]]:
    """Parameter values at each call whose arguments all evaluate (``_decode(_BLOB, 7)``)."""
    names = _names(fn)
    out: list[dict[str, object]] = []
    looked = 0
    for call in index.nodes(ast.Call):
        assert isinstance(call, ast.Call)
        if not call.args and not call.keywords:
            continue
        func = call.func
        spelled = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if spelled != fn.name or callable_def(index, func) is not fn:
            continue
        looked += 1
        if looked > MAX_SITES or len(out) >= MAX_BINDINGS:
            break
        skip = 1 if isinstance(call.func, ast.Attribute) and takes_self(index, fn) else 0
        params = names[skip:]
        if any(isinstance(a, ast.Starred) for a in call.args) or len(call.args) > len(params):
            continue
        site: dict[str, object] = {}
        for name, arg in zip(params, call.args, strict=False):
            site[name] = _value(ev, arg)
        for kw in call.keywords:
            if kw.arg in params:
                site[kw.arg] = _value(ev, kw.value)
        site = {k: v for k, v in site.items() if v is not Unsupported}
        if site and site not in out:
            out.append(site)
    return out


def _table_keys(index: ModuleIndex, ev: Evaluator, fn: Def) -> dict[str, list[object]]:
    """Parameters used as the key of a constant table: that table's keys."""
    names = set(_names(fn))
    out: dict[str, list[object]] = {}
    for node in ast.walk(fn):
        if not (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Name)
            and node.slice.id in names
            and node.slice.id not in out
        ):
            continue
        if index.bindings.get((id(fn), node.slice.id)):
            continue  # reassigned in the body: not the parameter's own value
        table = _value(ev, node.value)
        if isinstance(table, dict) and 0 < len(table) <= MAX_KEYS:
            out[node.slice.id] = list(table)
    return out


def parameter_bindings(index: ModuleIndex, ev: Evaluator, fn: Def) -> list[Binding]:
    """Assignments of ``fn``'s parameters to try, at most :data:`MAX_BINDINGS`."""
    if not _names(fn):
        return []
    saved = ev.params
    ev.params = {}
    try:
        combos = _call_sites(index, ev, fn)
        for name, keys in _table_keys(index, ev, fn).items():
            grown: list[dict[str, object]] = []
            for combo in combos or [{}]:
                if name in combo:
                    grown.append(combo)
                else:
                    grown.extend({**combo, name: k} for k in keys)
            combos = grown[:MAX_BINDINGS]
    finally:
        ev.params = saved
    return [{(id(fn), k): v for k, v in c.items()} for c in combos[:MAX_BINDINGS] if c]
