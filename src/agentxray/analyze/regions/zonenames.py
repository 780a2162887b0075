"""Time zone names as programs see them: CLDR long names and Windows zone ids → IANA zones.

``new Date().toString()`` ends with ``(China Standard Time)``; Windows reports ``China Standard
Time`` as its zone id. Both name a region as surely as ``Asia/Shanghai`` does.
"""

from __future__ import annotations

import logging
from functools import cache

import babel
import babel.dates

from agentxray.analyze.regions.timezones import zone_countries

logger = logging.getLogger(__name__)


@cache
def _windows() -> dict[str, str]:
    mapping = babel.core.get_global("windows_zone_mapping")
    return {str(k).lower(): str(v) for k, v in dict(mapping).items()}


@cache
def _metazone_names() -> dict[str, tuple[str, ...]]:
    """Lower-cased English long names (standard and daylight) of each metazone → its zones."""
    out: dict[str, set[str]] = {}
    locale = babel.Locale("en")
    zones = babel.core.get_global("meta_zones")
    for zone, metazone in dict(zones).items():
        names = locale.meta_zones.get(metazone, {}).get("long", {})
        for name in names.values():
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
    """ISO codes of the countries a zone name or id covers (``China Standard Time`` → CN)."""
    codes = {c for zone in zones_of_name(name) for c in zone_countries(_canonical(zone))}
    return tuple(sorted(codes))


@cache
def _links() -> dict[str, str]:
    """Old zone names (``Asia/Calcutta``) → their current names, from babel's zone aliases."""
    aliases = babel.core.get_global("zone_aliases")
    return {str(k): str(v) for k, v in dict(aliases).items()}


def _canonical(zone: str) -> str:
    return _links().get(zone, zone)
