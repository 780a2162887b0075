"""NativeUnpacker on tiny hand-made ELF files: strings per section, Go build info, Rust traces."""

from __future__ import annotations

import json
import random
import re
import struct
from pathlib import Path

import pytest
from elf_fixture import SHF_EXECINSTR, Sec, build_elf
from fake_sink import FakeSink, blob_at

from agentxray.unpack import native
from agentxray.unpack.gobuildinfo import find_go_buildinfo
from agentxray.unpack.native import NativeUnpacker

RODATA = (
    b"\x00\x01short\x00"  # five characters: below the minimum
    + b"https://api.example-agent.dev/v1/messages\x00"
    + "Today’s date is {date}\x00".encode()
    + "对话历史记录摘要\x00".encode()
    + b"\x03\x04"
    + "Asia/Urumqi".encode("utf-16-le")
    + b"\x00\x00tail-string-here"
)
CODE_ONLY = b"THIS-LIVES-IN-TEXT-ONLY"


def lines_of(data: bytes) -> dict[str, int]:
    """Text → offset, from ``0x<offset>\\t<text>`` lines."""
    out: dict[str, int] = {}
    for line in data.decode().splitlines():
        offset, _, text = line.partition("\t")
        assert re.fullmatch(r"0x[0-9a-f]+", offset), line
        out[text] = int(offset, 16)
    return out


def write(tmp_path: Path, sections: list[Sec], name: str = "agent") -> Path:
    image, _ = build_elf(sections)
    path = tmp_path / name
    path.write_bytes(image)
    return path


def test_strings_per_data_section_with_file_offsets(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [Sec(".text", b"\x90" * 8 + CODE_ONLY, flags=6 | SHF_EXECINSTR), Sec(".rodata", RODATA)],
    )
    unpacker, sink = NativeUnpacker(), FakeSink()
    assert unpacker.matches(blob_at(path))
    unpacker.extract(blob_at(path), sink)
    got = sink.by_name()
    assert set(got) == {"strings/rodata.txt", "strings/rodata.utf16.txt"}
    assert got["strings/rodata.txt"].kind == "strings"
    found = lines_of(got["strings/rodata.txt"].data)
    image = path.read_bytes()
    for text in (
        "https://api.example-agent.dev/v1/messages",
        "Today’s date is {date}",
        "对话历史记录摘要",
        "tail-string-here",
    ):
        assert text in found, text
        assert image[found[text] :].startswith(text.encode())
    assert "short" not in " ".join(found)
    assert CODE_ONLY.decode() not in " ".join(found)
    wide = lines_of(got["strings/rodata.utf16.txt"].data)
    assert image[wide["Asia/Urumqi"] :].startswith("Asia/Urumqi".encode("utf-16-le"))
    assert sink.notices == []


def test_long_utf8_runs_are_cut_on_a_character_boundary(tmp_path: Path) -> None:
    path = write(tmp_path, [Sec(".rodata", b"\x00a" + "简体中文".encode() * 2000 + b"\x00")])
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    [line] = sink.by_name()["strings/rodata.txt"].data.decode("utf-8").splitlines()
    assert line.startswith("0x") and line.endswith("\ta" + "简体中文" * 341 + "简")
    assert len(line.split("\t")[1].encode()) <= native.MAX_LINE


def test_random_stretch_keeps_ascii_strings_and_stays_fast(tmp_path: Path) -> None:
    rng = random.Random(7)
    noise = rng.randbytes(3 << 20)
    path = write(tmp_path, [Sec(".rodata", noise + b"\x00api.openai.com/v1/responses\x00" + noise)])
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    found = lines_of(sink.by_name()["strings/rodata.txt"].data)
    assert "api.openai.com/v1/responses" in found


def go_buildinfo(version: bytes, modinfo: bytes, flags: int = 2) -> bytes:
    def varstr(b: bytes) -> bytes:
        n, out = len(b), b""
        while True:
            if n < 0x80:
                return out + bytes([n]) + b
            out += bytes([(n & 0x7F) | 0x80])
            n >>= 7

    head = b"\xff Go buildinf:" + bytes([8, flags])
    head += b"\x00" * (32 - len(head))
    return head + varstr(version) + varstr(modinfo)


