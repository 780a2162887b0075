"""Decompressing readers that enforce the compression-ratio limit while they stream.

Gzip (also multi-member), zstd, bzip2 and xz are supported; each reader only ever moves forward, so
a bomb can neither fill memory nor be rewound and replayed.
"""

from __future__ import annotations

import bz2
import logging
import lzma
import zlib
from types import ModuleType
from typing import BinaryIO, Literal, cast

import zstandard

from agentxray.unpack.interface import Readable
from agentxray.unpack.limits import RATIO_FLOOR
from agentxray.unpack.writer import CHUNK, StopCopy

logger = logging.getLogger(__name__)

_inflate: ModuleType
try:  # ISA-L inflates gzip two to three times faster than zlib
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - isal is a dependency; zlib is the fallback
    _inflate = zlib

Method = Literal["gzip", "zstd", "bzip2", "xz"]

_MAGIC: tuple[tuple[bytes, Method], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
)
XZ_MEMLIMIT = 256 << 20
"""Memory an xz stream may ask for (its dictionary); more is refused as hostile."""
MAX_READ = 64 << 20
"""Largest single read served (tar extended headers are the only big ones; file data is copied in
chunks): a header claiming more is hostile."""
_SUFFIXES = (".gz", ".gzip", ".zst", ".zstd", ".bz2", ".xz")


def compression_of(head: bytes) -> Method | None:
    """The compression ``head`` starts with, if any."""
    for magic, method in _MAGIC:
        if head.startswith(magic):
            if method == "bzip2" and not head[3:4].isdigit():
                continue
            return method
    return None


def inner_name(name: str) -> str:
    """The name of a compressed file's content: ``a.js.gz`` → ``a.js``, ``x.tgz`` → ``x.tar``."""
    base = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].rsplit("!", 1)[-1] or "data"
    lower = base.lower()
    if lower.endswith(".tgz"):
        return base[:-4] + ".tar"
    for suffix in _SUFFIXES:
        if lower.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base + ".out"


class _Counting:
    """Counts the compressed bytes a decompressor pulls from ``raw``."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return int(n or 0)

    def readable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self.raw.closed


class _Gzip:
    """Gzip members one after another, decompressed in large steps with bounded output."""

    def __init__(self, raw: _Counting) -> None:
        self._raw = raw
        self._z = _inflate.decompressobj(31)
        self._pending = b""
        self._started = False

    def read(self, size: int = -1, /) -> bytes:
        if size == 0:
            return b""
        while True:
            if self._z.eof:
                rest = self._z.unused_data or self._raw.read(CHUNK)
                if not rest.startswith(b"\x1f\x8b"):
                    if rest.strip(b"\x00"):
                        logger.debug("ignoring data after the end of the gzip stream")
                    return b""
                self._z = _inflate.decompressobj(31)
                self._pending = rest
            if not self._pending:
                self._pending = self._raw.read(CHUNK)
                if not self._pending:
                    if self._started:
                        raise EOFError("compressed data ends before its end-of-stream marker")
                    return b""
            self._started = True
            try:
                data: bytes = self._z.decompress(self._pending, max(size, 0))
            except _inflate.error as exc:
                raise zlib.error(str(exc)) from None
            self._pending = self._z.unconsumed_tail
            if data:
                return data


class _Xz:
    """xz streams one after another, with a memory limit on the decoder."""

    def __init__(self, raw: _Counting) -> None:
        self._raw = raw
        self._d = lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=XZ_MEMLIMIT)
        self._pending = b""

    def read(self, size: int = -1, /) -> bytes:
        if size == 0:
            return b""
        while True:
            if self._d.eof:
                rest = self._d.unused_data.lstrip(b"\x00") or self._raw.read(CHUNK)
                if not rest.startswith(b"\xfd7zXZ\x00"):
                    return b""
                self._d = lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=XZ_MEMLIMIT)
                self._pending = rest
            if self._d.needs_input and not self._pending:
                self._pending = self._raw.read(CHUNK)
                if not self._pending:
                    raise EOFError("compressed data ends before its end-of-stream marker")
            data: bytes = self._d.decompress(self._pending, max(size, 0))
            self._pending = b""
            if data:
                return data


class Decompressed:
    """A forward-only, ratio-checked reader over a compressed file, with ``tell``/``seek``."""

    def __init__(self, raw: BinaryIO, method: Method, *, max_ratio: float, what: str) -> None:
        self._counter = _Counting(raw)
        self._max_ratio = max_ratio
        self._what = what
        self._pos = 0
        self._stream: Readable
        if method == "gzip":
            self._stream = _Gzip(self._counter)
        elif method == "bzip2":
            self._stream = bz2.BZ2File(cast(BinaryIO, self._counter), mode="rb")
        elif method == "xz":
            self._stream = _Xz(self._counter)
        else:
            self._stream = zstandard.ZstdDecompressor().stream_reader(
                cast(BinaryIO, self._counter), read_across_frames=True, closefd=False
            )

    @property
    def consumed(self) -> int:
        """Compressed bytes read so far."""
        return self._counter.count

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` decompressed bytes (all the rest when negative), produced and
        ratio-checked a chunk at a time, so a bomb is caught before it fills memory."""
        want = None if size is None or size < 0 else size
        if want is not None and want > MAX_READ:
            raise StopCopy("malformed", f"a single read of {want:,} bytes was asked for")
        parts = []
        got = 0
        while want is None or got < want:
            piece = self._stream.read(CHUNK if want is None else min(CHUNK, want - got))
            if not piece:
                break
            parts.append(piece)
            got += len(piece)
            self._pos += len(piece)
            if self._pos > RATIO_FLOOR and self._pos > self._max_ratio * max(self.consumed, 1):
                raise StopCopy(
                    "ratio-exceeded",
                    f"{self._what} expands more than {self._max_ratio:g}× "
                    f"({self._pos:,} bytes from {self.consumed:,}); the rest was not unpacked",
                )
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move forward by decompressing (and checking) what lies between."""
        target = offset + (self._pos if whence == 1 else 0)
        if whence == 2 or target < self._pos:
            raise OSError("cannot seek backwards in a compressed stream")
        while self._pos < target:
            if not self.read(min(CHUNK, target - self._pos)):
                break
        return self._pos
