"""Python watermarks: look-alike strings (confusable or invisible characters, date separators)
chosen by a condition, or data encoded in invisible characters, written into text the program
produces (prompts, headers, messages, commit messages, files)."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.js.unicode import INVISIBLE, char_label
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.choices import Choice, find_choices, separator_only
from agentxray.analyze.python.comparisons import Comparison
from agentxray.analyze.python.conditions import shared_guards
from agentxray.analyze.python.parse import FUNCTIONS
from agentxray.analyze.python.report import describe, location, snippet, stable_id
from agentxray.analyze.python.signals import IDENTITY_KINDS, REGION_KINDS, Signal
from agentxray.analyze.python.transforms import returns
from agentxray.model import Finding

logger = logging.getLogger(__name__)

RULE = "py-watermark"
_TEXT_METHODS = frozenset(
    {"format", "join", "replace", "write", "append", "strftime", "writelines", "write_text"}
    | {"insert", "extend", "sendall", "send", "print", "echo"}
)
_PROCESS = ("subprocess.", "os.system", "os.popen", "os.exec")
_REMOTE = frozenset({"http", "http-json", "ip-geo", "http-headers"})
_SIGNAL_KINDS = REGION_KINDS | IDENTITY_KINDS


def _loads(a: PyAnalysis, scope: ast.AST, name: str) -> list[ast.AST]:
    return [
        n
        for n in ast.walk(scope)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    ]


def _sinks(a: PyAnalysis, choice: Choice) -> list[ast.AST]:
    """Text (f-strings, concatenations, format/join/replace calls, message dicts, process
    arguments) the chosen value goes into."""
    starts: list[ast.AST] = []
    if choice.target is not None:
        starts = _loads(a, a.index.scope_of(choice.node), choice.target)
    else:
        holder: ast.AST = choice.node
        parent = a.index.parent(holder)
        while isinstance(parent, (ast.IfExp, ast.BoolOp)):
            holder, parent = parent, a.index.parent(parent)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
            t = parent.targets[0]
            if isinstance(t, ast.Name):
                starts = _loads(a, a.index.scope_of(parent), t.id)
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
    """The text-building expression (f-string, ``+``/``%``, format/join/…, a message or header
    dictionary, a command line) around ``start``."""
    cur: ast.AST | None = start
    for _ in range(4):
        parent = a.index.parent(cur) if cur is not None else None
        if parent is None:
            return None
        if isinstance(parent, ast.JoinedStr) or (
            isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Add, ast.Mod))
        ):
            return parent
        if isinstance(parent, ast.Dict) and cur in parent.values:
            return parent
        if isinstance(parent, ast.Call):
            name = a.ev.dotted(parent.func) or ""
            attr = parent.func.attr if isinstance(parent.func, ast.Attribute) else name
            if attr in _TEXT_METHODS or name.startswith(_PROCESS):
                return parent
        if isinstance(parent, (ast.List, ast.Tuple)):
            holder = a.index.parent(parent)
            if isinstance(holder, ast.Call) and (a.ev.dotted(holder.func) or "").startswith(
                _PROCESS
            ):
                return holder
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
                if isinstance(call, ast.Call) and isinstance(call.func, (ast.Name, ast.Attribute)):
                    fn = _called(a, call)
                    if fn is not None:
                        fns.add(id(fn))
    return [c for c in a.comparisons if id(c.node) in inside or id(c.function) in fns]


def _called(a: PyAnalysis, call: ast.Call) -> ast.AST | None:
    from agentxray.analyze.python.interpret import callable_def

    return callable_def(a.index, call.func)


def _remote(a: PyAnalysis, choice: Choice) -> bool:
    """The condition tests a server's answer (a remote flag)."""
    return any(s.kind in _REMOTE for t in choice.tests for s in a.flow.signals(t))


def _encoded_signals(a: PyAnalysis, choice: Choice) -> list[Signal]:
    if choice.encoded is None:
        return []
    return [s for s in a.flow.signals(choice.encoded) if s.kind in _SIGNAL_KINDS]


def watermark_findings(a: PyAnalysis) -> list[Finding]:
    """``watermark`` findings of one module."""
    groups: dict[int, tuple[ast.AST, list[Choice]]] = {}
    choices = find_choices(a)
    for choice in [c for c in choices if not c.separator]:
        choice.tainted = _tainted(a, choice)
        choice.remote = _remote(a, choice)
        driven = bool(choice.tainted) or choice.remote
        if choice.encoded is not None:
            sinks = _sinks(a, choice)
            sink = sinks[0] if sinks else choice.node
            groups.setdefault(id(sink), (sink, []))[1].append(choice)
            continue
        if (choice.insert or choice.substitution) and not driven:
            continue  # e.g. gettext's bidi isolation of file names, a "smart quotes" setting
        invisible = any(ch in INVISIBLE for v in choice.variants for ch in v)
        if not (invisible or driven or len(set(choice.variants)) >= 3):
            continue
        sinks = _sinks(a, choice)
        if not sinks and not _returned(a, choice):
            continue
        sink = sinks[0] if sinks else choice.node
        groups.setdefault(id(sink), (sink, []))[1].append(choice)
    for change in [c for c in choices if c.separator]:
        change.tainted = _tainted(a, change)
        change.remote = _remote(a, change)
        if _normalises_signal(a, change):
            continue
        for sink in _sinks(a, change) or ([change.node] if _returned(a, change) else []):
            if id(sink) in groups or change.tainted or change.remote:
                groups.setdefault(id(sink), (sink, []))[1].append(change)
                break
    return [_finding(a, sink, choices) for sink, choices in groups.values()]


