"""Python watermarks: look-alike strings (confusable or invisible characters, date separators)
chosen by a condition and written into text the program produces."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.js.unicode import INVISIBLE, char_label
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.choices import Choice, find_choices, separator_only
from agentxray.analyze.python.comparisons import Comparison
from agentxray.analyze.python.conditions import shared_guards
from agentxray.analyze.python.flow import returns
from agentxray.analyze.python.parse import FUNCTIONS
from agentxray.analyze.python.report import describe, location, snippet, stable_id
from agentxray.model import Finding

logger = logging.getLogger(__name__)

RULE = "py-watermark"
_TEXT_METHODS = frozenset({"format", "join", "replace", "write", "append", "strftime"})


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
        sink = _climb(a, start)
        if sink is not None:
            out.append(sink)
    if not out and _returned(a, choice):
        owner = choice.node if isinstance(choice.node, FUNCTIONS) else None
        owner = owner or a.index.function_of(choice.node)
        for call in a.describer.calls(owner.name)[:20] if owner is not None else []:
            sink = _climb(a, call)
            if sink is not None:
                out.append(sink)
    return out


def _climb(a: PyAnalysis, start: ast.AST) -> ast.AST | None:
    """The text-building expression (f-string, ``+``/``%``, format/join/…) around ``start``."""
    cur: ast.AST | None = start
    for _ in range(4):
        parent = a.index.parent(cur) if cur is not None else None
        if parent is None:
            return None
        if isinstance(parent, ast.JoinedStr) or (
            isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Add, ast.Mod))
        ):
            return parent
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr in _TEXT_METHODS
        ):
            return parent
        cur = parent
    return None


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
    choices = find_choices(a)
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
    if isinstance(choice.node, FUNCTIONS):
        return True
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
    return a.describer.render(shared_guards(lists))


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
        elif all(separator_only(c.variants[0], v) or v == c.variants[0] for v in c.variants):
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
