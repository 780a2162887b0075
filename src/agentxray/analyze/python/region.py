"""Python geofence findings: region signals compared with region-specific values (tzdata, CLDR,
UTC offsets in both conventions, ISO 3166 codes)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.comparisons import Comparison
from agentxray.analyze.python.report import fn_label, helper_path, location, snippet, stable_id
from agentxray.analyze.python.signals import REGION_KINDS
from agentxray.analyze.regions import (
    country_code,
    country_name,
    encoding_locale,
    lcid_locale,
    locale_region,
    offset_minutes_east,
    offset_region,
    windows_locale,
    zone_countries_loose,
)
from agentxray.model import Finding

logger = logging.getLogger(__name__)

RULE = "py-geofence"
MAX_REGION_VALUES = {"timezone": 12, "locale": 4, "tz-offset": 6, "country": 60}
"""More distinct regional values than this in one function: a picker, a catalog, a database
(a country compared with a list is a geofence even when the list is long: sanctions, the EU).
Values hidden by encoding are never a picker: up to ``MAX_HIDDEN`` of them, no limit applies."""
MAX_HIDDEN = 50
"""More hidden values than this are an embedded database (a compressed zone table), not a
short list of targets."""
MAX_COUNTRIES = 6
_SCALE = {"seconds": 1 / 60, "minutes": 1.0, "hours": 60.0}
_ZONE_TOKEN = re.compile(r"[A-Z][A-Za-z_+-]*(?:/[A-Z][A-Za-z_+-]*)+")
_ALTERNATION = re.compile(r"([\w/]*)\(\??:?([\w/|]+)\)")
_LOCALE_TOKEN = re.compile(r"\b[a-z]{2,3}(?:[_-][A-Z][a-z]{3})?(?:[_-][A-Z]{2})?\b")


@dataclass
class Group:
    """Comparisons of one signal inside one function."""

    kind: str
    comparisons: list[Comparison] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


def regional_label(kind: str, unit: str, value: str) -> str | None:
    """What region a literal names for a signal kind; ``None`` if none."""
    if kind == "timezone":
        codes = zone_countries_loose(value)
        if codes:
            return ", ".join(country_name(c) for c in codes)
        minutes = offset_minutes_east(value) if value[:1] in "+-E" else None
        if minutes is not None:
            return offset_region(minutes, minutes_west=False)
        code = country_code(value) if len(value) > 3 else None  # "China" in a Windows zone name
        return country_name(code) if code else None
    if kind == "tz-offset":
        return _offset_label(unit, value)
    if kind == "locale":
        tag = lcid_locale(value) if unit == "lcid" else locale_tag(value)
        if tag is not None:
            return locale_region(tag)
        code = country_code(value) if len(value) > 3 else None  # "China" in "Chinese_China"
        return country_name(code) if code else None
    if kind == "country":
        found = country_code(value)
        return country_name(found) if found else None
    return None


def _offset_label(unit: str, value: str) -> str | None:
    if unit == "text":
        minutes = offset_minutes_east(value)
        return offset_region(minutes, minutes_west=False) if minutes is not None else None
    scale, _, direction = unit.partition("-")
    try:
        number = float(value)
    except ValueError:
        return None
    if scale not in _SCALE:
        return None
    total = number * _SCALE[scale]
    if total != int(total):
        return None
    return offset_region(total, minutes_west=direction == "west")


def locale_tag(value: str) -> str | None:
    """A locale literal as a CLDR tag: ``zh_`` (a prefix) → ``zh``, ``Chinese (Simplified)_China``
    (a Windows name) → ``zh_CN``; ``None`` when it is not one."""
    v = value.strip().rstrip("_-.@")
    if locale_region(v):
        return v
    tag = windows_locale(v) or encoding_locale(v)
    return tag if tag and locale_region(tag) else None


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


def _has_territory(value: str, unit: str = "") -> bool:
    tag = lcid_locale(value) if unit == "lcid" else locale_tag(value)
    if tag is None:
        return country_code(value) is not None  # a country's name
    parts = tag.replace("_", "-").split(".")[0].split("-")
    return any(len(p) == 2 and p.isalpha() for p in parts[1:])


def _english(value: str, unit: str = "") -> bool:
    tag = (lcid_locale(value) if unit == "lcid" else locale_tag(value)) or value
    return tag.replace("_", "-").lower().split("-")[0] in ("en", "c", "posix")


def region_findings(a: PyAnalysis) -> list[Finding]:
    """``geofence`` findings of one module."""
    groups: dict[tuple[int, str, str], Group] = {}
    for cmp in a.comparisons:
        sig = cmp.signal
        if sig.kind not in REGION_KINDS:
            continue
        items = cmp.values.items
        if cmp.values.catalog and sig.kind == "locale":
            continue  # a locale looked up among translation catalogs
        if cmp.values.regex:
            items = tuple(v for p in items for v in regex_candidates(sig.kind, p))
        regional = [v for v in items if regional_label(sig.kind, sig.unit, v)]
        if not regional or (sig.kind == "locale" and all(_english(v, sig.unit) for v in regional)):
            continue
        key = (id(cmp.function), sig.kind, sig.unit)
        g = groups.setdefault(key, Group(sig.kind))
        g.comparisons.append(cmp)
        g.values.extend(v for v in regional if v not in g.values)
    out = []
    for g in groups.values():
        hidden = all(c.values.methods for c in g.comparisons) and len(g.values) <= MAX_HIDDEN
        countries = {c for v in g.values for c in zone_countries_loose(v)}
        if not hidden and (
            len(g.values) > MAX_REGION_VALUES[g.kind]
            or (g.kind == "timezone" and len(countries) > MAX_COUNTRIES)
        ):
            logger.debug("%d %s values in one function: a list", len(g.values), g.kind)
            continue
        out.append(_finding(a, g))
    return out


def _finding(a: PyAnalysis, g: Group) -> Finding:
    first = g.comparisons[0]
    sig = first.signal
    unit = sig.unit
    labels = sorted({x for v in g.values if (x := regional_label(g.kind, unit, v))})
    region = "; ".join(labels)
    source = {"timezone": "IANA tzdata", "locale": "CLDR", "country": "ISO 3166"}.get(
        g.kind, "UTC offsets" + (f" ({unit.replace('-', ' ')} of UTC)" if unit else "")
    )
    condition = a.describer.activation(first.node)
    effects = _effects(a, g.comparisons)
    regional = g.kind != "locale" or any(_has_territory(v, first.signal.unit) for v in g.values)
    decoded = tuple(
        dict.fromkeys(v for c in g.comparisons if c.values.methods for v in c.values.items)
    )
    message = (
        f"{fn_label(a.index, first.node)[:1].upper()}{fn_label(a.index, first.node)[1:]} reads "
        f"the user's {sig.kind} ({sig.source}){helper_path(sig.hops)} and compares it "
        f"({', '.join(sorted({c.operator for c in g.comparisons}))}) with "
        f"{', '.join(g.values)} — {region} according to {source}.{effects} Code that behaves "
        "differently for users in one region is a geofence."
        + (" The compared values are hidden in the code (decoded)." if decoded else "")
        + (f" Active {condition}." if condition else "")
    )
    if not regional:
        message += (
            " Only a language is tested, not a territory: it may be a language accommodation, "
            "so this is rated medium."
        )
    return Finding(
        id=stable_id(RULE, g.kind, fn_label(a.index, first.node), *sorted(g.values)),
        rule=RULE,
        category="geofence",
        severity="critical" if regional else "medium",
        confidence="high" if regional else "medium",
        title=f"Behaviour depends on the user's {g.kind} being {', '.join(g.values[:4])} ({region})",
        location=location(a.vpath, first.node),
        message=message,
        related=tuple(location(a.vpath, c.node) for c in g.comparisons[1:8]),
        snippet=snippet(a.index, a.unit.text, first.node),
        signals=tuple(dict.fromkeys([sig.kind, sig.source])),
        values=tuple(g.values),
        decoded=decoded,
        condition=condition,
    )


def _effects(a: PyAnalysis, comparisons: list[Comparison]) -> str:
    lines = sorted({getattr(c.node, "lineno", 0) for c in comparisons})
    where = ", ".join(str(n) for n in lines[:6])
    return f" Compared at line{'s' if len(lines) > 1 else ''} {where}."
