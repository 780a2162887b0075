"""What the user asked for: a parsed target spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TargetKind = Literal["npm", "pypi", "path", "command"]


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target as the user typed it, parsed but not yet resolved."""

    raw: str
    """The text the user typed, e.g. ``npm:@anthropic-ai/claude-code@2.1.197``."""
    kind: TargetKind
    """Where it comes from: a registry, a local path or an installed command."""
    name: str
    """Package name, path, or command name."""
    version: str | None = None
    """Version, dist-tag or range as typed (``None``: latest)."""
    platform: str | None = None
    """Platform build to pick (``linux-x64``, ``darwin-arm64``…); ``None``: this host's."""
