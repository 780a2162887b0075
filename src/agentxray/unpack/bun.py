"""Recover the modules of a ``bun build --compile`` executable (ELF, Mach-O or PE).

Each module of the embedded graph is emitted under its virtual path as the graph names it
(``/$bunfs/root/src/entrypoints/cli.js``, ``B:/~BUN/root/…`` on Windows) with its byte offset in
the executable. JavaScriptCore bytecode is recorded but not written; zstd-compressed modules,
recognised by their content (``x.md.zst``, but also a ``mermaid.min.js`` the program decompresses
itself), are decompressed (bounded) and emitted as ``x.md`` or under their own name; UTF-16
text modules are transcoded to UTF-8; native addons are emitted for the native unpacker to take
apart.
"""

from __future__ import annotations

import logging
import mmap
import os
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import zstandard

from agentxray.errors import UnpackError
from agentxray.model import FileKind
from agentxray.unpack.bun_container import BunRegion, locate, object_format
from agentxray.unpack.bun_graph import BunGraph, BunModule, Span, parse_graph
from agentxray.unpack.interface import Blob, Sink, Unpacker

logger = logging.getLogger(__name__)

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_MIB = 1024 * 1024
_WRITE_SOURCEMAP_MAX = 64 * _MIB
_WRITE_MODULE_INFO_MAX = 4 * _MIB
_ZSTD_IN_MEMORY_MAX = 256 * _MIB
"""Assets are decompressed in memory; none this large has been seen (the largest is ~1 MiB)."""

_EXT_KINDS: dict[str, FileKind] = {
    **dict.fromkeys((".js", ".mjs", ".cjs", ".jsx"), "javascript"),
    **dict.fromkeys((".ts", ".tsx", ".mts", ".cts"), "typescript"),
    **dict.fromkeys((".json", ".jsonc"), "json"),
    **dict.fromkeys((".md", ".txt", ".sh", ".html", ".css", ".yaml", ".yml", ".toml"), "text"),
    ".py": "python",
    ".node": "native",
    ".map": "sourcemap",
}
_LOADER_KINDS: dict[str, FileKind] = {
    **dict.fromkeys(("js", "jsx", "ts", "tsx"), "javascript"),
    **dict.fromkeys(("json", "jsonc", "json5"), "json"),
    **dict.fromkeys(("text", "md", "yaml", "toml", "css", "html", "bunsh"), "text"),
    "napi": "native",
}


def is_native(head: bytes) -> bool:
    """Whether ``head`` starts an ELF, Mach-O (thin or universal) or PE image."""
    fmt = object_format(head)
    if fmt == "pe":
        lfanew = int.from_bytes(head[0x3C:0x40], "little") if len(head) >= 0x40 else -1
        return 0 <= lfanew <= len(head) - 4 and head[lfanew : lfanew + 4] == b"PE\0\0"
    if fmt == "fat":
        return 0 < int.from_bytes(head[4:8], "big") <= 32
    return fmt is not None


def kind_of(name: str, loader: str, head: bytes) -> FileKind | None:
    """The file kind of a module from its content's magic, its extension, then its loader."""
    if is_native(head):
        return "native"
    ext = os.path.splitext(name)[1].lower()
    return _EXT_KINDS.get(ext) or _LOADER_KINDS.get(loader)


def unzstd(data: bytes, max_out: int) -> bytes:
    """Decompress zstd ``data`` (all frames), refusing to produce more than ``max_out`` bytes.

    Raises :class:`UnpackError` when the output would exceed ``max_out`` or the data is corrupt.
    """
    declared = zstandard.frame_content_size(data)
    if declared > max_out:
        raise UnpackError(f"zstd frame declares {declared:,} bytes (limit {max_out:,})")
    reader = zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True)
    parts: list[bytes] = []
    total = 0
    try:
        with reader:
            while chunk := reader.read(min(_MIB, max_out + 1 - total)):
                parts.append(chunk)
                total += len(chunk)
                if total > max_out:
                    raise UnpackError(f"zstd data expands beyond {max_out:,} bytes")
    except zstandard.ZstdError as exc:
        raise UnpackError(f"corrupt zstd data: {exc}") from exc
    return b"".join(parts)


def _overlapping(graph: BunGraph) -> set[int]:
    """Indexes of modules whose contents, source map or module info reuse bytes an earlier one
    (in file order) already covers. Real graphs lay these out disjointly; pointing thousands of
    records at one big region would make a small file write gigabytes (as overlapping zip
    members do)."""
    spans = sorted(
        (span.start, span.end, mod.index)
        for mod in graph.modules
        for span in (mod.contents, mod.sourcemap, mod.module_info)
        if span.length
    )
    bad: set[int] = set()
    covered = -1
    for start, end, index in spans:
        if start < covered:
            bad.add(index)
        covered = max(covered, end)
    return bad


def _bytecode_ends(graph: BunGraph) -> dict[int, int]:
    """Effective end of each bytecode start: code-split builds let every module's bytecode pointer
    run to the end of one shared area, so a blob really ends where the next one begins."""
    ends: dict[int, int] = {}
    for mod in graph.modules:
        if mod.bytecode.length:
            ends[mod.bytecode.start] = max(ends.get(mod.bytecode.start, 0), mod.bytecode.end)
    starts = sorted(ends)
    for here, following in pairwise(starts):
        ends[here] = min(ends[here], following)
    return ends


