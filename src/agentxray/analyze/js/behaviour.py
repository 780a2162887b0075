"""The JavaScript/TypeScript front-end of the behaviour model: one file's analysis as records.

Turns the flow analysis' comparisons of environment signals (:mod:`agentxray.analyze.js.flow`)
into :class:`~agentxray.analyze.behaviour.records.Comparison` records: the compared constants
resolved (collections listed, patterns expanded, decoded lists kept), the branches each decides
with the neutral facts the policy asks about them (do they only pick a language tag, or a list of
translated sentences), and the evidence rendered. What is a geofence or a fingerprint is decided
in :mod:`agentxray.analyze.behaviour`, not here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.behaviour import watermark
from agentxray.analyze.behaviour.records import Comparison, Effect, Evidence, HiddenList, Source
from agentxray.analyze.behaviour.unicode import skeleton
from agentxray.analyze.js.analysis import JsAnalysis
from agentxray.analyze.js.conditions import arranges_tested
from agentxray.analyze.js.flow import Comparison as FlowComparison
from agentxray.analyze.js.formula import render
from agentxray.analyze.js.localname import names_local_path
from agentxray.analyze.js.nodes import enclosing_function, logical_function, string_value, text
from agentxray.analyze.js.report import describe, fn_label, location, snippet
from agentxray.analyze.js.signals import IDENTITY_KINDS, REGION_KINDS, Signal
from agentxray.analyze.js.values import Decoded, Values
from agentxray.analyze.regions.locales import language_choice

logger = logging.getLogger(__name__)

PREFIX = "js"
"""Rule prefix of this front-end's findings (``js-geofence``)."""
PART_TESTS = frozenset({"endsWith", "startsWith", "includes", "indexOf", "lastIndexOf", "match"})
"""Comparisons with a part of the value: ``"-CN"`` there names the territory ``CN``."""
MAX_GUARDED_BYTES = 4_000
"""A function this small is searched after an early return for the marks it guards."""
MAX_GUARDED_NODES = 2_000
MAX_SCRIPT_NODES = 20_000
"""Nodes of the decided branches searched for literals of a language's script."""
_RECORDS_KEY = "agentxray.analyze.js.behaviour"


@dataclass(frozen=True)
class JsRecords:
    """One file's records, and the front-end's decoded lists behind their hidden lists."""

    comparisons: list[Comparison]
    decoded: dict[int, Decoded]


def js_records(a: JsAnalysis) -> JsRecords:
    """The records of one analysed file, computed once per unit."""
    cached = a.unit.context.get(_RECORDS_KEY)
    if isinstance(cached, JsRecords):
        return cached
    front = _FrontEnd(a)
    out = JsRecords([r for cmp in a.flow.comparisons if (r := front.record(cmp))], front.decoded)
    a.unit.context[_RECORDS_KEY] = out
    return out


def regex_literals(pattern: str) -> list[str]:
    """The literal strings a simple regex matches: ``^(Asia\\/Shanghai|Asia\\/Urumqi)$``, ``^zh``."""
    core = pattern.strip("^$").replace("\\b", "")
    core = re.sub(r"\[(?:-_|_-|\\-_|_\\-)\]", "-", core)  # `[-_]` between language and territory
    m = re.fullmatch(r"([^()|\[\]*+?{}]*)\(\??:?([^()\[\]*+?{}]*)\)([^()|\[\]*+?{}]*)", core)
    if m is not None:
        alts = [m.group(1) + a + m.group(3) for a in m.group(2).split("|")]
    elif re.fullmatch(r"[^()\[\]*+?{}]*", core):
        alts = core.split("|")
    elif re.fullmatch(r"(?:[^()|\[\]*+?{}]*\(\??:?[^()\[\]*+?{}]*\))+[^()|\[\]*+?{}]*", core):
        # `^(zh|ru)[-_](CN|RU)$` written as groups in a row: their combinations (a few).
        alts = [""]
        for literal_part, group in re.findall(r"([^()]*)\(\??:?([^()]*)\)", core):
            alts = [a + literal_part + g for a in alts for g in group.split("|")][:64]
        alts = [a + core[core.rfind(")") + 1 :] for a in alts]
    else:
        return []
    return [re.sub(r"\\(.)", r"\1", a).strip("-_") for a in alts if a.strip("-_")]


