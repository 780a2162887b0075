"""Python watermarks: look-alike strings (confusable or invisible characters, date separators)
chosen by a condition and written into text the program produces."""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field

from agentxray.analyze.js.unicode import INVISIBLE, char_label, skeleton, special
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.comparisons import Comparison
from agentxray.analyze.python.evaluate import Unsupported
from agentxray.analyze.python.flow import returns
from agentxray.analyze.python.report import describe, location, snippet, stable_id
from agentxray.model import Finding

logger = logging.getLogger(__name__)

RULE = "py-watermark"
SEPARATORS = frozenset("-/.:_ \u2010\u2011\u2012\u2013\u2014\u2212\u2215")
_TEXT_METHODS = frozenset({"format", "join", "replace", "write", "append", "strftime"})


@dataclass
class Choice:
    """Look-alike variants selected by a condition."""

    node: ast.AST
    """The conditional expression, ``if`` statement or indexed literal."""
    tests: list[ast.expr]
    variants: list[str]
    target: str | None = None
    """The variable the chosen value is assigned to, if any."""
    tainted: list[Comparison] = field(default_factory=list)


def _str(a: PyAnalysis, node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    try:
        value = a.ev.value(node)
    except (Unsupported, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _separator_only(x: str, y: str) -> bool:
    if len(x) != len(y) or x == y:
        return False
    diff = [(p, q) for p, q in zip(x, y, strict=True) if p != q]
    return all(p in SEPARATORS and q in SEPARATORS for p, q in diff) and any(
        c.isalnum() or c == "%" for c in x
    )


def lookalikes(values: list[str]) -> bool:
    """Distinct strings that differ only in invisible/confusable characters or separators."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) < 2 or len(distinct) > 8:
        return False
    if len({skeleton(v) for v in distinct}) == 1 and any(special(v) for v in distinct):
        return True
    return all(_separator_only(distinct[0], v) for v in distinct[1:])


def _choices(a: PyAnalysis) -> list[Choice]:
    out: list[Choice] = []
    for node in ast.walk(a.index.tree):
        if isinstance(node, ast.IfExp):
            body, orelse = _str(a, node.body), _str(a, node.orelse)
            if body is not None and orelse is not None and lookalikes([body, orelse]):
                out.append(Choice(node, [node.test], [body, orelse]))
        elif isinstance(node, ast.If) and node.orelse:
            branch = _if_chain(a, node)
            if branch is not None:
                out.append(branch)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, (ast.List, ast.Tuple)):
            vals = [_str(a, e) for e in node.value.elts]
            texts = [v for v in vals if v is not None]
            dynamic = not isinstance(node.slice, ast.Constant)
            if dynamic and len(texts) == len(vals) and lookalikes(texts):
                out.append(Choice(node, [node.slice], texts))
    return out


def _if_chain(a: PyAnalysis, node: ast.If) -> Choice | None:
    """``if c: x = "’" else: x = "'"`` (with ``elif``s): the variants of ``x``."""
    tests: list[ast.expr] = []
    values: list[str] = []
    target: str | None = None
    cur: ast.If | None = node
    branches: list[list[ast.stmt]] = []
    while cur is not None:
        tests.append(cur.test)
        branches.append(cur.body)
        nxt = cur.orelse[0] if len(cur.orelse) == 1 else None
        if isinstance(nxt, ast.If):
            cur = nxt
        else:
            branches.append(cur.orelse)
            cur = None
    for body in branches:
        if len(body) != 1 or not isinstance(body[0], ast.Assign) or len(body[0].targets) != 1:
            return None
        t = body[0].targets[0]
        v = _str(a, body[0].value)
        if not isinstance(t, ast.Name) or v is None or target not in (None, t.id):
            return None
        target = t.id
        values.append(v)
    if isinstance(a.index.parent(node), ast.If) and node in getattr(
        a.index.parent(node), "orelse", []
    ):
        return None  # an elif of a chain reported from its head
    return Choice(node, tests, values, target) if lookalikes(values) else None


def _sinks(a: PyAnalysis, choice: Choice) -> list[ast.AST]:
    """Text (f-strings, concatenations, format/join/replace calls) the chosen value goes into."""
    starts: list[ast.AST] = []
    if choice.target is not None:
        fn = a.index.scope_of(choice.node)
        starts = [
            n
            for n in ast.walk(fn)
            if isinstance(n, ast.Name) and n.id == choice.target and isinstance(n.ctx, ast.Load)
        ]
    else:
        parent = a.index.parent(choice.node)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
            t = parent.targets[0]
            if isinstance(t, ast.Name):
                fn = a.index.scope_of(parent)
                starts = [
                    n
                    for n in ast.walk(fn)
                    if isinstance(n, ast.Name) and n.id == t.id and isinstance(n.ctx, ast.Load)
                ]
        else:
            starts = [choice.node]
    out: list[ast.AST] = []
    for start in starts:
        cur: ast.AST | None = start
        for _ in range(4):
            parent = a.index.parent(cur) if cur is not None else None
            if parent is None:
                break
            if isinstance(parent, ast.JoinedStr) or (
                isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Add, ast.Mod))
            ):
                out.append(parent)
                break
            if (
                isinstance(parent, ast.Call)
                and isinstance(parent.func, ast.Attribute)
                and parent.func.attr in _TEXT_METHODS
            ):
                out.append(parent)
                break
            cur = parent
    return out


def _tainted(a: PyAnalysis, choice: Choice) -> list[Comparison]:
    """Signal comparisons deciding the choice: in its tests, or in helpers/variables they use."""
    inside: set[int] = set()
    fns: set[int] = set()
    for test in choice.tests:
        for n in ast.walk(test):
            inside.add(id(n))
            exprs: list[ast.expr] = []
            if isinstance(n, ast.Name):
                exprs = a.index.lookup(n.id, n)[0][:4]
            for e in exprs:
                inside.update(id(x) for x in ast.walk(e))
            for call in [n, *exprs]:
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                    fns.update(id(d) for d in a.index.functions.get(call.func.id, [])[:1])
    out = [c for c in a.comparisons if id(c.node) in inside or id(c.function) in fns]
    return out


def watermark_findings(a: PyAnalysis) -> list[Finding]:
    """``watermark`` findings of one module."""
    groups: dict[int, tuple[ast.AST, list[Choice]]] = {}
    for choice in _choices(a):
        choice.tainted = _tainted(a, choice)
        invisible = any(ch in INVISIBLE for v in choice.variants for ch in v)
        if not (invisible or choice.tainted or len(set(choice.variants)) >= 3):
            continue
        sinks = _sinks(a, choice)
        if not sinks and not _returned(a, choice):
            continue
        sink = sinks[0] if sinks else choice.node
        groups.setdefault(id(sink), (sink, []))[1].append(choice)
    return [_finding(a, sink, choices) for sink, choices in groups.values()]


def _returned(a: PyAnalysis, choice: Choice) -> bool:
    fn = a.index.function_of(choice.node)
    return fn is not None and any(
        r.value is choice.node or (isinstance(r.value, ast.Name) and r.value.id == choice.target)
        for r in returns(fn)
    )


def _finding(a: PyAnalysis, sink: ast.AST, choices: list[Choice]) -> Finding:
    values: list[str] = []
    parts: list[str] = []
    tainted: list[Comparison] = []
    for c in choices:
        tainted.extend(x for x in c.tainted if x not in tainted)
        if all(_separator_only(c.variants[0], v) or v == c.variants[0] for v in c.variants):
            label = f"date/number format {' or '.join(repr(v) for v in c.variants)}"
            values.extend(repr(v) for v in c.variants if repr(v) not in values)
        else:
            labels = [char_label(v) for v in c.variants]
            values.extend(x for x in labels if x not in values)
            label = " or ".join(labels)
        when = describe(c.tests[0], 60)
        parts.append(f"writes {label} depending on `{when}`")
    signals = list(dict.fromkeys(x.signal.label for x in tainted))
    condition = a.describer.activation(tainted[0].node) if tainted else ""
    driven = f" The choice is driven by comparisons of {', '.join(signals)}." if signals else ""
    message = (
        f"The text `{describe(sink, 80)}` is assembled from look-alike variants chosen by "
        "conditions: it " + "; it ".join(parts) + f".{driven} Readers see the same text; the "
        "exact code points encode which branch ran — a covert watermark in what the program "
        "writes." + (f" Active {condition}." if condition else "")
    )
    return Finding(
        id=stable_id(RULE, *sorted(values)),
        rule=RULE,
        category="watermark",
        severity="critical" if tainted else "high",
        title="Covert watermark: " + ", ".join(values[:6]) + " chosen by condition",
        location=location(a.vpath, sink),
        message=message,
        related=tuple(location(a.vpath, c.node) for c in choices),
        snippet=snippet(a.index, a.unit.text, sink, *(c.node for c in choices)),
        signals=tuple(signals),
        values=tuple(values),
        condition=condition,
    )
