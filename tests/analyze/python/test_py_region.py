"""Regional values for each signal kind: zones in every spelling (legacy names, cities, Windows
names, abbreviations), offsets in every unit and convention, locales (POSIX, BCP 47, prefixes,
Windows names) and countries (codes, alpha-3, names) — and the values that name no region."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentxray.analyze.behaviour.geofence import locale_tag, regional_label
from agentxray.analyze.python.behaviour import regex_candidates
from agentxray.model import Finding, Notice


@pytest.mark.parametrize(
    ("kind", "unit", "value", "label"),
    [
        ("timezone", "", "Asia/Shanghai", "China"),
        ("timezone", "", "asia/shanghai", "China"),
        ("timezone", "", "Asia/Calcutta", "India"),
        ("timezone", "", "PRC", "China"),
        ("timezone", "", "Tehran", "Iran"),
        ("timezone", "", "/Kabul", "Afghanistan"),
        ("timezone", "", "China Standard Time", "China"),
        ("timezone", "", "RUSSIAN STANDARD TIME", "Russia"),
        ("timezone", "", "HKT", "Hong Kong"),
        ("timezone", "", "+0330", "UTC+03:30"),
        ("timezone", "", "Etc/GMT-8", "UTC+08:00"),
        ("timezone", "", "China", "China"),
        ("timezone", "", "CST", None),
        ("timezone", "", "EST", None),
        ("timezone", "", "UTC", None),
        ("timezone", "", "Eastern", None),
        ("timezone", "", "Local", None),
        ("tz-offset", "seconds-west", "-28800", "UTC+08:00"),
        ("tz-offset", "seconds-east", "28800", "UTC+08:00"),
        ("tz-offset", "minutes-east", "330", "UTC+05:30"),
        ("tz-offset", "hours-east", "3", "UTC+03:00"),
        ("tz-offset", "hours-west", "-9", "UTC+09:00"),
        ("tz-offset", "text", "+0800", "UTC+08:00"),
        ("tz-offset", "text", "+04:30", "UTC+04:30"),
        ("tz-offset", "seconds-west", "0", None),
        ("tz-offset", "seconds-west", "17", None),
        ("tz-offset", "", "8", None),
        ("locale", "", "zh_CN.UTF-8", "China"),
        ("locale", "", "fa-IR", "Persian (Iran)"),
        ("locale", "", "zh_", "Chinese"),
        ("locale", "", "Chinese (Simplified)_China.936", "China"),
        ("locale", "", "Russian_Russia", "Russian (Russia)"),
        ("locale", "", "C.UTF-8", None),
        ("locale", "", "UTF-8", None),
        ("country", "", "CN", "China"),
        ("country", "", "rus", "Russia"),
        ("country", "", "Iran", "Iran"),
        ("country", "", "EU", None),
        ("country", "", "ZZ", None),
    ],
)
def test_regional_label(kind: str, unit: str, value: str, label: str | None) -> None:
    found = regional_label(kind, value, unit)
    assert (found is None) == (label is None), found
    if label is not None:
        assert found is not None and label in found


def test_locale_tags_normalise_prefixes_and_windows_names() -> None:
    assert locale_tag("ru_") == "ru"
    assert locale_tag("Persian_Iran") == "fa_IR"
    assert locale_tag("Klingon_Nowhere") is None


@pytest.mark.parametrize(
    ("kind", "pattern", "expected"),
    [
        ("timezone", r"Asia/(Shanghai|Urumqi)", {"Asia/Shanghai", "Asia/Urumqi"}),
        ("timezone", r"(?:Tehran|Kabul)$", {"Tehran", "Kabul"}),
        ("locale", r"^(zh[-_]CN|ru)\b", {"zh_CN", "zh-CN", "ru"}),
    ],
)
def test_regex_candidates(kind: str, pattern: str, expected: set[str]) -> None:
    assert expected & set(regex_candidates(kind, pattern))


def test_number_separators_per_locale_are_formatting_not_a_geofence(
    run_py: Callable[..., tuple[list[Finding], list[Notice]]],
) -> None:
    src = (
        "import os\n"
        "SEPARATORS = {'de_DE': ('.', ','), 'fr_FR': ('\\u202f', ','), 'pt_BR': ('.', ',')}\n"
        "MARKS = {'zh_CN': '\\u2019', 'zh_TW': '\\u2019', 'en_US': \"'\"}\n"
        "def loc():\n"
        "    return (os.environ.get('LANG') or 'en_US').split('.')[0]\n"
        "def amount(whole, frac):\n"
        "    thousands, decimal = SEPARATORS.get(loc(), (',', '.'))\n"
        "    return thousands.join(whole) + decimal + frac\n"
        "def prompt(date):\n"
        "    return f'Today{MARKS.get(loc(), chr(39))}s date is {date}.'\n"  # line 10
    )
    findings, _ = run_py(src.encode())
    # the separators are conventions; one covert mark per locale is a geofence
    assert [(f.rule, f.location.line) for f in findings if f.category == "geofence"] == [
        ("py-geofence", 10)
    ]
