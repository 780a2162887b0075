"""Results of the stages and the final report."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentxray.model.finding import Finding
from agentxray.model.notice import Notice
from agentxray.model.tree import Tree


@dataclass(frozen=True, slots=True)
class StaticResult:
    """What static analysis found in one tree."""

    tree: Tree
    findings: tuple[Finding, ...]
    notices: tuple[Notice, ...] = field(default=())
    duration_s: float = 0.0
