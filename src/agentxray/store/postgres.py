"""The store on PostgreSQL, for a team sharing one (``--store postgresql://…``): reports only.

Same tables and statements as the SQLite store for reports (numbered migrations under
``migrations_pg/``, applied under an advisory lock so that two sweeps starting at once do not
race); live runs stay in the local SQLite store, next to the sandbox that recorded them.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

from agentxray.errors import UsageError

logger = logging.getLogger(__name__)

#: The advisory lock key migrations take ("axr" in ASCII).
_MIGRATION_LOCK = 0x617872
_PLACEHOLDER = re.compile(r"\?")


def is_url(text: str) -> bool:
    """Whether ``text`` names a PostgreSQL server rather than a SQLite file."""
    return text.startswith(("postgresql://", "postgres://"))


def migrations() -> list[tuple[int, str, str]]:
    """The packaged PostgreSQL migrations as (number, name, SQL), in order."""
    folder = resources.files("agentxray.store") / "migrations_pg"
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql") and item.name[:4].isdigit():
            found.append((int(item.name[:4]), item.name, item.read_text(encoding="utf-8")))
    return sorted(found)


class _Connection:
    """The slice of a DB-API connection the report functions use, with ``?`` placeholders."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(_PLACEHOLDER.sub("%s", sql), tuple(params))


class PgStore:
    """One PostgreSQL database, migrated to the newest schema when opened."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - a dependency
            raise UsageError(
                "PostgreSQL stores need psycopg: pip install 'psycopg[binary]'"
            ) from None
        self.path = url
        try:
            self._conn = psycopg.connect(url, connect_timeout=10)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UsageError(
                f"cannot open the store {_redact(url)}: {first}",
                hint="Check the server, the database name and the credentials in the URL.",
            ) from None
        self._lock = threading.Lock()
        self.migrate()

    def migrate(self) -> None:
        """Apply every packaged migration newer than the database, each in a transaction."""
        with self._lock, self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS agentxray_schema (version INTEGER NOT NULL)"
            )
            row = self._conn.execute("SELECT max(version) FROM agentxray_schema").fetchone()
            current = int(row[0] or 0) if row else 0
            for number, name, sql in migrations():
                if number <= current:
                    continue
                logger.info("store %s: applying migration %s", _redact(self.path), name)
                self._conn.execute(sql)
                self._conn.execute("INSERT INTO agentxray_schema VALUES (%s)", (number,))

    @property
    def version(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT max(version) FROM agentxray_schema").fetchone()
        return int(row[0] or 0) if row else 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Connection]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        with self._lock, self._conn.transaction():
            yield _Connection(self._conn)

    def close(self) -> None:
        self._conn.close()


def _redact(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
