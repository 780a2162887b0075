"""A package's findings across its releases: the history sweep's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agentxray.model.finding import Finding

VersionStatus = Literal["scanned", "stored", "failed"]


@dataclass(frozen=True, slots=True)
class VersionResult:
    """What happened to one version in a sweep."""

    version: str
    published: str | None
    status: VersionStatus
    """``scanned`` now, taken from the store (``stored``), or ``failed``."""
    error: str = ""
    seconds: float | None = None
    """Scan time (of the original scan for stored versions)."""


@dataclass(frozen=True, slots=True)
class Lineage:
    """One finding followed through the versions, across id changes (renames, re-encodings)."""

    finding: Finding
    """Its form in the newest version it appears in."""
    present_in: tuple[str, ...]
    """The versions it appears in, oldest first."""
    ids: tuple[str, ...] = field(default=())
    """Every id it had, in order of appearance."""
    gaps: tuple[tuple[str, str], ...] = field(default=())
    """(last version before it vanished, version where it came back), one per gap."""

    @property
    def first(self) -> str:
        return self.present_in[0]

    @property
    def last(self) -> str:
        return self.present_in[-1]


@dataclass(frozen=True, slots=True)
class History:
    """The sweep: versions in order, and each finding's lineage."""

    target: str
    versions: tuple[VersionResult, ...]
    timeline: tuple[Lineage, ...]
