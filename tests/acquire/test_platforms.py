"""npm platform names: the host's, suffixes of package and version names, os/cpu fields."""

from __future__ import annotations

import pytest

from agentxray.acquire import platforms
from agentxray.acquire.platforms import (
    fallbacks,
    manifest_allows,
    platform_suffix,
    same_family,
    valid_platform,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("@anthropic-ai/claude-code-linux-x64", "linux-x64"),
        ("@anthropic-ai/claude-code-linux-arm64-musl", "linux-arm64-musl"),
        ("@anthropic-ai/claude-code-win32-x64", "win32-x64"),
        ("0.171.0-darwin-arm64", "darwin-arm64"),
        ("opencode-windows-x64", "win32-x64"),
        ("opencode-linux-x64-baseline-musl", "linux-x64-baseline-musl"),
        ("@esbuild/linux-x64", "linux-x64"),
        ("@img/sharp-linuxmusl-x64", None),
        ("@anthropic-ai/claude-code", None),
        ("2.1.197", None),
    ],
)
def test_platform_suffix(name: str, expected: str | None) -> None:
    assert platform_suffix(name) == expected


@pytest.mark.parametrize(
    ("machine", "sys_platform", "musl", "expected"),
    [
        ("x86_64", "linux", False, "linux-x64"),
        ("aarch64", "linux", True, "linux-arm64-musl"),
        ("arm64", "darwin", False, "darwin-arm64"),
        ("AMD64", "win32", False, "win32-x64"),
    ],
)
def test_host_platform(
    monkeypatch: pytest.MonkeyPatch, machine: str, sys_platform: str, musl: bool, expected: str
) -> None:
    monkeypatch.setattr(platforms.platform, "machine", lambda: machine)
    monkeypatch.setattr(platforms.sys, "platform", sys_platform)
    monkeypatch.setattr(platforms, "is_musl", lambda: musl)
    assert platforms.host_platform() == expected


def test_this_host_platform_is_valid() -> None:
    assert valid_platform(platforms.host_platform())


def test_manifest_allows() -> None:
    assert manifest_allows({"os": ["linux"], "cpu": ["x64"]}, "linux-x64")
    assert manifest_allows({"os": ["linux"], "cpu": ["x64"]}, "linux-x64-musl")
    assert not manifest_allows({"os": ["darwin"], "cpu": ["arm64"]}, "linux-x64")
    assert not manifest_allows({"os": ["!win32"]}, "win32-x64")
    assert manifest_allows({}, "win32-x64")


def test_fallbacks() -> None:
    assert fallbacks("linux-x64-musl") == ("linux-x64-musl", "linux-x64")
    assert fallbacks("darwin-arm64") == ("darwin-arm64",)


@pytest.mark.parametrize(
    ("top", "dep", "target", "bins", "expected"),
    [
        ("@anthropic-ai/claude-code", "@anthropic-ai/claude-code-linux-x64", "", (), True),
        ("@openai/codex", "@openai/codex-linux-x64", "@openai/codex", (), True),
        ("esbuild", "@esbuild/linux-x64", "", (), True),
        ("opencode-ai", "opencode-windows-x64", "", ("opencode",), True),
        ("@anthropic-ai/claude-code", "@img/sharp-linux-x64", "", ("claude",), False),
        ("@google/gemini-cli", "@lydell/node-pty-linux-x64", "", ("gemini",), False),
        ("@acme/tool", "tool-linux-x64", "", ("tool",), False),
        ("tool", "tool-helper", "", (), False),
    ],
)
def test_same_family(
    top: str, dep: str, target: str, bins: tuple[str, ...], expected: bool
) -> None:
    assert same_family(top, dep, target, bins) is expected
