"""Region signals sent to a server whose answer decides what the program does: a hand-rolled
remote-config or feature-flag call (``POST {"attributes": {"tz": …, "country": …}}`` and then
``if settings.halted: sys.exit()``). The server can target by region with no region check in the
code, like a feature-flag SDK given targeting attributes (a ``geofence``)."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.interpret import callable_def
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
MAX_CALLER_DEPTH = 2
"""Calls up through which a returned answer is followed to the test it decides."""
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
        helper = callable_def(a.index, node.func) if isinstance(node, ast.Call) else None
        if helper is not None and depth < MAX_BINDING_DEPTH:
            # a local helper building the attributes (``json={"attributes": _attrs()}``)
            returned = [n.value for n in _own(helper) if isinstance(n, ast.Return) and n.value]
            stack.extend((r, depth + 1) for r in returned[:4])
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


def _taint(fn: Def, send: ast.Call) -> tuple[set[str], set[str]]:
    """Names (and ``self`` attributes) in ``fn`` bound from ``send``'s answer: the request
    object, the response, what is built from its body."""
    own = _own(fn)
    tainted: set[str] = set()
    attrs: set[str] = set()
    changed = True
    while changed:
        changed = False
        for stmt in own:
            for value in _value_of(stmt):
                if any(n is send for n in ast.walk(value)) or _mentions(value, tainted):
                    new = set(_targets(stmt)) - tainted
                    attrs.update(_self_targets(stmt))
                    if new:
                        tainted |= new
                        changed = True
    return tainted, attrs


def _self_targets(stmt: ast.AST) -> list[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
    return [
        t.attr
        for t in targets
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    ]


def _tests(nodes: list[ast.AST]) -> list[ast.AST]:
    return [n for n in nodes if isinstance(n, (ast.If, ast.While, ast.IfExp, ast.Assert))]


def answer_decides(fn: Def, send: ast.Call) -> ast.AST | None:
    """The condition in ``fn`` that the server's answer to ``send`` decides, if any: names bound
    from the request (the request object, the response, what is built from its body) are
    followed through the function's assignments to an ``if``/``while``/conditional test."""
    tainted, _attrs = _taint(fn, send)
    for node in _tests(_own(fn)):
        test = getattr(node, "test", node)
        if _mentions(test, tainted) or any(n is send for n in ast.walk(test)):
            return node
    return None


def _returned(fn: Def, send: ast.Call, tainted: set[str]) -> bool:
    return any(
        isinstance(n, ast.Return)
        and n.value is not None
        and (_mentions(n.value, tainted) or any(x is send for x in ast.walk(n.value)))
        for n in _own(fn)
    )


def _attribute_test(a: PyAnalysis, fn: Def, attrs: set[str]) -> ast.AST | None:
    """A test in another method of ``fn``'s class on an attribute set from the answer."""
    cls = a.index.parent(fn)
    if not attrs or not isinstance(cls, ast.ClassDef):
        return None
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in _tests(_own(method)):
            test = getattr(node, "test", node)
            for n in ast.walk(test):
                if (
                    isinstance(n, ast.Attribute)
                    and n.attr in attrs
                    and isinstance(n.value, ast.Name)
                    and n.value.id == "self"
                ):
                    return node
    return None


def answer_gate(a: PyAnalysis, fn: Def, send: ast.Call, depth: int = 0) -> ast.AST | None:
    """The condition the answer to ``send`` decides: in ``fn``, in another method of its class
    through an attribute set from the answer (``self.flags = …``), or in the callers ``fn``
    returns the answer to (a few calls up)."""
    gate = answer_decides(fn, send)
    if gate is not None:
        return gate
    tainted, attrs = _taint(fn, send)
    gate = _attribute_test(a, fn, attrs)
    if gate is not None or depth >= MAX_CALLER_DEPTH or not _returned(fn, send, tainted):
        return gate
    for site in a.index.nodes(ast.Call):
        assert isinstance(site, ast.Call)
        if callable_def(a.index, site.func) is not fn:
            continue
        caller = a.index.function_of(site)
        if caller is None or caller is fn:
            continue
        gate = answer_gate(a, caller, site, depth + 1)
        if gate is not None:
            return gate
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
        gate = answer_gate(a, fn, node)
        if gate is not None:
            out.append((node, gate, signals))
    return out
