"""BunUnpacker on hand-made Bun module graphs in tiny ELF, Mach-O and PE files, and broken ones."""

from __future__ import annotations

import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest
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
from fake_sink import FakeSink, blob_at

from agentxray.errors import UnpackError
from agentxray.unpack.bun import BunUnpacker, unzstd
from agentxray.unpack.bun_container import locate_fast, locate_lief
from agentxray.unpack.bun_graph import parse_graph
from agentxray.unpack.limits import Limits

CLI = b"// @bun @bytecode @bun-cjs\n(function(){var tz='Asia/Urumqi';})\n"
HELPER = b"// @bun\nexport const x = 1;\n"
ADDON = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"addon strings"
BYTECODE = bytes(range(256)) * 4


def mods() -> list[Mod]:
    return [
        Mod(
            b"/$bunfs/root/src/entrypoints/cli.js",
            CLI,
            bytecode=BYTECODE,
            origin=b"/$bunfs/root/src/entrypoints/cli.js",
        ),
        Mod(b"/$bunfs/root/helper.js", HELPER, module_format=1),
        Mod(b"/$bunfs/root/addon.node", ADDON, loader=10, encoding=0, module_format=0, side=1),
    ]


def write(tmp_path: Path, image: bytes, name: str = "app") -> Path:
    path = tmp_path / name
    path.write_bytes(image)
    return path


def run(path: Path, limits: Limits | None = None) -> FakeSink:
    sink = FakeSink(limits=limits or Limits())
    unpacker = BunUnpacker()
    blob = blob_at(path)
    assert unpacker.matches(blob)
    unpacker.extract(blob, sink)
    return sink


@pytest.mark.parametrize(("record_size", "offsets_size"), [(52, 32), (36, 32), (36, 24), (52, 24)])
def test_elf_section_layouts(tmp_path: Path, record_size: int, offsets_size: int) -> None:
    graph = payload(
        mods()[:3]
        if record_size == 52
        else [Mod(m.name, m.contents, loader=m.loader, encoding=m.encoding) for m in mods()],
        record_size=record_size,
        offsets_size=offsets_size,
    )
    image, base = elf_with_section(graph.data)
    sink = run(write(tmp_path, image))
    got = sink.by_name()
    cli = got["/$bunfs/root/src/entrypoints/cli.js"]
    assert cli.data == CLI
    assert cli.kind == "javascript"
    assert cli.offset == base + graph.contents_at[b"/$bunfs/root/src/entrypoints/cli.js"]
    assert image[cli.offset : cli.offset + len(CLI)] == CLI
    assert "entry point" in (cli.note or "")
    assert got["/$bunfs/root/helper.js"].data == HELPER
    assert got["/$bunfs/root/addon.node"].kind == "native"
    assert got["/$bunfs/root/addon.node"].nested
    assert sink.notices == []


def test_bytecode_recorded_not_written(tmp_path: Path) -> None:
    graph = payload(mods())
    image, base = elf_with_section(graph.data)
    got = run(write(tmp_path, image)).by_name()
    jsc = got["/$bunfs/root/src/entrypoints/cli.js.jsc"]
    assert (jsc.kind, jsc.write, jsc.nested) == ("bytecode", False, False)
    assert jsc.data == BYTECODE
    assert jsc.offset == base + graph.bytecode_at[b"/$bunfs/root/src/entrypoints/cli.js"]
    assert jsc.offset % 128 == (base % 128)
    assert "1,024 bytes" in (jsc.note or "")


def test_shared_bytecode_area_is_split_per_module(tmp_path: Path) -> None:
    """Code-split builds (Claude Code 2.1.332) point every chunk's bytecode to the end of one area."""
    graph = payload(
        [
            Mod(b"/$bunfs/root/a.js", b"a", bytecode=b"A" * 200),
            Mod(b"/$bunfs/root/b.js", b"b", bytecode=b"B" * 100),
        ]
    )
    data = bytearray(graph.data)
    # Rewrite record 0's bytecode length to run over b's bytecode, as Bun 1.4 does.
    base_a, base_b = (
        graph.bytecode_at[b"/$bunfs/root/a.js"],
        graph.bytecode_at[b"/$bunfs/root/b.js"],
    )
    offsets_at = len(data) - len(TRAILER) - 32
    _, mod_off = struct.unpack_from("<QI", data, offsets_at)
    struct.pack_into("<I", data, mod_off + 28, base_b + 100 - base_a)
    image, _ = elf_with_section(bytes(data))
    got = run(write(tmp_path, image)).by_name()
    assert got["/$bunfs/root/a.js.jsc"].data.rstrip(b"\0") == b"A" * 200
    assert got["/$bunfs/root/b.js.jsc"].data == b"B" * 100


