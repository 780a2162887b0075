"""Region signals sent to a server whose answer decides what the program does: a hand-rolled
remote-config or feature-flag call (``POST {"attributes": {"tz": …, "country": …}}`` and then
``if settings.halted: sys.exit()``). The server can target by region with no region check in the
code, like a feature-flag SDK given targeting attributes (a ``geofence``)."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.network import network_send
from agentxray.analyze.python.parse import FUNCTIONS
from agentxray.analyze.python.signals import Signal

logger = logging.getLogger(__name__)

TARGETED_KINDS = frozenset({"timezone", "tz-offset", "country"})
"""What a server targets regions by. A locale alone is sent to pick a language (catalogs,
localised answers) far more often than to target, so it does not count here."""
MAX_NODES = 600
"""Payload nodes looked through per request (bindings of names included)."""
MAX_BINDING_DEPTH = 3
Def = ast.FunctionDef | ast.AsyncFunctionDef


def _own(fn: Def) -> list[ast.AST]:
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, (*FUNCTIONS, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return out


def carried(a: PyAnalysis, parts: list[ast.expr]) -> list[Signal]:
    """Region signals anywhere in ``parts``: values of dicts, lists and f-strings included, and
    of the names they use (``attrs = {"tz": zone()}`` … ``json.dumps({"attributes": attrs})``)."""
    found: list[Signal] = []
    budget = MAX_NODES
    stack: list[tuple[ast.AST, int]] = [(p, 0) for p in parts]
    seen: set[int] = set()
    while stack and budget > 0:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        budget -= 1
        if isinstance(node, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)):
            signals = [s for s in a.flow.signals(node) if s.kind in TARGETED_KINDS]
            if signals:
                found.extend(signals)
                continue
        if isinstance(node, ast.Name) and depth < MAX_BINDING_DEPTH:
            bound, _ = a.index.lookup(node.id, node)
            stack.extend((b, depth + 1) for b in bound[:4])
            continue
        stack.extend((c, depth) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
    return list(dict.fromkeys(found))


def _payload(node: ast.Call) -> list[ast.expr]:
    """What a request sends besides its URL (body, params, headers)."""
    return [*node.args[1:], *(k.value for k in node.keywords if k.arg != "timeout")]


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _targets(stmt: ast.AST) -> list[str]:
    if isinstance(stmt, ast.Assign):
        return [n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [
            n.id
            for item in stmt.items
            if item.optional_vars is not None
            for n in ast.walk(item.optional_vars)
            if isinstance(n, ast.Name)
        ]
    return []


def _value_of(stmt: ast.AST) -> list[ast.AST]:
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return [stmt.value] if stmt.value is not None else []
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [item.context_expr for item in stmt.items]
    return []


def answer_decides(fn: Def, send: ast.Call) -> ast.AST | None:
    """The condition in ``fn`` that the server's answer to ``send`` decides, if any: names bound
    from the request (the request object, the response, what is built from its body) are
    followed through the function's assignments to an ``if``/``while``/conditional test."""
    own = _own(fn)
    tainted: set[str] = set()
    changed = True
    while changed:
        changed = False
        for stmt in own:
            for value in _value_of(stmt):
                if any(n is send for n in ast.walk(value)) or _mentions(value, tainted):
                    new = set(_targets(stmt)) - tainted
                    if new:
                        tainted |= new
                        changed = True
    for node in own:
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            test = node.test
            if _mentions(test, tainted) or any(n is send for n in ast.walk(test)):
                return node
    return None


def deciding_requests(a: PyAnalysis) -> list[tuple[ast.Call, ast.AST, list[Signal]]]:
    """(request, the condition its answer decides, the region signals it carries)."""
    out: list[tuple[ast.Call, ast.AST, list[Signal]]] = []
    for node in a.index.nodes(ast.Call):
        assert isinstance(node, ast.Call)
        if network_send(a.index, node) is None:
            continue
        fn = a.index.function_of(node)
        parts = _payload(node)
        if fn is None or not parts:
            continue
        signals = carried(a, parts)
        if not signals:
            continue
        gate = answer_decides(fn, node)
        if gate is not None:
            out.append((node, gate, signals))
    return out
