"""``pipeline.audit``: acquire → unpack (cached by digest) → analyze → Report, on local targets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import agentxray.unpack
from agentxray import pipeline
from agentxray.pipeline import audit, unpack_cached


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("AGENTXRAY_CACHE_DIR", str(root))
    return root


def test_audit_of_a_small_file_leaves_no_cache(cache_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.js"
    path.write_text("console.log(1);\n")
    report = audit(str(path))
    assert report.target.kind == "path"
    assert [a.kind for a in report.artifacts] == ["javascript"]
    assert report.duration_s > 0
    assert not (cache_dir / "unpacked").exists()


def test_big_local_file_is_unpacked_once_and_reused(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bundle.js"
    path.write_text("var x = 1;\n" * (pipeline.CACHE_LOCAL_MIN_BYTES // 11 + 1))
    first = audit(str(path))
    [entry] = list((cache_dir / "unpacked").iterdir())
    assert entry.name.startswith(first.artifact.sha256 if first.artifact else "?")

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("unpack must not run again for the same artifact")

    monkeypatch.setattr(agentxray.unpack, "unpack", refuse)
    second = audit(str(path))
    assert second.artifacts == first.artifacts
    assert [e.name for e in (cache_dir / "unpacked").iterdir()] == [entry.name]


def test_damaged_cache_index_is_rebuilt(cache_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bundle.js"
    path.write_text("var y = 2;\n" * (pipeline.CACHE_LOCAL_MIN_BYTES // 11 + 1))
    report = audit(str(path))
    assert report.artifact is not None
    [entry] = list((cache_dir / "unpacked").iterdir())
    (entry / ".agentxray-tree.json").write_text("{not json")
    tree = unpack_cached(report.artifact)
    assert tree.files == report.artifacts
    assert tree.path_of(tree.files[0]) is not None
    assert all(os.path.exists(str(tree.path_of(f))) for f in tree.files if f.relpath)


def test_workdir_keeps_the_unpacked_tree(cache_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("print(1)\n")
    work = tmp_path / "work"
    report = audit(str(path), workdir=work)
    assert [a.kind for a in report.artifacts] == ["python"]
    assert any(work.rglob("*.py"))
