"""The Python front-end of ``watermark``: look-alike strings (confusable or invisible characters,
date separators) chosen by a condition, or data encoded in invisible characters, and the text the
program writes them into (prompts, headers, messages, commit messages, files), as neutral
:class:`~agentxray.analyze.behaviour.records.Choice` records.

Which choices count and how they are worded is :mod:`agentxray.analyze.behaviour.watermark`.
"""

from __future__ import annotations

import ast
import logging
import re

from agentxray.analyze.behaviour.records import Choice as ChoiceRecord
from agentxray.analyze.behaviour.records import Evidence, Sink, Source
from agentxray.analyze.behaviour.unicode import INVISIBLE
from agentxray.analyze.behaviour.watermark import LETTER_CASE, REPEAT_COUNT
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.choices import Choice, find_choices
from agentxray.analyze.python.comparisons import Comparison
from agentxray.analyze.python.conditions import shared_guards
from agentxray.analyze.python.parse import FUNCTIONS
from agentxray.analyze.python.report import describe, fn_label, location, snippet
from agentxray.analyze.python.signals import IDENTITY_KINDS, REGION_KINDS, Signal
from agentxray.analyze.python.transforms import returns

logger = logging.getLogger(__name__)

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
            if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load):
                # `x if self._alt else y` where `_alt` is a property: its tests decide.
                prop = _property(a, n)
                if prop is not None:
                    fns.add(id(prop))
                for value in _field_values(a, n):
                    # `x if self.marked else y` with `self.marked = <test>` set in a method of
                    # the same class: the test stored decides.
                    inside.update(id(x) for x in ast.walk(value))
                    for call in ast.walk(value):
                        fn = _called(a, call) if isinstance(call, ast.Call) else None
                        if fn is not None:
                            fns.add(id(fn))
    return [c for c in a.comparisons if id(c.node) in inside or id(c.function) in fns]


MAX_FIELD_VALUES = 4


def _field_values(a: PyAnalysis, attr: ast.Attribute) -> list[ast.expr]:
    """What ``self.name`` is set to in the methods of the class whose method reads it (``self.x
    = …`` only, at most a few)."""
    if not (isinstance(attr.value, ast.Name) and attr.value.id == "self"):
        return []
    home = _class_of(a, attr)
    if home is None:
        return []
    out: list[ast.expr] = []
    for value in a.index.attributes.get(attr.attr, []):
        stmt = a.index.parent(value)
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else [stmt.target]
            if isinstance(stmt, ast.AnnAssign)
            else []
        )
        if not any(
            isinstance(t, ast.Attribute)
            and t.attr == attr.attr
            and isinstance(t.value, ast.Name)
            and t.value.id == "self"
            for t in targets
        ):
            continue
        if _class_of(a, value) is home:
            out.append(value)
        if len(out) >= MAX_FIELD_VALUES:
            break
    return out


def _class_of(a: PyAnalysis, node: ast.AST) -> ast.ClassDef | None:
    fn = a.index.function_of(node)
    owner = a.index.parent(fn) if fn is not None else None
    return owner if isinstance(owner, ast.ClassDef) else None


def marking_comparisons(a: PyAnalysis) -> set[int]:
    """Base-URL comparisons (by node id) that alone pick between look-alike or invisible
    variants of text (``NNBSP if MIRRORED else " "``): their outcome is written covertly into
    text. A mark also decided by other signals (a zone, a hidden list) is reported by those."""
    cached = a.cache.get("marking")
    if isinstance(cached, set):
        return cached
    out: set[int] = set()
    for choice in find_choices(a):
        if choice.separator or choice.encoded is not None:
            continue
        tainted = _tainted(a, choice)
        if all(c.signal.kind == "endpoint" for c in tainted):
            out.update(id(c.node) for c in tainted)
    a.cache["marking"] = out
    return out


def _property(a: PyAnalysis, attr: ast.Attribute) -> ast.AST | None:
    """The ``@property`` (or ``cached_property``) method ``self.name`` reads, if it is one."""
    from agentxray.analyze.python.interpret import callable_def

    fn = callable_def(a.index, attr)
    if fn is None or not any(
        (d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else "")
        in ("property", "cached_property")
        for d in fn.decorator_list
    ):
        return None
    return fn


