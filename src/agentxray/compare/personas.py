"""Compare the runs of one agent as different personas: learn what is noise from the repeats of
each persona, remove it, then diff every persona against the first and explain each difference
(named characters, date and number formats, the persona fields that differ).

Noise is learned, not guessed: two repeats of one persona are diffed token by token; a token that
differs (an id, a timestamp, a temporary path) is remembered by its *context* — the word before
it (digits generalised) and the punctuation between — so the same slot is masked in every run.
Lines that still differ between repeats afterwards (a retry, a flaky file) and aspects missing
from some repeats are set aside too. Two personas then differ only where no repeat of one
equals any repeat of the other.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from agentxray.model import (
    Aspect,
    Confirmation,
    Difference,
    Persona,
    ProbeResult,
    Recording,
)

MARK = "\u27e8noise\u27e9"
"""What a masked token becomes."""

_TOKEN = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.S)
_WORD = re.compile(r"[A-Za-z0-9_]+")
_MARKS = re.compile(f"(?:{MARK})+")
_DIGIT = re.compile(r"\d")

Context = tuple[str, str]
#: Lines longer than this (in tokens, once a common head and tail are cut) are aligned with
#: difflib's junk heuristic instead of exactly.
_EXACT_TOKENS = 3000
#: How far from its position a changed line looks for its counterpart.
_PAIR_WINDOW = 8
#: How alike two lines must be (difflib ratio) for their changed characters to be named.
_SAME_LINE = 0.85
AspectKey = tuple[str, str]


def tokens(text: str) -> list[str]:
    """``text`` split into words, runs of white space and single other characters."""
    return _TOKEN.findall(text)


def _context(prefix: Sequence[str]) -> Context:
    """The slot a token sits in: the last word before it (digits as 0, a mask as the mask) and
    the punctuation between that word and the token."""
    punct: list[str] = []
    for tok in reversed(prefix[-12:]):
        if tok == MARK or _WORD.fullmatch(tok):
            return (MARK if tok == MARK else re.sub(r"\d", "0", tok), "".join(reversed(punct)))
        if not tok.isspace():
            punct.append(tok)
    return ("", "".join(reversed(punct)))


@dataclass
class Noise:
    """What differs between repeats of one persona, learned from the recordings."""

    contexts: dict[str, set[Context]] = field(default_factory=dict)
    """Per ``where``: the slots whose token varies from repeat to repeat."""
    flaky_lines: dict[AspectKey, set[str]] = field(default_factory=dict)
    """Per aspect: normalised lines not present in every repeat."""
    unstable: set[AspectKey] = field(default_factory=set)
    """Aspects not recorded in every repeat of some persona."""

    def describe(self) -> list[str]:
        """One readable line per learned rule."""
        out = []
        for where, ctxs in sorted(self.contexts.items()):
            for word, punct in sorted(ctxs):
                slot = (word + punct).replace(MARK, "<noise>")
                out.append(f"{where}: the token after {slot!r}")
        for (where, key), lines in sorted(self.flaky_lines.items()):
            out.append(
                f"{where} {key}: {len(lines)} line(s) not in every repeat".replace("  ", " ")
            )
        for where, key in sorted(self.unstable):
            out.append(f"{where} {key}: not in every repeat".replace("  ", " "))
        return out


def mask(text: str, contexts: set[Context]) -> str:
    """``text`` with every token in a learned noisy slot replaced by :data:`MARK`."""
    if not contexts:
        return text
    words = [w for w, _ in contexts if w and w != MARK]
    lines = []
    for line in text.split("\n"):
        if not any(w in _DIGIT.sub("0", line) for w in words):
            lines.append(line)  # no slot's word in it: nothing to mask
            continue
        out: list[str] = []
        for tok in tokens(line):
            if not tok.isspace() and _context(out) in contexts:
                out.append(MARK)
            else:
                out.append(tok)
        lines.append(_MARKS.sub(MARK, "".join(out)))
    return "\n".join(lines)


def _learn_line(a: str, b: str, into: set[Context]) -> None:
    """Learn the slots in which two versions of one line differ."""
    ta, tb = tokens(a), tokens(b)
    head = 0
    while head < min(len(ta), len(tb)) and ta[head] == tb[head]:
        head += 1
    tail = 0
    while tail < min(len(ta), len(tb)) - head and ta[-1 - tail] == tb[-1 - tail]:
        tail += 1
    middle_a, middle_b = ta[head : len(ta) - tail], tb[head : len(tb) - tail]
    # Exact alignment is quadratic; past a few thousand tokens let difflib skip popular ones.
    big = max(len(middle_a), len(middle_b)) > _EXACT_TOKENS
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=big)
    marked_a: list[str] = list(ta[:head])
    marked_b: list[str] = list(tb[:head])
    ta, tb = middle_a, middle_b
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            marked_a += ta[i1:i2]
            marked_b += tb[j1:j2]
            continue
        for toks, marked in ((ta[i1:i2], marked_a), (tb[j1:j2], marked_b)):
            for tok in toks:
                if tok.isspace():
                    marked.append(tok)
                    continue
                slot = _context(marked)
                if slot[0]:  # a slot is named by a word before it; a line's head is no slot
                    into.add(slot)
                marked.append(MARK)


def _learn_pair(a: str, b: str, into: set[Context], as_set: bool = False) -> None:
    """Learn from two repeats of one text: lines that are versions of one another teach their
    differing slots; lines only one repeat has teach nothing here (they become flaky lines)."""
    la, lb = a.splitlines(), b.splitlines()
    if as_set:
        only_b = set(lb) - set(la)
        gone = sorted(set(la) - set(lb))
        for x, y in _pair_lines(gone, sorted(only_b)):
            _learn_line(x, y, into)
        return
    # Long texts: difflib may treat very common lines ("},") as junk; exact is quadratic.
    matcher = difflib.SequenceMatcher(None, la, lb, autojunk=len(la) + len(lb) > 1000)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace":
            for x, y in _pair_lines(la[i1:i2], lb[j1:j2]):
                _learn_line(x, y, into)


def _by_persona(recordings: Iterable[Recording]) -> dict[str, list[Recording]]:
    out: dict[str, list[Recording]] = {}
    for rec in recordings:
        out.setdefault(rec.persona, []).append(rec)
    return out


def _aspects(rec: Recording) -> dict[AspectKey, Aspect]:
    return {(a.where, a.key): a for a in rec.aspects}


def learn_noise(recordings: Sequence[Recording]) -> Noise:
    """Learn the noise from the repeats of each persona (one repeat teaches nothing)."""
    noise = Noise()
    groups = _by_persona(recordings)
    for runs in groups.values():
        maps = [_aspects(r) for r in runs]
        keys = set().union(*maps) if maps else set()
        for key in keys:
            if any(key not in m for m in maps):
                noise.unstable.add(key)
                continue
            first = maps[0][key]
            for other in maps[1:]:
                if other[key].text != first.text:
                    into = noise.contexts.setdefault(key[0], set())
                    _learn_pair(first.text, other[key].text, into, first.lines_are_set)
    # Lines that still differ once the slots are masked.
    for runs in groups.values():
        if len(runs) < 2:
            continue
        maps = [_aspects(r) for r in runs]
        for key in set(maps[0]):
            if key in noise.unstable:
                continue
            ctx = noise.contexts.get(key[0], set())
            line_sets = [set(mask(m[key].text, ctx).splitlines()) for m in maps]
            common = set.intersection(*line_sets)
            flaky = set.union(*line_sets) - common
            if flaky:
                noise.flaky_lines.setdefault(key, set()).update(flaky)
    return noise


def normalised(aspect: Aspect, noise: Noise) -> str:
    """The aspect's text with the learned noise removed."""
    text = mask(aspect.text, noise.contexts.get(aspect.where, set()))
    flaky = noise.flaky_lines.get((aspect.where, aspect.key))
    lines = text.splitlines()
    if flaky:
        lines = [line for line in lines if line not in flaky]
    if aspect.lines_are_set:
        lines = sorted(set(lines))
    return "\n".join(lines)


