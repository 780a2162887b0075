"""Zip archives: wheels, ``.vsix`` extensions, ``.zip`` downloads, jars.

Members stream into their files with the member size and compression ratio enforced while they
decompress (the sizes in zip headers are not trusted). Symlinks are recorded, never created
(``symlink-skipped``); encrypted members are skipped (``encrypted``); a member that fails to
decompress or whose checksum is wrong is dropped (``malformed``).
"""

from __future__ import annotations

import logging
import stat
import struct
import zipfile
import zlib

from agentxray.errors import UnpackError
from agentxray.unpack.interface import Blob, Sink, Unpacker
from agentxray.unpack.safepath import looks_absolute
from agentxray.unpack.writer import is_fatal

logger = logging.getLogger(__name__)

_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
)
_LOCAL_HEADER = struct.Struct("<4s22xHH")


def _stored_offset(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> int | None:
    """Where a stored (uncompressed) member's bytes start in the file, if the header is sane."""
    if info.compress_type != zipfile.ZIP_STORED or archive.fp is None:
        return None
    try:
        archive.fp.seek(info.header_offset)
        magic, name_len, extra_len = _LOCAL_HEADER.unpack(archive.fp.read(_LOCAL_HEADER.size))
    except (OSError, struct.error):
        return None
    start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    return start if magic == b"PK\x03\x04" and start + info.compress_size <= size else None


def _overlapping(infos: list[zipfile.ZipInfo]) -> set[int]:
    """Ids of the members that start inside an earlier member's header or data (by offset)."""
    found: set[int] = set()
    end = -1
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < end:
            found.add(id(info))
        end = max(end, info.header_offset + 30 + len(info.orig_filename) + info.compress_size)
    return found


class ZipUnpacker(Unpacker):
    """Zip archives and the formats built on them (wheel, vsix, jar)."""

    name = "zip"

    def matches(self, blob: Blob) -> bool:
        """Zip magic at the start."""
        return blob.head.startswith(_MAGICS)

    def extract(self, blob: Blob, sink: Sink) -> None:
        """Emit every regular member."""
        try:
            archive = zipfile.ZipFile(blob.path)
        except _BROKEN as exc:
            if is_fatal(exc):
                raise
            raise UnpackError(f"{blob.vpath}: not a valid zip archive ({exc})") from exc
        with archive:
            infos = archive.infolist()
            overlapping = _overlapping(infos)
            if overlapping:
                sink.notice(
                    "overlapping-members",
                    f"{len(overlapping)} members share their compressed data with another "
                    "(a zip bomb technique); not extracted",
                    path=blob.vpath,
                )
            for info in infos:
                if id(info) not in overlapping:  # each copy would be written again in full
                    self._member(blob, sink, archive, info)

    def _member(
        self, blob: Blob, sink: Sink, archive: zipfile.ZipFile, info: zipfile.ZipInfo
    ) -> None:
        name = info.filename
        where = f"{blob.vpath}!{name}"
        if name.endswith("/"):  # a folder (ZipInfo.is_dir() fails on an empty name)
            return
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            target = ""
            if info.file_size <= 4096:
                try:
                    target = archive.read(info).decode("utf-8", "replace")
                except _BROKEN as exc:
                    logger.debug("cannot read link target of %s: %s", where, exc)
            sink.notice(
                "symlink-skipped",
                f"symbolic link to {target!r} not created",
                path=where,
                level="info",
            )
            return
        if info.flag_bits & 0x1:
            sink.notice("encrypted", "encrypted member not extracted", path=where)
            return
        if looks_absolute(name):
            sink.notice(
                "absolute-path",
                f"absolute member name {name!r} written inside the output",
                path=where,
            )
        offset = _stored_offset(archive, info, blob.size)
        try:
            with archive.open(info) as reader:
                sink.emit_stream(
                    blob,
                    name,
                    reader,
                    size=info.file_size,
                    compressed_size=info.compress_size,
                    offset=offset,
                )
        except _BROKEN as exc:
            if is_fatal(exc):
                raise
            sink.notice("malformed", f"member cannot be extracted: {exc}", path=where)
