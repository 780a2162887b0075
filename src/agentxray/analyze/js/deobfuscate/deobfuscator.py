"""Deobfuscate a file: decode its string arrays, then simplify round after round until stable."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from agentxray.analyze.js.deobfuscate.aliases import inline_aliases
from agentxray.analyze.js.deobfuscate.detect import looks_hand_decoded, looks_obfuscated
from agentxray.analyze.js.deobfuscate.inline import inline_strings
from agentxray.analyze.js.deobfuscate.localcalls import (
    constant_array_edits,
    local_call_edits,
    may_decode_by_hand,
)
from agentxray.analyze.js.deobfuscate.objects import rebuild_objects
from agentxray.analyze.js.deobfuscate.remove import remove_declarators, unused_declarators
from agentxray.analyze.js.deobfuscate.rewrite import PositionMap, apply_edits
from agentxray.analyze.js.deobfuscate.scope import Scopes
from agentxray.analyze.js.deobfuscate.simplify import simplify
from agentxray.analyze.js.deobfuscate.statements import rewrite_statements
from agentxray.analyze.js.deobfuscate.syntax import js_string, parse
from agentxray.analyze.js.deobfuscate.unflatten import unflatten
from agentxray.analyze.js.nodes import string_value

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits that keep hostile or huge input from costing more than it is worth."""

    max_input_bytes: int = 8 * 1024 * 1024
    """Larger files are not deobfuscated (each round parses the whole text)."""
    max_growth: float = 4.0
    """The output may be at most this many times the input (plus 1 MB)."""
    max_sites: int = 200_000
    """Decoder calls inlined at most."""
    max_rounds: int = 40
    """Simplification rounds (each a parse and one set of non-overlapping rewrites)."""
    seconds: float = 60.0
    """Wall time for all simplification rounds of a file (the isolate has its own limits)."""


@dataclass(frozen=True, slots=True)
class Deobfuscation:
    """The deobfuscated text of one file and what it took."""

    data: bytes
    positions: PositionMap
    """Offsets in ``data`` → offsets in the original."""
    arrays: int = 0
    """String arrays found."""
    strings: int = 0
    """Decoder calls replaced by their string."""
    distinct: int = 0
    """Distinct strings recovered."""
    dispatchers: int = 0
    """Control-flow-flattening dispatchers straightened."""
    rounds: int = 0
    problems: tuple[str, ...] = field(default=())
    """What went wrong without stopping the result (a decoder that failed, a budget reached)."""
    hidden: tuple[HiddenStrings, ...] = field(default=())
    """String arrays whose decoders revealed text the original does not contain."""
    decoders: int = 0
    """The file's own decoder functions whose constant calls were evaluated."""
    unpacked: int = 0
    """Code packed into ``Function("…")`` strings turned back into code."""

    def summary(self) -> str:
        """One sentence for a notice."""
        parts = []
        if self.arrays or not (self.decoders or self.unpacked or self.dispatchers):
            parts.append(
                f"{self.strings} string-array call(s) decoded to {self.distinct} distinct"
                f" string(s) from {self.arrays} string array(s)"
            )
        if self.decoders:
            parts.append(
                f"calls of {self.decoders} decoder function(s) of the file evaluated to"
                f" {self.distinct} distinct string(s)"
            )
        if self.unpacked:
            parts.append(f"{self.unpacked} code string(s) given to Function(…) or eval unpacked")
        if self.dispatchers:
            parts.append(f"{self.dispatchers} flattened control flow dispatcher(s) straightened")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class HiddenStrings:
    """The strings one string array hid: decoded, and not written as they are in the file."""

    offset: int
    """Where the array's declaration starts in the original file."""
    values: tuple[str, ...]
    source: str = "string array"
    """What hid them: ``string array``, or ``decoder function`` (the file's own functions)."""


MAX_HIDDEN = 500
"""Strings kept per array (the finding's evidence, not the inlining)."""


