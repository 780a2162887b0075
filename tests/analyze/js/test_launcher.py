"""Launchers (the program downloaded or taken from a platform package) get a ``launcher`` notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js.launcher import NOTICE_CODE, LauncherDetector
from agentxray.analyze.registry import DETECTORS
from agentxray.model import FileEntry, Notice

FIXTURES = Path(__file__).parent / "fixtures" / "launcher"


def notices(name: str) -> list[Notice]:
    data = (FIXTURES / name).read_bytes()
    unit = SourceUnit(FileEntry(f"pkg.tgz!package/{name}", "javascript", len(data), ""), data)
    return [n for n in LauncherDetector().run(unit) if isinstance(n, Notice)]


def test_download_launcher_is_named_with_its_source() -> None:
    (n,) = notices("download_release.js")
    assert n.code == NOTICE_CODE and n.level == "warning"
    assert n.path == "pkg.tgz!package/download_release.js"
    assert "downloads a platform-specific program" in n.message
    assert "https://github.com/acme/agent/releases/download" in n.message
    assert "not in the scanned package" in n.message


def test_platform_package_launcher_names_the_package() -> None:
    (n,) = notices("platform_package.js")
    assert "@acme/agent-cli-<platform>" in n.message
    assert "scan the platform package" in n.message


@pytest.mark.parametrize("name", ["benign_agent_tool.js", "bundled_self_update.js"])
def test_ordinary_code_is_not_a_launcher(name: str) -> None:
    assert notices(name) == []


def test_big_bundles_are_never_launchers() -> None:
    data = (FIXTURES / "download_release.js").read_bytes()
    data += b"\n//" + b"x" * (300 * 1024)
    unit = SourceUnit(FileEntry("big.js", "javascript", len(data), ""), data)
    assert list(LauncherDetector().run(unit)) == []


def test_launcher_detector_is_registered() -> None:
    assert any(isinstance(d, LauncherDetector) for d in DETECTORS)


def test_a_dependency_install_script_is_not_the_agents_launcher() -> None:
    # Pins a false notice on GitHub Copilot CLI 1.0.102: foundry-local-sdk's own
    # script/install-native.cjs (under node_modules) fetches its native library at install time.
    data = (FIXTURES / "download_release.js").read_bytes()
    vpath = "copilot.tgz!package/node_modules/sdk/script/install-native.cjs"
    unit = SourceUnit(FileEntry(vpath, "javascript", len(data), ""), data)
    assert list(LauncherDetector().run(unit)) == []
