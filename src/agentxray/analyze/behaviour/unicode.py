"""Look-alike text: invisible characters and Unicode confusables (data of ``confusable-homoglyphs``)."""

from __future__ import annotations

import json
import logging
import unicodedata
from functools import cache
from importlib import resources

logger = logging.getLogger(__name__)

INVISIBLE = frozenset(
    [chr(c) for c in (*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065))]
    + [chr(c) for c in (*range(0x2066, 0x206A), 0xFEFF, 0x180E, 0x034F)]
    + [chr(c) for c in range(0xE0000, 0xE0080)]
)
"""Zero-width, bidi controls, word joiners, BOM, tag characters."""


@cache
def prototypes() -> dict[str, str]:
    """Confusable character → the ASCII character it imitates (Unicode confusables data, as
    shipped by the ``confusable-homoglyphs`` package)."""
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    data: dict[str, list[dict[str, str]]] = json.loads(raw)
    out: dict[str, str] = {}
    for key, entries in data.items():
        if len(key) != 1:
            continue
        for entry in entries:
            c = entry.get("c", "")
            if len(c) == 1 and key.isascii() and not c.isascii():
                out.setdefault(c, key)
            elif len(c) == 1 and c.isascii() and not key.isascii():
                out.setdefault(key, c)
    return out


def skeleton(s: str) -> str:
    """``s`` with invisible characters dropped and confusables mapped to what they imitate."""
    table = prototypes()
    return "".join(table.get(ch, ch) for ch in s if ch not in INVISIBLE)


def special(s: str) -> bool:
    """Whether ``s`` holds an invisible or confusable character."""
    table = prototypes()
    return any(ch in INVISIBLE or ch in table for ch in s)


def char_label(s: str) -> str:
    """``U+2019 ’`` (or ``U+200B ZERO WIDTH SPACE`` for invisible ones), joined for strings."""
    if not s:
        return "nothing (empty string)"
    out = []
    for ch in s:
        name = unicodedata.name(ch, "")
        if ch in INVISIBLE or not ch.isprintable():
            out.append(f"U+{ord(ch):04X} {name}".strip())
        else:
            out.append(f"U+{ord(ch):04X} {ch}")
    return " ".join(out) if len(s) <= 3 else repr(s)
