"""Recognising an earlier output by its manifest, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from agentxray.unpack.manifest import MANIFEST_NAME, is_previous_output


def test_only_an_agentxray_manifest_counts(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"generator": "agentxray", "files": []}))
    assert is_previous_output(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"name": "a web extension manifest"}))
    assert not is_previous_output(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text("not json")
    assert not is_previous_output(tmp_path)


def test_a_symlinked_manifest_is_not_trusted(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"generator": "agentxray"}))
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / MANIFEST_NAME).symlink_to(elsewhere)
    assert not is_previous_output(folder)
