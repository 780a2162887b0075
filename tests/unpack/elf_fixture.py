"""A tiny ELF64 writer for hand-made fixtures: named sections with given bytes, optional PT_NOTE."""

from __future__ import annotations

import struct
from dataclasses import dataclass

SHT_PROGBITS = 1
SHT_STRTAB = 3
SHT_NOTE = 7
SHT_NOBITS = 8
SHF_ALLOC = 2
SHF_EXECINSTR = 4


@dataclass(frozen=True)
class Sec:
    name: str
    data: bytes
    type: int = SHT_PROGBITS
    flags: int = SHF_ALLOC


def note(owner: bytes, desc: bytes, ntype: int = 0) -> bytes:
    """One ELF note record (4-byte aligned name and descriptor)."""
    name = owner + b"\x00"
    pad = lambda b: b + b"\x00" * (-len(b) % 4)  # noqa: E731
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + pad(desc)


def build_elf(
    sections: list[Sec], *, note_segment: str | None = None
) -> tuple[bytes, dict[str, int]]:
    """An ELF64 little-endian executable image and the file offset of each section's data."""
    phnum = 1 if note_segment else 0
    pos = 64 + 56 * phnum
    body = b""
    offsets: dict[str, int] = {}
    for sec in sections:
        pad = -(pos + len(body)) % 16
        body += b"\x00" * pad
        offsets[sec.name] = pos + len(body)
        if sec.type != SHT_NOBITS:
            body += sec.data
    shstr = b"\x00"
    name_at: dict[str, int] = {}
    for sec in [*sections, Sec(".shstrtab", b"", SHT_STRTAB, 0)]:
        name_at[sec.name] = len(shstr)
        shstr += sec.name.encode() + b"\x00"
    shstr_off = pos + len(body)
    body += shstr
    body += b"\x00" * (-(pos + len(body)) % 8)
    shoff = pos + len(body)
    shdrs = b"\x00" * 64
    for sec in sections:
        shdrs += struct.pack(
            "<IIQQQQIIQQ",
            name_at[sec.name],
            sec.type,
            sec.flags,
            0x400000 + offsets[sec.name],
            offsets[sec.name],
            len(sec.data),
            0,
            0,
            4 if sec.type == SHT_NOTE else 16,
            0,
        )
    shdrs += struct.pack(
        "<IIQQQQIIQQ", name_at[".shstrtab"], SHT_STRTAB, 0, 0, shstr_off, len(shstr), 0, 0, 1, 0
    )
    shnum = len(sections) + 2
    ident = b"\x7fELF\x02\x01\x01" + b"\x00" * 9
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        2,
        62,
        1,
        0x400000,
        64 if phnum else 0,
        shoff,
        0,
        64,
        56,
        phnum,
        64,
        shnum,
        shnum - 1,
    )
    phdrs = b""
    if note_segment:
        at = offsets[note_segment]
        size = len(next(s for s in sections if s.name == note_segment).data)
        phdrs = struct.pack("<IIQQQQQQ", 4, 4, at, 0x400000 + at, 0x400000 + at, size, size, 4)
    return header + phdrs + body + shdrs, offsets
