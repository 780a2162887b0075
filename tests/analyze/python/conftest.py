"""Helpers for the Python detector tests: run the behaviour detector on a fixture file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.interface import SourceUnit
from agentxray.model import FileEntry, Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def make_unit(data: bytes, vpath: str = "fixture.py") -> SourceUnit:
    """A source unit for ``data`` as a Python file."""
    entry = FileEntry(
        vpath=vpath, kind="python", size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    return SourceUnit(entry, data)


def run_units(units: list[SourceUnit]) -> tuple[list[Finding], list[Notice]]:
    """Findings and notices of the behaviour detector on ``units``."""
    findings: list[Finding] = []
    notices: list[Notice] = []
    for unit in units:
        for item in BehaviourDetector().run(unit):
            (findings if isinstance(item, Finding) else notices).append(item)
    return findings, notices


@pytest.fixture
def run_py() -> RunDetectors:
    """Runs the behaviour detector on bytes: ``run_py(data, vpath) -> (findings, notices)``."""

    def run(data: bytes, vpath: str = "fixture.py") -> tuple[list[Finding], list[Notice]]:
        return run_units([make_unit(data, vpath)])

    return run
