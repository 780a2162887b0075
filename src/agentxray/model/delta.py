"""What changed between two reports: the compare stage's result."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentxray.model.finding import Finding


@dataclass(frozen=True, slots=True)
class Change:
    """One finding present in both reports whose evidence differs."""

    before: Finding
    after: Finding
    how: tuple[str, ...] = field(default=())
    """What differs, one short phrase each (``decoded +api.example.cn``, ``severity high → critical``)."""
    matched_by: str = "id"
    """``id`` when the stable ids agree; ``evidence`` when the ids differ (renamed variables, a new
    key, a rewritten encoding) and the finding was paired by rule, signals and evidence."""


@dataclass(frozen=True, slots=True)
class Delta:
    """Findings added, removed and changed from an old report to a new one."""

    old: str
    """The old side as a person names it (``npm:pkg@1.0.0``, a report file)."""
    new: str
    added: tuple[Finding, ...] = field(default=())
    removed: tuple[Finding, ...] = field(default=())
    changed: tuple[Change, ...] = field(default=())
    unchanged: tuple[Finding, ...] = field(default=())
    """Findings of the new report the same as in the old (kept for counts and context), including
    those whose id alone changed (also listed, with their old form, in :attr:`renamed`)."""
    renamed: tuple[Change, ...] = field(default=())
    """Unchanged findings whose id changed (only minified names differ): before and after."""
    old_version: str | None = None
    new_version: str | None = None
