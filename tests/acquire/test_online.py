"""Real registries: Claude Code, Codex CLI and aider through agentxray's own acquire (cached)."""

from __future__ import annotations

import base64
import hashlib
import logging
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from agentxray.acquire import acquire, parse_spec
from agentxray.acquire.command import resolve_command
from agentxray.model import Artifact

pytestmark = pytest.mark.online

RealArtifact = Callable[..., Artifact]


def sri_of(path: Path) -> str:
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha512").digest()
    return "sha512-" + base64.b64encode(digest).decode()


def names(path: Path) -> list[str]:
    with tarfile.open(path) as tar:
        return tar.getnames()


@pytest.mark.parametrize("platform", [None, "darwin-arm64", "win32-x64"])
def test_claude_code_2_1_197_platform_build(
    real_artifact: RealArtifact, platform: str | None
) -> None:
    art = real_artifact("npm:@anthropic-ai/claude-code@2.1.197", platform=platform)
    plat = platform or "linux-x64"
    assert art.name == f"@anthropic-ai/claude-code-{plat}"
    assert (art.version, art.platform, art.format) == ("2.1.197", plat, "npm-tarball")
    assert art.via == (
        "@anthropic-ai/claude-code@2.1.197",
        f"@anthropic-ai/claude-code-{plat}@2.1.197",
    )
    assert art.integrity == sri_of(art.path)  # the file on disk is what the registry published
    binary = "package/claude.exe" if plat.startswith("win32") else "package/claude"
    assert binary in names(art.path)


def test_claude_code_2_1_91_is_plain_cli_js(real_artifact: RealArtifact) -> None:
    art = real_artifact("npm:@anthropic-ai/claude-code@2.1.91")
    assert (art.name, art.version, art.platform, art.via) == (
        "@anthropic-ai/claude-code",
        "2.1.91",
        None,
        (),
    )
    assert art.integrity == sri_of(art.path)
    assert "package/cli.js" in names(art.path)


def test_codex_latest_is_a_platform_version(real_artifact: RealArtifact) -> None:
    art = real_artifact("npm:@openai/codex")
    assert art.name == "@openai/codex" and art.platform == "linux-x64"
    assert art.version is not None and art.version.endswith("-linux-x64")
    assert art.via == (
        f"@openai/codex@{art.version.removesuffix('-linux-x64')}",
        f"@openai/codex@{art.version}",
    )
    assert art.integrity == sri_of(art.path)


def test_aider_chat_wheel(real_artifact: RealArtifact) -> None:
    art = real_artifact("pypi:aider-chat")
    assert (art.name, art.format) == ("aider-chat", "wheel")
    assert art.via[0].endswith("-py3-none-any.whl")
    assert art.sha256 == hashlib.sha256(art.path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "text",
    [
        "npm:@anthropic-ai/claude-code@2.1.197",
        "npm:@anthropic-ai/claude-code@2.1.91",
        "pypi:aider-chat",
    ],
)
def test_second_run_is_served_from_cache(
    real_artifact: RealArtifact, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = real_artifact(text)  # downloads if this machine never did
    caplog.set_level(logging.INFO, logger="agentxray.acquire")
    again = acquire(parse_spec(text))
    assert again.path == first.path and again.sha256 == first.sha256
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("cache hit") for m in messages)
    assert not any(m.startswith("downloaded") for m in messages)


def test_cmd_claude_after_npm_global_install(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    subprocess.run(
        [
            "npm",
            "install",
            "-g",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(prefix),
            "@anthropic-ai/claude-code@2.1.197",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    stub = prefix / "lib" / "node_modules" / "@anthropic-ai" / "claude-code" / "bin" / "claude.exe"
    assert stub.stat().st_size < 4096  # --ignore-scripts leaves the placeholder in place
    program, chain = resolve_command("claude", path=str(prefix / "bin"), platform="linux-x64")
    assert program.name == "claude" and program.parent.name == "claude-code-linux-x64"
    assert chain[:2] == (str(prefix / "bin" / "claude"), str(stub))
    with open(program, "rb") as handle:
        assert handle.read(4) == b"\x7fELF"
