"""Comparisons of signals with values: ``==``/``in``, ``startswith``/``endswith``, ``re`` and
``fnmatch``, ``match`` statements, ``any(...)`` over lists, set intersections and lookups in
dictionaries keyed by regional values; values come from the safe evaluator (decoded if
hidden)."""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field, replace

from agentxray.analyze.python.evaluate import Evaluator, Unsupported, each_element
from agentxray.analyze.python.flow import Flow, Params, entries
from agentxray.analyze.python.interpret import callable_def
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex
from agentxray.analyze.python.signals import Signal
from agentxray.analyze.python.transforms import loop_source

logger = logging.getLogger(__name__)

_OPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_RE_CALLS = frozenset({"re.match", "re.search", "re.fullmatch", "re.findall", "re.finditer"})
_RE_METHODS = frozenset({"match", "search", "fullmatch", "findall", "finditer"})
_GLOB_CALLS = frozenset({"fnmatch.fnmatch", "fnmatch.fnmatchcase"})
_SET_METHODS = {
    "intersection": "&",
    "isdisjoint": "isdisjoint",
    "issubset": "<=",
    "issuperset": ">=",
}
_SUBSTRING_METHODS = frozenset({"find", "rfind", "count", "index", "__contains__"})
MAX_CALLEE_VISITS = 200


@dataclass(frozen=True)
class Values:
    """What a signal is compared with."""

    items: tuple[str, ...]
    methods: tuple[str, ...] = ()
    """Decodings the evaluator applied (empty: plain literals)."""
    regex: bool = False
    anchor: ast.AST | None = None
    """The expression the values were evaluated from."""
    catalog: bool = False
    """The values are the keys of a table of content (translations by locale), not a
    classification (several keys sharing a setting)."""
    numbers: bool = False
    """Every value was a number (``0x080027``), written here in decimal."""


@dataclass
class Comparison:
    """A signal compared with values at ``node``."""

    node: ast.AST
    signal: Signal
    operator: str
    values: Values
    function: ast.AST | None = None
    negated: bool = False
    params: Params = field(default_factory=dict)


def values_of(ev: Evaluator, index: ModuleIndex, node: ast.AST) -> Values | None:
    """Strings (or numbers) a compared operand stands for, through loops over literal lists; a
    dictionary stands for its keys."""
    loop = loop_source(index, node)
    target = loop if loop is not None else node
    try:
        value = ev.value(target)
    except (Unsupported, RecursionError, MemoryError):
        each = each_element(ev, target)  # a loop body's value, once per element
        if each is None:
            return None
        value = each[0]
    catalog = isinstance(value, dict) and not classifying(value)
    if isinstance(value, dict):
        value = list(value)
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, bytes):
            try:
                item = item.decode("utf-8")
            except UnicodeDecodeError:
                continue
        if isinstance(item, (str, int, float)):
            out.append(str(item))
    if not out:
        return None
    numbers = all(isinstance(i, int) and not isinstance(i, bool) for i in items)
    return Values(
        tuple(dict.fromkeys(out)),
        tuple(ev.methods),
        anchor=target,
        catalog=catalog,
        numbers=numbers,
    )


def classifying(table: dict[object, object]) -> bool:
    """A dictionary that classifies its keys: values that are settings (numbers, flags, none)
    or shared by several keys — not a table of labels or translations, one per key."""
    values = list(table.values())
    if any(v is None or isinstance(v, (bool, int, float)) for v in values):
        return True
    if values and all(_separators(v) for v in values):
        return False  # number formatting per locale: (".", ",") pairs — conventions, shared
    return len({repr(v) for v in values}) < len(values)


def _separators(value: object) -> bool:
    """A set of number separators: two or more short strings of punctuation and spaces
    (thousands, decimal). One mark per locale (``"\u2019"`` or ``"'"``) is not one: that is
    what a covert watermark looks like."""
    return (
        isinstance(value, (tuple, list))
        and len(value) >= 2
        and all(
            isinstance(p, str) and 0 < len(p) <= 3 and not any(c.isalnum() for c in p)
            for p in value
        )
    )


def maybe_table(index: ModuleIndex, node: ast.AST) -> bool:
    """Cheap syntactic test before evaluating: ``node`` may be a dictionary built from literals
    (a literal, a comprehension, a call such as ``dict(...)``/``str.maketrans(...)``/
    ``json.loads(...)``, or a name or attribute bound once to one)."""
    if isinstance(node, ast.Name):
        bound, _ = index.lookup(node.id, node)
        node = bound[0] if len(bound) == 1 else node
    return isinstance(node, (ast.Dict, ast.DictComp, ast.Call, ast.Attribute))


