"""Parse the module graph that ``bun build --compile`` embeds (Bun's ``StandaloneModuleGraph``).

The serialized graph ("payload") is, in order: string and blob data (module names and contents,
each NUL-terminated; bytecode 128-byte aligned; serialized source maps), the array of module
records, the compile exec-argv bytes, an ``Offsets`` block and the trailer
``"\\n---- Bun! ----\\n"``. Every pointer is a ``{u32 offset, u32 length}`` pair relative to the
payload start, and ``Offsets.byte_count`` is the offset of the ``Offsets`` block itself.

Layouts seen in the wild (verified on real executables):

* ``Offsets``: 32 bytes (``u64 byte_count``, ``modules_ptr``, ``u32 entry_point_id``,
  ``compile_exec_argv_ptr``, ``u32 flags``) in Bun 1.3+; 24 bytes (no exec-argv, no flags) in
  Bun 1.2 and older.
* Module record: 52 bytes (six pointers: name, contents, sourcemap, bytecode, module_info,
  bytecode_origin_path; then ``u8 encoding, loader, module_format, side``) in Bun 1.3+; 36 bytes
  (the first four pointers only) in Bun 1.2 and older.

Nothing here is trusted: every candidate layout is validated (pointers inside the payload, names
under ``/$bunfs/`` or ``B:/~BUN/``) and the first layout that validates wins.
"""

from __future__ import annotations

import logging
import mmap
import struct
from dataclasses import dataclass

from agentxray.errors import UnpackError

logger = logging.getLogger(__name__)

ByteSource = bytes | mmap.mmap
"""What the parser reads: a bytes object or a read-only mmap of the container."""

TRAILER = b"\n---- Bun! ----\n"
"""Marks the end of a serialized module graph."""

NAME_PREFIXES = (b"/$bunfs/", b"B:/~BUN/", b"B:\\~BUN\\")
"""How every module name starts (POSIX builds, Windows builds, Windows native separators)."""

OFFSETS_LAYOUTS = (32, 24)
"""Sizes of the ``Offsets`` block, newest first."""

RECORD_LAYOUTS = (52, 44, 36)
"""Sizes of one module record (six, five or four pointers plus four ``u8``), newest first."""

ENCODINGS_OLD = ("binary", "latin1", "utf8")
ENCODINGS_NEW = ("binary", "latin1", "utf16")
"""Value 2 was "utf8 (not used yet)" in Bun <= 1.2; Bun 1.3+ stores non-Latin-1 text as UTF-16LE."""
MODULE_FORMATS = ("none", "esm", "cjs")
SIDES = ("server", "client")
_GIVE_UP = 64
"""Stop decoding a record layout once this many records (and most of them) are invalid."""

