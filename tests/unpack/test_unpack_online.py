"""``unpack`` on real packages from the registries configured on this machine (downloads cached)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agentxray.model import Artifact
from agentxray.unpack import unpack

pytestmark = pytest.mark.online


def test_claude_code_2_1_91_plain_bundle(
    real_artifact: Callable[..., Artifact], tmp_path: Path
) -> None:
    artifact = real_artifact("npm:@anthropic-ai/claude-code@2.1.91")
    tree = unpack(artifact, tmp_path / "out")
    cli = next(f for f in tree.files if f.vpath.endswith("!package/cli.js"))
    assert cli.vpath == "claude-code-2.1.91.tgz!package/cli.js"
    assert cli.kind == "javascript"
    assert cli.relpath == "package/cli.js"
    text = (tree.root / "package/cli.js").read_bytes()
    assert b"// Version: 2.1.91" in text[:1000]
    assert b"Asia/Urumqi" in text
    assert cli.size > 10_000_000
    # Its vendored ripgrep builds are native executables, recorded with their kind.
    assert any(f.kind == "native" and "/vendor/ripgrep/" in f.vpath for f in tree.files)
    assert (tree.root / "manifest.json").is_file()


def test_aider_chat_wheel_yields_python_files(
    real_artifact: Callable[..., Artifact], tmp_path: Path
) -> None:
    artifact = real_artifact("pypi:aider-chat")
    assert artifact.format == "wheel"
    tree = unpack(artifact, tmp_path / "out")
    by_rel = {f.relpath: f for f in tree.files}
    assert by_rel["aider/main.py"].kind == "python"
    assert by_rel["aider/main.py"].vpath.endswith(".whl!aider/main.py")
    assert (tree.root / "aider/main.py").read_text().count("def main(") == 1
    assert sum(f.kind == "python" for f in tree.files) > 50
    assert not [n for n in tree.notices if n.level == "error"]


def test_claude_code_2_1_197_linux_bun_executable(
    real_artifact: Callable[..., Artifact], tmp_path: Path
) -> None:
    # Speed is measured by bench/bench_unpack.py (figures in the README), not asserted here.
    artifact = real_artifact("npm:@anthropic-ai/claude-code@2.1.197", platform="linux-x64")
    tree = unpack(artifact, tmp_path / "out")
    cli = next(f for f in tree.files if f.vpath.endswith("!/$bunfs/root/src/entrypoints/cli.js"))
    assert cli.vpath == (
        "claude-code-linux-x64-2.1.197.tgz!package/claude!/$bunfs/root/src/entrypoints/cli.js"
    )
    assert cli.relpath == "package/claude.x/$bunfs/root/src/entrypoints/cli.js"
    assert cli.container == "claude-code-linux-x64-2.1.197.tgz!package/claude"
    assert b"Asia/Urumqi" in (tree.root / cli.relpath).read_bytes()
