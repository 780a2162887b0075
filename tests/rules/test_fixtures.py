"""Every rule fires exactly on the lines its fixtures annotate (semgrep-style ruleid:/ok:)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import (
    JsRulesDetector,
    PythonRulesDetector,
    RulesDetector,
    StringsRulesDetector,
)
from agentxray.model import FileEntry, FileKind, Finding
from agentxray.rules.lint import lint
from agentxray.rules.loader import RuleSet, load_rules

FIXTURES = Path(__file__).parent / "fixtures"
KINDS: dict[str, tuple[FileKind, type[RulesDetector]]] = {
    ".js": ("javascript", JsRulesDetector),
    ".ts": ("typescript", JsRulesDetector),
    ".py": ("python", PythonRulesDetector),
    ".strings": ("strings", StringsRulesDetector),
}


def annotated(path: Path, rule_id: str) -> tuple[set[int], set[int]]:
    """Lines that must fire and lines that must not (the line after each annotation)."""
    must, must_not = set(), set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = re.search(r"(ruleid|ok):\s*(AXR-[A-Z]+-\d{3})\b", line)
        if m and m.group(2) == rule_id:
            (must if m.group(1) == "ruleid" else must_not).add(number + 1)
    return must, must_not


def run_rule(path: Path, rule_id: str) -> list[Finding]:
    """Findings of one rule on one fixture, through the real extractor and detector."""
    full = load_rules(third_party=False)
    only = full.get(rule_id)
    assert only is not None, f"fixture {path.name} names no loaded rule"
    kind, detector_cls = KINDS[path.suffix]
    data = path.read_bytes()
    unit = SourceUnit(FileEntry(path.name, kind, len(data), ""), data)
    detector = detector_cls(RuleSet((only,)))
    return [f for f in detector.run(unit) if isinstance(f, Finding)]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("AXR-*.*")), ids=lambda p: p.name)
def test_rule_fires_exactly_on_annotated_lines(path: Path) -> None:
    rule_id = path.stem
    must, must_not = annotated(path, rule_id)
    assert must, f"{path.name} has no ruleid: annotation"
    found = run_rule(path, rule_id)
    lines = {f.location.line for f in found}
    assert all(f.rule == rule_id for f in found)
    assert lines == must, f"{rule_id} fired on {sorted(lines)}, annotated {sorted(must)}"
    assert not lines & must_not


def test_every_rule_has_positive_and_benign_fixtures_and_lints_clean() -> None:
    problems = lint(load_rules(third_party=False), FIXTURES)
    assert problems == []
