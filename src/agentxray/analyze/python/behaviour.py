"""The Python front-end of the behaviour model: one module's analysis as records.

Turns the comparisons of environment signals found over ``ast``
(:mod:`agentxray.analyze.python.comparisons`), the region signals handed to feature-flag SDKs or
sent in requests whose answer decides behaviour, the identifiers sent out and the identities
written invisibly into text into :class:`~agentxray.analyze.behaviour.records.Comparison`
records, with the compared constants resolved (patterns expanded, numeric MAC addresses written
as ``08:00:27``, decoded lists kept) and the evidence rendered. What is a geofence or a
fingerprint is decided in :mod:`agentxray.analyze.behaviour`, not here.
"""

from __future__ import annotations

import ast
import logging
import re

from agentxray.analyze.behaviour.records import Comparison, Effect, Evidence, HiddenList, Source
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.choices import Choice
from agentxray.analyze.python.comparisons import Comparison as PyComparison
from agentxray.analyze.python.deciding import deciding_requests
from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.report import describe, fn_label, location, snippet
from agentxray.analyze.python.sending import identifiers_sent
from agentxray.analyze.python.signals import IDENTITY_KINDS, REGION_KINDS, Signal
from agentxray.analyze.python.watermark import identity_bits, marking_comparisons
from agentxray.analyze.regions.locales import language_choice

logger = logging.getLogger(__name__)

PREFIX = "py"
"""Rule prefix of this front-end's findings (``py-geofence``)."""
SDK_MODULES = frozenset(
    {"growthbook", "ldclient", "statsig", "posthog", "UnleashClient", "flagsmith", "optimizely"}
)
"""Python feature-flag / remote-config SDKs (import roots)."""
TARGETING_METHODS = frozenset(
    {"set_attributes", "feature_enabled", "get_feature_flag", "get_all_flags", "is_enabled"}
    | {"get_identity_flags", "create_user_context", "set", "check_gate", "get_config"}
    | {"get_experiment", "decide", "activate", "get_variation", "identify"}
)
"""Methods of those SDKs that take attributes, traits or properties of the user."""
MAX_ARG_NODES = 400
MAX_TEST_DEPTH = 12
"""Expressions between a comparison and the ``if``/conditional whose test holds it."""
MIN_CATALOG_ITEMS = 2
PROSE_SHARE = 0.75
"""Share of a list's items that must read as sentences for it to be translated text."""
_COMPARED_KINDS = REGION_KINDS | IDENTITY_KINDS | {"identifier"}
_ENCODED_KINDS = (IDENTITY_KINDS - {"endpoint"}) | {"identifier"}
_ZONE_TOKEN = re.compile(r"[A-Z][A-Za-z_+-]*(?:/[A-Z][A-Za-z_+-]*)+")
_ALTERNATION = re.compile(r"([\w/]*)\(\??:?([\w/|]+)\)")
_LOCALE_TOKEN = re.compile(r"\b[a-z]{2,3}(?:[_-][A-Z][a-z]{3})?(?:[_-][A-Z]{2})?\b")
_HOST_IN_PATTERN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I)
_RECORDS_KEY = "agentxray.analyze.python.behaviour"


def py_records(a: PyAnalysis) -> list[Comparison]:
    """The records of one analysed module, computed once per unit."""
    cached = a.cache.get(_RECORDS_KEY)
    if isinstance(cached, list):
        return cached
    out = [r for cmp in a.comparisons if (r := _compared(a, cmp)) is not None]
    out.extend(_remote_decisions(a))
    out.extend(_targeting(a))
    out.extend(_sent(a))
    out.extend(_invisible(a))
    a.cache[_RECORDS_KEY] = out
    return out


def regex_candidates(kind: str, pattern: str) -> list[str]:
    """Literal values a simple pattern spells (``Asia/(Shanghai|Urumqi)`` → two zones)."""
    expanded = [pattern]
    m = _ALTERNATION.search(pattern)
    if m:
        expanded = [
            pattern[: m.start()] + m.group(1) + alt + pattern[m.end() :]
            for alt in m.group(2).split("|")
        ]
    out: list[str] = []
    for p in expanded:
        if kind == "timezone":
            out.extend(_ZONE_TOKEN.findall(p))
            out.extend(x.replace("\\", "") for x in re.split(r"[^\w/+-]+", p) if len(x) > 2)
        elif kind == "locale":
            out.extend(_LOCALE_TOKEN.findall(p.replace("\\b", " ")))
        else:
            out.extend(x for x in re.split(r"[^\w-]+", p) if x)
    return list(dict.fromkeys(out))


