"""``scripts/test``, the README's test command: on a machine that lacks something it says, in one
line, what to install, before it installs or runs anything."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "test"
TOOLS = ("dirname", "python", "gcc", "objcopy", "git", "bwrap", "strace", "faketime")


def fake_path(tmp_path: Path, *, uid: int, node_major: int, without: tuple[str, ...]) -> Path:
    """A PATH of links to the real tools, minus ``without``, with ``id`` and ``node`` stubbed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        real = shutil.which(tool)
        if tool not in without and real is not None:
            (bin_dir / tool).symlink_to(real)
    if "chromium" not in without:
        (bin_dir / "chromium").write_text("#!/bin/sh\n")
        (bin_dir / "chromium").chmod(0o755)
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "node").write_text(f"#!/bin/sh\n[ {node_major} -ge 20 ]\n")
    for stub in ("id", "node"):
        (bin_dir / stub).chmod(0o755)
    return bin_dir


def run_script(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        ["/bin/bash", str(SCRIPT), "--collect-only"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("python") is None, reason="needs python on PATH")
def test_missing_system_package_without_root_is_one_apt_line(tmp_path: Path) -> None:
    proc = run_script(fake_path(tmp_path, uid=1000, node_major=20, without=("chromium", "strace")))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        "scripts/test: missing system packages; run: sudo apt-get install -y chromium "
    )
    assert "strace" in lines[0].split() and "gcc" not in lines[0].split()


@pytest.mark.skipif(shutil.which("python") is None, reason="needs python on PATH")
def test_old_node_is_named(tmp_path: Path) -> None:
    proc = run_script(fake_path(tmp_path, uid=1000, node_major=18, without=()))
    assert proc.returncode == 2
    assert "needs Node.js >= 20" in proc.stderr and "pip" not in proc.stderr


def test_ci_runs_exactly_the_readme_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = readme[readme.index("## Quickstart") : readme.index("## Commands")]
    assert "\n./scripts/test\n" in quickstart
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line and not line.startswith("#")][-1] == (
        'exec ./scripts/test "$@"'
    )
