"""A safe evaluator of pure expressions over literals: decodes hidden data without running code.

Only a whitelist of side-effect-free operations is interpreted (base64/base32/base85/hex/rot13
decoding, bounded decompression, XOR and other integer arithmetic, ``chr``/``ord``, joins, slices
and reversal, ``str.translate``, ``json.loads``/``ast.literal_eval`` of decoded text, dictionaries,
comparisons, small decoder functions and lambdas of the module itself, comprehensions). Everything
else raises :class:`Unsupported`. Work and output are bounded; the target's code is never executed.
"""

from __future__ import annotations

import ast
import logging
import operator
import time
from collections.abc import Callable, Iterator

from agentxray.analyze.python.decoders import MAX_OUTPUT, Unsupported, is_decoder, is_decompressor
from agentxray.analyze.python.parse import ModuleIndex
from agentxray.analyze.python.values import (
    HASHABLE,
    Cycle,
    FunctionRef,
    assign,
    check_widths,
    contains,
    iterate,
    key_of,
    pair_of,
    set_op,
    string_constant,
    truth,
    unique,
)

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_STEPS",
    "STR_METHODS",
    "Cycle",
    "Evaluator",
    "FunctionRef",
    "Unsupported",
    "assign",
    "check_widths",
    "contains",
    "iterate",
    "truth",
    "unique",
]

MAX_STEPS = 400_000
"""Interpreted operations per evaluation."""
MAX_DEPTH = 40
MAX_TOTAL_STEPS = 8_000_000
"""Interpreted operations per module: past this, every further evaluation is refused."""
MAX_SECONDS = 1.0
"""Wall-clock time one evaluation may take (checked every 1,024 operations)."""
MAX_INT_BITS = 4096
"""Largest integer an arithmetic step may produce (``10 ** 10 ** 10`` is refused)."""


_MISSING = object()
SELF_KEY = "\0self."
"""Key prefix, in a running method's locals, of the instance attributes it keeps."""

