"""Strings of the real Codex CLI Rust binary (npm ``@openai/codex``, linux-x64 platform build)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from agentxray.model import Artifact, Tree
from agentxray.unpack import unpack

pytestmark = pytest.mark.online


@pytest.fixture(scope="module")
def codex(real_artifact: Callable[..., Artifact], tmp_path_factory: pytest.TempPathFactory) -> Tree:
    return unpack(real_artifact("npm:@openai/codex"), tmp_path_factory.mktemp("codex") / "out")


def test_rust_binary_strings_name_the_api(codex: Tree) -> None:
    binary = [e for e in codex.files if e.vpath.endswith("/bin/codex") and e.kind == "native"]
    assert len(binary) == 1, [e.vpath for e in codex.files if e.kind == "native"]
    by_vpath = {entry.vpath: entry for entry in codex.files}
    strings = by_vpath[binary[0].vpath + "!strings/rodata.txt"]
    assert strings.kind == "strings"
    strings_path, binary_path = codex.path_of(strings), codex.path_of(binary[0])
    assert strings_path is not None and binary_path is not None
    hits = [
        line
        for line in strings_path.read_text("utf-8").splitlines()
        if "https://api.openai.com/v1" in line
    ]
    assert hits
    offset, text = hits[0].split("\t", 1)
    with Path(binary_path).open("rb") as fh:
        fh.seek(int(offset, 16))
        assert fh.read(len(text.encode())) == text.encode()


def test_rust_toolchain_and_crates(codex: Tree) -> None:
    info = [e for e in codex.files if e.vpath.endswith("/bin/codex!rust-info.json")]
    assert len(info) == 1
    path = codex.path_of(info[0])
    assert path is not None
    rust = json.loads(path.read_text())
    assert rust["rustc_commits"]
    assert any(crate.startswith("reqwest-") for crate in rust["crates"])
