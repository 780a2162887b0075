"""Data flow of environment signals in a Python module: through variables, helper functions and
their returns, attributes and simple transformations, to the expressions that carry them."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.evaluate import Evaluator
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex
from agentxray.analyze.python.signals import GEO_KEYS, Signal, direct_signal, literal_str

logger = logging.getLogger(__name__)

MAX_HOPS = 5
_KEEP_METHODS = frozenset(
    {"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "split", "rsplit", "partition"}
    | {"rpartition", "replace", "decode", "encode", "removeprefix", "removesuffix", "title"}
)
_KEEP_ATTRS = frozenset({"key", "zone", "tzinfo", "value"})
_HOST_ATTRS = frozenset({"hostname", "netloc", "host"})
_URL_PARSERS = frozenset(
    {"urllib.parse.urlparse", "urllib.parse.urlsplit", "httpx.URL", "yarl.URL", "furl.furl"}
)
_READS = frozenset({"read", "read_text", "readline", "strip"})
_HASHERS = ("hashlib.", "uuid.uuid3", "uuid.uuid5", "hmac.new")
Params = dict[str, tuple[Signal, ...]]


class Flow:
    """Which signals an expression carries, computed on demand and memoised."""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self._ev = Evaluator(index)
        self.hidden: set[str] = set()
        """Decoded strings used as signal names or URLs (hidden data deciding what is read)."""
        self._memo: dict[tuple[int, int], tuple[Signal, ...]] = {}
        self._active: set[tuple[int, int]] = set()
        self.depth = 0

    def signals(self, node: ast.AST, params: Params | None = None) -> tuple[Signal, ...]:
        """The signals ``node``'s value derives from (``params``: signals of the parameters)."""
        key = (id(node), id(params) if params else 0)
        if key in self._memo:
            return self._memo[key]
        if key in self._active or self.depth > 60:
            return ()
        self._active.add(key)
        self.depth += 1
        try:
            out = tuple(dict.fromkeys(self._signals(node, params or {})))
        finally:
            self.depth -= 1
            self._active.discard(key)
        if not params:
            self._memo[key] = out
        return out

    def _signals(self, node: ast.AST, params: Params) -> list[Signal]:
        direct = direct_signal(self.index, node, self._text)
        if direct is not None:
            return [direct]
        if isinstance(node, ast.Name):
            return self._name(node, params)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, params)
        if isinstance(node, ast.Subscript):
            base = self.signals(node.value, params)
            return _subscript(base, node)
        if isinstance(node, ast.Call):
            return self._call(node, params)
        if isinstance(node, ast.BoolOp):
            return [s for v in node.values for s in self.signals(v, params)]
        if isinstance(node, ast.IfExp):
            return [*self.signals(node.body, params), *self.signals(node.orelse, params)]
        if isinstance(node, (ast.Await, ast.NamedExpr, ast.Starred)):
            return list(self.signals(node.value, params))
        if isinstance(node, ast.JoinedStr):
            return [s for v in node.values for s in self.signals(v, params) if _is_identity(s)]
        if isinstance(node, ast.FormattedValue):
            return list(self.signals(node.value, params))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            both = [*self.signals(node.left, params), *self.signals(node.right, params)]
            return [s for s in both if _is_identity(s)]
        if isinstance(node, ast.Dict):
            return [
                s for v in node.values for s in self.signals(v, params) if s.kind == "identifier"
            ]
        return []

    def _text(self, node: ast.AST) -> str | None:
        """A literal string, or the string the safe evaluator decodes (hidden env names, URLs)."""
        text = literal_str(node)
        if text is not None or (isinstance(node, ast.Name) and node.id in ("self", "cls")):
            return text
        try:
            value = self._ev.value(node)
        except (Unsupported, RecursionError, MemoryError):
            return None
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if not isinstance(value, str):
            return None
        if self._ev.methods:
            self.hidden.add(value)
        return value

    def _name(self, node: ast.Name, params: Params) -> list[Signal]:
        if node.id in params:
            return list(params[node.id])
        exprs, _ = self.index.lookup(node.id, node)
        return [s for e in exprs[:8] for s in self.signals(e, params if exprs else None)]

    def _attribute(self, node: ast.Attribute, params: Params) -> list[Signal]:
        base = self.signals(node.value, params)
        out: list[Signal] = []
        for s in base:
            if node.attr in _HOST_ATTRS and s.kind in ("url", "endpoint"):
                out.append(Signal("endpoint", s.source, host=True, hops=s.hops))
            elif (node.attr in _KEEP_ATTRS and s.kind in ("timezone", "locale", "country")) or (
                node.attr == "stdout" and s.kind in ("email", "username")
            ):
                out.append(s)
        if not base and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            for e in self.index.attributes.get(node.attr, [])[:8]:
                out.extend(self.signals(e))
        return out

    def _call(self, node: ast.Call, params: Params) -> list[Signal]:
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.signals(func.value, params)
            if base:
                return _method(base, func.attr, node)
        name = _func_name(self.index, func)
        args = [self.signals(a, params) for a in node.args]
        if name in ("json.loads", "orjson.loads", "ujson.loads") and args:
            return [s for s in args[0] if s.kind == "ip-geo"]
        if name in _URL_PARSERS or name in ("str", "repr"):
            return [
                Signal("url", s.source, hops=s.hops)
                if s.kind == "endpoint" and name != "str"
                else s
                for sig in args[:1]
                for s in sig
            ]
        if name.startswith(_HASHERS):
            found = [
                s
                for a in (*args, *(self.signals(k.value, params) for k in node.keywords))
                for s in a
                if _is_identity(s)
            ]
            if found:
                return [Signal("identifier", ", ".join(dict.fromkeys(s.label for s in found)))]
            return []
        return self._summary(func, args)

    def _summary(self, func: ast.expr, args: list[tuple[Signal, ...]]) -> list[Signal]:
        """Signals a local helper function returns, with the call's argument signals bound."""
        if isinstance(func, ast.Name):
            name = func.id
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id not in ("self", "cls"):
                return []
            name = func.attr
        else:
            return []
        defs = self.index.functions.get(name, [])
        if len(defs) != 1 or self.depth > MAX_HOPS * 6:
            return []
        fn = defs[0]
        names = [a.arg for a in fn.args.args if a.arg not in ("self", "cls")]
        bound: Params = {n: a for n, a in zip(names, args, strict=False) if a}
        out: list[Signal] = []
        for ret in returns(fn):
            if ret.value is not None:
                out.extend(s.via(name) for s in self.signals(ret.value, bound or None))
        return out


