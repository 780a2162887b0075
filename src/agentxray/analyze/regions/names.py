"""Country and language names as programs spell them, from the same data: English country names
and alpha-3 codes (``tzdata``, CLDR), language names, Windows locale names (``Chinese
(Simplified)_China.936``), legacy code pages and Windows LCIDs."""

from __future__ import annotations

import logging
import re
from functools import cache

from babel import Locale
from babel.core import get_global

from agentxray.analyze.regions.timezones import _table

logger = logging.getLogger(__name__)


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
