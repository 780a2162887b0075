"""Checking rule fixtures: every ``ruleid:`` line fires, no ``ok:`` line does (semgrep style)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import (
    JsRulesDetector,
    PythonRulesDetector,
    RulesDetector,
    StringsRulesDetector,
)
from agentxray.model import FileEntry, FileKind, Finding
from agentxray.rules.loader import RuleSet

logger = logging.getLogger(__name__)

SUFFIXES: dict[str, tuple[FileKind, type[RulesDetector]]] = {
    ".js": ("javascript", JsRulesDetector),
    ".ts": ("typescript", JsRulesDetector),
    ".py": ("python", PythonRulesDetector),
    ".strings": ("strings", StringsRulesDetector),
}
_ANNOTATION = re.compile(r"\b(ruleid|ok):\s*(AXR-[A-Z]+-\d{3}|[A-Z][A-Z0-9]*-[A-Z]+-\d{3})\b")


@dataclass(frozen=True, slots=True)
class FixtureResult:
    """What one fixture file expected of its rule and what the rule did."""

    path: Path
    rule: str
    expected: frozenset[int]
    """Lines annotated ``ruleid:`` (the line after each annotation)."""
    forbidden: frozenset[int]
    """Lines annotated ``ok:``."""
    found: frozenset[int]
    """Lines the rule's findings are located at."""

    @property
    def passed(self) -> bool:
        """True when the rule fired exactly on the expected lines."""
        return (
            bool(self.expected) and self.found == self.expected and not self.found & self.forbidden
        )


def annotated_lines(text: str, rule_id: str) -> tuple[frozenset[int], frozenset[int]]:
    """``(must fire, must not fire)`` line numbers for ``rule_id``."""
    must: set[int] = set()
    must_not: set[int] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        m = _ANNOTATION.search(line)
        if m and m.group(2) == rule_id:
            (must if m.group(1) == "ruleid" else must_not).add(number + 1)
    return frozenset(must), frozenset(must_not)


def check_fixture(path: Path, ruleset: RuleSet) -> FixtureResult | None:
    """Run the rule named by the file (``<rule-id>.<ext>``) on it; ``None`` if not a fixture."""
    loaded = ruleset.get(path.stem)
    if loaded is None or path.suffix not in SUFFIXES:
        return None
    kind, detector_cls = SUFFIXES[path.suffix]
    data = path.read_bytes()
    unit = SourceUnit(FileEntry(path.name, kind, len(data), ""), data)
    detector = detector_cls(RuleSet((loaded,)))
    found = {
        f.location.line
        for f in detector.run(unit)
        if isinstance(f, Finding) and f.location.line is not None
    }
    must, must_not = annotated_lines(data.decode("utf-8", "replace"), path.stem)
    return FixtureResult(path, path.stem, must, must_not, frozenset(found))


def check_fixtures(directory: Path, ruleset: RuleSet) -> list[FixtureResult]:
    """Every fixture in ``directory`` whose name is a loaded rule id."""
    results = (check_fixture(p, ruleset) for p in sorted(directory.iterdir()) if p.is_file())
    return [r for r in results if r is not None]
