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

from agentxray.analyze.behaviour.records import Comparison, Evidence, HiddenList, Source
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.comparisons import Comparison as PyComparison
from agentxray.analyze.python.deciding import deciding_requests
from agentxray.analyze.python.report import describe, fn_label, location, snippet
from agentxray.analyze.python.sending import identifiers_sent
from agentxray.analyze.python.signals import IDENTITY_KINDS, REGION_KINDS, Signal

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
    return Comparison(
        source=_source(sig),
        operator=cmp.operator,
        evidence=_evidence(a, cmp.node, function=cmp.function),
        values=items,
        regex=cmp.values.regex,
        hidden=hidden,
        catalog=cmp.values.catalog,
        name_hidden=sig.source.removeprefix("env:") in a.flow.hidden,
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


def _invisible(a: PyAnalysis) -> list[Comparison]:
    """Identity signals written into produced text as invisible characters."""
    from agentxray.analyze.python.choices import find_choices

    out = []
    for choice in find_choices(a):
        if choice.encoded is None:
            continue
        sigs = [s for s in a.flow.signals(choice.encoded) if s.kind in _ENCODED_KINDS]
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
