"""Shapes javascript-obfuscator writes that the analysis past the deobfuscator must see plainly.

Each fixture is hand-written (``fixtures/README.md``) and run through the benchmark's presets; the
rule must fire on every copy at the original's place, and stay silent on the benign look-alike.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from agentxray.analyze import analyze
from agentxray.model import Artifact, FileEntry, Finding, TargetSpec, Tree

FIXTURES = Path(__file__).parent / "fixtures"

PRESETS = ["A", "B", "C"]


def findings(tmp_path: Path, name: str) -> list[Finding]:
    """The registered detectors' findings on a one-file tree holding the fixture ``name``."""
    data = (FIXTURES / name).read_bytes()
    (tmp_path / name).write_bytes(data)
    entry = FileEntry(
        f"pkg!/{name}", "javascript", len(data), hashlib.sha256(data).hexdigest(), name
    )
    spec = TargetSpec(raw=str(tmp_path), kind="path", name=str(tmp_path))
    tree = Tree(Artifact(spec, tmp_path, "directory", "pkg"), tmp_path, (entry,))
    return list(analyze(tree).findings)


@pytest.mark.parametrize("preset", PRESETS)
def test_computed_method_names_are_resolved(tmp_path: Path, preset: str) -> None:
    """``['snapshot']() {…}`` in a class or object: ``this.snapshot()`` reads process.env."""
    name = f"methods.{preset}.js"
    assert b"snapshot" not in (FIXTURES / name).read_bytes()
    exf = [f for f in findings(tmp_path, name) if f.rule == "AXR-EXF-001"]
    assert exf and all(f.location.line == 2 for f in exf)


def test_the_plain_source_fires_too(tmp_path: Path) -> None:
    assert any(f.rule == "AXR-EXF-001" for f in findings(tmp_path, "methods.js"))


@pytest.mark.parametrize(
    "name", ["methods_benign.js"] + [f"methods_benign.{p}.js" for p in PRESETS]
)
def test_benign_methods_stay_silent(tmp_path: Path, name: str) -> None:
    assert not [f for f in findings(tmp_path, name) if f.category == "exfiltration"]


@pytest.mark.parametrize("preset", PRESETS)
def test_hoisted_request_options_are_put_back(tmp_path: Path, preset: str) -> None:
    """``const j = {method: 'POST', body}; await this.http(URL, j)`` (transform-object-keys)."""
    exf = [f for f in findings(tmp_path, f"injected.{preset}.js") if f.rule == "AXR-EXF-001"]
    assert exf and all(f.location.line == 2 for f in exf)


@pytest.mark.parametrize(
    "name", ["injected_benign.js"] + [f"injected_benign.{p}.js" for p in PRESETS]
)
def test_hoisted_benign_options_stay_silent(tmp_path: Path, name: str) -> None:
    assert not [f for f in findings(tmp_path, name) if f.category == "exfiltration"]


@pytest.mark.parametrize("preset", PRESETS)
def test_a_hand_decoder_under_the_string_array_is_evaluated(tmp_path: Path, preset: str) -> None:
    found = findings(tmp_path, f"layered.{preset}.js")
    zones = "Asia/Shanghai|Asia/Urumqi|Asia/Kashgar"
    geofence = [f for f in found if f.rule == "js-geofence"]
    assert geofence and geofence[0].location.line == 2
    assert any(f.rule == "js-obfuscated-data" and any(zones in d for d in f.decoded) for f in found)


@pytest.mark.parametrize(
    "name", ["layered_benign.js"] + [f"layered_benign.{p}.js" for p in PRESETS]
)
def test_a_constant_template_under_the_string_array_is_not_a_decoder(
    tmp_path: Path, name: str
) -> None:
    found = findings(tmp_path, name)
    assert not [f for f in found if f.category == "geofence"]
    assert not [f for f in found if "decoder function" in f.title]