def returns(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[ast.Return]:
    """``return`` statements of ``fn`` itself (not of nested functions)."""
    if isinstance(fn, ast.Lambda):
        return [ast.copy_location(ast.Return(value=fn.body), fn.body)]
    out: list[ast.Return] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            out.append(node)
        elif not isinstance(node, (*FUNCTIONS, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _is_identity(s: Signal) -> bool:
    return s.kind in ("hostname", "username", "machine-id", "mac-address", "email", "identifier")


def _subscript(base: tuple[Signal, ...], node: ast.Subscript) -> list[Signal]:
    out: list[Signal] = []
    key = literal_str(node.slice)
    for s in base:
        if s.kind == "ip-geo" and key in GEO_KEYS:
            out.append(Signal(GEO_KEYS[key], f"IP geolocation ({s.source}) {key}", hops=s.hops))
        elif s.kind not in ("ip-geo", "machine-id-file", "url"):
            out.append(s)
    return out


def _method(base: tuple[Signal, ...], attr: str, node: ast.Call) -> list[Signal]:
    out: list[Signal] = []
    for s in base:
        if s.kind == "ip-geo" and attr in ("json", "read", "text", "decode"):
            out.append(s)
        elif s.kind == "ip-geo" and attr == "get" and node.args:
            key = literal_str(node.args[0])
            if key in GEO_KEYS:
                out.append(Signal(GEO_KEYS[key], f"IP geolocation ({s.source}) {key}"))
        elif s.kind == "machine-id-file" and attr in _READS:
            out.append(Signal("machine-id", s.source, hops=s.hops))
        elif _kept(s, attr):
            out.append(s)
    return out


def _kept(s: Signal, attr: str) -> bool:
    if s.kind == "identifier":
        return attr in ("hexdigest", "digest")
    if s.kind == "timezone" and attr in ("tzname", "key"):
        return True
    return attr in _KEEP_METHODS and s.kind not in ("ip-geo", "machine-id-file", "url")


def _func_name(index: ModuleIndex, func: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return ""
    parts.append(index.aliases.get(func.id, func.id))
    return ".".join(reversed(parts))
