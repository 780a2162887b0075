"""UTC offsets as region signals, in both conventions."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def offset_region(value: float, *, minutes_west: bool) -> str | None:
    """A label such as ``UTC+08:00`` for a regional offset literal, else ``None``.

    ``Date.prototype.getTimezoneOffset()`` counts minutes *west* of UTC, so China is ``-480``;
    other APIs count minutes east. Zero (UTC itself) and values that are not whole quarter hours
    inside the real range (-12:00…+14:00) are not region-specific.
    """
    east = -value if minutes_west else value
    if east == 0 or east % 15 or not -720 <= east <= 840:
        return None
    sign = "+" if east > 0 else "-"
    hours, minutes = divmod(abs(int(east)), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"
