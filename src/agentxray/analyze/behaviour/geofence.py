"""The geofence policy: when a region source compared with constants is a geofence.

One policy for every language front-end, over :mod:`~agentxray.analyze.behaviour.records`:
which values name a region (IANA tzdata, CLDR, ISO 3166, UTC offsets in both sign conventions),
how comparisons group (one signal inside one function), the limits past which a list is a
picker or a catalog rather than a target, the benign classes (only English tested, a UI
language picked, translated texts picked, a script's own characters handled, translation
catalog keys), severity, confidence, wording and the stable id.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from functools import cache

import babel

from agentxray.analyze.behaviour.records import Comparison
from agentxray.analyze.behaviour.wording import (
    active,
    effects_text,
    helper_path,
    related_of,
    stable_id,
    upper_first,
)
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
    zone_country,
)
from agentxray.analyze.regions.orthography import orthographic
from agentxray.model import Finding

logger = logging.getLogger(__name__)

REGION_KINDS = frozenset({"timezone", "tz-offset", "locale", "country"})
MAX_REGION_VALUES = {"timezone": 12, "locale": 4, "tz-offset": 6, "country": 60}
"""More distinct regional values than this in one function: a picker, a catalog, a database
(a country compared with a list is a geofence even when the list is long: sanctions, the EU).
Values hidden by encoding are never a picker: up to ``MAX_HIDDEN`` of them, no limit applies."""
MAX_HIDDEN = 50
"""More hidden values than this are an embedded database (a compressed zone table), not a
short list of targets."""
MAX_COUNTRIES = 6
"""A timezone list covering more countries than this is a picker (each zone counted as the
country it is named for: ``Asia/Singapore`` is Singapore, not also Malaysia and Antarctica)."""
_SCALE = {"seconds": 1 / 60, "minutes": 1.0, "hours": 60.0}
_AUTHORITY = {"timezone": "IANA tzdata and CLDR", "locale": "CLDR", "country": "ISO 3166"}
_SOURCE_LANGUAGES = frozenset({"en", "c", "posix"})
"""English, the source language of nearly all software (and the C/POSIX locale): tests for it
choose translations or formatting, not a region."""


def _iso_code(value: str) -> bool:
    """A bare ISO 3166 code: upper case (``"fr"``, ``"us"`` in code are usually languages)."""
    return len(value) == 2 and value.isalpha() and value.isupper()


def regional_label(kind: str, value: str, unit: str = "", scale: float = 1.0) -> str | None:
    """What region a literal names for a source kind, from tzdata/CLDR/ISO 3166; ``None`` if none.

    ``unit`` says how a ``tz-offset`` is written (``seconds-west``, ``hours-east``, ``text``) or
    that a locale is a Windows ``lcid``; without a unit, a tz-offset value relates to
    getTimezoneOffset() (minutes west) by ``scale``: minutes west = value × scale.
    """
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
        return _offset_label(unit, scale, value)
    if kind == "locale":
        if _iso_code(value):
            name = country_name(value)
            return name if name != value else None
        tag = lcid_locale(value) if unit == "lcid" else locale_tag(value)
        if tag is not None:
            return locale_region(tag)
        code = country_code(value) if len(value) > 3 else None  # "China" in "Chinese_China"
        return country_name(code) if code else None
    if kind == "country":
        found = country_code(value)
        return country_name(found) if found else None
    return None


def _offset_label(unit: str, scale: float, value: str) -> str | None:
    if unit == "text":
        minutes = offset_minutes_east(value)
        return offset_region(minutes, minutes_west=False) if minutes is not None else None
    try:
        number = float(value)
    except ValueError:
        return None
    if not unit:
        return offset_region(number * scale, minutes_west=True)
    size, _, direction = unit.partition("-")
    if size not in _SCALE:
        return None
    total = number * _SCALE[size]
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


def _tag(value: str, unit: str) -> str | None:
    return lcid_locale(value) if unit == "lcid" else locale_tag(value)


def has_territory(value: str, unit: str = "") -> bool:
    """A locale value that names a territory (``zh-CN``, ``CN``, ``Chinese_China``), not only a
    language (``zh``)."""
    if _iso_code(value):
        return True
    tag = _tag(value, unit)
    if tag is None:
        return country_code(value) is not None  # a country's name
    parts = tag.replace("_", "-").split(".")[0].split("-")
    return any(len(p) == 2 and p.isalpha() for p in parts[1:])


def _source_language(value: str, unit: str = "") -> bool:
    tag = _tag(value, unit) or value
    return tag.replace("_", "-").lower().split("-")[0] in _SOURCE_LANGUAGES


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


def _script_accommodation(languages: list[str], comparisons: list[Comparison]) -> bool:
    """The language test sits beside tests for characters of that language's own script.

    ``isGreek && ch === "\u03a9"`` handles the Greek keyboard layout (Gemini CLI's key
    parser): input or text handling for a language, which categories.md says is not a geofence.
    """
    prefixes = tuple(p for lang in languages for p in _script_prefixes(lang.split("-")[0]))
    if not prefixes:
        return False
    return any(_in_script(v, prefixes) for c in comparisons for v in c.condition_literals)


def _own_typography(languages: list[str], comparisons: list[Comparison]) -> bool:
    """Every branch the language test decides writes only that language's own punctuation or
    spaces (CLDR): ``if (lang === "fr") t = t.replace(/ ([:;!?])/g, "\u202f$1")``, German
    „quotes“, Spanish ¿¡, Japanese full-width commas. Typography is localisation, not a
    region rule."""
    deciding = [c for c in comparisons if c.effects]
    if not deciding or any(not c.condition_literals for c in deciding):
        return False
    glyphs = [ch for c in deciding for v in c.condition_literals for ch in v if not ch.isascii()]
    return orthographic(glyphs, languages)


def _outcomes_all(comparisons: list[Comparison], attr: str) -> bool:
    """Every branch the comparisons decide has the outcome fact (and there is one)."""
    deciding = [c for c in comparisons if c.effects]
    return bool(deciding) and all(getattr(c, attr) for c in deciding)


@dataclass
class Group:
    """Comparisons of one source inside one function."""

    kind: str
    unit: str
    comparisons: list[Comparison] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


def geofence_findings(records: list[Comparison], prefix: str) -> list[Finding]:
    """``geofence`` findings of one file's records; rule ``{prefix}-geofence``."""
    rule = f"{prefix}-geofence"
    groups: dict[tuple[int, str, str], Group] = {}
    uses: list[Finding] = []
    seen_uses: set[str] = set()
    for cmp in records:
        src = cmp.source
        if src.kind not in REGION_KINDS:
            continue
        if cmp.operator in ("targeting", "remote-decision"):
            finding = _targeting(rule, cmp) if cmp.operator == "targeting" else _remote(rule, cmp)
            if finding.id not in seen_uses:
                seen_uses.add(finding.id)
                uses.append(finding)
            continue
        if cmp.catalog and src.kind == "locale":
            continue  # a locale looked up among translation catalogs
        if cmp.outcomes_arrange_tested:
            continue  # the tested list shown with the user's own value in it (a world clock)
        regional = [v for v in cmp.values if regional_label(src.kind, v, src.unit, src.scale)]
        if not regional:
            continue
        if src.kind == "locale" and all(_source_language(v, src.unit) for v in regional):
            continue  # "is it English?": picks translations/formatting, not a region
        key = (cmp.evidence.function_key, src.kind, src.unit)
        g = groups.setdefault(key, Group(src.kind, src.unit))
        g.comparisons.append(cmp)
        g.values.extend(v for v in regional if v not in g.values)
    findings = []
    for g in groups.values():
        if _benign(g):
            continue
        findings.append(_geofence(rule, g))
    return findings + uses


