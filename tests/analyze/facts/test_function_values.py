"""Values the rule layer follows between objects and functions (issue 7, red team 8 classes),
each written in two idioms that must fire and a look-alike that must stay silent:

- function values: a callback kept by what it is handed to (a parameter, a field set from
  one, a parameter default) is what ``this.f(x)`` / ``p(x)`` calls, both ways (its returns
  come back, the call's arguments reach its parameters);
- node-style transforms: ``zlib.gzip(x, (err, out) => …)`` hands ``x`` to ``out``, not ``err``;
- fallback aliases: ``globalThis.X || require("m")``, ``typeof X … ? X : require("m")``;
- a write a helper does with its arguments (``place(file)`` renaming over the binary), made
  where the helper is called with a download;
- objects of functions iterated with ``Object.entries`` / ``Object.values`` and called.

Each fixture marks the line after ``// ruleid: <id>`` (must fire there, and only there) or
``// ok: <id>`` (must not fire there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import JsRulesDetector
from agentxray.model import FileEntry, Finding
from agentxray.rules.loader import RuleSet, load_rules

FIXTURES = Path(__file__).parent / "values_fixtures"


def _annotations(path: Path) -> tuple[str, set[int], set[int]]:
    rule, must, must_not = "", set(), set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = re.search(r"(ruleid|ok):\s*(AXR-[A-Z]+-\d{3})\b", line)
        if m:
            rule = m.group(2)
            (must if m.group(1) == "ruleid" else must_not).add(number + 1)
    return rule, must, must_not


def _lines(path: Path, rule_id: str) -> set[int]:
    only = load_rules(third_party=False).get(rule_id)
    assert only is not None
    data = path.read_bytes()
    unit = SourceUnit(FileEntry(path.name, "javascript", len(data), ""), data)
    found = [f for f in JsRulesDetector(RuleSet((only,))).run(unit) if isinstance(f, Finding)]
    assert all(f.rule == rule_id for f in found)
    return {f.location.line for f in found}


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.js")), ids=lambda p: p.name)
def test_fires_exactly_where_annotated(path: Path) -> None:
    rule, must, must_not = _annotations(path)
    assert rule and (must or must_not), f"{path.name} has no annotation"
    lines = _lines(path, rule)
    if must:
        assert lines == must, f"{rule} fired on {sorted(lines)}, annotated {sorted(must)}"
    else:
        assert not lines, f"{rule} fired on {sorted(lines)} in a look-alike"


def test_every_class_has_a_look_alike() -> None:
    kinds: dict[str, set[bool]] = {}
    for path in FIXTURES.glob("*.js"):
        rule, must, _ = _annotations(path)
        kinds.setdefault(rule, set()).add(bool(must))
    assert kinds and all(v == {True, False} for v in kinds.values()), kinds
