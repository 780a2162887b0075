"""Tar archives and lone compressed files, including hostile ones built by hand in each test."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import tarfile
import zlib
from pathlib import Path

import pytest
import zstandard
from unpack_helpers import codes, entry, run_unpack

from agentxray.errors import LimitExceeded, UnpackError
from agentxray.unpack import Limits


def make_tar(
    path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w:gz"
) -> Path:
    """Write a tar with regular files given as (name, data) and any hand-made TarInfo."""
    with tarfile.open(path, mode, format=tarfile.GNU_FORMAT) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def test_npm_tarball_members_keep_names_offsets_and_digests(tmp_path: Path) -> None:
    src = make_tar(
        tmp_path / "pkg-1.0.0.tgz",
        [
            ("package/package.json", b'{"name":"pkg"}'),
            ("package/cli.js", b"#!/usr/bin/env node\nx()"),
        ],
    )
    tree = run_unpack(tmp_path, src, "npm-tarball")
    cli = entry(tree, "!package/cli.js")
    assert cli.vpath == "pkg-1.0.0.tgz!package/cli.js"
    assert cli.relpath == "package/cli.js"
    assert cli.kind == "javascript"
    assert cli.container == "pkg-1.0.0.tgz"
    assert cli.sha256 == hashlib.sha256(b"#!/usr/bin/env node\nx()").hexdigest()
    assert cli.size == 23
    assert (tree.root / "package/cli.js").read_bytes() == b"#!/usr/bin/env node\nx()"
    assert entry(tree, "package.json").kind == "json"
    assert tree.notices == ()


def test_uncompressed_tar_records_member_offsets(tmp_path: Path) -> None:
    src = make_tar(tmp_path / "a.tar", [("a.txt", b"hello"), ("b.txt", b"world")], mode="w")
    tree = run_unpack(tmp_path, src)
    b = entry(tree, "!b.txt")
    assert b.offset is not None
    assert src.read_bytes()[b.offset : b.offset + 5] == b"world"


def test_parent_traversal_is_written_inside_with_a_notice(tmp_path: Path) -> None:
    # A classic zip-slip/tar-slip: "../../evil.sh" must not land beside the output folder.
    src = make_tar(tmp_path / "evil.tgz", [("../../evil.sh", b"rm -rf ~"), ("ok/../../x", b"x")])
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["path-traversal", "path-traversal"]
    evil = entry(tree, "!../../evil.sh")
    assert evil.relpath == "__/__/evil.sh"
    assert (tree.root / "__/__/evil.sh").read_bytes() == b"rm -rf ~"
    assert not (tmp_path / "evil.sh").exists()


def test_absolute_names_are_recorded_and_kept_inside(tmp_path: Path) -> None:
    target = tmp_path / "outside" / "pwned"
    src = make_tar(tmp_path / "abs.tar", [(str(target), b"x"), ("C:\\Windows\\x.dll", b"MZ")], "w")
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["absolute-path", "absolute-path"]
    assert not target.exists()
    assert entry(tree, "pwned").relpath == str(target).lstrip("/")
    assert entry(tree, "x.dll").relpath == "Windows/x.dll"


def test_links_and_devices_are_never_created(tmp_path: Path) -> None:
    src = make_tar(
        tmp_path / "links.tgz",
        [
            special("package/etc", tarfile.SYMTYPE, "/etc"),
            special("package/passwd", tarfile.LNKTYPE, "/etc/passwd"),
            special("package/null", tarfile.CHRTYPE),
            special("package/pipe", tarfile.FIFOTYPE),
            # A file "through" the symlink: must become a plain file in a plain folder.
            ("package/etc/cron.d/job", b"* * * * * evil"),
        ],
    )
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == [
        "symlink-skipped",
        "hardlink-skipped",
        "special-file-skipped",
        "special-file-skipped",
    ]
    assert "'/etc'" in tree.notices[0].message
    assert tree.notices[0].path == "links.tgz!package/etc"
    job = tree.root / "package/etc/cron.d/job"
    assert job.read_bytes() == b"* * * * * evil"
    assert not (tree.root / "package/etc").is_symlink()
    assert [f.relpath for f in tree.files] == ["package/etc/cron.d/job"]


def test_duplicate_and_case_colliding_names_get_numbered(tmp_path: Path) -> None:
    src = make_tar(
        tmp_path / "dup.tar",
        [("a/cli.js", b"1"), ("a/cli.js", b"2"), ("a/CLI.js", b"3"), ("a", b"file named a")],
        "w",
    )
    tree = run_unpack(tmp_path, src)
    assert [f.relpath for f in tree.files] == ["a/cli.js", "a/cli~2.js", "a/CLI~3.js", "a~2"]
    assert [(tree.root / f.relpath).read_bytes() for f in tree.files if f.relpath] == [
        b"1",
        b"2",
        b"3",
        b"file named a",
    ]


def test_truncated_tar_keeps_earlier_members_and_notes_the_damage(tmp_path: Path) -> None:
    full = make_tar(tmp_path / "full.tar", [("a.txt", b"A" * 600), ("b.txt", b"B" * 5000)], "w")
    data = full.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(gzip.compress(data[: 512 + 1024 + 512 + 1000]))
    tree = run_unpack(tmp_path, cut)
    assert [f.vpath for f in tree.files] == ["cut.tar.gz!a.txt"]
    assert codes(tree) == ["malformed"]
    assert not (tree.root / "b.txt").exists()


def test_truncated_gzip_stream_is_malformed_not_a_crash(tmp_path: Path) -> None:
    data = make_tar(tmp_path / "t.tgz", [("a.txt", b"x" * 100_000)]).read_bytes()
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(data[: len(data) // 2])
    tree = run_unpack(tmp_path, cut)
    assert codes(tree) == ["malformed"]
    assert tree.files == ()


def test_garbage_with_a_gzip_magic_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(b"\x1f\x8b" + b"\xff" * 100)
    with pytest.raises(UnpackError, match="not valid gzip data"):
        run_unpack(tmp_path, bad, "npm-tarball")
    assert not (tmp_path / "work" / "out").exists()


def _gzip_of_zeros(path: Path, size: int) -> Path:
    """A gzip file of ``size`` zero bytes, compressed in steps (never held in memory)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    with open(path, "wb") as out:
        for _ in range(size // len(block)):
            out.write(comp.compress(block))
        out.write(comp.flush())
    return path


def test_gzip_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    # 64 MiB of zeros in ~64 KiB: a ratio near 1000; must stop after a few MiB, not write it all.
    bomb = _gzip_of_zeros(tmp_path / "zeros.gz", 64 << 20)
    tree = run_unpack(tmp_path, bomb)
    assert codes(tree) == ["ratio-exceeded"]
    assert tree.files == ()
    assert [p.name for p in tree.root.iterdir()] == ["manifest.json"]


def test_tar_gzip_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    info = tarfile.TarInfo("big.bin")
    info.size = 32 << 20
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    bomb = tmp_path / "bomb.tgz"
    bomb.write_bytes(gzip.compress(raw.getvalue(), 9))
    tree = run_unpack(tmp_path, bomb)
    assert "ratio-exceeded" in codes(tree)
    assert not (tree.root / "big.bin").exists()


def test_member_over_the_size_limit_is_skipped_and_later_members_kept(tmp_path: Path) -> None:
    src = make_tar(tmp_path / "s.tgz", [("big.bin", b"\x01" * 5000), ("small.txt", b"ok")])
    tree = run_unpack(tmp_path, src, limits=Limits(max_member_bytes=4096))
    assert codes(tree) == ["member-too-large"]
    assert [f.vpath for f in tree.files] == ["s.tgz!small.txt"]


def test_total_size_over_the_limit_is_an_error_and_leaves_nothing(tmp_path: Path) -> None:
    src = make_tar(tmp_path / "t.tgz", [(f"f{i}", b"x" * 3000) for i in range(5)])
    with pytest.raises(LimitExceeded, match="in total"):
        run_unpack(tmp_path, src, limits=Limits(max_total_bytes=10_000))
    assert not (tmp_path / "work" / "out").exists()
    assert list((tmp_path / "work").iterdir()) == []


def test_member_count_over_the_limit_is_an_error(tmp_path: Path) -> None:
    src = make_tar(tmp_path / "n.tgz", [(f"f{i}", b"") for i in range(20)])
    with pytest.raises(LimitExceeded, match="more than 10 members"):
        run_unpack(tmp_path, src, limits=Limits(max_members=10))


@pytest.mark.parametrize(
    ("name", "compress", "inner"),
    [
        ("notes.md.gz", gzip.compress, "notes.md"),
        ("notes.md.zst", lambda d: zstandard.ZstdCompressor().compress(d), "notes.md"),
        ("notes.md.bz2", bz2.compress, "notes.md"),
        ("notes.md.xz", lzma.compress, "notes.md"),
        ("blob", gzip.compress, "blob.out"),
    ],
)
def test_lone_compressed_file_is_decompressed(
    tmp_path: Path, name: str, compress: object, inner: str
) -> None:
    src = tmp_path / name
    src.write_bytes(compress(b"# Title\nsome text\n"))  # type: ignore[operator]
    tree = run_unpack(tmp_path, src)
    e = entry(tree, "!" + inner)
    assert (tree.root / e.relpath).read_bytes() == b"# Title\nsome text\n"  # type: ignore[operator]


def test_tar_zst_and_multi_member_gzip(tmp_path: Path) -> None:
    raw = make_tar(tmp_path / "r.tar", [("a.js", b"a()"), ("b.js", b"b()")], "w").read_bytes()
    zst = tmp_path / "r.tar.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress(raw))
    assert [f.relpath for f in run_unpack(tmp_path, zst).files] == ["a.js", "b.js"]
    multi = tmp_path / "m.tgz"
    multi.write_bytes(gzip.compress(raw[:1024]) + gzip.compress(raw[1024:]))
    (tmp_path / "second").mkdir()
    assert [f.relpath for f in run_unpack(tmp_path / "second", multi).files] == ["a.js", "b.js"]


def test_very_deep_member_paths_are_folded(tmp_path: Path) -> None:
    deep = "a/" * 1500 + "x.js"  # 1,500 folders would break recursive tools such as rmtree
    src = make_tar(tmp_path / "deep.tgz", [(deep, b"x()"), ("b/" * 60 + "y.js", b"y()")])
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["path-too-deep"]
    relpath = entry(tree, "/x.js").relpath
    assert relpath == "a/" * 48 + "__deep__/" + "a/" * 14 + "x.js"
    assert entry(tree, "/y.js").relpath == "b/" * 60 + "y.js"  # within the limit: unchanged


def test_zstd_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "zeros.zst"
    with open(bomb, "wb") as out, zstandard.ZstdCompressor().stream_writer(out) as writer:
        for _ in range(64):
            writer.write(bytes(1 << 20))
    tree = run_unpack(tmp_path, bomb)
    assert codes(tree) == ["ratio-exceeded"]
    assert tree.files == ()


def test_gzip_checksum_mismatch_is_reported(tmp_path: Path) -> None:
    data = bytearray(make_tar(tmp_path / "c.tgz", [("a.txt", b"hello")]).read_bytes())
    data[-8] ^= 0xFF  # the CRC-32 in the gzip trailer
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(bytes(data))
    tree = run_unpack(tmp_path, bad)
    assert codes(tree) == ["malformed"]
    assert tree.notices[0].level == "error"


def test_data_hidden_after_the_end_of_the_archive_is_reported(tmp_path: Path) -> None:
    raw = make_tar(tmp_path / "r.tar", [("a.js", b"a()")], "w").read_bytes()
    src = tmp_path / "h.tgz"
    src.write_bytes(gzip.compress(raw + b"eval(atob('...'))"))
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["trailing-data"]
    assert [f.relpath for f in tree.files] == ["a.js"]


def test_huge_extended_header_in_a_compressed_tar_is_refused_without_reading_it(
    tmp_path: Path,
) -> None:
    # A pax header member claiming 1 GiB: tarfile would read it whole into memory.
    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = 1 << 30
    block = header.tobuf(format=tarfile.USTAR_FORMAT)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = tmp_path / "pax.tgz"
    with open(bomb, "wb") as out:
        out.write(comp.compress(block))
        out.write(comp.compress(bytes(4 << 20)))
        out.write(comp.flush())
    tree = run_unpack(tmp_path, bomb)
    assert codes(tree) == ["malformed"]
    assert "single read of 1,073,741,824 bytes" in tree.notices[0].message
    assert tree.files == ()


def test_tar_xz_and_a_hostile_xz_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentxray.unpack import streams

    raw = make_tar(tmp_path / "r.tar", [("a.py", b"import os")], "w").read_bytes()
    src = tmp_path / "r.tar.xz"
    src.write_bytes(lzma.compress(raw, preset=6))  # an 8 MiB dictionary
    assert [f.relpath for f in run_unpack(tmp_path, src).files] == ["a.py"]
    monkeypatch.setattr(streams, "XZ_MEMLIMIT", 1 << 20)  # the decoder may not grow that big
    (tmp_path / "second").mkdir()
    with pytest.raises(UnpackError, match=r"not valid xz data.*[Mm]emory usage limit"):
        run_unpack(tmp_path / "second", src)


def test_sparse_member_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    # A PAX 1.0 sparse file: 5 stored bytes declared to expand to 64 MiB of holes.
    data = b"1\n0\n5\n".ljust(512, b"\0") + b"hello"
    info = tarfile.TarInfo("GNUSparseFile.0/big.bin")
    info.size = len(data)
    info.pax_headers = {
        "GNU.sparse.major": "1",
        "GNU.sparse.minor": "0",
        "GNU.sparse.name": "big.bin",
        "GNU.sparse.realsize": str(64 << 20),
    }
    src = tmp_path / "sparse.tar"
    with tarfile.open(src, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(data))
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["ratio-exceeded"]
    assert tree.notices[0].path == "sparse.tar!big.bin"
    assert tree.files == ()