def _zone_regions(value: str) -> tuple[str, ...]:
    """The country a zone is named for; the countries a looser zone name covers."""
    code = zone_country(value)
    return (code,) if code else zone_countries_loose(value)


def _territory_watch_list(g: Group) -> bool:
    """A locale's territory tested for membership in a set of bare ISO 3166 codes
    (``region in {"CN", "RU", "IR", "KP", "BY"}``): one outcome for all of them, a country
    list like any other, not a picker of languages or formats (a table lookup mapping each
    value apart decides no branch)."""
    return (
        g.kind == "locale"
        and all(_iso_code(v) for v in g.values)
        and all(c.operator in ("in", "not in") and c.effects for c in g.comparisons)
    )


def _benign(g: Group) -> bool:
    """A picker, a catalog or a language accommodation rather than a geofence."""
    hidden = all(c.hidden for c in g.comparisons) and len(g.values) <= MAX_HIDDEN
    countries = {c for v in g.values for c in _zone_regions(v)} if g.kind == "timezone" else set()
    distinct = {_region_key(g.kind, v) for v in g.values}
    limit = MAX_REGION_VALUES["country" if _territory_watch_list(g) else g.kind]
    if not hidden and (len(distinct) > limit or len(countries) > MAX_COUNTRIES):
        logger.debug("%d %s values in one function: a list, not a geofence", len(distinct), g.kind)
        return True
    if g.kind != "locale":
        return False
    language_only = not any(has_territory(v, g.unit) for v in g.values)
    languages = [v.replace("_", "-") for v in g.values]
    if language_only and _script_accommodation(languages, g.comparisons):
        logger.debug("locale %s tested beside its own script's characters", g.values)
        return True
    if language_only and _own_typography(languages, g.comparisons):
        logger.debug("locale %s only sets its own language's typography", g.values)
        return True
    if _outcomes_all(g.comparisons, "outcomes_pick_language"):
        logger.debug("locale %s only picks a UI language", g.values)
        return True
    if _outcomes_all(g.comparisons, "outcomes_pick_translation"):
        logger.debug("locale %s only picks an entry of a translation table", g.values)
        return True
    if language_only and _outcomes_all(g.comparisons, "outcomes_pick_catalog"):
        logger.debug("locale %s only picks translated texts", g.values)
        return True
    return False


