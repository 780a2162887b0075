"""Limits that keep hostile containers from exhausting disk, memory or time."""

from __future__ import annotations

from dataclasses import dataclass

RATIO_FLOOR = 1 << 20
"""Compression ratios are judged only once a member (or stream) has produced this many bytes."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds for one unpack run; exceeding one is a notice (per member) or an error (total)."""

    max_total_bytes: int = 8 * 1024**3
    """All content written, summed."""
    max_member_bytes: int = 1024**3
    """One member's uncompressed size."""
    max_members: int = 200_000
    """Members recorded in total."""
    max_ratio: float = 200.0
    """Uncompressed/compressed size of one member (bombs), checked once a member exceeds 1 MiB."""
    max_depth: int = 6
    """Nesting of containers: those up to this many levels inside the artifact are opened
    (0: only the artifact itself)."""
    max_name_bytes: int = 4096
    """Length of one member path."""
