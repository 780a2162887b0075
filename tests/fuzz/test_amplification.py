"""Records pointing at one region again and again: a small container must not write gigabytes.

For every format whose index holds offsets (zip central directory, asar index, Bun module
records) 100 records aimed at one 1 MiB region must write about 1 MiB, not 100, and say so.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

from bun_fixtures import TRAILER, Mod, elf_with_section, payload
from unpack_helpers import run_unpack

REGION = b"// region\n" + b"x" * (1 << 20)
COPIES = 100


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.js", REGION)
    raw = buf.getvalue()
    cd, eocd = raw.find(b"PK\x01\x02"), raw.rfind(b"PK\x05\x06")
    records = raw[cd:eocd] * COPIES
    end = bytearray(raw[eocd:])
    struct.pack_into("<HHII", end, 8, COPIES, COPIES, len(records), cd)
    return raw[:cd] + records + bytes(end)


def _asar() -> bytes:
    files = {f"f{i}.js": {"offset": str(i), "size": len(REGION) - i} for i in range(COPIES)}
    text = json.dumps({"files": files}).encode()
    padded = text + b"\x00" * (-len(text) % 4)
    header = struct.pack("<II", len(padded) + 4, len(text)) + padded
    return struct.pack("<II", 4, len(header)) + header + REGION


def _bun() -> bytes:
    data = payload([Mod(b"/$bunfs/root/a.js", REGION)]).data
    table = len(data) - len(TRAILER) - 32
    _, mod_off, mod_len = struct.unpack_from("<QII", data, table)
    records = data[mod_off : mod_off + mod_len] * COPIES
    body = data[:table] + records
    offsets = bytearray(data[table : table + 32])
    struct.pack_into("<QII", offsets, 0, len(body), table, len(records))
    return elf_with_section(body + bytes(offsets) + TRAILER)[0]


def test_zip(tmp_path: Path) -> None:
    _check(tmp_path, "x.zip", _zip(), "overlapping-members")


def test_asar(tmp_path: Path) -> None:
    _check(tmp_path, "app.asar", _asar(), "asar-overlapping-entries")


def test_bun(tmp_path: Path) -> None:
    _check(tmp_path, "claude", _bun(), "bun-overlapping-modules")


def _check(tmp_path: Path, name: str, data: bytes, code: str) -> None:
    (tmp_path / "in").mkdir()
    src = tmp_path / "in" / name
    src.write_bytes(data)
    tree = run_unpack(tmp_path, src)
    written = sum(f.size for f in tree.files if f.relpath)
    assert written <= len(data), f"{written:,} bytes written from {len(data):,}"
    assert code in [n.code for n in tree.notices]
