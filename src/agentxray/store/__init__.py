"""The store stage: SQLite with numbered migrations (runs, recordings, reports)."""

from __future__ import annotations

import os
from pathlib import Path


def default_store_path() -> Path:
    """``$AGENTXRAY_STORE``, else ``$XDG_DATA_HOME/agentxray/agentxray.sqlite``, else
    ``~/.local/share/agentxray/agentxray.sqlite``: one store for runs and reports. Results are
    data, not cache: they live apart from the download cache, which may be emptied any time."""
    explicit = os.environ.get("AGENTXRAY_STORE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "agentxray" / "agentxray.sqlite"