MODINFO = (
    b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6"
    b"path\tgithub.com/charmbracelet/crush\n"
    b"mod\tgithub.com/charmbracelet/crush\tv0.7.1\th1:abc=\n"
    b"dep\tgithub.com/spf13/cobra\tv1.9.1\th1:def=\n"
    b"dep\tgolang.org/x/net\tv0.30.0\n"
    b"=>\t../net\t\n"
    b"build\t-ldflags=-s -w\n"
    b"build\tGOOS=linux\n"
    b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2"
)


def test_go_build_info(tmp_path: Path) -> None:
    blob = go_buildinfo(b"go1.23.4", MODINFO)
    path = write(tmp_path, [Sec(".go.buildinfo", blob), Sec(".rodata", b"hello gopher world")])
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    entry = sink.by_name()["go-buildinfo.json"]
    info = json.loads(entry.data)
    assert info["go_version"] == "go1.23.4"
    assert info["path"] == "github.com/charmbracelet/crush"
    assert info["main"] == {
        "path": "github.com/charmbracelet/crush",
        "version": "v0.7.1",
        "sum": "h1:abc=",
    }
    assert info["deps"][0] == {
        "path": "github.com/spf13/cobra",
        "version": "v1.9.1",
        "sum": "h1:def=",
    }
    assert info["deps"][1]["replaced_by"] == "../net "
    assert info["settings"] == {"-ldflags": "-s -w", "GOOS": "linux"}
    assert path.read_bytes()[entry.offset or 0 :].startswith(b"\xff Go buildinf:")


@pytest.mark.parametrize(
    "blob",
    [
        go_buildinfo(b"go1.23.4", MODINFO)[:40],  # truncated modinfo
        b"\xff Go buildinf:\x08\x02" + b"\x00" * 16 + b"\xff" * 12,  # runaway varint
        b"\xff Go buildinf:\x03\x02" + b"\x00" * 16,  # bad pointer size
    ],
    ids=["truncated", "runaway-varint", "bad-pointer-size"],
)
def test_malformed_go_build_info_is_ignored(blob: bytes) -> None:
    assert find_go_buildinfo(blob) is None


def test_old_go_layout_is_reported_undecoded() -> None:
    info = find_go_buildinfo(b"junk" + go_buildinfo(b"", b"", flags=0))
    assert info is not None and info.go_version is None and info.offset == 4


def test_rust_traces(tmp_path: Path) -> None:
    rodata = (
        b"/rustc/48a229ceaefd4985c50990b14116b6d856af0985/library/core/src/fmt/mod.rs\x00"
        b"/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.38.0/src/net.rs\x00"
        b"external/+c+vendor__hyper-util-0.1.21/src/common/lazy.rs\x00"
    )
    comment = b"rustc version 1.98.1 (48a229cea 2026-09-01)\x00"
    path = write(tmp_path, [Sec(".rodata", rodata), Sec(".comment", comment, flags=0)])
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    info = json.loads(sink.by_name()["rust-info.json"].data)
    assert info["crates"] == ["hyper-util-0.1.21", "tokio-1.38.0"]
    assert info["rustc_commits"] == ["48a229ceaefd4985c50990b14116b6d856af0985"]
    assert info["rustc_versions"] == ["1.98.1 (48a229cea 2026-09-01"]


def test_output_cap_is_a_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "MAX_STRINGS_BYTES", 64)
    path = write(
        tmp_path, [Sec(".rodata", b"\x00".join(b"string-number-%d" % i for i in range(50)))]
    )
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    data = sink.by_name()["strings/rodata.txt"].data
    assert 0 < len(data) <= 64 and data.endswith(b"\n")
    assert [code for code, _, _ in sink.notices] == ["strings-truncated"]


def test_unreadable_headers_fall_back_to_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.node"
    path.write_bytes(b"\x7fELF\x02\x01\x01" + b"\xff" * 40 + b"\x00secret-endpoint.example.com\x00")
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    assert [code for code, _, _ in sink.notices] in (["native-headers"], ["native-no-sections"])
    assert "secret-endpoint.example.com" in lines_of(sink.by_name()["strings/file.txt"].data)


def test_section_past_end_of_file_is_clamped(tmp_path: Path) -> None:
    path = write(tmp_path, [Sec(".rodata", b"clamped-section-string\x00" * 4)])
    data = bytearray(path.read_bytes())
    # Grow .rodata's sh_size (section header 1) far past the end of the file.
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    struct.pack_into("<Q", data, shoff + 64 + 0x20, 1 << 40)
    path.write_bytes(bytes(data))
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    assert "clamped-section-string" in lines_of(sink.by_name()["strings/rodata.txt"].data)
    assert "section-truncated" in [code for code, _, _ in sink.notices]


