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
#: Notice codes meaning one file's content was not read for analysis at all.
SKIP_CODES = frozenset({"not-written", "too-large-to-analyze", "read-error"})
#: Notice codes meaning some detectors could not analyse one file (it was read; others ran).
PARTIAL_CODES = frozenset(
    {"parse-error", "parse-too-costly", "not-javascript-text", "detector-error"}
)
#: Notice codes meaning one file was read but stayed (partly) obfuscated: what it hides is unknown.
OBSCURED_CODES = frozenset({"still-obfuscated", "deobfuscation-failed"})
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
    """Notices of files whose content was not read (too large, not written, unreadable)."""
    partial: tuple[Notice, ...]
    """Notices of files some detectors could not analyse (did not parse, crashed)."""
    budgets: tuple[Notice, ...]
    """Notices of limits and budgets hit while unpacking or analysing."""
    obscured: tuple[Notice, ...] = ()
    """Notices of files that stayed obfuscated (deobfuscation failed or left them unreadable)."""

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
    partial = tuple(n for n in report.notices if n.code in PARTIAL_CODES)
    budgets = tuple(
        n
        for n in report.notices
        if n.code not in SKIP_CODES and n.code not in PARTIAL_CODES and _BUDGET.search(n.code)
    )
    obscured = tuple(n for n in report.notices if n.code in OBSCURED_CODES)
    return Coverage(
        languages, strings, len(binaries), empty, other, skipped, partial, budgets, obscured
    )


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


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("ry") else f"{n} {noun}s"


def _share(share: Share) -> str:
    return f"{_count(share.files, 'file')}, {human_bytes(share.bytes)}"


def _codes(notices: tuple[Notice, ...]) -> str:
    counts: dict[str, int] = {}
    for notice in notices:
        counts[notice.code] = counts.get(notice.code, 0) + 1
    return ", ".join(f"{code} ×{n}" if n > 1 else code for code, n in counts.items())


#: What a report says when it analysed nothing.
NOTHING = "nothing — no JavaScript, TypeScript, Python or binary strings with content"
#: What a report without findings says when it did analyse something (``{files}``, ``{size}``).
NO_FINDINGS = "No findings in the {files} analysed ({size})."
#: What a report without findings says when it analysed nothing.
NOT_CLEAN = "Nothing was analysed, so no findings mean nothing: this is not a clean result."


def describe(cov: Coverage) -> list[tuple[str, str]]:
    """The coverage as ``(label, text)`` lines for people: Analysed, Not analysed, Limits hit.

    One wording for every renderer (terminal, HTML).
    """
    lines: list[tuple[str, str]] = []
    if cov.nothing_analysed:
        lines.append(("Analysed", NOTHING))
    else:
        parts = [f"{lang} {_share(share)}" for lang, share in cov.languages.items()]
        if cov.strings.files:
            parts.append(
                f"strings of {_count(cov.binaries, 'native binary')} "
                f"({_share(cov.strings)}, rules only)"
            )
        label = "Analysed (strings only)" if cov.strings_only else "Analysed"
        lines.append((label, "; ".join(parts)))
    missed: list[str] = []
    if cov.empty:
        missed.append(_count(cov.empty, "empty file"))
    if cov.skipped:
        missed.append(f"{_count(len(cov.skipped), 'file')} skipped ({_codes(cov.skipped)})")
    if cov.binaries and not cov.strings.files:
        missed.append(f"{_count(cov.binaries, 'native binary')} (no strings recovered)")
    kinds = sorted(cov.other.items(), key=lambda kv: -kv[1].files)
    if kinds:
        shown = ", ".join(f"{kind} {share.files}" for kind, share in kinds[:6])
        more = ", …" if len(kinds) > 6 else ""
        files = sum(share.files for _, share in kinds)
        missed.append(f"{_count(files, 'other file')} no detector reads ({shown}{more})")
    if missed:
        lines.append(("Not analysed", "; ".join(missed)))
    if cov.partial:
        files = len({n.path for n in cov.partial})
        lines.append(
            (
                "Incomplete",
                f"{_count(files, 'file')} not analysed by every detector "
                f"({_codes(cov.partial)}), see the notices",
            )
        )
    if cov.obscured:
        files = len({n.path for n in cov.obscured})
        lines.append(
            (
                "Still obfuscated",
                f"{_count(files, 'file')} ({_codes(cov.obscured)}): what they hide may be"
                " missing from the findings, see the notices",
            )
        )
    if cov.budgets:
        lines.append(
            ("Limits hit", f"{_codes(cov.budgets)} — results may be incomplete, see the notices")
        )
    return lines


def verdict(cov: Coverage) -> str:
    """The sentence a report without findings ends with: never "clean" when nothing was read."""
    if cov.nothing_analysed:
        return NOT_CLEAN
    total = cov.analysed
    said = NO_FINDINGS.format(files=_count(total.files, "file"), size=human_bytes(total.bytes))
    if cov.obscured:
        n = len({notice.path for notice in cov.obscured})
        them = "it" if n == 1 else "them"
        said = f"{said[:-1]}, but {_count(n, 'file')} stayed obfuscated: not a clean result for {them}."
    return said
