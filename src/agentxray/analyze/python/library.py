"""The builtins and ``str``/``bytes``/``dict``/``list`` methods the safe evaluator interprets,
each a pure function of evaluated values with its output bounded."""

from __future__ import annotations

import logging
import re

from agentxray.analyze.python.decoders import MAX_OUTPUT, Unsupported
from agentxray.analyze.python.evaluate import (
    MAX_STEPS,
    STR_METHODS,
    Cycle,
    Evaluator,
    check_widths,
    iterate,
    truth,
    unique,
)

logger = logging.getLogger(__name__)

BUILTINS = frozenset(
    {"chr", "ord", "bytes", "bytearray", "str", "list", "tuple", "reversed", "len", "range"}
    | {"zip", "enumerate", "map", "int", "sorted", "set", "frozenset", "hex", "bool", "dict"}
    | {"min", "max", "sum", "abs", "any", "all", "filter", "float", "oct", "bin", "format"}
)
"""Builtins interpreted (``map``/``filter`` take a function: handled by the caller)."""
_FORMAT_SPEC = re.compile(r"(.?[<>=^])?[+\- ]?#?0?\d{0,2}[bcdoxXs]?")
"""A format spec of fill, alignment, sign, width (under 100) and an integer or text type."""
_PADDING = frozenset({"zfill", "center", "ljust", "rjust"})
_DICT_METHODS = frozenset({"get", "keys", "values", "items"})


def builtin(ev: Evaluator, name: str, args: list[object]) -> object:
    """Apply builtin ``name`` to evaluated arguments."""
    if name == "chr" and len(args) == 1 and type(args[0]) is int:
        ev._mark("character codes")
        if not 0 <= args[0] <= 0x10FFFF:
            raise Unsupported("chr range")
        return chr(args[0])
    if name == "ord" and len(args) == 1 and isinstance(args[0], (str, bytes)) and len(args[0]) == 1:
        return ord(args[0])
    if name in ("bytes", "bytearray"):
        return _bytes(ev, args)
    if name == "str":
        return _str(args)
    if name in ("list", "tuple", "set", "frozenset", "sorted") and len(args) == 1:
        items = iterate(args[0])
        if name in ("set", "frozenset"):
            return unique(items)
        if name == "sorted":
            if not (all(isinstance(i, str) for i in items) or all(type(i) is int for i in items)):
                raise Unsupported("sorted of mixed items")
            return sorted(items)  # type: ignore[type-var]
        return items
    if name in ("list", "tuple", "set", "frozenset", "dict") and not args:
        return {} if name == "dict" else []
    if name == "dict" and len(args) == 1:
        return _dict(args[0])
    if name == "reversed" and len(args) == 1:
        ev._mark("reversed")
        return iterate(args[0])[::-1]
    if name == "len" and len(args) == 1 and isinstance(args[0], (str, bytes, list, dict)):
        return len(args[0])
    if name in ("int", "float", "bool", "hex", "oct", "bin", "abs") and args:
        return _number(ev, name, args)
    if name in ("min", "max", "sum", "any", "all") and len(args) >= 1:
        return _aggregate(name, args)
    if name == "range" and args and all(type(a) is int for a in args) and len(args) <= 3:
        ev._mark("range")  # generated values, not hidden ones
        r = range(*[a for a in args if type(a) is int])
        if len(r) > MAX_STEPS:
            raise Unsupported("range too long")
        return list(r)
    if name == "enumerate" and len(args) in (1, 2):
        start = args[1] if len(args) == 2 and type(args[1]) is int else 0
        return [[i, v] for i, v in enumerate(iterate(args[0]), start)]
    if name == "zip" and args:
        return zipped(ev, args)
    if name == "format" and len(args) in (1, 2):
        return _format(args)
    raise Unsupported(f"builtin {name}")


