"""Source edits, and the position map that leads offsets in rewritten text back to the original."""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Copy:
    """A slice of the input text copied verbatim into a replacement (its positions stay exact)."""

    start: int
    end: int


Part = bytes | Copy


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``[start, end)`` of the input by the concatenation of ``parts``."""

    start: int
    end: int
    parts: tuple[Part, ...] = ()

    @classmethod
    def text(cls, start: int, end: int, replacement: str) -> Edit:
        """An edit whose replacement is new text (it maps to ``start``)."""
        return cls(start, end, (replacement.encode("utf-8", "surrogatepass"),))


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the output and where it came from."""

    new_start: int
    new_end: int
    old_start: int
    """Offset in the input of the first byte (or of the edit it belongs to)."""
    exact: bool
    """Whether the stretch is a verbatim copy (else every offset in it maps to ``old_start``)."""


@dataclass(frozen=True, slots=True)
class PassMap:
    """The output→input offset map of one rewrite pass."""

    starts: tuple[int, ...]
    segments: tuple[Segment, ...]

    def old(self, offset: int) -> int:
        """The input offset of output ``offset``."""
        if not self.segments:
            return offset
        i = max(0, bisect_right(self.starts, offset) - 1)
        seg = self.segments[i]
        if not seg.exact:
            return seg.old_start
        return seg.old_start + max(0, offset - seg.new_start)


@dataclass(frozen=True, slots=True)
class PositionMap:
    """Offsets in the final text → offsets in the original, composed over every pass."""

    passes: tuple[PassMap, ...] = ()

    def then(self, step: PassMap) -> PositionMap:
        """This map followed by one more pass."""
        return PositionMap((*self.passes, step))

    def to_original(self, offset: int) -> int:
        """The original offset of ``offset`` in the final text."""
        for step in reversed(self.passes):
            offset = step.old(offset)
        return offset


def _non_overlapping(edits: Iterable[Edit]) -> list[Edit]:
    """Edits sorted by position; of two overlapping edits the outer (earlier, longer) wins."""
    kept: list[Edit] = []
    end = 0
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if edit.start >= end:
            kept.append(edit)
            end = edit.end
    return kept


def _is_word(byte: bytes | bytearray) -> bool:
    return bool(byte) and (byte.isalnum() or byte in b"_$" or byte[0] >= 0x80)


def _glued(before: bytes | bytearray, after: bytes) -> bool:
    """Whether two tokens would run together (``return`` + ``false`` → ``returnfalse``)."""
    return _is_word(before) and _is_word(after)


def apply_edits(data: bytes, edits: Iterable[Edit]) -> tuple[bytes, PassMap]:
    """The edited text and its map; overlapping edits are dropped (the outer one is kept)."""
    out = bytearray()
    segments: list[Segment] = []

    def emit(chunk: bytes, old_start: int, exact: bool) -> None:
        if not chunk:
            return
        start = len(out)
        out.extend(chunk)
        segments.append(Segment(start, len(out), old_start, exact))

    pos = 0
    for edit in _non_overlapping(edits):
        emit(data[pos : edit.start], pos, True)
        chunks = [data[p.start : p.end] if isinstance(p, Copy) else p for p in edit.parts]
        first = next((c[:1] for c in chunks if c), b"")
        last = next((c[-1:] for c in reversed(chunks) if c), b"")
        if _glued(out[-1:], first):
            emit(b" ", edit.start, False)
        for part, chunk in zip(edit.parts, chunks, strict=True):
            if isinstance(part, Copy):
                emit(chunk, part.start, True)
            else:
                emit(chunk, edit.start, False)
        after = data[edit.end : edit.end + 1]
        if _glued(last or out[-1:], after):
            emit(b" ", edit.start, False)
        pos = edit.end
    emit(data[pos:], pos, True)
    if not segments:
        segments.append(Segment(0, 0, 0, True))
    return bytes(out), PassMap(tuple(s.new_start for s in segments), tuple(segments))
