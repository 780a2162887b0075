"""Where identifiers leave the machine: network calls whose arguments carry a hash of identity
signals (or a machine id, a MAC address), directly or through the parameters of helper functions
and thread or executor targets a few calls deep, and request headers set on client objects."""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass

from agentxray.analyze.python.flow import Flow, Params
from agentxray.analyze.python.interpret import callable_def
from agentxray.analyze.python.network import dotted, network_send
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex
from agentxray.analyze.python.signals import Signal

logger = logging.getLogger(__name__)

MAX_DEPTH = 4
MAX_FUNCTIONS = 200
IDENTIFIER_KINDS = frozenset({"identifier", "machine-id", "mac-address"})
"""What identifies a machine or user by itself when sent (a hostname or user name alone is
telemetry's business, not an identifier)."""
_THREAD_TARGETS = frozenset(
    {"threading.Thread", "threading.Timer", "multiprocessing.Process", "asyncio.to_thread"}
)
_EXECUTOR_METHODS = frozenset({"submit", "run_in_executor", "apply_async", "start_soon"})
Def = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Sent:
    """An identifier carried into a network call."""

    site: ast.AST
    """The call that passes the identifier on (the network call itself, or a helper call)."""
    sink: ast.AST
    """The network call (or header assignment) it ends in."""
    signals: tuple[Signal, ...]
    path: tuple[str, ...]
    """Functions between the site and the sink."""


def header_sink(node: ast.AST) -> ast.expr | None:
    """``client.headers.update(x)`` or ``client.headers[k] = x``: the value set as a header."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("update", "setdefault", "__setitem__")
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "headers"
        and node.args
    ):
        return node.args[-1]
    if isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Subscript)
        and isinstance(t.value, ast.Attribute)
        and t.value.attr == "headers"
        for t in node.targets
    ):
        return node.value
    return None


_HEADER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$")
_REQUEST_HEADERS = frozenset(
    {"authorization", "user-agent", "content-type", "accept", "x-api-key", "cookie"}
    | {"proxy-authorization", "accept-language", "api-key", "anthropic-version"}
)


def header_table(node: ast.AST) -> bool:
    """A dict literal of request headers (``{"Authorization": …, "User-Agent": …,
    "X-Client-Build": …}``): what it holds goes out with every request it is given to."""
    if not isinstance(node, ast.Dict):
        return False
    keys = [
        k.value.lower()
        for k in node.keys
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    ]
    return (
        len(keys) >= 2
        and all(_HEADER_NAME.match(k) for k in keys)
        and any(k in _REQUEST_HEADERS for k in keys)
    )


def call_targets(index: ModuleIndex, node: ast.Call) -> list[tuple[Def, list[ast.expr]]]:
    """Local functions ``node`` runs, with the expressions passed as their positional
    arguments: a direct call, or a thread/executor target (``Thread(target=f, args=(x,))``,
    ``pool.submit(f, x)``, ``loop.run_in_executor(None, f, x)``)."""
    out: list[tuple[Def, list[ast.expr]]] = []
    fn = callable_def(index, node.func)
    if fn is not None:
        out.append((fn, list(node.args)))
    name = dotted(index, node.func) or ""
    kw = {k.arg: k.value for k in node.keywords if k.arg}
    if name in _THREAD_TARGETS:
        args_kw = kw.get("args")
        passed = list(args_kw.elts) if isinstance(args_kw, (ast.Tuple, ast.List)) else []
        if name == "asyncio.to_thread":
            target, passed = (node.args[0] if node.args else None), list(node.args[1:])
        elif name == "threading.Timer":
            target = node.args[1] if len(node.args) > 1 else kw.get("function")
        else:
            target = kw.get("target") or (node.args[1] if len(node.args) > 1 else None)
        found = callable_def(index, target) if target is not None else None
        if found is not None:
            out.append((found, passed))
    elif isinstance(node.func, ast.Attribute) and node.func.attr in _EXECUTOR_METHODS:
        args = list(node.args)
        if node.func.attr == "run_in_executor" and args:
            args = args[1:]
        if args:
            found = callable_def(index, args[0])
            if found is not None:
                out.append((found, args[1:]))
    return out


class Senders:
    """Which parameters of which functions reach a network call, memoised per function."""

    def __init__(self, index: ModuleIndex, flow: Flow) -> None:
        self.index, self.flow = index, flow
        self._memo: dict[int, dict[str, tuple[ast.AST, tuple[str, ...]]]] = {}
        self._active: set[int] = set()

    def reaching(self, fn: Def, depth: int = 0) -> dict[str, tuple[ast.AST, tuple[str, ...]]]:
        """Parameter name → (the network call it reaches, the functions on the way)."""
        key = id(fn)
        if key in self._memo:
            return self._memo[key]
        if key in self._active or depth > MAX_DEPTH or len(self._memo) > MAX_FUNCTIONS:
            return {}
        self._active.add(key)
        try:
            found = self._reaching(fn, depth)
        finally:
            self._active.discard(key)
        self._memo[key] = found
        return found

    def _reaching(self, fn: Def, depth: int) -> dict[str, tuple[ast.AST, tuple[str, ...]]]:
        names = [a.arg for a in fn.args.args if a.arg not in ("self", "cls")]
        if not names:
            return {}
        params: Params = {n: (Signal("param", n),) for n in names}
        found: dict[str, tuple[ast.AST, tuple[str, ...]]] = {}
        for node in _own_nodes(fn):
            value = header_sink(node)
            if value is not None:
                for p in self._params_in([value], params):
                    found.setdefault(p, (node, (fn.name,)))
            if not isinstance(node, ast.Call):
                continue
            if network_send(self.index, node) is not None:
                parts = [*node.args, *(k.value for k in node.keywords)]
                for p in self._params_in(parts, params):
                    found.setdefault(p, (node, (fn.name,)))
                continue
            for callee, passed in call_targets(self.index, node):
                if callee is fn:
                    continue
                inner = self.reaching(callee, depth + 1)
                inner_names = [a.arg for a in callee.args.args if a.arg not in ("self", "cls")]
                for name, expr in zip(inner_names, passed, strict=False):
                    if name in inner:
                        sink, path = inner[name]
                        for p in self._params_in([expr], params):
                            found.setdefault(p, (sink, (fn.name, *path)))
        return found

    def _params_in(self, exprs: list[ast.expr], params: Params) -> list[str]:
        return [s.source for e in exprs for s in self.flow.signals(e, params) if s.kind == "param"]


def _own_nodes(fn: Def) -> list[ast.AST]:
    """Nodes of ``fn``'s body, not of functions nested in it."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, (*FUNCTIONS, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return out


