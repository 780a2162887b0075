"""Geofence and fingerprint findings: signal comparisons with region- or identity-specific values."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import babel
from tree_sitter import Node

from agentxray.analyze.hosts import hostlike
from agentxray.analyze.js.analysis import JsAnalysis
from agentxray.analyze.js.flow import Comparison
from agentxray.analyze.js.formula import render
from agentxray.analyze.js.localname import names_local_path
from agentxray.analyze.js.nodes import logical_function, string_value
from agentxray.analyze.js.report import (
    describe,
    fn_label,
    helper_path,
    location,
    snippet,
    stable_id,
)
from agentxray.analyze.js.signals import IDENTITY_KINDS, REGION_KINDS
from agentxray.analyze.js.values import Decoded, Values
from agentxray.analyze.regions import (
    country_name,
    locale_region,
    offset_region,
    zone_countries,
    zone_country,
)
from agentxray.analyze.regions.zonenames import name_countries
from agentxray.model import Finding

logger = logging.getLogger(__name__)

MAX_REGION_VALUES = {"timezone": 12, "locale": 4, "tz-offset": 6, "country": 60}
"""More distinct regional values than this in one function: a picker, a catalog, a database."""
MAX_COUNTRIES = 6
"""More countries than this among the zones tested in one function: a zone list, not a target
(each zone counted as the country it is named for; the same limit as the Python policy)."""
PART_TESTS = frozenset({"endsWith", "startsWith", "includes", "indexOf", "lastIndexOf", "match"})
"""Comparisons with a part of the value: ``"-CN"`` there names the territory ``CN``."""
NOT_IDENTITY = frozenset({"", "localhost", "root", "unknown", "null", "undefined", "true", "false"})
PLACEHOLDERS = frozenset(
    {
        "default",
        "default string",
        "o.e.m.",
        "to be filled by o.e.m.",
        "not specified",
        "not applicable",
        "not available",
        "n/a",
        "none",
        "system serial number",
        "system product name",
        "system manufacturer",
        "system version",
        "chassis serial number",
        "base board serial number",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
    }
)
"""What firmware and systems report when a machine fact is not set (SMBIOS/DMI placeholders):
comparing with them tells a real value from a blank one, not one user or machine from another."""


@dataclass
class Group:
    """Comparisons of one signal inside one function."""

    kind: str
    comparisons: list[Comparison]
    values: list[str]
    decoded: list[Decoded]


def _upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def _function_key(node: Node) -> int:
    fn = logical_function(node)
    return fn.start_byte if fn is not None else -1


def _principal(zone: str) -> tuple[str, ...]:
    """The country a zone is named for (one region singled out per zone)."""
    code = zone_country(zone)
    return (code,) if code else ()


def regional_label(kind: str, value: str, scale: float = 1.0) -> str | None:
    """What region a literal names for a signal kind, from tzdata/CLDR; ``None`` if none.

    ``scale`` says how a tz-offset value relates to getTimezoneOffset() (minutes west):
    minutes west = value × scale (``/ -60`` makes hours east, scale -60).
    """
    if kind == "timezone":
        codes = zone_countries(value) or name_countries(value)
        return ", ".join(country_name(c) for c in codes) if codes else None
    if kind == "country":
        # ISO 3166 codes are upper case; "fr", "us" in code are usually language codes.
        if len(value) == 2 and value.isalpha() and value.isupper():
            name = country_name(value.upper())
            return name if name != value.upper() else None
        return value if _country_names().get(value.lower()) else None
    if kind == "tz-offset":
        try:
            return offset_region(float(value) * scale, minutes_west=True)
        except ValueError:
            return None
    if kind == "locale":
        if len(value) == 2 and value.isalpha() and value.isupper():
            name = country_name(value)
            return name if name != value else None
        return locale_region(value)
    return None


@cache
def _country_names() -> dict[str, str]:
    """English country names (lower case) → ISO code, from CLDR."""
    return {
        str(v).lower(): str(k) for k, v in babel.Locale("en").territories.items() if len(k) == 2
    }


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


def _region_key(kind: str, value: str) -> str:
    """What a value stands for, so ``ru`` and ``RU`` (or ``be`` and ``BY``) count once."""
    if kind != "locale":
        return value
    parts = value.replace("_", "-").split(".")[0].split("-")
    territory = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    if territory is None and len(parts[0]) == 2 and parts[0].isupper():
        territory = parts[0]
    if territory is None:
        likely = str(babel.core.get_global("likely_subtags").get(parts[0].lower()) or "")
        territory = likely.split("_")[-1] if "_" in likely else None
    return (territory or parts[0]).upper()


def _has_territory(tag: str) -> bool:
    if len(tag) == 2 and tag.isalpha() and tag.isupper():
        return True  # a bare ISO 3166 country code
    parts = tag.replace("_", "-").split(".")[0].split("-")
    return any(len(p) == 2 and p.isalpha() for p in parts[1:])


def _source_language(tag: str) -> bool:
    """English, the source language of nearly all software: tests for it choose translations."""
    return tag.replace("_", "-").lower().split("-")[0] == "en"


#: ISO 15924 codes whose characters Unicode names differently from CLDR's English script name.
_SCRIPT_PREFIXES: dict[str, tuple[str, ...]] = {
    "Hans": ("CJK",),
    "Hant": ("CJK",),
    "Jpan": ("CJK", "HIRAGANA", "KATAKANA"),
    "Kore": ("HANGUL", "CJK"),
}


@cache
def _script_prefixes(language: str) -> tuple[str, ...]:
    """Unicode character-name prefixes of a language's usual script (``el`` → ``GREEK``)."""
    likely = babel.core.get_global("likely_subtags").get(language.lower())
    parts = str(likely or "").split("_")
    if len(parts) < 2 or len(parts[1]) != 4:
        return ()
    code = parts[1]
    if code in _SCRIPT_PREFIXES:
        return _SCRIPT_PREFIXES[code]
    name = babel.Locale("en").scripts.get(code)
    return (name.upper(),) if name else ()


