"""Electron ``app.asar`` archives: a pickled JSON index followed by the files' bytes.

Layout: ``u32 4``, ``u32 header_size``, then the header pickle (``u32 payload size``,
``u32 json length``, the JSON index); file data starts at ``8 + header_size`` and each file's
``offset`` (a decimal string) is relative to it. Entries marked ``unpacked`` live beside the
archive in ``app.asar.unpacked/`` (read from there when the archive is the artifact itself, never
through a symlink; else ``asar-unpacked``), ``link`` entries are recorded
(``symlink-skipped``), offsets outside the file are refused (``malformed``), entries reusing
bytes already extracted are refused (``asar-overlapping-entries``), and content that does not
match the index's SHA256 ``integrity`` (a tampered archive) is flagged (``integrity-mismatch``).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import os
import stat
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from agentxray.errors import UnpackError
from agentxray.unpack.interface import Blob, Sink, Unpacker

logger = logging.getLogger(__name__)

_PREFIX = struct.Struct("<IIII")
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_MAX_HEADER = 64 * 1024**2
"""Largest JSON index read (big Electron apps have a few MB)."""


class _Slice:
    """Reads ``size`` bytes of ``handle`` from ``start``, hashing what it hands out."""

    def __init__(self, handle: BinaryIO, start: int, size: int) -> None:
        self._handle, self._pos, self._left = handle, start, size
        self.digest = hashlib.sha256()

    @property
    def done(self) -> bool:
        """Whether every byte was read."""
        return self._left == 0

    def read(self, size: int = -1, /) -> bytes:
        n = self._left if size < 0 else min(size, self._left)
        if n <= 0:
            return b""
        self._handle.seek(self._pos)
        data = self._handle.read(n)
        self.digest.update(data)
        self._pos += len(data)
        self._left -= len(data)
        return data


def _number(value: Any) -> int | None:
    """A non-negative integer from an asar field (offsets are strings, sizes numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit() and len(value) < 20:
        return int(value)
    return None


def read_index(handle: BinaryIO, size: int, vpath: str) -> tuple[dict[str, Any], int]:
    """The parsed JSON index and the offset where file data starts."""
    prefix = handle.read(_PREFIX.size)
    if len(prefix) < _PREFIX.size:
        raise UnpackError(f"{vpath}: too short for an asar archive")
    four, header_size, _payload, json_len = _PREFIX.unpack(prefix)
    if four != 4 or header_size > min(size - 8, _MAX_HEADER) or json_len > header_size - 8:
        raise UnpackError(f"{vpath}: asar header sizes are inconsistent with the file")
    raw = handle.read(json_len)
    try:
        index = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise UnpackError(f"{vpath}: asar index is not valid JSON ({exc})") from exc
    if not isinstance(index, dict) or not isinstance(index.get("files"), dict):
        raise UnpackError(f"{vpath}: asar index has no files")
    return index, 8 + header_size


def _open_beside(base: Path, parts: list[str]) -> BinaryIO | None:
    """Open ``base/parts…`` for reading without following any symlink; ``None`` if absent."""
    fd = os.open(base, _DIR)
    try:
        for part in parts[:-1]:
            child = os.open(part, _DIR, dir_fd=fd)
            os.close(fd)
            fd = child
        file_fd = os.open(parts[-1], _FILE, dir_fd=fd)
    except OSError:
        return None
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(file_fd).st_mode):
        os.close(file_fd)
        return None
    return os.fdopen(file_fd, "rb")


