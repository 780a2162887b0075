"""Immutable types shared by every pipeline stage; no I/O here."""

from __future__ import annotations

from agentxray.model.artifact import Artifact, ArtifactFormat
from agentxray.model.delta import Change, Delta
from agentxray.model.event import Event, EventKind, FileAccess
from agentxray.model.exchange import ApiExchange
from agentxray.model.fact import FACT_KINDS, Fact, FactKind
from agentxray.model.finding import (
    CATEGORIES,
    SEVERITIES,
    Category,
    Confidence,
    Finding,
    Location,
    Severity,
    severity_rank,
)
from agentxray.model.history import History, Lineage, VersionResult, VersionStatus
from agentxray.model.notice import Notice, NoticeLevel
from agentxray.model.probe import (
    Aspect,
    Confirmation,
    Difference,
    Persona,
    ProbeResult,
    Recording,
)
from agentxray.model.report import Report
from agentxray.model.result import StaticResult
from agentxray.model.target import TargetKind, TargetSpec
from agentxray.model.tree import FileEntry, FileKind, Tree

__all__ = [
    "CATEGORIES",
    "FACT_KINDS",
    "SEVERITIES",
    "ApiExchange",
    "Artifact",
    "ArtifactFormat",
    "Aspect",
    "Category",
    "Change",
    "Confidence",
    "Confirmation",
    "Delta",
    "Difference",
    "Event",
    "EventKind",
    "Fact",
    "FactKind",
    "FileAccess",
    "FileEntry",
    "FileKind",
    "Finding",
    "History",
    "Lineage",
    "Location",
    "Notice",
    "NoticeLevel",
    "Persona",
    "ProbeResult",
    "Recording",
    "Report",
    "Severity",
    "StaticResult",
    "TargetKind",
    "TargetSpec",
    "Tree",
    "VersionResult",
    "VersionStatus",
    "severity_rank",
]