# -- naming characters -----------------------------------------------------------------------

_CONTROL_NAMES = {
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\t": "CHARACTER TABULATION",
    "\x00": "NULL",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
}


def char_name(ch: str) -> str:
    """``U+02B9 MODIFIER LETTER PRIME``: the code point and its Unicode name."""
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch) or unicodedata.category(ch)
    return f"U+{ord(ch):04X} {name}"


def _names(text: str) -> str:
    return " + ".join(char_name(c) for c in text) if text else "(nothing)"


def char_changes(before: str, after: str) -> Counter[str]:
    """The characters that change from ``before`` to ``after``, named, with how often."""
    out: Counter[str] = Counter()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old, new = before[i1:i2], after[j1:j2]
        if op == "replace" and len(old) == len(new):
            for a, b in zip(old, new, strict=True):
                if a != b:
                    out[f"{char_name(a)} -> {char_name(b)}"] += 1
        else:
            out[f"{_names(old)} -> {_names(new)}"] += 1
    return out


def is_confusable_change(change: str) -> bool:
    """Whether a named change is one character for another (not text added or removed)."""
    return " + " not in change and "(nothing)" not in change


def visible(text: str) -> str:
    """``text`` with invisible and non-ASCII characters written ``⟨U+XXXX NAME⟩``."""
    out = []
    for ch in text:
        if ch in "\n\t" or 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append(f"\u27e8{char_name(ch)}\u27e9")
    return "".join(out)