def test_matches_object_files_only(tmp_path: Path) -> None:
    text = tmp_path / "README"
    text.write_bytes(b"MZ but not a PE file" + b"\x00" * 64)
    assert not NativeUnpacker().matches(blob_at(text))
    assert NativeUnpacker().matches(blob_at(write(tmp_path, [Sec(".rodata", b"x")])))


@pytest.mark.parametrize(
    "head",
    [
        b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01" + b"\xff" * 24,  # Mach-O 64 with absurd load commands
        b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\xff" * 40,  # fat header pointing nowhere
        b"MZ" + b"\x00" * 0x3A + b"\x40\x00\x00\x00" + b"PE\x00\x00" + b"\xff" * 64,  # broken PE
    ],
    ids=["macho", "fat", "pe"],
)
def test_malformed_macho_and_pe_fall_back(tmp_path: Path, head: bytes) -> None:
    path = tmp_path / "tool"
    path.write_bytes(head + b"\x00hidden-host.example.org/api\x00" + b"\x00" * 64)
    sink = FakeSink()
    assert NativeUnpacker().matches(blob_at(path))
    NativeUnpacker().extract(blob_at(path), sink)
    assert sink.notices and sink.notices[0][0] in ("native-headers", "native-no-sections")
    assert "hidden-host.example.org/api" in lines_of(sink.by_name()["strings/file.txt"].data)


def test_section_count_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "MAX_SECTIONS", 3)
    path = write(tmp_path, [Sec(f".rodata.{i}", b"string-of-section-%d" % i) for i in range(10)])
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    assert sorted(sink.by_name()) == [f"strings/rodata.{i}.txt" for i in range(3)]
    assert [code for code, _, _ in sink.notices] == ["too-many-sections"]


def test_zero_filled_megabytes_are_skipped_and_offsets_kept(tmp_path: Path) -> None:
    # Found by the hostile-input sweep: a 2 GiB sparse file claiming to be ELF took 30 s of
    # regex scans over zeros; all-zero 1 MiB chunks are now skipped (2 GiB: 7 s, mostly LIEF).
    mib = 1 << 20
    rodata = bytes(2 * mib) + b"\x00needle-between-zeros\x01\x02"
    rodata += "Asia/Urumqi".encode("utf-16-le")
    rodata += bytes(3 * mib) + b"tail-after-zeros"
    path = write(tmp_path, [Sec(".rodata", rodata)])
    image = path.read_bytes()
    start = image.index(rodata)
    assert native.nonzero_extents(image, start, start + len(rodata)) == [
        (start + 2 * mib, start + 3 * mib),
        (start + 5 * mib, start + len(rodata)),
    ]
    unpacker, sink = NativeUnpacker(), FakeSink()
    unpacker.extract(blob_at(path), sink)
    got = sink.by_name()
    utf8 = lines_of(got["strings/rodata.txt"].data)
    assert utf8["needle-between-zeros"] == image.index(b"needle-between-zeros")
    assert utf8["tail-after-zeros"] == image.index(b"tail-after-zeros")
    assert lines_of(got["strings/rodata.utf16.txt"].data) == {
        "Asia/Urumqi": image.index("Asia/Urumqi".encode("utf-16-le"))
    }


def test_sparse_file_claiming_to_be_elf_is_scanned_quickly(tmp_path: Path) -> None:
    path = tmp_path / "sparse"
    with path.open("wb") as fh:
        fh.write(b"\x7fELF\x02\x01\x01" + bytes(57))
        fh.truncate(256 << 20)
    sink = FakeSink()
    NativeUnpacker().extract(blob_at(path), sink)
    assert [code for code, _, _ in sink.notices] == ["native-no-sections"]
    assert sink.items == []


def test_unknown_section_type_warns_nothing(tmp_path: Path) -> None:
    # Found by tests/fuzz: LIEF's enum printed "RuntimeWarning: … is not a valid TYPE" (with the
    # source line) on the terminal for every hostile sh_type.
    import warnings

    path = write(tmp_path, [Sec(".rodata", b"a-string-to-keep\x00")])
    data = bytearray(path.read_bytes())
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    struct.pack_into("<I", data, shoff + 64 + 4, 0xB8000000)  # section 1's sh_type
    path.write_bytes(bytes(data))
    sink = FakeSink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NativeUnpacker().extract(blob_at(path), sink)
    assert [str(w.message) for w in caught] == []