def _authority(kind: str, unit: str) -> str:
    if kind in _AUTHORITY:
        return _AUTHORITY[kind]
    shown = unit.replace("-", " ") if unit and unit != "text" else ""
    return "UTC offsets" + (f" ({shown} of UTC)" if shown else "")


def _geofence(rule: str, g: Group) -> Finding:
    first = g.comparisons[0]
    src = first.source
    ev = first.evidence
    labels = sorted({x for v in g.values if (x := regional_label(g.kind, v, src.unit, src.scale))})
    region = "; ".join(labels)
    decoded = tuple(dict.fromkeys(v for c in g.comparisons for h in c.hidden for v in h.values))
    message = (
        f"{upper_first(ev.function)} reads the user's {g.kind} ({src.read})"
        f"{helper_path(src.hops)} and compares it with {', '.join(g.values)} — {region} "
        f"according to {_authority(g.kind, src.unit)}."
        f"{effects_text(g.comparisons)} Code that behaves differently for users in one region "
        "is a geofence."
        + (" The compared values are hidden in the code (decoded)." if decoded else "")
        + active(ev.condition)
    )
    # A language alone ("el", "zh") is weaker evidence of region than a zone, offset or territory.
    regional = g.kind != "locale" or any(has_territory(v, g.unit) for v in g.values)
    if not regional:
        message += (
            " Only a language is tested, not a territory: it may be a language accommodation, "
            "so this is rated medium."
        )
    return Finding(
        id=stable_id(rule, g.kind, *sorted(g.values)),
        rule=rule,
        category="geofence",
        severity="critical" if regional else "medium",
        confidence="high" if regional else "medium",
        title=f"Behaviour depends on the user's {g.kind} being {', '.join(g.values[:4])} ({region})",
        location=ev.location,
        message=message,
        related=related_of(g.comparisons),
        snippet=ev.snippet,
        signals=tuple(dict.fromkeys([g.kind, src.read])),
        values=tuple(g.values),
        decoded=decoded,
        condition=ev.condition,
    )


def _targeting(rule: str, cmp: Comparison) -> Finding:
    src, ev = cmp.source, cmp.evidence
    message = (
        f"{upper_first(ev.function)} reads the user's {src.kind} ({src.read})"
        f"{helper_path(src.hops)} and hands it to a feature-flag SDK as a targeting attribute "
        f"(`{ev.text}`). The flag server can then switch features by region "
        "without any region check being visible in the code." + active(ev.condition)
    )
    return Finding(
        id=stable_id(rule, "targeting", src.kind, src.read),
        rule=rule,
        category="geofence",
        severity="high",
        title=f"The user's {src.kind} is sent to a feature-flag service as a targeting attribute",
        location=ev.location,
        message=message,
        snippet=ev.snippet,
        signals=tuple(dict.fromkeys([src.kind, src.read])),
        condition=ev.condition,
    )


def _remote(rule: str, cmp: Comparison) -> Finding:
    """A region source sent in a request whose answer decides what the program does."""
    ev = cmp.evidence
    sources = [cmp.source, *cmp.more_sources]
    kinds = " and ".join(dict.fromkeys(s.kind for s in sources))
    read = "; ".join(f"{s.kind} ({s.read}){helper_path(s.hops)}" for s in sources)
    message = (
        f"{upper_first(ev.function)} reads the user's {read}"
        f" and sends it in a request (`{ev.text}`) whose "
        f"answer then decides what the program does (`{cmp.target}`). The server can "
        "switch behaviour by region without any region check being visible in the code."
        + active(ev.condition)
    )
    return Finding(
        id=stable_id(rule, "remote decision", *(f"{s.kind}:{s.read}" for s in sources)),
        rule=rule,
        category="geofence",
        severity="high",
        title=f"The user's {kinds} is sent to a server whose answer decides behaviour",
        location=ev.location,
        message=message,
        related=ev.related,
        snippet=ev.snippet,
        signals=tuple(dict.fromkeys(x for s in sources for x in (s.kind, s.read))),
        condition=ev.condition,
    )
