"""Facts of JavaScript without a syntax tree: the strings and URLs a lexer finds.

Used when a file's parse was given up (too costly, or content that is not JavaScript text; the
unit carries a notice) or not needed (no consumer of the tree had anything to look at:
:mod:`agentxray.analyze.js.prefilter`, which also asks these facts whether a rule could match
them, and has the file parsed if so): the rules still see its literals, so code hidden in a
file that only looks like a library is not skipped silently. Only literal-level facts come out
(``url``, ``string``); calls, imports, environment reads and data flow need the tree. Each fact
is its own scope (``lit@offset``): without a tree nothing is known to share a function.
"""

from __future__ import annotations

from bisect import bisect_right

from agentxray.analyze.facts.common import PROSE_WINDOW, URL_BYTES, clean_url, host_of, in_prose
from agentxray.analyze.js.parse import string_spans
from agentxray.model import Fact, FactKind, Location

MAX_VALUE = 2000
KNOWN = "rules.literal-facts"
"""``unit.context`` key of the literal facts of a file left without a tree, made by the driver's
prefilter (:mod:`agentxray.analyze.js.prefilter`) from the same candidates, to be reused."""


def literal_facts(vpath: str, data: bytes, hits: list[tuple[int, int, str]]) -> list[Fact]:
    """``url`` and ``string`` facts for the prefilter ``hits`` that lie in a string literal."""
    wanted = [(i, j, family) for i, j, family in hits if family in ("url", "str")]
    if not wanted:
        return []
    spans = string_spans(data, max(j for _i, j, _f in wanted))
    starts = [s for s, _e in spans]
    lines = [0]
    at = data.find(b"\n")
    while at != -1:
        lines.append(at + 1)
        at = data.find(b"\n", at + 1)
    facts: list[Fact] = []
    seen: set[int] = set()

    def add(kind: FactKind, value: str, span: tuple[int, int], detail: str = "") -> None:
        row = bisect_right(lines, span[0]) - 1
        loc = Location(vpath, line=row + 1, column=span[0] - lines[row] + 1, offset=span[0])
        facts.append(Fact(kind, value[:MAX_VALUE], loc, detail, f"lit@{span[0]}", span))

    for i, j, family in wanted:
        k = bisect_right(starts, i) - 1
        if k < 0 or not (spans[k][0] < i and j <= spans[k][1]):
            continue  # not inside a string literal (code, comment, regular expression)
        start, end = spans[k]
        closed = data[end - 1 : end] == data[start : start + 1] and end - start > 1
        inner_end = end - 1 if closed else end
        if family == "url":
            m = URL_BYTES.match(data, i, inner_end)
            if m is None:
                continue
            url = clean_url(m.group().decode("utf-8", "replace"))
            host = host_of(url)
            before = data[max(start + 1, i - PROSE_WINDOW) : i].decode("utf-8", "replace")
            after = data[m.end() : min(inner_end, m.end() + PROSE_WINDOW)]
            if host and not in_prose(before, after.decode("utf-8", "replace")):
                add("url", url, (start, end), host)
        elif start not in seen:
            seen.add(start)
            add("string", data[start + 1 : inner_end].decode("utf-8", "replace"), (start, end))
    return facts