def pattern_hosts(pattern: str) -> list[str]:
    """Domain names a regular expression or glob spells (``\\.(corp|intra)\\.example$`` →
    ``corp.example``, ``intra.example``); character classes and quantifiers name none."""
    plain = re.sub(
        r"\[[^\]]*\]|\{[^}]*\}|\(\?[:!=<]?", lambda m: "(" if m.group(0)[0] == "(" else " ", pattern
    )
    out = []
    for variant in expand_alternatives(plain):
        text = re.sub(r"\\(.)", r"\1", variant).replace("|", " ")
        for token in _HOST_IN_PATTERN.findall(text):
            tld = token.rsplit(".", 1)[-1]
            if tld.isalpha() and len(tld) >= 2:
                out.append(token.lower())
    return list(dict.fromkeys(out))


def expand_alternatives(pattern: str, limit: int = 32) -> list[str]:
    """``a(b|c)d`` → ``abd``, ``acd`` (innermost groups first, at most ``limit`` variants)."""
    variants = [pattern]
    for _ in range(8):
        done = True
        expanded: list[str] = []
        for v in variants:
            m = re.search(r"\(([^()]*)\)", v)
            if m is None:
                expanded.append(v)
                continue
            done = False
            for alt in m.group(1).split("|"):
                expanded.append(v[: m.start()] + alt + v[m.end() :])
        variants = expanded[:limit]
        if done:
            break
    return variants


def _mac(value: str) -> str:
    """A MAC address (or vendor prefix) compared as a number, written as a reader knows it
    (``524327`` → ``08:00:27``)."""
    if not value.isdigit() or int(value) >= 1 << 48:
        return value
    n = int(value)
    width = 6 if n < 1 << 24 else 12
    digits = f"{n:0{width}x}"
    return ":".join(digits[i : i + 2] for i in range(0, width, 2))


def _source(sig: Signal) -> Source:
    return Source(
        kind=sig.kind, read=sig.source, host=sig.host, unit=sig.unit, hops=sig.hops, label=sig.label
    )


def _evidence(
    a: PyAnalysis,
    node: ast.AST,
    *more: ast.AST,
    text_limit: int = 80,
    function: ast.AST | None = None,
) -> Evidence:
    return Evidence(
        location=location(a.vpath, node),
        snippet=snippet(a.index, a.unit.text, node, *more),
        text=describe(node, text_limit),
        function=fn_label(a.index, node),
        function_key=id(function if function is not None else a.index.function_of(node)),
        condition=a.describer.activation(node),
        related=tuple(location(a.vpath, n) for n in more if n is not node),
    )


def _decided(a: PyAnalysis, node: ast.AST) -> list[ast.AST]:
    """The ``if`` or conditional expression whose test holds ``node`` (through ``and``/``or``/
    ``not``, calls and comparisons), if any."""
    cur: ast.AST | None = a.index.parent(node)
    child: ast.AST | None = node
    for _ in range(MAX_TEST_DEPTH):
        if cur is None or (isinstance(cur, (ast.stmt, ast.Lambda)) and not isinstance(cur, ast.If)):
            return []
        if isinstance(cur, (ast.If, ast.IfExp, ast.While)):
            return [cur] if cur.test is child else []
        cur, child = a.index.parent(cur), cur
    return []


def _arranges_tested(node: ast.AST, branches: list[ast.AST]) -> bool:
    """``tz in zones`` whose every decided branch only yields ``zones`` itself or with ``tz``
    added (``zones if tz in zones else [tz, *zones]``, ``if tz not in zones: zones.insert(0,
    tz)``): a list of those zones shown with the user's own (a world clock), not a region rule."""
    if not (
        branches
        and isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], (ast.In, ast.NotIn))
        and isinstance(node.comparators[0], (ast.Name, ast.Attribute))
    ):
        return False
    coll, value = ast.dump(node.comparators[0]), ast.dump(node.left)

    def same(e: ast.AST) -> bool:
        if ast.dump(e) == coll:
            return True
        if isinstance(e, (ast.List, ast.Tuple)):
            spread = [x for x in e.elts if isinstance(x, ast.Starred) and ast.dump(x.value) == coll]
            rest = [ast.dump(x) for x in e.elts if not any(x is y for y in spread)]
            return bool(spread) and rest in ([], [value])
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            sides = {ast.dump(e.left), ast.dump(e.right)}
            lists = [x for x in (e.left, e.right) if isinstance(x, (ast.List, ast.Tuple))]
            return coll in sides and any([ast.dump(y) for y in x.elts] == [value] for x in lists)
        return False

    def adds(st: ast.stmt) -> bool:
        if isinstance(st, ast.Assign):
            return same(st.value)
        if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Call)):
            return False
        call = st.value
        f = call.func
        if not (isinstance(f, ast.Attribute) and ast.dump(f.value) == coll) or call.keywords:
            return False
        args = [ast.dump(x) for x in call.args]
        return (f.attr == "append" and args == [value]) or (
            f.attr == "insert" and len(args) == 2 and args[1] == value
        )

    for b in branches:
        if isinstance(b, ast.IfExp):
            if not (same(b.body) and same(b.orelse)):
                return False
        elif isinstance(b, ast.If):
            if not all(adds(st) for st in [*b.body, *b.orelse]):
                return False
        else:
            return False
    return True


