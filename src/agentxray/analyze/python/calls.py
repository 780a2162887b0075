"""Calls the safe evaluator understands: decoders, a few builtins, string methods, and small
decoder functions of the analysed module interpreted statement by statement (never executed)."""

from __future__ import annotations

import ast
import itertools
import logging

from agentxray.analyze.python.decoders import (
    Unsupported,
    decode_bytes,
    decompress,
    is_decoder,
    is_decompressor,
    rot13,
)
from agentxray.analyze.python.evaluate import (
    MAX_STEPS,
    STR_METHODS,
    Cycle,
    Evaluator,
    assign,
    iterate,
    truth,
)

logger = logging.getLogger(__name__)

MAX_CALL_DEPTH = 4
BUILTINS = frozenset(
    {"chr", "ord", "bytes", "bytearray", "str", "list", "tuple", "reversed", "len", "range"}
    | {"zip", "enumerate", "map", "int", "sorted", "set", "frozenset"}
)


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


def call(ev: Evaluator, node: ast.Call, local: dict[str, object]) -> object:
    """Evaluate a call to a whitelisted function with evaluated arguments."""
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise Unsupported("starred arguments")
    kw = {k.arg: k.value for k in node.keywords if k.arg}
    if isinstance(node.func, ast.Attribute):
        name = ev.dotted(node.func)
        if name is not None and "." in name and name.split(".")[0] not in local:
            known = _module_call(ev, name, node, kw, local)
            if known is not _NOT_KNOWN:
                return known
        return _method(ev, node.func, node, local)
    if isinstance(node.func, ast.Name):
        fname = node.func.id
        alias = ev.index.aliases.get(fname)
        if alias is not None:
            return _module_call(ev, alias, node, kw, local, strict=True)
        if fname == "map" and len(node.args) == 2:
            return _map(ev, node.args[0], ev.eval(node.args[1], local), local)
        if fname in BUILTINS and not ev.index.functions.get(fname):
            args = [ev.eval(a, local) for a in node.args]
            return _builtin(ev, fname, args, local)
        defs = ev.index.functions.get(fname, [])
        if len(defs) == 1:
            return run_function(ev, defs[0], [ev.eval(a, local) for a in node.args])
    if isinstance(node.func, ast.Lambda):
        return _lambda(ev, node.func, [ev.eval(a, local) for a in node.args], local)
    raise Unsupported("call")


_NOT_KNOWN = object()


def _module_call(
    ev: Evaluator,
    name: str,
    node: ast.Call,
    kw: dict[str, ast.expr],
    local: dict[str, object],
    strict: bool = False,
) -> object:
    if is_decoder(name) or is_decompressor(name):
        if not node.args:
            raise Unsupported("no argument")
        arg = ev.eval(node.args[0], local)
        method, out = decode_bytes(name, arg) if is_decoder(name) else decompress(name, arg)
        ev._mark(method)
        return out
    if name in ("codecs.decode", "codecs.encode") and len(node.args) >= 2:
        data, enc = ev.eval(node.args[0], local), ev.eval(node.args[1], local)
        enc = enc.lower().replace("-", "_") if isinstance(enc, str) else enc
        if enc in ("rot13", "rot_13"):
            ev._mark("rot13")
            return rot13(data)
        if enc in ("hex", "hex_codec"):
            return decode_bytes("binascii.unhexlify", data)[1] if name == "codecs.decode" else 0
        if enc in ("base64", "base64_codec") and name == "codecs.decode":
            ev._mark("base64")
            return decode_bytes("base64.b64decode", data)[1]
        if enc in ("zlib", "zlib_codec") and name == "codecs.decode":
            ev._mark("zlib")
            return decompress("zlib.decompress", data)[1]
        raise Unsupported("codec")
    if name == "datetime.timedelta":
        return _timedelta(ev, node, kw, local)
    if name == "itertools.cycle" and len(node.args) == 1:
        return Cycle(tuple(iterate(ev.eval(node.args[0], local))))
    if name.startswith("builtins.") and name[9:] in BUILTINS:
        return _builtin(ev, name[9:], [ev.eval(a, local) for a in node.args], local)
    if strict:
        raise Unsupported(f"call of {name}")
    return _NOT_KNOWN