def _hidden(
    original: bytes, text: bytes, offset: int, typescript: bool, source: str
) -> HiddenStrings | None:
    """The string literals of the deobfuscated ``text`` that the ``original`` does not contain:
    what the string arrays or decoders hid, after split pieces were joined again."""
    literals = set(_literals(original, typescript))  # a literal of the file hides nothing
    kept: dict[str, None] = {}
    for value in _literals(text, typescript):
        if len(kept) >= MAX_HIDDEN:
            break
        if value in literals or len(value.strip()) < 3 or _written(value, original):
            continue
        kept[value] = None
    return HiddenStrings(offset, tuple(kept), source) if kept else None


def _literals(text: bytes, typescript: bool) -> Iterator[str]:
    """The values of the string literals of ``text``, in order."""
    stack = [parse(text, typescript).root_node]
    while stack:
        node = stack.pop()
        if node.type in ("string", "template_string"):
            value = string_value(node)
            if value is not None:
                yield value
            continue
        stack.extend(reversed(node.children))


def _written(value: str, original: bytes) -> bool:
    """Whether ``value`` stands in ``original`` as it is, or as a quoted literal spells it."""
    spellings = {value, json.dumps(value, ensure_ascii=False)[1:-1], js_string(value)[1:-1]}
    return any(s.encode("utf-8", "surrogatepass") in original for s in spellings)


MAX_PASSES = 3
"""Decode-then-simplify passes (a later pass decodes what simplification exposed)."""


class DeobfuscationFailed(Exception):
    """Deobfuscation could not produce a usable text; the original should be analysed."""


@dataclass(frozen=True, slots=True)
class Simplified:
    """The outcome of the simplification rounds."""

    data: bytes
    positions: PositionMap
    rounds: int
    dispatchers: int
    problems: tuple[str, ...]


def simplify_until_stable(
    data: bytes,
    *,
    typescript: bool = False,
    budget: Budget | None = None,
    positions: PositionMap | None = None,
    deadline: float | None = None,
) -> Simplified:
    """Rewrite round after round (dispatchers, statements, expressions) until nothing changes.

    A round whose result has syntax errors the input had not is dropped and the rounds stop.
    """
    budget = budget or Budget()
    positions = positions or PositionMap()
    limit = int(len(data) * budget.max_growth) + 1024 * 1024
    text, tree = data, parse(data, typescript)
    had_errors = tree.root_node.has_error
    problems: list[str] = []
    rounds = dispatchers = 0
    if deadline is None:
        deadline = time.monotonic() + budget.seconds
    while rounds < budget.max_rounds:
        if time.monotonic() > deadline:
            problems.append(f"simplification stopped after {rounds} rounds (time budget)")
            break
        scopes = Scopes(tree.root_node, text, typescript)
        flat, count = unflatten(tree.root_node, text, scopes, typescript)
        edits = flat + inline_aliases(tree.root_node, scopes, typescript)
        edits += rewrite_statements(tree.root_node, text, typescript)
        edits += rebuild_objects(tree.root_node, text, scopes, typescript)
        edits += remove_declarators(unused_declarators(tree.root_node, scopes, typescript))
        edits += simplify(tree.root_node, text, typescript)
        edits += constant_array_edits(tree.root_node, scopes, typescript)
        new, step = apply_edits(text, edits)
        if new == text:
            break
        if len(new) > limit:
            problems.append("simplification stopped: the text grew past its budget")
            break
        new_tree = parse(new, typescript)
        if new_tree.root_node.has_error and not had_errors:
            problems.append(f"simplification round {rounds + 1} was dropped: it broke the syntax")
            logger.debug("deobfuscation round %d broke the syntax", rounds + 1)
            break
        text, tree, positions = new, new_tree, positions.then(step)
        rounds += 1
        dispatchers += count
    return Simplified(text, positions, rounds, dispatchers, tuple(problems))


