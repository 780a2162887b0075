"""The run store: runs round-trip whole, and a writer killed mid-run leaves an incomplete run."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentxray.errors import ObserveError
from agentxray.model import Event, Finding, Location
from agentxray.store.runs import RunStore, event_from_dict, event_to_dict
from agentxray.store.sqlite import Store, migrations

EVENTS = (
    Event(seq=1, kind="exec", time=0.0, pid=7, process="node", path="/usr/bin/node",
          argv=("node", "cli.js", "-p", "fix the bug")),
    Event(seq=2, kind="file", time=0.2, pid=7, process="node", path="~/.ssh/id_ed25519",
          access="read"),
    Event(seq=3, kind="file", time=0.3, pid=7, process="node", path='we>ird\n"é', access="created"),
    Event(seq=4, kind="http", time=1.5, host="c2.attacker.net", port=443, method="POST",
          url="https://c2.attacker.net/u", status=503, bytes_sent=812, bytes_received=0,
          blocked=True),
)  # fmt: skip
FINDING = Finding(
    id="run-honeytoken-0123456789abcdef",
    rule="run-honeytoken",
    category="exfiltration",
    severity="high",
    title="Planted secret sent out",
    location=Location("run:1", line=5),
    message="The secret planted in ~/.ssh/id_ed25519 was sent to c2.attacker.net.",
    related=(Location("run:1", line=2),),
    values=("ssh-private-key", "destination c2.attacker.net"),
)


def test_a_run_round_trips(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    rid = store.begin_run(
        ["claude", "-p", "hi"], target="npm:x@1", scenario="edit", policy="audit",
        persona={"TZ": "Asia/Shanghai", "LANG": "zh_CN.UTF-8"},
    )  # fmt: skip
    assert store.list_runs()[0].complete is False
    store.add_events(rid, EVENTS[:2])
    store.add_events(rid, EVENTS[2:])
    report = {"schema": "agentxray.report/1", "findings": [{"id": FINDING.id}]}
    store.complete_run(rid, exit_code=0, duration_s=3.25, findings=[FINDING], report=report)
    store.close()

    again = RunStore(tmp_path / "runs.sqlite")
    run = again.load_run(rid)
    assert run is not None
    assert run.events == EVENTS
    assert run.findings == (FINDING,)
    assert run.report == report
    assert (run.complete, run.exit_code, run.duration_s) == (True, 0, 3.25)
    assert run.run_object() == {
        "id": str(rid),
        "command": ["claude", "-p", "hi"],
        "scenario": "edit",
        "policy": "audit",
        "persona": {"TZ": "Asia/Shanghai", "LANG": "zh_CN.UTF-8"},
        "exit_code": 0,
        "duration_s": 3.25,
        "complete": True,
    }
    (listed,) = again.list_runs()
    assert (listed.event_count, listed.finding_count, listed.events) == (4, 1, ())
    assert again.load_run(rid + 1) is None
    assert again.latest_run_id() == rid


def test_event_dicts_leave_unset_fields_out() -> None:
    d = event_to_dict(EVENTS[0])
    assert d == {
        "seq": 1, "kind": "exec", "time": 0.0, "pid": 7, "process": "node",
        "path": "/usr/bin/node", "argv": ["node", "cli.js", "-p", "fix the bug"],
    }  # fmt: skip
    assert event_from_dict(json.loads(json.dumps(d))) == EVENTS[0]


def test_the_store_is_in_wal_mode_and_migrated(tmp_path: Path) -> None:
    RunStore(tmp_path / "r.sqlite").close()
    db = sqlite3.connect(tmp_path / "r.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]


def test_recordings_from_before_the_migration_keep_their_state(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    number, _, sql = migrations()[0]
    db.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    db.execute("INSERT INTO runs (started, target, duration_s, exit_code) VALUES (1, 'a', 2, 0)")
    db.execute("INSERT INTO runs (started, target) VALUES (2, 'b')")
    db.commit()
    db.close()
    store = RunStore(path)
    assert [(r.target, r.complete, r.command) for r in store.list_runs()] == [
        ("b", False, ()),
        ("a", True, ()),
    ]


def test_a_file_that_is_not_a_store_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ObserveError, match="cannot use the run store"):
        RunStore(bad)


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from agentxray.model import Event
    from agentxray.store.runs import RunStore

    store = RunStore(Path(sys.argv[1]))
    rid = store.begin_run(["agent", "-p", "task"], scenario="edit", policy="audit")
    seq = 0
    while True:
        batch = [
            Event(seq=seq + i + 1, kind="file", path=f"~/f{seq + i}", access="read")
            for i in range(250)
        ]
        store.add_events(rid, batch)
        seq += 250
        if seq == 2500:
            print("writing", flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_mid_run_leaves_an_incomplete_run_and_a_sound_store(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL

    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    store = RunStore(path)
    (run,) = store.list_runs()
    assert run.complete is False and run.exit_code is None
    assert run.command == ("agent", "-p", "task")
    # every batch is all or nothing: a whole number of batches, at least those before "writing"
    assert run.event_count >= 2500 and run.event_count % 250 == 0
    loaded = store.load_run(run.id)
    assert loaded is not None
    assert [e.seq for e in loaded.events] == list(range(1, run.event_count + 1))
    # and the store keeps working
    rid = store.begin_run(["next"])
    store.complete_run(rid, exit_code=0, duration_s=0.1)
    assert [r.complete for r in store.list_runs()] == [True, False]


def test_runs_and_recordings_share_one_store(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store(path).close()
    store = RunStore(path)
    rid = store.begin_run(["x"])
    assert store.runs()[0]["id"] == rid
