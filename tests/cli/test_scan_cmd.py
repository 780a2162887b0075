"""``agentxray scan``: formats, output file, exit codes, on local targets through the real pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest

from agentxray.analyze import registry
from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.cli.main import main
from agentxray.model import FileKind, Finding, Location, Notice
from agentxray.render.json import report_schema


class MarkerDetector(Detector):
    """Flags ``/*MEDIUM*/`` comments as medium findings: a predictable stand-in for real rules."""

    name = "test-marker"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "typescript", "python"})

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        offset = unit.data.find(b"/*MEDIUM*/")
        if offset >= 0:
            line = unit.data.count(b"\n", 0, offset) + 1
            yield Finding(
                id=f"marker:{unit.entry.sha256[:12]}",
                rule=self.name,
                category="telemetry",
                severity="medium",
                title="marker comment",
                location=Location(unit.entry.vpath, line, 1, offset),
            )


@pytest.fixture
def marker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "DETECTORS", (MarkerDetector(),))


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "agent.js"
    path.write_text("const a = 1;\n/*MEDIUM*/ send(a);\n")
    return path


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [(None, 0), ("critical", 0), ("high", 0), ("medium", 1), ("info", 1)],
)
def test_exit_code_follows_fail_on(
    marker: None,
    script: Path,
    fail_on: str | None,
    expected: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["scan", str(script), "--format", "json"]
    if fail_on:
        argv += ["--fail-on", fail_on]
    assert main(argv) == expected
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    if expected:
        assert f"findings at or above {fail_on}: 1 medium" in captured.err
    assert [(f["rule"], f["location"]["line"]) for f in doc["findings"]] == [("test-marker", 2)]


def test_single_js_file_json_validates(
    marker: None, script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(script), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    assert doc["target"]["kind"] == "path"
    assert [a["kind"] for a in doc["artifacts"]] == ["javascript"]
    assert doc["findings"][0]["location"]["artifact"] == doc["artifacts"][0]["path"]


@pytest.mark.parametrize(
    ("fmt", "probe"),
    [
        ("terminal", "marker comment"),
        ("json", '"schema": "agentxray.report/1"'),
        ("sarif", '"version": "2.1.0"'),
        ("html", "<!DOCTYPE html>"),
    ],
)
def test_output_file_in_each_format(
    marker: None, script: Path, tmp_path: Path, fmt: str, probe: str
) -> None:
    out = tmp_path / f"report.{fmt}"
    assert main(["scan", str(script), "--format", fmt, "--output", str(out)]) == 0
    assert probe in out.read_text(encoding="utf-8")


def test_terminal_is_default(
    marker: None, script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(script)]) == 0
    out = capsys.readouterr().out
    assert "Summary" in out and "telemetry" in out and "marker comment" in out


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.mjs", "javascript"), ("a.cjs", "javascript"), ("a.ts", "typescript"), ("a.py", "python")],
)
def test_single_source_file_of_each_kind(
    marker: None, tmp_path: Path, name: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_text("let x = 1; // /*MEDIUM*/\n" if kind != "python" else "x = 1  # /*MEDIUM*/\n")
    assert main(["scan", str(path), "--format", "json", "--fail-on", "medium"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [a["kind"] for a in doc["artifacts"]] == [kind]
    assert [f["location"]["line"] for f in doc["findings"]] == [1]


def test_python_file_is_scanned(
    marker: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "agent.py"
    path.write_text("x = 1  # /*MEDIUM*/\n")
    assert main(["scan", str(path), "--format", "json", "--fail-on", "low"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [a["kind"] for a in doc["artifacts"]] == ["python"]


def test_missing_target_is_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "nope.js")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("agentxray: error:") and "Traceback" not in err


def test_bad_option_is_usage_error(script: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(script), "--fail-on", "severe"])
    assert exc.value.code == 2


def test_output_directory_is_usage_error(script: Path, tmp_path: Path) -> None:
    assert main(["scan", str(script), "--output", str(tmp_path)]) == 2
