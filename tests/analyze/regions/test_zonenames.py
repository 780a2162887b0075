"""Zone names in every spelling map to countries through one API, which the JavaScript and
Python detectors share: Windows zone ids, CLDR metazone long names, legacy names, cities and
abbreviations."""

from __future__ import annotations

import pytest

from agentxray.analyze.behaviour.geofence import regional_label
from agentxray.analyze.regions import name_countries, zone_countries_loose, zones_of_name
from agentxray.analyze.regions.zonenames import _metazone_names, _windows


@pytest.mark.parametrize(
    ("name", "countries"),
    [
        ("China Standard Time", ("CN", "MO")),  # a Windows id and a metazone long name
        ("Taipei Standard Time", ("TW",)),
        ("iran standard time", ("IR",)),
        ("Russian Standard Time", ("RU",)),  # a Windows id only
        ("Moscow Standard Time", ("BY", "RU", "UA")),  # a metazone long name only
        ("Asia/Shanghai", ()),  # an IANA name is not a long name
        ("Standard Time", ()),
    ],
)
def test_long_names_and_windows_ids(name: str, countries: tuple[str, ...]) -> None:
    assert name_countries(name) == countries


def test_zones_of_a_windows_id_come_first() -> None:
    zones = zones_of_name("China Standard Time")
    assert zones[0] == "Asia/Shanghai"
    assert "Asia/Macau" in zones


@pytest.mark.parametrize(
    ("name", "countries"),
    [
        ("Asia/Calcutta", ("IN",)),  # a legacy name
        ("PRC", ("CN",)),
        ("urumqi", ("CN",)),  # a city
        ("HKT", ("HK",)),  # an abbreviation of few countries
        ("CST", ()),  # one of many
        ("Taipei Standard Time", ("TW",)),
    ],
)
def test_loose_spellings(name: str, countries: tuple[str, ...]) -> None:
    assert zone_countries_loose(name) == countries


def test_loose_spellings_include_every_long_name() -> None:
    names = [*_windows(), *_metazone_names()]
    assert names
    assert all(zone_countries_loose(n) == name_countries(n) for n in names)


@pytest.mark.parametrize(
    "name",
    ["China Standard Time", "Moscow Standard Time", "Russian Standard Time", "Asia/Urumqi"],
)
def test_zone_names_name_a_region(name: str) -> None:
    assert regional_label("timezone", name) is not None
