"""``unpack()`` as a whole: the output folder, the manifest, ``--pretty``, failing unpackers."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from unpack_helpers import artifact_for, entry, run_unpack

from agentxray.errors import LimitExceeded, UnpackError, UsageError
from agentxray.unpack import unpack
from agentxray.unpack.dispatch import Dispatcher
from agentxray.unpack.interface import Blob, Sink, Unpacker
from agentxray.unpack.limits import Limits
from agentxray.unpack.manifest import read_manifest
from agentxray.unpack.writer import SafeWriter


def tgz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_manifest_lists_every_file_and_notice(tmp_path: Path) -> None:
    src = tgz(tmp_path / "p.tgz", {"package/a.js": b"a()", "../up.txt": b"u"})
    tree = run_unpack(tmp_path, src, "npm-tarball")
    doc = json.loads((tree.root / "manifest.json").read_text())
    assert doc["generator"] == "agentxray"
    assert doc["artifact"]["path"] == str(src)
    assert [f["vpath"] for f in doc["files"]] == ["p.tgz!package/a.js", "p.tgz!../up.txt"]
    assert doc["files"][0] == {
        "vpath": "p.tgz!package/a.js",
        "kind": "javascript",
        "size": 3,
        "sha256": entry(tree, "a.js").sha256,
        "relpath": "package/a.js",
        "container": "p.tgz",
        "offset": None,
        "note": None,
    }
    assert [n["code"] for n in doc["notices"]] == ["path-traversal"]
    again = read_manifest(tree.root)
    assert again.files == tree.files
    assert again.notices == tree.notices


def test_a_member_named_like_the_manifest_does_not_replace_it(tmp_path: Path) -> None:
    src = tgz(tmp_path / "m.tar.gz", {"manifest.json": b'{"evil": true}'})
    tree = run_unpack(tmp_path, src)
    assert entry(tree, "!manifest.json").relpath == "manifest~2.json"
    assert json.loads((tree.root / "manifest.json").read_text())["generator"] == "agentxray"


def test_refuses_a_non_empty_foreign_folder(tmp_path: Path) -> None:
    src = tgz(tmp_path / "p.tgz", {"a.js": b"a"})
    dest = tmp_path / "home"
    dest.mkdir()
    (dest / "thesis.tex").write_text("years of work")
    with pytest.raises(UsageError, match="not empty"):
        unpack(artifact_for(src), dest)
    assert [p.name for p in dest.iterdir()] == ["thesis.tex"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_replaces_an_earlier_output_and_accepts_an_empty_folder(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    unpack(artifact_for(tgz(tmp_path / "one.tgz", {"old.js": b"1"})), dest)
    tree = unpack(artifact_for(tgz(tmp_path / "two.tgz", {"new.js": b"2"})), dest)
    assert sorted(p.name for p in dest.iterdir()) == ["manifest.json", "new.js"]
    assert [f.vpath for f in tree.files] == ["two.tgz!new.js"]
    assert tree.root == dest


def test_a_failed_run_leaves_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(b"\x1f\x8bnot gzip at all")
    with pytest.raises(UnpackError):
        unpack(artifact_for(bad, "npm-tarball"), tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tgz"]


def test_a_plain_file_target_is_copied_in(tmp_path: Path) -> None:
    src = tmp_path / "cli.js"
    src.write_bytes(b"#!/usr/bin/env node\nconsole.log('hi')\n")
    tree = run_unpack(tmp_path, src)
    only = entry(tree, "cli.js")
    assert (only.vpath, only.relpath, only.kind, only.container) == (
        "cli.js",
        "cli.js",
        "javascript",
        None,
    )


def test_pretty_writes_a_formatted_sibling_and_keeps_the_original(tmp_path: Path) -> None:
    code = b"function f(a){if(a){return 1;}return 2;}f(1);"
    src = tgz(tmp_path / "p.tgz", {"package/cli.js": code})
    tree = run_unpack(tmp_path, src, pretty=True)
    assert (tree.root / "package/cli.js").read_bytes() == code
    pretty = (tree.root / "package/cli.pretty.js").read_bytes()
    assert pretty != code
    assert pretty.count(b"\n") > 2
    assert b"".join(pretty.split()) == b"".join(code.split())
    doc = json.loads((tree.root / "manifest.json").read_text())
    assert doc["files"][0]["pretty"] == "package/cli.pretty.js"
    assert [f.relpath for f in tree.files] == ["package/cli.js"]


class _Crashing(Unpacker):
    """Claims blobs named *.boom and fails the way a buggy parser would on hostile input."""

    name = "crashing"

    def matches(self, blob: Blob) -> bool:
        return blob.vpath.endswith(".boom")

    def extract(self, blob: Blob, sink: Sink) -> None:
        sink.emit(blob, "partial.txt", b"before the crash")
        raise IndexError("index out of range")


class _Refusing(_Crashing):
    name = "refusing"

    def extract(self, blob: Blob, sink: Sink) -> None:
        raise UnpackError("header is inconsistent")


class _Emitting(Unpacker):
    """Claims the top blob and emits two members, one of them a .boom."""

    name = "emitting"

    def matches(self, blob: Blob) -> bool:
        return blob.depth == 0

    def extract(self, blob: Blob, sink: Sink) -> None:
        sink.emit(blob, "inner.boom", b"payload")
        sink.emit(blob, "fine.txt", b"ok")


def _dispatch(tmp_path: Path, unpackers: list[Unpacker]) -> Dispatcher:
    src = tmp_path / "top.bin"
    src.write_bytes(b"top")
    out = tmp_path / "out"
    out.mkdir()
    with SafeWriter(out) as writer:
        disp = Dispatcher(writer, Limits(), unpackers)
        disp.run(Blob("top.bin", src, 3, b"top", 0))
    return disp


def test_a_crashing_nested_unpacker_becomes_a_notice(tmp_path: Path) -> None:
    disp = _dispatch(tmp_path, [_Emitting(), _Crashing()])
    assert [(n.code, n.path) for n in disp.notices] == [("unpacker-crashed", "top.bin!inner.boom")]
    assert "IndexError" in disp.notices[0].message
    assert [f.vpath for f in disp.files] == [
        "top.bin!inner.boom",
        "top.bin!fine.txt",
        "top.bin!inner.boom!partial.txt",
    ]
    assert (tmp_path / "out/inner.boom.x/partial.txt").read_bytes() == b"before the crash"


def test_a_failing_nested_container_falls_through_to_the_next_unpacker(tmp_path: Path) -> None:
    disp = _dispatch(tmp_path, [_Emitting(), _Refusing(), _Crashing()])
    assert [n.code for n in disp.notices] == ["unpack-failed", "unpacker-crashed"]
    assert "header is inconsistent" in disp.notices[0].message


def test_a_failing_top_level_container_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "x.boom"
    src.write_bytes(b"x")
    with SafeWriter(tmp_path) as writer:
        disp = Dispatcher(writer, Limits(), [_Refusing()])
        with pytest.raises(UnpackError, match="header is inconsistent"):
            disp.run(Blob("x.boom", src, 1, b"x", 0))
    assert codes_of(disp) == ["unpack-failed"]


def codes_of(disp: Dispatcher) -> list[str]:
    return [n.code for n in disp.notices]


def test_emit_with_write_false_records_without_writing(tmp_path: Path) -> None:
    class _Big(_Emitting):
        def extract(self, blob: Blob, sink: Sink) -> None:
            sink.emit(blob, "cli.js.jsc", b"\x00" * 100, kind="bytecode", write=False, note="skip")

    disp = _dispatch(tmp_path, [_Big()])
    (only,) = disp.files
    assert (only.relpath, only.kind, only.size, only.note) == (None, "bytecode", 100, "skip")
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


def test_output_inside_the_folder_being_unpacked_is_refused(tmp_path: Path) -> None:
    # Otherwise the walk would read the files it is writing, until a limit stops it.
    (tmp_path / "a.js").write_text("a()")
    with pytest.raises(UsageError, match="inside the folder being unpacked"):
        unpack(artifact_for(tmp_path, "directory"), tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.js"]


def test_over_long_member_names_are_shortened_with_a_notice(tmp_path: Path) -> None:
    long = "/".join(["d" * 100] * 60) + "/x.js"  # 6 KB: beyond the 4 KiB name limit
    src = tgz(tmp_path / "long.tgz", {long: b"x()"})
    tree = run_unpack(tmp_path, src)
    assert [n.code for n in tree.notices] == ["name-too-long"]
    assert entry(tree, "/x.js").relpath == "_long/x.js"


def test_a_plain_file_over_the_member_limit_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "big.txt"
    src.write_bytes(b"x" * 5000)
    with pytest.raises(LimitExceeded, match="member limit"):
        run_unpack(tmp_path, src, limits=Limits(max_member_bytes=4096))


def test_pretty_uses_worker_processes_for_many_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentxray.unpack import prettyfiles

    monkeypatch.setattr(prettyfiles, "POOL_MIN_BYTES", 0)
    code = {f"package/c{i}.js": b"function f%d(){return %d;}" % (i, i) for i in range(40)}
    tree = run_unpack(tmp_path, tgz(tmp_path / "many.tgz", code), pretty=True)
    doc = json.loads((tree.root / "manifest.json").read_text())
    assert [f["pretty"] for f in doc["files"]] == [f"package/c{i}.pretty.js" for i in range(40)]
    assert (tree.root / "package/c7.pretty.js").read_bytes().count(b"\n") >= 2


def test_a_failing_printer_leaves_the_original_and_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentxray.unpack import pretty

    def broken(data: bytes) -> bytes:
        raise RecursionError("too deep")

    monkeypatch.setattr(pretty, "prettify", broken)
    tree = run_unpack(tmp_path, tgz(tmp_path / "p.tgz", {"a.js": b"a()"}), pretty=True)
    assert [(n.code, n.message) for n in tree.notices] == [
        ("pretty-failed", "RecursionError: too deep")
    ]
    assert sorted(p.name for p in tree.root.iterdir()) == ["a.js", "manifest.json"]
