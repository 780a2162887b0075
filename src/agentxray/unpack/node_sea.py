"""Node single-executable apps: the ``NODE_SEA_BLOB`` postject injected into an ELF, Mach-O or PE.

The blob (Node's ``src/node_sea.cc``) is ``u32 magic 0x0143DA20``, ``u32 flags``, then, from Node
24, ``u8 exec_argv_extension`` and, from Node 25.7, ``u8 main_format``; then u64-length-prefixed
strings: code path, main script (or V8 snapshot), code cache (flag 4), assets (flag 8: u64 count,
key/content pairs), exec argv (flag 16: u64 count, strings). Every length is checked.
"""

from __future__ import annotations

import json
import logging
import mmap
import re
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from agentxray.errors import UnpackError
from agentxray.unpack.interface import Blob, Sink, Unpacker
from agentxray.unpack.objfile import ObjectFile, iter_notes, load, sniff

logger = logging.getLogger(__name__)

MAGIC = 0x0143DA20
_MAGIC_BYTES = struct.pack("<I", MAGIC)
FUSE_ON = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1"
RESOURCE = b"NODE_SEA_BLOB"
FLAG_DISABLE_WARNING = 1
FLAG_SNAPSHOT = 2
FLAG_CODE_CACHE = 4
FLAG_ASSETS = 8
FLAG_EXEC_ARGV = 16
KNOWN_FLAGS = 31
_MAX_KEY = 4096
# An ELF note header (namesz 14, any descsz, any type) owned by NODE_SEA_BLOB, then the magic.
_NOTE_RE = re.compile(rb"\x0e\x00\x00\x00(.{4}).{4}NODE_SEA_BLOB\x00\x00\x00\x20\xda\x43\x01", re.S)


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the executable."""

    offset: int
    """File offset."""
    size: int
    """Length in bytes."""


@dataclass(frozen=True, slots=True)
class SeaBlob:
    """A parsed SEA blob; spans are file offsets into the executable."""

    flags: int
    """Raw flags word."""
    header_size: int
    """8 (Node ≤ 22), 9 (exec-argv extension byte) or 10 (also the main-format byte)."""
    code_path: str
    """Path of the main script when the app was built."""
    main: Span
    """The main script, or the V8 startup snapshot when :attr:`snapshot` is set."""
    code_cache: Span | None = None
    """V8 code cache of the main script."""
    assets: tuple[tuple[str, Span], ...] = ()
    """Assets by key, in blob order."""
    exec_argv: tuple[str, ...] = ()
    """Node options baked into the app."""
    extra: dict[str, int] = field(default_factory=dict)
    """Header bytes after the flags (``exec_argv_extension``, ``main_format``)."""

    @property
    def snapshot(self) -> bool:
        """Whether the main entry is a V8 snapshot rather than source."""
        return bool(self.flags & FLAG_SNAPSHOT)


class _Reader:
    """Bounds-checked little-endian reads inside ``[pos, end)``."""

    def __init__(self, buf: mmap.mmap | bytes, pos: int, end: int) -> None:
        self.buf, self.pos, self.end = buf, pos, end

    def u8(self) -> int:
        return self._unpack("<B", 1)

    def u64(self) -> int:
        return self._unpack("<Q", 8)

    def _unpack(self, fmt: str, size: int) -> int:
        if self.pos + size > self.end:
            raise UnpackError(f"SEA blob truncated at offset {self.pos:#x}")
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return int(value)

    def span(self) -> Span:
        size = self.u64()
        if size > self.end - self.pos:
            raise UnpackError(f"SEA blob length {size} at {self.pos - 8:#x} runs past its end")
        span = Span(self.pos, size)
        self.pos += size
        return span

    def text(self, limit: int = _MAX_KEY) -> str:
        span = self.span()
        if span.size > limit:
            raise UnpackError(f"SEA blob string at {span.offset:#x} is {span.size} bytes long")
        return bytes(self.buf[span.offset : span.offset + span.size]).decode("utf-8", "replace")

    def count(self, min_item: int) -> int:
        count = self.u64()
        if count * min_item > self.end - self.pos:
            raise UnpackError(f"SEA blob count {count} at {self.pos - 8:#x} cannot fit")
        return count


def parse_blob(buf: mmap.mmap | bytes, offset: int, size: int) -> SeaBlob:
    """Parse the blob at ``buf[offset:offset+size]``, trying each known header layout."""
    if size < 8 or offset < 0 or offset + size > len(buf):
        raise UnpackError("SEA blob too small or out of the file")
    magic, flags = struct.unpack_from("<II", buf, offset)
    if magic != MAGIC:
        raise UnpackError(f"SEA blob magic is {magic:#010x}, expected {MAGIC:#010x}")
    candidates: list[SeaBlob] = []
    errors: list[str] = []
    layouts = (9, 10) if flags & FLAG_EXEC_ARGV else (8, 9, 10)
    for header in layouts:
        try:
            blob, used = _parse_layout(buf, offset, size, flags, header)
        except UnpackError as exc:
            errors.append(exc.message)
            continue
        if used == size:
            return blob
        candidates.append(blob)
    # Containers may pad the blob (section alignment); take the first layout that fit.
    if candidates:
        return candidates[0]
    raise UnpackError(f"malformed SEA blob: {errors[0] if errors else 'no layout fits'}")


def _parse_layout(
    buf: mmap.mmap | bytes, offset: int, size: int, flags: int, header: int
) -> tuple[SeaBlob, int]:
    r = _Reader(buf, offset + 8, offset + size)
    extra: dict[str, int] = {}
    if header >= 9:
        extra["exec_argv_extension"] = r.u8()
        if extra["exec_argv_extension"] > 2:
            raise UnpackError("SEA exec_argv_extension byte out of range")
    if header >= 10:
        extra["main_format"] = r.u8()
        if extra["main_format"] > 1:
            raise UnpackError("SEA main_format byte out of range")
    code_path = r.text()
    if any(ch < " " for ch in code_path):
        raise UnpackError("SEA code path is not text")
    main = r.span()
    cache = r.span() if flags & FLAG_CODE_CACHE else None
    assets: list[tuple[str, Span]] = []
    if flags & FLAG_ASSETS:
        for _ in range(r.count(16)):
            key = r.text()
            assets.append((key, r.span()))
    argv: list[str] = []
    if flags & FLAG_EXEC_ARGV:
        argv = [r.text() for _ in range(r.count(8))]
    blob = SeaBlob(flags, header, code_path, main, cache, tuple(assets), tuple(argv), extra)
    return blob, r.pos - offset


def locate(buf: mmap.mmap, obj: ObjectFile | None, fmt: str) -> Span | None:
    """Where the blob lies in the file, through the container's own structures."""
    if obj is not None and fmt == "elf":
        seen: set[int] = set()
        for sec in obj.sections:
            if not sec.note or sec.offset in seen:
                continue
            seen.add(sec.offset)
            for owner, _type, at, size in iter_notes(buf, sec.offset, sec.offset + sec.size):
                if owner == RESOURCE:
                    return Span(at, size)
    if obj is not None and fmt == "macho":
        for sec in obj.sections:
            if sec.name.endswith("NODE_SEA,__NODE_SEA_BLOB"):
                return Span(sec.offset, sec.size)
    if obj is not None and fmt == "pe":
        for res in obj.resources:
            if RESOURCE.decode() not in res.path.split("/"):
                continue
            if buf[res.offset : res.offset + 4] == _MAGIC_BYTES:
                return Span(res.offset, res.size)
            # Should LIEF report an RVA rather than a file offset, look inside .rsrc instead.
            for sec in obj.sections:
                if sec.name == ".rsrc":
                    at = buf.find(_MAGIC_BYTES, sec.offset, sec.offset + sec.size)
                    if at != -1 and at + res.size <= sec.offset + sec.size:
                        return Span(at, res.size)
    if fmt == "elf":  # section and program headers stripped or unreadable: scan for the note
        for m in _NOTE_RE.finditer(buf):
            (size,) = struct.unpack("<I", m.group(1))
            at = m.end() - 4
            if at + size <= len(buf):
                return Span(at, size)
    return None


