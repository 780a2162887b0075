"""Analyse deobfuscated text in place of the original, and lead its findings back to the original."""

from __future__ import annotations

import dataclasses
import logging
from bisect import bisect_right
from dataclasses import dataclass

from agentxray.analyze.behaviour import obfuscated
from agentxray.analyze.behaviour.records import Decoded, Evidence
from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js.deobfuscate.deobfuscator import (
    Deobfuscation,
    DeobfuscationFailed,
    deobfuscate,
)
from agentxray.analyze.js.deobfuscate.detect import still_obfuscated
from agentxray.analyze.js.deobfuscate.rewrite import PositionMap
from agentxray.model import Finding, Location, Notice

logger = logging.getLogger(__name__)

JS_KINDS = frozenset({"javascript", "typescript"})
NOTE = (
    " Found in the deobfuscated text of this file (string arrays decoded, control flow "
    "straightened); the location is where that code starts in the original."
)


@dataclass(frozen=True, slots=True)
class Lines:
    """Line starts of a text, to turn offsets into 1-based lines and columns and back."""

    starts: tuple[int, ...]

    @classmethod
    def of(cls, data: bytes) -> Lines:
        """The line starts of ``data``."""
        starts = [0]
        at = data.find(b"\n")
        while at != -1:
            starts.append(at + 1)
            at = data.find(b"\n", at + 1)
        return cls(tuple(starts))

    def point(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        i = bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and column."""
        i = min(max(line, 1), len(self.starts)) - 1
        return self.starts[i] + max(column, 1) - 1


@dataclass(frozen=True, slots=True)
class Relocator:
    """Moves findings made on the deobfuscated text to the original file."""

    vpath: str
    positions: PositionMap
    original: Lines
    deobfuscated: Lines
    original_size: int

    def location(self, loc: Location) -> Location:
        """The original place of a location in the deobfuscated text (others unchanged)."""
        if loc.artifact != self.vpath:
            return loc
        if loc.offset is not None:
            offset = loc.offset
        elif loc.line is not None:
            offset = self.deobfuscated.offset(loc.line, loc.column or 1)
        else:
            return loc
        mapped = min(max(self.positions.to_original(offset), 0), self.original_size)
        line, column = self.original.point(mapped)
        return Location(loc.artifact, line, column, mapped)

    def finding(self, finding: Finding) -> Finding:
        """The finding with original locations, saying it was found in deobfuscated text."""
        if finding.location.artifact != self.vpath:
            return finding
        where = finding.location.line
        header = f"// deobfuscated text, line {where}\n" if where is not None else ""
        return dataclasses.replace(
            finding,
            location=self.location(finding.location),
            related=tuple(self.location(r) for r in finding.related),
            message=finding.message + NOTE,
            snippet=header + finding.snippet if finding.snippet else finding.snippet,
        )


@dataclass(frozen=True, slots=True)
class Prepared:
    """The unit the detectors should see, and how to bring their findings back."""

    unit: SourceUnit
    relocator: Relocator | None = None
    notices: tuple[Notice, ...] = ()
    findings: tuple[Finding, ...] = ()
    """What the deobfuscation itself revealed (the strings its string arrays hid), located in
    the original file."""


def _notice(vpath: str, result: Deobfuscation) -> Notice:
    message = f"deobfuscated before analysis: {result.summary()}"
    if result.problems:
        message += "; partly: " + "; ".join(result.problems)
    return Notice("deobfuscated", message, vpath, "info")


RULE = "js-obfuscated-data"
SNIPPET_CHARS = 400


def hidden_findings(vpath: str, original: bytes, result: Deobfuscation) -> list[Finding]:
    """One ``obfuscated-data`` finding per string array whose decoders revealed hidden text."""
    lines = Lines.of(original)
    records: list[Decoded] = []
    for table in result.hidden:
        line, column = lines.point(table.offset)
        start = lines.starts[line - 1]
        text = original[start : start + SNIPPET_CHARS].decode("utf-8", "replace")
        records.append(
            Decoded(
                values=table.values,
                steps=(table.source,),
                evidence=Evidence(
                    location=Location(vpath, line, column, table.offset),
                    snippet=f"// line {line}\n{text}",
                    text=text.splitlines()[0][:100] if text else "",
                    function="",
                    function_key=table.offset,
                ),
                group=f"table {table.offset}",
                evaluator="deobfuscation",
            )
        )
    return obfuscated.obfuscation_findings(RULE, records)


def prepare(unit: SourceUnit) -> Prepared:
    """Deobfuscate a JavaScript unit when it is obfuscated; otherwise hand it back unchanged."""
    if unit.entry.kind not in JS_KINDS:
        return Prepared(unit)
    vpath = unit.entry.vpath
    try:
        result = deobfuscate(unit.data, typescript=unit.entry.kind == "typescript")
    except DeobfuscationFailed as exc:
        reason = f"looks obfuscated but was analysed as is: {exc}"
        return Prepared(unit, notices=(Notice("deobfuscation-failed", reason, vpath),))
    except Exception as exc:  # hostile input must not sink the scan; the original is analysed
        logger.debug("deobfuscation of %s failed", vpath, exc_info=True)
        reason = f"deobfuscation failed ({type(exc).__name__}: {exc}); analysed as is"
        return Prepared(unit, notices=(Notice("deobfuscation-failed", reason, vpath),))
    if result is None:
        return Prepared(unit)
    entry = dataclasses.replace(unit.entry, size=len(result.data))
    relocator = Relocator(
        vpath, result.positions, Lines.of(unit.data), Lines.of(result.data), len(unit.data)
    )
    found = tuple(hidden_findings(vpath, unit.data, result))
    notices = [_notice(vpath, result)]
    residue = still_obfuscated(result.data)
    if residue is not None:
        notices.append(
            Notice(
                "still-obfuscated",
                f"still looks obfuscated after deobfuscation: {residue}; its strings are probably"
                " still hidden behind machinery agentxray does not undo, so behaviour in it may"
                " be missed",
                vpath,
                "warning",
            )
        )
    return Prepared(SourceUnit(entry, result.data), relocator, tuple(notices), found)