def test_macho_section(tmp_path: Path) -> None:
    graph = payload(mods())
    image, base = macho_with_section(graph.data)
    path = write(tmp_path, image)
    region = locate_fast(path)
    assert region is not None and region.container == "Mach-O section __BUN,__bun"
    got = run(path).by_name()
    assert (
        got["/$bunfs/root/src/entrypoints/cli.js"].offset
        == base + graph.contents_at[b"/$bunfs/root/src/entrypoints/cli.js"]
    )


def test_pe_section_windows_paths(tmp_path: Path) -> None:
    win = [Mod(b"B:/~BUN/root/src/entrypoints/cli.js", CLI), Mod(b"B:/~BUN/root/x.js", HELPER)]
    graph = payload(win)
    image, base = pe_with_section(graph.data)
    path = write(tmp_path, image, "app.exe")
    assert locate_fast(path) == locate_lief(path)
    got = run(path).by_name()
    assert got["B:/~BUN/root/src/entrypoints/cli.js"].data == CLI
    assert got["B:/~BUN/root/x.js"].offset == base + graph.contents_at[b"B:/~BUN/root/x.js"]


def test_old_bun_appended_graph(tmp_path: Path) -> None:
    """Bun <= 1.2 (e.g. opencode 0.1.x): 36-byte records, 24-byte Offsets, appended + u64 size."""
    old = [
        Mod(b"/$bunfs/root/opencode", HELPER, module_format=1),
        Mod(b"/$bunfs/root/tui-x.", ADDON, loader=5, encoding=0, module_format=0, side=1),
    ]
    graph = payload(old, record_size=36, offsets_size=24, prefix=b"\0" * 64)
    image, base = elf_appended(graph.data)
    path = write(tmp_path, image)
    region = locate_fast(path)
    assert region is not None and region.container.startswith("appended")
    sink = run(path)
    got = sink.by_name()
    assert got["/$bunfs/root/opencode"].data == HELPER
    assert got["/$bunfs/root/tui-x."].kind == "native"  # by magic, loader is "file"
    assert got["/$bunfs/root/opencode"].offset == base + graph.contents_at[b"/$bunfs/root/opencode"]


def test_trailer_in_app_code_before_the_real_one(tmp_path: Path) -> None:
    decoy = b"const t = '" + TRAILER + b"';\n"
    graph = payload([Mod(b"/$bunfs/root/a.js", decoy + HELPER)])
    got = run(write(tmp_path, elf_with_section(graph.data)[0])).by_name()
    assert got["/$bunfs/root/a.js"].data == decoy + HELPER


def test_zstd_asset_decompressed(tmp_path: Path) -> None:
    text = b"# Skill\n\nDo the thing.\n" * 50
    packed = zstandard.ZstdCompressor().compress(text)
    graph = payload(
        [
            Mod(b"/$bunfs/root/cli.js", HELPER),
            Mod(b"/$bunfs/root/SKILL-558b9a0c.md.zst", packed, loader=5, encoding=0),
        ]
    )
    sink = run(write(tmp_path, elf_with_section(graph.data)[0]))
    got = sink.by_name()
    assert "/$bunfs/root/SKILL-558b9a0c.md.zst" not in got
    md = got["/$bunfs/root/SKILL-558b9a0c.md"]
    assert (md.data, md.kind, md.offset) == (text, "text", None)
    assert "zstd-decompressed from /$bunfs/root/SKILL-558b9a0c.md.zst" in (md.note or "")