_TIMEDELTA_UNITS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def _timedelta(
    ev: Evaluator, node: ast.Call, kw: dict[str, ast.expr], local: dict[str, object]
) -> int:
    """``timedelta(hours=8)`` as whole seconds (offsets are compared as timedeltas)."""
    total = 0
    for unit, arg in zip(("days", "seconds"), node.args, strict=False):
        kw.setdefault(unit, arg)
    for unit, expr in kw.items():
        value = ev.eval(expr, local)
        if unit not in _TIMEDELTA_UNITS or not isinstance(value, int) or isinstance(value, bool):
            raise Unsupported("timedelta")
        total += value * _TIMEDELTA_UNITS[unit]
    return total


def _builtin(ev: Evaluator, name: str, args: list[object], local: dict[str, object]) -> object:
    if name == "chr" and len(args) == 1 and isinstance(args[0], int):
        ev._mark("character codes")
        if not 0 <= args[0] <= 0x10FFFF:
            raise Unsupported("chr range")
        return chr(args[0])
    if name == "ord" and len(args) == 1 and isinstance(args[0], str) and len(args[0]) == 1:
        return ord(args[0])
    if name in ("bytes", "bytearray") and len(args) == 1 and isinstance(args[0], (list, bytes)):
        ints = [i for i in args[0] if isinstance(i, int) and 0 <= i < 256]
        if len(ints) != len(args[0]):
            raise Unsupported("bytes of non-bytes")
        return bytes(ints)
    if name in ("bytes", "bytearray") and len(args) >= 2 and isinstance(args[0], str):
        return args[0].encode(str(args[1]))
    if name == "str" and len(args) == 1 and isinstance(args[0], (str, int)):
        return str(args[0])
    if name == "str" and len(args) >= 2 and isinstance(args[0], bytes):
        return _decode(args[0], args[1])
    if name in ("list", "tuple", "set", "frozenset", "sorted") and len(args) == 1:
        items = iterate(args[0])
        if name == "sorted":
            if not all(isinstance(i, str) for i in items):
                raise Unsupported("sorted of non-strings")
            return sorted(str(i) for i in items)
        return items
    if name == "reversed" and len(args) == 1:
        ev._mark("reversed")
        return iterate(args[0])[::-1]
    if name == "len" and len(args) == 1 and isinstance(args[0], (str, bytes, list)):
        return len(args[0])
    if name == "int" and args and isinstance(args[0], str):
        try:
            return int(args[0], *(a for a in args[1:2] if isinstance(a, int)))
        except ValueError as exc:
            raise Unsupported("int") from exc
    bounds = [a for a in args if isinstance(a, int)]
    if name == "range" and args and len(bounds) == len(args) <= 3:
        ev._mark("range")  # generated values, not hidden ones
        r = range(*bounds)
        if len(r) > MAX_STEPS:
            raise Unsupported("range too long")
        return list(r)
    if name == "enumerate" and len(args) == 1:
        return [[i, v] for i, v in enumerate(iterate(args[0]))]
    if name == "zip" and args:
        finite = [iterate(a) for a in args if not isinstance(a, Cycle)]
        if not finite:
            raise Unsupported("zip of cycles only")
        its = [itertools.cycle(a.items) if isinstance(a, Cycle) else iter(iterate(a)) for a in args]
        ev._tick(min(len(f) for f in finite))
        return [list(t) for t in zip(*its, strict=False)]
    raise Unsupported(f"builtin {name}")


def _map(ev: Evaluator, fn: ast.expr, items: object, local: dict[str, object]) -> list[object]:
    out: list[object] = []
    defs = ev.index.functions.get(fn.id, []) if isinstance(fn, ast.Name) else []
    for item in iterate(items):
        ev._tick()
        if isinstance(fn, ast.Name) and fn.id in BUILTINS and not defs:
            out.append(_builtin(ev, fn.id, [item], local))
        elif isinstance(fn, ast.Lambda):
            out.append(_lambda(ev, fn, [item], local))
        elif len(defs) == 1:
            out.append(run_function(ev, defs[0], [item]))
        else:
            raise Unsupported("map function")
    return out


def _decode(data: bytes, encoding: object) -> str:
    try:
        return data.decode(str(encoding) if encoding else "utf-8")
    except (UnicodeDecodeError, LookupError) as exc:
        raise Unsupported("decode") from exc


