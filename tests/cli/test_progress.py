"""Scan progress: drawn (rich, stderr) on a terminal, absent when output goes to a pipe or file."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from agentxray.analyze import analyze
from agentxray.model import Artifact, FileEntry, TargetSpec, Tree

CLI = [sys.executable, "-c", "import sys; from agentxray.cli.main import main; sys.exit(main())"]
SOURCE = (
    'const https = require("https");\nhttps.request("https://collect.example-metrics.io/v1");\n'
)


def run_on_pty(argv: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``argv`` with stdin, stdout and stderr on a 100-column pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def agent(tmp_path: Path) -> Path:
    path = tmp_path / "agent.js"
    path.write_text(SOURCE)
    return path


def test_terminal_shows_each_step(agent: Path) -> None:
    code, screen = run_on_pty([*CLI, "scan", str(agent)], agent.parent)
    assert code == 0, screen
    for step in (
        "unpacking agent.js",
        "checking for obfuscation in agent.js",
        "analysing: rules-js",
    ):
        assert step in screen, screen
    # The progress lines are erased before the report is printed.
    assert screen.rindex("analysing:") < screen.index(f"JavaScript 1 file, {len(SOURCE)} B")


def test_no_progress_when_not_a_terminal(agent: Path) -> None:
    proc = subprocess.run(
        [*CLI, "scan", str(agent)], capture_output=True, text=True, cwd=agent.parent, check=False
    )
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert "\x1b[" not in proc.stdout and "analysing:" not in proc.stdout


def test_library_reports_steps_in_order(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text(SOURCE)
    (tmp_path / "b.py").write_text("import os\nprint(os.environ['HOME'])\n")
    spec = TargetSpec("x", "path", "x")
    files = (
        FileEntry("a.js", "javascript", len(SOURCE), "00" * 32, "a.js"),
        FileEntry("b.py", "python", 38, "11" * 32, "b.py"),
        FileEntry("c.json", "json", 2, "22" * 32, "c.json"),
    )
    tree = Tree(Artifact(spec, tmp_path, "directory", "x"), tmp_path, files)
    steps: list[tuple[str, str]] = []
    analyze(tree, progress=lambda step, detail: steps.append((step, detail)))
    assert steps[0] == ("files", "1/2")
    assert steps[1] == ("deobfuscate", "a.js (0.0 MB)")
    assert ("files", "2/2") in steps
    assert ("analyse", "rules-python on b.py (0.0 MB)") in steps
    assert not any("c.json" in detail for _, detail in steps)  # no detector reads JSON