_INT_OPS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Mod: operator.mod,
    ast.FloorDiv: operator.floordiv,
    ast.RShift: lambda a, b: a >> b if b < 64 else 0,
    ast.LShift: lambda a, b: a << b if b < 64 else 0,
}
_CMP: dict[type[ast.cmpop], Callable[[object, object], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: lambda a, b: bool(a < b),  # type: ignore[operator]
    ast.LtE: lambda a, b: bool(a <= b),  # type: ignore[operator]
    ast.Gt: lambda a, b: bool(a > b),  # type: ignore[operator]
    ast.GtE: lambda a, b: bool(a >= b),  # type: ignore[operator]
    ast.Is: lambda a, b: a is b if a is None or b is None else a == b,
    ast.IsNot: lambda a, b: a is not b if a is None or b is None else a != b,
}
_STR_METHODS = frozenset(
    {"decode", "encode", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper"}
    | {"replace", "splitlines", "join", "casefold", "title", "capitalize", "swapcase"}
    | {"startswith", "endswith", "find", "rfind", "index", "count", "zfill", "center"}
    | {"ljust", "rjust", "partition", "rpartition", "removeprefix", "removesuffix", "hex"}
    | {"translate", "format", "isdigit", "isalpha", "isalnum", "isupper", "islower"}
)


class Evaluator:
    """Evaluates expressions of one module; ``methods`` collects the decodings it applied."""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self.methods: list[str] = []
        self.steps = 0
        self.total = 0
        self.depth = 0
        self.deadline = 0.0
        self.params: dict[tuple[int, str], object] = {}
        """Values assumed for parameters (``(id(def), name)``) while a decoder is evaluated over
        the arguments its callers pass or the keys of the table it indexes."""
        self.fields: dict[str, object] = {}
        """Values assumed for ``self.X``/``cls.X`` while a method is evaluated for one instance
        (an ``enum.Enum`` member's fields, set by ``__init__`` from the member's value)."""

    def value(self, node: ast.AST, local: dict[str, object] | None = None) -> object:
        """The value of ``node`` (fresh budget and method list); raises :class:`Unsupported`."""
        if self.total > MAX_TOTAL_STEPS:
            raise Unsupported("module step budget exhausted")
        self.methods, self.steps, self.depth = [], 0, 0
        self.deadline = time.monotonic() + MAX_SECONDS
        try:
            return self.eval(node, dict(local or {}))
        except (ValueError, TypeError, LookupError, OverflowError, ArithmeticError) as exc:
            raise Unsupported(f"{type(exc).__name__}: {exc}") from exc

    def _mark(self, method: str) -> None:
        if method not in self.methods:
            self.methods.append(method)

    def _tick(self, n: int = 1) -> None:
        before = self.steps
        self.steps += n
        self.total += n
        if self.steps > MAX_STEPS:
            raise Unsupported("step budget exhausted")
        if before >> 10 != self.steps >> 10 and time.monotonic() > self.deadline:
            raise Unsupported("time budget exhausted")

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
        if isinstance(out, (str, bytes, list, dict)) and len(out) > MAX_OUTPUT:
            raise Unsupported("value over the size cap")
        if type(out) is int and out.bit_length() > MAX_INT_BITS:
            raise Unsupported("integer over the size cap")
        return out

    def _eval(self, node: ast.AST, local: dict[str, object]) -> object:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, HASHABLE):
                return node.value
            raise Unsupported("constant")
        if isinstance(node, (ast.List, ast.Tuple)):
            self._tick(len(node.elts))
            return self._elements(node.elts, local)
        if isinstance(node, ast.Set):
            self._tick(len(node.elts))
            return unique(self._elements(node.elts, local))
        if isinstance(node, ast.Dict):
            return self._dict(node, local)
        if isinstance(node, ast.Name):
            return self._name(node, local)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, local)
        if isinstance(node, ast.BinOp):
            return self._binop(node, local)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, local)
        if isinstance(node, ast.BoolOp):
            return self._boolop(node, local)
        if isinstance(node, ast.Compare):
            return self._compare(node, local)
        if isinstance(node, ast.IfExp):
            chosen = node.body if truth(self.eval(node.test, local)) else node.orelse
            return self.eval(chosen, local)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, local)
        if isinstance(node, ast.JoinedStr):
            return "".join(self._fpart(p, local) for p in node.values)
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            return list(self._comprehension(node.elt, node.generators, local))
        if isinstance(node, ast.DictComp):
            pair = ast.Tuple(elts=[node.key, node.value], ctx=ast.Load())
            items = self._comprehension(pair, node.generators, local)
            return {key_of(k): v for k, v in (pair_of(i) for i in items)}
        if isinstance(node, ast.NamedExpr):
            return self.eval(node.value, local)
        if isinstance(node, ast.Lambda):
            return FunctionRef("<lambda>", node)
        if isinstance(node, ast.Call):
            from agentxray.analyze.python.calls import call

            return call(self, node, local)
        raise Unsupported(type(node).__name__)

    def _elements(self, elts: list[ast.expr], local: dict[str, object]) -> list[object]:
        out: list[object] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                out.extend(iterate(self.eval(e.value, local)))
            else:
                out.append(self.eval(e, local))
        return out

    def _dict(self, node: ast.Dict, local: dict[str, object]) -> dict[object, object]:
        self._tick(len(node.keys))
        out: dict[object, object] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            value = self.eval(v, local)
            if k is None:
                if not isinstance(value, dict):
                    raise Unsupported("** of a non-dict")
                out.update(value)
            else:
                out[key_of(self.eval(k, local))] = value
        return out

    def _fpart(self, part: ast.expr, local: dict[str, object]) -> str:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            return part.value
        if isinstance(part, ast.FormattedValue):
            v = self.eval(part.value, local)
            spec = "" if part.format_spec is None else self.eval(part.format_spec, local)
            if isinstance(v, (str, int, float)) and isinstance(spec, str) and part.conversion < 0:
                check_widths(spec)
                return format(v, spec)
        raise Unsupported("f-string part")

    def _name(self, node: ast.Name, local: dict[str, object]) -> object:
        if node.id in local:
            return local[node.id]
        alias = self.index.aliases.get(node.id, "")
        if alias.startswith("string."):
            return string_constant(alias)
        if is_decoder(alias) or is_decompressor(alias):
            return FunctionRef(alias)
        exprs, _ = self.index.lookup(node.id, node)
        if not exprs:
            param = self._parameter(node) if self.params else _MISSING
            if param is not _MISSING:
                return param
            defs = self.index.functions.get(node.id, [])
            if (
                len(defs) == 1
                and not alias
                and not isinstance(self.index.parent(defs[0]), ast.ClassDef)
            ):
                return FunctionRef(node.id, defs[0])
        if len(exprs) != 1:
            raise Unsupported(f"name {node.id} not bound once")
        return self.eval(exprs[0], {})

    def _parameter(self, node: ast.Name) -> object:
        """The assumed value of a parameter of an enclosing ``def`` or of the variable of an
        enclosing ``for`` loop (see :attr:`params`)."""
        loop = enclosing_loop(self.index, node, node.id)
        if loop is not None:
            return self.params.get((id(loop), node.id), _MISSING)
        fn = self.index.function_of(node)
        while fn is not None:
            args = fn.args
            names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
            if node.id in names:
                return self.params.get((id(fn), node.id), _MISSING)
            fn = self.index.function_of(fn)
        return _MISSING

    def _attribute(self, node: ast.Attribute, local: dict[str, object]) -> object:
        name = self.dotted(node)
        known = name is not None and (is_decoder(name) or is_decompressor(name))
        if name is not None and known and name.split(".")[0] not in local:
            return FunctionRef(name)
        getter = self._property(node)
        if getter is not None:
            from agentxray.analyze.python.interpret import run_function

            return run_function(self, getter, [], bound=True)
        root = node.value
        if isinstance(root, ast.Name) and SELF_KEY + node.attr in local:
            return local[SELF_KEY + node.attr]  # an attribute the running method keeps
        if isinstance(root, ast.Name) and root.id in ("self", "cls") and node.attr in self.fields:
            return self.fields[node.attr]
        if isinstance(root, ast.Name) and self.index.aliases.get(root.id) == "string":
            return string_constant(f"string.{node.attr}")
        if isinstance(node.value, ast.Name) and node.value.id not in local:
            return self._class_constant(node)
        raise Unsupported("attribute")

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

    def _property(self, node: ast.Attribute) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The ``@property`` of a local class that ``obj.attr`` reads, if it is one."""
        if not self.index.functions.get(node.attr):
            return None
        from agentxray.analyze.python.interpret import callable_def

        fn = callable_def(self.index, node)
        if fn is None:
            return None
        names = {
            d.id if isinstance(d, ast.Name) else getattr(d, "attr", "") for d in fn.decorator_list
        }
        return fn if names & {"property", "cached_property"} else None

    def _unary(self, node: ast.UnaryOp, local: dict[str, object]) -> object:
        v = self.eval(node.operand, local)
        if isinstance(node.op, ast.Not):
            return not truth(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return v
            if isinstance(node.op, ast.Invert) and isinstance(v, int):
                return ~v
        raise Unsupported("unary operation")

    def _boolop(self, node: ast.BoolOp, local: dict[str, object]) -> object:
        value: object = None
        for v in node.values:
            value = self.eval(v, local)
            if truth(value) == isinstance(node.op, ast.Or):
                return value
        return value

    def _compare(self, node: ast.Compare, local: dict[str, object]) -> bool:
        left = self.eval(node.left, local)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comp, local)
            if isinstance(op, (ast.In, ast.NotIn)):
                found = contains(right, left)
                ok = found if isinstance(op, ast.In) else not found
            else:
                ok = _CMP[type(op)](left, right)
            if not ok:
                return False
            left = right
        return True

    def _binop(self, node: ast.BinOp, local: dict[str, object]) -> object:
        a, b = self.eval(node.left, local), self.eval(node.right, local)
        op = type(node.op)
        if op is ast.Add and type(a) is type(b) and isinstance(a, (str, bytes, list)):
            return a + b  # type: ignore[operator]
        if op is ast.Mult and isinstance(b, (str, bytes, list)) and type(a) is int:
            a, b = b, a
        if op is ast.Mult and isinstance(a, (str, bytes, list)) and type(b) is int:
            if len(a) * b > MAX_OUTPUT:
                raise Unsupported("repeat over the size cap")
            return a * b
        if op is ast.Mod and isinstance(a, str):
            check_widths(a, "percent")
            args = tuple(b) if isinstance(b, list) else b
            return a % args
        if isinstance(a, list) and isinstance(b, list) and op in (ast.BitOr, ast.BitAnd, ast.Sub):
            return set_op(op, a, b)
        if type(a) is int and type(b) is int and op in _INT_OPS:
            if op is ast.BitXor:
                self._mark("XOR")
            if op in (ast.Mod, ast.FloorDiv) and b == 0:
                raise Unsupported("division by zero")
            if op is ast.Mult and a.bit_length() + b.bit_length() > MAX_INT_BITS:
                raise Unsupported("product over the size cap")
            return _INT_OPS[op](a, b)
        if op is ast.Pow and type(a) is int and type(b) is int and 0 <= b <= 64:
            if a.bit_length() * b > MAX_INT_BITS:
                raise Unsupported("power over the size cap")
            return a**b
        numbers = (int, float)
        if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
            if op is ast.Div and b:
                return a / b
            if op in (ast.Add, ast.Sub, ast.Mult) and (
                isinstance(a, float) or isinstance(b, float)
            ):
                return float(_INT_OPS[op](a, b))  # type: ignore[arg-type]
        raise Unsupported("binary operation")

    def _subscript(self, node: ast.Subscript, local: dict[str, object]) -> object:
        seq = self.eval(node.value, local)
        if isinstance(seq, dict):
            key = key_of(self.eval(node.slice, local))
            if key not in seq:
                raise Unsupported("missing key")
            return seq[key]
        if not isinstance(seq, (str, bytes, list)):
            raise Unsupported("subscript of a non-sequence")
        if isinstance(node.slice, ast.Slice):
            parts = [
                self.eval(x, local) if x is not None else None
                for x in (node.slice.lower, node.slice.upper, node.slice.step)
            ]
            ints = [p if type(p) is int else None for p in parts]
            if ints != parts or ints[2] == 0:
                raise Unsupported("slice")
            if ints[2] is not None and ints[2] < 0:
                self._mark("reversed")
            self._tick(len(seq))
            return seq[slice(ints[0], ints[1], ints[2])]
        i = self.eval(node.slice, local)
        if type(i) is not int or not -len(seq) <= i < len(seq):
            raise Unsupported("index")
        return seq[i]

    def _comprehension(
        self, elt: ast.expr, generators: list[ast.comprehension], local: dict[str, object]
    ) -> Iterator[object]:
        def walk(i: int, env: dict[str, object]) -> Iterator[object]:
            if i == len(generators):
                yield self.eval(elt, env)
                return
            gen = generators[i]
            for item in iterate(self.eval(gen.iter, env)):
                self._tick()
                inner = dict(env)
                assign(gen.target, item, inner)
                if all(truth(self.eval(c, inner)) for c in gen.ifs):
                    yield from walk(i + 1, inner)

        yield from walk(0, dict(local))


STR_METHODS = _STR_METHODS


MAX_ELEMENTS = 64
"""Elements of a constant list a loop body is evaluated for."""


def enclosing_loop(index: ModuleIndex, node: ast.AST, name: str | None = None) -> ast.For | None:
    """The innermost ``for`` statement of ``node``'s function whose body holds ``node`` and
    whose target is a plain name (``name``, when given)."""
    child, cur = node, index.parent(node)
    while cur is not None and not isinstance(
        cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)
    ):
        if (
            isinstance(cur, ast.For)
            and child is not cur.iter
            and child is not cur.target
            and isinstance(cur.target, ast.Name)
            and (name is None or cur.target.id == name)
        ):
            return cur
        child, cur = cur, index.parent(cur)
    return None


def loop_bindings(ev: Evaluator, node: ast.AST) -> list[dict[tuple[int, str], object]] | None:
    """The values the variable of ``node``'s innermost enclosing loop takes, one assumed
    binding (see :attr:`Evaluator.params`) per element of the constant list it runs over."""
    loop = enclosing_loop(ev.index, node)
    if loop is None:
        return None
    assert isinstance(loop.target, ast.Name)
    saved = ev.params
    ev.params = {}
    try:
        elements = ev.value(loop.iter)
    except (Unsupported, RecursionError, MemoryError):
        return None
    finally:
        ev.params = saved
    if isinstance(elements, dict):
        elements = list(elements)
    if not isinstance(elements, list) or not 0 < len(elements) <= MAX_ELEMENTS:
        return None
    return [{(id(loop), loop.target.id): element} for element in elements]


def each_element(ev: Evaluator, node: ast.AST) -> tuple[list[object], list[str]] | None:
    """``node`` evaluated once per element of the constant list the innermost enclosing loop
    runs over (``for enc in HIDDEN: suffix = codecs.decode(enc, "rot_13")``: ``suffix`` for
    each ``enc``), with the decodings applied; None when the loop or a value is unknown."""
    bindings = loop_bindings(ev, node)
    if bindings is None:
        return None
    saved = ev.params
    values: list[object] = []
    methods: list[str] = []
    try:
        for binding in bindings:
            ev.params = {**saved, **binding}
            try:
                values.append(ev.value(node))
            except (Unsupported, RecursionError, MemoryError):
                return None
            methods.extend(m for m in ev.methods if m not in methods)
    finally:
        ev.params = saved
    ev.methods = methods
    return values, methods
