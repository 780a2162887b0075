"""Locale tags → language and territory, from CLDR through ``babel``."""

from __future__ import annotations

import logging
import re
from functools import cache

from babel import Locale, UnknownLocaleError

logger = logging.getLogger(__name__)


@cache
def locale_region(tag: str) -> str | None:
    """``"zh-CN"`` → ``"Chinese (China)"``; ``None`` when CLDR does not know the tag.

    Accepts BCP 47 (``zh-Hans-CN``) and POSIX (``zh_CN.UTF-8``) spellings.
    """
    cleaned = tag.strip().split(".")[0].split("@")[0].replace("-", "_")
    if not cleaned or not cleaned.replace("_", "").isalpha() or len(cleaned) > 16:
        return None
    if cleaned.upper() in ("C", "POSIX") or len(cleaned.split("_")[0]) < 2:
        return None  # the POSIX default locale names no language or territory
    try:
        loc = Locale.parse(cleaned)
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    name = loc.get_display_name("en")
    return str(name) if name else None


_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_DIRECTIONS = frozenset({"rtl", "ltr", "auto"})


def language_choice(value: str) -> bool:
    """What a UI language choice hands out: a language tag CLDR knows (``"zh-CN"``, ``"en"``) or
    a text direction (right-to-left layout follows the language: an accommodation)."""
    if value in _DIRECTIONS:
        return True
    if not _LANGUAGE_TAG.fullmatch(value):
        return False
    try:
        Locale.parse(value.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True