def regex_hosts(pattern: str) -> list[str]:
    """Host names a host-matching regex names: ``(^|\\.)proxy\\.corp\\.(a|b)\\.com$`` → two."""
    core = re.sub(r"\(\^\|\\\.\)|\(\?:\^\|\\\.\)|\\b|^\^|\$$", "", pattern)
    core = core.replace("\\.", ".").replace("\\-", "-")
    alts = [core]
    for _ in range(3):
        expanded = []
        for alt in alts:
            m = re.search(r"\(\??:?([\w.|-]+)\)", alt)
            if m is None:
                expanded.append(alt)
                continue
            expanded.extend(
                alt[: m.start()] + opt + alt[m.end() :] for opt in m.group(1).split("|")
            )
        alts = expanded[:32]
    out = []
    for alt in alts:
        for part in alt.split("|"):
            part = part.strip("^$")
            if re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", part, re.I):
                out.append(part.lower())
    return out


def _locale_tag(node: Node | None) -> bool:
    """A string literal that is a language tag such as ``"zh-CN"`` or ``"en"``."""
    while node is not None and node.type in ("parenthesized_expression", "statement_block"):
        node = node.named_children[0] if node.named_child_count == 1 else None
    if node is not None and node.type == "return_statement" and node.named_child_count == 1:
        node = node.named_children[0]
    if node is not None and node.type == "ternary_expression":  # `isTw ? "zh-Hant" : "zh-Hans"`
        arms = [node.child_by_field_name(f) for f in ("consequence", "alternative")]
        return all(_locale_tag(arm) for arm in arms)
    value = string_value(node) if node is not None else None
    return value is not None and language_choice(value)


def _guards_marks(stmt: Node) -> bool:
    """An ``if`` whose branch writes invisible or look-alike characters into text, or that
    returns early before code of its function that does (``if (!marked) return line; … out +
    "\u00a0"``)."""
    body = stmt.child_by_field_name("consequence")
    if body is None:
        return False
    scopes = [body]
    if text(body).lstrip("{ \n").startswith("return"):
        fn = enclosing_function(stmt)
        if fn is not None and fn.end_byte - fn.start_byte <= MAX_GUARDED_BYTES:
            scopes = [fn]
    for scope in scopes:
        stack = [scope]
        seen = 0
        while stack and seen < MAX_GUARDED_NODES:
            cur = stack.pop()
            seen += 1
            if cur.type == "string" and cur.start_byte >= stmt.start_byte:
                value = string_value(cur)
                if value and watermark.marks_in(value):
                    return True
                continue
            stack.extend(cur.named_children)
    return False


def _picks_language(outcomes: list[Node]) -> bool:
    """Every outcome only picks a language tag: ``isZh(x) ? "zh-CN" : "en"``."""
    if not outcomes:
        return False
    for node in outcomes:
        if node.type == "ternary_expression":
            branches = [node.child_by_field_name(f) for f in ("consequence", "alternative")]
        elif node.type == "if_statement":
            branches = [node.child_by_field_name("consequence")]
        else:
            return False
        if not all(_locale_tag(b) for b in branches):
            return False
    return True


MIN_CATALOG_ITEMS = 2
PROSE_SHARE = 0.75
"""Share of a list's items that must read as sentences ("Initializing..." is one word)."""


def _prose(value: str) -> bool:
    """Text meant for a reader: words with a space, or letters outside ASCII (CJK, Cyrillic…)."""
    return (" " in value.strip() and any(c.isalpha() for c in value)) or any(
        ord(c) > 0x7F and c.isalpha() for c in value
    )


