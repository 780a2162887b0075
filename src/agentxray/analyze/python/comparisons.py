"""Comparisons of signals with values: ``==``/``in``, ``startswith``/``endswith``, ``re``, ``match``
statements and ``any(...)`` over lists; values come from the safe evaluator (decoded if hidden)."""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field

from agentxray.analyze.python.evaluate import Evaluator, Unsupported
from agentxray.analyze.python.flow import Flow, Params
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex
from agentxray.analyze.python.signals import Signal

logger = logging.getLogger(__name__)

_OPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_RE_CALLS = frozenset({"re.match", "re.search", "re.fullmatch", "re.findall"})
_RE_METHODS = frozenset({"match", "search", "fullmatch", "findall"})
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
    """Strings (or numbers) a compared operand stands for, through loops over literal lists."""
    loop = _loop_source(index, node)
    target = loop if loop is not None else node
    try:
        value = ev.value(target)
    except (Unsupported, RecursionError, MemoryError):
        return None
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
    return Values(tuple(dict.fromkeys(out)), tuple(ev.methods), anchor=target)


def _loop_source(index: ModuleIndex, node: ast.AST) -> ast.AST | None:
    """For a loop variable (``for d in LIST``, ``any(... for d in LIST)``), the iterable."""
    if not isinstance(node, ast.Name):
        return None
    cur = index.parent(node)
    while cur is not None and not isinstance(cur, (*FUNCTIONS, ast.Module)):
        gens: list[ast.comprehension | ast.For | ast.AsyncFor] = []
        if isinstance(cur, (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            gens = list(cur.generators)
        elif isinstance(cur, (ast.For, ast.AsyncFor)):
            gens = [cur]
        for g in gens:
            if isinstance(g.target, ast.Name) and g.target.id == node.id:
                return g.iter
        cur = index.parent(cur)
    return None


class Finder:
    """Collects comparisons of signals in a module (and in helpers called with signals)."""

    def __init__(self, index: ModuleIndex, flow: Flow, ev: Evaluator) -> None:
        self.index, self.flow, self.ev = index, flow, ev
        self.found: list[Comparison] = []
        self._seen: set[tuple[int, str, str]] = set()
        self._visits = 0

    def run(self) -> list[Comparison]:
        """Walk the whole module once."""
        for node in self.index.nodes(ast.Compare, ast.Call, ast.Match):
            self._visit(node, {})
        return self.found

    def _visit(self, node: ast.AST, params: Params) -> None:
        if isinstance(node, ast.Compare):
            self._compare(node, params)
        elif isinstance(node, ast.Call):
            self._call(node, params)
        elif isinstance(node, ast.Match):
            self._match(node, params)

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
            vals = Values(vals.items, vals.methods, True, vals.anchor)
        for s in sigs:
            key = (id(node), s.kind, s.source)
            if key in self._seen:
                continue
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
        name = self.ev.dotted(func)
        if name in _RE_CALLS and len(node.args) >= 2:
            sigs = self.flow.signals(node.args[1], params)
            self._add(node, sigs, "regex", node.args[0], params, regex=True)
        self._into_helper(node, params)

    def _compiled_pattern(self, node: ast.AST) -> ast.AST | None:
        if isinstance(node, ast.Name):
            exprs, _ = self.index.lookup(node.id, node)
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
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name = func.attr if func.value.id in ("self", "cls") else ""
        else:
            name = func.id if isinstance(func, ast.Name) else ""
        if not name or self._visits > MAX_CALLEE_VISITS:
            return
        defs = self.index.functions.get(name, [])
        if len(defs) != 1 or not node.args:
            return
        args = [self.flow.signals(a, params) for a in node.args]
        if not any(args):
            return
        fn = defs[0]
        params_of = [p for p in fn.args.args if p.arg not in ("self", "cls")]
        bound: Params = {p.arg: a for p, a in zip(params_of, args, strict=False) if a}
        self._visits += 1
        for inner in ast.walk(fn):
            if inner is not fn and not isinstance(inner, FUNCTIONS):
                self._visit(inner, bound)
