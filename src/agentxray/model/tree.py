"""The unpacked form of an artifact: readable files with their provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from agentxray.model.artifact import Artifact
from agentxray.model.notice import Notice

FileKind = Literal[
    "javascript",
    "typescript",
    "python",
    "native",
    "strings",
    "bytecode",
    "sourcemap",
    "json",
    "text",
    "archive",
    "data",
    "other",
]


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file recovered from an artifact, with where it came from."""

    vpath: str
    """Virtual path: container chain joined by ``!``, e.g. ``claude!/$bunfs/root/src/entrypoints/cli.js``."""
    kind: FileKind
    """What the file holds."""
    size: int
    """Size in bytes of the recovered content."""
    sha256: str
    """Digest of the recovered content."""
    relpath: str | None = None
    """Where the content was written, relative to :attr:`Tree.root`; ``None`` when not written."""
    container: str | None = None
    """Virtual path of the file it was extracted from (``None`` at top level)."""
    offset: int | None = None
    """Byte offset of the content inside ``container`` when it is stored there uncompressed."""
    note: str | None = None
    """Short remark, e.g. ``bytecode not written`` or ``strings of section .rodata``."""


@dataclass(frozen=True, slots=True)
class Tree:
    """All files recovered from one artifact, written under ``root``."""

    artifact: Artifact
    """What was unpacked."""
    root: Path
    """Output folder; every :attr:`FileEntry.relpath` lies inside it."""
    files: tuple[FileEntry, ...]
    """The files, in a stable order."""
    notices: tuple[Notice, ...] = field(default=())
    """What was skipped or refused, and why."""

    def path_of(self, entry: FileEntry) -> Path | None:
        """The on-disk path of ``entry``'s content, if it was written."""
        return None if entry.relpath is None else self.root / entry.relpath
