"""Small valid containers of every format the unpackers read, with the offsets of their fields."""

from __future__ import annotations

import gzip
import io
import json
import lzma
import struct
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import zstandard
from bun_fixtures import (
    TRAILER,
    Mod,
    elf_appended,
    elf_with_section,
    macho_with_section,
    payload,
    pe_with_section,
)
from elf_fixture import SHF_EXECINSTR, SHT_NOTE, Sec, build_elf, note

JS = b"const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;\nexport default tz;\n"
PY = b"import os\nBASE = os.environ.get('ANTHROPIC_BASE_URL')\n"


@dataclass(frozen=True)
class Seed:
    """A valid container and the offsets of its length/offset fields (mutated preferentially)."""

    name: str
    """File name given to the mutant (the unpackers look at extensions too)."""
    data: bytes
    hot: tuple[int, ...] = ()


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _tar_hot(raw: bytes) -> tuple[int, ...]:
    """Size, checksum and type fields of every header block."""
    hot = []
    for block in range(0, len(raw), 512):
        if raw[block + 257 : block + 262] == b"ustar":
            hot += [block + 124, block + 128, block + 148, block + 156]
    return tuple(hot)


def tgz() -> Seed:
    members = {"package/package.json": b'{"name":"x","version":"1.0.0"}', "package/cli.js": JS}
    return Seed("x-1.0.0.tgz", gzip.compress(_tar(members), mtime=0))


def tar_plain() -> Seed:
    raw = _tar({"package/cli.js": JS, "package/a.py": PY, "package/nested.tgz": tgz().data})
    return Seed("plain.tar", raw, _tar_hot(raw))


def tar_xz() -> Seed:
    return Seed("x.tar.xz", lzma.compress(_tar({"package/cli.js": JS})))


def zip_wheel() -> Seed:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pkg/__init__.py", PY)
        zf.writestr("pkg/cli.js", JS * 20)
        zf.writestr("pkg-1.0.dist-info/RECORD", b"pkg/__init__.py,,\n")
    raw = out.getvalue()
    hot = []
    for magic, fields in ((b"PK\x03\x04", (18, 22, 26, 28)), (b"PK\x01\x02", (20, 24, 28, 42))):
        at = raw.find(magic)
        while at >= 0:
            hot += [at + f for f in fields]
            at = raw.find(magic, at + 4)
    end = raw.rfind(b"PK\x05\x06")
    hot += [end + 10, end + 12, end + 16]
    return Seed("pkg-1.0-py3-none-any.whl", raw, tuple(hot))


def asar() -> Seed:
    data = JS + PY
    files = {
        "app": {"files": {"main.js": {"offset": "0", "size": len(JS)}}},
        "lib.py": {"offset": str(len(JS)), "size": len(PY)},
    }
    text = json.dumps({"files": files}).encode()
    padded = text + b"\x00" * (-len(text) % 4)
    header = struct.pack("<II", len(padded) + 4, len(text)) + padded
    return Seed("app.asar", struct.pack("<II", 4, len(header)) + header + data, (0, 4, 8, 12))


def _bun_mods() -> list[Mod]:
    packed = zstandard.ZstdCompressor().compress(b"# Skill\n" * 64)
    return [
        Mod(b"/$bunfs/root/src/cli.js", JS, bytecode=bytes(range(256)), origin=b"/$bunfs/x"),
        Mod(b"/$bunfs/root/helper.js", JS, module_format=1, sourcemap=b'{"version":3}'),
        Mod(b"/$bunfs/root/SKILL.md.zst", packed, loader=5, encoding=0),
    ]


def _bun_hot(graph: bytes, at: int) -> tuple[int, ...]:
    """Every field of the offsets struct and of the module records, as image offsets."""
    table = len(graph) - len(TRAILER) - 32
    _, mod_off, mod_len = struct.unpack_from("<QII", graph, table)
    fields = list(range(table, table + 32, 4)) + list(range(mod_off, mod_off + mod_len, 4))
    return tuple(at + f for f in fields)


def _bun(name: str, wrap: Callable[[bytes], tuple[bytes, int]]) -> Seed:
    graph = payload(_bun_mods()).data
    image, at = wrap(graph)
    return Seed(name, image, (*_bun_hot(graph, at), at - 8))


def bun_elf() -> Seed:
    return _bun("claude", elf_with_section)


def bun_elf_appended() -> Seed:
    return _bun("bun-old", elf_appended)


def bun_macho() -> Seed:
    return _bun("claude-mac", macho_with_section)


def bun_pe() -> Seed:
    return _bun("claude.exe", pe_with_section)


def node_sea() -> Seed:
    def lp(data: bytes) -> bytes:
        return struct.pack("<Q", len(data)) + data

    assets = [(b"copilot.tgz", tgz().data), (b"a.txt", b"hello")]
    blob = (
        struct.pack("<II", 0x0143DA20, 1 | 8)
        + lp(b"dist/main.js")
        + lp(JS)
        + struct.pack("<Q", len(assets))
        + b"".join(lp(k) + lp(v) for k, v in assets)
    )
    fuse = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1"
    image, offsets = build_elf(
        [
            Sec(".text", b"\xc3" * 64, flags=6 | SHF_EXECINSTR),
            Sec(".rodata", b"node runtime\x00" + fuse + b"\x00"),
            Sec(".note.node.sea", note(b"NODE_SEA_BLOB", blob), SHT_NOTE),
        ],
        note_segment=".note.node.sea",
    )
    base = offsets[".note.node.sea"]
    hot = [base, base + 4]
    pos = base + 12 + 16 + 8  # note header, owner, magic + flags
    for _ in range(8):
        if pos + 8 > len(image):
            break
        hot.append(pos)
        pos += 8 + struct.unpack_from("<Q", image, pos)[0]
    return Seed("copilot", image, tuple(hot))


def native_elf() -> Seed:
    go = b"\xff Go buildinf:\x08\x02" + b"\x00" * 16 + b"\x08go1.23.4" + b"\x05hello"
    image, _ = build_elf(
        [
            Sec(".text", b"\xc3" * 64, flags=6 | SHF_EXECINSTR),
            Sec(".rodata", b"https://api.example.com/v1\x00ANTHROPIC_BASE_URL\x00" * 4),
            Sec(".go.buildinfo", go),
        ]
    )
    hot = tuple(range(32, 64, 4)) + tuple(range(len(image) - 64 * 5, len(image), 8))
    return Seed("runtime.node", image, hot)


def lone_zstd() -> Seed:
    return Seed("notes.md.zst", zstandard.ZstdCompressor().compress(JS * 40), (4, 5, 6, 7, 8))


def lone_gzip() -> Seed:
    return Seed("cli.js.gz", gzip.compress(JS * 40, mtime=0))


SEEDS: tuple[Callable[[], Seed], ...] = (
    tgz,
    tar_plain,
    tar_xz,
    zip_wheel,
    asar,
    bun_elf,
    bun_elf_appended,
    bun_macho,
    bun_pe,
    node_sea,
    native_elf,
    lone_zstd,
    lone_gzip,
)
