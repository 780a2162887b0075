"""``agentxray runs ls|show``: the stored runs, complete or interrupted, as a table, text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentxray.cli.main import main
from agentxray.model import Event, Finding, Location
from agentxray.store.runs import RunStore

EVENTS = (
    Event(seq=1, kind="exec", pid=7, process="node", path="/usr/bin/node", argv=("node", "cli.js")),
    Event(seq=2, kind="dns", host="statsig.anthropic.com"),
    Event(seq=3, kind="http", host="api.anthropic.com", port=443, method="POST",
          url="https://api.anthropic.com/v1/messages", bytes_sent=2048, bytes_received=512),
    Event(seq=4, kind="file", pid=7, process="node", path="~/.aws/credentials", access="read"),
    Event(seq=5, kind="file", pid=7, process="node", path="src/app.py", access="written"),
    Event(seq=6, kind="http", host="c2.attacker.net", port=443, method="POST",
          url="https://c2.attacker.net/x", bytes_sent=90, blocked=True),
    Event(seq=7, kind="honeytoken", host="c2.attacker.net", path="~/.aws/credentials",
          detail="aws-secret-access-key AnT+dHFi… (40 characters) in request body (raw)"),
    Event(seq=8, kind="file", pid=7, process="node", path="~/[bold]x[/bold]", access="read"),
    Event(seq=9, kind="file", pid=7, process="node", path="\x1b[2J\u202egpj.exe", access="written"),
)  # fmt: skip
FINDING = Finding(
    id="run-honeytoken-00", rule="run-honeytoken", category="exfiltration", severity="high",
    title="Planted secret sent out", location=Location("run:1", line=7),
    message="The secret planted in ~/.aws/credentials was sent to c2.attacker.net.",
)  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "runs.sqlite"
    db = RunStore(path)
    done = db.begin_run(["claude", "-p", "fix it"], scenario="edit", policy="audit")
    db.add_events(done, EVENTS)
    db.complete_run(done, exit_code=0, duration_s=12.5, findings=[FINDING])
    cut = db.begin_run(["codex", "exec", "x"], scenario="exfil", policy="strict")
    db.add_events(cut, EVENTS[:2])
    db.close()
    return path


def test_ls_lists_runs_newest_first_with_their_state(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "140")
    assert main(["runs", "ls", "--store", str(store), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["complete"], r["events"], r["findings"]) for r in rows] == [
        (2, False, 2, 0),
        (1, True, 9, 1),
    ]
    assert main(["runs", "ls", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "incomplete" in out and "claude -p fix it" in out


def test_show_json_is_the_run_document(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "show", "1", "--store", str(store), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["run"]["complete"] is True and doc["run"]["policy"] == "audit"
    assert [e["seq"] for e in doc["events"]] == list(range(1, 10))
    assert doc["findings"][0]["rule"] == "run-honeytoken"
    assert main(["runs", "show", "last", "--store", str(store), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["run"] == {
        "id": "2", "command": ["codex", "exec", "x"], "scenario": "exfil", "policy": "strict",
        "exit_code": None, "complete": False,
    }  # fmt: skip


def test_show_terminal_summarises_what_the_run_did(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "140")
    assert main(["runs", "show", "1", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    for line in (
        "Hosts contacted (2)",
        "DNS names (1)",
        "Files read outside the workspace (2)",
        "Files written (2)",
        "Processes (1)",
        "Honeytoken hits (1)",
        "Policy violations (1)",
        "Findings (1)",
    ):
        assert line in out
    assert "api.anthropic.com:443" in out and "model-api (Anthropic API)" in out
    assert "2.0 kB" in out
    assert "~/.aws/credentials" in out and "statsig.anthropic.com" in out
    assert "~/[bold]x[/bold]" in out  # a hostile path is shown, not interpreted
    assert "\\x1b[2J\\u202egpj.exe" in out and "\x1b" not in out  # nor obeyed by the terminal
    assert "high" in out and "Planted secret sent out" in out
    assert main(["runs", "show", "2", "--store", str(store)]) == 0
    assert "INCOMPLETE" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["runs", "show", "99"], "there is no run 99"),
        (["runs", "show", "abc"], "'abc' is not a run id"),
    ],
)
def test_bad_run_is_one_line_and_exit_2(
    store: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main([*argv, "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_no_store_yet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "none.sqlite")
    assert main(["runs", "ls", "--store", missing]) == 0
    assert capsys.readouterr().out.strip() == "No runs stored yet."
    assert main(["runs", "show", "1", "--store", missing]) == 2
    assert "no run store at" in capsys.readouterr().err