def _has_fuse(blob: Blob) -> bool:
    try:
        with blob.path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return mm.find(FUSE_ON) != -1
    except (OSError, ValueError):
        return False


def _basename(path: str) -> str:
    base = re.split(r"[/\\]", path)[-1].strip()
    return base if base not in ("", ".", "..") else "main.js"


class NodeSeaUnpacker(Unpacker):
    """Recovers the main script, code cache and assets of a Node single-executable app."""

    name = "node-sea"

    def matches(self, blob: Blob) -> bool:
        return sniff(blob.head) is not None and _has_fuse(blob)

    def extract(self, blob: Blob, sink: Sink) -> None:
        fmt = sniff(blob.head)
        if fmt is None:
            raise UnpackError(f"{blob.vpath} is not an ELF, Mach-O or PE file")
        try:
            obj: ObjectFile | None = load(blob.path, fmt, blob.size)
        except UnpackError as exc:
            sink.notice("sea-headers", exc.message, path=blob.vpath)
            obj = None
        with blob.path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            span = locate(mm, obj, fmt)
            if span is None:
                raise UnpackError(f"{blob.vpath} has the SEA fuse set but no NODE_SEA_BLOB")
            sea = parse_blob(mm, span.offset, span.size)
            logger.info("SEA blob in %s at %#x (%d bytes)", blob.vpath, span.offset, span.size)
            self._emit(blob, sink, mm, sea, span)

    def _emit(self, blob: Blob, sink: Sink, mm: mmap.mmap, sea: SeaBlob, span: Span) -> None:
        if sea.flags & ~KNOWN_FLAGS:
            sink.notice(
                "sea-unknown-flags", f"SEA flags {sea.flags:#x} has unknown bits", path=blob.vpath
            )
        info = {
            "blob_offset": span.offset,
            "blob_size": span.size,
            "flags": sea.flags,
            "header_size": sea.header_size,
            "code_path": sea.code_path,
            "snapshot": sea.snapshot,
            "code_cache": sea.code_cache is not None,
            "assets": [key for key, _ in sea.assets],
            "exec_argv": list(sea.exec_argv),
            **sea.extra,
        }
        sink.emit(blob, "sea.json", json.dumps(info, indent=2).encode(), kind="json", nested=False)
        main_name = _basename(sea.code_path)
        if sea.snapshot:
            sink.notice(
                "sea-snapshot",
                "the SEA main entry is a V8 startup snapshot: no source to recover",
                path=blob.vpath,
                level="info",
            )
            sink.emit(
                blob,
                main_name + ".snapshot",
                _read(mm, sea.main),
                kind="bytecode",
                offset=sea.main.offset,
                note="V8 startup snapshot (no source)",
                nested=False,
            )
        else:
            sink.emit(
                blob,
                main_name,
                _read(mm, sea.main),
                kind="javascript",
                offset=sea.main.offset,
                note="SEA main script",
            )
        if sea.code_cache is not None:
            sink.emit(
                blob,
                main_name + ".code-cache",
                _read(mm, sea.code_cache),
                kind="bytecode",
                offset=sea.code_cache.offset,
                note="V8 code cache of the main script, not written",
                write=False,
                nested=False,
            )
        for key, asset in sea.assets:
            # Assets (copilot.tgz: 88 MB) are copied from the file in chunks, not held in memory.
            with blob.path.open("rb") as fh:
                fh.seek(asset.offset)
                sink.emit_stream(
                    blob,
                    key,
                    _Bounded(fh, asset.size),
                    size=asset.size,
                    offset=asset.offset,
                    note="SEA asset",
                )


class _Bounded:
    """Reads at most ``left`` bytes from ``fh``'s current position."""

    def __init__(self, fh: BinaryIO, left: int) -> None:
        self.fh, self.left = fh, left

    def read(self, size: int = -1, /) -> bytes:
        if self.left <= 0:
            return b""
        data = self.fh.read(self.left if size < 0 or size > self.left else size)
        self.left -= len(data)
        return data


def _read(mm: mmap.mmap, span: Span) -> bytes:
    return mm[span.offset : span.offset + span.size]