def _tag(node: ast.AST | None) -> bool:
    """A string constant that is a language tag (``"zh-CN"``, ``"en"``) or a text direction."""
    if isinstance(node, ast.IfExp):  # `"zh-Hant" if tw else "zh-Hans"`
        return _tag(node.body) and _tag(node.orelse)
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
        return False
    return language_choice(node.value)


def _branch_tag(body: list[ast.stmt]) -> bool:
    """A branch that only returns or assigns a language tag."""
    if len(body) != 1:
        return False
    stmt = body[0]
    if isinstance(stmt, ast.Return):
        return _tag(stmt.value)
    return isinstance(stmt, ast.Assign) and _tag(stmt.value)


def _picks_language(branches: list[ast.AST]) -> bool:
    """Every decided branch only picks a language tag: ``"zh-CN" if is_zh(x) else "en"``."""
    if not branches:
        return False
    for b in branches:
        if isinstance(b, ast.IfExp):
            if not (_tag(b.body) and _tag(b.orelse)):
                return False
        elif not (isinstance(b, ast.If) and _branch_tag(b.body)):
            return False
    return True


def _prose(value: str) -> bool:
    """Text meant for a reader: words with a space, or letters outside ASCII."""
    return (" " in value.strip() and any(c.isalpha() for c in value)) or any(
        ord(c) > 0x7F and c.isalpha() for c in value
    )


def _sentences(a: PyAnalysis, node: ast.AST) -> set[str] | None:
    try:
        value = a.ev.value(node)
    except (Unsupported, RecursionError, MemoryError):
        return None
    if not isinstance(value, (list, tuple)) or len(value) < MIN_CATALOG_ITEMS:
        return None
    items = [v for v in value if isinstance(v, str)]
    if len(items) < len(value) or sum(map(_prose, items)) < PROSE_SHARE * len(items):
        return None
    return set(items)


def _picks_catalog(a: PyAnalysis, branches: list[ast.AST]) -> bool:
    """Every decided branch chooses between two lists of sentences (translated texts)."""
    if not branches:
        return False
    for b in branches:
        if not isinstance(b, ast.IfExp):
            return False
        one, other = _sentences(a, b.body), _sentences(a, b.orelse)
        if one is None or other is None or one & other:
            return False
    return True


def _non_ascii_literals(branches: list[ast.AST]) -> tuple[str, ...]:
    out = [
        n.value
        for b in branches
        for n in ast.walk(b)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and not n.value.isascii()
    ]
    return tuple(dict.fromkeys(out))


def _effects(a: PyAnalysis, branches: list[ast.AST]) -> tuple[Effect, ...]:
    return tuple(
        Effect(
            getattr(b, "lineno", 0) * 100_000 + getattr(b, "col_offset", 0),
            location(a.vpath, b),
            describe(getattr(b, "test", b), 90),
        )
        for b in branches
    )


def _compared(a: PyAnalysis, cmp: PyComparison) -> Comparison | None:
    sig = cmp.signal
    if sig.kind not in _COMPARED_KINDS:
        return None
    items = cmp.values.items
    if cmp.values.regex:
        if sig.kind in REGION_KINDS:
            items = tuple(v for p in items for v in regex_candidates(sig.kind, p))
        else:
            items = tuple(h for p in items for h in pattern_hosts(p))
    if sig.kind == "mac-address" and cmp.values.numbers:
        items = tuple(_mac(v) for v in items)
    hidden: tuple[HiddenList, ...] = ()
    if cmp.values.methods:
        key = id(cmp.values.anchor) if cmp.values.anchor is not None else id(cmp)
        hidden = (HiddenList(items, " + ".join(cmp.values.methods), key),)
    branches = _decided(a, cmp.node)
    locale = sig.kind == "locale"
    return Comparison(
        source=_source(sig),
        operator=cmp.operator,
        evidence=_evidence(a, cmp.node, function=cmp.function),
        values=items,
        regex=cmp.values.regex,
        hidden=hidden,
        effects=_effects(a, branches),
        outcomes_pick_language=locale and _picks_language(branches),
        outcomes_pick_catalog=locale and _picks_catalog(a, branches),
        condition_literals=_non_ascii_literals(branches) if locale else (),
        catalog=cmp.values.catalog,
        name_hidden=sig.source.removeprefix("env:") in a.flow.hidden,
        outcomes_mark_text=sig.kind == "endpoint" and id(cmp.node) in marking_comparisons(a),
        outcomes_arrange_tested=_arranges_tested(cmp.node, branches),
    )