# -- formats ---------------------------------------------------------------------------------

_DATE = re.compile(
    r"\b\d{4}[-/.年]\s?\d{1,2}[-/.月]\s?\d{1,2}日?"
    r"|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"
    r"|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? \w+ \d{1,2},? \d{4}"
    r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2},? \d{4}"
)
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?(?:\s?[+-]\d{2}:?\d{2}|Z)?")
_NUMBER = re.compile(r"\b\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+(?:[.,]\d+)?\b|\b\d+[.,]\d+\b")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def format_notes(before: str, after: str) -> list[str]:
    """Date, time and number format changes between two versions of a text, called out."""
    notes: list[str] = []
    bare_before = _TIME.sub(" ", _DATE.sub(" ", before))
    bare_after = _TIME.sub(" ", _DATE.sub(" ", after))
    for what, pattern in (("date", _DATE), ("time", _TIME), ("number", _NUMBER)):
        a_text, b_text = (bare_before, bare_after) if what == "number" else (before, after)
        if what == "time":
            a_text, b_text = _DATE.sub(" ", before), _DATE.sub(" ", after)
        old = [m.group(0) for m in pattern.finditer(a_text)]
        new = [m.group(0) for m in pattern.finditer(b_text)]
        if old == new:
            continue
        gone = [x for x in old if x not in new]
        came = [x for x in new if x not in old]
        for a, b in zip(gone, came, strict=False):
            same = sorted(_digits(a)) == sorted(_digits(b))
            kind = "format" if same else "value"
            notes.append(f"{what} {kind} {a} \u2192 {b}")
        for a in gone[len(came) :]:
            notes.append(f"{what} {a} gone")
        for b in came[len(gone) :]:
            notes.append(f"{what} {b} new")
    return notes


# -- attribution -----------------------------------------------------------------------------

_CLOCK_FIELDS = ("tz", "date", "lang", "env.TZ", "env.LANG", "env.LC_ALL", "env.LC_TIME")


def differing_fields(a: Persona, b: Persona) -> list[str]:
    """The persona fields whose values differ (one side may lack the field)."""
    da, db = a.as_dict(), b.as_dict()
    return sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k))


def attribute(notes: Sequence[str], before: str, after: str, fields: Sequence[str]) -> list[str]:
    """The fields a difference is attributed to: a date, time or number format change goes to
    the clock and locale fields that differ (when any do); everything else to every field that
    differs; a field's value appearing in the changed text claims the difference."""
    named = [f for f in fields if f.startswith(("flag.", "env."))]
    claimed = [f for f in named if f.split(".", 1)[1] in before + after]
    if claimed:
        return claimed
    if any(n.startswith(("date ", "time ", "number ")) for n in notes):
        clock = [f for f in fields if f in _CLOCK_FIELDS or f.startswith("env.LC_")]
        if clock:
            return clock
    return list(fields)


# -- the comparison --------------------------------------------------------------------------


def _changed_lines(old: list[str], new: list[str], as_set: bool) -> tuple[list[str], list[str]]:
    if as_set:
        ns = set(new)
        os_ = set(old)
        return [x for x in old if x not in ns], [x for x in new if x not in os_]
    gone: list[str] = []
    came: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            gone += old[i1:i2]
            came += new[j1:j2]
    return gone, came


