"""The report: everything one audit concluded about one target, ready to render or store."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentxray.model.artifact import Artifact
from agentxray.model.finding import CATEGORIES, SEVERITIES, Category, Finding, Severity
from agentxray.model.notice import Notice
from agentxray.model.target import TargetSpec
from agentxray.model.tree import FileEntry


@dataclass(frozen=True, slots=True)
class Report:
    """One audit of one target: what was analysed, what was found, and what was skipped."""

    target: TargetSpec
    """What the user asked for."""
    tool_version: str
    """Version of agentxray that produced the report."""
    artifact: Artifact | None = None
    """The acquired artifact (``None`` when the report was built without one)."""
    artifacts: tuple[FileEntry, ...] = field(default=())
    """Every file recovered by unpacking, analysed or not."""
    findings: tuple[Finding, ...] = field(default=())
    """Findings, most severe first."""
    notices: tuple[Notice, ...] = field(default=())
    """What was skipped, truncated or refused during unpacking and analysis."""
    duration_s: float = 0.0
    """Wall-clock time of the whole audit, in seconds."""

    def counts(self) -> dict[Category, int]:
        """Number of findings per category, in the order of :data:`CATEGORIES` (zeros omitted)."""
        counts: dict[Category, int] = {}
        for category in CATEGORIES:
            n = sum(1 for f in self.findings if f.category == category)
            if n:
                counts[category] = n
        return counts

    def severity_counts(self) -> dict[Severity, int]:
        """Number of findings per severity, most severe first (zeros omitted)."""
        counts: dict[Severity, int] = {}
        for severity in SEVERITIES:
            n = sum(1 for f in self.findings if f.severity == severity)
            if n:
                counts[severity] = n
        return counts
