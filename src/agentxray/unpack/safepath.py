"""Turn untrusted member names into safe, readable, collision-free relative paths.

Scheme (documented for users in the unpack command's help):

- A member ``package/claude`` of the artifact is written at ``package/claude``.
- The members of a nested container are written in a folder named after it plus ``.x``:
  ``package/claude!/$bunfs/root/cli.js`` → ``package/claude.x/$bunfs/root/cli.js``.
- Leading ``/`` and drive letters are dropped, ``\\`` is a separator, ``.`` components vanish and
  ``..`` becomes ``__``; control characters and ``<>:"|?*`` become ``_``; Windows device names get a
  ``_`` prefix; over-long components are shortened with a digest of the full name.
- Two names that would land on the same path (also when compared case-insensitively, as on macOS
  and Windows) get ``~2``, ``~3``… before the extension.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass

logger = logging.getLogger(__name__)

NESTED_SUFFIX = ".x"
"""Appended to a nested container's file name to name the folder holding its members."""
MAX_COMPONENT_BYTES = 200
"""Longest file or folder name written (most file systems allow 255 bytes)."""

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_DRIVE = re.compile(r"^[A-Za-z]:(?=[/\\]|$)")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9]|conin\$|conout\$)(\..*)?$", re.I)


@dataclass(frozen=True, slots=True)
class SafeName:
    """A member name split into safe components, with what had to change."""

    parts: tuple[str, ...]
    """Safe path components, never empty, never ``.``/``..``, never containing ``/`` or NUL."""
    absolute: bool
    """The name started with ``/``, ``\\`` or a drive letter."""
    traversal: bool
    """The name had ``..`` components."""


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (undecodable bytes in archive names) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def looks_absolute(name: str) -> bool:
    """Whether an archive member's name starts with ``/``, ``\\`` or ``X:`` (the tar and zip
    readers report it as ``absolute-path``; :func:`split_name` writes it inside the output)."""
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")


def _shorten(part: str) -> str:
    encoded = part.encode("utf-8")
    if len(encoded) <= MAX_COMPONENT_BYTES:
        return part
    digest = hashlib.sha256(encoded).hexdigest()[:12]
    dot = part.rfind(".")
    ext = part[dot:] if dot > 0 and len(part) - dot <= 16 else ""
    keep = encoded[: MAX_COMPONENT_BYTES - 30].decode("utf-8", "ignore")
    return f"{keep}~{digest}{ext}"


def safe_component(part: str) -> str:
    """One path component made safe for every common file system."""
    part = _UNSAFE_CHARS.sub("_", clean_text(part))
    if part in ("", "."):
        return "_"
    if part == "..":
        return "__"
    if part[-1] in ". ":
        part = part[:-1] + "_"
    if _RESERVED.match(part):
        part = "_" + part
    return _shorten(part)


def split_name(name: str) -> SafeName:
    """Split an archive member name into safe components."""
    text = name.replace("\\", "/")
    absolute = False
    drive = _DRIVE.match(text)
    if drive:
        text = text[drive.end() :]
        absolute = True
    if text.startswith("/"):
        absolute = True
    raw = [p for p in text.split("/") if p not in ("", ".")]
    traversal = ".." in raw
    parts = tuple(safe_component(p) for p in raw) or ("_",)
    return SafeName(parts=parts, absolute=absolute, traversal=traversal)


def _key(name: str) -> str:
    """Collision key: names equal on a case-insensitive, normalising file system are one."""
    return unicodedata.normalize("NFC", name).casefold()


def _numbered(name: str, n: int) -> str:
    dot = name.rfind(".")
    if dot > 0:
        return f"{name[:dot]}~{n}{name[dot:]}"
    return f"{name}~{n}"


class PathAllocator:
    """Hands out relative paths that never collide with each other, files or folders."""

    def __init__(self) -> None:
        self._taken: set[tuple[str, str]] = set()
        """(parent relpath, key of a name) for every file and folder handed out."""
        self._dirs: dict[tuple[str, str], str] = {}
        """(parent relpath, alias key) → the folder's relpath, so later members join it."""

    @staticmethod
    def _join(parent: str, name: str) -> str:
        return f"{parent}/{name}" if parent else name

    def _free(self, parent: str, name: str) -> str:
        candidate, n = name, 1
        while (parent, _key(candidate)) in self._taken:
            n += 1
            candidate = _numbered(name, n)
        self._taken.add((parent, _key(candidate)))
        return candidate

    def folder(self, parent: str, name: str, *, alias: str | None = None) -> str:
        """The relpath of folder ``name`` in ``parent``, created on first use.

        ``alias`` separates folders that merely share a name (a nested container's ``.x``
        folder and an archive's own folder of the same name get different paths).
        """
        alias_key = (parent, alias if alias is not None else "d:" + _key(name))
        found = self._dirs.get(alias_key)
        if found is None:
            found = self._join(parent, self._free(parent, name))
            self._dirs[alias_key] = found
        return found

    def file(self, parent: str, parts: tuple[str, ...]) -> str:
        """A fresh relpath for a file at ``parts`` under the folder ``parent``."""
        for part in parts[:-1]:
            parent = self.folder(parent, part)
        return self._join(parent, self._free(parent, parts[-1]))

    def reserve(self, relpath: str) -> None:
        """Keep ``relpath`` (a top-level file such as ``manifest.json``) for ourselves."""
        self._taken.add(("", _key(relpath)))