def _pair_lines(gone: list[str], came: list[str]) -> list[tuple[str, str]]:
    """Lines of before and after that are versions of one another: the most similar of up to
    :data:`_PAIR_WINDOW` lines around the same position (real diffs change lines in place)."""
    pairs = []
    used: set[int] = set()
    scale = len(came) / len(gone) if gone else 1.0
    for n, g in enumerate(gone):
        best, best_ratio = None, 0.5
        centre = int(n * scale)
        lo, hi = max(0, centre - _PAIR_WINDOW), min(len(came), centre + _PAIR_WINDOW + 1)
        for j in range(lo, hi):
            c = came[j]
            if j in used or abs(len(c) - len(g)) > max(len(c), len(g)) // 2:
                continue
            ratio = difflib.SequenceMatcher(None, g, c, autojunk=False).quick_ratio()
            if ratio > best_ratio:
                best, best_ratio = j, ratio
        if best is not None:
            used.add(best)
            pairs.append((g, came[best]))
    return pairs


def diff_aspect(
    pair: tuple[Persona, Persona], where: str, key: str, old: str, new: str, as_set: bool
) -> Difference:
    """The difference between two normalised versions of one aspect, explained."""
    gone, came = _changed_lines(old.splitlines(), new.splitlines(), as_set)
    chars: Counter[str] = Counter()
    notes: list[str] = []
    for a, b in _pair_lines(gone, came):
        # Characters are named only where a line is otherwise the same (a swapped apostrophe,
        # a date separator), not between two lines that merely sit in the same place.
        if difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= _SAME_LINE:
            chars.update(char_changes(a, b))
        notes += [n for n in format_notes(a, b) if n not in notes]
    before, after = "\n".join(gone), "\n".join(came)
    swaps = [c for c, _ in chars.most_common() if is_confusable_change(c)]
    for change in swaps:
        notes.append(f"{change} ({chars[change]}\u00d7)")
    fields = attribute(notes, before, after, differing_fields(*pair))
    return Difference(
        personas=(pair[0].name, pair[1].name),
        where=where,
        key=key,
        before=before,
        after=after,
        code_points=tuple(c for c, _ in chars.most_common()),
        notes=tuple(notes),
        fields=tuple(fields),
    )


def _versions(runs: Sequence[Recording], noise: Noise) -> dict[AspectKey, tuple[set[str], Aspect]]:
    out: dict[AspectKey, tuple[set[str], Aspect]] = {}
    for rec in runs:
        for a in rec.aspects:
            key = (a.where, a.key)
            if key in noise.unstable:
                continue
            texts, _ = out.setdefault(key, (set(), a))
            texts.add(normalised(a, noise))
    return out


