"""NodeSeaUnpacker on hand-made SEA blobs inside tiny ELF files, including malformed ones."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest
from elf_fixture import SHF_EXECINSTR, SHT_NOTE, Sec, build_elf, note
from fake_sink import FakeSink, blob_at

from agentxray.errors import UnpackError
from agentxray.unpack.node_sea import FUSE_ON, NodeSeaUnpacker, locate, parse_blob

MAIN = b'"use strict";console.log("hello from the sea; {braces}");\n'
FUSE_OFF = FUSE_ON[:-1] + b"0"


def lp(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data


def sea_blob(
    *,
    flags: int = 1 | 8,
    header: bytes = b"",
    code_path: bytes = b"dist/main.js",
    main: bytes = MAIN,
    cache: bytes | None = None,
    assets: list[tuple[bytes, bytes]] | None = None,
    argv: list[bytes] | None = None,
) -> bytes:
    out = struct.pack("<II", 0x0143DA20, flags) + header + lp(code_path) + lp(main)
    if cache is not None:
        out += lp(cache)
    if assets is not None:
        out += struct.pack("<Q", len(assets)) + b"".join(lp(k) + lp(v) for k, v in assets)
    if argv is not None:
        out += struct.pack("<Q", len(argv)) + b"".join(lp(a) for a in argv)
    return out


def sea_elf(tmp_path: Path, blob: bytes, *, fuse: bytes = FUSE_ON, segment: bool = True) -> Path:
    image, _ = build_elf(
        [
            Sec(".text", b"\xc3" * 64, flags=6 | SHF_EXECINSTR),
            Sec(".rodata", b"node runtime\x00" + fuse + b"\x00"),
            Sec(".note.node.sea", note(b"NODE_SEA_BLOB", blob), SHT_NOTE),
        ],
        note_segment=".note.node.sea" if segment else None,
    )
    path = tmp_path / "app"
    path.write_bytes(image)
    return path


def test_extracts_main_script_assets_and_argv_node24(tmp_path: Path) -> None:
    blob = sea_blob(
        flags=1 | 8 | 16,
        header=b"\x02",
        assets=[(b"copilot.tgz", b"\x1f\x8b fake"), (b"data/x.json", b"{}")],
        argv=[b"--no-warnings", b"--expose-gc"],
    )
    path = sea_elf(tmp_path, blob)
    unpacker, sink = NodeSeaUnpacker(), FakeSink()
    assert unpacker.matches(blob_at(path))
    unpacker.extract(blob_at(path), sink)
    got = sink.by_name()
    main = got["main.js"]
    assert main.data == MAIN and main.kind == "javascript"
    assert main.offset is not None
    assert path.read_bytes()[main.offset : main.offset + len(MAIN)] == MAIN
    assert got["copilot.tgz"].data == b"\x1f\x8b fake"
    assert got["data/x.json"].data == b"{}"
    info = json.loads(got["sea.json"].data)
    assert info["exec_argv"] == ["--no-warnings", "--expose-gc"]
    assert info["code_path"] == "dist/main.js" and info["header_size"] == 9
    assert sink.notices == []


@pytest.mark.parametrize(("header", "size"), [(b"", 8), (b"\x01", 9), (b"\x01\x01", 10)])
def test_parses_each_header_layout(header: bytes, size: int) -> None:
    blob = sea_blob(flags=8, header=header, assets=[(b"a.txt", b"A")])
    sea = parse_blob(blob, 0, len(blob))
    assert sea.header_size == size
    assert sea.code_path == "dist/main.js"
    assert blob[sea.main.offset : sea.main.offset + sea.main.size] == MAIN
    assert [key for key, _ in sea.assets] == ["a.txt"]


def test_code_cache_is_recorded_not_written(tmp_path: Path) -> None:
    path = sea_elf(tmp_path, sea_blob(flags=4, cache=b"\x00V8CACHE"))
    sink = FakeSink()
    NodeSeaUnpacker().extract(blob_at(path), sink)
    cache = sink.by_name()["main.js.code-cache"]
    assert cache.write is False and cache.kind == "bytecode" and cache.data == b"\x00V8CACHE"


def test_snapshot_is_said_not_passed_off_as_source(tmp_path: Path) -> None:
    path = sea_elf(tmp_path, sea_blob(flags=2, main=b"\xc0\xde snapshot bytes"))
    sink = FakeSink()
    NodeSeaUnpacker().extract(blob_at(path), sink)
    got = sink.by_name()
    assert "main.js" not in got
    assert got["main.js.snapshot"].kind == "bytecode"
    assert [code for code, _, _ in sink.notices] == ["sea-snapshot"]


def test_finds_note_without_section_headers(tmp_path: Path) -> None:
    blob = sea_blob(flags=0)
    path = sea_elf(tmp_path, blob, segment=False)
    data = bytearray(path.read_bytes())
    data[0x3C:0x3E] = b"\x00\x00"  # e_shnum = 0: section headers gone, no PT_NOTE either
    path.write_bytes(bytes(data))
    span = locate(bytes(data), None, "elf")  # type: ignore[arg-type]
    assert span is not None and bytes(data[span.offset : span.offset + span.size]) == blob
    sink = FakeSink()
    NodeSeaUnpacker().extract(blob_at(path), sink)
    assert sink.by_name()["main.js"].data == MAIN


def test_does_not_match_plain_node_or_other_files(tmp_path: Path) -> None:
    plain = sea_elf(tmp_path, sea_blob(), fuse=FUSE_OFF)
    assert not NodeSeaUnpacker().matches(blob_at(plain))
    text = tmp_path / "notes.txt"
    text.write_bytes(FUSE_ON)
    assert not NodeSeaUnpacker().matches(blob_at(text))


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (sea_blob()[:-5], "past its end"),
        (
            struct.pack("<II", 0x0143DA20, 8) + lp(b"m.js") + lp(b"x") + struct.pack("<Q", 2**62),
            "cannot fit",
        ),
        (struct.pack("<II", 0x0143DA20, 0) + struct.pack("<Q", 2**63) + b"abc", "past its end"),
        (struct.pack("<II", 0xDEADBEEF, 0) + lp(b"m.js") + lp(b"x"), "magic"),
        (b"\x20\xda\x43\x01", "too small"),
        (struct.pack("<II", 0x0143DA20, 0) + lp(b"m\x01.js") + lp(b"x"), "not text"),
    ],
    ids=["truncated", "absurd-asset-count", "huge-length", "bad-magic", "tiny", "binary-path"],
)
def test_malformed_blobs_raise_unpack_error_quickly(
    tmp_path: Path, blob: bytes, message: str
) -> None:
    path = sea_elf(tmp_path, blob)
    started = time.monotonic()
    with pytest.raises(UnpackError, match=message):
        NodeSeaUnpacker().extract(blob_at(path), FakeSink())
    assert time.monotonic() - started < 2


def test_fuse_without_blob_is_an_error(tmp_path: Path) -> None:
    image, _ = build_elf([Sec(".rodata", FUSE_ON + b"\x00")])
    path = tmp_path / "app"
    path.write_bytes(image)
    with pytest.raises(UnpackError, match="no NODE_SEA_BLOB"):
        NodeSeaUnpacker().extract(blob_at(path), FakeSink())


def test_note_lengths_past_the_section_are_ignored(tmp_path: Path) -> None:
    bad_note = (
        struct.pack("<III", 14, 0xFFFFFF00, 0) + b"NODE_SEA_BLOB\x00\x00\x00" + b"\x20\xda\x43\x01"
    )
    image, _ = build_elf([Sec(".rodata", FUSE_ON), Sec(".note.x", bad_note, SHT_NOTE)])
    path = tmp_path / "app"
    path.write_bytes(image)
    with pytest.raises(UnpackError, match="no NODE_SEA_BLOB"):
        NodeSeaUnpacker().extract(blob_at(path), FakeSink())


def test_broken_macho_with_fuse_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "app"
    path.write_bytes(b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01" + b"\xff" * 24 + FUSE_ON + sea_blob())
    sink = FakeSink()
    assert NodeSeaUnpacker().matches(blob_at(path))
    with pytest.raises(UnpackError, match="no NODE_SEA_BLOB"):
        NodeSeaUnpacker().extract(blob_at(path), sink)


@pytest.mark.skipif(
    shutil.which("gcc") is None or shutil.which("objcopy") is None, reason="needs gcc and objcopy"
)
def test_real_toolchain_elf_with_objcopy_added_note(tmp_path: Path) -> None:
    source = tmp_path / "app.c"
    source.write_text(
        f'const char fuse[] = "{FUSE_ON.decode()}";\nint main(void) {{ return fuse[0] == 0; }}\n'
    )
    plain, app, blob_file = tmp_path / "plain", tmp_path / "app", tmp_path / "note.bin"
    subprocess.run(["gcc", "-O1", "-o", str(plain), str(source)], check=True)
    blob_file.write_bytes(note(b"NODE_SEA_BLOB", sea_blob(flags=8, assets=[(b"x.bin", b"\x00X")])))
    subprocess.run(
        [
            "objcopy",
            f"--add-section=.note.node.sea={blob_file}",
            "--set-section-flags=.note.node.sea=alloc,readonly",
            str(plain),
            str(app),
        ],
        check=True,
        capture_output=True,
    )
    sink = FakeSink()
    assert NodeSeaUnpacker().matches(blob_at(app))
    NodeSeaUnpacker().extract(blob_at(app), sink)
    got = sink.by_name()
    assert got["main.js"].data == MAIN
    assert got["x.bin"].data == b"\x00X"
