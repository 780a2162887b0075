"""Native binaries and ``.node`` addons: strings per data section, Go and Rust build traces.

Each data section (``.rodata``, ``.data.rel.ro``, ``__TEXT,__cstring``, ``.rdata``, …) becomes
``strings/<section>.txt`` (ASCII/UTF-8 runs) and ``strings/<section>.utf16.txt`` (UTF-16LE runs),
one string a line as ``0x<file offset in the binary>\\t<text>``. Code sections are skipped. This is
the fallback for ELF/Mach-O/PE files no more specific unpacker claims.
"""

from __future__ import annotations

import json
import logging
import mmap
import re
from collections.abc import Iterator

from agentxray.errors import UnpackError
from agentxray.unpack.gobuildinfo import find_go_buildinfo, rust_traces
from agentxray.unpack.interface import Blob, Sink, Unpacker
from agentxray.unpack.objfile import ObjFormat, Section, load, sniff

logger = logging.getLogger(__name__)

MIN_CHARS = 6
MAX_STRINGS_BYTES = 256 * 1024**2
"""Strings written per binary at most (further sections are skipped with a notice)."""
MAX_SECTIONS = 256
"""Data sections scanned per binary at most (each becomes up to two files)."""
MAX_LINE = 4096
"""Longer runs are cut to this many bytes (characters for UTF-16; the offset marks the start)."""

# Runs of printable ASCII and bytes that may belong to UTF-8 sequences; the few runs holding
# non-ASCII bytes are re-split with the strict UTF-8 pattern.
_LOOSE = re.compile(rb"[\x20-\x7e\t\x80-\xf4]{%d,}" % MIN_CHARS)
_UTF8 = re.compile(
    rb"(?:[\x20-\x7e\t]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef]"
    rb"[\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3]"
    rb"[\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}){%d,}" % MIN_CHARS
)
_ASCII = re.compile(rb"[\x20-\x7e\t]{%d,}" % MIN_CHARS)
_LINE = b"0x%x\t%s\n"
_CHUNK = 1 << 20
_ZEROS = bytes(_CHUNK)
_MAX_INVALID_SHARE = 0.05
_SAMPLE = 64 << 10
_UTF16 = re.compile(rb"[\x20-\x7e\t]\x00(?:[\x20-\x7e\t]\x00){%d,}" % (MIN_CHARS - 1))
_EXTRA_SECTIONS = frozenset({".dynstr"})
_UNSAFE = re.compile(r"[^A-Za-z0-9_.,-]+")


def utf8_lines(buf: mmap.mmap | bytes, start: int, end: int) -> list[bytes]:
    """A line ``0x<offset>\\t<text>\\n`` per run of ≥ 6 printable ASCII/UTF-8 characters.

    Stretches that look compressed or random (many bytes outside valid UTF-8) get ASCII runs
    only: re-splitting their countless loose runs as UTF-8 would cost seconds for noise.
    """
    out: list[bytes] = []
    for lo, hi, text_like in _stretches(buf, start, end):
        if not text_like:
            out += [_LINE % (m.start(), m.group()[:MAX_LINE]) for m in _ASCII.finditer(buf, lo, hi)]
            continue
        for m in _LOOSE.finditer(buf, lo, hi):
            text = m.group()
            if text.isascii():
                out.append(_LINE % (m.start(), text[:MAX_LINE]))
                continue
            base = m.start()
            for sub in _UTF8.finditer(text):
                chars = sub.group().decode("utf-8")
                if len(chars) >= MIN_CHARS:  # cut whole characters only
                    cut = sub.group()[:MAX_LINE].decode("utf-8", "ignore").encode()
                    out.append(_LINE % (base + sub.start(), cut))
    return out


def utf16_lines(buf: mmap.mmap | bytes, start: int, end: int) -> list[bytes]:
    """A line ``0x<offset>\\t<text>\\n`` per run of ≥ 6 printable UTF-16LE (ASCII) characters."""
    return [
        _LINE % (m.start(), m.group()[: 2 * MAX_LINE : 2]) for m in _UTF16.finditer(buf, start, end)
    ]


