"""Sections, ELF notes and PE resources of ELF, Mach-O and PE files, located with LIEF."""

from __future__ import annotations

import logging
import mmap
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agentxray.errors import UnpackError

logger = logging.getLogger(__name__)

ObjFormat = Literal["elf", "macho", "pe"]
SectionRole = Literal["code", "data", "meta"]

_MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_FAT_MAGIC = b"\xca\xfe\xba\xbe"
_ELF_META_PREFIXES = (".eh_frame", ".gcc_except_table", ".debug", ".rela", ".rel.", ".got", ".note")
_MACHO_META = frozenset(
    {
        "__unwind_info",
        "__eh_frame",
        "__got",
        "__auth_got",
        "__auth_ptr",
        "__la_symbol_ptr",
        "__nl_symbol_ptr",
        "__init_offsets",
        "__mod_init_func",
        "__mod_term_func",
        "__thread_vars",
        "__thread_ptrs",
        "__compact_unwind",
    }
)
_PE_META = frozenset({".reloc", ".pdata", ".xdata", ".tls", ".fptable", ".idata", ".edata"})
_PE_EXECUTE = 0x20000000


def sniff(head: bytes) -> ObjFormat | None:
    """The object format of a file from its first bytes, or ``None``."""
    if head.startswith(b"\x7fELF"):
        return "elf"
    if head[:4] in _MACHO_MAGICS:
        return "macho"
    if head.startswith(_FAT_MAGIC) and len(head) >= 8:
        # Java class files share this magic; a fat header counts a handful of architectures.
        (count,) = struct.unpack_from(">I", head, 4)
        return "macho" if 0 < count < 20 else None
    if head.startswith(b"MZ") and len(head) >= 0x40:
        (pe_at,) = struct.unpack_from("<I", head, 0x3C)
        if pe_at + 4 <= len(head) and head[pe_at : pe_at + 4] == b"PE\x00\x00":
            return "pe"
    return None


@dataclass(frozen=True, slots=True)
class Section:
    """A section's bytes in the file."""

    name: str
    """``.rodata`` (ELF, PE) or ``__TEXT,__cstring`` (Mach-O; ``arm64:`` prefixed in fat files)."""
    offset: int
    """File offset of its content."""
    size: int
    """Bytes of content in the file (clamped to the file's end)."""
    role: SectionRole
    """``code`` (executable), ``data`` (constants, strings, initialised data) or ``meta``."""
    note: bool = False
    """Whether it holds ELF notes (an ``SHT_NOTE`` section or a ``PT_NOTE`` segment)."""
    clamped: bool = False
    """Whether the header claimed more bytes than the file has."""


@dataclass(frozen=True, slots=True)
class Resource:
    """A PE resource's data in the file."""

    path: str
    """``type/name/language`` with names or numeric ids, e.g. ``10/NODE_SEA_BLOB/0``."""
    offset: int
    """File offset of its data."""
    size: int
    """Size of its data."""


@dataclass(frozen=True, slots=True)
class ObjectFile:
    """What the unpackers need from one executable or library."""

    format: ObjFormat
    """Container format."""
    sections: tuple[Section, ...]
    """Sections with file content, including ELF ``PT_NOTE`` segments (named ``PT_NOTE@0x…``)."""
    resources: tuple[Resource, ...] = ()
    """PE resources (empty for ELF and Mach-O)."""


def load(path: Path, fmt: ObjFormat, file_size: int) -> ObjectFile:
    """Parse the headers of ``path`` with LIEF; :class:`UnpackError` when they are unusable."""
    import lief  # 0.35 s to import: only when a binary is unpacked

    lief.logging.disable()
    try:
        # LIEF's enums warn ("… is not a valid TYPE") for every out-of-range field of hostile
        # headers; those values simply match no known type here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if fmt == "elf":
                return _load_elf(path, file_size)
            if fmt == "macho":
                return _load_macho(path, file_size)
            return _load_pe(path, file_size)
    except UnpackError:
        raise
    except Exception as exc:  # LIEF raises assorted types on malformed input
        raise UnpackError(f"cannot parse {fmt} headers of {path.name}: {exc}") from exc


def _clamp(
    name: str, offset: int, size: int, file_size: int, role: SectionRole, **kw: Any
) -> Section | None:
    if offset < 0 or size <= 0 or offset >= file_size:
        return None
    end = min(offset + size, file_size)
    return Section(name, offset, end - offset, role, clamped=end < offset + size, **kw)


