"""The unpack stage: turn an :class:`agentxray.model.Artifact` into a folder of readable files.

``unpack(artifact, dest)`` writes every recovered file under ``dest`` with ``manifest.json`` and
returns the :class:`agentxray.model.Tree`; ``read_manifest(dest)`` gives that tree back later.
Formats are the :data:`registry.UNPACKERS`.
"""

from __future__ import annotations

from agentxray.unpack.limits import Limits
from agentxray.unpack.manifest import read_manifest
from agentxray.unpack.run import unpack

__all__ = ["Limits", "read_manifest", "unpack"]