def _remote_decisions(a: PyAnalysis) -> list[Comparison]:
    """Region signals sent in a request whose answer then decides what the program does."""
    out = []
    for request, gate, signals in deciding_requests(a):
        if not signals:
            continue
        sources = [_source(s) for s in signals]
        out.append(
            Comparison(
                source=sources[0],
                operator="remote-decision",
                evidence=_evidence(a, request, gate),
                more_sources=tuple(sources[1:]),
                target=describe(getattr(gate, "test", gate), 60),
            )
        )
    return out


def _sdk_call(a: PyAnalysis, node: ast.Call, sdk_names: set[str]) -> bool:
    name = a.ev.dotted(node.func) or ""
    if name.split(".")[0] in SDK_MODULES:
        return True
    if isinstance(node.func, ast.Attribute) and node.func.attr in TARGETING_METHODS:
        return True
    return isinstance(node.func, ast.Name) and node.func.id in sdk_names


def _targeting(a: PyAnalysis) -> list[Comparison]:
    """Region signals passed into a feature-flag SDK call (a module importing one)."""
    sdk_names = {
        local for local, path in a.index.aliases.items() if path.split(".")[0] in SDK_MODULES
    }
    if not sdk_names:
        return []
    out = []
    for node in a.index.nodes(ast.Call):
        if not isinstance(node, ast.Call) or not _sdk_call(a, node, sdk_names):
            continue
        for sig in _region_signals(a, node):
            out.append(Comparison(_source(sig), "targeting", _evidence(a, node)))
    return out


def _region_signals(a: PyAnalysis, call: ast.Call) -> list[Signal]:
    found: list[Signal] = []
    parts: list[ast.AST] = [*call.args, *(k.value for k in call.keywords)]
    budget = MAX_ARG_NODES
    for part in parts:
        for sub in ast.walk(part):
            budget -= 1
            if budget < 0:
                return found
            if isinstance(sub, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)):
                found.extend(s for s in a.flow.signals(sub) if s.kind in REGION_KINDS)
    return list(dict.fromkeys(found))


def _sent(a: PyAnalysis) -> list[Comparison]:
    """Identifiers (hashes of identity signals, machine ids, MAC addresses) in requests."""
    out = []
    for sent in identifiers_sent(a.index, a.flow):
        if not sent.signals:
            continue
        sources = [_source(s) for s in sent.signals]
        ev = _evidence(a, sent.site, sent.sink, text_limit=90)
        out.append(
            Comparison(
                source=sources[0],
                operator="sent",
                evidence=ev,
                more_sources=tuple(sources[1:]),
                target=describe(sent.sink, 60),
                through=sent.path,
            )
        )
    return out


def _spelled_by_choice(a: PyAnalysis, choice: Choice) -> list[Comparison]:
    """A look-alike choice made by bits of an identity (letters swapped for Cyrillic ones
    where a machine id's hash has a 1): the identity is spelled into the text."""
    sigs = identity_bits(a, choice) if choice.substitution or not choice.separator else []
    if not sigs:
        return []
    sources = [_source(s) for s in sigs]
    return [
        Comparison(
            source=sources[0],
            operator="invisible",
            evidence=_evidence(a, choice.node),
            more_sources=tuple(sources[1:]),
            target=describe(choice.node, 60),
            detail="look-alike characters",
        )
    ]


def _invisible(a: PyAnalysis) -> list[Comparison]:
    """Identity signals written into produced text as invisible characters."""
    from agentxray.analyze.python.choices import find_choices

    out = []
    for choice in find_choices(a):
        if choice.encoded is None:
            out.extend(_spelled_by_choice(a, choice))
            continue
        sigs = [s for s in a.flow.carried(choice.encoded) if s.kind in _ENCODED_KINDS]
        if not sigs:
            continue
        sources = [_source(s) for s in dict.fromkeys(sigs)]
        out.append(
            Comparison(
                source=sources[0],
                operator="invisible",
                evidence=_evidence(a, choice.node),
                more_sources=tuple(sources[1:]),
                target=describe(choice.node, 60),
                detail=choice.variants[0],
            )
        )
    return out
