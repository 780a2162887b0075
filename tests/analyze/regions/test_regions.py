"""Region knowledge comes from tzdata and CLDR, in both UTC offset conventions."""

from __future__ import annotations

import pytest

from agentxray.analyze.regions import (
    country_name,
    locale_region,
    offset_region,
    zone_countries,
    zone_country,
)


@pytest.mark.parametrize(
    ("zone", "countries"),
    [
        ("Asia/Shanghai", ("CN",)),
        ("Asia/Urumqi", ("CN",)),
        ("America/Sao_Paulo", ("BR",)),
        ("UTC", ()),
        ("Etc/GMT+8", ()),
        ("Not/AZone", ()),
        ("asia/kolkata", ("IN",)),  # code that lower-cases the zone before comparing
        ("etc/utc", ()),
        ("shanghai", ()),  # a bare city is not a zone id (zonenames handles city names)
    ],
)
def test_zone_countries_from_iana_tables(zone: str, countries: tuple[str, ...]) -> None:
    assert zone_countries(zone) == countries


def test_country_names_from_iso3166_tab() -> None:
    assert country_name("CN") == "China"
    assert country_name("zz") == "zz"


@pytest.mark.parametrize(
    ("value", "west", "label"),
    [
        (-480, True, "UTC+08:00"),
        (480, False, "UTC+08:00"),
        (330, False, "UTC+05:30"),
        (300, True, "UTC-05:00"),
        (0, True, None),
        (7, True, None),
        (-2000, True, None),
    ],
)
def test_offsets_in_both_conventions(value: int, west: bool, label: str | None) -> None:
    assert offset_region(value, minutes_west=west) == label


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh", "Chinese"),
        ("zh-CN", "Chinese (China)"),
        ("zh_CN.UTF-8", "Chinese (China)"),
        ("C", None),
        ("POSIX", None),
        ("xx-YY", None),
        ("not a locale", None),
    ],
)
def test_locale_regions_from_cldr(tag: str, expected: str | None) -> None:
    got = locale_region(tag)
    if expected is None:
        assert got is None
    else:
        assert got is not None and got.startswith(expected.split(" (")[0])
        if "(" in expected:
            assert "China" in got


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Asia/Singapore", "SG"),  # zone1970.tab also lists MY and AQ for it
        ("asia/singapore", "SG"),
        ("Asia/Bangkok", "TH"),
        ("Asia/Calcutta", "IN"),  # a link to Asia/Kolkata
        ("Etc/UTC", None),
        ("Not/AZone", None),
    ],
)
def test_zone_country_is_the_country_a_zone_is_named_for(zone: str, country: str | None) -> None:
    assert zone_country(zone) == country
