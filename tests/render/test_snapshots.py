"""Snapshots of what the user sees for the sample report: terminal text and the SARIF log.

A deliberate change to a renderer updates them: ``AGENTXRAY_UPDATE_SNAPSHOTS=1 pytest tests/render``,
then review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentxray.model import Report
from agentxray.render.sarif import render_sarif
from agentxray.render.terminal import render_terminal_text

SNAPSHOTS = Path(__file__).parent / "snapshots"


def check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("AGENTXRAY_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"no snapshot {name}; run with AGENTXRAY_UPDATE_SNAPSHOTS=1 and review it")
    assert text == path.read_text(encoding="utf-8")


def test_terminal_snapshot(sample_report: Report) -> None:
    check("sample.terminal.txt", render_terminal_text(sample_report, width=100))


def test_sarif_snapshot(sample_report: Report) -> None:
    check("sample.sarif.json", render_sarif(sample_report))