def _format(args: list[object]) -> str:
    """``format(i, "05b")``: an integer's digits (bit strings of a base-32 decoder) or padded
    text, under a spec of bounded width."""
    value, spec = args[0], args[1] if len(args) > 1 else ""
    if not isinstance(spec, str) or not _FORMAT_SPEC.fullmatch(spec):
        raise Unsupported("format spec")
    if type(value) is not int and not (isinstance(value, str) and len(value) <= MAX_STEPS):
        raise Unsupported("format of a non-integer")
    try:
        return format(value, spec)
    except (ValueError, TypeError) as exc:
        raise Unsupported("format") from exc


def zipped(ev: Evaluator, args: list[object]) -> list[object]:
    """``zip`` of evaluated iterables; ``itertools.cycle`` partners repeat."""
    finite = [iterate(a) for a in args if not isinstance(a, Cycle)]
    if not finite:
        raise Unsupported("zip of cycles only")
    n = min(len(f) for f in finite)
    ev._tick(n)
    columns = [
        [a.items[i % len(a.items)] for i in range(n)] if isinstance(a, Cycle) else iterate(a)[:n]
        for a in args
    ]
    if any(isinstance(a, Cycle) and not a.items for a in args):
        raise Unsupported("cycle of nothing")
    return [list(t) for t in zip(*columns, strict=True)]


def _bytes(ev: Evaluator, args: list[object]) -> bytes:
    if len(args) == 1 and isinstance(args[0], (list, bytes)):
        items = iterate(args[0])
        ints = [i for i in items if type(i) is int and 0 <= i < 256]
        if len(ints) != len(items):
            raise Unsupported("bytes of non-bytes")
        if isinstance(args[0], list) and not ev.methods:
            ev._mark("character codes")  # a literal list of codes, not a decoder's output
        return bytes(ints)
    if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        return args[0].encode(args[1])
    if len(args) == 1 and isinstance(args[0], str):
        raise Unsupported("bytes of str without encoding")
    raise Unsupported("bytes")


def _str(args: list[object]) -> str:
    if len(args) == 1 and isinstance(args[0], (str, int, float)):
        return str(args[0])
    if len(args) >= 2 and isinstance(args[0], bytes):
        return decode(args[0], args[1])
    raise Unsupported("str")


def _dict(value: object) -> dict[object, object]:
    if isinstance(value, dict):
        return dict(value)
    out: dict[object, object] = {}
    for pair in iterate(value):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise Unsupported("dict of non-pairs")
        key = pair[0]
        if isinstance(key, list):
            raise Unsupported("unhashable key")
        out[key] = pair[1]
    return out


def _digits(ev: Evaluator, text: str, base: int) -> int:
    """``int(bits, 2)``: a number read from digits of another base (a decoder's bit groups)."""
    out = int(text, base)
    ev._mark({2: "binary digits", 8: "octal digits", 16: "hex digits"}.get(base, "base-N digits"))
    return out


def _number(ev: Evaluator, name: str, args: list[object]) -> object:
    first = args[0]
    if name == "bool":
        return truth(first)
    if name == "int" and isinstance(first, str):
        base = args[1] if len(args) > 1 and type(args[1]) is int else 10
        if len(first) > 4300:
            raise Unsupported("int of a long string")
        try:
            return int(first, base) if base == 10 else _digits(ev, first, base)
        except ValueError as exc:
            raise Unsupported("int") from exc
    if name in ("int", "float", "abs") and isinstance(first, (int, float)):
        return int(first) if name == "int" else float(first) if name == "float" else abs(first)
    if name in ("hex", "oct", "bin") and type(first) is int:
        return hex(first) if name == "hex" else oct(first) if name == "oct" else bin(first)
    raise Unsupported(name)


def _aggregate(name: str, args: list[object]) -> object:
    items = iterate(args[0]) if len(args) == 1 else list(args)
    if name == "any":
        return any(truth(i) for i in items)
    if name == "all":
        return all(truth(i) for i in items)
    if not items or not all(type(i) is int for i in items):
        raise Unsupported(name)
    ints = [i for i in items if type(i) is int]
    return min(ints) if name == "min" else max(ints) if name == "max" else sum(ints)


