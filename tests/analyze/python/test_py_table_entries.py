"""A region signal looked up in a constant table whose entry is then compared: the entry
stands for the keys that map to it (``band = BANDS.get(offset); band in ("a", "b")`` tests
``offset`` against the keys of "a" and "b"), also when every key has its own label. The
look-alike looks the offset up in a table of display names and only tests for a miss."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

FUNCTION_GET = """import time

_BANDS = {28800: "band-a", 12600: "band-b", 10800: "band-c", 32400: "band-d"}


def offset():
    return time.localtime().tm_gmtoff


def pick():
    band = _BANDS.get(offset(), "")
    if band in ("band-a", "band-b"):
        return "small"
    return "large"
"""

CLASS_SUBSCRIPT = """import os


class Zone:
    TIERS = {"Asia/Shanghai": "t1", "Asia/Tehran": "t3", "Europe/Moscow": "t2", "UTC": "t0"}

    def __init__(self):
        self.name = os.environ.get("TZ", "UTC")

    def tier(self):
        try:
            return self.TIERS[self.name]
        except KeyError:
            return "t0"


def limits(zone=None):
    zone = zone or Zone()
    t = zone.tier()
    if t in ("t1", "t3"):
        return {"tools": False}
    return {"tools": True}
"""

LOOK_ALIKE = """import time

_NAMES = {0: "UTC", 3600: "CET", 7200: "EET", -18000: "EST"}


def zone_label():
    offset = time.localtime().tm_gmtoff
    name = _NAMES.get(offset, "")
    if name == "":
        name = "UTC%+d" % (offset // 3600)
    return name
"""


@pytest.mark.parametrize(
    ("src", "line", "shown"),
    [(FUNCTION_GET, 12, "28800"), (CLASS_SUBSCRIPT, 20, "Asia/Tehran")],
    ids=["function-get", "class-subscript"],
)
def test_an_entry_compared_tests_the_keys_mapping_to_it(
    run_py: RunDetectors, src: str, line: int, shown: str
) -> None:
    findings, _ = run_py(src.encode())
    found = [f for f in findings if f.rule == "py-geofence" and f.location.line == line]
    assert found, [(f.rule, f.location.line) for f in findings]
    assert shown in found[0].title


def test_a_display_name_table_tested_for_a_miss_stays_silent(run_py: RunDetectors) -> None:
    findings, _ = run_py(LOOK_ALIKE.encode())
    assert [f for f in findings if f.category == "geofence"] == []
