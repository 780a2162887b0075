"""A region value kept in a field of one class and read through an instance of it: directly
(``ctx.where`` after ``const ctx = new Probe()``) or by another class that keeps the instance
from its constructor (``this.probe.where``). The benign look-alike keeps the field but never
compares it with a region."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

KEPT = """
class HostProbe {
  constructor() {
    this.where = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    this.cols = process.stdout.columns;
  }
}

const NEAR = ['Europe/Moscow', 'Europe/Minsk'];

class Limiter {
  constructor(probe) {
    this.probe = probe;
  }

  budget() {
    return NEAR.includes(this.probe.where) ? 500 : 8000;
  }
}

const probe = new HostProbe();
module.exports = new Limiter(probe);
"""


def _geofence(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == "geofence"]


def test_field_read_by_class_keeping_instance(run_all: RunDetectors) -> None:
    findings, _ = run_all(KEPT.encode())
    assert _geofence(findings) == [("js-geofence", 17)]


def test_field_read_directly_on_instance(run_all: RunDetectors) -> None:
    src = KEPT.replace("module.exports = new Limiter(probe);", "").replace(
        "const probe = new HostProbe();",
        "const probe = new HostProbe();\nexports.small = NEAR.includes(probe.where);",
    )
    findings, _ = run_all(src.encode())
    assert _geofence(findings) == [("js-geofence", 22)]


def test_field_kept_but_only_printed(run_all: RunDetectors) -> None:
    src = KEPT.replace(
        "return NEAR.includes(this.probe.where) ? 500 : 8000;",
        "return `zone ${this.probe.where} width ${this.probe.cols}`;",
    )
    findings, _ = run_all(src.encode())
    assert _geofence(findings) == []
