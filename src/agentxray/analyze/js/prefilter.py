"""Which JavaScript modules need a syntax tree: one literal pass for every consumer of the tree.

A bundle split into thousands of modules (Claude Code 2.1.332: 3,670) is mostly UI code in which
no detector finds anything, yet parsing it was most of the scan. Every consumer of the tree
starts from literals it searches in the bytes: the rules' facts from their prefilter's candidates
(fixed API names and the literals the loaded rules ask for, :class:`JsFactExtractor`), the
behaviour analysis from its signal, decoder and watermark patterns. A module where none of them
finds a starting point gets no tree: the consumers would have walked it and found nothing.

The needs are read from the consumers' own definitions, never listed a second time here: the
rule engine's leaves, the fact extractor's probes, each behaviour module's patterns (a signal or
a sink added there is needed here at once), and the literals the rules' data flow searches
(read from its source). Hits in the leading comments (Bun prepends a licence line with a URL to
every module) start nothing: no consumer reads a comment.

Sound by construction, with one safety margin on top: whatever may hide code (a decoding
primitive, code built at run time, an environment, OS or ``Intl`` read, a process, file or
network sink, obfuscator machinery) needs a tree, whatever the consumers search today. A module
without a tree still has its string and URL literals read by a lexer
(:mod:`agentxray.analyze.facts.jsliteral`), and a module whose literals some rule could match is
parsed, so that its findings carry the same evidence as always.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from ahocorasick_rs import BytesAhoCorasick

from agentxray.analyze.interface import Detector
from agentxray.analyze.js.nodes import literal_prefixes
from agentxray.model import Fact, Location
from agentxray.rules.engine import LIST_ITEM, Engine
from agentxray.rules.loader import leaves, pattern_needles
from agentxray.rules.schema import FactPattern, Rule

logger = logging.getLogger(__name__)

_LEADING = re.compile(rb"(?:#![^\n]*)?(?:\s+|//[^\n]*|/\*.*?\*/)*", re.S)

#: Text that may hold a mark character (what a watermark writes): a byte outside ASCII, an
#: escape (``\u200b``, ``\xa0``, ``\240``) or a character made from its code.
MARK_CAPABLE = re.compile(rb"[\x80-\xff]|\\[ux0-7]|from(?:Char|Code)")

#: Whatever may hide code or read the machine needs a tree, whatever a consumer searches today:
#: code built or loaded at run time, decoding primitives, environment, OS and ``Intl`` reads,
#: computed global lookups, process and native interfaces. A safety margin over the consumers'
#: own needs (most are among them), not a list of what they look for.
HIDING_TELLS = re.compile(
    rb"eval\b|Function\b|new\s+Proxy|import\s+\(|require\b|runIn\w*Context|compileFunction"
    rb"|WebAssembly|Reflect\."
    rb"|atob\b|btoa\b|fromCharCode|fromCodePoint|TextDecoder|decodeURI|unescape\b"
    rb"|Buffer\.from|charCodeAt|codePointAt|String\.raw"
    rb"|process\.|Bun\.|Deno\.|Intl\b|navigator\b|globalThis\s*\[|window\s*\[|self\s*\["
    rb"|child_process|os[\"']|node:|\.exec(?:Sync)?\s*\(|spawn|fetch\b|XMLHttpRequest"
    rb"|WebSocket|sendBeacon|\.request\s*\(|createConnection|writeFile|readFile|unlink"
    rb"|_0x[0-9a-fA-F]|\\x[0-9a-fA-F]{2}\\x"
)


@dataclass(frozen=True, slots=True)
class Consumer:
    """A consumer of the tree and the patterns any match of which gives it something to do."""

    name: str
    patterns: tuple[re.Pattern[bytes], ...]
    gate: re.Pattern[bytes] | None = None
    """When set, the patterns count only in text this also matches (a watermark needs a mark)."""


_LITERAL_SEARCHES = frozenset({"find", "_finds"})
_PATTERN_SEARCHES = frozenset({"finditer", "search"})


#: Bumped when what :func:`_searched_file` keeps changes.
_SEARCHED_FORMAT = 1


def _searched_file(source: str) -> Path:
    """Where the searches read from a module's ``source`` are kept: the agentxray cache
    (``$AGENTXRAY_CACHE_DIR``, else ``$XDG_CACHE_HOME/agentxray``, else ``~/.cache/agentxray``),
    ``prefilter/<sha256 of the source>.json``: a changed module is read again."""
    material = f"{_SEARCHED_FORMAT}\0{sys.version}\0{source}"
    digest = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
    explicit = os.environ.get("AGENTXRAY_CACHE_DIR")
    xdg = os.environ.get("XDG_CACHE_HOME")
    if explicit:
        root = Path(explicit).expanduser()
    else:
        root = (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "agentxray"
    return root / "prefilter" / f"{digest}.json"


@cache
def searched(module: ModuleType) -> tuple[re.Pattern[bytes], ...]:
    """What ``module``'s code searches text for with a fixed argument, read from its source:
    bytes literals handed to ``find`` or ``_finds`` (``self.data.find(b"@${")``) and bytes
    patterns handed whole to ``finditer`` or ``search`` (``re.finditer(rb"\\.replace\\(", data)``).
    A search added there is needed here without a word written in this module. Reading them
    parses the module (0.15 s for the five modules asked at each start): the result is kept in
    the cache under a digest of the source and read from there by later processes."""
    source = inspect.getsource(module)
    path = _searched_file(source)
    try:
        kept = json.loads(path.read_text(encoding="latin-1"))
        return tuple(re.compile(p.encode("latin-1")) for p in kept)
    except (OSError, ValueError, TypeError, AttributeError, re.error):
        pass
    patterns = _read_searched(source)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for old in path.parent.glob("*.json"):  # other versions of the code, unused for a week
            if old != path and now - old.stat().st_mtime > 7 * 86400:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".searched-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="latin-1") as out:
            json.dump([p.pattern.decode("latin-1") for p in patterns], out)
        os.replace(tmp, path)
    except OSError as exc:
        logger.debug("prefilter searches not kept in %s: %s", path, exc)
    return patterns


def _read_searched(source: str) -> tuple[re.Pattern[bytes], ...]:
    found: list[re.Pattern[bytes]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        fn = node.func
        called = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
        if called not in _LITERAL_SEARCHES | _PATTERN_SEARCHES:
            continue
        for arg in node.args[:2]:  # re.finditer(pattern, data); _finds(data, needles)
            items = arg.elts if isinstance(arg, ast.Tuple | ast.List) else [arg]
            for item in items:
                if not isinstance(item, ast.Constant) or not isinstance(item.value, bytes):
                    continue
                if called in _LITERAL_SEARCHES:
                    found.append(re.compile(re.escape(item.value)))
                else:
                    found.append(re.compile(item.value))
    return tuple(dict.fromkeys(found))


@cache
def behaviour_consumers() -> tuple[Consumer, ...]:
    """The behaviour analysis' consumers, from their own patterns: environment signals, decoder
    searches (literal decoders, closed expressions, string arrays, tag characters), watermarks."""
    from agentxray.analyze.js import signals, watermark, watermark_marks
    from agentxray.analyze.js.deobfuscate import closed, decode, detect, obfuscator, recognise

    os_words = tuple(re.compile(re.escape(name.encode())) for name in signals.OS_CALLS)
    return (
        Consumer(
            "signals",
            (*signals.PREFILTERS, signals._OS_REFERENCE, *os_words, *searched(signals)),
        ),
        Consumer(
            "decoders",
            (
                recognise.PREFILTER,
                *closed.PRIMITIVES,
                closed._SPLIT,
                obfuscator._ARRAY_FN,
                decode._TAG_RUN,
            ),
        ),
        Consumer(
            # What makes the deobfuscator act (looks_obfuscated, looks_hand_decoded): a module
            # without any of it is handed back unchanged, so it is not even asked.
            "deobfuscation",
            (
                detect._ARRAY_FUNCTION,
                *(re.compile(re.escape(marker)) for marker in detect._ROTATION),
                detect._PACKED,
                detect._HEX_CALL,
                detect._HAND,
            ),
        ),
        Consumer(
            "watermarks",
            (
                *watermark._PREFILTER,
                watermark_marks._RESPONSE_PART,
                *searched(watermark),
                *searched(watermark_marks),
            ),
            MARK_CAPABLE,
        ),
        Consumer("hiding", (HIDING_TELLS,)),
    )


@cache
def flow_consumer() -> Consumer:
    """What the rules' data flow searches the text for by itself (not through facts)."""
    from agentxray.analyze.facts import jsflow, jssinks

    return Consumer("rule-flow", (*searched(jsflow), *searched(jssinks)))