def test_zstd_bomb_refused(tmp_path: Path) -> None:
    bomb = zstandard.ZstdCompressor(level=19).compress(b"\0" * (8 * 1024 * 1024))
    graph = payload(
        [
            Mod(b"/$bunfs/root/cli.js", HELPER),
            Mod(b"/$bunfs/root/bomb.md.zst", bomb, loader=5, encoding=0),
        ]
    )
    limits = Limits(max_ratio=10.0, max_member_bytes=4 * 1024 * 1024)
    sink = run(write(tmp_path, elf_with_section(graph.data)[0]), limits)
    kept = sink.by_name()["/$bunfs/root/bomb.md.zst"]
    assert (kept.data, kept.kind, kept.nested) == (bomb, "data", False)
    assert [code for code, _, _ in sink.notices] == ["bun-zstd-refused"]


def test_unzstd_stops_streaming_without_declared_size() -> None:
    cctx = zstandard.ZstdCompressor(write_content_size=False)
    bomb = cctx.compress(b"x" * (3 * 1024 * 1024))
    assert zstandard.frame_content_size(bomb) == -1
    with pytest.raises(UnpackError, match="expands beyond"):
        unzstd(bomb, 1024 * 1024)
    assert unzstd(bomb, 4 * 1024 * 1024) == b"x" * (3 * 1024 * 1024)


def test_corrupt_zstd_kept_with_notice(tmp_path: Path) -> None:
    graph = payload(
        [
            Mod(b"/$bunfs/root/cli.js", HELPER),
            Mod(b"/$bunfs/root/bad.md.zst", b"\x28\xb5\x2f\xfd garbage", loader=5),
        ]
    )
    sink = run(write(tmp_path, elf_with_section(graph.data)[0]))
    assert sink.by_name()["/$bunfs/root/bad.md.zst"].kind == "data"
    assert sink.notices[0][0] == "bun-zstd-refused"


def test_utf16_text_transcoded(tmp_path: Path) -> None:
    text = "# Anti-patterns — what goes wrong\n"
    graph = payload(
        [
            Mod(b"/$bunfs/root/cli.js", HELPER),
            Mod(
                b"/$bunfs/root/anti-patterns.md",
                text.encode("utf-16-le"),
                loader=13,
                encoding=2,
                module_format=0,
            ),
        ]
    )
    got = run(write(tmp_path, elf_with_section(graph.data)[0])).by_name()
    md = got["/$bunfs/root/anti-patterns.md"]
    assert md.data == text.encode("utf-8")
    assert md.offset is None and "UTF-16LE" in (md.note or "")


def test_exec_argv_noticed(tmp_path: Path) -> None:
    graph = payload(mods(), argv=b"--zero-fill-buffers")
    sink = run(write(tmp_path, elf_with_section(graph.data)[0]))
    assert ("bun-exec-argv", "compiled-in arguments: --zero-fill-buffers", "info") in sink.notices


def test_garbage_record_is_a_notice(tmp_path: Path) -> None:
    graph = payload(mods())
    data = bytearray(graph.data)
    offsets_at = len(data) - len(TRAILER) - 32
    _, mod_off = struct.unpack_from("<QI", data, offsets_at)
    struct.pack_into("<II", data, mod_off + 52, 0xFFFFFF00, 0xFF)  # helper.js name -> far away
    sink = run(write(tmp_path, elf_with_section(bytes(data))[0]))
    assert "/$bunfs/root/helper.js" not in sink.by_name()
    assert "/$bunfs/root/src/entrypoints/cli.js" in sink.by_name()
    assert sink.notices == [
        ("bun-bad-record", "module record 1 skipped: pointer outside the payload", "warning")
    ]


def test_non_bun_binaries_do_not_match(tmp_path: Path) -> None:
    from elf_fixture import Sec, build_elf

    plain, _ = build_elf([Sec(".text", b"\xc3" * 64), Sec(".rodata", b"hello\0")])
    assert not BunUnpacker().matches(blob_at(write(tmp_path, plain, "plain")))
    assert not BunUnpacker().matches(blob_at(write(tmp_path, b"#!/bin/sh\necho hi\n", "sh")))
    # Headers pointing outside the file: neither reader finds anything, nothing raises.
    broken = bytearray(plain)
    struct.pack_into("<Q", broken, 0x28, 1 << 40)
    assert not BunUnpacker().matches(blob_at(write(tmp_path, bytes(broken), "broken")))
    assert not BunUnpacker().matches(blob_at(write(tmp_path, b"MZ" + b"\xff" * 100, "bad.exe")))
    assert not BunUnpacker().matches(blob_at(write(tmp_path, b"\xcf\xfa\xed\xfe", "short")))
    # A Java class file shares the universal Mach-O magic.
    java = b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + b"\0" * 64
    assert not BunUnpacker().matches(blob_at(write(tmp_path, java, "A.class")))