def _hand_decoded(data: bytes, typescript: bool, budget: Budget) -> Deobfuscation | None:
    """Ordinary code whose own decoder functions hide text: their constant calls (zero or many
    arguments, a constant list mapped through them, a proxy's reads, a ``Function`` built from
    decoded text) evaluated in the isolate and inlined; None when they reveal nothing hidden.

    Only values not written in the file count; the simplification rounds then fold what the
    inlining exposed (``x["timeZone"]`` → ``x.timeZone``), as for obfuscator output.
    """
    if not may_decode_by_hand(data):
        return None
    text, positions = data, PositionMap()
    values: list[str] = []
    strings = distinct = decoders = unpacked = rounds = 0
    first: int | None = None
    deadline = time.monotonic() + budget.seconds
    for _ in range(MAX_PASSES):
        tree = parse(text, typescript)
        if tree.root_node.has_error:
            return None
        scopes = Scopes(tree.root_node, text, typescript)
        local = local_call_edits(tree.root_node, scopes, typescript, strict=True)
        found = [h for v in local.values for h in _revealed(v, data, typescript)]
        if not found:
            break
        new, step = apply_edits(text, list(local.edits))
        if parse(new, typescript).root_node.has_error:
            break
        if local.first is not None and first is None:
            first = positions.to_original(local.first)
        values += found
        strings += local.replaced
        distinct += local.distinct
        decoders += local.functions
        unpacked += local.unpacked
        result = simplify_until_stable(
            new,
            typescript=typescript,
            budget=budget,
            positions=positions.then(step),
            deadline=deadline,
        )
        text, positions = result.data, result.positions
        rounds += result.rounds
    if len("".join(dict.fromkeys(values))) < MIN_HIDDEN_CHARS:
        return None  # ``atob("aGVsbG8=")``: a word, not hidden data
    hidden = HiddenStrings(
        first or 0, tuple(dict.fromkeys(values))[:MAX_HIDDEN], "decoder function"
    )
    return Deobfuscation(
        data=text,
        positions=positions,
        strings=strings,
        distinct=distinct,
        rounds=rounds,
        hidden=(hidden,),
        decoders=decoders,
        unpacked=unpacked,
    )


MIN_HIDDEN_CHARS = 6
"""Fewer decoded characters than this, all values together, are not worth calling hidden."""
MAX_CODE_SHOWN = 200
"""Characters of unpacked code shown when it holds no hidden literal of its own."""


def _revealed(value: str, original: bytes, typescript: bool) -> list[str]:
    """The hidden strings in one decoded value: the value itself when it is readable text the
    file does not spell, or the string literals of unpacked code that it does not spell."""
    if value.startswith("(function anonymous("):
        literals = set(_literals(original, typescript))
        return [
            v
            for v in _literals(value.encode(), False)
            if v not in literals and len(v.strip()) >= 3 and not _written(v, original)
        ] or [value[:MAX_CODE_SHOWN]]
    if len(value.strip()) < 3 or _written(value, original) or not _readable(value):
        return []
    if _words_written(value, original):
        return []
    return [value]


MAX_JOINED_WORDS = 2_000


def _words_written(value: str, original: bytes) -> bool:
    """Whether ``value`` is several words each written in the file as a whole quoted literal:
    a visible list joined for use (a grammar's ``KEYWORDS.join(" ")``), not hidden text; split
    strings (``["ht", "tp://x"].join("")``) are fragments, not whole words, and still count."""
    words = value.split()
    if not 2 <= len(words) <= MAX_JOINED_WORDS:
        return False
    return all(
        any(f"{q}{w}{q}".encode("utf-8", "surrogatepass") in original for q in "'\"`")
        for w in dict.fromkeys(words)
    )


def _readable(value: str) -> bool:
    """Text worth calling hidden: mostly printable, with some letters."""
    letters = sum(ch.isalpha() for ch in value)
    printable = sum(ch.isprintable() for ch in value)
    return letters >= 2 and printable >= 0.9 * len(value)