def _load_elf(path: Path, file_size: int) -> ObjectFile:
    import lief

    config = lief.ELF.ParserConfig()
    config.parse_dyn_symbols = False
    config.parse_symtab_symbols = False
    config.parse_relocations = False
    config.parse_symbol_versions = False
    config.parse_notes = False
    config.parse_overlay = False
    binary = lief.ELF.parse(str(path), config)
    if binary is None:
        raise UnpackError(f"{path.name} is not a readable ELF file")
    stype = lief.ELF.Section.TYPE
    out: list[Section] = []
    for sec in binary.sections:
        if sec.type == stype.NOBITS:
            continue
        name = _text(sec.name) or f"section@{sec.offset:#x}"
        is_note = sec.type == stype.NOTE
        if sec.has(lief.ELF.Section.FLAGS.EXECINSTR):
            role: SectionRole = "code"
        elif sec.type == stype.PROGBITS and not name.startswith(_ELF_META_PREFIXES):
            role = "data"
        else:
            role = "meta"
        found = _clamp(name, sec.offset, sec.size, file_size, role, note=is_note)
        if found is not None:
            out.append(found)
    for seg in binary.segments:
        if seg.type == lief.ELF.Segment.TYPE.NOTE:
            name = f"PT_NOTE@{seg.file_offset:#x}"
            found = _clamp(name, seg.file_offset, seg.physical_size, file_size, "meta", note=True)
            if found is not None:
                out.append(found)
    return ObjectFile("elf", tuple(out))


def _load_macho(path: Path, file_size: int) -> ObjectFile:
    import lief

    fat = lief.MachO.parse(str(path), lief.MachO.ParserConfig.quick)
    if fat is None or len(fat) == 0:
        raise UnpackError(f"{path.name} is not a readable Mach-O file")
    stype = lief.MachO.Section.TYPE
    code_flags = (
        lief.MachO.Section.FLAGS.PURE_INSTRUCTIONS | lief.MachO.Section.FLAGS.SOME_INSTRUCTIONS
    )
    zerofill = {stype.ZEROFILL, stype.THREAD_LOCAL_ZEROFILL, stype.GB_ZEROFILL}
    several = len(fat) > 1
    out: list[Section] = []
    for binary in fat:
        base = binary.fat_offset if several else 0
        prefix = f"{str(binary.header.cpu_type).rsplit('.', 1)[-1].lower()}:" if several else ""
        for sec in binary.sections:
            if sec.type in zerofill:
                continue
            name = f"{prefix}{_text(sec.segment_name)},{_text(sec.name)}"
            if int(sec.flags) & int(code_flags):
                role: SectionRole = "code"
            elif _text(sec.name) in _MACHO_META:
                role = "meta"
            else:
                role = "data"
            found = _clamp(name, base + sec.offset, sec.size, file_size, role)
            if found is not None:
                out.append(found)
    return ObjectFile("macho", tuple(out))


def _load_pe(path: Path, file_size: int) -> ObjectFile:
    import lief

    config = lief.PE.ParserConfig()
    config.parse_exceptions = False
    config.parse_exports = False
    config.parse_imports = False
    config.parse_reloc = False
    config.parse_signature = False
    binary = lief.PE.parse(str(path), config)
    if binary is None:
        raise UnpackError(f"{path.name} is not a readable PE file")
    out: list[Section] = []
    for sec in binary.sections:
        size = sec.size if not sec.virtual_size else min(sec.size, sec.virtual_size)
        if sec.characteristics & _PE_EXECUTE:
            role: SectionRole = "code"
        elif _text(sec.name) in _PE_META:
            role = "meta"
        else:
            role = "data"
        found = _clamp(
            _text(sec.name) or f"section@{sec.offset:#x}", sec.offset, size, file_size, role
        )
        if found is not None:
            out.append(found)
    resources: list[Resource] = []
    if binary.has_resources:
        _walk_resources(binary.resources, [], resources, file_size)
    return ObjectFile("pe", tuple(out), tuple(resources))


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _walk_resources(node: Any, trail: list[str], out: list[Resource], file_size: int) -> None:
    if len(trail) > 3 or len(out) > 10_000:
        return
    for child in node.childs:
        label = _text(child.name) if child.has_name else str(child.id)
        if child.is_data:
            # LIEF reports the file offset of the data (checked on real PE builds).
            size = len(child.content)
            if child.offset >= 0 and child.offset + size <= file_size:
                out.append(Resource("/".join([*trail, label]), child.offset, size))
        elif child.is_directory:
            _walk_resources(child, [*trail, label], out, file_size)


def iter_notes(
    buf: mmap.mmap | bytes, start: int, end: int
) -> Iterator[tuple[bytes, int, int, int]]:
    """ELF notes in ``buf[start:end]``: ``(owner, type, desc_offset, desc_size)``, bounds-checked.

    Stops at the first note whose sizes leave the range (a malformed or foreign area).
    """
    pos = start
    while pos + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from("<III", buf, pos)
        name_at = pos + 12
        desc_at = name_at + ((namesz + 3) & ~3)
        if desc_at > end or desc_at + descsz > end:
            return
        owner = bytes(buf[name_at : name_at + namesz]).rstrip(b"\x00")
        yield owner, ntype, desc_at, descsz
        pos = desc_at + ((descsz + 3) & ~3)
