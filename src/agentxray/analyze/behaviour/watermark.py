"""The ``watermark`` policy: look-alike text chosen by a condition, and covert marks in text.

The front-ends find :class:`~agentxray.analyze.behaviour.records.Choice` records — literals that
a condition picks between, separators swapped, characters added or substituted, data spelled in
invisible characters — with the sinks the chosen text is written into. Here, for every language:
which characters make look-alikes, which choices count (benign classes: emoji presentation picked
by an option, a read value normalised, invisible editor state written nowhere, an unconditional
typographer), how choices written into one text group, severity, wording and stable ids.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from agentxray.analyze.behaviour.records import Choice, FieldTest, Sink
from agentxray.analyze.behaviour.unicode import INVISIBLE, char_label, prototypes, skeleton, special
from agentxray.analyze.behaviour.wording import stable_id
from agentxray.analyze.regions.orthography import orthographic
from agentxray.model import Category, Finding, Location

CATEGORY: Category = "watermark"
SEPARATORS = frozenset("-/.:_ \u2010\u2011\u2012\u2013\u2014\u2212\u2215")
"""Characters a date or number format separates its fields with."""
SELECTORS = frozenset(chr(c) for c in range(0xFE00, 0xFE10))
"""Variation selectors: invisible, but also how emoji presentation is chosen, so a choice of
them counts only when data bits or an environment signal drive it."""
MAX_VARIANTS = 8
WRITTEN = frozenset({"text", "prompt", "request", "file", "process"})
"""Sinks whose text someone else reads: a mark there travels."""
EDITS = frozenset({"decoration", "substitution", "encoding"})
LETTER_CASE = "letter case"
"""The alphabet of an ``encoding`` that spells bits as upper or lower case letters."""
REPEAT_COUNT = "repeat count"
"""The alphabet of an ``encoding`` that spells data as how many times a blank or invisible
character is repeated (``" ".repeat(digest[0] & 3)`` appended to a message)."""


# --- look-alike classes (front-ends ask these while they search) -------------------------------


def selector_pair(values: Iterable[str]) -> bool:
    """Two or more variants made only of variation selectors (``b ? "\ufe0f" : "\ufe0e"``)."""
    distinct = set(values)
    return len(distinct) >= 2 and all(v and set(v) <= SELECTORS for v in distinct)


def separator_only(x: str, y: str) -> bool:
    """Same text but for date/number separators (``%Y-%m-%d`` vs ``%Y/%m/%d``)."""
    if len(x) != len(y) or x == y:
        return False
    diff = [(p, q) for p, q in zip(x, y, strict=True) if p != q]
    return all(p in SEPARATORS and q in SEPARATORS for p, q in diff) and any(
        c.isalnum() or c == "%" for c in x
    )


def separators(old: str, new: str) -> bool:
    """A short separator swapped for another (``"-"`` → ``"/"``)."""
    return (
        0 < len(old) <= 2
        and 0 < len(new) <= 2
        and old != new
        and set(old) <= SEPARATORS
        and set(new) <= SEPARATORS
    )


def lookalikes(values: Sequence[str]) -> bool:
    """Distinct strings a reader cannot tell apart: they differ only in invisible or confusable
    characters (one skeleton), in variation selectors, or in date/number separators."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) < 2 or len(distinct) > MAX_VARIANTS:
        return False
    if selector_pair(distinct):
        return True
    if all(separator_only(distinct[0], v) for v in distinct[1:]):
        return True
    if not any(special(v) for v in distinct) or set(distinct) <= {"\ufeff", ""}:
        return False  # (a byte-order mark kept or dropped when a file is written)
    skel = {skeleton(v) for v in distinct}
    if len(skel) != 1:
        return False
    # An invisible mark appended or not (`flag ? "\u200d" : ""`) has an empty skeleton.
    return next(iter(skel)) != "" or _invisible(distinct)


def marks_in(s: str) -> list[str]:
    """Invisible characters, and look-alikes standing alone among Latin text, in ``s``.

    A Russian sentence is all Cyrillic: its letters imitate nothing. A look-alike counts only
    in a short variant (``"\u0430"``) or in text that is otherwise ASCII.
    """
    table = prototypes()
    # Only a character that is invisible, or a non-ASCII look-alike, can be a mark: a string
    # without one (most of a bundle's) has none, whatever its script (5,426 strings, 1.9M
    # characters in Claude Code 2.1.197: 0.2 s counting letters).
    if not any(ch in INVISIBLE or (ch in table and not ch.isascii()) for ch in set(s)):
        return []
    letters = [ch for ch in s if ch.isalpha()]
    latin = sum(ch.isascii() for ch in letters)
    mixed = len(s) <= 4 or (letters and latin >= 0.8 * len(letters))
    return [ch for ch in s if ch in INVISIBLE or (mixed and ch in table and not ch.isascii())]


