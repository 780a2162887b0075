"""Target spec parsing: registry prefixes, scoped names, versions, commands and paths."""

from __future__ import annotations

import pytest

from agentxray.acquire.spec import parse_spec
from agentxray.errors import UsageError


@pytest.mark.parametrize(
    ("text", "kind", "name", "version"),
    [
        ("npm:@anthropic-ai/claude-code@2.1.197", "npm", "@anthropic-ai/claude-code", "2.1.197"),
        ("npm:@anthropic-ai/claude-code", "npm", "@anthropic-ai/claude-code", None),
        ("npm:@openai/codex@latest", "npm", "@openai/codex", "latest"),
        ("npm:left-pad@^1.2 || 2.x", "npm", "left-pad", "^1.2 || 2.x"),
        ("npm:left-pad@", "npm", "left-pad", None),
        ("npm:@google/gemini-cli@>=0.1.0 <1", "npm", "@google/gemini-cli", ">=0.1.0 <1"),
        ("pypi:aider-chat", "pypi", "aider-chat", None),
        ("pypi:aider-chat==0.86.2", "pypi", "aider-chat", "0.86.2"),
        ("pypi:Aider_Chat[playwright]==0.86.2", "pypi", "Aider_Chat", "0.86.2"),
        ("cmd:claude", "command", "claude", None),
        ("./claude-src", "path", "./claude-src", None),
        ("/opt/app/resources/app.asar", "path", "/opt/app/resources/app.asar", None),
        ("C:/tools/agent.exe", "path", "C:/tools/agent.exe", None),
        ("  npm:x@1  ", "npm", "x", "1"),
    ],
)
def test_parse_spec(text: str, kind: str, name: str, version: str | None) -> None:
    spec = parse_spec(text)
    assert (spec.kind, spec.name, spec.version, spec.platform) == (kind, name, version, None)
    assert spec.raw == text.strip()


def test_platform_is_recorded() -> None:
    assert parse_spec("npm:x", platform="darwin-arm64").platform == "darwin-arm64"
    assert parse_spec("npm:x", platform="linux-x64-musl").platform == "linux-x64-musl"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "npm:",
        "npm:@scope",
        "npm:Bad Name",
        "npm:@/x",
        "pypi:",
        "pypi:aider>=1",
        "pypi:x==",
        "cmd:",
        "cmd:a/b",
    ],
)
def test_bad_specs_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_spec(text)
    assert "\n" not in info.value.diagnostics()


def test_bad_platform_is_usage_error() -> None:
    with pytest.raises(UsageError, match="platform"):
        parse_spec("npm:x", platform="amiga-68k")
