"""The GitHub Copilot CLI, a real Node single-executable app, unpacked end to end from npm."""

from __future__ import annotations

import json
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_sink import FakeSink, blob_at

from agentxray.model import Artifact, FileEntry, Tree
from agentxray.unpack import unpack
from agentxray.unpack.node_sea import NodeSeaUnpacker

pytestmark = pytest.mark.online

COPILOT = "npm:@github/copilot@1.0.102"


@pytest.fixture(scope="module")
def copilot(
    real_artifact: Callable[..., Artifact], tmp_path_factory: pytest.TempPathFactory
) -> Tree:
    return unpack(real_artifact(COPILOT), tmp_path_factory.mktemp("copilot") / "out")


def only(tree: Tree, suffix: str) -> FileEntry:
    found = [entry for entry in tree.files if entry.vpath.endswith(suffix)]
    assert len(found) == 1, (suffix, [entry.vpath for entry in found])
    return found[0]


def content(tree: Tree, entry: FileEntry) -> bytes:
    path = tree.path_of(entry)
    assert path is not None, entry.vpath
    return path.read_bytes()


def test_sea_main_script_comes_from_the_blob(copilot: Tree) -> None:
    main = only(copilot, "!package/copilot!sea-loader.js")
    assert main.kind == "javascript" and main.note == "SEA main script"
    text = content(copilot, main)
    assert b"Copyright (c) Microsoft Corporation" in text[:400]
    executable = only(copilot, "!package/copilot")
    assert main.container == executable.vpath and main.offset is not None
    exe_path = copilot.path_of(executable)
    assert exe_path is not None
    with Path(exe_path).open("rb") as fh:
        fh.seek(main.offset)
        assert fh.read(len(text)) == text
    info = json.loads(content(copilot, only(copilot, "!package/copilot!sea.json")))
    assert info["code_path"] == "sea-loader.js"
    assert info["assets"] == ["copilot.tgz"]
    assert "--expose-gc" in info["exec_argv"]


def test_javascript_inside_the_copilot_tgz_asset(copilot: Tree) -> None:
    asset = only(copilot, "!package/copilot!copilot.tgz")
    assert asset.note == "SEA asset"
    cli = only(copilot, "!package/copilot!copilot.tgz!package/cli-main.js")
    assert cli.kind == "javascript" and cli.container == asset.vpath
    assert cli.size > 1_000_000


def test_strings_of_the_rust_runtime_addon(copilot: Tree) -> None:
    addon = only(copilot, "!copilot.tgz!package/prebuilds/linux-x64/runtime.node")
    strings = only(copilot, "runtime.node!strings/rodata.txt")
    assert strings.kind == "strings" and strings.container == addon.vpath
    lines = content(copilot, strings).decode("utf-8").splitlines()
    hits = [line for line in lines if line.endswith("\tsrc/runtime/src/acp/mcp_oauth.rs")]
    assert hits
    offset = int(hits[0].split("\t", 1)[0], 16)
    addon_path = copilot.path_of(addon)
    assert addon_path is not None
    with Path(addon_path).open("rb") as fh:
        fh.seek(offset)
        assert fh.read(32) == b"src/runtime/src/acp/mcp_oauth.rs"
    rust = json.loads(content(copilot, only(copilot, "runtime.node!rust-info.json")))
    assert any(crate.startswith("tokio-") for crate in rust["crates"])
    assert rust["rustc_commits"]


@pytest.mark.parametrize(
    ("platform", "member", "container"),
    [
        ("darwin-arm64", "package/copilot", "NODE_SEA,__NODE_SEA_BLOB"),
        ("win32-x64", "package/copilot.exe", "PE resource NODE_SEA_BLOB"),
    ],
)
def test_macho_and_pe_builds(
    real_artifact: Callable[..., Artifact],
    tmp_path: Path,
    platform: str,
    member: str,
    container: str,
) -> None:
    artifact = real_artifact(COPILOT, platform=platform)
    target = tmp_path / Path(member).name
    with tarfile.open(artifact.path) as tar:
        source = tar.extractfile(member)
        assert source is not None
        with target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 22)
    sink = FakeSink()
    unpacker = NodeSeaUnpacker()
    assert unpacker.matches(blob_at(target)), container
    unpacker.extract(blob_at(target), sink)
    got = sink.by_name()
    assert b"Copyright (c) Microsoft Corporation" in got["sea-loader.js"].data[:400]
    tgz = got["copilot.tgz"]
    assert tgz.data[:2] == b"\x1f\x8b"
    with target.open("rb") as fh:
        fh.seek(tgz.offset or 0)
        assert fh.read(64) == tgz.data[:64]
    assert sink.notices == []
