"""``manifest.json``: what an unpack run wrote, where each file came from, and what was skipped."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from agentxray import __version__
from agentxray.model import Artifact, FileEntry, Notice, TargetSpec, Tree
from agentxray.unpack.limits import Limits

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
GENERATOR = "agentxray"
FORMAT = 1
"""Version of the manifest's layout."""
_MAX_MANIFEST_BYTES = 512 * 1024**2


def manifest_document(
    tree: Tree,
    *,
    limits: Limits,
    pretty: Mapping[str, str] | None = None,
    duration_s: float | None = None,
) -> dict[str, Any]:
    """The manifest as plain JSON data."""
    artifact = asdict(tree.artifact)
    artifact["path"] = str(tree.artifact.path)
    artifact["via"] = list(tree.artifact.via)
    names = [f.name for f in fields(FileEntry)]
    files = []
    for entry in tree.files:
        item: dict[str, Any] = {name: getattr(entry, name) for name in names}
        if pretty and entry.relpath is not None and entry.relpath in pretty:
            item["pretty"] = pretty[entry.relpath]
        files.append(item)
    return {
        "generator": GENERATOR,
        "generator_version": __version__,
        "format": FORMAT,
        "artifact": artifact,
        "limits": asdict(limits),
        "totals": {
            "files": len(tree.files),
            "written": sum(1 for f in tree.files if f.relpath is not None),
            "bytes": sum(f.size for f in tree.files if f.relpath is not None),
            "notices": len(tree.notices),
        },
        "duration_s": None if duration_s is None else round(duration_s, 3),
        "files": files,
        "notices": [asdict(n) for n in tree.notices],
    }


def manifest_bytes(document: Mapping[str, Any]) -> bytes:
    """The manifest serialised as UTF-8 JSON: one line per file and per notice, so it stays
    readable and quick to write for thousands of files."""
    parts = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            rows = ",\n  ".join(json.dumps(row, ensure_ascii=False) for row in value)
            parts.append(f" {json.dumps(key)}: [\n  {rows}\n ]")
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    return text.encode("utf-8", "replace")


def _load(root: Path) -> dict[str, Any] | None:
    path = root / MANIFEST_NAME
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("generator") == GENERATOR:
        return data
    return None


def is_previous_output(root: Path) -> bool:
    """Whether ``root`` holds an earlier agentxray unpack output (its manifest says so)."""
    return _load(root) is not None


def read_manifest(root: Path) -> Tree:
    """The :class:`Tree` an earlier run wrote to ``root``; ``ValueError`` if there is none."""
    data = _load(root)
    if data is None:
        raise ValueError(f"{root} holds no agentxray manifest")
    art = dict(data["artifact"])
    spec = TargetSpec(**art.pop("spec"))
    artifact = Artifact(spec=spec, path=Path(art.pop("path")), via=tuple(art.pop("via", ())), **art)
    files = []
    for item in data["files"]:
        item = {k: v for k, v in item.items() if k != "pretty"}
        files.append(FileEntry(**item))
    notices = tuple(Notice(**n) for n in data["notices"])
    return Tree(artifact=artifact, root=root, files=tuple(files), notices=notices)
