"""Launchers: small scripts whose agent program is downloaded, or taken from another package."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import ClassVar

from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.model import FileKind, Finding, Notice

logger = logging.getLogger(__name__)

MAX_LAUNCHER = 256 * 1024
"""Launchers are small; a bundle bigger than this is the program itself."""
NOTICE_CODE = "launcher"

_PLATFORM = re.compile(rb"process\.platform|os\.platform\(\)|process\.arch|os\.arch\(\)")
_RUN = re.compile(rb"\b(?:spawn|spawnSync|execFile|execFileSync|execFileP)\s*\(")
_DOWNLOAD = re.compile(
    rb"\b(?:https?\.get|https?\.request|fetch|axios(?:\.get)?|got|download\w*)\s*\("
)
_INSTALL = re.compile(
    rb"\bchmod(?:Sync)?\s*\([^)]*(?:0o?755|493|[\"']755[\"'])"
    rb"|\bcreateWriteStream\s*\(|\btar\.(?:x|extract)\s*\(|\bextract(?:Tar|Zip)?\s*\("
    rb"|JSZip|\bunzip\w*\s*\("
)
_RESOLVE = re.compile(rb"\brequire\.resolve\s*\(|\bimport\.meta\.resolve\s*\(")
_BUNDLE_PART = re.compile(
    rb"""from\s*["']\./chunk-|require\(["']\./chunk-|^// (?:packages|src)/\S+\.[cm]?[jt]sx?$""",
    re.M,
)
"""A chunk of a bundled program (imports sibling chunks, keeps esbuild's source-path comments):
part of the agent itself, e.g. Qwen Code's standalone self-updater, not a launcher."""
_URL = re.compile(rb"[\"'`](https?://[^\"'`\s]{4,200})[\"'`]")
_PACKAGE = re.compile(rb"[\"'`](@[a-z0-9][\w.-]*/[\w.-]*?-)(?:[\"'`]|\$\{)")


class LauncherDetector(Detector):
    """A small script that downloads or locates the real agent binary and runs it.

    The npm packages of Crush (``@charmland/crush``) and Codebuff download a release binary at
    install or run time; Cline's ``bin/cline`` runs a binary from a per-platform package. The
    registry package then holds only the launcher, and a scan of it says little about the agent:
    a ``launcher`` notice makes that plain instead of a reassuringly short report.
    """

    name = "js-launcher"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "typescript"})

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        data = unit.data
        if len(data) > MAX_LAUNCHER or not _RUN.search(data) or not _PLATFORM.search(data):
            return []
        if _BUNDLE_PART.search(data) or "/node_modules/" in unit.entry.vpath:
            return []  # part of the agent's bundle, or a dependency's own install script
        if _DOWNLOAD.search(data) and _INSTALL.search(data):
            urls = _unique(_URL.findall(data), 3)
            where = f" (from {', '.join(urls)})" if urls else ""
            message = (
                "launcher: this file downloads a platform-specific program at install or run "
                f"time{where} and runs it; the agent's program is not in the scanned package, "
                "so this report covers only the launcher"
            )
        elif _PACKAGE.search(data) and (_RESOLVE.search(data) or b"node_modules" in data):
            names = _unique(_PACKAGE.findall(data), 2)
            which = f" ({', '.join(n + '<platform>' for n in names)})" if names else ""
            message = (
                "launcher: this file runs a program from a per-platform package"
                f"{which}; the agent's program is not in the scanned package, so this report "
                "covers only the launcher — scan the platform package as well"
            )
        else:
            return []
        logger.info("%s: %s", unit.entry.vpath, message)
        return [Notice(NOTICE_CODE, message, path=unit.entry.vpath, level="warning")]


def _unique(found: list[bytes], limit: int) -> list[str]:
    out = list(dict.fromkeys(v.decode("utf-8", "replace") for v in found))
    return out[:limit]
