"""Calls the safe evaluator understands: decoders, a few builtins and modules, the pure methods of
the standard types, and small functions, methods and lambdas of the analysed module interpreted
statement by statement (never executed)."""

from __future__ import annotations

import ast
import json
import logging

from agentxray.analyze.python.decoders import (
    CODECS,
    MAX_OUTPUT,
    Unsupported,
    decode_bytes,
    decompress,
    is_decoder,
    is_decompressor,
    rot13,
    unicode_escape,
)
from agentxray.analyze.python.evaluate import Cycle, Evaluator, FunctionRef, iterate, truth
from agentxray.analyze.python.interpret import (
    callable_def,
    constructed_state,
    run_function,
    run_lambda,
)
from agentxray.analyze.python.library import (
    BUILTINS,
    builtin,
    byte_table,
    maketrans,
    method,
    zipped,
)

logger = logging.getLogger(__name__)

_OPERATORS = {
    "operator.xor": lambda a, b: a ^ b,
    "operator.add": lambda a, b: a + b,
    "operator.sub": lambda a, b: a - b,
}
MAX_LITERAL_CHARS = 200_000
"""Longest text ``ast.literal_eval`` is given (its syntax tree costs ~1 KB per token)."""
_TIMEDELTA_UNITS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
_NOT_KNOWN = object()


