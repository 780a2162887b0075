"""The rule engine: evaluates match expressions over facts, per file or per function scope."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from agentxray.model import Fact, FactKind
from agentxray.rules.hosts import HostTable, default_hosts, split_url
from agentxray.rules.schema import Expr, FactPattern, Rule

logger = logging.getLogger(__name__)

Evidence = list[Fact]


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """One reportable match of a rule: the primary fact first, then the other evidence."""

    rule: Rule
    evidence: tuple[Fact, ...]
    key: str
    """What the match is about (the grouped value, or the primary fact's value)."""

    @property
    def primary(self) -> Fact:
        """The fact the finding is located at."""
        return self.evidence[0]


#: ``Fact.detail`` of a string literal that is an element of an array literal: one entry of a
#: list (allow-lists, CSP sources, third-party databases), not a host the code contacts.
LIST_ITEM = "list-item"
#: ``Fact.detail`` prefix of a fact the extractors' data flow carried into a sink: a copy of the
#: source fact (its kind, value and location) with the sink's scope and span, and the role it
#: plays there after the prefix (``flow:payload``). Only patterns with ``reaches`` see them.
FLOW = "flow:"
_HOSTNAME = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}")


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _last(value: str) -> str:
    """The called name: ``spawn`` for ``cp.spawn``, ``Function`` for ``new Function``."""
    return value.rsplit(".", 1)[-1].removeprefix("new ")


class Engine:
    """Evaluates a set of rules; stateless between calls, so one engine serves every file."""

    def __init__(self, rules: Sequence[Rule], hosts: HostTable | None = None) -> None:
        self.rules = tuple(rules)
        self.hosts = hosts or default_hosts()

    def purpose(self, fact: Fact) -> tuple[str, str] | None:
        """``(purpose, service name)`` of a URL fact or an API-path string fact, when known."""
        if fact.kind == "url":
            c = self.hosts.classify_url(fact.value)
        elif fact.kind == "string" and (fact.value.startswith(("/", "${"))):
            # A path, or a template joining a base URL and a path: `${host}/api/eval/${key}`.
            cut = fact.value.find("/")
            if cut == -1 or (cut > 0 and not fact.value[:cut].endswith("}")):
                return None
            c = self.hosts.classify_path(fact.value[cut:])
        elif fact.kind == "string" and fact.detail != LIST_ITEM and _HOSTNAME.fullmatch(fact.value):
            # A bare host name handed to https.request({hostname}) (Qwen Code's usage logger).
            c = self.hosts.classify(fact.value.lower(), "")
        else:
            return None
        return None if c is None or c.ignore else (c.purpose, c.name)

    def is_ignored(self, fact: Fact) -> bool:
        """True for URL facts that are not endpoints (namespaces, placeholders, loopback)."""
        if fact.kind != "url":
            return False
        host, path = split_url(fact.value)
        if not host:
            return True
        c = self.hosts.classify(host, path)
        return c is not None and c.ignore

    def run(
        self, facts: Iterable[Fact], languages: frozenset[str] | None = None
    ) -> list[RuleMatch]:
        """All matches of the rules (for ``languages``, when given) over ``facts``."""
        kept = [f for f in facts if not self.is_ignored(f)]
        kept.sort(key=_order)
        by_scope: dict[str, list[Fact]] = defaultdict(list)
        for f in kept:
            by_scope[f.scope].append(f)
        whole = _index(kept)
        scopes: list[dict[FactKind, list[Fact]]] | None = None
        holding: dict[FactKind, list[int]] = defaultdict(list)
        out: list[RuleMatch] = []
        for rule in self.rules:
            if languages is not None and not languages.intersection(rule.languages):
                continue
            if rule.scope == "file":
                out.extend(self._report(rule, whole))
                continue
            if scopes is None:
                scopes = [_index(group) for group in by_scope.values()]
                for n, index in enumerate(scopes):
                    for kind in index:
                        holding[kind].append(n)
            # Only the scopes holding a fact the rule's evidence can be made of (a big bundle
            # has thousands of scopes and most rules' kinds are in few), in their order.
            for n in sorted({n for kind in _evidence_kinds(rule.match) for n in holding[kind]}):
                out.extend(self._report(rule, scopes[n]))
        return out

    def _report(self, rule: Rule, index: dict[FactKind, list[Fact]]) -> list[RuleMatch]:
        evidence = self.evaluate(rule.match, index)
        if not evidence:
            return []
        if self._led_by_flow(rule.match, index):
            # A flow's sink first: the finding is located at the request, not at the read.
            evidence = list(dict.fromkeys(evidence))
        else:
            evidence = sorted(set(evidence), key=_order)
        if rule.report == "once":
            return [RuleMatch(rule, tuple(evidence), evidence[0].value)]
        grouped: dict[str, list[Fact]] = defaultdict(list)
        for f in evidence:
            grouped[f.detail if rule.group_by == "detail" else f.value].append(f)
        return [RuleMatch(rule, tuple(fs), key) for key, fs in grouped.items() if key]

    def _led_by_flow(self, expr: Expr, index: dict[FactKind, list[Fact]]) -> bool:
        """Whether the match is a flow's: the expression is one, the first part of an ``all``
        is, or the first ``any`` branch that holds is."""
        if expr.flow is not None:
            return True
        if expr.all:
            return self._led_by_flow(expr.all[0], index)
        if expr.any is None:
            return False
        for branch in expr.any:
            if self.evaluate(branch, index) is not None:
                return self._led_by_flow(branch, index)
        return False

    def evaluate(self, expr: Expr, index: dict[FactKind, list[Fact]]) -> Evidence | None:
        """Evidence (possibly empty, for ``not``) when ``expr`` holds, else ``None``."""
        if expr.fact is not None:
            found = [f for f in index.get(expr.fact.fact, ()) if self.matches(expr.fact, f)]
            return found or None
        if expr.any is not None:
            parts = [self.evaluate(e, index) for e in expr.any]
            hits = [p for p in parts if p is not None]
            return [f for p in hits for f in p] if hits else None
        if expr.all is not None:
            acc: Evidence = []
            for e in expr.all:
                part = self.evaluate(e, index)
                if part is None:
                    return None
                acc.extend(part)
            return acc
        if expr.not_ is not None:
            return [] if self.evaluate(expr.not_, index) is None else None
        assert expr.flow is not None
        sinks = self.evaluate(expr.flow.sink, index)
        if not sinks:
            return None
        if not expr.flow.inside:
            sources = self.evaluate(expr.flow.source, index)
            return sinks + sources if sources else None
        # The source is judged per sink, over the facts inside that sink only.
        kinds = {leaf.fact for leaf in _leaves(expr.flow.source)}
        matched: list[Fact] = []
        carried: list[Fact] = []
        for sink in dict.fromkeys(sinks):
            within = {k: [f for f in index.get(k, ()) if _inside(f, sink)] for k in kinds}
            part = self.evaluate(expr.flow.source, within)
            if part is not None:
                matched.append(sink)
                carried.extend(part)
        if not matched:
            return None
        return list(dict.fromkeys(matched + carried))

    def matches(self, pat: FactPattern, fact: Fact) -> bool:
        """Whether one fact satisfies a leaf pattern's matcher."""
        if pat.in_list is not None and (fact.detail == LIST_ITEM) != pat.in_list:
            return False
        if fact.detail.startswith(FLOW):
            if pat.reaches is None or fact.detail[len(FLOW) :] not in pat.reaches:
                return False
        elif pat.reaches is not None:
            return False
        v = fact.value
        if pat.equals is not None:
            return v == pat.equals
        if pat.any_of is not None:
            return v in pat.any_of
        if pat.contains is not None:
            return pat.contains in v
        if pat.startswith is not None:
            return v.startswith(pat.startswith)
        if pat.regex is not None:
            return _regex(pat.regex).search(v) is not None
        if pat.name is not None:
            return _last(v) in pat.name
        if pat.host is not None:
            host = split_url(v)[0] if fact.kind == "url" else v.lower()
            return any(host == h or host.endswith("." + h) for h in pat.host)
        if pat.purpose is not None:
            p = self.purpose(fact)
            return p is not None and p[0] in pat.purpose
        return True