def decode(data: bytes, encoding: object, errors: object = "strict") -> str:
    """``data.decode(encoding)`` for text encodings only (no ``rot13``-style transforms)."""
    try:
        return data.decode(str(encoding) if encoding else "utf-8", str(errors))
    except (UnicodeDecodeError, LookupError) as exc:
        raise Unsupported("decode") from exc


def method(
    ev: Evaluator, recv: object, attr: str, args: list[object], kw: dict[str, object]
) -> object:
    """``recv.attr(*args, **kw)`` for the pure methods of ``str``, ``bytes``, ``dict``, ``list``."""
    if isinstance(recv, dict) and attr in _DICT_METHODS:
        return _dict_method(recv, attr, args)
    if isinstance(recv, list) and attr in ("index", "count") and len(args) == 1:
        return recv.index(args[0]) if attr == "index" else recv.count(args[0])
    if attr not in STR_METHODS or not isinstance(recv, (str, bytes)):
        raise Unsupported(f"method {attr}")
    if attr == "join":
        return _join(ev, recv, args)
    if attr == "decode" and isinstance(recv, bytes):
        return decode(
            recv, kw.get("encoding", args[0] if args else "utf-8"), kw.get("errors", "strict")
        )
    if attr == "encode" and isinstance(recv, str):
        encoding = kw.get("encoding", args[0] if args else "utf-8")
        try:
            return recv.encode(str(encoding), errors="strict")
        except (UnicodeEncodeError, LookupError) as exc:
            raise Unsupported("encode") from exc
    if attr == "format" and isinstance(recv, str):
        check_widths(recv, "braces")
        if not all(isinstance(a, (str, int, float)) for a in [*args, *kw.values()]):
            raise Unsupported("format of non-scalars")
        return recv.format(*args, **kw)
    if attr == "translate" and isinstance(recv, str) and args and isinstance(args[0], dict):
        return _translate(ev, recv, args[0])
    if attr == "translate" and isinstance(recv, bytes) and args:
        return _translate_bytes(ev, recv, args)
    if attr in ("index", "find") and _alphabet_lookup(recv, args):
        ev._mark("custom alphabet")  # a character's place in a table: a base-N decoder
    if attr in _PADDING and any(type(a) is int and a > MAX_OUTPUT for a in args):
        raise Unsupported("padding over the size cap")
    if attr == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        if isinstance(old, type(recv)) and isinstance(new, type(recv)):
            grows = len(new) - len(old)
            if grows > 0 and (len(recv) + 1) * grows > MAX_OUTPUT:
                raise Unsupported("replace over the size cap")
    if kw:
        raise Unsupported("keyword arguments")
    try:
        out = getattr(recv, attr)(*args)
    except (TypeError, ValueError) as exc:
        raise Unsupported(attr) from exc
    return list(out) if isinstance(out, tuple) else out  # ``partition``: sequences are lists


def _alphabet_lookup(recv: object, args: list[object]) -> bool:
    """``ALPHA.index(c)``: one character looked up in a table of 16 or more distinct ones."""
    return (
        isinstance(recv, str)
        and len(args) == 1
        and isinstance(args[0], str)
        and len(args[0]) == 1
        and len(set(recv)) >= 16
    )


def _dict_method(recv: dict[object, object], attr: str, args: list[object]) -> object:
    if attr == "get" and 1 <= len(args) <= 2:
        key = tuple(args[0]) if isinstance(args[0], list) else args[0]
        return recv.get(key, args[1] if len(args) == 2 else None)
    if attr == "keys" and not args:
        return [list(k) if isinstance(k, tuple) else k for k in recv]
    if attr == "values" and not args:
        return list(recv.values())
    if attr == "items" and not args:
        return [[list(k) if isinstance(k, tuple) else k, v] for k, v in recv.items()]
    raise Unsupported(f"dict.{attr}")