def deobfuscate(
    data: bytes, *, typescript: bool = False, budget: Budget | None = None
) -> Deobfuscation | None:
    """The deobfuscated text, or None when ``data`` shows no obfuscation this undoes.

    Raises :class:`DeobfuscationFailed` when the file is obfuscated but could not be undone.
    """
    budget = budget or Budget()
    if not looks_obfuscated(data):
        if not looks_hand_decoded(data):
            return None
        try:
            return _hand_decoded(data, typescript, budget)
        except DeobfuscationFailed:
            return None  # ordinary code: analysed as it is, no notice
    if len(data) > budget.max_input_bytes:
        raise DeobfuscationFailed(
            f"{len(data):,} bytes is more than the {budget.max_input_bytes:,} bytes deobfuscated"
        )
    text, positions = data, PositionMap()
    strings = distinct = arrays = dispatchers = rounds = decoders = unpacked = 0
    problems: list[str] = []
    first: int | None = None
    deadline = time.monotonic() + budget.seconds
    # Decode, simplify, and decode again what simplifying exposed (a decoder call whose
    # arguments were hidden behind a proxy object), a few times at most.
    for attempt in range(MAX_PASSES):
        tree = parse(text, typescript)
        scopes = Scopes(tree.root_node, text, typescript)
        inlined = inline_strings(
            tree.root_node, scopes, typescript, max_sites=budget.max_sites - strings
        )
        edits = list(inlined.edits)
        if not inlined.arrays:
            # No string array: the file's own functions may decode (another obfuscator, a
            # hand-made scheme); their constant calls are evaluated on a closed slice.
            local = local_call_edits(tree.root_node, scopes, typescript)
            edits += local.edits
            decoders += local.functions
            unpacked += local.unpacked
            strings += local.replaced
            distinct += local.distinct
            problems += local.problems
            if local.first is not None and first is None:
                first = positions.to_original(local.first)
            found_local = local.replaced + local.unpacked
        else:
            found_local = 0
        if attempt == 0 and inlined.problems and not inlined.replaced and not found_local:
            raise DeobfuscationFailed("; ".join(inlined.problems))
        if (
            attempt == 0
            and not inlined.arrays
            and not found_local
            and not unflatten(tree.root_node, text, scopes, typescript)[1]
        ):
            return None  # the prefilter's hint was wrong: nothing here to undo
        if attempt > 0 and not inlined.replaced and not found_local:
            break
        problems += inlined.problems
        if inlined.tables and first is None:
            first = positions.to_original(inlined.tables[0][0])
        new, step = apply_edits(text, edits)
        if len(new) > int(len(data) * budget.max_growth) + 1024 * 1024:
            raise DeobfuscationFailed("the decoded text would exceed its size budget")
        broke = (inlined.replaced or found_local) and not tree.root_node.has_error
        if broke and parse(new, typescript).root_node.has_error:
            raise DeobfuscationFailed("inlining the decoded strings broke the syntax")
        strings += inlined.replaced
        distinct += inlined.distinct
        arrays = max(arrays, inlined.arrays)
        result = simplify_until_stable(
            new,
            typescript=typescript,
            budget=budget,
            positions=positions.then(step),
            deadline=deadline,
        )
        text, positions = result.data, result.positions
        dispatchers += result.dispatchers
        rounds += result.rounds
        problems += result.problems
        if not inlined.replaced and not found_local:
            break
    if not arrays and not dispatchers and not decoders and not unpacked:
        return None
    source = "string array" if arrays else "decoder function"
    found = (
        _hidden(data, text, first, typescript, source) if strings and first is not None else None
    )
    hidden = [found] if found is not None else []
    if arrays or dispatchers:
        # Under the obfuscator's machinery the code may hide text by hand as well (a home-made
        # XOR or table decoder, its data in constants): the strict pass ordinary code gets,
        # on the deobfuscated text, with its own hidden strings.
        layered = _layered(text, typescript, budget)
        if layered is not None:
            hidden += [
                HiddenStrings(positions.to_original(h.offset), h.values, h.source)
                for h in layered.hidden
            ]
            text = layered.data
            positions = PositionMap((*positions.passes, *layered.positions.passes))
            decoders += layered.decoders
            unpacked += layered.unpacked
            rounds += layered.rounds
    return Deobfuscation(
        data=text,
        positions=positions,
        arrays=arrays,
        strings=strings,
        distinct=distinct,
        dispatchers=dispatchers,
        rounds=rounds,
        problems=tuple(problems),
        hidden=tuple(hidden),
        decoders=decoders,
        unpacked=unpacked,
    )


def _layered(text: bytes, typescript: bool, budget: Budget) -> Deobfuscation | None:
    """The hand-made decoders' constant calls in deobfuscated ``text`` evaluated, or None."""
    if not looks_hand_decoded(text):
        return None
    try:
        return _hand_decoded(text, typescript, budget)
    except DeobfuscationFailed:
        return None