def _stretches(buf: mmap.mmap | bytes, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """Split ``[start, end)`` into maximal stretches of text-like and random-like chunks."""
    run_start, run_kind = start, True
    for lo in range(start, end, _CHUNK):
        hi = min(lo + _CHUNK, end)
        sample = buf[lo : min(lo + _SAMPLE, hi)]
        # Random-like: bytes that are not part of any valid UTF-8 sequence are common.
        invalid = len(sample) - len(sample.decode("utf-8", "ignore").encode())
        kind = invalid <= len(sample) * _MAX_INVALID_SHARE
        if kind != run_kind and lo > run_start:
            yield run_start, lo, run_kind
            run_start = lo
        run_kind = kind
    if end > run_start:
        yield run_start, end, run_kind


def nonzero_extents(buf: mmap.mmap | bytes, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` without its all-zero 1 MiB chunks (padding, or a sparse file claiming
    to be a binary): no string can lie in them, and the scans cost seconds per GiB."""
    out: list[tuple[int, int]] = []
    for lo in range(start, end, _CHUNK):
        hi = min(lo + _CHUNK, end)
        if buf[lo:hi] == _ZEROS[: hi - lo]:
            continue
        if out and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def cap(lines: list[bytes], budget: int) -> tuple[bytes, bool]:
    """The lines joined, cut to ``budget`` bytes at a line end; whether they were cut."""
    text = b"".join(lines)
    if len(text) <= budget:
        return text, False
    return text[: text.rfind(b"\n", 0, budget) + 1], True


def _file_name(name: str, taken: set[str]) -> str:
    base = _UNSAFE.sub("_", name).strip("._") or "section"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


class NativeUnpacker(Unpacker):
    """Strings and build traces of ELF, Mach-O and PE files (executables, ``.so``, ``.node``)."""

    name = "native"

    def matches(self, blob: Blob) -> bool:
        return sniff(blob.head) is not None

    def extract(self, blob: Blob, sink: Sink) -> None:
        fmt = sniff(blob.head)
        if fmt is None:
            raise UnpackError(f"{blob.vpath} is not an ELF, Mach-O or PE file")
        sections = self._sections(blob, sink, fmt)
        budget = min(MAX_STRINGS_BYTES, sink.limits.max_member_bytes)
        taken: set[str] = set()
        with blob.path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            extents = [nonzero_extents(mm, s.offset, s.offset + s.size) for s in sections]
            for sec, parts in zip(sections, extents, strict=True):
                end = sec.offset + sec.size
                stem = _file_name(sec.name, taken)
                for suffix, scan in (("", utf8_lines), (".utf16", utf16_lines)):
                    lines = [line for lo, hi in parts for line in scan(mm, lo, hi)]
                    text, cut = cap(lines, max(budget, 0))
                    budget -= len(text)
                    if cut:
                        sink.notice(
                            "strings-truncated",
                            f"strings of {sec.name} cut: the per-binary cap "
                            f"({MAX_STRINGS_BYTES >> 20} MiB or the member size limit) is "
                            "reached; later sections skipped",
                            path=blob.vpath,
                        )
                    if text:
                        sink.emit(
                            blob,
                            f"strings/{stem}{suffix}.txt",
                            text,
                            kind="strings",
                            note=f"{'UTF-16LE' if suffix else 'ASCII/UTF-8'} strings of "
                            f"{sec.name} (file offsets {sec.offset:#x}-{end:#x})",
                            nested=False,
                        )
                if budget <= 0:
                    break
            self._build_traces(blob, sink, mm, [e for parts in extents for e in parts])

    def _sections(self, blob: Blob, sink: Sink, fmt: ObjFormat) -> list[Section]:
        whole = [Section("file", 0, blob.size, "data")]
        try:
            obj = load(blob.path, fmt, blob.size)
        except UnpackError as exc:
            sink.notice(
                "native-headers", f"{exc.message}; scanning the whole file", path=blob.vpath
            )
            return whole
        picked = [s for s in obj.sections if s.role == "data" or s.name in _EXTRA_SECTIONS]
        if len(picked) > MAX_SECTIONS:
            sink.notice(
                "too-many-sections",
                f"{len(picked)} data sections; strings of the first {MAX_SECTIONS} only",
                path=blob.vpath,
            )
            picked = picked[:MAX_SECTIONS]
        for sec in picked:
            if sec.clamped:
                sink.notice(
                    "section-truncated", f"section {sec.name} runs past the file", path=blob.vpath
                )
        if not picked:
            sink.notice(
                "native-no-sections", "no data sections; scanning the whole file", path=blob.vpath
            )
            return whole
        return picked

    def _build_traces(
        self, blob: Blob, sink: Sink, mm: mmap.mmap, extents: list[tuple[int, int]]
    ) -> None:
        go = find_go_buildinfo(mm)
        if go is not None:
            sink.emit(
                blob,
                "go-buildinfo.json",
                json.dumps(go.as_json(), indent=2).encode(),
                kind="json",
                offset=go.offset,
                note=f"Go build info ({go.go_version or 'pre-1.18 layout, not decoded'})",
                nested=False,
            )
        rust = rust_traces(mm, extents)
        if rust is not None:
            sink.emit(
                blob,
                "rust-info.json",
                json.dumps(rust, indent=2).encode(),
                kind="json",
                note="Rust toolchain and crates named in panic paths",
                nested=False,
            )