def _flip_offsets(data: bytes, **fields: int) -> bytes:
    out = bytearray(data)
    at = len(out) - len(TRAILER) - 32
    layout = {
        "byte_count": (0, "<Q"),
        "mod_off": (8, "<I"),
        "mod_len": (12, "<I"),
        "entry": (16, "<I"),
    }
    for key, value in fields.items():
        pos, fmt = layout[key]
        struct.pack_into(fmt, out, at + pos, value)
    return bytes(out)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda d: d[: len(d) // 2], "no Bun module graph trailer"),
        (lambda d: _flip_offsets(d, byte_count=0xFFFFFFFFFFFF), "no valid module records"),
        (lambda d: _flip_offsets(d, mod_off=0xFFFFFFF0), "no valid module records"),
        (lambda d: _flip_offsets(d, mod_len=51), "no valid module records"),
        (lambda d: _flip_offsets(d, entry=99), "no valid module records"),
        (lambda d: b"\xab" * (len(d) - len(TRAILER)) + TRAILER, "no valid module records"),
        (lambda d: TRAILER, "no valid module records"),
    ],
    ids=[
        "truncated",
        "byte-count-lies",
        "modules-ptr-out",
        "modules-len-odd",
        "entry-out",
        "garbage",
        "trailer-only",
    ],
)
def test_malformed_graph_is_a_clear_error(tmp_path: Path, mangle: object, message: str) -> None:
    graph = payload(mods())
    bad = mangle(graph.data)  # type: ignore[operator]
    image, _ = elf_with_section(bad)
    unpacker = BunUnpacker()
    blob = blob_at(write(tmp_path, image))
    assert unpacker.matches(blob)  # the .bun section is there
    started = time.monotonic()
    with pytest.raises(UnpackError, match=message) as err:
        unpacker.extract(blob, FakeSink())
    assert time.monotonic() - started < 2
    assert "\n" not in err.value.diagnostics()


def test_lying_section_header_is_not_a_crash(tmp_path: Path) -> None:
    graph = payload(mods())
    image, _ = elf_with_section(graph.data)
    # Point the .bun section's size far past the end of the file.
    shoff = struct.unpack_from("<Q", image, 0x28)[0]
    out = bytearray(image)
    struct.pack_into("<Q", out, shoff + 2 * 64 + 0x20, 1 << 40)
    sink = run(write(tmp_path, bytes(out)))
    assert sink.by_name()["/$bunfs/root/helper.js"].data == HELPER


def test_record_count_limit(tmp_path: Path) -> None:
    many = [Mod(b"/$bunfs/root/m%d.js" % i, b"x") for i in range(20)]
    image, _ = elf_with_section(payload(many).data)
    with pytest.raises(UnpackError, match="claims 20 modules"):
        BunUnpacker().extract(
            blob_at(write(tmp_path, image)), FakeSink(limits=Limits(max_members=10))
        )


def test_parse_graph_rejects_empty_region() -> None:
    with pytest.raises(UnpackError):
        parse_graph(b"", 0, 0)


@pytest.mark.skipif(
    not (shutil.which("gcc") and shutil.which("objcopy")), reason="needs gcc+objcopy"
)
def test_real_toolchain_elf_matches_lief(tmp_path: Path) -> None:
    """A real linked ELF with a .bun section added by objcopy: fast reader and LIEF agree."""
    src = tmp_path / "main.c"
    src.write_text("int main(void) { return 0; }\n")
    exe = tmp_path / "main"
    subprocess.run(["gcc", "-o", str(exe), str(src)], check=True, capture_output=True)
    graph = payload(mods())
    section = tmp_path / "bun.bin"
    section.write_bytes(struct.pack("<Q", len(graph.data)) + graph.data)
    out = tmp_path / "app"
    subprocess.run(
        ["objcopy", "--add-section", f".bun={section}", str(exe), str(out)],
        check=True,
        capture_output=True,
    )
    fast, slow = locate_fast(out), locate_lief(out)
    assert fast is not None and fast == slow
    got = run(out).by_name()
    cli = got["/$bunfs/root/src/entrypoints/cli.js"]
    assert out.read_bytes()[cli.offset or 0 :].startswith(CLI)


