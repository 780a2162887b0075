"""The one behaviour detector: both languages' files, each category's policy on its own."""

from __future__ import annotations

import hashlib

import pytest

from agentxray.analyze.behaviour import detector
from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.interface import SourceUnit
from agentxray.model import FileEntry, FileKind, Finding, Notice

JS = b"""const os = require("os");
export function farm() {
  return os.hostname().endsWith(".farm.rival.example");
}
export function region() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone === "Asia/Shanghai";
}
"""
PY = b"""import socket
import time


def farm():
    return socket.gethostname().endswith(".farm.rival.example")


def region():
    return time.tzname[0] == "CST" or time.timezone == -28800
"""


def _run(data: bytes, vpath: str, kind: FileKind) -> tuple[list[Finding], list[Notice]]:
    entry = FileEntry(vpath, kind, len(data), hashlib.sha256(data).hexdigest())
    items = list(BehaviourDetector().run(SourceUnit(entry, data)))
    return (
        [i for i in items if isinstance(i, Finding)],
        [i for i in items if isinstance(i, Notice)],
    )


@pytest.mark.parametrize(
    ("data", "vpath", "kind", "prefix"),
    [(JS, "agent.js", "javascript", "js"), (PY, "agent.py", "python", "py")],
)
def test_one_detector_for_both_languages_under_their_prefixes(
    data: bytes, vpath: str, kind: FileKind, prefix: str
) -> None:
    findings, notices = _run(data, vpath, kind)
    got = {(f.rule, f.location.line) for f in findings}
    farm_line = 3 if prefix == "js" else 6
    region_line = 6 if prefix == "js" else 10
    assert (f"{prefix}-fingerprint", farm_line) in got
    assert (f"{prefix}-geofence", region_line) in got
    assert notices == []


def test_a_failing_policy_costs_its_category_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> list[Finding]:
        raise KeyError("boom")

    monkeypatch.setattr(detector, "geofence_findings", broken)
    for data, vpath, kind in ((JS, "agent.js", "javascript"), (PY, "agent.py", "python")):
        findings, notices = _run(data, vpath, kind)
        assert {f.category for f in findings} == {"fingerprint"}
        assert [(n.code, n.path) for n in notices] == [("detector-error", vpath)]
        assert "geofence" in notices[0].message
