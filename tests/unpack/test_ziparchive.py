"""Zip archives (wheels, vsix), including hostile ones built by hand in each test."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest
from unpack_helpers import codes, entry, run_unpack

from agentxray.errors import UnpackError
from agentxray.unpack import Limits


def make_zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]], **kw: int) -> Path:
    with zipfile.ZipFile(path, "w", compression=kw.get("compression", zipfile.ZIP_DEFLATED)) as z:
        for name, data in members:
            z.writestr(name, data)
    return path


def test_wheel_members_are_python_files(tmp_path: Path) -> None:
    src = make_zip(
        tmp_path / "agent-1.0-py3-none-any.whl",
        [("agent/__init__.py", b"import os\n"), ("agent-1.0.dist-info/METADATA", b"Name: agent\n")],
    )
    tree = run_unpack(tmp_path, src, "wheel")
    init = entry(tree, "!agent/__init__.py")
    assert (init.kind, init.relpath) == ("python", "agent/__init__.py")
    assert (tree.root / "agent/__init__.py").read_bytes() == b"import os\n"


def test_stored_members_record_their_offset(tmp_path: Path) -> None:
    src = make_zip(tmp_path / "s.zip", [("a.txt", b"alpha"), ("b.txt", b"bravo")], compression=0)
    b = entry(run_unpack(tmp_path, src), "!b.txt")
    assert b.offset is not None
    assert src.read_bytes()[b.offset : b.offset + 5] == b"bravo"


def test_zip_slip_names_stay_inside(tmp_path: Path) -> None:
    src = make_zip(tmp_path / "slip.zip", [("../../../evil.js", b"x"), ("/abs/evil2.js", b"y")])
    tree = run_unpack(tmp_path, src)
    assert sorted(codes(tree)) == ["absolute-path", "path-traversal"]
    assert {f.relpath for f in tree.files} == {"__/__/__/evil.js", "abs/evil2.js"}


def test_symlink_members_are_recorded_not_created(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("pkg/secrets")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    src = make_zip(tmp_path / "l.zip", [(link, b"/home/user/.ssh/id_rsa"), ("pkg/a.py", b"1")])
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["symlink-skipped"]
    assert "/home/user/.ssh/id_rsa" in tree.notices[0].message
    assert [f.relpath for f in tree.files] == ["pkg/a.py"]


def test_zip_bomb_member_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    src = make_zip(tmp_path / "bomb.zip", [("zeros.bin", bytes(16 << 20)), ("ok.txt", b"fine")])
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["ratio-exceeded"]
    assert tree.notices[0].path == "bomb.zip!zeros.bin"
    assert [f.relpath for f in tree.files] == ["ok.txt"]
    assert not (tree.root / "zeros.bin").exists()


def test_lying_sizes_in_headers_do_not_bypass_the_member_limit(tmp_path: Path) -> None:
    # The central directory claims 10 bytes for a member that really inflates to 64 KiB: the
    # reader stops at the declared size, so the checksum fails and nothing is written.
    src = make_zip(tmp_path / "lie.zip", [("big.txt", b"a" * 65536)])
    data = bytearray(src.read_bytes())
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 10)  # uncompressed size in the central directory
    src.write_bytes(bytes(data))
    tree = run_unpack(tmp_path, src, limits=Limits(max_member_bytes=4096))
    assert tree.files == ()
    assert codes(tree) == ["malformed"]
    assert "CRC" in tree.notices[0].message
    assert not (tree.root / "big.txt").exists()


def test_corrupt_member_is_dropped_with_a_notice(tmp_path: Path) -> None:
    src = make_zip(tmp_path / "crc.zip", [("a.txt", b"hello" * 100)], compression=0)
    data = bytearray(src.read_bytes())
    data[data.find(b"hellohello") + 3] ^= 0xFF  # flip a stored byte: CRC mismatch
    src.write_bytes(bytes(data))
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["malformed"]
    assert tree.files == ()
    assert not (tree.root / "a.txt").exists()


def test_encrypted_member_is_skipped(tmp_path: Path) -> None:
    src = make_zip(tmp_path / "enc.zip", [("secret.txt", b"s")], compression=0)
    data = bytearray(src.read_bytes())
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        struct.pack_into("<H", data, pos + off, struct.unpack_from("<H", data, pos + off)[0] | 1)
    src.write_bytes(bytes(data))
    assert codes(run_unpack(tmp_path, src)) == ["encrypted"]


def test_not_a_zip_after_the_magic_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.whl"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(UnpackError, match="not a valid zip archive"):
        run_unpack(tmp_path, bad, "wheel")


def _nest(depth: int) -> bytes:
    data = b"print('deep')\n"
    name = "core.py"
    for level in range(depth):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(name, data)
        data, name = buf.getvalue(), f"layer{level}.zip"
    return data


def test_nested_zips_unpack_into_dot_x_folders_until_the_depth_limit(tmp_path: Path) -> None:
    src = tmp_path / "top.zip"
    src.write_bytes(_nest(4))  # top.zip!layer2.zip!layer1.zip!layer0.zip!core.py
    tree = run_unpack(tmp_path, src)
    core = entry(tree, "!core.py")
    assert core.vpath == "top.zip!layer2.zip!layer1.zip!layer0.zip!core.py"
    assert core.relpath == "layer2.zip.x/layer1.zip.x/layer0.zip.x/core.py"
    assert core.container == "top.zip!layer2.zip!layer1.zip!layer0.zip"
    assert tree.notices == ()


def test_nesting_beyond_the_depth_limit_is_written_but_not_opened(tmp_path: Path) -> None:
    src = tmp_path / "top.zip"
    src.write_bytes(_nest(5))
    tree = run_unpack(tmp_path, src, limits=Limits(max_depth=2))
    assert codes(tree) == ["depth-exceeded"]
    assert tree.notices[0].path == "top.zip!layer3.zip!layer2.zip!layer1.zip"
    assert entry(tree, "!layer1.zip").relpath == "layer3.zip.x/layer2.zip.x/layer1.zip"
    assert not any(f.vpath.endswith("core.py") for f in tree.files)


def test_members_sharing_compressed_data_are_flagged_and_extracted_once(tmp_path: Path) -> None:
    # Two central-directory records pointing at one local header: the overlap zip bombs use.
    # The hostile-input sweep found 100 such records on a 5 MB member writing 500 MB: only the
    # first is extracted.
    src = make_zip(tmp_path / "o.zip", [("a.txt", b"hello " * 50)])
    data = src.read_bytes()
    cd = data.rfind(b"PK\x01\x02")
    eocd = data.rfind(b"PK\x05\x06")
    record = data[cd:eocd]
    end = bytearray(data[eocd:])
    struct.pack_into("<HHI", end, 8, 2, 2, 2 * len(record))  # entries on disk, total, cd size
    src.write_bytes(data[:eocd] + record + bytes(end))
    tree = run_unpack(tmp_path, src)
    assert codes(tree) == ["overlapping-members"]
    assert tree.notices[0].message.endswith("; not extracted")
    assert [f.relpath for f in tree.files] == ["a.txt"]


def test_member_with_an_empty_name_is_not_a_crash(tmp_path: Path) -> None:
    # Found by tests/fuzz: a zeroed name length made zipfile's ZipInfo.is_dir() raise IndexError.
    src = make_zip(tmp_path / "empty.zip", [(zipfile.ZipInfo(""), b"hidden"), ("a.txt", b"a")])
    tree = run_unpack(tmp_path, src)
    assert sorted(f.vpath.rsplit("!", 1)[1] for f in tree.files) == ["", "a.txt"]
    assert (tree.root / "_").read_bytes() == b"hidden"
