"""Python ``obfuscated-data`` findings: encoded literals decoded by the safe evaluator (never by
running the target), reported with their decoded values."""

from __future__ import annotations

import ast
import logging
import re

from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.decoders import Unsupported, is_decoder, is_decompressor
from agentxray.analyze.python.domains import parameter_bindings
from agentxray.analyze.python.evaluate import FunctionRef
from agentxray.analyze.python.interpret import callable_def
from agentxray.analyze.python.report import location, snippet, stable_id
from agentxray.analyze.regions import zone_database
from agentxray.model import Finding

logger = logging.getLogger(__name__)

RULE = "py-obfuscated-data"
MAX_VALUE_CHARS = 400
MAX_VALUES = 500
MAX_DATABASE_CHARS = 4000
"""Decoded text this large, merely compressed or base64-encoded and compared with nothing, is an
embedded database or asset (a tz table, a word list), not hidden values."""
MAX_DATABASE_ENTRIES = 50
MAX_CLIMB = 8
_DOCUMENT = re.compile(r"^(?:<[!?a-zA-Z][\s\S]*>|-----BEGIN [A-Z ]+-----[\s\S]*|%PDF[\s\S]*)$")
_STRONG = frozenset({"XOR", "rot13", "character codes", "reversed", "character substitution"})
_PLAIN_LAYERS = frozenset({"base64", "zlib", "gzip", "bz2", "lzma", "base85", "ascii85"})
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
_GENERATED = frozenset({"range", "character codes", "XOR"})
_SPLITS = frozenset({"split", "rsplit", "partition", "rpartition", "splitlines"})
_TEST_PARTS = ("/test/", "/tests/", "/testing/")


def _test_file(vpath: str) -> bool:
    """Test code of a package (fixtures of codecs there are test data, not hidden data)."""
    name = vpath.rsplit("/", 1)[-1]
    return (
        any(p in f"/{vpath}" for p in _TEST_PARTS)
        or name.startswith("test_")
        or (name.endswith("_test.py"))
    )


def _addressy(text: str) -> bool:
    """Looks like a host, URL, path or e-mail (what reversed strings hide)."""
    return any(c in text for c in "./@:") and sum(c.isalnum() for c in text) >= 4


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
    if depth > 8 or len(out) > MAX_VALUES * 4:
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
    text = "".join(out)
    if len(text) < 3:
        return None
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    if printable < 0.95 * len(text) or not any(c.isalpha() for c in text):
        return None
    return out


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


def _database(texts: list[str], methods: list[str], compared: set[str]) -> bool:
    """An embedded asset or database merely encoded or compressed: a large table, a markup
    document (an SVG icon), a PEM block — unless its values decide behaviour."""
    layers = {m for m in methods if not m.startswith("decoder ")}
    if not layers <= _PLAIN_LAYERS or any(c and c in t for c in compared for t in texts):
        return False
    if sum(len(t) for t in texts) > MAX_DATABASE_CHARS or len(texts) > MAX_DATABASE_ENTRIES:
        return True
    if zone_database(texts):  # a compressed subset of the tz database, for formatting
        return True
    return len(texts) == 1 and _DOCUMENT.match(texts[0].strip()) is not None


Group = list[tuple[ast.AST, list[str], list[str]]]


def obfuscation_findings(a: PyAnalysis, compared: set[str]) -> list[Finding]:
    """One finding per decoder function (or per standalone decoding expression)."""
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
        if id(node) in done or fn is None or f"decoder {fn.name}()" in groups:
            continue
        found = _over_parameters(a, node)
        if found is not None:
            _add(a, node, found, f"decoder {fn.name}()", groups, done, compared)
    _drop_intermediate_steps(a, groups)
    findings = [_finding(a, key, items, compared) for key, items in groups.items()]
    if _test_file(a.vpath):
        return [f for f in findings if f.severity == "critical"]
    return findings


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
    if texts is None or not any(not m.startswith("decoder ") for m in methods):
        return
    layers = {m for m in methods if not m.startswith("decoder ")}
    if "range" in layers and layers <= _GENERATED:
        return  # generated from a range: an alphabet, not hidden data
    if sum(c.isalnum() for t in texts for c in t) < 3:
        return  # nothing readable
    if all(len(t) <= 1 for t in texts):
        return  # an alphabet split into characters (a codec's table)
    if methods == ["reversed"] and not all(_addressy(t) for t in texts):
        return  # "spam\n"[::-1]: reversing text is not hiding it
    if _database(texts, methods, compared):
        return
    decoder = decoder or next((m for m in methods if m.startswith("decoder ")), None)
    key = decoder or f"{getattr(site, 'lineno', 0)}:{getattr(site, 'col_offset', 0)}"
    groups.setdefault(key, []).append((site, texts, methods))


def _drop_intermediate_steps(
    a: PyAnalysis, groups: dict[str, list[tuple[ast.AST, list[str], list[str]]]]
) -> None:
    """``raw = b64decode(BLOB)`` followed by ``xor(raw)`` in the same scope: one hidden value
    decoded in two steps is reported once, by its last step."""
    sites = [site for items in groups.values() for site, _, _ in items]
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


def _finding(
    a: PyAnalysis,
    key: str,
    items: list[tuple[ast.AST, list[str], list[str]]],
    compared: set[str],
) -> Finding:
    site, _, methods = items[0]
    anchor: ast.AST = site
    if key.startswith("decoder "):
        defs = a.index.functions.get(key.removeprefix("decoder ").removesuffix("()"), [])
        anchor = defs[0] if defs else site
    values = tuple(v[:MAX_VALUE_CHARS] for _, texts, _ in items for v in texts)[:MAX_VALUES]
    method = " + ".join(m for m in methods if not m.startswith("decoder ") and m != "range")
    method = method or "decoder"
    used = any(c and c in v for c in compared for v in values)  # also lists split later
    layers = [m for m in methods if not m.startswith("decoder ")]
    strong = used or bool(_STRONG.intersection(methods)) or len(layers) > 1
    where = key if key.startswith("decoder ") else "an expression"
    sample = ", ".join(values[:8]) + ("…" if len(values) > 8 else "")
    message = (
        f"{where[:1].upper()}{where[1:]} hides {len(items)} encoded value(s) ({method}). "
        f"Evaluated over its literal input by agentxray's pure evaluator (the code is not run), "
        f"it yields {len(values)} string(s): {sample}."
        + (
            " The decoded values are compared with environment signals (see the fingerprint/"
            "geofence finding): hidden data deciding behaviour."
            if used
            else ""
        )
    )
    condition = a.describer.activation(items[0][0])
    return Finding(
        id=stable_id(RULE, method, *values[:500]),
        rule=RULE,
        category="obfuscated-data",
        severity="critical" if used else "high" if strong else "medium",
        confidence="high" if strong else "medium",
        title=f"Hidden data ({method}): {len(values)} decoded value(s), e.g. "
        + ", ".join(v[:60] for v in values[:3]),
        location=location(a.vpath, anchor),
        message=message + (f" Active {condition}." if condition else ""),
        related=tuple(location(a.vpath, s) for s, _, _ in items[:20]),
        snippet=snippet(a.index, a.unit.text, anchor, *(s for s, _, _ in items[:3])),
        decoded=values,
        condition=condition,
    )