def _picks_catalog(a: JsAnalysis, outcomes: list[Node]) -> bool:
    """Every outcome chooses between two lists of sentences: ``isZh ? PHRASES_ZH : PHRASES_EN``.

    Only lists of several items, most of them sentences, count: a single character or word
    swapped by language is what a covert mark looks like.
    """
    if not outcomes:
        return False
    for node in outcomes:
        if node.type != "ternary_expression":
            return False
        seen: list[set[str]] = []
        for field in ("consequence", "alternative"):
            items = a.resolver.values(node.child_by_field_name(field)).items
            prose = sum(1 for v in items if _prose(v))
            if len(items) < MIN_CATALOG_ITEMS or prose < PROSE_SHARE * len(items):
                return False
            seen.append(set(items))
        if seen[0] & seen[1]:
            return False
    return True


def _branch_values(node: Node | None) -> list[Node]:
    """The expressions a decided branch yields: ``return a ? X : Y`` → ``X``, ``Y``."""
    while node is not None and node.type in ("parenthesized_expression", "statement_block"):
        node = node.named_children[0] if node.named_child_count == 1 else None
    if node is not None and node.type in ("return_statement", "expression_statement"):
        node = node.named_children[0] if node.named_child_count == 1 else None
    if node is not None and node.type == "parenthesized_expression":
        return _branch_values(node)
    if node is not None and node.type == "ternary_expression":
        fields: tuple[str, ...] = ("consequence", "alternative")
    elif node is not None and node.type == "binary_expression" and _operator(node) in ("||", "??"):
        fields = ("left", "right")  # `T[tag] || T.en`: a fallback entry
    else:
        return [node] if node is not None else []
    return [v for f in fields for v in _branch_values(node.child_by_field_name(f))]


def _operator(node: Node) -> str:
    op = node.child_by_field_name("operator")
    return text(op) if op is not None else ""


def _translations(a: JsAnalysis, table: Node) -> bool:
    """A table of translations: keyed by language tags, at least two entries, every entry a
    table of texts sharing its message keys with another entry (``{en: {...}, "zh-CN": {...}}``)."""
    entries: list[set[str]] = []
    value: Node | None
    for pair in table.named_children:
        if pair.type == "shorthand_property_identifier":
            key, value = text(pair), pair
        elif pair.type == "pair":
            key_node = pair.child_by_field_name("key")
            key = (string_value(key_node) or text(key_node)) if key_node is not None else ""
            value = pair.child_by_field_name("value")
        else:
            continue
        entry = a.resolver.table(value)
        if not language_choice(key) or entry is None:
            return False
        texts = [p for p in entry.named_children if p.type == "pair"]
        if len(texts) < MIN_CATALOG_ITEMS or any(
            (v := p.child_by_field_name("value")) is None
            or v.type not in ("string", "template_string")
            for p in texts
        ):
            return False
        entries.append({text(k) for p in texts if (k := p.child_by_field_name("key")) is not None})
    return len(entries) >= 2 and all(
        any(len(e & o) >= len(e) / 2 for o in entries if o is not e) for e in entries
    )


def _picks_translation(a: JsAnalysis, outcomes: list[Node]) -> bool:
    """Every outcome yields an entry of a table of translations, chosen by a literal language
    tag: ``lang === "zh" ? CATALOGS["zh-TW"] : CATALOGS["zh-CN"]``. Only the language of the
    texts changes, whatever territory the tag names."""
    if not outcomes:
        return False
    for node in outcomes:
        branches = (
            [node.child_by_field_name(f) for f in ("consequence", "alternative")]
            if node.type == "ternary_expression"
            else [node.child_by_field_name("consequence")]
            if node.type == "if_statement"
            else []
        )
        values = [v for b in branches for v in _branch_values(b)]
        if not values:
            return False
        for value in values:
            if value.type == "subscript_expression":
                index = value.child_by_field_name("index")
                # A literal key names a language; a computed one is the user's tag looked up.
                literal = index is not None and index.type == "string"
                key = string_value(index) if index is not None and literal else None
            elif value.type == "member_expression":
                prop = value.child_by_field_name("property")
                literal, key = True, text(prop) if prop is not None else None
            else:
                return False
            table = a.resolver.table(value.child_by_field_name("object"))
            if (literal and not (key and language_choice(key))) or table is None:
                return False
            if not _translations(a, table):
                return False
    return True


