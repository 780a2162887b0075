"""Region signals read in a method of one class and tested through a receiver the shared
resolver types (``PyScopes.class_of``): an injected default kept in a field
(``self.clock = clock or Clock()``) and a fluent builder made by a classmethod
(``Probe.make().tuned().zone()``); the look-alike injects a class whose method returns a
constant, so no user signal reaches the test."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

CLOCK = """import os
import time


class Clock:
    def zone(self):
        return os.environ.get("TZ") or time.tzname[0]


class Fixed:
    def label(self):
        return "Etc/UTC"
"""
# the fixtures below start at line 13

INJECTED_FIELD = """

class Gate:
    def __init__(self, clock=None):
        self.clock = clock or Clock()

    def limited(self):
        return self.clock.zone() in ("Europe/Moscow", "Asia/Tehran")
"""

FLUENT_CLASSMETHOD = """

class Probe:
    @classmethod
    def make(cls):
        return cls()

    def tuned(self):
        self.ready = True
        return self

    def zone(self):
        return time.tzname[0] if self.ready else ""


def limited():
    return Probe.make().tuned().zone() in ("MSK", "IRST")
"""

LOOK_ALIKE = """

class Gate:
    def __init__(self, clock=None):
        self.clock = clock or Fixed()

    def limited(self):
        return self.clock.label() in ("Europe/Moscow", "Asia/Tehran")
"""


@pytest.mark.parametrize(
    ("src", "line"),
    [(INJECTED_FIELD, 20), (FLUENT_CLASSMETHOD, 29)],
    ids=["injected-field", "fluent-classmethod"],
)
def test_a_typed_receiver_brings_the_region_read_to_the_test(
    run_py: RunDetectors, src: str, line: int
) -> None:
    findings, _ = run_py((CLOCK + src).encode())
    assert ("py-geofence", line) in {(f.rule, f.location.line) for f in findings}


def test_a_receiver_typed_to_a_constant_class_stays_silent(run_py: RunDetectors) -> None:
    findings, _ = run_py((CLOCK + LOOK_ALIKE).encode())
    assert [f for f in findings if f.category == "geofence"] == []