def test_sections_without_bun_do_not_match(tmp_path: Path) -> None:
    macho, _ = macho_with_section(payload(mods()).data)
    renamed = macho.replace(b"__BUN\0", b"__XYZ\0")
    assert not BunUnpacker().matches(blob_at(write(tmp_path, renamed, "macho")))
    pe, _ = pe_with_section(payload(mods()).data)
    assert not BunUnpacker().matches(
        blob_at(write(tmp_path, pe.replace(b".bun\0", b".xyz\0"), "pe"))
    )


def test_unreadable_headers_fall_back_to_lief(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentxray.unpack import bun_container

    calls: list[Path] = []
    real = bun_container.locate_lief

    def spy(path: Path) -> object:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(bun_container, "locate_lief", spy)
    path = write(tmp_path, b"\x7fELF\x03\x01" + b"\0" * 58, "odd")  # unknown ELF class
    assert bun_container.locate(path) is None
    assert calls == [path]


def test_sourcemap_and_module_info_recorded(tmp_path: Path) -> None:
    smap = b"\x02\x00\x00\x00serialized-map"
    graph = payload(
        [Mod(b"/$bunfs/root/cli.js", HELPER, sourcemap=smap, module_info=b"\x01info")],
    )
    image, _ = elf_with_section(graph.data)
    got = run(write(tmp_path, image)).by_name()
    emitted = got["/$bunfs/root/cli.js.sourcemap"]
    assert (emitted.data, emitted.kind, emitted.write, emitted.nested) == (
        smap,
        "sourcemap",
        True,
        False,
    )
    assert image[emitted.offset or 0 :].startswith(smap)
    info = got["/$bunfs/root/cli.js.module_info"]
    assert (info.data, info.kind, info.nested) == (b"\x01info", "data", False)


def test_records_pointing_at_one_module_are_not_an_amplifier(tmp_path: Path) -> None:
    # Found by the hostile-input sweep: 200 records aimed at one 5 MB module made a 5 MB file
    # write 1 GB (and 20,000 would write up to the 8 GiB total limit).
    big = b"// @bun\n" + b"var a = 1;\n" * 20_000
    graph = payload(
        [Mod(b"/$bunfs/root/a.js", big, bytecode=BYTECODE), Mod(b"/$bunfs/root/b.js", HELPER)]
    )
    data = graph.data
    table = len(data) - len(TRAILER) - 32
    _, mod_off, mod_len = struct.unpack_from("<QII", data, table)
    first = data[mod_off : mod_off + 52]
    records = data[mod_off : mod_off + mod_len] + first * 50
    body = data[:table] + records
    offsets = bytearray(data[table : table + 32])
    struct.pack_into("<QII", offsets, 0, len(body), table, len(records))
    sink = run(write(tmp_path, elf_with_section(body + bytes(offsets) + TRAILER)[0]))
    assert sorted(item.name for item in sink.items) == [
        "/$bunfs/root/a.js",
        "/$bunfs/root/a.js.jsc",
        "/$bunfs/root/b.js",
    ]
    assert [(code, msg.split(" module")[0]) for code, msg, _ in sink.notices] == [
        ("bun-overlapping-modules", "50")
    ]


def test_zstd_module_named_like_javascript_decompressed_by_content(tmp_path: Path) -> None:
    # Claude Code 2.1.332 ships mermaid.min.js, a highlighter and a chart bundle as zstd data it
    # decompresses itself: analysed as bytes they said nothing; their JavaScript is what counts.
    code = b"globalThis.render = function (d) { return fetch('https://cdn.example.test/' + d); };\n"
    packed = zstandard.ZstdCompressor().compress(code * 40)
    graph = payload(
        [
            Mod(b"/$bunfs/root/cli.js", HELPER),
            Mod(b"/$bunfs/root/mermaid.min.js", packed, loader=1, encoding=0),
        ]
    )
    got = run(write(tmp_path, elf_with_section(graph.data)[0])).by_name()
    js = got["/$bunfs/root/mermaid.min.js"]
    assert (js.data, js.kind) == (code * 40, "javascript")
    assert "zstd-decompressed from /$bunfs/root/mermaid.min.js" in (js.note or "")
