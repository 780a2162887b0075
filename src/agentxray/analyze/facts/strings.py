"""Facts from native binaries' strings files: one ``0x<offset>\\t<string>`` line per string.

Native agents (Rust, Go) keep their endpoints as plain strings; URLs and the literals the rules ask
for become ``url`` and ``string`` facts located at the line of the strings file, with the offset
in the binary taken from the line's prefix.
"""

from __future__ import annotations

import logging

from ahocorasick_rs import BytesAhoCorasick

from agentxray.analyze.facts.common import URL_BYTES, LineIndex, clean_url, host_of
from agentxray.model import Fact, FactKind, Location

logger = logging.getLogger(__name__)


class StringsFactExtractor:
    """Turns one strings file into facts; build once per rule set."""

    def __init__(self, needles: dict[FactKind, frozenset[str]]) -> None:
        self.needles = sorted(needles.get("string", frozenset()))
        self._automaton = (
            BytesAhoCorasick([n.encode() for n in self.needles]) if self.needles else None
        )

    def extract(self, vpath: str, data: bytes) -> list[Fact]:
        """``url`` facts for every URL, ``string`` facts for lines holding a needle."""
        lines = LineIndex(data)
        facts: list[Fact] = []
        for m in URL_BYTES.finditer(data):
            url = clean_url(m.group().decode("utf-8", "replace"))
            host = host_of(url)
            if host:
                facts.append(_fact("url", url, host.lower(), vpath, data, lines, m.start()))
        seen: set[int] = set()
        if self._automaton is not None:
            for _index, start, _end in self._automaton.find_matches_as_indexes(
                data, overlapping=True
            ):
                line_start = data.rfind(b"\n", 0, start) + 1
                if line_start in seen:
                    continue
                seen.add(line_start)
                line_end = data.find(b"\n", start)
                text = data[line_start : len(data) if line_end == -1 else line_end]
                value = text.split(b"\t", 1)[-1].decode("utf-8", "replace")
                facts.append(_fact("string", value, "", vpath, data, lines, start))
        return facts


def _fact(
    kind: FactKind, value: str, detail: str, vpath: str, data: bytes, lines: LineIndex, at: int
) -> Fact:
    loc = lines.location(vpath, at)
    line_start = lines.starts[(loc.line or 1) - 1]
    prefix = data[line_start : data.find(b"\t", line_start, line_start + 24)]
    try:
        native = int(prefix, 16)
    except ValueError:
        native = None
    # ``offset`` is the string's offset in the binary when the line says so.
    return Fact(
        kind, value, Location(vpath, loc.line, loc.column, native), detail, "", (at, at + 1)
    )
