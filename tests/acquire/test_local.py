"""Local targets: format sniffing, digests and helpful errors."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from agentxray.acquire.local import acquire_path
from agentxray.acquire.spec import parse_spec
from agentxray.errors import TargetError, TargetNotFound

from .fakeregistry import npm_tarball


def sdist_bytes() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("tool-1.0/PKG-INFO")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"x: y"[:3]))
    return buf.getvalue()


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("extension/package.json", "{}")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("pkg.tgz", npm_tarball("pkg", "1.0.0"), "npm-tarball"),
        ("blob-without-extension", npm_tarball("pkg", "1.0.0"), "npm-tarball"),
        ("tool-1.0.tar.gz", sdist_bytes(), "sdist"),
        ("tool-1.0-py3-none-any.whl", zip_bytes(), "wheel"),
        ("ext.vsix", zip_bytes(), "zip"),
        ("bundle.zip", zip_bytes(), "zip"),
        ("app.asar", b"\x04\x00\x00\x00" + b"\x00" * 12, "asar"),
        ("cli.js", b"#!/usr/bin/env node\nconsole.log(1)\n", "file"),
        ("claude", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "file"),
        ("broken.tgz", b"\x1f\x8b\x08garbage", "npm-tarball"),
    ],
)
def test_local_file_formats(tmp_path: Path, name: str, data: bytes, fmt: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    art = acquire_path(parse_spec(str(path)))
    assert (art.format, art.name, art.path) == (fmt, name, path.resolve())
    assert art.sha256 == hashlib.sha256(data).hexdigest()


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    art = acquire_path(parse_spec(str(tmp_path / "src")))
    assert (art.format, art.sha256, art.name) == ("directory", None, "src")


def test_missing_path_hints_at_prefixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TargetNotFound) as info:
        acquire_path(parse_spec("claude-code"))
    assert "npm:claude-code" in info.value.diagnostics()
    with pytest.raises(TargetNotFound, match="no such file"):
        acquire_path(parse_spec(str(tmp_path / "nope.tgz")))


def test_symlink_loop_and_broken_link_are_named_as_such(tmp_path: Path) -> None:
    # Found by the hostile-input sweep: a symlink loop was reported as "no such file".
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    for name in ("a", "dangling"):
        with pytest.raises(TargetNotFound, match="symbolic link that leads nowhere"):
            acquire_path(parse_spec(str(tmp_path / name)))


def test_special_files_are_refused(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(TargetNotFound, match="neither a regular file nor a directory"):
        acquire_path(parse_spec(str(tmp_path / "fifo")))


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux /proc only")
def test_read_error_is_a_one_line_target_error() -> None:
    # Found by the hostile-input sweep: EIO reading /proc/self/mem escaped as a bare OSError.
    with pytest.raises(TargetError) as info:
        acquire_path(parse_spec("/proc/self/mem"))
    assert info.value.diagnostics() == "cannot read /proc/self/mem: Input/output error."
