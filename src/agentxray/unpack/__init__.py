"""The unpack stage: turn an :class:`agentxray.model.Artifact` into a folder of readable files.

``unpack(artifact, dest)`` writes every recovered file under ``dest`` with ``manifest.json`` and
returns the :class:`agentxray.model.Tree`. Formats are the :data:`registry.UNPACKERS`.
"""

from __future__ import annotations

from agentxray.unpack.limits import Limits
from agentxray.unpack.run import unpack

__all__ = ["Limits", "unpack"]
