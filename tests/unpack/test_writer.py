"""The safe writer: never outside its root, never through a symlink, never overwriting."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from agentxray.unpack.writer import SafeWriter, StopCopy


def test_writes_hash_and_head(tmp_path: Path) -> None:
    with SafeWriter(tmp_path) as w:
        done = w.write_stream("a/b/c.txt", io.BytesIO(b"hello"))
    assert (done.size, done.head) == (5, b"hello")
    assert done.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert (tmp_path / "a/b/c.txt").read_bytes() == b"hello"


@pytest.mark.parametrize("relpath", ["../x", "a/../../x", "/etc/x", "a//b", "a/./b", "a\x00b"])
def test_unsafe_relpaths_are_refused(tmp_path: Path, relpath: str) -> None:
    with SafeWriter(tmp_path / "") as w, pytest.raises(ValueError, match="unsafe"):
        w.write_bytes(relpath, b"x")


def test_symlinked_folder_inside_the_root_is_not_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "a")
    with SafeWriter(root) as w, pytest.raises(OSError):
        w.write_bytes("a/x.txt", b"x")
    assert list(outside.iterdir()) == []


def test_symlinked_file_is_not_overwritten_or_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(victim, root / "x.txt")
    with SafeWriter(root) as w, pytest.raises(FileExistsError):
        w.write_bytes("x.txt", b"evil")
    assert victim.read_text() == "keep"


def test_a_stopped_copy_leaves_no_partial_file(tmp_path: Path) -> None:
    def guard(n: int) -> None:
        raise StopCopy("member-too-large", "too big")

    with SafeWriter(tmp_path) as w, pytest.raises(StopCopy):
        w.write_stream("big.bin", io.BytesIO(b"x" * 10), guard)
    assert not (tmp_path / "big.bin").exists()


@pytest.mark.parametrize("threaded", [False, True])
def test_threaded_and_inline_copies_are_identical(tmp_path: Path, threaded: bool) -> None:
    import hashlib

    data = bytes(range(256)) * 20_000  # 5 MB: several chunks
    with SafeWriter(tmp_path) as w:
        done = w.write_stream("x.bin", io.BytesIO(data), threaded=threaded)
    assert (done.size, done.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert (tmp_path / "x.bin").read_bytes() == data


def test_a_threaded_copy_stopped_midway_leaves_no_file(tmp_path: Path) -> None:
    def guard(n: int) -> None:
        if n > 3 << 20:
            raise StopCopy("member-too-large", "too big")

    with SafeWriter(tmp_path) as w, pytest.raises(StopCopy):
        w.write_stream("big.bin", io.BytesIO(bytes(10 << 20)), guard, threaded=True)
    assert list(tmp_path.iterdir()) == []
