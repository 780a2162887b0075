"""Looser spellings of regions, from the same data: zone links and legacy names, city names,
Windows zone names and abbreviations (``tzdata``, CLDR), country names and alpha-3 codes,
language names (CLDR) and UTC offsets written as text (``+0800``, ``UTC+8``)."""

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
    """Legacy and alias zone names → canonical names (CLDR aliases first, then tzdata links)."""
    out: dict[str, str] = {}
    data = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text("utf-8")
    for line in data.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L" and not _LEGACY_RULE.match(parts[2]):
            out[parts[2]] = parts[1]
    aliases = get_global("zone_aliases")
    out.update({str(k): str(v) for k, v in aliases.items() if not _LEGACY_RULE.match(str(k))})
    return out


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
    for windows, zone in get_global("windows_zone_mapping").items():
        codes = out.get(str(zone).casefold(), ())
        if codes:
            out.setdefault(str(windows).casefold(), codes)
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
    (``Asia/Calcutta``, ``PRC``), city names (``Shanghai``), Windows names (``China Standard
    Time``) and abbreviations used in at most four countries (``HKT``; not ``CST``)."""
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


@cache
def _country_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in _table("iso3166.tab"):
        if len(row) >= 2:
            out[row[1].casefold()] = row[0]
    for code, name in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha():
            out.setdefault(str(name).casefold(), code)
    for alias, codes in get_global("territory_aliases").items():
        if len(alias) == 3 and alias.isalpha() and len(codes) == 1:
            out.setdefault(alias.casefold(), codes[0])
    return out


def country_code(value: str) -> str | None:
    """The ISO 3166 alpha-2 code a value names: the code itself, an alpha-3 code (``RUS``) or
    an English name (``Russia``, ``Iran``) in any case."""
    v = value.strip()
    codes = {row[0] for row in _table("iso3166.tab") if row}
    if len(v) == 2 and v.upper() in codes:
        return v.upper()
    if len(v) < 3 or len(v) > 60:
        return None
    found = _country_names().get(v.casefold())
    return found if found in codes else None


@cache
def _language_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, name in Locale("en").languages.items():
        if "_" not in code:
            out.setdefault(str(name).casefold(), code)
    return out


def language_code(name: str) -> str | None:
    """The language code of an English language name (``Chinese`` → ``zh``), as used by
    Windows locale names (``Chinese (Simplified)_China.936``)."""
    key = re.sub(r"\s*\(.*?\)\s*", "", name).strip().casefold()
    return _language_names().get(key) if key else None


def windows_locale(tag: str) -> str | None:
    """``Chinese (Simplified)_China.936`` → ``zh_CN``; ``Russian_Russia`` → ``ru_RU``;
    ``Persian`` → ``fa``; ``None`` when it is not such a name."""
    base = tag.split(".")[0]
    language, _, territory = base.partition("_")
    code = language_code(language)
    if code is None:
        return None
    if not territory:
        return code
    country = country_code(territory)
    return f"{code}_{country}" if country else None


_CODE_PAGES = {
    "gbk": "zh_CN",
    "gb2312": "zh_CN",
    "gb18030": "zh_CN",
    "hz": "zh_CN",
    "big5": "zh_TW",
    "cp950": "zh_TW",
    "big5hkscs": "zh_HK",
    "cp932": "ja_JP",
    "shift_jis": "ja_JP",
    "euc_jp": "ja_JP",
    "iso2022_jp": "ja_JP",
    "cp949": "ko_KR",
    "euc_kr": "ko_KR",
    "johab": "ko_KR",
    "koi8_r": "ru_RU",
    "koi8_u": "uk_UA",
    "cp1251": "ru",
    "cp866": "ru",
    "cp1256": "ar",
    "cp1255": "he_IL",
    "cp1253": "el_GR",
    "cp874": "th_TH",
    "tis_620": "th_TH",
    "cp1258": "vi_VN",
    "cp1254": "tr_TR",
}
"""Legacy code pages that only one region's (or script's) systems use by default."""


def encoding_locale(name: str) -> str | None:
    """The locale a legacy code page implies (``cp936`` → ``zh_CN``); ``None`` for UTF-8,
    Latin-1 and other encodings shared by many regions."""
    import codecs

    key = name.strip().lower()
    if not key or len(key) > 32:
        return None
    try:
        key = codecs.lookup(key).name.replace("-", "_")
    except LookupError:
        return None
    return _CODE_PAGES.get(key)


def lcid_locale(value: str) -> str | None:
    """The locale of a Windows LCID (``2052`` or ``0x0804`` → ``zh_CN``)."""
    import locale

    try:
        number = int(value, 0)
    except ValueError:
        return None
    found = locale.windows_locale.get(number)
    return str(found) if found else None
