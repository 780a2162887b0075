"""A cheap test on raw bytes for obfuscator output worth deobfuscating (no parse)."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# The string-array function rewrites itself to return the array: ``X=function(){return Y;};return
# X();`` (javascript-obfuscator 2+, any name generator). The literal ``function`` leads the
# pattern so that ``re`` scans for it with its fast literal-prefix search.
_ARRAY_FUNCTION = re.compile(
    rb"function\s*\(\s*\)\s*\{\s*return\s+[\w$]+\s*;?\s*\}\s*[;,]?\s*return\s+[\w$]+\s*\(\s*\)"
)
# A rotation loop written with bracketed member names: ``a['push'](a['shift']())`` (older
# javascript-obfuscator versions and look-alikes keep the array in a variable).
_ROTATION = (b"'shift']())", b'"shift"]())')


def looks_obfuscated(data: bytes) -> bool:
    """Whether ``data`` may hold a string array or similar obfuscator machinery."""
    if _ARRAY_FUNCTION.search(data) is not None:
        return True
    return any(marker in data for marker in _ROTATION)
