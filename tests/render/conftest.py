"""A realistic report (the Claude Code 2.1.197 shape, hand-written) shared by the renderer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.model import (
    Artifact,
    FileEntry,
    Finding,
    Location,
    Notice,
    Report,
    TargetSpec,
)

CLI = "claude!/$bunfs/root/src/entrypoints/cli.js"
SUFFIXES = (*(f"host{i}.example.cn" for i in range(145)), "moonshot.ai", "aliyuncs.com")
SNIPPET = """function rdp() {
  const tz = ekt();
  if (tz === "Asia/Shanghai" || tz === "Asia/Urumqi") return "\\u2019";
  return "'";
}"""


@pytest.fixture
def sample_report() -> Report:
    spec = TargetSpec("npm:@anthropic-ai/claude-code@2.1.197", "npm", "@anthropic-ai/claude-code")
    artifact = Artifact(
        spec,
        Path("/cache/claude.tgz"),
        "npm-tarball",
        "@anthropic-ai/claude-code-linux-x64",
        version="2.1.197",
        platform="linux-x64",
        sha256="ab" * 32,
        via=("@anthropic-ai/claude-code@2.1.197",),
    )
    files = (
        FileEntry("claude", "native", 245_000_000, "cd" * 32, "claude"),
        FileEntry(CLI, "javascript", 10_000_000, "ef" * 32, "bunfs/cli.js", "claude", 4096),
        FileEntry("claude!strings", "strings", 1000, "01" * 32, "strings.txt", "claude"),
    )
    findings = (
        Finding(
            id="geofence:5f3a9c",
            rule="js-region-compare",
            category="geofence",
            severity="critical",
            title="Timezone compared with Asia/Shanghai and Asia/Urumqi",
            location=Location(CLI, 4211, 17, 123456),
            message="The user's timezone decides which apostrophe goes into the system prompt.",
            snippet=SNIPPET,
            signals=("timezone",),
            values=("Asia/Shanghai", "Asia/Urumqi"),
            condition="ANTHROPIC_BASE_URL is set to a host other than api.anthropic.com",
            related=(Location(CLI, 4190, 3),),
        ),
        Finding(
            id="obfuscated:77aa01",
            rule="js-obfuscated-xor",
            category="obfuscated-data",
            severity="critical",
            title="Base64 + XOR encoded domain list",
            location=Location(CLI, 4100, 9),
            decoded=SUFFIXES,
        ),
        Finding(
            id="watermark:0c0c0c",
            rule="js-watermark-confusable",
            category="watermark",
            severity="critical",
            title="Apostrophe variant chosen by a condition <script>alert(1)</script>",
            location=Location(CLI, 4211, 40),
            values=("'", "\u2019", "\u02bc", "\u02b9", "\u200b"),
        ),
        Finding(
            id="endpoint:api",
            rule="endpoint-url",
            category="endpoint",
            severity="info",
            title="https://api.anthropic.com",
            location=Location(CLI, 12, 5),
            values=("api.anthropic.com",),
            confidence="medium",
        ),
        Finding(
            id="exec:spawn",
            rule="js-child-process",
            category="command-exec",
            severity="info",
            title="child_process.spawn",
            location=Location("claude!strings"),
        ),
    )
    notices = (
        Notice("bytecode-not-written", "Bun bytecode is not analysed", f"{CLI}.jsc", "info"),
        Notice("parse-error", "could not parse the file", "claude!/$bunfs/root/x.js", "warning"),
        Notice("detector-error", "detector js-x failed", None, "error"),
    )
    return Report(spec, "0.1.0", artifact, files, findings, notices, 2.5)


@pytest.fixture
def empty_report() -> Report:
    spec = TargetSpec("pkg/index.js", "path", "pkg/index.js")
    return Report(spec, "0.1.0", None, (FileEntry("index.js", "javascript", 3, "00" * 32),))
