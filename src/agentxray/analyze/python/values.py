"""Values of the safe evaluator and the pure helpers on them: ``itertools.cycle`` stand-ins,
membership, iteration, truth, loop-target binding, set operations, format-width checks and the
alphabets of the ``string`` module."""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass

from agentxray.analyze.python.decoders import Unsupported

logger = logging.getLogger(__name__)

HASHABLE = (str, bytes, int, float, bool, type(None))
"""Python types of evaluated scalars (dictionary keys)."""


@dataclass(frozen=True, slots=True)
class Cycle:
    """``itertools.cycle(seq)``: only usable inside ``zip``/``map`` with a finite partner."""

    items: tuple[object, ...]


@dataclass(frozen=True, slots=True, eq=False)
class FunctionRef:
    """A function used as a value (``DECODERS = {"b32": base64.b32decode}``, ``f = lambda s: …``):
    a known decoder by its dotted name, or a ``def``/lambda of the analysed module."""

    name: str
    node: ast.AST | None = None


_STRING_CONSTANTS = {
    "ascii_lowercase": "abcdefghijklmnopqrstuvwxyz",
    "ascii_uppercase": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "digits": "0123456789",
    "hexdigits": "0123456789abcdefABCDEF",
    "octdigits": "01234567",
    "punctuation": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
}
_STRING_CONSTANTS["ascii_letters"] = (
    _STRING_CONSTANTS["ascii_lowercase"] + _STRING_CONSTANTS["ascii_uppercase"]
)
_STRING_CONSTANTS["printable"] = (
    _STRING_CONSTANTS["digits"]
    + _STRING_CONSTANTS["ascii_letters"]
    + _STRING_CONSTANTS["punctuation"]
    + " \t\n\r\x0b\x0c"
)


_PERCENT_SPEC = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*?:([^{}]*)\}")
_DIGITS = re.compile(r"\*|\d+")


def check_widths(fmt: str, style: str = "spec") -> None:
    """Refuse format widths or precisions that would build huge strings (``%999999999s``).

    ``style`` is ``spec`` (a format spec), ``percent`` (``%`` formatting) or ``braces``
    (``str.format``)."""
    if style == "percent":
        specs = ["".join(m.groups(default="")) for m in _PERCENT_SPEC.finditer(fmt)]
    elif style == "braces":
        specs = _BRACE_SPEC.findall(fmt)
    else:
        specs = [fmt]
    for spec in specs:
        for w in _DIGITS.findall(spec):
            if w == "*" or len(w) > 5 or int(w) > 10_000:
                raise Unsupported("format width")


def string_constant(name: str) -> str:
    """``string.ascii_lowercase`` and friends (the alphabets of substitution ciphers)."""
    value = _STRING_CONSTANTS.get(name.removeprefix("string."))
    if value is None:
        raise Unsupported(name)
    return value


def key_of(value: object) -> object:
    if isinstance(value, list):
        value = tuple(value)
    if not isinstance(value, (*HASHABLE, tuple)):
        raise Unsupported("unhashable key")
    return value


def pair_of(item: object) -> tuple[object, object]:
    if isinstance(item, list) and len(item) == 2:
        return item[0], item[1]
    raise Unsupported("not a pair")


def set_op(op: type[ast.operator], a: list[object], b: list[object]) -> list[object]:
    if op is ast.BitOr:
        return unique(a + b)
    if op is ast.BitAnd:
        return [x for x in unique(a) if x in b]
    return [x for x in unique(a) if x not in b]


def unique(items: list[object]) -> list[object]:
    """Items once each, in order (sets are evaluated as lists)."""
    out: list[object] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def contains(container: object, item: object) -> bool:
    """``item in container`` for evaluated values."""
    if isinstance(container, str) and isinstance(item, str):
        return item in container
    if isinstance(container, bytes) and isinstance(item, (bytes, int)):
        return item in container
    if isinstance(container, (list, dict)):
        return item in container
    raise Unsupported("membership")


def iterate(value: object) -> list[object]:
    """The items of an evaluated iterable (bytes give ints, dicts their keys, like Python)."""
    if isinstance(value, (str, bytes, list)):
        return list(value)
    if isinstance(value, dict):
        return [list(k) if isinstance(k, tuple) else k for k in value]
    raise Unsupported("not iterable")


def truth(value: object) -> bool:
    """Python truthiness of an evaluated value."""
    return bool(value)


def assign(target: ast.AST, value: object, env: dict[str, object]) -> None:
    """Bind a loop target (a name or a tuple of names) to ``value``."""
    if isinstance(target, ast.Name):
        env[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (list, tuple, str, bytes)):
        items = list(value)
        if len(items) != len(target.elts):
            raise Unsupported("unpacking")
        for t, v in zip(target.elts, items, strict=True):
            assign(t, v, env)
    else:
        raise Unsupported("target")
