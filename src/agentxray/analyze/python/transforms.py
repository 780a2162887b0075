"""How signals change on their way: through subscripts and method calls (an HTTP answer's
``country`` key, a file read, a response header), arithmetic on UTC offsets, and hashing into
identifiers; and where loop variables and returns come from."""

from __future__ import annotations

import ast
import logging
from dataclasses import replace
from typing import TypeVar

from agentxray.analyze.python.network import COUNTRY_KEYS, GEO_KEYS, header_kind, response_read
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex
from agentxray.analyze.python.signals import Signal, literal_str

logger = logging.getLogger(__name__)

KEEP_METHODS = frozenset(
    {"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "split", "rsplit", "partition"}
    | {"rpartition", "replace", "decode", "encode", "removeprefix", "removesuffix", "title"}
    | {"splitlines", "expandtabs", "normalize", "read", "readline", "zfill", "rjust", "ljust"}
)
KEEP_ATTRS = frozenset({"key", "zone", "tzinfo", "value"})
_READS = frozenset({"read", "read_text", "readline", "strip", "read_bytes", "readlines"})
_LINKS = frozenset({"resolve", "readlink", "realpath"})
STICKY = frozenset(
    {"hostname", "username", "machine-id", "mac-address", "email", "ip-address"}
    | {"identifier", "param"}
)
"""Kinds that stay attached to text and containers built from them (an identity in a payload)."""
INTERMEDIATE = frozenset({"ip-geo", "http", "http-json", "http-headers", "file", "url"})


def loop_source(index: ModuleIndex, node: ast.AST) -> ast.expr | None:
    """For a loop variable (``for d in LIST``, ``any(... for d in LIST)``), the iterable."""
    if not isinstance(node, ast.Name):
        return None
    cur = index.parent(node)
    while cur is not None and not isinstance(cur, (*FUNCTIONS, ast.Module, ast.ClassDef)):
        gens: list[ast.comprehension | ast.For | ast.AsyncFor] = []
        if isinstance(cur, (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            gens = list(cur.generators)
        elif isinstance(cur, (ast.For, ast.AsyncFor)):
            gens = [cur]
        for g in gens:
            if isinstance(g.target, ast.Name) and g.target.id == node.id and node is not g.target:
                return g.iter
            if isinstance(g.target, ast.Tuple) and node not in g.target.elts:
                source = _unpacked_source(g.target, g.iter, node.id)
                if source is not None:
                    return source
        cur = index.parent(cur)
    return None


def _unpacked_source(target: ast.Tuple, it: ast.expr, name: str) -> ast.expr | None:
    """``for i, d in enumerate(LIST)`` → ``LIST`` for ``d``; ``for a, b in zip(A, B)`` → ``B``
    for ``b``; ``for k, v in TABLE.items()`` → ``TABLE`` (its keys) for ``k``. A counter or a
    value of unknown origin gives ``None``."""
    position = next(
        (i for i, e in enumerate(target.elts) if isinstance(e, ast.Name) and e.id == name), None
    )
    if position is None or not isinstance(it, ast.Call):
        return None
    func = it.func
    if isinstance(func, ast.Name) and func.id == "enumerate" and it.args:
        return it.args[0] if position == 1 and len(target.elts) == 2 else None
    if isinstance(func, ast.Name) and func.id == "zip" and len(it.args) == len(target.elts):
        arg = it.args[position]
        return None if isinstance(arg, ast.Starred) else arg
    if isinstance(func, ast.Attribute) and func.attr == "items" and not it.args:
        return func.value if position == 0 and len(target.elts) == 2 else None
    return None


_N = TypeVar("_N", bound=ast.AST)


def _own(fn: ast.FunctionDef | ast.AsyncFunctionDef, kind: type[_N]) -> list[_N]:
    """The ``kind`` nodes of ``fn`` itself, not of the functions and classes nested in it."""
    out: list[_N] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, kind):
            out.append(node)
        elif not isinstance(node, (*FUNCTIONS, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return out


def returns(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[ast.Return]:
    """``return`` statements of ``fn`` itself (not of nested functions)."""
    if isinstance(fn, ast.Lambda):
        return [ast.copy_location(ast.Return(value=fn.body), fn.body)]
    return _own(fn, ast.Return)


def yields(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[ast.Yield]:
    """``yield`` expressions of a generator ``fn`` itself: what iterating its result gives."""
    return [] if isinstance(fn, ast.Lambda) else _own(fn, ast.Yield)


def is_identity(s: Signal) -> bool:
    return s.kind in STICKY and s.kind != "param"


def identifier(found: list[Signal]) -> list[Signal]:
    ids = [s for s in found if is_identity(s)]
    if not ids:
        return []
    return [Signal("identifier", ", ".join(dict.fromkeys(s.label for s in ids)))]


def geo(s: Signal, key: str) -> Signal:
    what = "IP geolocation" if s.kind == "ip-geo" else "HTTP response"
    return Signal(GEO_KEYS[key], f"{what} ({s.source}) {key}", hops=s.hops)


def body(s: Signal) -> Signal:
    return replace(s, kind="http-json") if s.kind == "http" else s


def scaled(s: Signal, factor: float) -> Signal:
    """An offset multiplied by ``factor`` (``-1`` flips west/east; ``1/3600`` seconds → hours)."""
    if s.kind != "tz-offset" or s.unit == "text" or not s.unit:
        return s
    scale, _, direction = s.unit.partition("-")
    if factor < 0:
        direction = "east" if direction == "west" else "west"
        factor = -factor
    steps = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}
    seconds_per = steps.get(scale, 1.0) / factor
    new = next((k for k, v in steps.items() if abs(v - seconds_per) < 1e-9), None)
    if new is None:
        return replace(s, unit="")
    return replace(s, unit=f"{new}-{direction}")


def subscript(base: tuple[Signal, ...], node: ast.Subscript) -> list[Signal]:
    out: list[Signal] = []
    key = literal_str(node.slice)
    for s in base:
        if s.kind in ("ip-geo", "http-json") and key is not None:
            if key in GEO_KEYS and (s.kind == "ip-geo" or key in COUNTRY_KEYS):
                out.append(geo(s, key))
            elif key not in GEO_KEYS:
                out.append(s)  # a nested object of the answer
        elif s.kind == "http-headers" and key is not None:
            kind = header_kind(key)
            if kind is not None:
                out.append(Signal(kind, f"response header {key} ({s.source})", hops=s.hops))
        elif s.kind not in INTERMEDIATE:
            out.append(s)
    return out


def method(base: tuple[Signal, ...], attr: str, node: ast.Call) -> list[Signal]:
    out: list[Signal] = []
    key = literal_str(node.args[0]) if node.args else None
    for s in base:
        if s.kind in ("ip-geo", "http", "http-json") and response_read(attr):
            out.append(body(s))
        elif s.kind in ("ip-geo", "http-json") and attr == "get" and key is not None:
            if key in GEO_KEYS and (s.kind == "ip-geo" or key in COUNTRY_KEYS):
                out.append(geo(s, key))
            elif key not in GEO_KEYS:
                out.append(s)
        elif s.kind == "http" and attr == "info":
            out.append(replace(s, kind="http-headers"))
        elif s.kind in ("http", "http-headers") and attr in ("get", "getheader") and key:
            kind = header_kind(key)
            if kind is not None:
                out.append(Signal(kind, f"response header {key} ({s.source})", hops=s.hops))
        elif s.kind == "file" and (attr in _READS or attr in _LINKS):
            if s.unit != "timezone" or attr in _LINKS or s.source != "/etc/localtime":
                out.append(Signal(s.unit, s.source, hops=s.hops))
        elif kept(s, attr):
            out.append(s)
    return out


def kept(s: Signal, attr: str) -> bool:
    if s.kind == "ip-geo":
        return attr in KEEP_METHODS  # a plain-text answer (``ipinfo.io/country``): "CN\n"
    if s.kind in INTERMEDIATE:
        return False
    if s.kind == "param":
        return True
    if s.kind == "identifier":
        return attr in ("hexdigest", "digest", "hex") or attr in KEEP_METHODS
    if s.kind == "timezone" and attr in ("tzname", "key"):
        return True
    if s.kind == "tz-offset" and attr == "total_seconds":
        return True
    return attr in KEEP_METHODS
