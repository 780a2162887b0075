"""Detectors that extract facts from a file and run the YAML rule packs over them."""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from typing import ClassVar

from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.behaviour.facts import comparison_facts
from agentxray.analyze.facts.common import LineIndex
from agentxray.analyze.facts.js import MAX_HITS, TRUNCATED, JsFactExtractor
from agentxray.analyze.facts.python import extract_python_tree
from agentxray.analyze.facts.strings import MAX_FACTS, StringsFactExtractor
from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.analyze.js.analysis import analyse as js_analyse
from agentxray.analyze.js.behaviour import js_records
from agentxray.analyze.python.analysis import analyse as py_analyse
from agentxray.analyze.python.behaviour import py_records
from agentxray.analyze.python.parse import python_module
from agentxray.model import Fact, FileKind, Finding, Notice
from agentxray.rules.engine import Engine, RuleMatch
from agentxray.rules.loader import RuleSet, default_rules, leaves
from agentxray.rules.report import to_finding
from agentxray.rules.schema import Expr, Rule

logger = logging.getLogger(__name__)

SNIPPET_CONTEXT = 120


def _positive(expr: Expr) -> bool:
    return expr.not_ is None and all(_positive(e) for e in (*(expr.all or ()), *(expr.any or ())))


def on_records_only(rule: Rule) -> bool:
    """Whether ``rule`` matches ``comparison`` facts alone (no ``not``): facts made from the
    behaviour records, which need the file's full data-flow analysis and no other fact. Such a
    rule can be evaluated wherever that analysis is, apart from the syntax-tree facts."""
    return _positive(rule.match) and all(p.fact == "comparison" for p in leaves(rule.match))


class RulesDetector(Detector):
    """Base: facts for one language, then the engine; ``rules`` defaults to every loaded pack."""

    languages: ClassVar[frozenset[str]]
    """Rule languages this detector evaluates."""

    def __init__(self, rules: RuleSet | None = None) -> None:
        self._rules = rules
        self._engine: Engine | None = None
        self._told_skipped = False

    @property
    def ruleset(self) -> RuleSet:
        """The rule set, loaded on first use."""
        if self._rules is None:
            self._rules = default_rules()
        return self._rules

    @property
    def engine(self) -> Engine:
        """The engine over this language's rules (those :meth:`selects`)."""
        if self._engine is None:
            rules = [
                r
                for r in self.ruleset.rules
                if self.languages & set(r.languages) and self.selects(r)
            ]
            self._engine = Engine(rules)
        return self._engine

    def selects(self, rule: Rule) -> bool:
        """Whether this detector evaluates ``rule`` (of its languages)."""
        return True

    def warm_up(self) -> None:
        """Load the rule packs and build the engine (before the driver forks workers)."""
        _ = self.engine

    @cached_property
    def wants_comparisons(self) -> bool:
        """Some rule matches ``comparison`` facts (made from the behaviour records, which need
        the file's full data-flow analysis)."""
        return any(p.fact == "comparison" for r in self.engine.rules for p in leaves(r.match))

    @abstractmethod
    def facts(self, unit: SourceUnit) -> list[Fact]:
        """The facts of one file."""

    def offset_of(self, fact: Fact) -> int | None:
        """The fact's byte offset in the unit (JavaScript facts record it in the location)."""
        return fact.location.offset

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        """Findings of every rule that matches the file's facts."""
        if self.ruleset.skipped and not self._told_skipped:
            self._told_skipped = True
            for problem in self.ruleset.skipped:
                yield Notice("rulepack-skipped", problem, None, "error")
        try:
            facts = self.facts(unit)
        except (SyntaxError, ValueError) as exc:  # Python that does not parse
            yield Notice(
                "parse-error", f"{self.name}: file does not parse: {exc}", unit.entry.vpath
            )
            return
        except (RecursionError, MemoryError):  # pathologically nested Python (CPython's parser
            # raises MemoryError when its own stack overflows, e.g. on 100,000 unary minuses)
            yield Notice("parse-error", f"{self.name}: file nests too deeply", unit.entry.vpath)
            return
        if TRUNCATED in unit.context:
            yield Notice(
                "facts-truncated",
                f"{self.name}: {unit.context[TRUNCATED]} candidates, only the first "
                f"{MAX_HITS} were analysed",
                unit.entry.vpath,
            )
        seen: Counter[tuple[str, str]] = Counter()
        for match in self.engine.run(facts):
            ordinal = seen[match.rule.id, match.key]
            seen[match.rule.id, match.key] += 1
            yield self.finding(unit, match, ordinal)

    def finding(self, unit: SourceUnit, match: RuleMatch, ordinal: int = 0) -> Finding:
        """Turn a match into an evidence-bearing finding with the code around it."""
        text = snippet(unit, match.primary, self.offset_of(match.primary))
        return to_finding(self.engine, match, unit.entry.vpath, text, ordinal)


def snippet(unit: SourceUnit, fact: Fact, offset: int | None) -> str:
    """The code around a fact: its line when short, a window of the line when minified.

    ``offset`` is the fact's byte offset in the unit when known; otherwise the line is found
    from the fact's line number (Python facts carry lines, not offsets).
    """
    data = unit.data
    if offset is None or not 0 <= offset <= len(data):
        index = unit.context.get("rules.line_index")
        if not isinstance(index, LineIndex):
            index = unit.context["rules.line_index"] = LineIndex(data)
        line = max(1, fact.location.line or 1)
        offset = index.starts[min(line, len(index.starts)) - 1] + (fact.location.column or 1) - 1
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b"\n", offset)
    end = len(data) if end == -1 else end
    if end - start > 2 * SNIPPET_CONTEXT + 80:
        if unit.entry.kind in ("javascript", "typescript"):
            laid_out = _statement_snippet(unit, offset)
            if laid_out:
                return laid_out
        start, end = max(start, offset - SNIPPET_CONTEXT), min(end, offset + 2 * SNIPPET_CONTEXT)
    return data[start:end].decode("utf-8", "replace").strip()