def identifiers_sent(index: ModuleIndex, flow: Flow) -> list[Sent]:
    """Every place an identifier is handed to a network call, once per site."""
    senders = Senders(index, flow)
    out: list[Sent] = []
    for node in index.nodes(ast.Call, ast.Assign):
        value = header_sink(node)
        if value is not None:
            ids = _ids(flow, [value])
            if ids:
                out.append(Sent(node, node, ids, ()))
            continue
        if not isinstance(node, ast.Call):
            continue
        if network_send(index, node) is not None:
            ids = _ids(flow, [*node.args, *(k.value for k in node.keywords)])
            if ids:
                out.append(Sent(node, node, ids, ()))
            continue
        for callee, passed in call_targets(index, node):
            reach = senders.reaching(callee)
            if not reach:
                continue
            names = [a.arg for a in callee.args.args if a.arg not in ("self", "cls")]
            for name, expr in zip(names, passed, strict=False):
                ids = _ids(flow, [expr]) if name in reach else ()
                if ids:
                    sink, path = reach[name]
                    out.append(Sent(node, sink, ids, path))
                    break
    found = {s.signals for s in out}
    for node in index.nodes(ast.Dict):
        if not header_table(node):
            continue
        assert isinstance(node, ast.Dict)
        for value in node.values:
            ids = _ids(flow, [value])
            if ids and ids not in found:
                found.add(ids)
                out.append(Sent(value, node, ids, ()))
    return out


def _ids(flow: Flow, exprs: list[ast.expr]) -> tuple[Signal, ...]:
    found = [s for e in exprs for s in flow.signals(e) if s.kind in IDENTIFIER_KINDS]
    return tuple(dict.fromkeys(found))
