"""A safe evaluator of pure expressions over literals: decodes hidden data without running code.

Only a whitelist of side-effect-free operations is interpreted (base64/hex/rot13 decoding, XOR and
other integer arithmetic, ``chr``/``ord``, joins, slices and reversal, bounded decompression, small
decoder functions of the module itself, comprehensions). Everything else raises
:class:`Unsupported`. Work and output are bounded; the target's code is never executed.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from agentxray.analyze.python.decoders import MAX_OUTPUT, Unsupported
from agentxray.analyze.python.parse import ModuleIndex

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_STEPS",
    "STR_METHODS",
    "Cycle",
    "Evaluator",
    "Unsupported",
    "assign",
    "iterate",
    "truth",
]

MAX_STEPS = 400_000
"""Interpreted operations per evaluation."""
MAX_DEPTH = 40
MAX_TOTAL_STEPS = 8_000_000
"""Interpreted operations per module: past this, every further evaluation is refused."""


@dataclass(frozen=True, slots=True)
class Cycle:
    """``itertools.cycle(seq)``: only usable inside ``zip`` with a finite partner."""

    items: tuple[object, ...]


_INT_OPS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.BitXor: lambda a, b: a ^ b,
    ast.BitAnd: lambda a, b: a & b,
    ast.BitOr: lambda a, b: a | b,
    ast.Sub: lambda a, b: a - b,
    ast.Mod: lambda a, b: a % b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.RShift: lambda a, b: a >> b if b < 64 else 0,
    ast.LShift: lambda a, b: a << b if b < 64 else 0,
}
_STR_METHODS = frozenset(
    {"decode", "encode", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper"}
    | {"replace", "splitlines", "join", "casefold", "title", "capitalize"}
)


class Evaluator:
    """Evaluates expressions of one module; ``methods`` collects the decodings it applied."""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self.methods: list[str] = []
        self.steps = 0
        self.total = 0
        self.depth = 0

    def value(self, node: ast.AST) -> object:
        """The value of ``node`` (fresh budget and method list); raises :class:`Unsupported`."""
        if self.total > MAX_TOTAL_STEPS:
            raise Unsupported("module step budget exhausted")
        self.methods, self.steps, self.depth = [], 0, 0
        try:
            return self.eval(node, {})
        except (ValueError, TypeError, LookupError, OverflowError, ArithmeticError) as exc:
            raise Unsupported(f"{type(exc).__name__}: {exc}") from exc

    def _mark(self, method: str) -> None:
        if method not in self.methods:
            self.methods.append(method)

    def _tick(self, n: int = 1) -> None:
        self.steps += n
        self.total += n
        if self.steps > MAX_STEPS:
            raise Unsupported("step budget exhausted")

    def dotted(self, node: ast.AST) -> str | None:
        """``a.b.c`` with the first name resolved through imports."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.index.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def eval(self, node: ast.AST, local: dict[str, object]) -> object:
        """Evaluate with ``local`` names (comprehension and decoder-function variables)."""
        self._tick()
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise Unsupported("too deep")
            out = self._eval(node, local)
        finally:
            self.depth -= 1
        if isinstance(out, (str, bytes, list)) and len(out) > MAX_OUTPUT:
            raise Unsupported("value over the size cap")
        return out

    def _eval(self, node: ast.AST, local: dict[str, object]) -> object:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (str, bytes, int, float, bool)) or node.value is None:
                return node.value
            raise Unsupported("constant")
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            self._tick(len(node.elts))
            return [self.eval(e, local) for e in node.elts]
        if isinstance(node, ast.Name):
            return self._name(node, local)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self._class_constant(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node, local)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Invert)):
            v = self.eval(node.operand, local)
            if isinstance(v, int):
                return -v if isinstance(node.op, ast.USub) else ~v
        if isinstance(node, ast.Subscript):
            return self._subscript(node, local)
        if isinstance(node, ast.JoinedStr):
            return "".join(self._fpart(p, local) for p in node.values)
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            return list(self._comprehension(node, local))
        if isinstance(node, ast.Call):
            from agentxray.analyze.python.calls import call

            return call(self, node, local)
        raise Unsupported(type(node).__name__)

    def _fpart(self, part: ast.expr, local: dict[str, object]) -> str:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            return part.value
        if isinstance(part, ast.FormattedValue) and part.format_spec is None:
            v = self.eval(part.value, local)
            if isinstance(v, (str, int)):
                return str(v)
        raise Unsupported("f-string part")

    def _name(self, node: ast.Name, local: dict[str, object]) -> object:
        if node.id in local:
            return local[node.id]
        exprs, _ = self.index.lookup(node.id, node)
        if len(exprs) != 1:
            raise Unsupported(f"name {node.id} not bound once")
        return self.eval(exprs[0], {})

    def _class_constant(self, node: ast.Attribute) -> object:
        """``self.ZONES``/``cls.ZONES``/``Config.ZONES``: a class attribute bound once."""
        assert isinstance(node.value, ast.Name)
        owner = node.value.id
        found: list[ast.expr] = []
        for cls in self.index.nodes(ast.ClassDef):
            assert isinstance(cls, ast.ClassDef)
            if owner in ("self", "cls") or cls.name == owner:
                found.extend(self.index.bindings.get((id(cls), node.attr), []))
        if owner in ("self", "cls"):
            found.extend(self.index.attributes.get(node.attr, []))
        if len(found) != 1:
            raise Unsupported(f"attribute {node.attr} not bound once")
        return self.eval(found[0], {})

    def _binop(self, node: ast.BinOp, local: dict[str, object]) -> object:
        a, b = self.eval(node.left, local), self.eval(node.right, local)
        op = type(node.op)
        if op is ast.Add:
            if isinstance(a, str) and isinstance(b, str):
                return a + b
            if isinstance(a, bytes) and isinstance(b, bytes):
                return a + b
            if isinstance(a, list) and isinstance(b, list):
                return a + b
            if type(a) is int and type(b) is int:
                return a + b
        if op is ast.Mult and isinstance(a, (str, bytes, list)) and isinstance(b, int):
            if len(a) * b > MAX_OUTPUT:
                raise Unsupported("repeat over the size cap")
            return a * b
        if isinstance(a, int) and isinstance(b, int) and op in _INT_OPS:
            if op is ast.BitXor:
                self._mark("XOR")
            if op in (ast.Mod, ast.FloorDiv) and b == 0:
                raise Unsupported("division by zero")
            return _INT_OPS[op](a, b)
        raise Unsupported("binary operation")

    def _subscript(self, node: ast.Subscript, local: dict[str, object]) -> object:
        seq = self.eval(node.value, local)
        if not isinstance(seq, (str, bytes, list)):
            raise Unsupported("subscript of a non-sequence")
        if isinstance(node.slice, ast.Slice):
            parts = [
                self.eval(x, local) if x is not None else None
                for x in (node.slice.lower, node.slice.upper, node.slice.step)
            ]
            ints = [p if isinstance(p, int) else None for p in parts]
            if ints != parts or ints[2] == 0:
                raise Unsupported("slice")
            if ints[2] is not None and ints[2] < 0:
                self._mark("reversed")
            self._tick(len(seq))
            return seq[slice(ints[0], ints[1], ints[2])]
        i = self.eval(node.slice, local)
        if not isinstance(i, int) or not -len(seq) <= i < len(seq):
            raise Unsupported("index")
        return seq[i]

    def _comprehension(
        self, node: ast.GeneratorExp | ast.ListComp | ast.SetComp, local: dict[str, object]
    ) -> Iterator[object]:
        def walk(i: int, env: dict[str, object]) -> Iterator[object]:
            if i == len(node.generators):
                yield self.eval(node.elt, env)
                return
            gen = node.generators[i]
            for item in iterate(self.eval(gen.iter, env)):
                self._tick()
                inner = dict(env)
                assign(gen.target, item, inner)
                if all(truth(self.eval(c, inner)) for c in gen.ifs):
                    yield from walk(i + 1, inner)

        yield from walk(0, dict(local))


def iterate(value: object) -> list[object]:
    """The items of an evaluated iterable (bytes give ints, like Python)."""
    if isinstance(value, (str, bytes, list)):
        return list(value)
    raise Unsupported("not iterable")


def truth(value: object) -> bool:
    """Python truthiness of an evaluated value."""
    return bool(value)


def assign(target: ast.AST, value: object, env: dict[str, object]) -> None:
    """Bind a loop target (a name or a tuple of names) to ``value``."""
    if isinstance(target, ast.Name):
        env[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (list, tuple)):
        if len(value) != len(target.elts):
            raise Unsupported("unpacking")
        for t, v in zip(target.elts, value, strict=True):
            assign(t, v, env)
    else:
        raise Unsupported("target")


STR_METHODS = _STR_METHODS
