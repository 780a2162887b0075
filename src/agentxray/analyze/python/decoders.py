"""Decoders the pure evaluator applies to literal data: base64/hex families, rot13 and bounded
decompression (output capped, bombs refused)."""

from __future__ import annotations

import base64
import binascii
import bz2
import codecs
import logging
import lzma
import zlib

logger = logging.getLogger(__name__)

MAX_OUTPUT = 4 * 1024 * 1024
"""Largest string, bytes or list a step may produce (decompression stops there)."""


class Unsupported(Exception):
    """The expression is not a pure function of literals this evaluator knows."""


_BASE64 = {
    "base64.b64decode": ("base64", base64.b64decode),
    "base64.standard_b64decode": ("base64", base64.standard_b64decode),
    "base64.urlsafe_b64decode": ("base64", base64.urlsafe_b64decode),
    "base64.b32decode": ("base32", base64.b32decode),
    "base64.b16decode": ("hex", base64.b16decode),
    "base64.b85decode": ("base85", base64.b85decode),
    "base64.a85decode": ("ascii85", base64.a85decode),
    "binascii.a2b_base64": ("base64", binascii.a2b_base64),
    "binascii.unhexlify": ("hex", binascii.unhexlify),
    "binascii.a2b_hex": ("hex", binascii.a2b_hex),
    "bytes.fromhex": ("hex", lambda d: bytes.fromhex(d.decode("ascii"))),
}
_DECOMPRESS = {"zlib.decompress": "zlib", "gzip.decompress": "gzip", "bz2.decompress": "bz2"}
_DECOMPRESS |= {"lzma.decompress": "lzma"}


def _decompress(kind: str, data: bytes) -> bytes:
    if kind == "bz2":
        bz = bz2.BZ2Decompressor()
        out = bz.decompress(data, max_length=MAX_OUTPUT)
    elif kind == "lzma":
        lz = lzma.LZMADecompressor()
        out = lz.decompress(data, max_length=MAX_OUTPUT)
    else:
        z = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header, detected
        out = z.decompress(data, MAX_OUTPUT)
    if len(out) >= MAX_OUTPUT:
        raise Unsupported("decompression output over the cap")
    return out


def decode_bytes(name: str, data: object) -> tuple[str, bytes]:
    """Apply one of the base64/hex decoders by its dotted name."""
    method, fn = _BASE64[name]
    if isinstance(data, str):
        data = data.encode("ascii", errors="strict") if data.isascii() else None
    if not isinstance(data, bytes):
        raise Unsupported("decoder input")
    try:
        return method, fn(data)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise Unsupported(f"{method}: {exc}") from exc


def is_decoder(name: str) -> bool:
    """Whether the dotted name is a base64/hex decoder the evaluator knows."""
    return name in _BASE64


def decompress(name: str, data: object) -> tuple[str, bytes]:
    """Bounded decompression by dotted name (``zlib.decompress``…)."""
    kind = _DECOMPRESS.get(name)
    if kind is None or not isinstance(data, bytes):
        raise Unsupported("decompress")
    try:
        return kind, _decompress(kind, data)
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as exc:
        raise Unsupported(f"{kind}: {exc}") from exc


def is_decompressor(name: str) -> bool:
    """Whether the dotted name is a decompressor the evaluator knows."""
    return name in _DECOMPRESS


def rot13(text: object) -> str:
    """``codecs.decode(text, "rot13")``."""
    if not isinstance(text, str):
        raise Unsupported("rot13 input")
    return codecs.decode(text, "rot13")
