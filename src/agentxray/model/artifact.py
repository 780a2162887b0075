"""A resolved, downloaded and verified thing on the local disk."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from agentxray.model.target import TargetSpec

ArtifactFormat = Literal["npm-tarball", "wheel", "sdist", "zip", "asar", "file", "directory"]


@dataclass(frozen=True, slots=True)
class Artifact:
    """One acquired artifact, ready to unpack."""

    spec: TargetSpec
    """The spec it was acquired for."""
    path: Path
    """The local file or directory (in the cache for registry targets)."""
    format: ArtifactFormat
    """What kind of container ``path`` is."""
    name: str
    """Package name (or file name for local targets)."""
    version: str | None = None
    """Resolved exact version, when known."""
    platform: str | None = None
    """The platform build chosen, when the package has several."""
    sha256: str | None = None
    """Digest of ``path`` when it is a file."""
    source_url: str | None = None
    """Where it was downloaded from."""
    integrity: str | None = None
    """The registry's published digest that the download was verified against."""
    via: tuple[str, ...] = field(default=())
    """How it was reached: e.g. the wrapper package and the optional dependency followed."""
