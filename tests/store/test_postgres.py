"""The reports store on a real PostgreSQL server: same rows as SQLite, migrations once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agentxray.errors import UsageError
from agentxray.store.postgres import PgStore
from agentxray.store.reports import get_report, list_reports, open_store, put_report

KEY = {"package": "npm:agent", "platform": "linux-x64", "analyzer": "a1"}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_reports_round_trip_and_replace(kind: str, postgres_url: str, tmp_path: Path) -> None:
    where = postgres_url if kind == "postgres" else str(tmp_path / "s.sqlite")
    db = open_store(where)
    try:
        for row in list_reports(db, "npm:agent"):  # the server outlives one test
            assert row.package == "npm:agent"
        put_report(db, version="1.0.0", document=None, error="download failed", **KEY)
        put_report(db, version="1.0.0", document='{"x": 1}', seconds=2.5, **KEY)
        put_report(db, version="1.1.0", document='{"x": 2}', published="2026-01-02", **KEY)
        got = get_report(db, version="1.0.0", **KEY)
        assert got is not None and (got.status, got.document, got.error) == ("ok", '{"x": 1}', "")
        assert get_report(db, version="9", **KEY) is None
        versions = [r.version for r in list_reports(db, "npm:agent")]
        assert sorted(versions) == ["1.0.0", "1.1.0"]
    finally:
        db.close()


def test_two_stores_opening_at_once_migrate_once(postgres_url: str) -> None:
    stores: list[PgStore] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            stores.append(PgStore(postgres_url))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(stores) == 4
    assert {s.version for s in stores} == {3}
    for s in stores:
        s.close()


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://team:s3cret@/agentxray?host={tmp_path}&port=1"
    with pytest.raises(UsageError) as info:
        open_store(url)
    text = info.value.diagnostics()
    assert "s3cret" not in text and "team:***@" in text and "\n" not in str(info.value)
