"""An Enum's member (``Tier.REGIONAL``) is an instance of the Enum: ``Tier.REGIONAL.zones``
reads the class's property (the shared receiver resolver, ``PyScopes.class_of``), so the time
zone tested against the set it returns is a region gate; the same shape over file suffixes is
not."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _where(findings: list[Finding], category: str) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == category]


ZONES = """import enum
import os


class Tier(enum.Enum):
    FULL = "full"
    REGIONAL = "regional"

    @property
    def zones(self):
        return frozenset({"Asia/Shanghai", "Europe/Moscow", "Asia/Tehran"})


def model_for():
    zone = os.environ.get("TZ", "")
    if zone in Tier.REGIONAL.zones:
        return "small-model"
    return "large-model"
"""


SUFFIXES = """import enum
import os


class Kind(enum.Enum):
    SOURCE = "source"
    DOCS = "docs"

    @property
    def suffixes(self):
        return frozenset({".md", ".rst", ".txt"})


def kind_of(path):
    ext = os.path.splitext(path)[1]
    if ext in Kind.DOCS.suffixes:
        return "docs"
    return "source"
"""


def test_time_zone_in_an_enum_members_property(run_py: RunDetectors) -> None:
    findings, _ = run_py(ZONES.encode())
    assert _where(findings, "geofence") == [("py-geofence", 16)]


def test_file_suffix_in_an_enum_members_property(run_py: RunDetectors) -> None:
    findings, _ = run_py(SUFFIXES.encode())
    assert _where(findings, "geofence") == []