def _non_ascii_literals(nodes: list[Node]) -> tuple[str, ...]:
    """String literals with non-ASCII characters inside ``nodes`` (a script's own letters)."""
    out: list[str] = []
    stack = list(nodes)
    budget = MAX_SCRIPT_NODES
    while stack and budget > 0:
        node = stack.pop()
        budget -= 1
        if node.type in ("string", "template_string"):
            value = string_value(node)
            if value is not None and any(ord(c) > 127 for c in value):
                out.append(value)
            continue
        stack.extend(node.children)
    return tuple(dict.fromkeys(out))


_SETTINGS = frozenset({"number", "true", "false", "null", "undefined"})


def _catalog(a: JsAnalysis, cmp: FlowComparison) -> bool:
    """The constants are the keys of a table of content, one entry per key (translations by
    locale: ``lang in MESSAGES``, ``Object.keys(MESSAGES).includes(lang)``), not a table that
    classifies its keys (settings, or values shared by several keys)."""
    other = cmp.other
    if other is not None and other.type == "call_expression":
        callee = other.child_by_field_name("function")
        args = other.child_by_field_name("arguments")
        if callee is None or text(callee) != "Object.keys" or args is None:
            return False
        other = args.named_children[0] if args.named_child_count == 1 else None
    elif cmp.operator != "in":
        return False
    table = a.resolver.table(other)
    if table is None:
        return False
    values = [p.child_by_field_name("value") for p in table.named_children if p.type == "pair"]
    if len(values) < 2 or any(v is None or v.type in _SETTINGS for v in values):
        return False
    return len({text(v) for v in values if v is not None}) == len(values)


def _function_key(node: Node) -> int:
    fn = logical_function(node)
    return fn.start_byte if fn is not None else -1


def _source(sig: Signal, hops: tuple[str, ...]) -> Source:
    return Source(
        kind=sig.kind, read=sig.source, host=sig.host, scale=sig.scale, hops=hops, label=sig.label
    )


