"""Run every recognised decoder in the isolate and collect what it hides."""

from __future__ import annotations

import json
import logging
import re
import unicodedata

from agentxray.analyze.js.deobfuscate.closed import ClosedFinder
from agentxray.analyze.js.deobfuscate.isolate import IsolateSession, evaluate
from agentxray.analyze.js.deobfuscate.obfuscator import string_array_jobs
from agentxray.analyze.js.deobfuscate.recognise import Job, decoder_jobs
from agentxray.analyze.js.nodes import NameIndex, prefiltered_finditer, string_value
from agentxray.analyze.js.values import Decoded, leaves
from agentxray.model import Notice

logger = logging.getLogger(__name__)

MAX_JOBS = 200
MIN_HIDDEN_CHARS = 6
"""A decoded word shorter than this (``atob("aGVsbG8=")``) is not worth calling hidden data."""


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v if isinstance(v, str) else json.dumps(v) for v in value)
    return (json.dumps(value),)


HIDDEN_SHARE = 0.5
"""Share of a result's values that must be absent from the file for the result to be hidden."""


def _hidden(values: tuple[str, ...], data: bytes) -> bool:
    """Decoding revealed text: most values are not written in the file, as they are or as a
    quoted literal spells them. ``JSON.parse(`{"name": "Mojo", …}`)`` reveals nothing, even if
    its escaped regular expressions read differently once parsed."""
    words = [v for v in values if len(v) >= 3]
    unwritten = sum(1 for v in words if not _spelled(v, data))
    return bool(words) and unwritten >= HIDDEN_SHARE * len(words)


SPLIT_METHOD = "split and rejoined string"
MIN_WORD = 3


def _words(values: tuple[str, ...]) -> set[str]:
    """Runs of 3+ letters of one script (``deepseek``, ``Shanghai``): what a reader searches for.

    Runs are cut where the script changes, so a list of look-alike symbols from several scripts
    (``ᐳᐸᚲ``) is not one word."""
    out: set[str] = set()
    for value in values:
        run: list[str] = []
        script = ""
        for ch in [*value, " "]:
            here = _script(ch) if ch.isalpha() else ""
            if here and here == script:
                run.append(ch)
                continue
            if len(run) >= MIN_WORD:
                out.add("".join(run))
            run = [ch] if here else []
            script = here
    return out


def _script(ch: str) -> str:
    if ch.isascii():
        return "LATIN"
    return unicodedata.name(ch, "?").split(" ")[0]


def _split_reveals(values: tuple[str, ...], code: str) -> bool:
    """Joining literal pieces hides a word only when a piece boundary falls inside it: every
    word of the joined value standing whole in the expression's own code (CSS rules, a regular
    expression in parts, a list of symbols) is long text written in pieces, not hidden."""
    return any(word not in code for word in _words(values))


def _spelled(value: str, data: bytes) -> bool:
    """``value`` is written in ``data`` as it is, or as a double- or single-quoted literal
    spells it (a single-quoted literal escapes ``'`` and leaves ``"`` bare)."""
    quoted = json.dumps(value, ensure_ascii=False)[1:-1]
    single = quoted.replace('\\"', '"').replace("'", "\\'")
    return any(s.encode("utf-8", "surrogatepass") in data for s in {value, quoted, single})


def meaningful(values: tuple[str, ...]) -> bool:
    """Decoded text worth reporting: some printable word-like content, not control sequences."""
    joined = "".join(values)
    letters = sum(ch.isalnum() for ch in joined)
    printable = sum(ch.isprintable() for ch in joined)
    return letters >= 4 and printable >= 0.9 * len(joined)


# Invisible tag characters (U+E0020-E007E mirror printable ASCII) written in a string literal,
# raw (UTF-8 F3 A0 80 A0 - F3 A0 81 BE) or escaped (\u{E0041}, the pair \uDB40\uDC41).
_TAG_RUN = re.compile(
    rb"(?:\xf3\xa0[\x80\x81][\x80-\xbf]|\\u\{[eE]00[2-7][0-9a-fA-F]\}|"
    rb"\\u[dD][bB]40\\u[dD][cC][2-7][0-9a-fA-F]){3,}"
)
MIN_TAG_RUN = 3
TAG_METHOD = "tag characters"


