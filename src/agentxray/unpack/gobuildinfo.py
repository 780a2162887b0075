"""Go build information (``\\xff Go buildinf:``) and Rust toolchain/crate traces in binaries."""

from __future__ import annotations

import logging
import mmap
import re
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

GO_MAGIC = b"\xff Go buildinf:"
_GO_HEADER = 32
_FLAG_INLINE = 2
_MAX_TEXT = 1 << 20
_MODINFO_SENTINEL = 16
_CRATE = (
    rb"([A-Za-z0-9_-]{1,64}?-\d{1,4}\.\d{1,4}\.\d{1,4}"
    rb"(?:-[0-9A-Za-z.]{1,32})?(?:\+[0-9A-Za-z.]{1,32})?)[/\\]"
)
# Cargo's registry checkouts and Bazel's vendored crates, each with a literal prefix (fast scan).
_RUST_CRATE_RES = (
    re.compile(rb"index\.crates\.io-[0-9a-f]{16}[/\\]" + _CRATE),
    re.compile(rb"github\.com-[0-9a-f]{16}[/\\]" + _CRATE),
    re.compile(rb"vendor__" + _CRATE),
)
_RUSTC_COMMIT_RE = re.compile(rb"/rustc/([0-9a-f]{40})/")
_RUSTC_VERSION_RE = re.compile(rb"rustc version (\d{1,3}\.\d{1,3}\.\d{1,3}[ -~]{0,60}?)\)")

Buffer = mmap.mmap | bytes


@dataclass(frozen=True, slots=True)
class GoBuildInfo:
    """What ``go version -m`` prints, read from the binary's build-info blob."""

    offset: int
    """File offset of the ``\\xff Go buildinf:`` header."""
    go_version: str | None
    """Toolchain, e.g. ``go1.23.4``; ``None`` for the pre-1.18 pointer layout (not decoded)."""
    path: str | None = None
    """Main package path."""
    main: dict[str, str] | None = None
    """Main module: path, version, sum."""
    deps: tuple[dict[str, str], ...] = ()
    """Dependency modules, each with path, version, sum and replacement when present."""
    settings: dict[str, str] = field(default_factory=dict)
    """``build`` lines: -ldflags, GOOS, vcs.revision, …"""

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "offset": self.offset,
            "go_version": self.go_version,
            "path": self.path,
            "main": self.main,
            "deps": list(self.deps),
            "settings": self.settings,
        }


def find_go_buildinfo(buf: Buffer) -> GoBuildInfo | None:
    """Locate and decode Go build info; ``None`` when absent or malformed."""
    at = buf.find(GO_MAGIC)
    while at != -1:
        info = _decode_go(buf, at)
        if info is not None:
            return info
        at = buf.find(GO_MAGIC, at + 1)
    return None


def _uvarint(buf: Buffer, pos: int, end: int) -> tuple[int, int] | None:
    value = shift = 0
    while pos < end and shift <= 63:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    return None


def _varstring(buf: Buffer, pos: int, end: int) -> tuple[bytes, int] | None:
    got = _uvarint(buf, pos, end)
    if got is None:
        return None
    size, pos = got
    if size > _MAX_TEXT or pos + size > end:
        return None
    return bytes(buf[pos : pos + size]), pos + size


def _decode_go(buf: Buffer, at: int) -> GoBuildInfo | None:
    end = min(len(buf), at + _GO_HEADER + 2 * (_MAX_TEXT + 10))
    if at + _GO_HEADER > end:
        return None
    ptr_size, flags = buf[at + 14], buf[at + 15]
    if ptr_size not in (4, 8):
        return None
    if not flags & _FLAG_INLINE:
        return GoBuildInfo(at, None)
    first = _varstring(buf, at + _GO_HEADER, end)
    if first is None:
        return None
    version, pos = first
    second = _varstring(buf, pos, end)
    if second is None or not version.startswith(b"go"):
        return None
    modinfo = second[0]
    if len(modinfo) >= 2 * _MODINFO_SENTINEL + 1 and modinfo[-_MODINFO_SENTINEL - 1] == 0x0A:
        modinfo = modinfo[_MODINFO_SENTINEL:-_MODINFO_SENTINEL]
    return _parse_modinfo(
        at, version.decode("utf-8", "replace"), modinfo.decode("utf-8", "replace")
    )


def _module(fields: list[str]) -> dict[str, str]:
    return dict(zip(("path", "version", "sum"), fields, strict=False))


def _parse_modinfo(at: int, version: str, text: str) -> GoBuildInfo:
    path: str | None = None
    main: dict[str, str] | None = None
    deps: list[dict[str, str]] = []
    settings: dict[str, str] = {}
    for line in text.splitlines():
        kind, _, rest = line.partition("\t")
        fields = rest.split("\t")
        if kind == "path":
            path = rest
        elif kind == "mod":
            main = _module(fields)
        elif kind == "dep":
            deps.append(_module(fields))
        elif kind == "=>" and deps:
            deps[-1]["replaced_by"] = " ".join(fields)
        elif kind == "build":
            key, _, value = rest.partition("=")
            settings[key] = value
    return GoBuildInfo(at, version, path, main, tuple(deps), settings)


def rust_traces(buf: Buffer, ranges: list[tuple[int, int]]) -> dict[str, Any] | None:
    """Rust toolchain and crate versions named in panic-location paths; ``None`` when not Rust."""
    crates: set[str] = set()
    commits: set[str] = set()
    versions: set[str] = set()
    for start, end in ranges:
        for crate_re in _RUST_CRATE_RES:
            crates.update(m.group(1).decode() for m in crate_re.finditer(buf, start, end))
        commits.update(m.group(1).decode() for m in _RUSTC_COMMIT_RE.finditer(buf, start, end))
        versions.update(
            m.group(1).decode("ascii", "replace")
            for m in _RUSTC_VERSION_RE.finditer(buf, start, end)
        )
    if not (crates or commits or versions):
        return None
    return {
        "rustc_versions": sorted(versions),
        "rustc_commits": sorted(commits),
        "crates": sorted(crates),
    }
