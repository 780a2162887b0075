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
    "base64.decodebytes": ("base64", base64.decodebytes),
    "base64.b32hexdecode": ("base32", base64.b32hexdecode),
    "binascii.a2b_base32": ("base32", base64.b32decode),
    "binascii.a2b_qp": ("quoted-printable", binascii.a2b_qp),
    "quopri.decodestring": ("quoted-printable", binascii.a2b_qp),
    "bytes.fromhex": ("hex", lambda d: bytes.fromhex(d.decode("ascii"))),
    "bytearray.fromhex": ("hex", lambda d: bytes.fromhex(d.decode("ascii"))),
}
CODECS = {
    "rot13": "rot13",
    "rot_13": "rot13",
    "hex": "binascii.unhexlify",
    "hex_codec": "binascii.unhexlify",
    "base64": "base64.b64decode",
    "base_64": "base64.b64decode",
    "base64_codec": "base64.b64decode",
    "zlib": "zlib.decompress",
    "zip": "zlib.decompress",
    "zlib_codec": "zlib.decompress",
    "bz2": "bz2.decompress",
    "bz2_codec": "bz2.decompress",
    "quopri": "quopri.decodestring",
    "quopri_codec": "quopri.decodestring",
    "unicode_escape": "unicode_escape",
    "raw_unicode_escape": "unicode_escape",
}
"""``codecs.decode(data, NAME)`` codec names (normalised: lower case, ``-`` → ``_``) → the
decoder applied."""
_DECOMPRESS = {"zlib.decompress": "zlib", "gzip.decompress": "gzip", "bz2.decompress": "bz2"}
_DECOMPRESS |= {"lzma.decompress": "lzma"}


def _decompress(kind: str, data: bytes, wbits: int | None = None) -> bytes:
    if kind == "bz2":
        bz = bz2.BZ2Decompressor()
        out = bz.decompress(data, max_length=MAX_OUTPUT)
    elif kind == "lzma":
        lz = lzma.LZMADecompressor()
        out = lz.decompress(data, max_length=MAX_OUTPUT)
    else:
        raw = wbits is not None and wbits < 0
        z = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS | 32)  # header detected
        out = z.decompress(data, MAX_OUTPUT)
    if len(out) >= MAX_OUTPUT:
        raise Unsupported("decompression output over the cap")
    return out


def decode_bytes(name: str, data: object, altchars: object = None) -> tuple[str, bytes]:
    """Apply one of the base64/hex decoders by its dotted name (``altchars`` for base64)."""
    method, fn = _BASE64[name]
    if isinstance(altchars, str):
        altchars = altchars.encode("ascii", errors="strict") if altchars.isascii() else None
    if isinstance(altchars, bytes) and len(altchars) == 2 and method == "base64":
        data = _translate_alt(data, altchars)
    if isinstance(data, str):
        data = data.encode("ascii", errors="strict") if data.isascii() else None
    if not isinstance(data, bytes):
        raise Unsupported("decoder input")
    try:
        return method, fn(data)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise Unsupported(f"{method}: {exc}") from exc


def _translate_alt(data: object, altchars: bytes) -> object:
    table = bytes.maketrans(altchars, b"+/")
    if isinstance(data, str) and data.isascii():
        return data.encode("ascii").translate(table)
    if isinstance(data, bytes):
        return data.translate(table)
    return data


def is_decoder(name: str) -> bool:
    """Whether the dotted name is a base64/hex decoder the evaluator knows."""
    return name in _BASE64


def decompress(name: str, data: object, wbits: object = None) -> tuple[str, bytes]:
    """Bounded decompression by dotted name (``zlib.decompress``…); ``wbits`` < 0: raw deflate."""
    kind = _DECOMPRESS.get(name)
    if kind is None or not isinstance(data, bytes):
        raise Unsupported("decompress")
    try:
        return kind, _decompress(kind, data, wbits if type(wbits) is int else None)
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


def unicode_escape(data: object) -> str:
    """``codecs.decode(data, "unicode_escape")``: ``\\u0041`` → ``A`` (bounded by the input)."""
    if isinstance(data, str):
        data = data.encode("latin-1", errors="strict") if data.isascii() else None
    if not isinstance(data, bytes):
        raise Unsupported("unicode_escape input")
    try:
        return data.decode("unicode_escape")
    except UnicodeDecodeError as exc:
        raise Unsupported("unicode_escape") from exc
