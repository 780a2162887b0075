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
    """The conditional expression, first assignment or indexed literal."""
    tests: list[ast.expr]
    variants: list[str]
    target: str | None = None
    """The variable the chosen value is assigned to, if any."""
    tainted: list[Comparison] = field(default_factory=list)
    separator: bool = False
    """A date/number separator replaced (``variants`` is ``[old, new]``)."""
    insert: bool = False
    """Invisible characters appended (``variants`` is ``["", inserted]``)."""
    guarded: list[ast.AST] = field(default_factory=list)
    """The conditional assignments (their common guards say when the choice is made)."""


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


def _assigned(a: PyAnalysis, value: ast.expr) -> list[str] | None:
    if isinstance(value, ast.IfExp):
        body, orelse = _str(a, value.body), _str(a, value.orelse)
        return [body, orelse] if body is not None and orelse is not None else None
    text = _str(a, value)
    return [text] if text is not None else None


def _separator_change(node: ast.Assign, name: str) -> list[str] | None:
    """``x = x.replace("-", "/")``: the separators (old, new)."""
    v = node.value
    if not (
        isinstance(v, ast.Call)
        and isinstance(v.func, ast.Attribute)
        and v.func.attr == "replace"
        and isinstance(v.func.value, ast.Name)
        and v.func.value.id == name
        and len(v.args) == 2
    ):
        return None
    old, new = (x.value if isinstance(x, ast.Constant) else None for x in v.args)
    if not (isinstance(old, str) and isinstance(new, str)) or old == new:
        return None
    if 0 < len(old) <= 2 and 0 < len(new) <= 2 and set(old + new) <= SEPARATORS:
        return [old, new]
    if lookalikes([old, new]):
        return [old, new, "look-alike"]
    return None


def _insertion(a: PyAnalysis, node: ast.AugAssign) -> str | None:
    """``x += "\u200b"``: the invisible text appended."""
    if not (isinstance(node.op, ast.Add) and isinstance(node.target, ast.Name)):
        return None
    text = _str(a, node.value)
    if text and all(ch in INVISIBLE for ch in text):
        return text
    return None


def _tests(a: PyAnalysis, node: ast.AST) -> list[ast.expr]:
    tests = [t for t, _ in a.describer.guards(node)]
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.IfExp):
        tests.append(node.value.test)
    return tests


def _variable_choices(a: PyAnalysis) -> tuple[list[Choice], set[int]]:
    """Variables assigned look-alike strings in several places, some under conditions."""
    per: dict[tuple[int, str], list[tuple[ast.Assign, list[str]]]] = {}
    out: list[Choice] = []
    for node in a.index.nodes(ast.Assign):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            continue
        scope = id(a.index.scope_of(node))
        change = _separator_change(node, target.id)
        if change is not None:
            tests = _tests(a, node)
            if tests:
                sep = len(change) == 2
                variants = change[:2]
                out.append(Choice(node, tests, variants, target.id, separator=sep, guarded=[node]))
            continue
        values = _assigned(a, node.value)
        if values is not None:
            per.setdefault((scope, target.id), []).append((node, values))
    for aug in a.index.nodes(ast.AugAssign):
        if isinstance(aug, ast.AugAssign) and isinstance(aug.target, ast.Name):
            inserted = _insertion(a, aug)
            tests = _tests(a, aug) if inserted else []
            if inserted and tests:
                choice = Choice(aug, tests, ["", inserted], aug.target.id, guarded=[aug])
                choice.insert = True
                out.append(choice)
    covered: set[int] = set()
    for (_, name), assigns in per.items():
        values = [v for _, vs in assigns for v in vs]
        if len(assigns) < 2 or not lookalikes(values):
            continue
        guarded: list[ast.AST] = [n for n, _ in assigns if _tests(a, n)]
        if not guarded:
            continue
        tests = [t for n in guarded for t in _tests(a, n)]
        covered.update(id(n.value) for n, _ in assigns)
        out.append(Choice(assigns[0][0], tests, list(dict.fromkeys(values)), name, guarded=guarded))
    return out, covered