def _normalises_signal(a: PyAnalysis, change: Choice) -> bool:
    """The separator is swapped in the very value the condition tests (an SSH remote rewritten
    as a web address, a host name's dashes as dots): the value read is normalised, no text the
    program produces is marked."""
    node = change.node
    if not isinstance(node, ast.Call) or not change.tainted:
        return False
    subject: ast.AST | None = None
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("replace", "translate"):
        subject = node.func.value
    elif a.ev.dotted(node.func) in ("re.sub", "re.subn") and len(node.args) >= 3:
        subject = node.args[2]
    if subject is None:
        return False
    own = {(s.kind, s.source) for s in a.flow.signals(subject)}
    return bool(own & {(c.signal.kind, c.signal.source) for c in change.tainted})


def _returned(a: PyAnalysis, choice: Choice) -> bool:
    if isinstance(choice.node, FUNCTIONS):
        return True
    fn = a.index.function_of(choice.node)
    if fn is None:
        return False
    for r in returns(fn):
        if r.value is None:
            continue
        if r.value is choice.node or (
            isinstance(r.value, ast.Name) and r.value.id == choice.target
        ):
            return True
        if any(n is choice.node for n in ast.walk(r.value)):
            return True
    return False


def _common_condition(a: PyAnalysis, choices: list[Choice]) -> str:
    """Guards shared by every conditional assignment of the choices, in words."""
    lists = [a.describer.guards(n) for c in choices for n in c.guarded]
    if not lists:
        return ""
    return a.describer.render(shared_guards(lists))


def _describe_choice(a: PyAnalysis, c: Choice, values: list[str]) -> str:
    if c.encoded is not None:
        what = ", ".join(dict.fromkeys(s.label for s in _encoded_signals(a, c)))
        values.append(f"{c.variants[0]} encoding {what or describe(c.encoded, 40)}")
        return f"writes `{describe(c.encoded, 50)}` as invisible {c.variants[0]}"
    if c.separator:
        old, new = c.variants
        values.append(f"separator {old!r} → {new!r}")
        label = f"the separator {new!r} instead of {old!r}"
    elif c.insert:
        values.append(char_label(c.variants[1]))
        label = f"an invisible {char_label(c.variants[1])} (or nothing)"
    elif c.substitution:
        half = len(c.variants) // 2
        olds, news = c.variants[:half], c.variants[half:]
        labels = [char_label(v) for v in [*olds[:4], *news[:4]]]
        values.extend(x for x in labels if x not in values)
        label = f"look-alikes {', '.join(char_label(v) for v in news[:4])} in place of " + (
            ", ".join(char_label(v) for v in olds[:4])
        )
    elif all(separator_only(c.variants[0], v) or v == c.variants[0] for v in c.variants):
        label = f"date/number format {' or '.join(repr(v) for v in c.variants)}"
        values.extend(repr(v) for v in c.variants if repr(v) not in values)
    else:
        labels = [char_label(v) for v in c.variants]
        values.extend(x for x in labels if x not in values)
        label = " or ".join(labels)
    when = describe(c.tests[-1], 60) if c.tests else "a condition"
    return f"writes {label} depending on `{when}`"


def _finding(a: PyAnalysis, sink: ast.AST, choices: list[Choice]) -> Finding:
    values: list[str] = []
    parts: list[str] = []
    tainted: list[Comparison] = []
    for c in choices:
        tainted.extend(x for x in c.tainted if x not in tainted)
        parts.append(_describe_choice(a, c, values))
    encoded = [s for c in choices for s in _encoded_signals(a, c)]
    signals = list(dict.fromkeys([*(x.signal.label for x in tainted), *(s.label for s in encoded)]))
    remote = any(c.remote for c in choices)
    condition = _common_condition(a, choices)
    if not condition and tainted:
        condition = a.describer.activation(tainted[0].node)
    driven = f" The choice is driven by comparisons of {', '.join(signals)}." if signals else ""
    if remote:
        driven += " The condition is a value the server sends (a remote flag)."
    message = (
        f"The text `{describe(sink, 80)}` is assembled from look-alike or invisible variants: it "
        + "; it ".join(parts)
        + f".{driven} Readers see the same text; the exact code points encode which branch ran "
        "or what data was hidden — a covert watermark in what the program writes."
        + (f" Active {condition}." if condition else "")
    )
    critical = bool(tainted) or bool(encoded)
    return Finding(
        id=stable_id(RULE, *sorted(values)),
        rule=RULE,
        category="watermark",
        severity="critical" if critical else "high",
        title="Covert watermark: " + ", ".join(values[:6]) + " chosen by condition",
        location=location(a.vpath, sink),
        message=message,
        related=tuple(location(a.vpath, c.node) for c in choices),
        snippet=snippet(a.index, a.unit.text, sink, *(c.node for c in choices)),
        signals=tuple(signals),
        values=tuple(values),
        condition=condition,
    )