def _alternatives(pattern: re.Pattern[bytes]) -> list[re.Pattern[bytes]]:
    """``pattern`` split at its top-level ``|`` (each part's literal prefixes are known more
    often than the whole's); the pattern itself when it has no top-level alternation."""
    source, parts, depth, start, i = pattern.pattern, [], 0, 0, 0
    in_class = False
    while i < len(source):
        ch = source[i : i + 1]
        if ch == b"\\":
            i += 2
            continue
        if in_class:
            in_class = ch != b"]"
        elif ch == b"[":
            in_class = True
            if source[i + 1 : i + 2] == b"]":
                i += 1
        elif ch == b"(":
            depth += 1
        elif ch == b")":
            depth -= 1
        elif ch == b"|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    if not parts:
        return [pattern]
    parts.append(source[start:])
    return [re.compile(part, pattern.flags) for part in parts]


_CHUNK = 64 * 1024
_NEVER = re.compile(rb"(?!)")


class _Patterns:
    """Consumers' patterns behind one Aho-Corasick pass over their literal prefixes, and the rule
    facts' probes in the same pass (their matches are collected, not decided on here)."""

    def __init__(self, consumers: Sequence[Consumer], probes: Sequence[bytes] = ()) -> None:
        self.consumers = tuple(consumers)
        self.probes = len(probes)
        needles: list[bytes] = list(probes)
        self._owner: list[tuple[int, re.Pattern[bytes]]] = [(-1, _NEVER)] * len(probes)
        self._searched: list[tuple[int, re.Pattern[bytes]]] = []
        for index, consumer in enumerate(self.consumers):
            for whole in consumer.patterns:
                for pattern in _alternatives(whole):
                    prefixes = literal_prefixes(pattern)
                    if prefixes is None:
                        self._searched.append((index, pattern))
                        continue
                    for prefix in prefixes:
                        needles.append(prefix)
                        self._owner.append((index, pattern))
        self._longest = max((len(n) for n in needles), default=1)
        self._automaton = BytesAhoCorasick(needles) if needles else None

    def first(
        self, data: bytes, start: int, probed: list[tuple[int, int, int]] | None = None
    ) -> str | None:
        """The name of a consumer one of whose patterns matches at or after ``start``; the
        matches of the probes found meanwhile go to ``probed`` (all of them when ``None`` is
        returned), as ``(probe, start, end)``."""
        gated: dict[int, bool] = {}

        def counts(index: int) -> bool:
            gate = self.consumers[index].gate
            if gate is None:
                return True
            if index not in gated:
                gated[index] = gate.search(data, start) is not None
            return gated[index]

        if self._automaton is not None:
            # In chunks, so that a module with a need early on is not searched to its end.
            view = memoryview(data)
            for chunk in range(start, len(data), _CHUNK):
                upto = min(chunk + _CHUNK + self._longest - 1, len(data))
                found = self._automaton.find_matches_as_indexes(view[chunk:upto], overlapping=True)
                for which, i, j in found:  # any need decides: no order wanted
                    if i >= _CHUNK:
                        continue  # starts in the next chunk: found there
                    if which < self.probes:
                        if probed is not None:
                            probed.append((which, chunk + i, chunk + j))
                        continue
                    index, pattern = self._owner[which]
                    if pattern.match(data, chunk + i) is not None and counts(index):
                        return self.consumers[index].name
        for index, pattern in self._searched:
            if pattern.search(data, start) is not None and counts(index):
                return self.consumers[index].name
        return None