#: Largest statement shown laid out instead of a window of a minified line.
MAX_STATEMENT = 1500
_STATEMENTS = frozenset(
    {
        "expression_statement",
        "lexical_declaration",
        "variable_declaration",
        "return_statement",
        "if_statement",
        "throw_statement",
        "pair",
        "method_definition",
        "function_declaration",
    }
)


def _statement_snippet(unit: SourceUnit, offset: int) -> str:
    """The smallest statement around ``offset`` in a minified line, laid out for reading.

    A 400-character window cut mid-token out of an 18 MB one-line bundle is hard to read; the
    statement (a declaration, a call, an object entry) pretty-printed is what a reviewer checks.
    """
    from agentxray.analyze.js.pretty import pretty

    node = unit.js_tree.root_node.descendant_for_byte_range(offset, offset + 1)
    while node is not None and node.end_byte - node.start_byte <= MAX_STATEMENT:
        if node.type in _STATEMENTS and node.end_byte - node.start_byte > 40:
            header = f"// line {node.start_point[0] + 1}"
            return header + "\n" + pretty(node, unit.data, max_lines=20)
        node = node.parent
    return ""


class JsRulesDetector(RulesDetector):
    """Rule packs over JavaScript and TypeScript (tree-sitter facts, and the behaviour records'
    ``comparison`` facts for the rules that use them).

    ``records=False`` leaves the rules on the records alone (:func:`on_records_only`) to a
    :class:`JsRecordRulesDetector` beside it (the registry's pair)."""

    name = "rules-js"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "typescript"})
    languages = frozenset({"javascript", "typescript"})
    _extractor: JsFactExtractor | None = None

    def __init__(self, rules: RuleSet | None = None, *, records: bool = True) -> None:
        super().__init__(rules)
        self._records = records

    def selects(self, rule: Rule) -> bool:
        return self._records or not on_records_only(rule)

    def facts(self, unit: SourceUnit) -> list[Fact]:
        """Facts via the shared tree-sitter tree of the unit."""
        if self._extractor is None:
            self._extractor = JsFactExtractor(self.ruleset.needles(self.engine.rules))
        facts = self._extractor.extract(unit)
        if not self.wants_comparisons:
            return facts
        return [*facts, *comparison_facts(js_records(js_analyse(unit)).comparisons)]


class JsRecordRulesDetector(RulesDetector):
    """Rule packs whose rules match JavaScript/TypeScript behaviour records alone
    (:func:`on_records_only`: ``comparison`` facts), beside the behaviour detector.

    Both read the file's data-flow analysis (:func:`~agentxray.analyze.js.analysis.analyse`,
    kept in ``unit.context``); in the behaviour detector's family they share it in every case,
    also when the driver splits a big file's detectors across two processes (Claude Code
    2.1.197's 18 MB ``cli.js``): the rules process then needs no analysis of its own, which it
    computed a second time before (1.7 s of CPU there)."""

    name = "rules-js-records"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "typescript"})
    languages = frozenset({"javascript", "typescript"})
    family = BehaviourDetector.__module__

    def selects(self, rule: Rule) -> bool:
        return on_records_only(rule)

    def facts(self, unit: SourceUnit) -> list[Fact]:
        """The ``comparison`` facts of the file's behaviour records (none without a rule, nor
        in a file left without a syntax tree: no records there)."""
        if not self.engine.rules or not unit.tree_needed or unit.literal_only:
            return []
        return list(comparison_facts(js_records(js_analyse(unit)).comparisons))


class PythonRulesDetector(RulesDetector):
    """Rule packs over Python (stdlib ``ast`` facts)."""

    name = "rules-python"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"python"})
    languages = frozenset({"python"})

    def offset_of(self, fact: Fact) -> int | None:
        """Python facts carry lines and columns only."""
        return None

    def facts(self, unit: SourceUnit) -> list[Fact]:
        """Facts from the module's syntax tree, parsed once per unit and shared with the Python
        detectors (a file that does not parse has none)."""
        facts = extract_python_tree(unit.entry.vpath, python_module(unit))
        if not self.wants_comparisons:
            return facts
        try:
            records = py_records(py_analyse(unit))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return facts  # the behaviour detector reports a module it cannot follow
        return [*facts, *comparison_facts(records)]


class StringsRulesDetector(RulesDetector):
    """Rule packs over native binaries' strings files (``0x<offset>\\t<string>`` lines)."""

    name = "rules-strings"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"strings"})
    languages = frozenset({"strings"})
    _extractor: StringsFactExtractor | None = None

    def offset_of(self, fact: Fact) -> int | None:
        """The location's offset is in the binary; the span is in the strings file."""
        return fact.span[0] if fact.span else None

    def facts(self, unit: SourceUnit) -> list[Fact]:
        """Facts from the strings lines."""
        if self._extractor is None:
            self._extractor = StringsFactExtractor(self.ruleset.needles(self.engine.rules))
        facts = self._extractor.extract(unit.entry.vpath, unit.data)
        if self._extractor.candidates > MAX_FACTS:
            unit.context[TRUNCATED] = self._extractor.candidates
        return facts
