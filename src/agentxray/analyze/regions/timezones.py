"""Time zone → country, read from the IANA tables shipped by the ``tzdata`` package."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
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
    for link, target in _links(zones).items():
        zones.setdefault(link, set()).update(zones[target])
    logger.debug("loaded %d IANA zones and links", len(zones))
    return {zone: tuple(sorted(codes)) for zone, codes in zones.items()}


def _links(zones: dict[str, set[str]]) -> dict[str, str]:
    """Old and alias names (``Asia/Chongqing``, ``Asia/Calcutta``, ``US/Pacific``) → the listed
    zone they are a link to. The tables list only canonical names; ``tzdata`` ships every link
    as a copy of its target's data, so a name whose data is byte-identical to exactly one listed
    zone (of one country) is that zone. Names shared by zones of several countries are left
    out rather than guessed."""
    root = resources.files("tzdata").joinpath("zoneinfo")
    by_data: dict[bytes, set[str]] = {}
    others: dict[str, bytes] = {}
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        for item in folder.iterdir():
            name = prefix + item.name
            if item.is_dir():
                stack.append((item, name + "/"))
            elif "/" in name and not item.name.endswith((".tab", ".zi", ".py")):
                data = item.read_bytes()
                if name in zones:
                    by_data.setdefault(data, set()).add(name)
                else:
                    others[name] = data
    out: dict[str, str] = {}
    for name, data in others.items():
        targets = by_data.get(data, set())
        if len({c for t in targets for c in zones[t]}) == 1:
            out[name] = min(targets)
    return out


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


def zone_country(zone: str) -> str | None:
    """The country a zone is named for: its row in ``zone.tab`` (``Asia/Singapore`` → ``SG``,
    where ``zone1970.tab`` also lists Malaysia and Antarctica for sharing its clocks since 1970).

    Counting how many regions a list of zones singles out counts these, one per zone.
    """
    found = _zone_tab().get(zone) or _zone_tab_folded().get(zone.casefold())
    if found is not None:
        return found
    codes = zone_countries(zone)
    return codes[0] if len(codes) == 1 else None


@cache
def _zone_tab() -> dict[str, str]:
    return {row[2]: row[0] for row in _table("zone.tab") if len(row) >= 3}


@cache
def _zone_tab_folded() -> dict[str, str]:
    return {zone.casefold(): code for zone, code in _zone_tab().items()}


@cache
def _folded() -> dict[str, tuple[str, ...]]:
    return {zone.casefold(): codes for zone, codes in _zones().items()}


def country_name(code: str) -> str:
    """The English country name of an ISO 3166 alpha-2 code (the code itself when unknown)."""
    return _countries().get(code.upper(), code)


#: A table of zones covering this many countries is reference data (a tz subset for formatting),
#: not a list of regions singled out.
MIN_DATABASE_COUNTRIES = 6
DATABASE_SHARE = 0.8
_ZONE_FIELD = re.compile(r"^(?:[A-Z]{2,5}|[A-Z][a-z]{2,4}T|[+-]?\d{1,4}(?::?\d\d)?|UTC|GMT)$")


def zone_database(values: Iterable[str]) -> bool:
    """Whether ``values`` read as a time-zone table: nearly all of them zone names, their
    abbreviations or offsets, and the zones spread over many countries (``{"Europe/London":
    ["GMT", 0], …}``). A geofence's list names a few countries; a tz subset names many."""
    items = [v.strip() for v in values if v.strip()]
    if not items:
        return False
    countries: set[str] = set()
    fields = 0
    for v in items:
        found = zone_countries(v)
        if found:
            countries.update(found)
            fields += 1
        elif _ZONE_FIELD.match(v):
            fields += 1
    return len(countries) >= MIN_DATABASE_COUNTRIES and fields >= DATABASE_SHARE * len(items)
