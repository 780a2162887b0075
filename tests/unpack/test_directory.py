"""A local folder as the target: walked without following symlinks out of it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from unpack_helpers import codes, entry, run_unpack

from agentxray.errors import UnpackError
from agentxray.unpack import directory


def test_files_keep_their_relative_paths(tmp_path: Path) -> None:
    src = tmp_path / "agent"
    (src / "lib").mkdir(parents=True)
    (src / "lib" / "main.py").write_text("print(1)\n")
    (src / "README.md").write_text("hi\n")
    tree = run_unpack(tmp_path, src, "directory")
    main = entry(tree, "/lib/main.py")
    assert (main.vpath, main.relpath, main.kind) == ("agent/lib/main.py", "lib/main.py", "python")
    assert main.container == "agent"
    assert (tree.root / "lib/main.py").read_text() == "print(1)\n"


def test_symlinks_out_of_the_folder_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_rsa").write_text("PRIVATE")
    src = tmp_path / "agent"
    src.mkdir()
    (src / "a.js").write_text("a()")
    os.symlink(secret, src / "linked_dir")
    os.symlink(secret / "id_rsa", src / "key")
    os.mkfifo(src / "pipe")  # would block a naive reader forever
    tree = run_unpack(tmp_path, src, "directory")
    assert sorted(codes(tree)) == ["special-file-skipped", "symlink-skipped", "symlink-skipped"]
    assert [f.relpath for f in tree.files] == ["a.js"]
    assert not any(
        "PRIVATE" in p.read_text()
        for p in tree.root.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )


def test_archives_inside_the_folder_are_opened(tmp_path: Path) -> None:
    import gzip

    src = tmp_path / "agent"
    src.mkdir()
    (src / "notes.txt.gz").write_bytes(gzip.compress(b"inner"))
    tree = run_unpack(tmp_path, src, "directory")
    inner = entry(tree, "!notes.txt")
    assert inner.vpath == "agent/notes.txt.gz!notes.txt"
    assert inner.relpath == "notes.txt.gz.x/notes.txt"


def test_unreadable_folder_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by the hostile-input sweep (chmod 000 folder, run without root's override): the
    # message repeated errno and path, "[Errno 13] Permission denied: '/…/locked'".
    src = tmp_path / "locked"
    src.mkdir()
    real_open = os.open

    def deny(path: object, flags: int, *args: object, **kw: object) -> int:
        if str(path) == str(src):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(directory.os, "open", deny)
    with pytest.raises(UnpackError) as info:
        run_unpack(tmp_path, src, "directory")
    assert info.value.diagnostics() == "cannot read locked: Permission denied."
