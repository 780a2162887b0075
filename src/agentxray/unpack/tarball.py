"""Tar archives (plain, gzip, zstd, bzip2, xz: npm tarballs, sdists) and lone compressed files.

Members are streamed straight into their final files; links and device files are never created
(``symlink-skipped``, ``hardlink-skipped``, ``special-file-skipped``), absolute names are
recorded (``absolute-path``) and written inside the output, a broken or truncated stream ends
the archive with ``malformed`` (everything before it is kept), a compression bomb with
``ratio-exceeded``.
"""

from __future__ import annotations

import logging
import lzma
import tarfile
import zlib
from typing import BinaryIO, cast

import zstandard

from agentxray.errors import UnpackError
from agentxray.unpack.interface import Blob, Sink, Unpacker
from agentxray.unpack.safepath import looks_absolute
from agentxray.unpack.streams import Decompressed, Method, compression_of, inner_name
from agentxray.unpack.writer import CHUNK, StopCopy, is_fatal

logger = logging.getLogger(__name__)

_BROKEN = (
    lzma.LZMAError,
    tarfile.TarError,
    EOFError,
    OSError,
    zlib.error,
    zstandard.ZstdError,
    ValueError,
)


def is_tar_header(block: bytes) -> bool:
    """Whether ``block`` (512 bytes) is a tar header: ``ustar`` magic or a valid checksum."""
    if len(block) < 512:
        return False
    if block[257:262] == b"ustar":
        return True
    field = block[148:156].split(b"\x00", 1)[0].strip()
    try:
        stored = int(field, 8)
    except ValueError:
        return False
    computed = sum(block[:148]) + 8 * 0x20 + sum(block[156:512])
    return stored == computed and block[0] != 0


class TarballUnpacker(Unpacker):
    """Tar archives, optionally compressed, and lone gzip/zstd/bzip2 files."""

    name = "tarball"

    def matches(self, blob: Blob) -> bool:
        """Compression magic, or a tar header at the start."""
        return compression_of(blob.head) is not None or is_tar_header(blob.head[:512])

    def extract(self, blob: Blob, sink: Sink) -> None:
        """Emit every regular member (or the decompressed content of a lone compressed file)."""
        method = compression_of(blob.head)
        with open(blob.path, "rb") as raw:
            if method is None:
                self._tar(blob, sink, raw, compressed=False)
                return
            ratio = sink.limits.max_ratio
            what = f"compressed stream ({method})"
            try:
                first = Decompressed(raw, method, max_ratio=ratio, what=what).read(512)
            except _BROKEN as exc:
                raise UnpackError(f"{blob.vpath}: not valid {method} data ({exc})") from exc
            raw.seek(0)
            stream = Decompressed(raw, method, max_ratio=ratio, what=what)
            if is_tar_header(first):
                self._tar(blob, sink, stream, compressed=True)
            else:
                self._single(blob, sink, stream, method)

    def _single(self, blob: Blob, sink: Sink, stream: Decompressed, method: Method) -> None:
        try:
            sink.emit_stream(
                blob,
                inner_name(blob.vpath),
                stream,
                compressed_size=blob.size,
                note=f"decompressed ({method})",
            )
        except StopCopy as stop:
            sink.notice(stop.code, stop.message, path=blob.vpath)
        except _BROKEN as exc:
            if is_fatal(exc):
                raise
            sink.notice("malformed", f"{method} data is broken: {exc}", path=blob.vpath)

    def _tar(
        self, blob: Blob, sink: Sink, fileobj: BinaryIO | Decompressed, *, compressed: bool
    ) -> None:
        try:
            with tarfile.open(fileobj=fileobj, mode="r:") as archive:  # type: ignore[call-overload]
                self._members(blob, sink, archive, compressed)
        except StopCopy as stop:
            sink.notice(stop.code, stop.message, path=blob.vpath, level="error")
        except _BROKEN as exc:
            if is_fatal(exc):
                raise
            raise UnpackError(f"{blob.vpath}: not a valid tar archive ({exc})") from exc

    def _members(self, blob: Blob, sink: Sink, archive: tarfile.TarFile, compressed: bool) -> None:
        count = 0
        try:
            while (member := archive.next()) is not None:
                count += 1
                self._member(blob, sink, archive, member, compressed)
            self._after_end(blob, sink, archive)
        except StopCopy as stop:
            sink.notice(stop.code, stop.message, path=blob.vpath, level="error")
        except _BROKEN as exc:
            if is_fatal(exc):
                raise
            if count == 0 and not compressed:
                raise UnpackError(f"{blob.vpath}: not a valid tar archive ({exc})") from exc
            sink.notice(
                "malformed",
                f"tar archive is truncated or corrupt after {count} members: {exc}",
                path=blob.vpath,
                level="error",
            )

    @staticmethod
    def _after_end(blob: Blob, sink: Sink, archive: tarfile.TarFile) -> None:
        """Read to the end of the stream: checks the gzip/zstd trailer, and finds data hidden
        after the tar's end-of-archive blocks."""
        stream = archive.fileobj
        if stream is None:  # pragma: no cover - always set for archives we open
            return
        hidden = 0
        while chunk := stream.read(CHUNK):
            hidden += len(chunk) - chunk.count(0)
        if hidden:
            sink.notice(
                "trailing-data",
                f"{hidden:,} non-zero bytes after the end of the tar archive were not extracted",
                path=blob.vpath,
            )

    def _member(
        self,
        blob: Blob,
        sink: Sink,
        archive: tarfile.TarFile,
        member: tarfile.TarInfo,
        compressed: bool,
    ) -> None:
        name = member.name
        where = f"{blob.vpath}!{name}"
        if member.isdir():
            return
        if member.issym():
            sink.notice(
                "symlink-skipped",
                f"symbolic link to {member.linkname!r} not created",
                path=where,
                level="info",
            )
            return
        if member.islnk():
            sink.notice(
                "hardlink-skipped",
                f"hard link to {member.linkname!r} not created",
                path=where,
                level="info",
            )
            return
        if not member.isfile():
            sink.notice(
                "special-file-skipped",
                f"device, fifo or unknown member type {member.type!r}",
                path=where,
                level="info",
            )
            return
        if looks_absolute(name):
            sink.notice(
                "absolute-path",
                f"absolute member name {name!r} written inside the output",
                path=where,
            )
        reader = archive.extractfile(member)
        if reader is None:  # pragma: no cover - regular files always have a reader
            return
        stored = None
        if member.issparse():  # holes expand to zeros: judge the ratio against the stored data
            holes = cast("list[tuple[int, int]]", member.sparse or [])
            stored = sum(length for _, length in holes)
        offset = None if compressed or stored is not None else member.offset_data
        sink.emit_stream(
            blob, name, reader, size=member.size, compressed_size=stored, offset=offset
        )
