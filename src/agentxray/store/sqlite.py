"""The SQLite store: numbered SQL migrations, and recordings of runs against the mock model API."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from agentxray.errors import ObserveError
from agentxray.model import ApiExchange

logger = logging.getLogger(__name__)


def migrations() -> list[tuple[int, str, str]]:
    """The packaged migrations as (number, name, SQL), in order."""
    folder = resources.files("agentxray.store") / "migrations"
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql") and item.name[:4].isdigit():
            found.append((int(item.name[:4]), item.name, item.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    """One SQLite database file, migrated to the newest schema when opened."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False)
        except sqlite3.Error as exc:
            raise ObserveError(f"cannot open the store {path}: {exc}") from exc
        self._lock = threading.Lock()
        self._db.execute("PRAGMA foreign_keys = ON")
        # WAL: readers (`reports ls`) never block a sweep's writer, and a writer killed mid-way
        # leaves the last committed state; wait for another process's write instead of failing.
        with contextlib.suppress(sqlite3.Error):  # e.g. a read-only medium
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA busy_timeout = 10000")
        self.migrate()

    @property
    def version(self) -> int:
        """The schema version (number of the last migration applied)."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply every packaged migration newer than the database, each in a transaction."""
        for number, name, sql in migrations():
            if number <= self.version:
                continue
            logger.info("store %s: applying migration %s", self.path, name)
            with self._lock, self._db:
                self._db.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, inside one transaction: committed when the block ends, rolled back
        when it raises. Callers keep each unit of work (a run's row, a version's report) in one."""
        with self._lock, self._db:
            yield self._db

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def new_run(
        self, *, target: str = "", profile: str = "", scenario: str = "", base_url: str = ""
    ) -> int:
        """Start a run record; returns its id."""
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO runs (started, target, profile, scenario, base_url) VALUES (?,?,?,?,?)",
                (time.time(), target, profile, scenario, base_url),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish_run(self, run_id: int, *, exit_code: int | None, duration_s: float) -> None:
        """Record how a run ended."""
        with self._lock, self._db:
            self._db.execute(
                "UPDATE runs SET exit_code = ?, duration_s = ? WHERE id = ?",
                (exit_code, duration_s, run_id),
            )

    def add_exchange(self, run_id: int, ex: ApiExchange) -> None:
        """Store one exchange of run ``run_id`` verbatim."""
        row = (
            run_id,
            ex.seq,
            ex.started,
            ex.duration_ms,
            int(ex.tls),
            ex.method,
            ex.target,
            json.dumps(ex.request_headers, ensure_ascii=False),
            ex.request_body,
            ex.status,
            json.dumps(ex.response_headers, ensure_ascii=False),
            ex.response_body,
            ex.dialect,
            ex.outcome,
            ex.turn,
            json.dumps(ex.system, ensure_ascii=False),
            json.dumps(ex.first_user, ensure_ascii=False),
        )
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO exchanges VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row
            )

    def exchanges(self, run_id: int) -> list[ApiExchange]:
        """The exchanges of run ``run_id``, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, started, duration_ms, tls, method, target, request_headers,"
                " request_body, status, response_headers, response_body, dialect, outcome, turn,"
                " system, first_user FROM exchanges WHERE run_id = ? ORDER BY seq",
                (run_id,),
            ).fetchall()
        return [
            ApiExchange(
                seq=r[0],
                started=r[1],
                duration_ms=r[2],
                tls=bool(r[3]),
                method=r[4],
                target=r[5],
                request_headers=tuple((k, v) for k, v in json.loads(r[6])),
                request_body=bytes(r[7]),
                status=r[8],
                response_headers=tuple((k, v) for k, v in json.loads(r[9])),
                response_body=bytes(r[10]),
                dialect=r[11],
                outcome=r[12],
                turn=r[13],
                system=tuple(json.loads(r[14])),
                first_user=tuple(json.loads(r[15])),
            )
            for r in rows
        ]

    def runs(self) -> list[dict[str, object]]:
        """All runs, newest first, as plain rows."""
        with self._lock:
            cur = self._db.execute("SELECT * FROM runs ORDER BY id DESC")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
