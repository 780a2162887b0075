"""What an audit actually looked at: files and bytes analysed per language, and what it did not.

A scan that reports nothing must say whether it looked at anything. :func:`coverage` derives the
answer from a :class:`~agentxray.model.Report`'s unpacked files and notices, so every renderer
and the CLI's exit code read the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentxray.model.notice import Notice
from agentxray.model.report import Report

#: File kinds whose code is parsed and analysed by every detector, with the language's name.
SOURCE_KINDS: dict[str, str] = {
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "python": "Python",
}
#: The printable strings of native binaries: matched by the rules only, no control flow.
STRINGS_KIND = "strings"
#: Notice codes meaning one file's content was not analysed (or not completely parsed).
SKIP_CODES = frozenset(
    {"not-written", "too-large-to-analyze", "read-error", "parse-error", "parse-too-costly"}
)
#: Notice codes of a budget or limit that cut the work short (unpacking or analysis).
_BUDGET = re.compile(r"truncated|exceeded|too-(?:large|many|deep|long|costly)|budget")


@dataclass(frozen=True, slots=True)
class Share:
    """A number of files and their bytes."""

    files: int = 0
    """How many files."""
    bytes: int = 0
    """Their total size in bytes."""

    def add(self, size: int) -> Share:
        """This share with one more file of ``size`` bytes."""
        return Share(self.files + 1, self.bytes + size)


@dataclass(frozen=True, slots=True)
class Coverage:
    """What one audit analysed and what it did not."""

    languages: dict[str, Share]
    """Source files analysed in full, by language (JavaScript, TypeScript, Python); non-empty ones."""
    strings: Share
    """Strings of native binaries, matched by the rules only."""
    binaries: int
    """Native executables and libraries found (their code is not analysed, only their strings).

    Counted from the files of kind ``native`` and the containers of strings files."""
    empty: int
    """Source or strings files with no content (nothing to analyse in them)."""
    other: dict[str, Share]
    """Files no detector reads, by kind (``json``, ``text``, ``bytecode``, ``data``…), binaries aside."""
    skipped: tuple[Notice, ...]
    """Notices of files whose content could not be analysed (too large, unreadable, unparsable)."""
    budgets: tuple[Notice, ...]
    """Notices of limits and budgets hit while unpacking or analysing."""

    @property
    def analysed(self) -> Share:
        """Everything analysed: source files and strings files together."""
        total = Share(self.strings.files, self.strings.bytes)
        for share in self.languages.values():
            total = Share(total.files + share.files, total.bytes + share.bytes)
        return total

    @property
    def nothing_analysed(self) -> bool:
        """True when not one byte of code or strings was analysed: silence means nothing then."""
        return self.analysed.bytes == 0

    @property
    def strings_only(self) -> bool:
        """True when only binaries' strings were analysed, no source code."""
        return not self.languages and self.strings.files > 0


def coverage(report: Report) -> Coverage:
    """The coverage of ``report``: per-language shares, strings, other kinds, skips and budgets."""
    skipped = tuple(n for n in report.notices if n.code in SKIP_CODES)
    unread = {n.path for n in skipped}
    languages: dict[str, Share] = {}
    strings = Share()
    other: dict[str, Share] = {}
    binaries: set[str] = set()
    empty = 0
    for entry in report.artifacts:
        if entry.kind == "native":
            binaries.add(entry.vpath)
        elif entry.kind == STRINGS_KIND and entry.container is not None:
            binaries.add(entry.container)  # strings files are extracted from a binary
        if entry.kind in SOURCE_KINDS or entry.kind == STRINGS_KIND:
            if entry.vpath in unread:
                continue  # counted among the skipped
            if entry.size == 0:
                empty += 1
            elif entry.kind == STRINGS_KIND:
                strings = strings.add(entry.size)
            else:
                name = SOURCE_KINDS[entry.kind]
                languages[name] = languages.get(name, Share()).add(entry.size)
        elif entry.kind != "native":  # binaries are counted above
            other[entry.kind] = other.get(entry.kind, Share()).add(entry.size)
    budgets = tuple(
        n for n in report.notices if n.code not in SKIP_CODES and _BUDGET.search(n.code)
    )
    return Coverage(languages, strings, len(binaries), empty, other, skipped, budgets)


def human_bytes(n: int) -> str:
    """``1536`` → ``1.5 kB``; decimal units, one decimal place above a kilobyte."""
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"
