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


# Other obfuscators call the file's own decoder with numbers written in hex (js-confuser's string
# concealing, hand-made schemes): dense hex-number calls are rare in ordinary code, which
# minifiers print in decimal. Density, not a count: a big bundle has some anyway.
_HEX_CALL = re.compile(rb"[\w$]\(0x[0-9a-fA-F]+\s*[,)]")
MIN_HEX_CALLS = 8
HEX_CALLS_PER_KB = 0.5
# Code packed into a string and compiled with the Function constructor (not the short
# ``Function("return this")`` idiom every polyfill uses to find the global object).
_PACKED = re.compile(
    rb"Function\(\s*(?:(?:\"[\w$,\s]{0,80}\"|'[\w$,\s]{0,80}')\s*,\s*)*"
    rb"(?:\"(?:[^\"\\\n]|\\.){160}|'(?:[^'\\\n]|\\.){160})"
)


# Hand-written decoders in ordinary code (no obfuscator machinery): a decoding primitive (char
# codes, base64 or hex decoding, TextDecoder) or code compiled with an alias of the Function
# constructor. Only small files are looked at closer: a bundle's modules are its own files, and a
# big one costs a parse per round; the decode search (``closed.py``) still reads those.
_HAND = re.compile(
    rb"fromCharCode|fromCodePoint|atob\(|TextDecoder|[\"']base64(?:url)?[\"']|[\"']hex[\"']|"
    rb"[\"']base[\"']\s*\+|=\s*Function\s*[;,\n]|new\s+Proxy\("
)
MAX_HAND_BYTES = 256 * 1024


def looks_hand_decoded(data: bytes) -> bool:
    """Whether a small file not made by an obfuscator may decode its own hidden strings."""
    return len(data) <= MAX_HAND_BYTES and _HAND.search(data) is not None


def looks_obfuscated(data: bytes) -> bool:
    """Whether ``data`` may hold a string array or similar obfuscator machinery."""
    if _ARRAY_FUNCTION.search(data) is not None:
        return True
    if any(marker in data for marker in _ROTATION):
        return True
    if _PACKED.search(data) is not None:
        return True
    needed = max(MIN_HEX_CALLS, int(len(data) / 1024 * HEX_CALLS_PER_KB))
    if data.count(b"(0x") < needed:  # every match holds one; counting is 50x faster than re
        return False
    return any(n >= needed for n, _ in enumerate(_HEX_CALL.finditer(data), start=1))


# What is left after deobfuscation: ordinary code, minified or not, carries words in its string
# literals (messages, keys, header names): one or more per kilobyte in every bundle measured
# (terser, glob, validator, libphonenumber, class-validator: 1.4-35 per KB). Code whose strings
# are still hidden behind machinery we did not undo (js-confuser's medium and high presets:
# 0.00-0.11 per KB after deobfuscation) has almost none.
_LITERAL = re.compile(rb"\"(?:[^\"\\\n]|\\.){3,200}\"|'(?:[^'\\\n]|\\.){3,200}'")
_WORDY = re.compile(rb"[\"'][A-Za-z][a-z]+(?:[ _\-./:][A-Za-z0-9]+)*[\"']")
MIN_RESIDUE_BYTES = 16_000
WORDY_PER_KB = 0.2


def still_obfuscated(data: bytes) -> str | None:
    """Why ``data`` (deobfuscated or not) still looks obfuscated, or None when it reads as code."""
    if len(data) < MIN_RESIDUE_BYTES:
        return None
    wordy = sum(1 for m in _LITERAL.finditer(data) if _WORDY.fullmatch(m.group()))
    per_kb = wordy / (len(data) / 1024)
    if per_kb >= WORDY_PER_KB:
        return None
    return (
        f"only {wordy} readable string literal(s) in {len(data) // 1024} KB "
        f"({per_kb:.2f} per KB; ordinary code, minified or not, has one or more)"
    )
