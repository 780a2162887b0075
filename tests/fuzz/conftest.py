"""Lets the fuzz tests reuse the hand-made container builders of ``tests/unpack``."""

from __future__ import annotations

import sys
from pathlib import Path

_UNPACK_TESTS = str(Path(__file__).resolve().parent.parent / "unpack")
if _UNPACK_TESTS not in sys.path:
    sys.path.append(_UNPACK_TESTS)