def _choices(a: PyAnalysis) -> list[Choice]:
    out, covered = _variable_choices(a)
    for node in a.index.nodes(ast.IfExp, ast.Subscript):
        if isinstance(node, ast.IfExp) and id(node) not in covered:
            body, orelse = _str(a, node.body), _str(a, node.orelse)
            if body is not None and orelse is not None and lookalikes([body, orelse]):
                out.append(Choice(node, [node.test], [body, orelse], guarded=[node]))
        elif isinstance(node, ast.Subscript) and isinstance(node.value, (ast.List, ast.Tuple)):
            vals = [_str(a, e) for e in node.value.elts]
            texts = [v for v in vals if v is not None]
            dynamic = not isinstance(node.slice, ast.Constant)
            if dynamic and len(texts) == len(vals) and lookalikes(texts):
                out.append(Choice(node, [node.slice], texts, guarded=[node]))
    return out


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
    own = {id(n) for g in [choice.node, *choice.guarded] for n in ast.walk(g)}
    out: list[ast.AST] = []
    for start in starts:
        if id(start) in own and start is not choice.node:
            continue
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
    choices = _choices(a)
    for choice in [c for c in choices if not c.separator]:
        choice.tainted = _tainted(a, choice)
        if choice.insert and not choice.tainted:
            continue  # e.g. gettext's bidi isolation of file names: an encoding, not a signal
        invisible = any(ch in INVISIBLE for v in choice.variants for ch in v)
        if not (invisible or choice.tainted or len(set(choice.variants)) >= 3):
            continue
        sinks = _sinks(a, choice)
        if not sinks and not _returned(a, choice):
            continue
        sink = sinks[0] if sinks else choice.node
        groups.setdefault(id(sink), (sink, []))[1].append(choice)
    for change in [c for c in choices if c.separator]:
        change.tainted = _tainted(a, change)
        for sink in _sinks(a, change):
            if id(sink) in groups or change.tainted:
                groups.setdefault(id(sink), (sink, []))[1].append(change)
                break
    return [_finding(a, sink, choices) for sink, choices in groups.values()]


def _returned(a: PyAnalysis, choice: Choice) -> bool:
    fn = a.index.function_of(choice.node)
    return fn is not None and any(
        r.value is choice.node or (isinstance(r.value, ast.Name) and r.value.id == choice.target)
        for r in returns(fn)
    )


def _common_condition(a: PyAnalysis, choices: list[Choice]) -> str:
    """Guards shared by every conditional assignment of the choices, in words."""
    lists = [a.describer.guards(n) for c in choices for n in c.guarded]
    if not lists:
        return ""
    common: list[tuple[ast.expr, bool]] = []
    for i, (test, positive) in enumerate(lists[0]):
        if all(len(x) > i and x[i][0] is test and x[i][1] == positive for x in lists[1:]):
            common.append((test, positive))
        else:
            break
    return a.describer.render(common)


def _finding(a: PyAnalysis, sink: ast.AST, choices: list[Choice]) -> Finding:
    values: list[str] = []
    parts: list[str] = []
    tainted: list[Comparison] = []
    for c in choices:
        tainted.extend(x for x in c.tainted if x not in tainted)
        if c.separator:
            old, new = c.variants
            values.append(f"separator {old!r} → {new!r}")
            label = f"the separator {new!r} instead of {old!r}"
        elif c.insert:
            values.append(char_label(c.variants[1]))
            label = f"an invisible {char_label(c.variants[1])} (or nothing)"
        elif all(_separator_only(c.variants[0], v) or v == c.variants[0] for v in c.variants):
            label = f"date/number format {' or '.join(repr(v) for v in c.variants)}"
            values.extend(repr(v) for v in c.variants if repr(v) not in values)
        else:
            labels = [char_label(v) for v in c.variants]
            values.extend(x for x in labels if x not in values)
            label = " or ".join(labels)
        when = describe(c.tests[-1], 60)
        parts.append(f"writes {label} depending on `{when}`")
    signals = list(dict.fromkeys(x.signal.label for x in tainted))
    condition = _common_condition(a, choices)
    if not condition and tainted:
        condition = a.describer.activation(tainted[0].node)
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