def paired_punctuation(values: Iterable[str]) -> bool:
    """An opening/closing pair (typographic quotes picked by position), not two look-alikes."""
    cats = {unicodedata.category(v) for v in values if len(v) == 1}
    return {"Pi", "Pf"} <= cats or {"Ps", "Pe"} <= cats


def _invisible(values: Iterable[str]) -> bool:
    return any(ch in INVISIBLE for v in values for ch in v)


# --- which choices count ----------------------------------------------------------------------


def _decided(c: Choice) -> bool:
    """Data decides the choice: an environment comparison, a server's answer, data bits, or an
    identity the selector is computed from (its hash, its bits)."""
    return bool(c.sources or c.remote or c.bits or c.encodes)


def _written(c: Choice) -> list[Sink]:
    return [s for s in c.sinks if s.kind in WRITTEN]


def _localised(c: Choice) -> bool:
    """Only a language test decides it, and every glyph it writes is that language's own
    typography (CLDR): French narrow no-break spaces before ``!?;:``, German „quotes“,
    Spanish ¿¡, Japanese full-width punctuation. Localisation, not a mark: a mark is a glyph
    the tested language does not use (an apostrophe variant, a zero-width character)."""
    if not c.sources or c.remote or c.bits or any(s.kind != "locale" for s in c.sources):
        return False
    if c.kind in EDITS:
        glyphs = list(c.chars)
    else:
        glyphs = [ch for v in c.variants for ch in v if not ch.isascii()]
    return orthographic(glyphs, c.languages)


def _counts(c: Choice) -> bool:
    """Whether a non-separator choice is a covert channel worth a finding."""
    if c.kind == "encoding":
        return True  # data spelled in invisible characters: a channel whatever decides it
    if _localised(c):
        return False
    if c.kind in EDITS:
        # Characters added or substituted on no signal: gettext's bidi isolation of file names,
        # a "smart quotes" setting, an unconditional typographer. (Bits of an identity
        # deciding them spell who produced the text.)
        return bool(c.sources or c.remote or c.encodes)
    if selector_pair(c.variants) and not _decided(c):
        return False  # emoji or text presentation picked by an ordinary option
    if not (_invisible(c.variants) or _decided(c) or len(set(c.variants)) >= 3):
        return False
    # Chosen by an ordinary condition and written into no text: editor state such as
    # CodeMirror's `prevInput = selected ? "" : "\u200b"` textarea trick.
    return bool(_written(c)) or c.returned or _decided(c)


def watermark_findings(rule: str, choices: Iterable[Choice]) -> list[Finding]:
    """``watermark`` findings of one file; ``rule`` is the front-end's rule id."""
    groups: dict[object, tuple[Location, str, list[Choice]]] = {}
    edits: list[Choice] = []
    pending = list(choices)
    for c in pending:
        if c.kind == "separator" or not _counts(c):
            continue
        sinks = _written(c)
        if c.kind in EDITS and not sinks:
            edits.append(c)  # the edit itself writes the text: reported where it is made
            continue
        where = sinks[0].evidence if sinks else c.evidence
        key = (where.location.line, where.location.column, where.location.offset)
        groups.setdefault(key, (where.location, where.text, []))[2].append(c)
    for c in pending:
        if c.kind != "separator" or c.normalises_source:
            continue
        places = [s.evidence for s in _written(c)] or ([c.evidence] if c.returned else [])
        for where in places:
            key = (where.location.line, where.location.column, where.location.offset)
            if key in groups or c.sources or c.remote:
                group = groups.setdefault(key, (where.location, where.text, []))[2]
                if all(x.key != c.key for x in group):
                    group.append(c)
                break
    findings = [_finding(rule, loc, text, cs) for loc, text, cs in groups.values()]
    taken = {c.key for _, _, cs in groups.values() for c in cs}
    for c in edits:
        if c.key in taken:
            continue
        taken.add(c.key)
        findings.append(_edit_finding(rule, c))
    return findings


# --- wording ----------------------------------------------------------------------------------


def _quoted(src: str) -> str:
    """Source in backticks, unless it is a template literal (already in backticks)."""
    return src if src.startswith("`") else f"`{src}`"


