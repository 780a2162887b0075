"""The SQLite store: migrations applied once, recordings kept byte for byte."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agentxray.model import ApiExchange
from agentxray.store.sqlite import Store, migrations


def _exchange(seq: int) -> ApiExchange:
    return ApiExchange(
        seq=seq,
        started=1.5,
        duration_ms=2.25,
        method="POST",
        target="/v1/messages?beta=true",
        request_headers=(("x-api-key", "sk-ant-secret"), ("x-app", "cli")),
        request_body=b'{"a":"Today\xe2\x80\x99s"}\xff',
        status=200,
        response_headers=(("content-type", "text/event-stream"),),
        response_body=b"event: x\n\n",
        dialect="anthropic",
        outcome=f"turn {seq - 1}",
        turn=seq - 1,
        system=("Today\u2019s date\u200b",),
        first_user=("hi", "\u2028"),
        tls=True,
    )


def test_migrations_are_numbered_and_applied_once(tmp_path: Path) -> None:
    numbers = [n for n, _, _ in migrations()]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    db = tmp_path / "x.db"
    Store(db).close()
    again = Store(db)  # reopening must not re-run migrations
    assert again.version == numbers[-1]
    again.close()
    tables = {
        r[0]
        for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"runs", "exchanges"} <= tables


def test_recording_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "x.db")
    run = store.new_run(target="npm:x@1", profile="claude-code", scenario="edit")
    for seq in (2, 1):
        store.add_exchange(run, _exchange(seq))
    store.finish_run(run, exit_code=0, duration_s=1.25)
    assert store.exchanges(run) == [_exchange(1), _exchange(2)]
    (row,) = store.runs()
    assert row["exit_code"] == 0 and row["scenario"] == "edit"
    other = store.new_run()
    assert store.exchanges(other) == []
    store.close()