def call(ev: Evaluator, node: ast.Call, local: dict[str, object]) -> object:
    """Evaluate a call to a whitelisted function with evaluated arguments."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    ):
        raise Unsupported("starred arguments")
    func = node.func
    if isinstance(func, ast.Attribute):
        name = ev.dotted(func)
        root = name.split(".")[0] if name else ""
        if name is not None and root not in local:
            known = module_call(ev, name, node, local)
            if known is not _NOT_KNOWN:
                return known
            fn = callable_def(ev.index, func)
            if fn is not None:
                state = constructed_state(ev, func.value, fn)
                return run_function(ev, fn, _args(ev, node, local), bound=True, state=state)
        elif name is None and isinstance(func.value, ast.Call):  # Codec(3).decode(blob)
            fn = callable_def(ev.index, func)
            if fn is not None:
                state = constructed_state(ev, func.value, fn)
                return run_function(ev, fn, _args(ev, node, local), bound=True, state=state)
        recv = ev.eval(func.value, local)
        kw = {k.arg: ev.eval(k.value, local) for k in node.keywords if k.arg}
        return method(ev, recv, func.attr, _args(ev, node, local), kw)
    if isinstance(func, ast.Name):
        return _named(ev, func, node, local)
    if isinstance(func, ast.Lambda):
        return run_lambda(ev, func, _args(ev, node, local), local)
    return _call_value(ev, ev.eval(func, local), node, local)  # ``DECODERS[kind](blob)``


def _call_value(ev: Evaluator, ref: object, node: ast.Call, local: dict[str, object]) -> object:
    """Call a function held as a value (:class:`FunctionRef`) with the call's arguments."""
    if not isinstance(ref, FunctionRef):
        raise Unsupported("call of a non-function")
    args = _args(ev, node, local)
    if isinstance(ref.node, ast.Lambda):
        return run_lambda(ev, ref.node, args, {})
    if isinstance(ref.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return run_function(ev, ref.node, args)
    kw = {k.arg: ev.eval(k.value, local) for k in node.keywords if k.arg}
    if not args:
        raise Unsupported("no argument")
    second = args[1] if len(args) > 1 else kw.get("altchars", kw.get("wbits"))
    if is_decoder(ref.name):
        method_name, out = decode_bytes(ref.name, args[0], second)
    elif is_decompressor(ref.name):
        method_name, out = decompress(ref.name, args[0], second)
    else:
        raise Unsupported(f"call of {ref.name}")
    ev._mark(method_name)
    return out


def _args(ev: Evaluator, node: ast.Call, local: dict[str, object]) -> list[object]:
    return [ev.eval(a, local) for a in node.args]


def _named(ev: Evaluator, func: ast.Name, node: ast.Call, local: dict[str, object]) -> object:
    fname = func.id
    if fname in local:
        return _call_value(ev, local[fname], node, local)
    alias = ev.index.aliases.get(fname)
    if alias is not None:
        known = module_call(ev, alias, node, local)
        if known is _NOT_KNOWN:
            raise Unsupported(f"call of {alias}")
        return known
    defined = ev.index.functions.get(fname, [])
    if fname in ("map", "filter") and len(node.args) >= 2 and not defined:
        return _map(ev, fname, node.args[0], [ev.eval(a, local) for a in node.args[1:]], local)
    if fname in BUILTINS and not defined and not ev.index.lookup(fname, func)[0]:
        return builtin(ev, fname, _args(ev, node, local))
    fn = callable_def(ev.index, func)
    if fn is not None:
        return run_function(ev, fn, _args(ev, node, local))
    bound, _ = ev.index.lookup(fname, func)
    if len(bound) == 1 and isinstance(bound[0], ast.Lambda):
        return run_lambda(ev, bound[0], _args(ev, node, local), {})
    if len(bound) == 1 and isinstance(bound[0], ast.Attribute):
        name = ev.dotted(bound[0])  # ``_d = base64.b64decode``
        known = module_call(ev, name, node, local) if name else _NOT_KNOWN
        if known is not _NOT_KNOWN:
            return known
    if len(bound) == 1:  # ``fn = DECODERS["b32"]`` then ``fn(blob)``
        return _call_value(ev, ev.eval(bound[0], {}), node, local)
    raise Unsupported("call")


def module_call(ev: Evaluator, name: str, node: ast.Call, local: dict[str, object]) -> object:
    """A call of a known module function by dotted name, or ``_NOT_KNOWN``."""
    kw = {k.arg: k.value for k in node.keywords if k.arg}
    if is_decoder(name) or is_decompressor(name):
        if not node.args:
            raise Unsupported("no argument")
        arg = ev.eval(node.args[0], local)
        extra = node.args[1] if len(node.args) > 1 else kw.get("altchars", kw.get("wbits"))
        second = ev.eval(extra, local) if extra is not None else None
        if is_decoder(name):
            method_name, out = decode_bytes(name, arg, second)
        else:
            method_name, out = decompress(name, arg, second)
        ev._mark(method_name)
        return out
    if name in ("codecs.decode", "codecs.encode") and node.args:
        enc_node = node.args[1] if len(node.args) > 1 else kw.get("encoding")
        if enc_node is None:
            raise Unsupported("codec")
        return _codec(ev, name, ev.eval(node.args[0], local), ev.eval(enc_node, local))
    if name in ("json.loads", "ast.literal_eval") and len(node.args) == 1:
        return _literal(ev, name, ev.eval(node.args[0], local))
    if name in ("urllib.parse.unquote", "urllib.parse.unquote_plus") and len(node.args) == 1:
        import urllib.parse

        text = ev.eval(node.args[0], local)
        if not isinstance(text, str):
            raise Unsupported("unquote")
        ev._mark("percent-encoding")
        return (
            urllib.parse.unquote_plus(text) if name.endswith("plus") else urllib.parse.unquote(text)
        )
    if name == "str.maketrans":
        return maketrans(_args(ev, node, local))
    if name in ("bytes.maketrans", "bytearray.maketrans"):
        return byte_table(_args(ev, node, local))
    if name == "datetime.timedelta":
        return _timedelta(ev, node, kw, local)
    if name == "itertools.cycle" and len(node.args) == 1:
        return Cycle(tuple(iterate(ev.eval(node.args[0], local))))
    if name == "functools.reduce" and len(node.args) in (2, 3):
        return _reduce(ev, node, local)
    if name.startswith("builtins.") and name[9:] in BUILTINS:
        return builtin(ev, name[9:], _args(ev, node, local))
    return _NOT_KNOWN


def _codec(ev: Evaluator, name: str, data: object, encoding: object) -> object:
    if not isinstance(encoding, str):
        raise Unsupported("codec name")
    codec = CODECS.get(encoding.lower().replace("-", "_"))
    if codec == "rot13":
        ev._mark("rot13")
        return rot13(data)
    if name == "codecs.encode":
        raise Unsupported("encoding")
    if codec == "unicode_escape":
        ev._mark("escapes")
        return unicode_escape(data)
    if codec is not None and is_decoder(codec):
        method_name, out = decode_bytes(codec, data)
        ev._mark(method_name)
        return out
    if codec is not None and is_decompressor(codec):
        method_name, out = decompress(codec, data)
        ev._mark(method_name)
        return out
    if isinstance(data, bytes):
        from agentxray.analyze.python.library import decode

        return decode(data, encoding)
    raise Unsupported("codec")


def _literal(ev: Evaluator, name: str, text: object) -> object:
    """``json.loads``/``ast.literal_eval`` of an evaluated string: containers become lists/dicts."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="strict")
    limit = MAX_OUTPUT if name == "json.loads" else MAX_LITERAL_CHARS
    if not isinstance(text, str) or len(text) > limit:
        raise Unsupported("literal input")
    ev._tick(len(text) // 16)
    try:
        value: object = json.loads(text) if name == "json.loads" else ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError) as exc:
        raise Unsupported(f"{name}: {exc}") from exc
    return _plain(value, 0)


def _plain(value: object, depth: int) -> object:
    if depth > 20:
        raise Unsupported("literal too deep")
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return value
    raise Unsupported("literal value")


def _timedelta(
    ev: Evaluator, node: ast.Call, kw: dict[str, ast.expr], local: dict[str, object]
) -> int:
    """``timedelta(hours=8)`` as whole seconds (offsets are compared as timedeltas)."""
    total = 0
    for unit, arg in zip(("days", "seconds"), node.args, strict=False):
        kw.setdefault(unit, arg)
    for unit, expr in kw.items():
        value = ev.eval(expr, local)
        if unit not in _TIMEDELTA_UNITS or type(value) not in (int, float):
            raise Unsupported("timedelta")
        assert isinstance(value, (int, float))
        total += int(value * _TIMEDELTA_UNITS[unit])
    return total


def _apply(ev: Evaluator, fn: ast.expr, args: list[object], local: dict[str, object]) -> object:
    """Apply a function expression (lambda, builtin, local def, ``operator.*``) to values."""
    if isinstance(fn, ast.Lambda):
        return run_lambda(ev, fn, args, local)
    name = ev.dotted(fn) or ""
    if name in _OPERATORS and len(args) == 2:
        a, b = args
        if type(a) is int and type(b) is int:
            if name == "operator.xor":
                ev._mark("XOR")
            return _OPERATORS[name](a, b)
        raise Unsupported("operator on non-integers")
    if isinstance(fn, ast.Name) and fn.id in BUILTINS and not ev.index.functions.get(fn.id):
        return builtin(ev, fn.id, args)
    found = callable_def(ev.index, fn)
    if found is not None:
        return run_function(ev, found, args, bound=isinstance(fn, ast.Attribute))
    if isinstance(fn, ast.Name):
        bound, _ = ev.index.lookup(fn.id, fn)
        if len(bound) == 1 and isinstance(bound[0], ast.Lambda):
            return run_lambda(ev, bound[0], args, {})
    raise Unsupported("function")


def _map(
    ev: Evaluator, kind: str, fn: ast.expr, iterables: list[object], local: dict[str, object]
) -> list[object]:
    rows = zipped(ev, iterables) if len(iterables) > 1 else [[i] for i in iterate(iterables[0])]
    out: list[object] = []
    for row in rows:
        ev._tick()
        args = row if isinstance(row, list) else [row]
        if kind == "filter":
            keep = (
                truth(args[0])
                if isinstance(fn, ast.Constant)
                else truth(_apply(ev, fn, args, local))
            )
            if keep:
                out.append(args[0])
        else:
            out.append(_apply(ev, fn, args, local))
    return out


def _reduce(ev: Evaluator, node: ast.Call, local: dict[str, object]) -> object:
    items = iterate(ev.eval(node.args[1], local))
    if len(node.args) == 3:
        acc = ev.eval(node.args[2], local)
    elif items:
        acc, items = items[0], items[1:]
    else:
        raise Unsupported("reduce of nothing")
    for item in items:
        ev._tick()
        acc = _apply(ev, node.args[0], [acc, item], local)
    return acc
