"""The Python front-end of ``obfuscated-data``: encoded literals decoded by the safe evaluator
(never by running the target), each handed over as a neutral record.

What counts as hidden data and how it is worded is :mod:`agentxray.analyze.behaviour.obfuscated`.
"""

from __future__ import annotations

import ast
import dataclasses
import logging

from agentxray.analyze.behaviour import obfuscated
from agentxray.analyze.behaviour.records import Decoded, Evidence
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.decoders import Unsupported, is_decoder, is_decompressor
from agentxray.analyze.python.domains import parameter_bindings
from agentxray.analyze.python.evaluate import FunctionRef, loop_bindings
from agentxray.analyze.python.interpret import callable_def
from agentxray.analyze.python.report import describe, fn_label, location, snippet
from agentxray.analyze.python.substitutions import tag_text

logger = logging.getLogger(__name__)

MAX_CLIMB = 8
_CLIMB = (
    ast.Call,
    ast.Attribute,
    ast.Subscript,
    ast.BinOp,
    ast.GeneratorExp,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.comprehension,
    ast.List,
    ast.Tuple,
    ast.Set,
)
_SPLITS = frozenset({"split", "rsplit", "partition", "rpartition", "splitlines"})
_WRAPPERS = frozenset({"join", "decode", "split", "bytes", "bytearray", "str", "list", "strip"})


def _candidate(a: PyAnalysis, node: ast.AST) -> bool:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        step = node.slice.step
        if not isinstance(step, ast.UnaryOp):
            return False
        value = node.value
        if isinstance(value, ast.Constant):
            return isinstance(value.value, str)
        # pieces joined, then reversed: ``"".join(parts)[::-1]``, ``(a + b)[::-1]``
        return (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "join"
            and isinstance(value.func.value, ast.Constant)
        ) or (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add))
    if not isinstance(node, ast.Call):
        return False
    name = a.ev.dotted(node.func) or ""
    if is_decoder(name) or is_decompressor(name) or name in ("codecs.decode", "codecs.encode"):
        return True
    if isinstance(node.func, ast.Subscript) and node.args:  # ``DECODERS[kind](blob)``
        table = _evaluate(a, node.func.value)
        items = table[0] if table is not None else None
        items = list(items.values()) if isinstance(items, dict) else items
        return isinstance(items, list) and any(isinstance(i, FunctionRef) for i in items)
    if isinstance(node.func, ast.Attribute) and node.func.attr == "join" and node.args:
        return any(isinstance(n, ast.Name) and n.id == "chr" for n in ast.walk(node.args[0]))
    if isinstance(node.func, ast.Attribute) and node.func.attr == "translate" and node.args:
        return True
    if isinstance(node.func, ast.Name) and node.func.id in ("bytes", "bytearray") and node.args:
        arg = node.args[0]
        elts = arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else []
        codes = len(elts) >= 3 and all(
            isinstance(e, ast.Constant) and type(e.value) is int for e in elts
        )
        return codes or any(
            isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitXor) for n in ast.walk(arg)
        )
    if not node.args or not all(
        isinstance(x, (ast.Constant, ast.Name, ast.List, ast.Tuple, ast.Attribute))
        or (isinstance(x, ast.UnaryOp) and isinstance(x.operand, ast.Constant))  # ``shift(w, -11)``
        for x in node.args
    ):
        return False
    if callable_def(a.index, node.func) is not None:
        return True
    if isinstance(node.func, ast.Name):
        bound, _ = a.index.lookup(node.func.id, node.func)
        return len(bound) == 1 and isinstance(bound[0], ast.Lambda)
    return False


