"""Findings: what the analysis concluded, with evidence a person can check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Category = Literal[
    "geofence",
    "fingerprint",
    "obfuscated-data",
    "watermark",
    "telemetry",
    "remote-control",
    "auto-update",
    "credential-access",
    "exfiltration",
    "command-exec",
    "endpoint",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
"""Most severe first."""

Confidence = Literal["high", "medium", "low"]


def severity_rank(severity: Severity) -> int:
    """0 for ``info`` up to 4 for ``critical``: larger is worse."""
    return len(SEVERITIES) - 1 - SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Location:
    """A place in an unpacked file."""

    artifact: str
    """Virtual path of the file (a :attr:`agentxray.model.FileEntry.vpath`)."""
    line: int | None = None
    """1-based line."""
    column: int | None = None
    """1-based column."""
    offset: int | None = None
    """Byte offset in the file."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One conclusion of a rule or detector."""

    id: str
    """Stable id: same code, same id across runs and versions."""
    rule: str
    """Id of the rule or detector that produced it."""
    category: Category
    severity: Severity
    title: str
    """Short headline."""
    location: Location
    message: str = ""
    """Plain-language explanation: what the code does, why it matters, when it is active."""
    related: tuple[Location, ...] = field(default=())
    snippet: str = ""
    """The code around the location, pretty-printed when minified."""
    signals: tuple[str, ...] = field(default=())
    """Environment signals involved (``timezone``, ``env:ANTHROPIC_BASE_URL``…)."""
    values: tuple[str, ...] = field(default=())
    """Literal values compared against."""
    decoded: tuple[str, ...] = field(default=())
    """Values recovered from obfuscated data."""
    confidence: Confidence = "high"
    condition: str = ""
    """When the code is active, in plain words (empty: unconditional or unknown)."""
