"""A per-item problem recorded during a run; the run goes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NoticeLevel = Literal["info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Notice:
    """Something skipped, truncated or refused, with where and why."""

    code: str
    """Stable machine-readable code, e.g. ``path-traversal``, ``member-too-large``, ``parse-error``."""
    message: str
    """One line for a person."""
    path: str | None = None
    """Virtual path of the item concerned."""
    level: NoticeLevel = "warning"
    """How serious it is for the completeness of the result."""
