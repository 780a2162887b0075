"""Detectors that extract facts from a file and run the YAML rule packs over them."""

from __future__ import annotations

import hashlib
import logging
from abc import abstractmethod
from collections.abc import Iterable
from typing import ClassVar

from agentxray.analyze.facts.common import LineIndex
from agentxray.analyze.facts.js import MAX_HITS, TRUNCATED, JsFactExtractor
from agentxray.analyze.facts.python import extract_python
from agentxray.analyze.facts.strings import StringsFactExtractor
from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.model import Fact, FileKind, Finding, Notice
from agentxray.rules.engine import Engine, RuleMatch
from agentxray.rules.loader import RuleSet, default_rules

logger = logging.getLogger(__name__)

MAX_RELATED = 20
MAX_VALUES = 20
SNIPPET_CONTEXT = 120


class RulesDetector(Detector):
    """Base: facts for one language, then the engine; ``rules`` defaults to every loaded pack."""

    languages: ClassVar[frozenset[str]]
    """Rule languages this detector evaluates."""

    def __init__(self, rules: RuleSet | None = None) -> None:
        self._rules = rules
        self._engine: Engine | None = None

    @property
    def ruleset(self) -> RuleSet:
        """The rule set, loaded on first use."""
        if self._rules is None:
            self._rules = default_rules()
        return self._rules

    @property
    def engine(self) -> Engine:
        """The engine over this language's rules."""
        if self._engine is None:
            rules = [r for r in self.ruleset.rules if self.languages & set(r.languages)]
            self._engine = Engine(rules)
        return self._engine

    @abstractmethod
    def facts(self, unit: SourceUnit) -> list[Fact]:
        """The facts of one file."""

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        """Findings of every rule that matches the file's facts."""
        try:
            facts = self.facts(unit)
        except (SyntaxError, ValueError) as exc:  # Python that does not parse
            yield Notice(
                "parse-error", f"{self.name}: file does not parse: {exc}", unit.entry.vpath
            )
            return
        except RecursionError:  # pathologically nested Python
            yield Notice("parse-error", f"{self.name}: file nests too deeply", unit.entry.vpath)
            return
        if TRUNCATED in unit.context:
            yield Notice(
                "facts-truncated",
                f"{self.name}: {unit.context[TRUNCATED]} candidates, only the first "
                f"{MAX_HITS} were analysed",
                unit.entry.vpath,
            )
        for match in self.engine.run(facts):
            yield self.finding(unit, match)

    def finding(self, unit: SourceUnit, match: RuleMatch) -> Finding:
        """Turn a match into an evidence-bearing finding."""
        rule, primary = match.rule, match.primary
        values = list(dict.fromkeys(self.describe(f) for f in match.evidence))[:MAX_VALUES]
        related = tuple(dict.fromkeys(f.location for f in match.evidence[1:]))[:MAX_RELATED]
        digest = hashlib.sha256(
            f"{rule.id}\0{unit.entry.vpath}\0{primary.scope if rule.scope == 'function' else ''}"
            f"\0{match.key}".encode()
        ).hexdigest()[:16]
        return Finding(
            id=f"{rule.id}-{digest}",
            rule=rule.id,
            category=rule.category,
            severity=rule.severity,
            title=rule.title,
            location=primary.location,
            message=rule.message.replace("{values}", ", ".join(values[:5])),
            related=tuple(loc for loc in related if loc != primary.location),
            snippet=snippet(unit, primary),
            signals=tuple(
                sorted({f"env:{f.value}" for f in match.evidence if f.kind == "env_read"})
            ),
            values=tuple(values),
            confidence=rule.confidence,
        )

    def describe(self, fact: Fact) -> str:
        """A fact's value for people: URLs and API paths with their known purpose."""
        known = self.engine.purpose(fact)
        text = fact.value if len(fact.value) <= 200 else fact.value[:200] + "…"
        if fact.kind == "call" and fact.detail:
            arg = fact.detail if len(fact.detail) <= 80 else fact.detail[:80] + "…"
            text = f"{text}({arg})"
        elif fact.kind == "property" and fact.detail:
            arg = fact.detail if len(fact.detail) <= 80 else fact.detail[:80] + "…"
            text = f"{text}: {arg}"
        return f"{text} [{known[0]}: {known[1]}]" if known else text


def snippet(unit: SourceUnit, fact: Fact) -> str:
    """The code around a fact: its line when short, a window of the line when minified."""
    data = unit.data
    index = unit.context.get("rules.line_index")
    if not isinstance(index, LineIndex):
        index = unit.context["rules.line_index"] = LineIndex(data)
    line = max(1, fact.location.line or 1)
    start = index.starts[min(line, len(index.starts)) - 1]
    end = data.find(b"\n", start)
    end = len(data) if end == -1 else end
    if end - start > 2 * SNIPPET_CONTEXT + 80:
        at = start + (fact.location.column or 1) - 1
        start, end = max(start, at - SNIPPET_CONTEXT), min(end, at + 2 * SNIPPET_CONTEXT)
    return data[start:end].decode("utf-8", "replace").strip()


class JsRulesDetector(RulesDetector):
    """Rule packs over JavaScript and TypeScript (tree-sitter facts)."""

    name = "rules-js"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "typescript"})
    languages = frozenset({"javascript", "typescript"})
    _extractor: JsFactExtractor | None = None

    def facts(self, unit: SourceUnit) -> list[Fact]:
        """Facts via the shared tree-sitter tree of the unit."""
        if self._extractor is None:
            self._extractor = JsFactExtractor(self.ruleset.needles(self.engine.rules))
        return self._extractor.extract(unit)


class PythonRulesDetector(RulesDetector):
    """Rule packs over Python (stdlib ``ast`` facts)."""

    name = "rules-python"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"python"})
    languages = frozenset({"python"})

    def facts(self, unit: SourceUnit) -> list[Fact]:
        """Facts from the module's syntax tree (a file that does not parse has none)."""
        return extract_python(unit.entry.vpath, unit.text)


class StringsRulesDetector(RulesDetector):
    """Rule packs over native binaries' strings files (``0x<offset>\\t<string>`` lines)."""

    name = "rules-strings"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"strings"})
    languages = frozenset({"strings"})
    _extractor: StringsFactExtractor | None = None

    def facts(self, unit: SourceUnit) -> list[Fact]:
        """Facts from the strings lines."""
        if self._extractor is None:
            self._extractor = StringsFactExtractor(self.ruleset.needles(self.engine.rules))
        return self._extractor.extract(unit.entry.vpath, unit.data)