def _called(a: PyAnalysis, call: ast.Call) -> ast.AST | None:
    from agentxray.analyze.python.interpret import callable_def

    return callable_def(a.index, call.func)


def _remote(a: PyAnalysis, choice: Choice) -> bool:
    """The condition tests a server's answer (a remote flag)."""
    return any(s.kind in _REMOTE for t in choice.tests for s in a.flow.signals(t))


def _encoded_signals(a: PyAnalysis, choice: Choice) -> list[Signal]:
    if choice.encoded is None:
        return identity_bits(a, choice)
    found = a.flow.carried(choice.encoded)
    return [s for s in found if s.kind in _SIGNAL_KINDS or s.kind == "identifier"]


_BIT_OPS = (ast.RShift, ast.LShift, ast.BitAnd, ast.BitXor)


def identity_bits(a: PyAnalysis, choice: Choice) -> list[Signal]:
    """The identities whose bits decide a look-alike choice: a test of a bit (a shift or mask)
    of a value made from an identity (``digest[i // 8] >> (7 - i % 8) & 1`` of a machine id's
    hash), or any test made from an identity's hash (``THIN if self._bit() else HAIR``): each
    choice spells one bit of who produced the text into it."""
    out: list[Signal] = []
    for test in choice.tests:
        # What the test is made from, its parts included (`"b" if bits[i] else "a"` picks a
        # table's key: the key's value is not the test's, its condition is).
        found = [s for n in _parts(test) for s in a.flow.signals(n)]
        if any(isinstance(n, ast.BinOp) and isinstance(n.op, _BIT_OPS) for n in ast.walk(test)):
            out.extend(s for s in found if s.kind in IDENTITY_KINDS or s.kind == "identifier")
        else:
            # The bits were cut earlier (`self._bits = [b >> k & 1 for b in digest]`, read by
            # a helper): a test made from an identity's hash spells it whatever the helper.
            out.extend(s for s in found if s.kind == "identifier")
    return list(dict.fromkeys(out))


MAX_PARTS = 60


def _parts(test: ast.AST) -> list[ast.AST]:
    """``test`` and its sub-expressions (not entering lambdas), at most ``MAX_PARTS``."""
    out: list[ast.AST] = []
    stack = [test]
    while stack and len(out) < MAX_PARTS:
        cur = stack.pop()
        if isinstance(cur, ast.expr):
            out.append(cur)
        if not isinstance(cur, ast.Lambda):
            stack.extend(ast.iter_child_nodes(cur))
    return out


def _source(signal: Signal) -> Source:
    return Source(
        kind=signal.kind,
        read=signal.source,
        host=signal.host,
        unit=signal.unit,
        hops=signal.hops,
        label=signal.label,
    )


def _evidence(a: PyAnalysis, node: ast.AST, *more: ast.AST, condition: str = "") -> Evidence:
    return Evidence(
        location=location(a.vpath, node),
        snippet=snippet(a.index, a.unit.text, *more, node),
        text=describe(node, 80),
        function=fn_label(a.index, node),
        function_key=id(a.index.function_of(node)),
        condition=condition,
    )


def _sink_kind(a: PyAnalysis, node: ast.AST) -> str:
    """``process`` for a command line, ``file``/``request`` for a write/send, else ``text``."""
    if not isinstance(node, ast.Call):
        return "text"
    if (a.ev.dotted(node.func) or "").startswith(_PROCESS):
        return "process"
    attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if attr in ("write", "writelines", "write_text"):
        return "file"
    if attr in ("send", "sendall"):
        return "request"
    return "text"


def _kind(choice: Choice) -> str:
    if choice.encoded is not None:
        return "encoding"
    if choice.separator:
        return "separator"
    if choice.insert:
        return "decoration"
    if choice.substitution:
        return "substitution"
    return "variants"


def _condition(a: PyAnalysis, choice: Choice) -> str:
    """The guards shared by the choice's conditional assignments, else when its first deciding
    comparison runs."""
    lists = [a.describer.guards(n) for n in choice.guarded]
    condition = a.describer.render(shared_guards(lists)) if lists else ""
    if not condition and choice.tainted:
        condition = a.describer.activation(choice.tainted[0].node)
    return condition