def _short(src: str, limit: int) -> str:
    return src if len(src) <= limit else src[: limit - 1] + "…"


def _part(c: Choice, values: list[str]) -> str:
    """What one choice writes, in words; its value labels are added to ``values``."""
    test = c.test or "a condition"
    if c.kind == "encoding":
        what = ", ".join(dict.fromkeys(s.label for s in c.encodes))
        values.append(f"{c.variants[0]} encoding {what or c.detail}")
        return f"writes `{c.detail}` as invisible {c.variants[0]}"
    if c.kind == "separator":
        old, new = c.variants
        values.append(f"separator {old!r} → {new!r}")
        return f"replaces {old!r} with {new!r} in the text when `{test}`"
    if c.kind == "decoration":
        labels = [char_label(ch) for ch in c.chars]
        values.extend(x for x in labels if x not in values)
        return f"writes an invisible {', '.join(labels)} (or nothing) depending on `{test}`"
    if c.kind == "substitution":
        half = len(c.variants) // 2
        olds, news = c.variants[:half], c.variants[half:]
        labels = [char_label(v) for v in [*olds[:4], *news[:4]]]
        values.extend(x for x in labels if x not in values)
        return f"writes look-alikes {', '.join(char_label(v) for v in news[:4])} in place of " + (
            ", ".join(char_label(v) for v in olds[:4])
        )
    if all(separator_only(c.variants[0], v) or v == c.variants[0] for v in c.variants):
        values.extend(repr(v) for v in c.variants if repr(v) not in values)
        return f"writes the date/number format {' or '.join(repr(v) for v in c.variants)}" + (
            f" depending on `{test}`"
        )
    values.extend(char_label(v) for v in c.variants if char_label(v) not in values)
    if c.whens and all(c.whens):
        return "writes " + "; ".join(
            f"{char_label(v)} when `{w}`" for v, w in zip(c.variants, c.whens, strict=False)
        )
    return f"writes {' or '.join(char_label(v) for v in c.variants)} depending on `{test}`"


def _signals(choices: Sequence[Choice]) -> list[str]:
    return list(
        dict.fromkeys(
            [*(s.label for c in choices for s in c.sources)]
            + [s.label for c in choices for s in c.encodes]
        )
    )


def _driven(choices: Sequence[Choice]) -> str:
    deciding = list(dict.fromkeys(s.label for c in choices for s in c.sources))
    out = f" The choice is driven by comparisons of {', '.join(deciding)}." if deciding else ""
    spelled = list(
        dict.fromkeys(s.label for c in choices if c.kind != "encoding" for s in c.encodes)
    )
    if spelled:
        out += (
            f" What picks the rendering is computed from the {', '.join(spelled)} (a hash, its"
            " bits): the text spells who the user is."
        )
    legend = _legend(choices)
    if legend:
        out += f" Where {legend}."
    remote = next((c.remote for c in choices if c.remote), "")
    if remote == "answer":
        out += " The condition is a value the server sends (a remote flag)."
    elif remote:
        out += f" It is switched by `{remote}`, configuration fetched from a server."
    return out


def _legend(choices: Sequence[Choice]) -> str:
    """``known`` = what the comparisons behind that field test, for each field used."""
    fields: dict[str, list[FieldTest]] = {}
    for c in choices:
        for f in c.fields:
            fields.setdefault(f.name, []).append(f)
    parts = []
    for name, tests in fields.items():
        first = tests[0]
        verb = "contains" if all(t.contains for t in tests) else "matches"
        if first.hidden:
            what = f"{verb} an entry of a hidden list ({first.hidden} entries)"
        else:
            shown = sorted({v for t in tests for v in t.values})
            what = f"is {' or '.join(shown[:4])}" if shown else "passes a check"
        parts.append(f"`{name}` is true when the {first.source} {what}")
    return "; ".join(parts)


def _severity(choices: Sequence[Choice]) -> str:
    return "critical" if any(_decided(c) or c.encodes for c in choices) else "high"


def _condition(choices: Sequence[Choice]) -> str:
    return next((c.evidence.condition for c in choices if c.evidence.condition), "")