def tag_text(value: str) -> list[str]:
    """The ASCII text spelled by runs of tag characters in ``value`` (ASCII smuggling); an emoji
    tag sequence (🏴 + ``gbsct`` + CANCEL TAG, the flag of Scotland) is a picture, not text."""
    out: list[str] = []
    run: list[str] = []
    before = ""
    # A literal holding the flag base and a cancel tag spells flags even when a pattern splits
    # their subdivision codes into alternatives (🏴 gb(?:eng|sct|wls) CANCEL TAG): a code is
    # lower-case letters and digits, the only tag specification Unicode defines.
    flags = "\U0001f3f4" in value and "\U000e007f" in value
    for ch in [*value, ""]:
        if ch and 0xE0020 <= ord(ch) <= 0xE007E:
            run.append(chr(ord(ch) - 0xE0000))
            continue
        emoji = (before >= "\U0001f000" and ch == "\U000e007f") or (
            flags and all(c.isdigit() or "a" <= c <= "z" for c in run)
        )
        if len(run) >= MIN_TAG_RUN and any(c.isalnum() for c in run) and not emoji:
            out.append("".join(run))
        run = []
        before = ch
    return out


def tag_literals(index: NameIndex, data: bytes) -> list[Decoded]:
    """String literals holding text spelled in invisible tag characters."""
    out: list[Decoded] = []
    seen: set[int] = set()
    for m in prefiltered_finditer(_TAG_RUN, data):  # its prefixes found first: 0.3 s on 18 MB
        node = index.node_at(m.start(), m.end())
        while node.parent is not None and node.type not in ("string", "template_string"):
            node = node.parent
        if node.type not in ("string", "template_string") or node.start_byte in seen:
            continue
        seen.add(node.start_byte)
        value = string_value(node)
        found = tag_text(value) if value is not None else []
        if found:
            out.append(Decoded(node, TAG_METHOD, tuple(found), None, found))
        if len(out) >= MAX_JOBS:
            break
    return out


def decode_all(
    index: NameIndex, data: bytes, vpath: str, session: IsolateSession | None = None
) -> tuple[list[Decoded], list[Notice]]:
    """Decoded data of one file, and notices for decoders that could not be run."""
    jobs: list[Job] = decoder_jobs(index, data) + string_array_jobs(index, data)
    known = [(j.site.start_byte, j.site.end_byte) for j in jobs]
    finder = ClosedFinder(index, data)
    closed = [
        Job(c.method, c.site, c.decoder, c.code)
        for c in finder.jobs()
        if not any(s < c.site.end_byte and c.site.start_byte < e for s, e in known)
    ]
    notices: list[Notice] = []
    if finder.exhausted:
        notices.append(
            Notice(
                code="decoder-search-limited",
                message="the search for decoding expressions stopped at its limit (sites found or "
                f"CPU time) with {len(closed)} new one(s) to evaluate; hidden data further in the "
                "file may be missed",
                path=vpath,
                level="info",
            )
        )
    first_closed = len(jobs)
    jobs += closed
    if len(jobs) > MAX_JOBS:
        logger.info("%s: %d decoder calls, evaluating the first %d", vpath, len(jobs), MAX_JOBS)
        jobs = jobs[:MAX_JOBS]
    outcomes = evaluate([(str(i), job.code) for i, job in enumerate(jobs)], session=session)
    decoded: list[Decoded] = (
        tag_literals(index, data) if b"\xf3\xa0" in data or b"\\u" in data else []
    )
    for i, job in enumerate(jobs):
        outcome = outcomes[str(i)]
        line = job.site.start_point[0] + 1
        if outcome.error is not None and i >= first_closed:
            logger.debug(
                "%s line %d: closed expression not evaluated: %s", vpath, line, outcome.error
            )
            continue
        if outcome.error is not None:
            notices.append(
                Notice(
                    code="decoder-failed",
                    message=f"line {line}: could not evaluate a {job.method} decoder: {outcome.error}",
                    path=vpath,
                    level="info",
                )
            )
            continue
        if i >= first_closed:
            values = tuple(leaves(outcome.value))
            if (
                values
                and _hidden(values, data)
                and (job.method != SPLIT_METHOD or _split_reveals(values, job.code))
                and meaningful(values)
                and len("".join(values)) >= MIN_HIDDEN_CHARS
            ):
                decoded.append(Decoded(job.site, job.method, values, job.decoder, outcome.value))
            continue
        values = _strings(outcome.value)
        if values and meaningful(values):
            decoded.append(Decoded(job.site, job.method, values, job.decoder))
    return decoded, notices