def choice_records(a: PyAnalysis) -> list[ChoiceRecord]:
    """Every look-alike choice, separator change, mark and invisible encoding of one module."""
    out: list[ChoiceRecord] = []
    for choice in find_choices(a):
        choice.tainted = _tainted(a, choice)
        choice.remote = _remote(a, choice)
        kind = _kind(choice)
        sinks = _sinks(a, choice)
        variants = tuple(choice.variants)
        chars: tuple[str, ...] = ()
        if kind == "decoration":
            chars = (choice.variants[1],)
        elif kind == "substitution":
            chars = tuple(dict.fromkeys(variants[len(variants) // 2 :]))
        out.append(
            ChoiceRecord(
                kind=kind,
                evidence=_evidence(a, choice.node, *sinks[:1], condition=_condition(a, choice)),
                variants=variants,
                test=describe(choice.tests[-1], 60) if choice.tests else "",
                chars=chars,
                detail=describe(choice.encoded, 50) if choice.encoded is not None else "",
                sources=tuple(_source(c.signal) for c in choice.tainted),
                encodes=tuple(_source(s) for s in dict.fromkeys(_encoded_signals(a, choice))),
                remote="answer" if choice.remote else "",
                sinks=tuple(Sink(_sink_kind(a, s), _evidence(a, s)) for s in sinks),
                returned=_returned(a, choice),
                normalises_source=choice.separator and _normalises_signal(a, choice),
                key=id(choice.node),
                languages=_languages(choice.tainted),
            )
        )
    return out + _case_flips(a) + _repeat_counts(a)


_UPPER = frozenset({"upper", "capitalize", "title"})
_LOWER = frozenset({"lower", "casefold"})
MAX_CASE_FLIPS = 20


def _case_flips(a: PyAnalysis) -> list[ChoiceRecord]:
    """Bits of an identity spelled in letter case: ``w.capitalize() if self._bit() else
    w.lower()`` where the test is made from a hash of who the user is (a random case, a style
    option, a test of the text itself spell nothing)."""
    out: list[ChoiceRecord] = []
    for node in a.index.nodes(ast.IfExp):
        if not isinstance(node, ast.IfExp) or not _case_pair(node.body, node.orelse):
            continue
        encoded = [
            s
            for s in a.flow.signals(node.test)
            if s.kind == "identifier"
            or (
                s.kind in IDENTITY_KINDS
                and any(
                    isinstance(n, ast.BinOp) and isinstance(n.op, _BIT_OPS)
                    for n in ast.walk(node.test)
                )
            )
        ]
        if not encoded:
            continue
        out.append(
            ChoiceRecord(
                kind="encoding",
                evidence=_evidence(a, node),
                variants=(LETTER_CASE,),
                test=describe(node.test, 60),
                detail=describe(node, 60),
                encodes=tuple(_source(s) for s in dict.fromkeys(encoded)),
                bits=True,
                key=id(node),
            )
        )
        if len(out) >= MAX_CASE_FLIPS:
            break
    return out


MAX_REPEATS = 20
MAX_REACH = 24
_HASHES = re.compile(r"\bhashlib\.|\.digest\(|\bhmac\.")


def _repeat_counts(a: PyAnalysis) -> list[ChoiceRecord]:
    """Data spelled in how many blanks or invisible characters are written: ``line + " " *
    (pair + 1)`` where the count is made from an identity's hash or bits (followed through
    variables, ``self`` fields, a dataclass field's ``default_factory`` and local helpers). An
    indent or a padding to a width is computed from the text, not from who the user is."""
    out: list[ChoiceRecord] = []
    for node in a.index.nodes(ast.BinOp):
        if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Mult):
            continue
        blank, count = _blank_side(node.left), node.right
        if blank is None:
            blank, count = _blank_side(node.right), node.left
        if blank is None or isinstance(count, ast.Constant) or _climb(a, node) is None:
            continue
        spelled = _identity_reach(a, count)
        if not spelled:
            continue
        out.append(
            ChoiceRecord(
                kind="encoding",
                evidence=_evidence(a, node),
                variants=(REPEAT_COUNT,),
                chars=tuple(dict.fromkeys(blank)),
                detail=describe(node, 60),
                encodes=tuple(_source(s) for s in dict.fromkeys(spelled)),
                bits=True,
                key=id(node),
            )
        )
        if len(out) >= MAX_REPEATS:
            break
    return out


def _blank_side(node: ast.expr) -> str | None:
    """A short literal of blanks or invisible characters (``" "``, ``"\u200b"``)."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
        return None
    v = node.value
    ok = 0 < len(v) <= 2 and all(ch.isspace() or ch in INVISIBLE for ch in v) and "\n" not in v
    return v if ok else None


def _identity_reach(a: PyAnalysis, expr: ast.expr) -> list[Signal]:
    """The identities ``expr`` is made from through a hash or bits of it: its own signals, and
    those of the variables, ``self`` fields (set in a method, or a dataclass field's
    ``default_factory``) and local helpers it reads, when the helper reading the identity hashes
    it or cuts it into bits."""
    out: list[Signal] = []
    seen: set[int] = set()
    work: list[ast.AST] = [expr]
    while work and len(seen) < MAX_REACH:
        cur = work.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, FUNCTIONS):
            body = [n for n in ast.walk(cur) if isinstance(n, ast.expr)]
            src = ast.unparse(cur)
            cut = _HASHES.search(src) or any(
                isinstance(n, ast.BinOp) and isinstance(n.op, _BIT_OPS) for n in body
            )
            if cut:
                out.extend(
                    s
                    for n in body
                    if isinstance(n, ast.Call)
                    for s in a.flow.signals(n)
                    if s.kind in IDENTITY_KINDS - {"endpoint", "repository"}
                )
            continue
        for n in _parts(cur):
            found = [s for s in a.flow.signals(n) if s.kind == "identifier"]
            out.extend(found)
            if isinstance(n, ast.Name):
                work.extend(a.index.lookup(n.id, n)[0][:3])
            elif isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load):
                work.extend(_field_values(a, n))
                work.extend(_default_factories(a, n))
            elif isinstance(n, ast.Call):
                fn = _called(a, n)
                if fn is not None:
                    work.append(fn)
    return list(dict.fromkeys(out))


def _default_factories(a: PyAnalysis, attr: ast.Attribute) -> list[ast.AST]:
    """``x: T = field(default_factory=fn)`` in the class of the method reading ``self.x``:
    the function ``fn``."""
    home = _class_of(a, attr) if isinstance(attr.value, ast.Name) else None
    if home is None or attr.value.id != "self":  # type: ignore[attr-defined]
        return []
    out: list[ast.AST] = []
    for stmt in home.body:
        if not (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == attr.attr
            and isinstance(stmt.value, ast.Call)
        ):
            continue
        for kw in stmt.value.keywords:
            if kw.arg == "default_factory" and isinstance(kw.value, (ast.Name, ast.Attribute)):
                from agentxray.analyze.python.interpret import callable_def

                fn = callable_def(a.index, kw.value)
                if fn is not None:
                    out.append(fn)
    return out


def _case_pair(first: ast.AST, second: ast.AST) -> bool:
    """``x.upper()`` (or ``capitalize``/``title``) and ``x.lower()`` of the same ``x``."""
    methods: dict[str, str] = {}
    for arm in (first, second):
        if not (
            isinstance(arm, ast.Call)
            and isinstance(arm.func, ast.Attribute)
            and not arm.args
            and not arm.keywords
        ):
            return False
        methods[arm.func.attr] = ast.dump(arm.func.value)
    ups = [v for k, v in methods.items() if k in _UPPER]
    lows = [v for k, v in methods.items() if k in _LOWER]
    return len(ups) == 1 and len(lows) == 1 and ups[0] == lows[0]


_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def _languages(tainted: list[Comparison]) -> tuple[str, ...]:
    """What locale sources are compared with (``"fr"`` for ``lang == "fr"``, ``r"^fr"``)."""
    out: list[str] = []
    for c in tainted:
        if c.signal.kind != "locale":
            continue
        for item in c.values.items:
            v = str(item)
            if c.values.regex:
                v = v.replace("\\b", "").strip("^$")
            v = v.strip("-_.")
            if _TAG.fullmatch(v):
                out.append(v)
    return tuple(dict.fromkeys(out))


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
