"""The library entry point: runs the stages in order and hands back their immutable results.

Usable without the CLI: ``from agentxray.pipeline import ...``. The stages never import each
other; only this module (and the CLI above it) wires them together.
"""

from __future__ import annotations

from agentxray.acquire import acquire, parse_spec
from agentxray.model import Artifact


def acquire_target(text: str, *, platform: str | None = None, progress: bool = False) -> Artifact:
    """Parse ``text`` (``npm:…``, ``pypi:…``, ``cmd:…`` or a path) and acquire it through the cache."""
    return acquire(parse_spec(text, platform=platform), progress=progress)
