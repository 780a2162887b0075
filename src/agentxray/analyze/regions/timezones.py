"""Time zone → country, read from the IANA tables shipped by the ``tzdata`` package."""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources

logger = logging.getLogger(__name__)


def _table(name: str) -> list[list[str]]:
    path = resources.files("tzdata").joinpath("zoneinfo", name)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@cache
def _zones() -> dict[str, tuple[str, ...]]:
    zones: dict[str, set[str]] = {}
    for row in _table("zone.tab"):
        if len(row) >= 3:
            zones.setdefault(row[2], set()).add(row[0])
    for row in _table("zone1970.tab"):
        if len(row) >= 3:
            zones.setdefault(row[2], set()).update(row[0].split(","))
    logger.debug("loaded %d IANA zones", len(zones))
    return {zone: tuple(sorted(codes)) for zone, codes in zones.items()}


@cache
def _countries() -> dict[str, str]:
    return {row[0]: row[1] for row in _table("iso3166.tab") if len(row) >= 2}


def zone_countries(zone: str) -> tuple[str, ...]:
    """ISO 3166 codes of the countries an IANA zone name covers; empty for non-regional names.

    >>> zone_countries("Asia/Urumqi")
    ('CN',)
    """
    found = _zones().get(zone)
    if found is None and "/" in zone:
        # Code that lower-cases the zone first compares with "asia/kolkata".
        found = _folded().get(zone.casefold())
    return found or ()


@cache
def _folded() -> dict[str, tuple[str, ...]]:
    return {zone.casefold(): codes for zone, codes in _zones().items()}


def country_name(code: str) -> str:
    """The English country name of an ISO 3166 alpha-2 code (the code itself when unknown)."""
    return _countries().get(code.upper(), code)