class _RulesNeeds:
    """Whether some rule's url or string leaf may match a literal fact."""

    def __init__(self, engine: Engine, kept: Sequence[FactPattern]) -> None:
        self.engine = engine
        self.by_kind: dict[str, list[tuple[FactPattern, tuple[str, ...]]]] = {}
        for p in kept:
            # A value an exact matcher accepts holds one of its literals (for a regex, the
            # declared needles are a prefilter's hint, not a law: no shortcut there).
            exact = (p.equals, p.any_of, p.contains, p.startswith) != (None, None, None, None)
            self.by_kind.setdefault(p.fact, []).append((p, pattern_needles(p) if exact else ()))

    def matched(self, fact: Fact) -> bool:
        """Some rule's leaf may match ``fact`` (in or out of a list)."""
        listed = Fact(fact.kind, fact.value, fact.location, LIST_ITEM, fact.scope, fact.span)
        for p, needles in self.by_kind.get(fact.kind, ()):
            if needles and not any(n in fact.value for n in needles):
                continue
            if self.engine.matches(p, fact) or (
                p.purpose is not None and self.engine.matches(p, listed)
            ):
                return True
        return False


class TreeNeeds:
    """For one set of detectors: does a module give any consumer of its tree something to do?

    Detectors this does not know as consumers (any but the JavaScript rules, the behaviour
    detector and the launcher check) always need the tree."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        from agentxray.analyze.behaviour.detector import BehaviourDetector
        from agentxray.analyze.facts.js import JsFactExtractor
        from agentxray.analyze.js.launcher import LauncherDetector
        from agentxray.analyze.rules_detector import RulesDetector

        self.always = False
        self.without_tree: set[int] = set()
        """``id`` of the detectors that run on a module without a tree (the rest find nothing
        there and are not run)."""
        consumers: list[Consumer] = []
        rules: list[Rule] = []
        js = frozenset({"javascript", "typescript"})
        ruleset = None
        for detector in detectors:
            if not detector.kinds & js:
                continue
            if isinstance(detector, LauncherDetector):
                self.without_tree.add(id(detector))  # reads the bytes, never the tree
            elif isinstance(detector, BehaviourDetector):
                consumers += behaviour_consumers()
            elif isinstance(detector, RulesDetector) and detector.languages & js:
                kinds = {p.fact for r in detector.engine.rules for p in leaves(r.match)}
                if kinds & {"url", "string"}:
                    self.without_tree.add(id(detector))  # the lexer's literal facts
                rules += detector.engine.rules
                ruleset = detector.ruleset
            else:
                self.always = True
        self._rules: tuple[_RulesNeeds, JsFactExtractor] | None = None
        if ruleset is not None:
            kept = tuple(
                p.model_copy(update={"in_list": None})
                for r in rules
                for p in leaves(r.match)
                if p.fact in ("url", "string") and p.reaches is None
            )
            if any(p.fact == "comparison" for r in rules for p in leaves(r.match)):
                consumers += behaviour_consumers()  # comparison facts: the behaviour records
            consumers.append(flow_consumer())
            extractor = JsFactExtractor(ruleset.needles(rules))
            self._rules = (_RulesNeeds(Engine(rules), kept), extractor)
        consumers.append(Consumer("hiding", (HIDING_TELLS,)))
        probes = self._rules[1].needles if self._rules is not None else ()
        self._patterns = _Patterns(list(dict.fromkeys(consumers)), probes)

    def need(self, vpath: str, data: bytes, context: dict[str, object] | None = None) -> str | None:
        """Why ``data`` needs a tree (the first consumer found to need it), or ``None``; then
        the rule facts' candidates, found in the same pass, are left in ``context`` for the
        fact extractor (:data:`~agentxray.analyze.facts.js.CANDIDATES`)."""
        from agentxray.analyze.facts.js import CANDIDATES
        from agentxray.analyze.facts.jsliteral import KNOWN, literal_facts

        if self.always:
            return "detector"
        start = _LEADING.match(data).end()  # type: ignore[union-attr]  # matches empty text too
        probed: list[tuple[int, int, int]] = []
        found = self._patterns.first(data, start, probed)
        if found is not None:
            return found
        if self._rules is None:
            return None
        rules, extractor = self._rules
        hits = extractor.candidates(data, probed)
        literal = [h for h in hits if h[2] in ("url", "str")]
        if len(literal) < len(hits):
            return "rule-facts"
        facts = literal_facts(vpath, data, literal)
        for fact in facts:
            if not rules.engine.is_ignored(fact) and rules.matched(fact):
                return "rule-literals"
        # The lexer can misread where a literal starts (an apostrophe in JSX text): each string
        # hit is also read as the literal its nearest quotes on the line would make.
        for i, j, family in literal:
            value = _quoted_around(data, i, j) if family == "str" else None
            if value is not None and rules.matched(Fact("string", value, Location(vpath))):
                return "rule-literals"
        if context is not None:
            context[CANDIDATES] = (extractor.needles, hits)
            context[KNOWN] = facts
        return None


def _quoted_around(data: bytes, i: int, j: int) -> str | None:
    """The text between the nearest quote before ``i`` and the same quote at or after ``j`` on
    the same line, or ``None``."""
    line_start = data.rfind(b"\n", 0, i) + 1
    opening = max(data.rfind(q, line_start, i) for q in (b'"', b"'", b"`"))
    if opening < 0:
        return None
    line_end = data.find(b"\n", j)
    closing = data.find(data[opening : opening + 1], j, len(data) if line_end < 0 else line_end)
    if closing < 0:
        return None
    return data[opening + 1 : closing].decode("utf-8", "replace")


@cache
def _needs_of(detectors: tuple[Detector, ...]) -> TreeNeeds:
    return TreeNeeds(detectors)


def tree_needs(detectors: Sequence[Detector]) -> TreeNeeds:
    """The (cached) decision for ``detectors``; built before the driver forks its workers."""
    return _needs_of(tuple(detectors))