def _finding(rule: str, where: Location, text: str, choices: list[Choice]) -> Finding:
    values: list[str] = []
    parts = [_part(c, values) for c in choices]
    condition = _condition(choices)
    hidden = any(c.kind == "encoding" for c in choices)
    message = (
        f"The text {_quoted(_short(text, 80))} is assembled from look-alike or invisible variants "
        "chosen by conditions: it "
        + "; it ".join(parts)
        + f".{_driven(choices)} Readers see the same text; the exact code points encode which "
        + ("branch ran or what data was hidden" if hidden else "branch ran")
        + " — a covert watermark in what the program writes."
        + (f" Active {condition}." if condition else "")
    )
    return Finding(
        id=stable_id(rule, *sorted(values)),
        rule=rule,
        category=CATEGORY,
        severity="critical" if _severity(choices) == "critical" else "high",
        title="Covert watermark: "
        + ", ".join(values[:6])
        + f" chosen by condition in {_quoted(_short(text, 40))}",
        location=where,
        message=message,
        related=tuple(c.evidence.location for c in choices),
        snippet=join_snippets(c.evidence.snippet for c in choices),
        signals=tuple(_signals(choices)),
        values=tuple(values),
        condition=condition,
    )


def _why(c: Choice) -> str:
    labels = ", ".join(char_label(ch) for ch in dict.fromkeys(c.chars))
    if c.kind == "decoration":
        return f"adds {labels} to the text when the condition holds"
    if c.kind == "substitution":
        return f"replaces `{c.detail}` with look-alikes ({labels})"
    if c.kind == "encoding" and c.variants[:1] == (LETTER_CASE,):
        what = ", ".join(dict.fromkeys(s.label for s in c.encodes))
        return (
            f"spells bits of data in the letter case of the text (`{c.detail}`): each bit picks "
            "a letter's case" + (f", in a file that hashes {what}" if what else "")
        )
    if c.kind == "encoding" and c.variants[:1] == (REPEAT_COUNT,):
        what = ", ".join(dict.fromkeys(s.label for s in c.encodes))
        return (
            f"spells data in how many {labels} it writes into the text (`{c.detail}`, a count "
            "computed from " + (f"the {what}" if what else "a hash's bits") + ")"
        )
    if c.alphabet:
        return (
            f"spells data as an alphabet of invisible characters ({labels}) indexed by computed "
            f"values (`{c.detail}`)"
        )
    return (
        "spells data in invisible characters by shifting code points into an invisible block "
        f"(`{c.detail}`)"
    )


def _edit_finding(rule: str, c: Choice) -> Finding:
    """An edit reported where it is made: a mark added, look-alikes substituted, data spelled."""
    signals = list(dict.fromkeys(s.label for s in c.sources))
    driven = f" It is decided by comparisons of {', '.join(signals)}." if signals else ""
    spelled = list(dict.fromkeys(s.label for s in c.encodes))
    if spelled and c.kind != "encoding":
        driven += (
            f" The test deciding it is computed from the {', '.join(spelled)} (a hash, its bits):"
            " the text spells who the user is."
        )
    if c.remote == "answer":
        driven += " The condition is a value the server sends (a remote flag)."
    elif c.remote:
        driven += f" It is switched by `{c.remote}`, configuration fetched from a server."
    condition = c.evidence.condition
    message = (
        f"The code {_why(c)}.{driven} Readers see the same text; the exact code points carry "
        "information about this user or run — a covert watermark in what the program writes."
        + (f" Active {condition}." if condition else "")
    )
    case = c.kind == "encoding" and c.variants[:1] == (LETTER_CASE,)
    return Finding(
        id=stable_id(rule, c.kind, *sorted(c.chars), *((LETTER_CASE,) if case else ())),
        rule=rule,
        category=CATEGORY,
        severity="critical" if (c.sources or c.remote or c.encodes) else "high",
        title=f"Covert watermark ({c.kind}): "
        + (
            ", ".join(char_label(ch) for ch in c.chars[:4])
            or (LETTER_CASE if case else "invisible characters")
        ),
        location=c.evidence.location,
        message=message,
        snippet=c.evidence.snippet,
        signals=tuple(_signals([c])),
        values=tuple(char_label(ch) for ch in c.chars),
        condition=condition,
    )


_BLOCK = re.compile(r"\n\n(?=(?://|#) line \d+\n)")
_LINE = re.compile(r"(?://|#) line (\d+)\n")


def join_snippets(parts: Iterable[str]) -> str:
    """Snippets of several records as one: each ``// line N`` block once, in file order."""
    blocks = dict.fromkeys(b for p in parts if p for b in _BLOCK.split(p))
    return "\n\n".join(sorted(blocks, key=_block_line))


def _block_line(block: str) -> int:
    m = _LINE.match(block)
    return int(m.group(1)) if m else 0
