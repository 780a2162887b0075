"""Python modules too big to parse safely are refused up front, with a notice, in milliseconds."""

from __future__ import annotations

import time

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.python.parse import MAX_SEPARATORS, TooLargeToParse, python_module
from agentxray.analyze.rules_detector import PythonRulesDetector
from agentxray.model import FileEntry, Notice


def _unit(data: bytes) -> SourceUnit:
    return SourceUnit(FileEntry("big.py", "python", len(data), ""), data)


def test_module_with_millions_of_tokens_is_refused_quickly() -> None:
    # Found by the hostile-input sweep: 14 MB of "x = [1, 2, 3]" took 32 s and 5.6 GB to parse.
    unit = _unit(b"x = [1, 2, 3]\n" * 300_000)
    started = time.perf_counter()
    with pytest.raises(TooLargeToParse, match="punctuation and whitespace bytes"):
        python_module(unit)
    with pytest.raises(TooLargeToParse):  # the refusal is cached for the other detectors
        python_module(unit)
    assert time.perf_counter() - started < 1
    out = list(PythonRulesDetector().run(unit))
    assert [(o.code, o.path) for o in out if isinstance(o, Notice)] == [("parse-error", "big.py")]


def test_big_string_tables_still_parse() -> None:
    # Letters, digits and non-ASCII text do not count: a 4 MB table of words is parsed.
    words = "".join(f"word{i}é" for i in range(400_000))
    unit = _unit(f"TABLE = '{words}'\n".encode())
    assert len(unit.data) > 4_000_000
    assert python_module(unit).body
    assert MAX_SEPARATORS >= 2_000_000
