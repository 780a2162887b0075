"""Guess what a recovered file holds from its name and its first bytes."""

from __future__ import annotations

import logging
import re

from agentxray.model import FileKind

logger = logging.getLogger(__name__)

_BY_SUFFIX: dict[str, FileKind] = {
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescript",
    ".d.ts": "typescript",
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".pyc": "bytecode",
    ".jsc": "bytecode",
    ".node": "native",
    ".so": "native",
    ".dylib": "native",
    ".dll": "native",
    ".exe": "native",
    ".map": "sourcemap",
    ".json": "json",
    ".tgz": "archive",
    ".gz": "archive",
    ".zst": "archive",
    ".bz2": "archive",
    ".xz": "archive",
    ".tar": "archive",
    ".zip": "archive",
    ".whl": "archive",
    ".vsix": "archive",
    ".jar": "archive",
    ".asar": "archive",
    ".strings": "strings",
}
_TEXT_SUFFIXES = frozenset(
    [
        ".md",
        ".txt",
        ".rst",
        ".html",
        ".htm",
        ".css",
        ".scss",
        ".xml",
        ".yml",
        ".yaml",
        ".toml",
        ".ini",
        ".cfg",
        ".sh",
        ".bash",
        ".zsh",
        ".ps1",
        ".bat",
        ".cmd",
        ".svg",
        ".csv",
        ".tsv",
        ".lock",
        ".license",
        ".gitignore",
        ".npmignore",
        ".sql",
        ".graphql",
        ".proto",
    ]
)
_TEXT_NAMES = frozenset(
    [
        "license",
        "licence",
        "readme",
        "changelog",
        "notice",
        "authors",
        "makefile",
        "dockerfile",
        "record",
        "metadata",
        "wheel",
        "pkg-info",
        "top_level.txt",
    ]
)

_MAGIC: tuple[tuple[bytes, FileKind], ...] = (
    (b"\x7fELF", "native"),
    (b"\xcf\xfa\xed\xfe", "native"),  # Mach-O 64-bit
    (b"\xce\xfa\xed\xfe", "native"),  # Mach-O 32-bit
    (b"\xca\xfe\xba\xbe", "native"),  # Mach-O universal (also Java class; rare in agents)
    (b"MZ", "native"),
    (b"\x1f\x8b", "archive"),
    (b"\x28\xb5\x2f\xfd", "archive"),
    (b"BZh", "archive"),
    (b"\xfd7zXZ\x00", "archive"),
    (b"PK\x03\x04", "archive"),
    (b"PK\x05\x06", "archive"),
)
_SHEBANG = re.compile(rb"^#![^\n]*\b(node|bun|deno|tsx|ts-node|python[0-9.]*)\b")
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _suffix(name: str) -> str:
    """The lower-case extension of the last path component, e.g. ``.js``; ``.d.ts`` kept whole."""
    base = name.rsplit("/", 1)[-1].lower()
    if base.endswith(".d.ts"):
        return ".d.ts"
    dot = base.rfind(".")
    return base[dot:] if dot > 0 else ""


def looks_binary(head: bytes) -> bool:
    """Whether ``head`` holds control bytes that text files never contain."""
    return bool(_BINARY_BYTES.search(head[:4096]))


def guess_kind(name: str, head: bytes) -> FileKind:
    """The :data:`FileKind` of a file called ``name`` starting with ``head`` (content wins)."""
    for magic, magic_kind in _MAGIC:
        if head.startswith(magic):
            if magic == b"MZ" and b"PE\x00\x00" not in head[:1024]:
                continue
            return magic_kind
    if len(head) > 262 and head[257:262] == b"ustar":
        return "archive"
    shebang = _SHEBANG.match(head)
    if shebang:
        return "python" if shebang.group(1).startswith(b"python") else "javascript"
    suffix = _suffix(name)
    kind = _BY_SUFFIX.get(suffix)
    if kind is not None and kind != "archive":
        return kind
    binary = looks_binary(head)
    if kind == "archive":
        return "archive" if binary else "text"
    if binary:
        return "data"
    if suffix in _TEXT_SUFFIXES or name.rsplit("/", 1)[-1].lower() in _TEXT_NAMES:
        return "text"
    if head.startswith(b"// @bun"):
        return "javascript"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"[") and suffix == "":
        return "json"
    if not head:
        return "other"
    return "text"
