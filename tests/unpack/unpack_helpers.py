"""Helpers for the unpack tests: run ``unpack`` on a hand-made file and check nothing escaped."""

from __future__ import annotations

import os
from pathlib import Path

from agentxray.model import Artifact, ArtifactFormat, FileEntry, TargetSpec, Tree
from agentxray.unpack import Limits, unpack


def artifact_for(path: Path, fmt: ArtifactFormat = "file") -> Artifact:
    """An artifact as acquire would describe a local ``path``."""
    return Artifact(
        spec=TargetSpec(raw=str(path), kind="path", name=str(path)),
        path=path,
        format=fmt,
        name=path.name,
    )


def files_under(root: Path) -> set[str]:
    """Every file, folder and link below ``root``, relative, without following links."""
    found: set[str] = set()
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for item in entries:
                found.add(os.path.relpath(item.path, root))
                if item.is_dir(follow_symlinks=False):
                    stack.append(Path(item.path))
    return found


def run_unpack(
    tmp_path: Path,
    source: Path,
    fmt: ArtifactFormat = "file",
    *,
    limits: Limits | None = None,
    pretty: bool = False,
) -> Tree:
    """Unpack ``source`` into ``tmp_path/work/out`` and assert nothing appeared beside ``out``.

    ``source`` should live outside ``tmp_path/work``; the folder ``work`` is the sandbox in
    which a write outside the output would show.
    """
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    before = files_under(tmp_path) - {p for p in files_under(tmp_path) if p.startswith("work")}
    try:
        return unpack(artifact_for(source, fmt), work / "out", limits=limits, pretty=pretty)
    finally:
        assert_contained(tmp_path, before)


def assert_contained(tmp_path: Path, before: set[str]) -> None:
    """Only ``work/out/...`` may be new below ``tmp_path``; no symlink may exist in it."""
    after = files_under(tmp_path)
    outside_new = {p for p in after - before if not (p == "work" or p.startswith("work/out"))}
    assert not outside_new, f"written outside the output folder: {sorted(outside_new)}"
    out = tmp_path / "work" / "out"
    for rel in files_under(out) if out.exists() else ():
        assert not (out / rel).is_symlink(), f"a symlink was created: {rel}"


def entry(tree: Tree, suffix: str) -> FileEntry:
    """The one entry whose vpath ends with ``suffix``."""
    found = [f for f in tree.files if f.vpath.endswith(suffix)]
    assert len(found) == 1, [f.vpath for f in tree.files]
    return found[0]


def codes(tree: Tree) -> list[str]:
    """Notice codes in order."""
    return [n.code for n in tree.notices]