class _Claimed:
    """Byte ranges of the archive already extracted. Entries of a real archive are disjoint;
    entries pointing at one big region again and again would make a small file write gigabytes."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.refused = 0
        """Entries refused for overlapping."""

    def take(self, start: int, end: int) -> bool:
        """Claim ``[start, end)`` unless it overlaps a claimed range (then count a refusal)."""
        if start == end:
            return True
        at = bisect.bisect_right(self.starts, start)
        if (at and self.ends[at - 1] > start) or (at < len(self.starts) and self.starts[at] < end):
            self.refused += 1
            return False
        self.starts.insert(at, start)
        self.ends.insert(at, end)
        return True


class AsarUnpacker(Unpacker):
    """Electron asar archives."""

    name = "asar"

    def matches(self, blob: Blob) -> bool:
        """The pickle prefix followed by the start of the JSON index."""
        return blob.head[:4] == b"\x04\x00\x00\x00" and blob.head[16:25] == b'{"files":'

    def extract(self, blob: Blob, sink: Sink) -> None:
        """Emit every file stored in the archive."""
        with open(blob.path, "rb") as handle:
            index, base = read_index(handle, blob.size, blob.vpath)
            claimed = _Claimed()
            # Depth first, in the index's own order (the order of the data), without recursion.
            stack: list[tuple[str, Iterator[tuple[str, Any]]]] = [
                ("", iter(index["files"].items()))
            ]
            while stack:
                folder, items = stack[-1]
                for key, node in items:
                    path = f"{folder}{key}"
                    where = f"{blob.vpath}!{path}"
                    if not isinstance(node, dict):
                        sink.notice("malformed", "asar entry is not an object", path=where)
                    elif isinstance(node.get("files"), dict):
                        stack.append((path + "/", iter(node["files"].items())))
                        break
                    elif "link" in node:
                        sink.notice(
                            "symlink-skipped",
                            f"link to {str(node['link'])!r} not created",
                            path=where,
                            level="info",
                        )
                    elif node.get("unpacked"):
                        self._unpacked(blob, sink, path)
                    else:
                        self._file(blob, sink, handle, base, path, node, claimed)
                else:  # this folder is done
                    stack.pop()
            if claimed.refused:
                sink.notice(
                    "asar-overlapping-entries",
                    f"{claimed.refused:,} entries reuse bytes of entries already extracted "
                    "(an amplification trick); not extracted",
                    path=blob.vpath,
                )

    @staticmethod
    def _unpacked(blob: Blob, sink: Sink, path: str) -> None:
        """An entry kept beside the archive in ``<name>.unpacked/``: read it from there when the
        archive is the artifact itself (nested, that folder is unpacked as ordinary members)."""
        where = f"{blob.vpath}!{path}"
        folder = f"{blob.path.name}.unpacked"
        parts = path.split("/")
        handle = None
        if blob.depth == 0 and all(p not in ("", ".", "..") and "\x00" not in p for p in parts):
            handle = _open_beside(blob.path.parent, [folder, *parts])
        if handle is None:
            sink.notice(
                "asar-unpacked",
                f"stored outside the archive, in {folder}/",
                path=where,
                level="info",
            )
            return
        with handle:
            size = os.fstat(handle.fileno()).st_size
            sink.emit_stream(blob, path, handle, size=size, note=f"from {folder}/")

    def _file(
        self,
        blob: Blob,
        sink: Sink,
        handle: BinaryIO,
        base: int,
        path: str,
        node: dict[str, Any],
        claimed: _Claimed,
    ) -> None:
        where = f"{blob.vpath}!{path}"
        offset, size = _number(node.get("offset")), _number(node.get("size"))
        if offset is None or size is None:
            sink.notice("malformed", "asar entry without a valid offset and size", path=where)
            return
        start = base + offset
        if start + size > blob.size:
            sink.notice(
                "malformed",
                f"asar entry lies past the end of the archive "
                f"({start + size:,} > {blob.size:,} bytes)",
                path=where,
            )
            return
        if not claimed.take(start, start + size):
            return
        piece = _Slice(handle, start, size)
        sink.emit_stream(blob, path, piece, size=size, offset=start)
        integrity = node.get("integrity")
        if piece.done and isinstance(integrity, dict) and integrity.get("algorithm") == "SHA256":
            expected = str(integrity.get("hash", "")).lower()
            if expected != piece.digest.hexdigest():
                sink.notice(
                    "integrity-mismatch",
                    f"content does not match the sha256 in the asar index ({expected[:16]}…)",
                    path=where,
                )