# Bun's ``options.Loader`` enum gained ``jsonc`` at index 7 (``napi`` moved 9 -> 10). Graphs with
# 36-byte records are read with the older table, 52-byte ones with the newer (napi = 10 verified on
# Claude Code 2.1.197 and 2.1.332). The unpacker decides kinds by magic and extension first anyway.
# fmt: off
_LOADERS_OLD = (
    "jsx", "js", "ts", "tsx", "css", "file", "json", "toml", "wasm", "napi", "base64", "dataurl",
    "text", "bunsh", "sqlite", "sqlite_embedded", "html",
)
_LOADERS_NEW = (
    "jsx", "js", "ts", "tsx", "css", "file", "json", "jsonc", "toml", "wasm", "napi", "base64",
    "dataurl", "text", "bunsh", "sqlite", "sqlite_embedded", "html", "yaml", "json5", "md",
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Span:
    """A byte range of the buffer the graph was parsed from (absolute, not payload-relative)."""

    start: int
    """First byte."""
    length: int
    """Number of bytes; 0 when the pointer was empty."""

    @property
    def end(self) -> int:
        """One past the last byte."""
        return self.start + self.length


@dataclass(frozen=True, slots=True)
class BunModule:
    """One module record of the graph."""

    index: int
    """Position in the record array."""
    name: str
    """Virtual path, e.g. ``/$bunfs/root/src/entrypoints/cli.js`` or ``B:/~BUN/root/…``."""
    contents: Span
    """The module's bytes (source text, or a native addon, or an asset)."""
    sourcemap: Span
    """Bun's serialized source map (not JSON); empty when absent."""
    bytecode: Span
    """JavaScriptCore bytecode cache; empty when absent."""
    module_info: Span
    """ESM module info for the bytecode (Bun 1.3+); empty when absent."""
    bytecode_origin_path: str
    """The path the bytecode was compiled for (Bun 1.3+); empty when absent."""
    encoding: str
    """``binary``, ``latin1``, ``utf16`` (Bun 1.3+) or ``utf8`` (older) (or ``unknown(N)``)."""
    loader: str
    """Bun loader name, e.g. ``js``, ``napi``, ``file`` (or ``unknown(N)``)."""
    module_format: str
    """``none``, ``esm`` or ``cjs`` (or ``unknown(N)``)."""
    side: str
    """``server`` or ``client`` (or ``unknown(N)``)."""


@dataclass(frozen=True, slots=True)
class BunGraph:
    """A parsed module graph."""

    modules: tuple[BunModule, ...]
    """Valid records, in record order."""
    rejected: tuple[tuple[int, str], ...]
    """Records that failed validation: (index, reason)."""
    entry_point_id: int
    """Index of the entry-point module."""
    exec_argv: str
    """Arguments baked in with ``--compile-exec-argv`` (empty when none or not recorded)."""
    payload: Span
    """Where the payload lies, from its first byte to the end of the trailer."""
    offsets_size: int
    """Size of the ``Offsets`` block found (32 or 24)."""
    record_size: int
    """Size of one module record found (52, 44 or 36)."""


def _enum_name(table: tuple[str, ...] | list[str], value: int) -> str:
    return table[value] if value < len(table) else f"unknown({value})"


@dataclass(frozen=True, slots=True)
class _Candidate:
    payload_start: int
    byte_count: int
    modules_off: int
    modules_len: int
    entry_point_id: int
    argv: tuple[int, int]
    offsets_size: int


def _candidates(buf: ByteSource, lo: int, trailer_at: int) -> list[_Candidate]:
    """Every ``Offsets`` reading that is self-consistent, newest layout first."""
    found = []
    for size in OFFSETS_LAYOUTS:
        pos = trailer_at - size
        if pos < lo:
            continue
        byte_count, mod_off, mod_len, entry = struct.unpack_from("<QIII", buf, pos)
        argv = struct.unpack_from("<II", buf, pos + 20) if size >= 28 else (0, 0)
        if byte_count > pos - lo or mod_len == 0 or mod_off + mod_len > byte_count:
            continue
        if argv[1] and argv[0] + argv[1] > byte_count:
            argv = (0, 0)
        found.append(_Candidate(pos - byte_count, byte_count, mod_off, mod_len, entry, argv, size))
    return found


def _decode(
    buf: ByteSource, cand: _Candidate, record_size: int
) -> tuple[list[BunModule], list[tuple[int, str]]]:
    """Decode the record array with one record layout; invalid records go to the second list."""
    nptr = (record_size - 4) // 8
    fmt = f"<{2 * nptr}I4B"
    base = cand.payload_start
    limit = cand.byte_count
    table = _LOADERS_OLD if nptr == 4 else _LOADERS_NEW
    encodings = ENCODINGS_OLD if nptr == 4 else ENCODINGS_NEW
    records = buf[base + cand.modules_off : base + cand.modules_off + cand.modules_len]
    good: list[BunModule] = []
    bad: list[tuple[int, str]] = []
    for index, rec in enumerate(struct.iter_unpack(fmt, records)):
        ptrs = [(rec[2 * i], rec[2 * i + 1]) for i in range(nptr)]
        ptrs += [(0, 0)] * (6 - nptr)
        if any(length and off + length > limit for off, length in ptrs):
            bad.append((index, "pointer outside the payload"))
            continue
        (n_off, n_len), contents, smap, bcode, minfo, (o_off, o_len) = ptrs
        raw_name = buf[base + n_off : base + n_off + n_len]
        if not raw_name.startswith(NAME_PREFIXES) or b"\0" in raw_name:
            bad.append((index, "name not under /$bunfs/ or B:/~BUN/"))
            if len(bad) > _GIVE_UP and len(bad) > len(good):
                break
            continue
        origin = buf[base + o_off : base + o_off + o_len] if o_len else b""
        encoding, loader, module_format, side = rec[2 * nptr :]
        good.append(
            BunModule(
                index=index,
                name=raw_name.decode("utf-8", "replace"),
                contents=Span(base + contents[0], contents[1]),
                sourcemap=Span(base + smap[0], smap[1]),
                bytecode=Span(base + bcode[0], bcode[1]),
                module_info=Span(base + minfo[0], minfo[1]),
                bytecode_origin_path=origin.decode("utf-8", "replace"),
                encoding=_enum_name(encodings, encoding),
                loader=_enum_name(table, loader),
                module_format=_enum_name(MODULE_FORMATS, module_format),
                side=_enum_name(SIDES, side),
            )
        )
    return good, bad


def parse_graph(
    buf: ByteSource, lo: int = 0, hi: int | None = None, *, max_records: int = 1_000_000
) -> BunGraph:
    """Parse the graph whose trailer is the last one inside ``buf[lo:hi]``.

    ``buf`` may be an ``mmap``; only the records and names are copied. Raises
    :class:`UnpackError` when there is no trailer, no layout validates, or the record array
    claims more than ``max_records`` modules.
    """
    hi = len(buf) if hi is None else min(hi, len(buf))
    if not 0 <= lo < hi:
        raise UnpackError("Bun module graph region is empty")
    trailer_at = buf.rfind(TRAILER, lo, hi)
    if trailer_at < 0:
        raise UnpackError("no Bun module graph trailer ('---- Bun! ----') in the container")
    best: tuple[int, _Candidate, int, list[BunModule], list[tuple[int, str]]] | None = None
    for cand in _candidates(buf, lo, trailer_at):
        for record_size in RECORD_LAYOUTS:
            if cand.modules_len % record_size:
                continue
            if cand.modules_len // record_size > max_records:
                raise UnpackError(
                    f"Bun module graph claims {cand.modules_len // record_size:,} modules "
                    f"(limit {max_records:,})"
                )
            good, bad = _decode(buf, cand, record_size)
            count = len(good) + len(bad)
            if not good or len(good) * 2 < count or cand.entry_point_id >= count:
                continue
            if best is None or len(good) > best[0]:
                best = (len(good), cand, record_size, good, bad)
            if not bad:
                break
        if best is not None and not best[4]:
            break
    if best is None:
        raise UnpackError(
            "Bun module graph trailer found, but no valid module records behind it "
            "(truncated or corrupted graph)"
        )
    _, cand, record_size, good, bad = best
    argv_off, argv_len = cand.argv
    start = cand.payload_start + argv_off
    argv = buf[start : start + argv_len].decode("utf-8", "replace") if argv_len else ""
    logger.debug(
        "Bun graph at %#x: %d modules, %d-byte records, %d-byte offsets",
        cand.payload_start,
        len(good),
        record_size,
        cand.offsets_size,
    )
    return BunGraph(
        modules=tuple(good),
        rejected=tuple(bad),
        entry_point_id=cand.entry_point_id,
        exec_argv=argv,
        payload=Span(cand.payload_start, trailer_at + len(TRAILER) - cand.payload_start),
        offsets_size=cand.offsets_size,
        record_size=record_size,
    )
