"""Helpers for the JavaScript detector tests: run the behaviour detector on a fixture file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.interface import SourceUnit
from agentxray.model import FileEntry, FileKind, Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def make_unit(data: bytes, vpath: str = "fixture.js") -> SourceUnit:
    """A source unit for ``data`` as a JavaScript file."""
    kind: FileKind = "typescript" if vpath.endswith((".ts", ".tsx")) else "javascript"
    entry = FileEntry(
        vpath=vpath, kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    return SourceUnit(entry, data)


def _run_all(data: bytes, vpath: str = "fixture.js") -> tuple[list[Finding], list[Notice]]:
    """Findings and notices of the behaviour detector on ``data``."""
    unit = make_unit(data, vpath)
    findings: list[Finding] = []
    notices: list[Notice] = []
    for item in BehaviourDetector().run(unit):
        (findings if isinstance(item, Finding) else notices).append(item)
    return findings, notices


@pytest.fixture
def run_all() -> RunDetectors:
    """Runs the behaviour detector on bytes: ``run_all(data, vpath) -> (findings, notices)``."""
    return _run_all