class BunUnpacker(Unpacker):
    """Bun ``--compile`` executables: the embedded ``StandaloneModuleGraph``."""

    name: ClassVar[str] = "bun"

    def __init__(self) -> None:
        self._cache: tuple[tuple[str, int, int], BunRegion | None] | None = None

    def _region(self, path: Path) -> BunRegion | None:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, locate(path))
        return self._cache[1]

    def matches(self, blob: Blob) -> bool:
        if object_format(blob.head) is None:
            return False
        try:
            return self._region(blob.path) is not None
        except OSError:
            return False

    def extract(self, blob: Blob, sink: Sink) -> None:
        region = self._region(blob.path)
        if region is None:
            raise UnpackError(f"{blob.vpath}: no Bun module graph section or trailer found")
        with blob.path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            graph = parse_graph(buf, region.start, region.end, max_records=sink.limits.max_members)
            logger.info(
                "%s: Bun graph in %s, %d modules (%d-byte records)",
                blob.vpath,
                region.container,
                len(graph.modules),
                graph.record_size,
            )
            for index, reason in graph.rejected:
                sink.notice(
                    "bun-bad-record", f"module record {index} skipped: {reason}", path=blob.vpath
                )
            if graph.exec_argv:
                sink.notice(
                    "bun-exec-argv",
                    f"compiled-in arguments: {graph.exec_argv}",
                    path=blob.vpath,
                    level="info",
                )
            ends = _bytecode_ends(graph)
            skipped = _overlapping(graph)
            if skipped:
                sink.notice(
                    "bun-overlapping-modules",
                    f"{len(skipped):,} module records point into bytes another module already "
                    "uses (an amplification trick); they were not extracted",
                    path=blob.vpath,
                )
            bytecode_seen: set[int] = set()
            for mod in graph.modules:
                if mod.index in skipped:
                    continue
                if mod.bytecode.start in bytecode_seen:  # one shared blob is recorded once
                    mod = replace(mod, bytecode=Span(mod.bytecode.start, 0))
                elif mod.bytecode.length:
                    bytecode_seen.add(mod.bytecode.start)
                self._emit_module(blob, sink, buf, graph, mod, ends)

    def _emit_module(
        self,
        blob: Blob,
        sink: Sink,
        buf: mmap.mmap,
        graph: BunGraph,
        mod: BunModule,
        bytecode_ends: dict[int, int],
    ) -> None:
        data = buf[mod.contents.start : mod.contents.end]
        note = (
            f"bun module #{mod.index}, loader {mod.loader}, encoding {mod.encoding}, "
            f"format {mod.module_format}, side {mod.side}"
        )
        if mod.index == graph.entry_point_id:
            note += ", entry point"
        if data.startswith(ZSTD_MAGIC):  # by content: x.md.zst, and a mermaid.min.js too
            self._emit_zstd(blob, sink, mod, data, note)
        elif mod.encoding == "utf16" and len(data) % 2 == 0:
            text = data.decode("utf-16-le", "replace").encode("utf-8")
            note += f", UTF-16LE at {mod.contents.start:#x} transcoded to UTF-8"
            sink.emit(blob, mod.name, text, kind=kind_of(mod.name, mod.loader, text), note=note)
        else:
            kind = kind_of(mod.name, mod.loader, data[:4096])
            sink.emit(blob, mod.name, data, kind=kind, offset=mod.contents.start, note=note)
        if mod.bytecode.length:
            end = bytecode_ends.get(mod.bytecode.start, mod.bytecode.end)
            code = buf[mod.bytecode.start : end]
            origin = f" compiled for {mod.bytecode_origin_path}" if mod.bytecode_origin_path else ""
            sink.emit(
                blob,
                mod.name + ".jsc",
                code,
                kind="bytecode",
                offset=mod.bytecode.start,
                note=f"JavaScriptCore bytecode{origin}, {len(code):,} bytes, not written",
                write=False,
                nested=False,
            )
        if mod.sourcemap.length:
            smap = buf[mod.sourcemap.start : mod.sourcemap.end]
            sink.emit(
                blob,
                mod.name + ".sourcemap",
                smap,
                kind="sourcemap",
                offset=mod.sourcemap.start,
                note=f"Bun serialized source map (binary, not JSON), {len(smap):,} bytes",
                write=len(smap) <= _WRITE_SOURCEMAP_MAX,
                nested=False,
            )
        if mod.module_info.length:
            info = buf[mod.module_info.start : mod.module_info.end]
            sink.emit(
                blob,
                mod.name + ".module_info",
                info,
                kind="data",
                offset=mod.module_info.start,
                note="Bun ESM module info for the bytecode",
                write=len(info) <= _WRITE_MODULE_INFO_MAX,
                nested=False,
            )

    def _emit_zstd(self, blob: Blob, sink: Sink, mod: BunModule, data: bytes, note: str) -> None:
        limits = sink.limits
        max_out = min(
            limits.max_member_bytes,
            _ZSTD_IN_MEMORY_MAX,
            max(_MIB, int(limits.max_ratio * len(data))),
        )
        try:
            plain = unzstd(data, max_out)
        except UnpackError as exc:
            sink.notice(
                "bun-zstd-refused",
                f"{mod.name}: {exc.message}; kept compressed",
                path=f"{blob.vpath}!{mod.name}",
            )
            sink.emit(
                blob,
                mod.name,
                data,
                kind="data",
                offset=mod.contents.start,
                note=note + ", zstd (not decompressed)",
                nested=False,
            )
            return
        name = mod.name[: -len(".zst")] if mod.name.endswith(".zst") else mod.name
        note += (
            f", zstd-decompressed from {mod.name} ({len(data):,} bytes at {mod.contents.start:#x})"
        )
        sink.emit(blob, name, plain, kind=kind_of(name, "", plain[:4096]), note=note)