def _leaves(expr: Expr) -> list[FactPattern]:
    if expr.fact is not None:
        return [expr.fact]
    subs = [*(expr.all or ()), *(expr.any or ())]
    if expr.not_ is not None:
        subs.append(expr.not_)
    if expr.flow is not None:
        subs += [expr.flow.source, expr.flow.sink]
    return [leaf for sub in subs for leaf in _leaves(sub)]


def _evidence_kinds(expr: Expr) -> set[FactKind]:
    """The fact kinds whose facts can be evidence of ``expr`` (leaves not under a ``not``, which
    holds with no evidence): where none is, the expression gives none and its rule no match."""
    if expr.fact is not None:
        return {expr.fact.fact}
    if expr.not_ is not None:
        return set()
    subs = [*(expr.all or ()), *(expr.any or ())]
    if expr.flow is not None:
        subs += [expr.flow.source, expr.flow.sink]
    return {kind for sub in subs for kind in _evidence_kinds(sub)}


def _index(facts: list[Fact]) -> dict[FactKind, list[Fact]]:
    index: dict[FactKind, list[Fact]] = defaultdict(list)
    for f in facts:
        index[f.kind].append(f)
    return index


def _inside(source: Fact, sink: Fact) -> bool:
    if source.span is None or sink.span is None:
        return source.scope == sink.scope
    return sink.span[0] <= source.span[0] and source.span[1] <= sink.span[1]


def _order(f: Fact) -> tuple[str, int, int, str, str]:
    loc = f.location
    return (loc.artifact, loc.line or 0, loc.column or 0, f.kind, f.value)
