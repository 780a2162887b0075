"""Time zone names in every spelling programs and people use, and the countries they cover:
IANA names and their links and legacy names, city names, Windows zone ids, CLDR metazone long
names (``new Date().toString()`` ends with ``(China Standard Time)``), abbreviations, and UTC
offsets written as text. One API for the JavaScript and Python detectors (``tzdata``, CLDR)."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from functools import cache
from importlib import resources

from babel import Locale
from babel.core import get_global

from agentxray.analyze.regions.timezones import _table, zone_countries

logger = logging.getLogger(__name__)

AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
"""First components of geographic IANA names (``US/Eastern`` is a legacy name, not a city)."""
_NOT_CITIES = frozenset(
    {"north", "south", "east", "west", "central", "eastern", "western", "pacific", "mountain"}
    | {"atlantic", "general", "continental", "island", "islands", "standard"}
)
MAX_ABBREVIATION_COUNTRIES = 4
"""An abbreviation used in more countries than this (``CST``, ``EST``, ``CET``) names none."""
_OFFSET_TEXT = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.I)
_ETC = re.compile(r"^Etc/GMT([+-])(\d{1,2})$", re.I)
_LEGACY_RULE = re.compile(
    r"^(?:EST|MST|HST|CET|EET|MET|WET|[A-Z]{3}\d[A-Z]{3}|UCT|UTC|Zulu|Universal|Greenwich|GMT.*)$"
)
"""Legacy names that are rules or abbreviations (``EST`` links to America/Panama), not places."""


@cache
def _links() -> dict[str, str]:
    """Legacy and alias zone names → canonical names (tzdata links, then CLDR aliases)."""
    out: dict[str, str] = {}
    data = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text("utf-8")
    for line in data.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L" and not _LEGACY_RULE.match(parts[2]):
            out[parts[2]] = parts[1]
    aliases = get_global("zone_aliases")
    out.update({str(k): str(v) for k, v in aliases.items() if not _LEGACY_RULE.match(str(k))})
    return out


def _canonical_countries(zone: str) -> tuple[str, ...]:
    """Countries of the zone an old or alias name (CLDR's ``Asia/Calcutta``) links to."""
    return zone_countries(_links().get(zone, zone))


@cache
def _windows() -> dict[str, str]:
    """Lower-cased Windows zone ids (``china standard time``) → their IANA zone (CLDR)."""
    mapping = get_global("windows_zone_mapping")
    return {str(k).lower(): str(v) for k, v in dict(mapping).items()}


@cache
def _metazone_names() -> dict[str, tuple[str, ...]]:
    """Lower-cased English long names (standard and daylight) of each metazone → its zones."""
    out: dict[str, set[str]] = {}
    locale = Locale("en")
    for zone, metazone in dict(get_global("meta_zones")).items():
        for name in locale.meta_zones.get(metazone, {}).get("long", {}).values():
            out.setdefault(str(name).lower(), set()).add(str(zone))
    logger.debug("loaded %d metazone names", len(out))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def zones_of_name(name: str) -> tuple[str, ...]:
    """IANA zones a long zone name or a Windows zone id stands for (empty if none)."""
    key = name.strip().lower()
    if not key or " " not in key:
        return ()
    windows = _windows().get(key)
    return tuple(dict.fromkeys([*([windows] if windows else []), *_metazone_names().get(key, ())]))


def name_countries(name: str) -> tuple[str, ...]:
    """ISO codes of the countries a long zone name or a Windows zone id covers (``China
    Standard Time`` → CN); empty for anything else (see :func:`zone_countries_loose`)."""
    codes = {
        c
        for zone in zones_of_name(name)
        for c in zone_countries(zone) or _canonical_countries(zone)
    }
    return tuple(sorted(codes))


@cache
def _zone_tab() -> dict[str, str]:
    return {row[2]: row[0] for row in _table("zone.tab") if len(row) >= 3}


@cache
def _folded_zones() -> dict[str, tuple[str, ...]]:
    """Every zone name, legacy name and city, case-folded → countries."""
    tab = _zone_tab()
    out: dict[str, tuple[str, ...]] = {}
    names = set(tab) | set(_links())
    for name in names:
        codes = zone_countries(name)
        if not codes:
            target = _links().get(name, "")
            codes = (tab[target],) if target in tab else zone_countries(target)
        if codes:
            out.setdefault(name.casefold(), codes)
    cities: dict[str, set[str]] = {}
    for name in names:
        area, _, city = name.rpartition("/")
        if area.split("/")[0] not in AREAS or not city:
            continue
        found = out.get(name.casefold(), ())
        key = city.replace("_", " ").casefold()
        if len(key) >= 4 and key not in _NOT_CITIES and found:
            cities.setdefault(key, set()).update(found)
    for key, members in cities.items():
        out.setdefault(key, tuple(sorted(members)))
        out.setdefault(key.replace(" ", "_"), tuple(sorted(members)))
    for name in (*_windows(), *_metazone_names()):
        codes = name_countries(name)
        if codes:
            out.setdefault(name, codes)
    return out


@cache
def _abbreviations() -> dict[str, tuple[str, ...]]:
    """Zone abbreviations (``HKT``, ``MSK``) in use in January and July → countries."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    found: dict[str, set[str]] = {}
    for zone, code in _zone_tab().items():
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        for month in (1, 7):
            name = datetime(2025, month, 15, 12, tzinfo=tz).tzname() or ""
            if name.isalpha():
                found.setdefault(name.upper(), set()).add(code)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def zone_countries_loose(name: str) -> tuple[str, ...]:
    """ISO 3166 codes a zone-ish name covers: IANA names in any case, legacy names
    (``Asia/Calcutta``, ``PRC``), city names (``Shanghai``), Windows ids and long names (``China
    Standard Time``, ``Moscow Standard Time``) and abbreviations used in at most four countries
    (``HKT``; not ``CST``)."""
    text = name.strip()
    if not text or len(text) > 64:
        return ()
    codes = zone_countries(text) or _folded_zones().get(text.casefold(), ())
    if not codes and text.startswith("/"):
        codes = _folded_zones().get(text.lstrip("/").replace("_", " ").casefold(), ())
    if not codes and text.isalpha() and text.upper() == text and 3 <= len(text) <= 5:
        found = _abbreviations().get(text.upper(), ())
        codes = found if len(found) <= MAX_ABBREVIATION_COUNTRIES else ()
    return codes


def offset_minutes_east(text: str) -> int | None:
    """Minutes east of UTC an offset written as text names (``+0800``, ``UTC+8``, ``+05:30``,
    ``Etc/GMT-8`` — POSIX signs are inverted there)."""
    t = text.strip()
    m = _ETC.match(t)
    if m:
        hours = int(m.group(2))
        return -hours * 60 if m.group(1) == "+" else hours * 60
    m = _OFFSET_TEXT.match(t)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes >= 60 or (len(m.group(2)) == 1 and m.group(3) and ":" not in t):
        return None
    total = hours * 60 + minutes
    return total if m.group(1) == "+" else -total
