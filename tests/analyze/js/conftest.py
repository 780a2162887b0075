"""Helpers for the JavaScript detector tests: run the four detectors on a fixture file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js.detectors import JS_DETECTORS
from agentxray.model import FileEntry, Finding, Notice

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"//\s*expect:\s*([\w-]+)")

RunDetectors = Callable[[bytes, str], tuple[list[Finding], list[Notice]]]


def make_unit(data: bytes, vpath: str = "fixture.js") -> SourceUnit:
    """A source unit for ``data`` as a JavaScript file."""
    entry = FileEntry(
        vpath=vpath, kind="javascript", size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    return SourceUnit(entry, data)


def run_all(data: bytes, vpath: str = "fixture.js") -> tuple[list[Finding], list[Notice]]:
    """Findings and notices of the four JS detectors on ``data``."""
    unit = make_unit(data, vpath)
    findings: list[Finding] = []
    notices: list[Notice] = []
    for detector in JS_DETECTORS:
        for item in detector().run(unit):
            (findings if isinstance(item, Finding) else notices).append(item)
    return findings, notices


def expected(path: Path) -> set[tuple[str, int]]:
    """``// expect: RULE`` annotations: the finding is on the next line."""
    out = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            out.add((m.group(1), number + 1))
    return out


@pytest.fixture
def run_detectors() -> RunDetectors:
    return run_all
