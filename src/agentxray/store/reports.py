"""Reports in the store: each (package, version, platform, analyzer) scanned once, kept for good.

A sweep over releases writes one row per version in its own transaction as soon as that version
is done, so a sweep killed at any point (SIGKILL included) keeps everything it finished and a
restart scans only what is missing. The report itself is kept as its JSON document; this layer
does not interpret it (the store never imports the renderers).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agentxray.store.sqlite import Store


class _Cursor(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class _Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> _Cursor: ...


class ReportsDB(Protocol):
    """A store the report functions work on: SQLite (:class:`Store`) or PostgreSQL."""

    def transaction(self) -> contextlib.AbstractContextManager[_Connection]: ...
    def close(self) -> None: ...


def open_store(where: str | Path) -> ReportsDB:
    """The store at ``where``: a ``postgresql://`` URL, else a SQLite file (created if absent)."""
    from agentxray.store.postgres import PgStore, is_url

    if isinstance(where, str) and is_url(where):
        return PgStore(where)
    path = Path(where)
    path.parent.mkdir(parents=True, exist_ok=True)
    return Store(path)


@dataclass(frozen=True, slots=True)
class StoredReport:
    """One row of the ``reports`` table."""

    package: str
    version: str
    platform: str
    analyzer: str
    status: str
    """``ok`` or ``failed``."""
    error: str
    published: str | None
    seconds: float | None
    document: str | None
    """The report's JSON text when ``status`` is ``ok``."""
    created: float


_COLUMNS = (
    "package, version, platform, analyzer, status, error, published, seconds, document, created"
)


def put_report(
    store: ReportsDB,
    *,
    package: str,
    version: str,
    platform: str,
    analyzer: str,
    document: str | None,
    error: str = "",
    published: str | None = None,
    seconds: float | None = None,
) -> None:
    """Keep one version's result (a report document, or the error that stopped its scan)."""
    status = "ok" if document is not None else "failed"
    with store.transaction() as db:
        db.execute(
            "INSERT INTO reports (created, package, version, platform, analyzer, status, error,"
            " published, seconds, document) VALUES (?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (package, version, platform, analyzer) DO UPDATE SET"
            " created = excluded.created, status = excluded.status, error = excluded.error,"
            " published = excluded.published, seconds = excluded.seconds,"
            " document = excluded.document",
            (
                time.time(),
                package,
                version,
                platform,
                analyzer,
                status,
                error,
                published,
                seconds,
                document,
            ),
        )


def get_report(
    store: ReportsDB, *, package: str, version: str, platform: str, analyzer: str
) -> StoredReport | None:
    """The stored result for exactly this version, platform and analyzer, if any."""
    with store.transaction() as db:
        row = db.execute(
            f"SELECT {_COLUMNS} FROM reports WHERE package = ? AND version = ? AND platform = ?"
            " AND analyzer = ?",
            (package, version, platform, analyzer),
        ).fetchone()
    return StoredReport(*row) if row else None


def list_reports(store: ReportsDB, package: str | None = None) -> list[StoredReport]:
    """Stored results, newest first (one package's when ``package`` is given)."""
    query = f"SELECT {_COLUMNS} FROM reports"
    args: tuple[str, ...] = ()
    if package is not None:
        query += " WHERE package = ?"
        args = (package,)
    with store.transaction() as db:
        rows = db.execute(query + " ORDER BY created DESC, id DESC", args).fetchall()
    return [StoredReport(*r) for r in rows]
