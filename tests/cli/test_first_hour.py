"""What a new user meets first: empty targets, typo'd specs, late output errors, CI gating."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

import pytest

from agentxray.acquire.spec import parse_spec, suggest_scheme
from agentxray.analyze import registry
from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.cli.main import main
from agentxray.compare.baseline import SARIF_FINGERPRINT_KEY
from agentxray.errors import UsageError
from agentxray.model import FileKind, Finding, Location, Notice
from agentxray.render import sarif


class WordDetector(Detector):
    """One medium finding per ``/*FLAG:word*/`` comment, id ``flag:word``: stable across files."""

    name = "test-flag"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "python"})

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        start = 0
        while (at := unit.data.find(b"/*FLAG:", start)) >= 0:
            end = unit.data.index(b"*/", at)
            word = unit.data[at + 7 : end].decode()
            line = unit.data.count(b"\n", 0, at) + 1
            yield Finding(
                id=f"flag:{word}",
                rule=self.name,
                category="telemetry",
                severity="medium",
                title=f"flag {word}",
                location=Location(unit.entry.vpath, line, 1, at),
            )
            start = end


@pytest.fixture
def flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "DETECTORS", (WordDetector(),))


def js(path: Path, *words: str) -> Path:
    path.write_text("".join(f"send(1); /*FLAG:{w}*/\n" for w in words))
    return path


# --- silence is not safety ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["empty-file", "empty-folder", "data-only"])
def test_nothing_to_analyse_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    if kind == "empty-file":
        target = tmp_path / "empty.js"
        target.write_bytes(b"")
    else:
        target = tmp_path / "pkg"
        target.mkdir()
        if kind == "data-only":
            (target / "config.json").write_text('{"a": 1}')
    assert main(["scan", str(target)]) == 2
    out, err = capsys.readouterr()
    assert "Analysed: nothing" in out and "No findings" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("agentxray: error: nothing was analysed in")


def test_real_code_without_findings_says_what_was_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: None
) -> None:
    target = tmp_path / "a.js"
    target.write_text("send(1);\n")
    assert main(["scan", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Analysed: JavaScript 1 file, 9 B" in out and "No findings in the 1 file" in out


# --- typos and late errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("npn", "npm"),
        ("nmp", "npm"),
        ("NPM", "npm"),
        ("pip", "pypi"),
        ("pipy", "pypi"),
        ("pyp", "pypi"),
        ("cmf", "cmd"),
        ("command", "cmd"),
    ],
)
def test_near_miss_schemes_are_suggested(typed: str, meant: str) -> None:
    assert suggest_scheme(typed) == meant
    with pytest.raises(UsageError) as exc:
        parse_spec(f"{typed}:foo")
    assert f"Did you mean {meant}:foo?" in exc.value.diagnostics()


def test_unrelated_scheme_gets_no_guess_and_existing_paths_still_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UsageError) as exc:
        parse_spec("zzzzz:foo")
    assert "Did you mean" not in exc.value.diagnostics()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "npn:foo").write_text("x")
    assert parse_spec("npn:foo").kind == "path"
    assert parse_spec("C:foo").kind == "path"  # a drive letter, not a scheme


def test_typo_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "npn:foo"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "agentxray: error: unknown target scheme 'npn:' in 'npn:foo'. Did you mean npm:foo? "
        "Targets are npm:NAME, pypi:NAME, cmd:NAME or a path.\n"
    )


@pytest.mark.parametrize("where", ["missing-folder", "folder-is-a-file"])
def test_unwritable_output_fails_before_the_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    import agentxray.pipeline

    def no_audit(*args: object, **kwargs: object) -> None:
        raise AssertionError("the scan ran before --output was checked")

    monkeypatch.setattr(agentxray.pipeline, "audit", no_audit)
    (tmp_path / "file").write_text("")
    out = tmp_path / ("nope" if where == "missing-folder" else "file") / "report.json"
    assert main(["scan", str(js(tmp_path / "a.js")), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"agentxray: error: --output {out}") and err.count("\n") == 1


def test_output_check_leaves_no_file_behind(tmp_path: Path, flags: None) -> None:
    out = tmp_path / "r.json"
    assert main(["scan", str(tmp_path / "missing.js"), "-o", str(out)]) == 2
    assert not out.exists()


# --- CI integration ----------------------------------------------------------------------------


def test_baseline_reports_only_new_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: None
) -> None:
    old = tmp_path / "old.json"
    assert (
        main(["scan", str(js(tmp_path / "v1.js", "a", "b")), "--format", "json", "-o", str(old)])
        == 0
    )
    v2 = js(tmp_path / "v2.js", "b", "a", "c")
    assert main(["scan", str(v2), "--format", "json", "--baseline", str(old)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(f["id"], f["location"]["line"]) for f in doc["findings"]] == [("flag:c", 3)]
    assert any(n["code"] == "baseline" and "2 of 3" in n["message"] for n in doc["notices"])
    # Exit status still follows --fail-on, on the new findings only.
    assert main(["scan", str(v2), "--baseline", str(old), "--fail-on", "medium"]) == 1
    assert (
        main(
            [
                "scan",
                str(js(tmp_path / "v3.js", "a")),
                "--baseline",
                str(old),
                "--fail-on",
                "medium",
            ]
        )
        == 0
    )


def test_sarif_baseline_uses_the_finding_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: None
) -> None:
    assert SARIF_FINGERPRINT_KEY == sarif.FINGERPRINT_KEY
    old = tmp_path / "old.sarif"
    assert (
        main(["scan", str(js(tmp_path / "v1.js", "a")), "--format", "sarif", "-o", str(old)]) == 0
    )
    main(
        ["scan", str(js(tmp_path / "v2.js", "a", "z")), "--format", "json", "--baseline", str(old)]
    )
    assert [f["id"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["flag:z"]


def test_bad_baseline_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "old.json"
    bad.write_text('{"hello": 1}')
    assert main(["scan", str(js(tmp_path / "a.js")), "--baseline", str(bad)]) == 2
    assert "is not an agentxray JSON report or SARIF log" in capsys.readouterr().err


def test_suppressions_need_a_reason_and_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = js(tmp_path / "a.js", "a", "b")
    monkeypatch.chdir(tmp_path)
    ignore = tmp_path / ".agentxray-ignore.yaml"
    ignore.write_text("- id: flag:a\n")
    assert main(["scan", str(target)]) == 2
    assert "entry 1 has no reason" in capsys.readouterr().err
    ignore.write_text(
        "- id: flag:a\n  reason: reviewed, sends only a counter\n- rule: nope\n  reason: x\n"
    )
    assert main(["scan", str(target), "--format", "json", "--fail-on", "medium"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [f["id"] for f in doc["findings"]] == ["flag:b"]
    codes = {n["code"]: n["message"] for n in doc["notices"]}
    assert "reviewed, sends only a counter" in codes["suppressed"]
    assert "matched nothing" in codes["suppression-unused"]


def test_rule_and_path_suppression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: None
) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("- rule: test-flag\n  path: '*vendor/*'\n  reason: vendored SDK, audited\n")
    pkg = tmp_path / "pkg"
    (pkg / "vendor").mkdir(parents=True)
    js(pkg / "vendor" / "sdk.js", "v")
    js(pkg / "app.js", "k")
    assert main(["scan", str(pkg), "--format", "json", "--ignore-file", str(ignore)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(f["id"], f["location"]["artifact"]) for f in doc["findings"]] == [
        ("flag:k", "pkg/app.js")
    ]


def test_inline_comments_in_the_scanned_code_do_not_suppress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: None
) -> None:
    target = tmp_path / "a.js"
    target.write_text("// agentxray-ignore flag:a reason: trust me\nsend(1); /*FLAG:a*/ // nosec\n")
    assert main(["scan", str(target), "--format", "json"]) == 0
    assert [f["id"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["flag:a"]


def test_terminal_summary_says_how_to_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: None
) -> None:
    target = js(tmp_path / "a.js", "a")
    assert main(["scan", str(target)]) == 0
    assert "add --fail-on high to fail CI" in capsys.readouterr().out
    assert main(["scan", str(target), "--fail-on", "medium"]) == 1
    assert (
        "Gate: --fail-on medium → exit 1: 1 finding at or above medium." in capsys.readouterr().out
    )