def _in_script(value: str, prefixes: tuple[str, ...]) -> bool:
    """A non-ASCII literal written entirely in one of the scripts (``"\u03a9"`` in GREEK)."""
    letters = [c for c in value if not c.isspace()]
    return bool(letters) and all(
        ord(c) > 127 and unicodedata.name(c, "").startswith(prefixes) for c in letters
    )


def _script_accommodation(languages: list[str], conditions: list[Node]) -> bool:
    """The language test sits beside tests for characters of that language's own script.

    ``isGreek && ch === "\u03a9"`` handles the Greek keyboard layout (Gemini CLI's key
    parser): input or text handling for a language, which categories.md says is not a geofence.
    """
    prefixes = tuple(p for lang in languages for p in _script_prefixes(lang.split("-")[0]))
    if not prefixes:
        return False
    stack = list(conditions)
    while stack:
        node = stack.pop()
        value = string_value(node)
        if value is not None and _in_script(value, prefixes):
            return True
        stack.extend(node.children)
    return False


_TAG = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


_DIRECTIONS = frozenset({"rtl", "ltr", "auto"})


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
    if value in _DIRECTIONS:
        return True  # right-to-left layout follows the language: an accommodation
    if value is None or not _TAG.fullmatch(value):
        return False
    try:
        babel.Locale.parse(value.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return False
    return True


def _picks_language(outcomes: list[Node]) -> bool:
    """Every outcome only picks a language tag: ``isZh(x) ? "zh-CN" : "en"``.

    Normalising the user's language setting to a supported UI language chooses a translation,
    which categories.md says is not a geofence (Qwen Code 0.24.4's web shell).
    """
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

    A language test that picks which translated texts to show is localisation (Qwen Code 0.24.4's
    web shell picks its loading phrases so). Only lists of several items, most of them
    sentences, count: a single character or word swapped by language is what a covert mark
    looks like.
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


def _domain(host: str) -> str:
    labels = host.split(".")
    return ".".join(labels[-2:])


def region_findings(a: JsAnalysis) -> list[Finding]:
    """``geofence`` findings of one file."""
    groups: dict[tuple[int, str], Group] = {}
    findings_targeting: list[Finding] = []
    for cmp in a.flow.comparisons:
        kind = cmp.signal.kind
        if kind not in REGION_KINDS:
            continue
        if cmp.operator == "targeting":
            findings_targeting.append(_targeting(a, cmp))
            continue
        if cmp.operator == "remote-decision":
            findings_targeting.append(_remote(a, cmp))
            continue
        vals = (
            a.resolver.members(cmp.other) if cmp.operator == "in" else a.resolver.values(cmp.other)
        )
        items = [x for v in vals.items for x in (regex_literals(v) if vals.regex else [v])]
        if kind in ("locale", "country") and cmp.operator in PART_TESTS:
            items = [v.strip("-_.") for v in items]  # `locale.endsWith("-CN")`
        regional = [v for v in items if regional_label(kind, v, cmp.signal.scale)]
        if kind == "locale" and all(_source_language(v) for v in regional):
            continue  # "is it English?": picks translations/formatting, not a region
        if not regional:
            continue
        key = (_function_key(cmp.node), kind)
        g = groups.setdefault(key, Group(kind, [], [], []))
        g.comparisons.append(cmp)
        g.values.extend(v for v in regional if v not in g.values)
    findings = []
    for g in groups.values():
        scale = g.comparisons[0].signal.scale
        labels = {regional_label(g.kind, v, scale) for v in g.values}
        countries = (
            {c for v in g.values for c in _principal(v) or name_countries(v)}
            if g.kind == "timezone"
            else set()
        )
        distinct = {_region_key(g.kind, v) for v in g.values}
        if len(distinct) > MAX_REGION_VALUES[g.kind] or len(countries) > MAX_COUNTRIES:
            logger.debug(
                "%d %s values in one function: a list, not a geofence", len(g.values), g.kind
            )
            continue
        language_only = g.kind == "locale" and not any(_has_territory(v) for v in g.values)
        if language_only and _script_accommodation(
            [v.replace("_", "-") for v in g.values], _outcomes(a, g.comparisons)
        ):
            logger.debug("locale %s tested beside its own script's characters", g.values)
            continue
        if g.kind == "locale" and _picks_language(_outcomes(a, g.comparisons)):
            logger.debug("locale %s only picks a UI language", g.values)
            continue
        if language_only and _picks_catalog(a, _outcomes(a, g.comparisons)):
            logger.debug("locale %s only picks translated texts", g.values)
            continue
        findings.append(_geofence(a, g, sorted(x for x in labels if x)))
    return findings + findings_targeting


def _targeting(a: JsAnalysis, cmp: Comparison) -> Finding:
    sig = cmp.signal
    condition = _condition_text(a, cmp.node)
    message = (
        f"{_upper_first(fn_label(cmp.node))} reads the user's {sig.kind} ({sig.source})"
        f"{helper_path(cmp.hops)} and hands it to a feature-flag SDK as a targeting attribute "
        f"(`{describe(cmp.node, 80)}`). The flag server can then switch features by region "
        "without any region check being visible in the code."
        + (f" Active {condition}." if condition else "")
    )
    return Finding(
        id=stable_id("js-geofence", "targeting", sig.kind, sig.source),
        rule="js-geofence",
        category="geofence",
        severity="high",
        title=f"The user's {sig.kind} is sent to a feature-flag service as a targeting attribute",
        location=location(a.unit.entry.vpath, cmp.node),
        message=message,
        snippet=snippet(a.unit.data, cmp.node),
        signals=tuple(dict.fromkeys([sig.kind, sig.source])),
        condition=condition,
    )


def _remote(a: JsAnalysis, cmp: Comparison) -> Finding:
    """A region signal sent in a request whose answer decides what the program does."""
    sig = cmp.signal
    condition = _condition_text(a, cmp.node)
    gate = describe(cmp.other, 60) if cmp.other is not None else ""
    message = (
        f"{_upper_first(fn_label(cmp.node))} reads the user's {sig.kind} ({sig.source})"
        f"{helper_path(cmp.hops)} and sends it in a request (`{describe(cmp.node, 80)}`) whose "
        f"answer then decides what the program does (`{gate}`). The server can switch "
        "behaviour by region without any region check being visible in the code."
        + (f" Active {condition}." if condition else "")
    )
    return Finding(
        id=stable_id("js-geofence", "remote decision", f"{sig.kind}:{sig.source}"),
        rule="js-geofence",
        category="geofence",
        severity="high",
        title=f"The user's {sig.kind} is sent to a server whose answer decides behaviour",
        location=location(a.unit.entry.vpath, cmp.node),
        message=message,
        snippet=snippet(a.unit.data, cmp.node),
        signals=tuple(dict.fromkeys([sig.kind, sig.source])),
        condition=condition,
    )


def _outcomes(a: JsAnalysis, comparisons: list[Comparison]) -> list[Node]:
    nodes = {c.node.start_byte for c in comparisons}
    return [
        cond.node
        for cond in a.flow.conditions
        if any(c.node.start_byte in nodes for c in cond.comparisons)
    ]


def _effects(a: JsAnalysis, comparisons: list[Comparison]) -> tuple[str, list[Node]]:
    affected = _outcomes(a, comparisons)
    if not affected:
        return "", []
    shown = "; ".join(f"line {n.start_point[0] + 1}: `{describe(n, 90)}`" for n in affected[:4])
    return f" The outcome decides {len(affected)} branch(es) — {shown}.", affected


def _condition_text(a: JsAnalysis, node: Node) -> str:
    return render(a.describer.activation(node))


_AUTHORITY = {"timezone": "IANA tzdata and CLDR", "locale": "CLDR", "country": "ISO 3166"}


def _geofence(a: JsAnalysis, g: Group, labels: list[str]) -> Finding:
    first = g.comparisons[0]
    sig = first.signal
    effects, affected = _effects(a, g.comparisons)
    condition = _condition_text(a, first.node)
    region = "; ".join(labels)
    message = (
        f"{_upper_first(fn_label(first.node))} reads the user's {sig.kind} ({sig.source})"
        f"{helper_path(first.hops)} and compares it with {', '.join(g.values)} — {region} "
        f"according to {_AUTHORITY.get(g.kind, 'UTC offsets')}."
        f"{effects} Code that behaves differently for users in one region is a geofence."
        + (f" Active {condition}." if condition else "")
    )
    # A language alone ("el", "zh") is weaker evidence of region than a zone, offset or territory.
    regional = g.kind != "locale" or any(_has_territory(v) for v in g.values)
    if not regional:
        message += (
            " Only a language is tested, not a territory: it may be a language accommodation, "
            "so this is rated medium."
        )
    return Finding(
        id=stable_id("js-geofence", g.kind, *sorted(g.values)),
        rule="js-geofence",
        category="geofence",
        severity="critical" if regional else "medium",
        confidence="high" if regional else "medium",
        title=f"Behaviour depends on the user's {g.kind} being {', '.join(g.values[:4])} ({region})",
        location=location(a.unit.entry.vpath, first.node),
        message=message,
        related=tuple(location(a.unit.entry.vpath, n) for n in affected[:8]),
        snippet=snippet(a.unit.data, first.node, *affected[:2]),
        signals=tuple(dict.fromkeys([sig.kind, sig.source])),
        values=tuple(g.values),
        condition=condition,
    )


def identity_findings(a: JsAnalysis) -> tuple[list[Finding], set[Decoded]]:
    """``fingerprint`` findings of one file, and the decoded data they compare against."""
    groups: dict[tuple[int, str], Group] = {}
    hashed: dict[int, list[Comparison]] = {}
    for cmp in a.flow.comparisons:
        sig = cmp.signal
        if sig.kind not in IDENTITY_KINDS:
            continue
        if cmp.operator in ("hash", "encode"):
            # The base URL and the user's own key are not facts about who the user is; an
            # identifier that only names a local file or socket path identifies no one.
            if sig.kind not in ("endpoint", "api-key") and not names_local_path(
                a.index, cmp.node, cmp.entry
            ):
                hashed.setdefault(_function_key(cmp.node), []).append(cmp)
            continue
        vals = (
            a.resolver.members(cmp.other) if cmp.operator == "in" else a.resolver.values(cmp.other)
        )
        if vals.regex and not vals.decoded:
            if sig.kind == "endpoint" and "PROXY" not in sig.source.upper():
                continue  # a base URL matched by the vendor's own host pattern: using it, not profiling
            vals = Values(tuple(h for v in vals.items for h in regex_hosts(v)))
        if vals.decoded:
            kept = [v.lstrip(".") if cmp.operator == "endsWith" else v for v in vals.items]
        elif sig.kind == "endpoint":
            kept = [v for v in vals.items if hostlike(v, NOT_IDENTITY)]
        elif sig.kind == "api-key":
            raw = a.resolver.values(cmp.other)
            kept = [x for v in raw.items for x in (regex_literals(v) if raw.regex else [v])]
            kept = [
                v
                for v in kept
                if _identity_value(v)
                and re.fullmatch(r"[\w-]{2,24}", v)
                and ("-" in v or v.endswith("_"))  # key prefixes: sk-ant-, sk-or-, gsk_…
            ]
        else:
            kept = [v for v in vals.items if _identity_value(v)]
        if not kept:
            continue
        key = (_function_key(cmp.node), sig.label)
        g = groups.setdefault(key, Group(sig.kind, [], [], []))
        g.comparisons.append(cmp)
        g.values.extend(v for v in kept if v not in g.values)
        g.decoded.extend(d for d in vals.decoded if d not in g.decoded)
    findings = []
    used: set[Decoded] = set()
    for g in groups.values():
        if g.kind == "endpoint" and not g.decoded:
            hosts = {h for v in g.values if (h := hostlike(v, NOT_IDENTITY))}
            if len({_domain(h) for h in hosts}) < 2:
                continue  # the vendor's own host(s): reading the base URL to use it
        if g.kind == "api-key" and not g.decoded and len(g.values) < 2:
            continue  # checking the key's own format, not telling providers apart
        used.update(g.decoded)
        findings.append(_fingerprint(a, g))
    findings.extend(_derived_id(a, cmps) for cmps in hashed.values())
    return findings, used


TYPE_NAMES = frozenset(
    {"object", "function", "string", "number", "symbol", "boolean", "bigint", "undefined"}
)


def _identity_value(value: str) -> bool:
    """A literal that can name a host, user, machine or provider (not a type tag or a number)."""
    v = value.strip().lower()
    if v in NOT_IDENTITY or v in PLACEHOLDERS or v in TYPE_NAMES or v.startswith("[object"):
        return False
    if sum(ch.isalnum() for ch in v) < 2 or re.fullmatch(r"[-+]?[\d.]+", v):
        return False
    return not v.startswith("__") and not v.endswith("__")


def _derived_id(a: JsAnalysis, comparisons: list[Comparison]) -> Finding:
    """Machine or user facts hashed into one identifier: a device fingerprint."""
    first = comparisons[0]
    sources = list(dict.fromkeys(c.signal.label for c in comparisons))
    condition = _condition_text(a, first.node)
    verb = "hashes" if first.operator == "hash" else "encodes"
    message = (
        f"{_upper_first(fn_label(first.node))} {verb} {', '.join(sources)}"
        f"{helper_path(first.hops)} into one identifier (`{describe(first.node, 80)}`). An "
        "identifier made of machine or user facts is stable across sessions and reinstalls: it "
        "identifies this device or person wherever it is sent or written."
        + (f" Active {condition}." if condition else "")
    )
    return Finding(
        id=stable_id("js-fingerprint", "hash", *sorted(sources)),
        rule="js-fingerprint",
        category="fingerprint",
        severity="high",
        title=f"An identifier is derived from {', '.join(sources[:3])}",
        location=location(a.unit.entry.vpath, first.node),
        message=message,
        snippet=snippet(a.unit.data, first.node),
        signals=tuple(sources),
        condition=condition,
    )


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


def _fingerprint(a: JsAnalysis, g: Group) -> Finding:
    first = g.comparisons[0]
    sig = first.signal
    ops = sorted({c.operator for c in g.comparisons})
    effects, affected = _effects(a, g.comparisons)
    condition = _condition_text(a, first.node)
    hidden = ""
    if g.decoded:
        sizes = " + ".join(f"{len(d.values)}" for d in g.decoded)
        hidden = (
            f" The {_count_word(len(g.decoded))} list{'s' if len(g.decoded) > 1 else ''} "
            f"{'are' if len(g.decoded) > 1 else 'is'} hidden in the code ({g.decoded[0].method}); "
            f"decoded {'they hold' if len(g.decoded) > 1 else 'it holds'} {sizes} entries: "
            + "; ".join(", ".join(d.values[:5]) + "…" for d in g.decoded)
            + "."
        )
    what = sig.label
    message = (
        f"{_upper_first(fn_label(first.node))} takes the {what}{helper_path(first.hops)} and "
        f"checks it ({', '.join(ops)}) against {len(g.values)} specific value(s).{hidden}{effects} "
        "Behaviour that depends on who the user is or which provider they use is a fingerprint."
        + (f" Active {condition}." if condition else "")
    )
    shown = ", ".join(g.values[:3]) + ("…" if len(g.values) > 3 else "")
    return Finding(
        id=stable_id("js-fingerprint", sig.kind, sig.source, *sorted(g.values)[:200]),
        rule="js-fingerprint",
        category="fingerprint",
        severity="critical" if g.decoded or sig.kind != "endpoint" else "high",
        title=f"Behaviour depends on the {what} matching "
        + (
            f"{_count_word(len(g.decoded))} hidden list(s) ({' + '.join(str(len(d.values)) for d in g.decoded)} entries)"
            if g.decoded
            else shown
        ),
        location=location(a.unit.entry.vpath, first.node),
        message=message,
        related=tuple(location(a.unit.entry.vpath, n) for n in affected[:8]),
        snippet=snippet(a.unit.data, first.node, *affected[:2]),
        signals=tuple(dict.fromkeys([sig.kind, sig.source])),
        values=tuple(g.values),
        decoded=tuple(v for d in g.decoded for v in d.values),
        condition=condition,
    )


def _count_word(n: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(n, str(n))
