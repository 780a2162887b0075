"""Hand-made Bun ``--compile`` payloads and the tiny ELF / Mach-O / PE files that carry them."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from elf_fixture import Sec, build_elf

TRAILER = b"\n---- Bun! ----\n"


@dataclass
class Mod:
    """One module to serialize."""

    name: bytes
    contents: bytes
    loader: int = 1
    encoding: int = 1
    module_format: int = 2
    side: int = 0
    bytecode: bytes = b""
    sourcemap: bytes = b""
    origin: bytes = b""
    module_info: bytes = b""
    extra: dict[str, int] = field(default_factory=dict)


@dataclass
class Payload:
    """A serialized graph and where its parts landed (payload-relative)."""

    data: bytes
    contents_at: dict[bytes, int]
    bytecode_at: dict[bytes, int]


def payload(
    mods: list[Mod],
    *,
    record_size: int = 52,
    offsets_size: int = 32,
    entry: int = 0,
    argv: bytes = b"",
    prefix: bytes = b"",
) -> Payload:
    """Serialize ``mods`` the way Bun's ``StandaloneModuleGraph.toBytes`` lays them out."""
    buf = bytearray(prefix)
    contents_at: dict[bytes, int] = {}
    bytecode_at: dict[bytes, int] = {}

    def put(data: bytes, *, nul: bool = True, align: int = 1) -> tuple[int, int]:
        if not data:
            return (0, 0)
        buf.extend(b"\0" * (-len(buf) % align))
        at = len(buf)
        buf.extend(data + (b"\0" if nul else b""))
        return (at, len(data))

    records = []
    # Bytecode first, as in real builds: one 128-byte aligned area ahead of names and contents.
    bytecodes = [put(mod.bytecode, nul=False, align=128) for mod in mods]
    for mod, bc in zip(mods, bytecodes, strict=True):
        name = put(mod.name)
        contents = put(mod.contents)
        smap = put(mod.sourcemap, nul=False)
        origin = put(mod.origin)
        info = put(mod.module_info, nul=False)
        contents_at[mod.name] = contents[0]
        bytecode_at[mod.name] = bc[0]
        ptrs = [name, contents, smap, bc, info, origin][: (record_size - 4) // 8]
        flat = [v for p in ptrs for v in p]
        records.append(
            struct.pack(
                f"<{len(flat)}I4B", *flat, mod.encoding, mod.loader, mod.module_format, mod.side
            )
        )
    modules_ptr = (len(buf), record_size * len(mods))
    buf.extend(b"".join(records))
    argv_ptr = put(argv) if argv else (len(buf), 0)
    byte_count = len(buf)
    if offsets_size == 32:
        offsets = struct.pack("<QIIIIII", byte_count, *modules_ptr, entry, *argv_ptr, 0)
    else:
        offsets = struct.pack("<QIII4x", byte_count, *modules_ptr, entry)
    buf.extend(offsets + TRAILER)
    return Payload(bytes(buf), contents_at, bytecode_at)


def elf_with_section(graph: bytes, *, extra: bytes = b"") -> tuple[bytes, int]:
    """An ELF with a ``.bun`` section (``u64`` length + graph); returns image, payload offset."""
    section = struct.pack("<Q", len(graph)) + graph + extra
    image, offsets = build_elf([Sec(".text", b"\xc3" * 16), Sec(".bun", section)])
    return image, offsets[".bun"] + 8


def elf_appended(graph: bytes) -> tuple[bytes, int]:
    """Bun <= 1.2 style: graph appended to an ELF, then a ``u64`` equal to the file size."""
    image, _ = build_elf([Sec(".text", b"\xc3" * 16)])
    total = len(image) + len(graph) + 8
    return image + graph + struct.pack("<Q", total), len(image)


def macho_with_section(graph: bytes) -> tuple[bytes, int]:
    """A 64-bit Mach-O with segment ``__BUN`` section ``__bun``; returns image, payload offset."""
    data = struct.pack("<Q", len(graph)) + graph
    seg_cmd_size = 72 + 80
    header_size = 32 + seg_cmd_size
    data_off = (header_size + 0xFFF) & ~0xFFF
    seg = struct.pack(
        "<II16sQQQQiiII",
        0x19,
        seg_cmd_size,
        b"__BUN",
        0x100000000,
        len(data),
        data_off,
        len(data),
        1,
        1,
        1,
        0,
    )
    sect = struct.pack(
        "<16s16sQQIIIIIIII",
        b"__bun",
        b"__BUN",
        0x100000000,
        len(data),
        data_off,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    )
    header = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 1, seg_cmd_size, 0, 0)
    image = header + seg + sect
    image += b"\0" * (data_off - len(image)) + data
    return image, data_off + 8


def pe_with_section(graph: bytes) -> tuple[bytes, int]:
    """A PE32+ image with a ``.bun`` section; returns image, payload offset."""
    data = struct.pack("<Q", len(graph)) + graph
    raw_size = (len(data) + 0x1FF) & ~0x1FF
    lfanew = 0x40
    opt_size = 0xF0
    table_at = lfanew + 24 + opt_size
    raw_ptr = (table_at + 40 + 0x1FF) & ~0x1FF
    dos = b"MZ" + b"\0" * 0x3A + struct.pack("<I", lfanew)
    coff = b"PE\0\0" + struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, opt_size, 0x22)
    opt = struct.pack("<H", 0x20B) + b"\0" * (opt_size - 2)
    sect = struct.pack(
        "<8sIIIIIIHHI", b".bun", len(data), 0x1000, raw_size, raw_ptr, 0, 0, 0, 0, 0x40000040
    )
    image = dos + coff + opt + sect
    image += b"\0" * (raw_ptr - len(image)) + data + b"\0" * (raw_size - len(data))
    return image, raw_ptr + 8