class _FrontEnd:
    """Records of one file; decoded lists numbered as they are met."""

    def __init__(self, a: JsAnalysis) -> None:
        self.a = a
        self.decoded: dict[int, Decoded] = {}
        self._keys: dict[Decoded, int] = {}
        self._outcomes: dict[int, list[tuple[int, Node]]] = {}
        for order, cond in enumerate(a.flow.conditions):
            for c in cond.comparisons:
                self._outcomes.setdefault(c.node.start_byte, []).append((order, cond.node))

    def record(self, cmp: FlowComparison) -> Comparison | None:
        kind = cmp.signal.kind
        if kind in REGION_KINDS:
            return self._region(cmp)
        if kind in IDENTITY_KINDS:
            return self._identity(cmp)
        return None

    def _hidden(self, decoded: tuple[Decoded, ...] | list[Decoded]) -> tuple[HiddenList, ...]:
        out = []
        for d in decoded:
            key = self._keys.setdefault(d, len(self._keys))
            self.decoded[key] = d
            out.append(HiddenList(tuple(d.values), d.method, key))
        return tuple(out)

    def _values(self, cmp: FlowComparison) -> Values:
        r = self.a.resolver
        return r.members(cmp.other) if cmp.operator == "in" else r.values(cmp.other)

    def _evidence(self, node: Node, outcomes: list[Node] | None = None) -> Evidence:
        a = self.a
        shown = outcomes or []
        return Evidence(
            location=location(a.unit.entry.vpath, node),
            snippet=snippet(a.unit.data, node, *shown[:2]),
            text=describe(node, 80),
            function=fn_label(node),
            function_key=_function_key(node),
            condition=render(a.describer.activation(node)),
        )

    def _decided(self, cmp: FlowComparison) -> list[tuple[int, Node]]:
        return self._outcomes.get(cmp.node.start_byte, [])

    def _region(self, cmp: FlowComparison) -> Comparison:
        sig = cmp.signal
        if cmp.operator == "targeting":
            return Comparison(_source(sig, cmp.hops), "targeting", self._evidence(cmp.node))
        if cmp.operator == "remote-decision":  # `other` is the test the answer decides
            gate = describe(cmp.other, 60) if cmp.other is not None else ""
            evidence = self._evidence(cmp.node)
            return Comparison(_source(sig, cmp.hops), "remote-decision", evidence, target=gate)
        vals = self._values(cmp)
        items = [x for v in vals.items for x in (regex_literals(v) if vals.regex else [v])]
        if sig.kind in ("locale", "country") and cmp.operator in PART_TESTS:
            items = [v.strip("-_.") for v in items]  # `locale.endsWith("-CN")`
        decided = self._decided(cmp)
        nodes = [n for _, n in decided]
        locale = sig.kind == "locale"
        return Comparison(
            source=_source(sig, cmp.hops),
            operator=cmp.operator,
            evidence=self._evidence(cmp.node, nodes),
            values=tuple(dict.fromkeys(items)),
            regex=vals.regex,
            hidden=self._hidden(vals.decoded),
            effects=tuple(
                Effect(order, location(self.a.unit.entry.vpath, n), describe(n, 90))
                for order, n in decided
            ),
            outcomes_pick_language=locale and _picks_language(nodes),
            outcomes_pick_catalog=locale and _picks_catalog(self.a, nodes),
            outcomes_pick_translation=locale and _picks_translation(self.a, nodes),
            condition_literals=_non_ascii_literals(nodes) if locale else (),
            catalog=locale and _catalog(self.a, cmp),
            outcomes_arrange_tested=cmp.operator == "in"
            and arranges_tested(cmp.other, cmp.node, nodes),
        )

    def _identity(self, cmp: FlowComparison) -> Comparison:
        sig = cmp.signal
        source = _source(sig, cmp.hops)
        if cmp.operator in ("hash", "encode"):
            local = sig.kind not in ("endpoint", "api-key") and names_local_path(
                self.a.index, cmp.node, cmp.entry
            )
            return Comparison(source, cmp.operator, self._evidence(cmp.node), local_path=local)
        vals = self._values(cmp)
        items: tuple[str, ...] = vals.items
        if vals.regex and not vals.decoded:
            items = tuple(h for v in vals.items for h in regex_hosts(v))
        if sig.kind == "api-key" and not vals.decoded:
            raw = self.a.resolver.values(cmp.other)  # key prefixes, from a pattern if need be
            items = tuple(x for v in raw.items for x in (regex_literals(v) if raw.regex else [v]))
        decided = self._decided(cmp)
        nodes = [n for _, n in decided]
        return Comparison(
            source=source,
            operator=cmp.operator,
            evidence=self._evidence(cmp.node, nodes),
            values=items,
            regex=vals.regex,
            hidden=self._hidden(vals.decoded),
            effects=tuple(
                Effect(order, location(self.a.unit.entry.vpath, n), describe(n, 90))
                for order, n in decided
            ),
            outcomes_mark_text=self._marks_text(nodes),
        )

    def _marks_text(self, nodes: list[Node]) -> bool:
        """A decided ternary picks one of two texts that look alike (``mirrored ? NNBSP : " "``,
        ``known ? "\u2019" : "'"``)."""
        for n in nodes:
            if n.type == "if_statement" and _guards_marks(n):
                return True
            if n.type != "ternary_expression":
                continue
            arms = [n.child_by_field_name(f) for f in ("consequence", "alternative")]
            values = [self.a.resolver.values(arm).items if arm is not None else () for arm in arms]
            if any(len(v) != 1 for v in values):
                continue
            x, y = values[0][0], values[1][0]
            if x != y and skeleton(x) == skeleton(y) and any(not c.isascii() for c in x + y):
                return True
        return False