def _method(ev: Evaluator, func: ast.Attribute, node: ast.Call, local: dict[str, object]) -> object:
    if func.attr not in STR_METHODS:
        raise Unsupported(f"method {func.attr}")
    recv = ev.eval(func.value, local)
    args = [ev.eval(a, local) for a in node.args]
    for k in node.keywords:
        if k.arg == "encoding":
            args = [ev.eval(k.value, local)]
    if func.attr == "join" and isinstance(recv, (str, bytes)) and len(args) == 1:
        items = iterate(args[0])
        ev._tick(len(items))
        if isinstance(recv, str):
            strs = [i for i in items if isinstance(i, str)]
            if len(strs) == len(items):
                return recv.join(strs)
        else:
            blobs = [i for i in items if isinstance(i, bytes)]
            if len(blobs) == len(items):
                return recv.join(blobs)
        raise Unsupported("join of mixed items")
    if func.attr == "decode" and isinstance(recv, bytes):
        return _decode(recv, args[0] if args else "utf-8")
    if func.attr == "encode" and isinstance(recv, str):
        return recv.encode(str(args[0]) if args else "utf-8", errors="strict")
    if isinstance(recv, (str, bytes)) and func.attr != "join":
        try:
            return getattr(recv, func.attr)(*args)
        except (TypeError, ValueError) as exc:
            raise Unsupported(func.attr) from exc
    raise Unsupported(f"method {func.attr}")


def _lambda(ev: Evaluator, fn: ast.Lambda, args: list[object], local: dict[str, object]) -> object:
    names = [a.arg for a in fn.args.args]
    if len(names) != len(args):
        raise Unsupported("lambda arity")
    return ev.eval(fn.body, {**local, **dict(zip(names, args, strict=True))})


def run_function(
    ev: Evaluator, fn: ast.FunctionDef | ast.AsyncFunctionDef, args: list[object]
) -> object:
    """Interpret a small decoder function (assignments, loops, appends, one return)."""
    params = fn.args.args
    defaults = fn.args.defaults
    if len(args) > len(params) or fn.args.vararg or fn.args.kwonlyargs:
        raise Unsupported("signature")
    env: dict[str, object] = {}
    first_default = len(params) - len(defaults)
    for i, p in enumerate(params):
        if i < len(args):
            env[p.arg] = args[i]
        elif i >= first_default:
            env[p.arg] = ev.eval(defaults[i - first_default], {})
        else:
            raise Unsupported("missing argument")
    ev.depth += 10  # a call costs nesting budget, so recursion ends quickly
    try:
        _block(ev, fn.body, env)
    except _Return as ret:
        ev._mark(f"decoder {fn.name}()")
        return ret.value
    finally:
        ev.depth -= 10
    raise Unsupported("no return")


def _block(ev: Evaluator, body: list[ast.stmt], env: dict[str, object]) -> None:
    for stmt in body:
        ev._tick()
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Return):
            raise _Return(ev.eval(stmt.value, env) if stmt.value is not None else None)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            assign(stmt.targets[0], ev.eval(stmt.value, env), env)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            fake = ast.BinOp(left=stmt.target, op=stmt.op, right=stmt.value)
            env[stmt.target.id] = ev.eval(ast.copy_location(fake, stmt), env)
        elif isinstance(stmt, ast.For) and not stmt.orelse:
            for item in iterate(ev.eval(stmt.iter, env)):
                assign(stmt.target, item, env)
                _block(ev, stmt.body, env)
        elif isinstance(stmt, ast.If):
            _block(ev, stmt.body if truth(ev.eval(stmt.test, env)) else stmt.orelse, env)
        elif isinstance(stmt, ast.Expr) and _append(ev, stmt.value, env):
            continue
        else:
            raise Unsupported(type(stmt).__name__)


def _append(ev: Evaluator, node: ast.expr, env: dict[str, object]) -> bool:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "append"
        and isinstance(node.func.value, ast.Name)
        and len(node.args) == 1
    ):
        return False
    target = env.get(node.func.value.id)
    if not isinstance(target, list):
        raise Unsupported("append to a non-list")
    target.append(ev.eval(node.args[0], env))
    ev._tick()
    return True