def _flatten(value: object, out: list[object], depth: int = 0) -> None:
    """Strings of a decoded structure (lists, and the keys and values of dictionaries)."""
    if depth > 8 or len(out) > obfuscated.MAX_VALUES * 4:
        return
    if isinstance(value, list):
        for v in value:
            _flatten(v, out, depth + 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            _flatten(k, out, depth + 1)
            _flatten(v, out, depth + 1)
    elif isinstance(value, (str, bytes)):
        out.append(value)


def _texts(value: object) -> list[str] | None:
    items: list[object] = []
    _flatten(value, items)
    if not items:
        return None
    out: list[str] = []
    for item in items:
        if isinstance(item, bytes):
            try:
                item = item.decode("utf-8")
            except UnicodeDecodeError:
                return None  # binary data: an asset, not hidden text
        if not isinstance(item, str):
            return None
        out.append(item)
    return out if obfuscated.readable(out) else None


def _evaluate(a: PyAnalysis, node: ast.AST) -> tuple[object, list[str]] | None:
    try:
        return a.ev.value(node), list(a.ev.methods)
    except (Unsupported, RecursionError, MemoryError):
        return None


def _outermost(a: PyAnalysis, node: ast.AST) -> tuple[ast.AST, object, list[str]] | None:
    """The largest expression around ``node`` that still evaluates: the decoder with its
    wrappers (``.decode().split(",")``), or the comprehension or list the decoder runs in when it
    decodes a loop variable (``[bytes.fromhex(h).decode() for h in HEX]``)."""
    found = _evaluate(a, node)
    cur: ast.AST | None = node
    climbed = 0
    while found is None and climbed < MAX_CLIMB:
        cur = a.index.parent(cur) if cur is not None else None
        if cur is None or not isinstance(cur, _CLIMB):
            return None
        climbed += 1
        if not isinstance(cur, (ast.Attribute, ast.comprehension)):
            found = _evaluate(a, cur)
    if found is None or cur is None:
        return None
    best, (value, methods) = cur, found
    cur = a.index.parent(cur)
    while isinstance(cur, _CLIMB):
        if isinstance(cur, (ast.Attribute, ast.comprehension)):
            cur = a.index.parent(cur)
            continue
        outer = _evaluate(a, cur)
        if outer is None:
            break
        best, (value, methods) = cur, outer
        cur = a.index.parent(cur)
    return best, value, methods


def _over_parameters(a: PyAnalysis, node: ast.AST) -> tuple[ast.AST, object, list[str]] | None:
    """A decoding inside a function that depends on its parameters, evaluated for the values its
    callers pass and the keys of the tables it indexes (``resolve(tag)`` over ``_TABLE``)."""
    fn = a.index.function_of(node)
    if fn is None:
        return None
    if not any(isinstance(n, ast.Name) and n.id in _params(fn) for n in ast.walk(fn)):
        whole = f"whole {id(fn)}"  # ``@property def hosts(self)``: decodes its own data
        if whole not in a.cache:
            a.cache[whole] = _whole_function(a, fn)
        return a.cache[whole]  # type: ignore[return-value]
    key = f"bindings {id(fn)}"
    bindings = a.cache.get(key)
    if not isinstance(bindings, list):
        bindings = parameter_bindings(a.index, a.ev, fn)
        a.cache[key] = bindings
    site: ast.AST | None = None
    values: list[object] = []
    methods: list[str] = []
    try:
        for binding in bindings:
            a.ev.params = binding
            found = _outermost(a, node)
            if found is None:
                continue
            site = site or found[0]
            values.append(found[1])
            methods.extend(m for m in found[2] if m not in methods)
    finally:
        a.ev.params = {}
    if site is None:
        return None
    return site, values, methods


def _over_loop(a: PyAnalysis, node: ast.AST) -> tuple[ast.AST, object, list[str]] | None:
    """A decoding of a loop variable (``for enc in HIDDEN: codecs.decode(enc, "rot_13")``),
    evaluated for each element of the constant list the loop runs over."""
    bindings = loop_bindings(a.ev, node)
    if not bindings:
        return None
    site: ast.AST | None = None
    values: list[object] = []
    methods: list[str] = []
    try:
        for binding in bindings:
            a.ev.params = binding
            found = _outermost(a, node)
            if found is None:
                return None
            site = site or found[0]
            values.append(found[1])
            methods.extend(m for m in found[2] if m not in methods)
    finally:
        a.ev.params = {}
    if site is None:
        return None
    return site, values, methods


_ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"})
MAX_MEMBERS = 64


def _enum_fields(a: PyAnalysis, fn: ast.AST) -> list[dict[str, object]]:
    """The fields each member of an ``enum.Enum`` gives a method of it: ``__init__(self, label,
    payload)`` run over each member's value (``REGIONAL = ("regional", "eJx…")`` makes
    ``self.payload`` that string); members whose value does not evaluate are left out."""
    cls = a.index.parent(fn)
    if not isinstance(cls, ast.ClassDef) or not any(
        (a.ev.dotted(b) or "").rsplit(".", 1)[-1] in _ENUM_BASES for b in cls.bases
    ):
        return []
    init = next(
        (i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None
    )
    if init is None or not init.args.args or init.args.vararg or init.args.kwarg:
        return []
    me, *params = [p.arg for p in init.args.args]
    out: list[dict[str, object]] = []
    for stmt in cls.body:
        target = (
            stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
        )
        if not isinstance(target, ast.Name) or target.id.startswith("_"):
            continue
        assert isinstance(stmt, ast.Assign)
        try:
            value = a.ev.value(stmt.value)
        except (Unsupported, RecursionError, MemoryError):
            continue
        args = value if isinstance(stmt.value, ast.Tuple) and isinstance(value, list) else [value]
        if len(args) != len(params):
            continue
        env = dict(zip(params, args, strict=True))
        fields: dict[str, object] = {}
        for part in init.body:
            left = (
                part.targets[0] if isinstance(part, ast.Assign) and len(part.targets) == 1 else None
            )
            if not (
                isinstance(part, ast.Assign)
                and isinstance(left, ast.Attribute)
                and isinstance(left.value, ast.Name)
                and left.value.id == me
            ):
                continue
            try:
                fields[left.attr] = a.ev.value(part.value, env)
            except (Unsupported, RecursionError, MemoryError):
                continue
        out.append(fields)
        if len(out) >= MAX_MEMBERS:
            break
    return out


def _over_members(
    a: PyAnalysis, node: ast.AST, fn: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[ast.AST, object, list[str]] | None:
    """A decoding of ``self.X`` in a method of an ``enum.Enum`` whose ``__init__`` keeps the
    member's value in fields, evaluated for each member (those it does not decode are skipped:
    ``FULL = ("full", 200_000)`` next to an encoded ``REGIONAL``)."""
    key = f"members {id(fn)}"
    members = a.cache.get(key)
    if not isinstance(members, list):
        members = _enum_fields(a, fn)
        a.cache[key] = members
    site: ast.AST | None = None
    values: list[object] = []
    methods: list[str] = []
    try:
        for fields in members:
            a.ev.fields = fields
            found = _outermost(a, node)
            if found is None:
                continue
            site = site or found[0]
            values.append(found[1])
            methods.extend(m for m in found[2] if m not in methods)
    finally:
        a.ev.fields = {}
    if site is None:
        return None
    return site, values[0] if len(values) == 1 else values, methods


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters other than ``self``/``cls``."""
    args = fn.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    names = {p.arg for p in every}
    return names - {"self", "cls"}


def _whole_function(
    a: PyAnalysis, fn: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[ast.AST, object, list[str]] | None:
    """The value a function without inputs returns (a property or method decoding a constant
    of its class or module), interpreted over a call made up for it."""
    if fn.args.vararg or fn.args.kwarg:
        return None
    owner: ast.expr = (
        ast.Attribute(value=ast.Name(id="self", ctx=ast.Load()), attr=fn.name, ctx=ast.Load())
        if isinstance(a.index.parent(fn), ast.ClassDef)
        else ast.Name(id=fn.name, ctx=ast.Load())
    )
    found = _evaluate(a, ast.Call(func=owner, args=[], keywords=[]))
    if found is None:
        return None
    return fn, found[0], found[1]


Group = list[tuple[ast.AST, Decoded]]


def decoded_records(a: PyAnalysis, compared: set[str]) -> list[Decoded]:
    """One record per decoding (the values of one decoder function share a group): ``compared``
    holds the strings environment signals are compared with."""
    done: set[int] = set()
    groups: dict[str, Group] = {}
    pending: list[ast.AST] = []
    for node in a.index.nodes(ast.Call, ast.Subscript):
        if id(node) in done or not _candidate(a, node):
            continue
        found = _outermost(a, node)
        if found is None:
            pending.append(node)
        else:
            _add(a, node, found, None, groups, done, compared)
    for node in pending:  # decodings of parameters: unless their callers were decoded already
        fn = a.index.function_of(node)
        if id(node) in done or (fn is not None and f"decoder {fn.name}()" in groups):
            continue
        found = _over_parameters(a, node) if fn is not None else None
        if fn is not None and found is not None:
            _add(a, node, found, f"decoder {fn.name}()", groups, done, compared)
            continue
        found = _over_loop(a, node)  # a decoding of a loop variable, per element
        if found is None and fn is not None:
            found = _over_members(a, node, fn)  # an Enum member's field, per member
        if found is not None:
            _add(a, node, found, None, groups, done, compared)
    for node in a.index.nodes(ast.Constant):  # text spelled in invisible tag characters
        spelled = tag_text(getattr(node, "value", None))
        if spelled:
            _add(a, node, (node, spelled, ["tag characters"]), None, groups, done, compared)
    _drop_intermediate_steps(a, groups)
    out: list[Decoded] = []
    for key, items in groups.items():
        site = items[0][0]
        anchor: ast.AST = site
        if key.startswith("decoder "):
            defs = a.index.functions.get(key.removeprefix("decoder ").removesuffix("()"), [])
            anchor = defs[0] if defs else site
        group = Evidence(
            location=location(a.vpath, anchor),
            snippet=snippet(a.index, a.unit.text, anchor, *(s for s, _ in items[:3])),
            text=describe(anchor),
            function=fn_label(a.index, anchor),
            function_key=id(a.index.function_of(anchor) or anchor),
        )
        out.extend(
            dataclasses.replace(
                d, decoder=key if key.startswith("decoder ") else "", group=key, anchor=group
            )
            for _, d in items
        )
    return out


def _add(
    a: PyAnalysis,
    node: ast.AST,
    found: tuple[ast.AST, object, list[str]],
    decoder: str | None,
    groups: dict[str, Group],
    done: set[int],
    compared: set[str],
) -> None:
    site, value, methods = found
    done.update(id(n) for n in ast.walk(site))
    texts = _texts(value)
    inner = _evaluate(a, node) if site is not node and texts else None
    core = _texts(inner[0]) if inner is not None else None
    if (
        core is not None
        and len(core) == 1
        and texts is not None
        and core[0] not in texts
        and isinstance(site, ast.Call)
        and isinstance(site.func, ast.Attribute)
        and site.func.attr in _SPLITS
    ):
        texts = [*core, *texts]  # ``decode(B).partition("/")``: the whole decoded text too
    steps = tuple(m for m in methods if not m.startswith("decoder "))
    if texts is None or not steps:
        return
    record = Decoded(
        values=tuple(texts),
        steps=steps,
        evidence=Evidence(
            location=location(a.vpath, site),
            snippet="",
            text=describe(site),
            function=fn_label(a.index, site),
            function_key=id(a.index.function_of(site) or site),
            condition=a.describer.activation(site),
        ),
        evaluator="evaluator",
        compared=any(c and c in t for c in compared for t in texts),
        through=tuple(m for m in methods if m.startswith("decoder ")),
    )
    if not obfuscated.hidden(record):
        return
    decoder = decoder or next(iter(record.through), None)
    key = decoder or f"{getattr(site, 'lineno', 0)}:{getattr(site, 'col_offset', 0)}"
    groups.setdefault(key, []).append((site, record))


def _drop_intermediate_steps(a: PyAnalysis, groups: dict[str, Group]) -> None:
    """``raw = b64decode(BLOB)`` followed by ``xor(raw)`` in the same scope: one hidden value
    decoded in two steps is reported once, by its last step."""
    sites = [site for items in groups.values() for site, _ in items]
    for key in list(groups):
        site = groups[key][0][0]
        parent = a.index.parent(site)
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1):
            continue
        target = parent.targets[0]
        if not isinstance(target, ast.Name):
            continue
        scope = a.index.scope_of(site)
        if any(
            other is not site
            and a.index.scope_of(other) is scope
            and any(isinstance(n, ast.Name) and n.id == target.id for n in ast.walk(other))
            for other in sites
        ):
            del groups[key]
