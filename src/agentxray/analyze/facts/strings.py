"""Facts from native binaries' strings files: one ``0x<offset>\\t<string>`` line per string.

Native agents (Rust, Go) keep their endpoints as plain strings; URLs and the literals the rules ask
for become ``url`` and ``string`` facts located at the line of the strings file, with the offset
in the binary taken from the line's prefix.
"""

from __future__ import annotations

import itertools
import logging
import re

from ahocorasick_rs import BytesAhoCorasick

from agentxray.analyze.facts.common import URL_BYTES, clean_url, host_of
from agentxray.model import Fact, FactKind, Location

logger = logging.getLogger(__name__)

MAX_FACTS = 400_000
"""Facts of each kind kept per strings file (the first in the file)."""


class StringsFactExtractor:
    """Turns one strings file into facts; build once per rule set."""

    def __init__(self, needles: dict[FactKind, frozenset[str]]) -> None:
        self.candidates = 0
        """URLs (or needle lines, if more) the last :meth:`extract` found, kept or not."""
        self.needles = sorted(needles.get("string", frozenset()))
        self._automaton = (
            BytesAhoCorasick([n.encode() for n in self.needles]) if self.needles else None
        )

    def extract(self, vpath: str, data: bytes, *, max_facts: int = MAX_FACTS) -> list[Fact]:
        """``url`` facts for every URL, ``string`` facts for lines holding a needle.

        At most ``max_facts`` of each kind, the first in the file; :attr:`candidates` tells
        how many there were (a strings file of nothing but URLs took a minute and gigabytes).
        """
        raw: list[tuple[int, FactKind, str, str]] = []
        self.candidates = 0
        for m in URL_BYTES.finditer(data):
            self.candidates += 1
            if self.candidates > max_facts:
                continue
            for piece, at in _split_joined(m.group(), m.start()):
                url = clean_url(piece.decode("utf-8", "replace"))
                host = host_of(_JOINED_WORD.sub("", url, count=1))
                if host:
                    raw.append((at, "url", url, host))
        seen: set[int] = set()
        if self._automaton is not None:
            for _index, start, _end in self._automaton.find_matches_as_indexes(
                data, overlapping=True
            ):
                line_start = data.rfind(b"\n", 0, start) + 1
                if line_start in seen:
                    continue
                seen.add(line_start)
                if len(seen) > max_facts:
                    self.candidates = max(self.candidates, len(seen))
                    break
                line_end = data.find(b"\n", start)
                text = data[line_start : len(data) if line_end == -1 else line_end]
                value = text.split(b"\t", 1)[-1].decode("utf-8", "replace")
                raw.append((start, "string", value, ""))
        raw.sort(key=lambda r: r[0])
        facts: list[Fact] = []
        line, counted = 1, 0
        for at, kind, value, detail in raw:
            line += data.count(b"\n", counted, at)  # lines counted incrementally: O(file) in total
            counted = at
            line_start = data.rfind(b"\n", 0, at) + 1
            tab = data.find(b"\t", line_start, line_start + 24)
            try:
                native: int | None = int(data[line_start:tab], 16) if tab != -1 else None
            except ValueError:
                native = None
            # ``offset`` is the string's offset in the binary, from the line's prefix.
            loc = Location(vpath, line, at - line_start + 1, native)
            facts.append(Fact(kind, value, loc, detail, "", (at, at + 1)))
        return facts


_NEXT_URL = re.compile(rb"(?<=.)(?=(?:https?|wss?)://)")
_JOINED_WORD = re.compile(r"(?<=[a-z0-9])[A-Z][A-Za-z0-9]*(?=[/?#]|$)")


def _split_joined(raw: bytes, start: int) -> list[tuple[bytes, int]]:
    """Rust and Go keep string literals back to back without separators: a URL may run into the
    next literal (``https://a.example.comhttps://b…``, ``https://api.example.comThis``). Split at
    each scheme; an upper-case tail glued to the host is dropped when the host is computed."""
    cuts = [0, *(m.start() for m in _NEXT_URL.finditer(raw)), len(raw)]
    return [(raw[a:b], start + a) for a, b in itertools.pairwise(cuts) if b > a]
