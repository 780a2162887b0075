"""`agentxray diff OLD NEW` on real scans of small files and on saved reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentxray.cli.diff_cmd import saved_report
from agentxray.cli.main import main
from agentxray.render.diff import diff_validator

PLAIN = "export function greet(name) { return `Hello, ${name}`; }\n"
REGIONAL = """export function greet(name) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone === "Asia/Shanghai" || zone === "Asia/Urumqi") {
    return fetch("https://api.example.com/v1/limits?tier=restricted").then(() => "Hi");
  }
  return `Hello, ${name}`;
}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_regional_branch_is_reported_as_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = _write(tmp_path / "a", "greet.js", PLAIN)
    new = _write(tmp_path / "b", "greet.js", REGIONAL)
    out = tmp_path / "d.json"
    code = main(
        ["diff", str(old), str(new), "--format", "json", "-o", str(out), "--fail-on", "high"]
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    diff_validator().validate(doc)
    assert any(f["category"] == "geofence" for f in doc["added"])
    assert doc["removed"] == [] and code == 1
    # The other way round the geofence is removed, and nothing was added: exit 0.
    code = main(
        ["diff", str(new), str(old), "--format", "json", "-o", str(out), "--fail-on", "low"]
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert any(f["category"] == "geofence" for f in doc["removed"]) and code == 0


def test_saved_reports_are_compared_without_scanning_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a").mkdir()
    src = _write(tmp_path / "a", "greet.js", REGIONAL)
    saved = tmp_path / "old.json"
    assert main(["scan", str(src), "--format", "json", "-o", str(saved)]) == 0
    src.unlink()  # the saved report is all diff needs
    code = main(["diff", str(saved), str(saved)])
    text = capsys.readouterr().out
    assert code == 0 and "No differences in findings." in text


def test_a_json_file_that_is_not_a_report_is_a_target_not_a_report(tmp_path: Path) -> None:
    assert saved_report(str(_write(tmp_path, "package.json", '{"name": "x"}'))) is None
    assert saved_report(str(_write(tmp_path, "broken.json", "{"))) is None


def test_a_damaged_saved_report_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path, "old.json", '{"schema": "agentxray.report/1", "findings": []}')
    assert main(["diff", str(bad), str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an agentxray.report/1 document" in err[0]
