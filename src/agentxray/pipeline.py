"""The library entry point: runs the stages in order and hands back their immutable results.

Usable without the CLI: ``from agentxray.pipeline import ...``. The stages never import each
other; only this module (and the CLI above it) wires them together.
"""

from __future__ import annotations