def policy_table(ev: Evaluator, node: ast.AST) -> bool:
    """A dictionary, looked values up in, that classifies (see :func:`classifying`)."""
    if not maybe_table(ev.index, node):
        return False
    try:
        value = ev.value(node)
    except (Unsupported, RecursionError, MemoryError):
        return False
    return isinstance(value, dict) and bool(value) and classifying(value)


class Finder:
    """Collects comparisons of signals in a module (and in helpers called with signals)."""

    def __init__(self, index: ModuleIndex, flow: Flow, ev: Evaluator) -> None:
        self.index, self.flow, self.ev = index, flow, ev
        self.found: list[Comparison] = []
        self._seen: set[tuple[int, str, str]] = set()
        self._helpers: set[tuple[int, tuple[tuple[str, tuple[Signal, ...]], ...]]] = set()
        self._visits = 0

    def run(self) -> list[Comparison]:
        """Walk the whole module once."""
        for node in self.index.nodes(ast.Compare, ast.Call, ast.Match, ast.BinOp, ast.Subscript):
            self._visit(node, {})
        return self.found

    def _visit(self, node: ast.AST, params: Params) -> None:
        if isinstance(node, ast.Compare):
            self._compare(node, params)
        elif isinstance(node, ast.Call):
            self._call(node, params)
        elif isinstance(node, ast.Match):
            self._match(node, params)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.Sub)):
            self._intersection(node, params)
        elif isinstance(node, ast.Subscript) and _dynamic_lookup(node):
            assert isinstance(node.value, (ast.Name, ast.Attribute))
            self._lookup(node, node.value, node.slice, params)

    def _add(
        self,
        node: ast.AST,
        sigs: tuple[Signal, ...],
        op: str,
        other: ast.AST,
        params: Params,
        negated: bool = False,
        regex: bool = False,
    ) -> None:
        if not sigs:
            return
        vals = values_of(self.ev, self.index, other)
        if vals is None:
            return
        if regex:
            vals = Values(vals.items, vals.methods, True, vals.anchor, vals.catalog, vals.numbers)
        for s in sigs:
            if s.table is not None:
                keys = self._preimage(s.table, vals)
                if keys is not None:
                    self._found(node, replace(s, table=None), op, keys, params, negated)
            else:
                self._found(node, s, op, vals, params, negated)

    def _preimage(self, table: ast.expr, vals: Values) -> Values | None:
        """The keys of ``table`` whose entries are among ``vals``: what comparing an entry
        looked up by a signal compares the signal with."""
        value = entries(self.ev, table)
        if value is None or vals.regex:
            return None
        wanted = set(vals.items)
        keys = [k for k, v in value.items() if isinstance(v, (str, int)) and str(v) in wanted]
        keys = [k for k in keys if isinstance(k, (str, int)) and not isinstance(k, bool)]
        if not keys:
            return None
        numbers = all(isinstance(k, int) for k in keys)
        items = tuple(dict.fromkeys(str(k) for k in keys))
        return Values(items, vals.methods, anchor=table, numbers=numbers)

    def _found(
        self,
        node: ast.AST,
        s: Signal,
        op: str,
        vals: Values,
        params: Params,
        negated: bool,
    ) -> None:
        if s.kind == "ip-geo":  # the whole answer compared: a plain-text country code
            s = Signal("country", f"IP geolocation ({s.source})", hops=s.hops)
        key = (id(node), s.kind, s.source)
        if key in self._seen:
            return
        self._seen.add(key)
        fn = self.index.function_of(node)
        self.found.append(Comparison(node, s, op, vals, fn, negated, params))

    def _compare(self, node: ast.Compare, params: Params) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            name = _OPS.get(type(op))
            if name is not None:
                ls, rs = self.flow.signals(left, params), self.flow.signals(right, params)
                neg = name in ("!=", "not in", "is not")
                if ls and not rs:
                    self._add(node, ls, name, right, params, neg)
                elif rs and not ls:
                    self._add(node, rs, name, left, params, neg)
            left = right

    def _call(self, node: ast.Call, params: Params) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and node.args:
            if func.attr in ("startswith", "endswith"):
                sigs = self.flow.signals(func.value, params)
                self._add(node, sigs, func.attr, node.args[0], params)
            elif func.attr in _RE_METHODS:
                sigs = self.flow.signals(node.args[0], params)
                compiled = self._compiled_pattern(func.value)
                if sigs and compiled is not None:
                    self._add(node, sigs, "regex", compiled, params, regex=True)
            elif func.attr in _SET_METHODS:
                self._set_method(node, func, params)
            elif func.attr in _SUBSTRING_METHODS:
                sigs = self.flow.signals(func.value, params)
                if sigs and all(s.kind != "param" for s in sigs):
                    self._add(node, sigs, "contains", node.args[0], params)
            elif func.attr == "get" and isinstance(func.value, (ast.Name, ast.Attribute)):
                self._lookup(node, func.value, node.args[0], params)
        name = self.ev.dotted(func)
        if name in _RE_CALLS and len(node.args) >= 2:
            sigs = self.flow.signals(node.args[1], params)
            self._add(node, sigs, "regex", node.args[0], params, regex=True)
        elif name in _GLOB_CALLS and len(node.args) >= 2:
            sigs = self.flow.signals(node.args[0], params)
            self._add(node, sigs, "glob", node.args[1], params, regex=True)
        self._into_helper(node, params)

    def _set_method(self, node: ast.Call, func: ast.Attribute, params: Params) -> None:
        """``names.intersection(LIST)``, ``set(LIST).isdisjoint(names)``…"""
        op = _SET_METHODS[func.attr]
        mine, other = self.flow.signals(func.value, params), self.flow.signals(node.args[0], params)
        negated = op == "isdisjoint"
        if mine and not other:
            self._add(node, mine, op, node.args[0], params, negated)
        elif other and not mine:
            self._add(node, other, op, func.value, params, negated)

    def _intersection(self, node: ast.BinOp, params: Params) -> None:
        """``names & {"CST", "HKT"}``: a set of signal values intersected with literals."""
        ls, rs = self.flow.signals(node.left, params), self.flow.signals(node.right, params)
        op = "&" if isinstance(node.op, ast.BitAnd) else "-"
        if ls and not rs and _collection(node.right):
            self._add(node, ls, op, node.right, params)
        elif rs and not ls and _collection(node.left):
            self._add(node, rs, op, node.left, params)

    def _lookup(self, node: ast.AST, table: ast.expr, key: ast.AST, params: Params) -> None:
        """``POLICY.get(zone)`` / ``POLICY[zone]``: a dictionary keyed by the signal's values."""
        sigs = self.flow.signals(key, params)
        if sigs and not self.flow.signals(table, params) and policy_table(self.ev, table):
            self._add(node, sigs, "lookup", table, params)

    def _compiled_pattern(self, node: ast.AST) -> ast.AST | None:
        exprs: list[ast.expr] = []
        if isinstance(node, ast.Name):
            exprs, _ = self.index.lookup(node.id, node)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            exprs = [
                e
                for c in self.flow.classes
                if node.value.id in ("self", "cls", c.name)
                for e in self.index.bindings.get((id(c), node.attr), [])
            ] + (self.index.attributes.get(node.attr, []) if node.value.id == "self" else [])
        node = exprs[0] if len(exprs) == 1 else node
        if isinstance(node, ast.Call) and self.ev.dotted(node.func) == "re.compile" and node.args:
            return node.args[0]
        return None

    def _match(self, node: ast.Match, params: Params) -> None:
        sigs = self.flow.signals(node.subject, params)
        if not sigs:
            return
        for case in node.cases:
            for pat in ast.walk(case.pattern):
                if isinstance(pat, ast.MatchValue):
                    self._add(pat, sigs, "match", pat.value, params)

    def _into_helper(self, node: ast.Call, params: Params) -> None:
        """A helper called with a signal: find its comparisons with the parameter bound."""
        if self._visits > MAX_CALLEE_VISITS or not node.args:
            return
        fn = callable_def(self.index, node.func)
        if fn is None:
            return
        args = [self.flow.signals(a, params) for a in node.args]
        if not any(args):
            return
        params_of = [p for p in fn.args.args if p.arg not in ("self", "cls")]
        bound: Params = {p.arg: a for p, a in zip(params_of, args, strict=False) if a}
        key = (id(fn), tuple(sorted((k, v) for k, v in bound.items())))
        if key in self._helpers:
            return  # already explored with the same signals bound
        self._helpers.add(key)
        self._visits += 1
        for inner in ast.walk(fn):
            if inner is not fn and not isinstance(inner, FUNCTIONS):
                self._visit(inner, bound)


def _collection(node: ast.AST) -> bool:
    """A literal set/list/tuple, a call building one, or a name (of a constant)."""
    return isinstance(node, (ast.Set, ast.List, ast.Tuple, ast.Call, ast.Name, ast.Attribute))


def _dynamic_lookup(node: ast.Subscript) -> bool:
    """``TABLE[key]`` read with a computed key."""
    return (
        isinstance(node.value, (ast.Name, ast.Attribute))
        and isinstance(node.ctx, ast.Load)
        and not isinstance(node.slice, (ast.Constant, ast.Slice))
    )