def _join(ev: Evaluator, recv: str | bytes, args: list[object]) -> str | bytes:
    if len(args) != 1:
        raise Unsupported("join arity")
    items = iterate(args[0])
    ev._tick(len(items))
    if isinstance(recv, str):
        strs = [i for i in items if isinstance(i, str)]
        if len(strs) == len(items):
            if sum(map(len, strs)) + len(recv) * len(strs) > MAX_OUTPUT:
                raise Unsupported("join over the size cap")
            return recv.join(strs)
    else:
        blobs = [i for i in items if isinstance(i, bytes)]
        if len(blobs) == len(items):
            if sum(map(len, blobs)) + len(recv) * len(blobs) > MAX_OUTPUT:
                raise Unsupported("join over the size cap")
            return recv.join(blobs)
    raise Unsupported("join of mixed items")


def maketrans(args: list[object]) -> dict[object, object]:
    """``str.maketrans(...)`` as the dict it returns."""
    if len(args) == 1 and isinstance(args[0], dict):
        out: dict[object, object] = {}
        for k, v in args[0].items():
            if not (isinstance(k, (str, int)) and (v is None or isinstance(v, (str, int)))):
                raise Unsupported("maketrans table")
            out[ord(k) if isinstance(k, str) and len(k) == 1 else k] = v
        return out
    if len(args) in (2, 3) and all(isinstance(a, str) for a in args):
        strs = [a for a in args if isinstance(a, str)]
        try:
            table: dict[object, object] = {}
            for k, v in str.maketrans(*strs).items():
                table[k] = v
            return table
        except ValueError as exc:
            raise Unsupported("maketrans") from exc
    raise Unsupported("maketrans")


def _translate(ev: Evaluator, text: str, table: dict[object, object]) -> str:
    widest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
    if len(text) * widest > MAX_OUTPUT:
        raise Unsupported("translate over the size cap")
    ev._tick(len(text))
    moved = sum(1 for k, v in table.items() if v is not None and _char(v) != chr_of(k))
    if moved >= 10:
        ev._mark("character substitution")
    mapping: dict[int, str | int | None] = {}
    for k, v in table.items():
        if type(k) is not int or not (v is None or isinstance(v, (str, int))):
            raise Unsupported("translate table")
        mapping[k] = v
    try:
        return text.translate(mapping)
    except (TypeError, ValueError) as exc:
        raise Unsupported("translate") from exc


def byte_table(args: list[object]) -> bytes:
    """``bytes.maketrans(frm, to)``: the 256-byte table it returns."""
    if len(args) == 2 and all(isinstance(a, bytes) for a in args):
        frm, to = args
        if isinstance(frm, bytes) and isinstance(to, bytes) and len(frm) == len(to):
            return bytes.maketrans(frm, to)
    raise Unsupported("bytes.maketrans")


def _translate_bytes(ev: Evaluator, data: bytes, args: list[object]) -> bytes:
    """``blob.translate(table[, delete])`` with a 256-byte table (or ``None``)."""
    table, delete = args[0], args[1] if len(args) > 1 else b""
    if not (table is None or (isinstance(table, bytes) and len(table) == 256)):
        raise Unsupported("translate table")
    if not isinstance(delete, bytes) or len(args) > 2:
        raise Unsupported("translate deletions")
    ev._tick(len(data))
    if table is not None and sum(1 for i, b in enumerate(table) if b != i) >= 10:
        ev._mark("character substitution")
    return data.translate(table, delete)


def _char(value: object) -> object:
    return chr_of(value) if type(value) is int else value


def chr_of(key: object) -> str | None:
    """The character a translation-table key stands for."""
    return chr(key) if type(key) is int and 0 <= key <= 0x10FFFF else None
