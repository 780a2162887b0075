"""The contract between the analysis driver and the detectors.

The driver (:mod:`agentxray.analyze.driver`) reads each file of a :class:`~agentxray.model.Tree`
once, wraps it in a :class:`SourceUnit` and offers it to every :class:`Detector` whose ``kinds``
include the file's kind. Detectors return findings and notices; they never print, exit or do I/O
beyond reading the unit. A detector that crashes on one file becomes a notice, not a failed scan.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from agentxray.model import FileEntry, FileKind, Finding, Notice

if TYPE_CHECKING:
    from tree_sitter import Tree as TsTree


@dataclass(eq=False)
class SourceUnit:
    """One file's content, decoded once and parsed at most once (lazily) for all detectors."""

    entry: FileEntry
    data: bytes
    """The raw bytes."""
    context: dict[str, object] = field(default_factory=dict)
    """Scratch space detectors may share within one unit (e.g. function summaries)."""
    notices: list[Notice] = field(default_factory=list)
    """Problems of the unit itself (e.g. a parse given up), reported once by the driver."""
    parse_seconds: float | None = None
    """CPU time its parse may take (``None``: :func:`~agentxray.analyze.js.parse.parse_budget`
    of its size)."""
    literal_only: bool = False
    """Set when the parse was given up (a notice says why) or no tree was needed
    (:attr:`tree_needed`): :attr:`js_tree` is empty and only what needs no tree (the strings
    and URLs a lexer finds) is analysed."""
    tree_needed: bool = True
    """``False`` when no consumer of the syntax tree has anything to look at in this file (the
    driver's literal prefilter, :mod:`agentxray.analyze.js.prefilter`): it is not parsed, and
    :attr:`js_tree` is empty without a notice (nothing was left unanalysed)."""

    @cached_property
    def text(self) -> str:
        """The content as text (UTF-8, undecodable bytes replaced)."""
        return self.data.decode("utf-8", errors="replace")

    @cached_property
    def js_tree(self) -> TsTree:
        """The tree-sitter syntax tree (JavaScript or TypeScript by kind), parsed on first use.

        Content that is not JavaScript text (compressed, binary: a ``not-javascript-text``
        notice) or whose parse would take too much memory or CPU time (``parse-too-costly``)
        gets the tree of an empty file and :attr:`literal_only` set: the rules still see the
        strings and URLs a lexer finds in it, the detectors that need syntax see nothing.
        """
        from agentxray.analyze.js.parse import ParseTooCostly, not_javascript_text, parse_js

        typescript = self.entry.kind == "typescript"
        if not self.tree_needed:
            self.literal_only = True
            return parse_js(b"", typescript=typescript)
        reason = not_javascript_text(self.data)
        code = "not-javascript-text"
        if reason is None:
            try:
                return parse_js(self.data, typescript=typescript, max_seconds=self.parse_seconds)
            except ParseTooCostly as exc:
                code, reason = "parse-too-costly", str(exc)
        self.literal_only = True
        self.notices.append(
            Notice(
                code,
                f"{reason}; analysed at the literal level only (its strings and URLs against "
                "the rules; no syntax tree, data flow or behaviour analysis)",
                self.entry.vpath,
                "warning",
            )
        )
        return parse_js(b"", typescript=typescript)


class Detector(ABC):
    """A code-level detector or a rule pack evaluator."""

    name: ClassVar[str]
    """Short id used in notices, e.g. ``js-region``."""
    kinds: ClassVar[frozenset[FileKind]]
    """File kinds it looks at."""
    family: ClassVar[str | None] = None
    """Detectors of one family share work through ``SourceUnit.context`` (an analysis computed
    once): when the driver splits a big file's detectors across two processes, a family stays
    in one. ``None``: the family of its defining module."""

    @abstractmethod
    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        """Findings and notices for one file."""

    def warm_up(self) -> None:  # noqa: B027 (optional hook, nothing to do by default)
        """Load what every file needs (rule packs, compiled patterns) now.

        The driver calls it before it forks workers for many files, so that they inherit the
        loaded state instead of each loading it again. Results must not depend on it."""