def compare_pair(
    a: Persona, b: Persona, runs_a: Sequence[Recording], runs_b: Sequence[Recording], noise: Noise
) -> list[Difference]:
    """Differences between persona ``a`` and ``b``: aspects where no repeat of one equals any
    repeat of the other once noise is removed."""
    va, vb = _versions(runs_a, noise), _versions(runs_b, noise)
    out = []
    for key in sorted(set(va) | set(vb)):
        ta, aspect_a = va.get(key, (set(), None))
        tb, aspect_b = vb.get(key, (set(), None))
        if ta & tb:
            continue
        aspect = aspect_a or aspect_b
        assert aspect is not None
        old = min(ta) if ta else ""
        new = min(tb) if tb else ""
        diff = diff_aspect((a, b), key[0], key[1], old, new, aspect.lines_are_set)
        if diff.before or diff.after:
            out.append(diff)
    return out


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def as_asked(rec: Recording, persona: Persona) -> Recording:
    """``rec`` with the persona's own API host written ``{base_url}`` where traffic is listed:
    that the agent talks to the host it was given is the premise, not a finding. (Text sent to
    the model keeps every value: an echoed host, zone or name is worth seeing; so does what is
    sent to any other host: a third party told which API host the user has is a finding.)"""
    host = _host(persona.get("base_url") or "")
    if not host:
        return rec

    def sub(text: str) -> str:
        return re.sub(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", "{base_url}", text)

    def to_own_host(key: str) -> bool:
        return key == "hosts" or key.split(" ", 1)[0].rsplit(":", 1)[0] == host

    aspects = tuple(
        replace(a, key=sub(a.key), text=sub(a.text) if to_own_host(a.key) else a.text)
        if a.where == "egress"
        else a
        for a in rec.aspects
    )
    return replace(rec, aspects=aspects)


def compare_personas(
    target: str, personas: Sequence[Persona], recordings: Sequence[Recording]
) -> ProbeResult:
    """Learn the noise, then diff every persona against the first."""
    by_name = {p.name: p for p in personas}
    recordings = [as_asked(r, by_name[r.persona]) if r.persona in by_name else r
                  for r in recordings]  # fmt: skip
    noise = learn_noise(recordings)
    groups = _by_persona(recordings)
    diffs: list[Difference] = []
    if personas:
        base = personas[0]
        for other in personas[1:]:
            diffs += compare_pair(
                base, other, groups.get(base.name, []), groups.get(other.name, []), noise
            )
    return ProbeResult(
        target=target,
        personas=tuple(personas),
        recordings=tuple(recordings),
        differences=tuple(diffs),
        noise=tuple(noise.describe()),
        duration_s=sum(r.duration_s for r in recordings),
    )


# -- static findings, confirmed or not -----------------------------------------------------------


def _summary(d: Difference) -> str:
    first_before = d.before.splitlines()[0] if d.before else ""
    first_after = d.after.splitlines()[0] if d.after else ""
    why = f" ({'; '.join(d.notes[:2])})" if d.notes else ""
    return (
        f"{d.personas[0]} → {d.personas[1]}: {d.where} {d.key}: "
        f"{visible(first_before[:160])!r} → {visible(first_after[:160])!r}{why}"
    )


def _reached_model(runs: Sequence[Recording]) -> bool:
    return any(a.where.startswith("model_request.") for r in runs for a in r.aspects)


def confirm(
    findings: Sequence[Any], result: ProbeResult, tests: dict[str, list[str]]
) -> list[Confirmation]:
    """Mark the static findings a probe put to the test.

    A finding that personas were built from is ``confirmed`` when one of them differs from the
    baseline in something attributed to the field it changed, ``not-reachable-offline`` when
    none of its runs got as far as a model request, else ``not-observed``. A ``watermark``
    finding is confirmed by any difference that swaps in a character it names.
    """
    by_persona = _by_persona(result.recordings)
    personas = {p.name: p for p in result.personas}
    driven: dict[str, list[str]] = {}
    for name, ids in tests.items():
        for fid in ids:
            driven.setdefault(fid, []).append(name)
    out: list[Confirmation] = []
    for f in findings:
        if f.id in driven:
            names = driven[f.id]
            changed = {
                k for n in names if n in personas for k in differing_fields(
                    result.personas[0], personas[n])
            }  # fmt: skip
            hits = [
                d
                for d in result.differences
                if d.personas[1] in names and changed & set(d.fields) and d.where != "egress"
            ]
            runs = [r for n in names for r in by_persona.get(n, [])]
            if hits:
                out.append(Confirmation(f.id, "confirmed", _summary(hits[0]), runs[0].run_id))
            elif not _reached_model(runs):
                out.append(Confirmation(
                    f.id, "not-reachable-offline",
                    f"no model request in the runs of {', '.join(names)}",
                ))  # fmt: skip
            else:
                out.append(Confirmation(
                    f.id, "not-observed",
                    f"{', '.join(names)}: no difference from {result.personas[0].name}",
                ))  # fmt: skip
        elif f.category == "watermark":
            named = " ".join([*f.values, *f.decoded, f.message])
            cps = set(re.findall(r"U\+[0-9A-F]{4,6}", named))
            hits = [
                d
                for d in result.differences
                if any(c.split(" -> ")[-1].split(" ")[0] in cps for c in d.code_points)
            ]
            if hits:
                out.append(Confirmation(f.id, "confirmed", _summary(hits[0])))
            elif result.recordings:
                status = (
                    "not-observed" if _reached_model(result.recordings) else "not-reachable-offline"
                )
                out.append(Confirmation(f.id, status, "no persona changed a character it names"))
    return out
