"""The compare stage: Report × Report → Delta."""

from __future__ import annotations

from agentxray.compare.history import timeline
from agentxray.compare.versions import compare, differences, similarity

__all__ = ["compare", "differences", "similarity", "timeline"]
