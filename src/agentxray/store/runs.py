"""The run store: every live run with its events, findings and report, safe against being killed."""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentxray.errors import ObserveError
from agentxray.model import Event, Finding, Location
from agentxray.store.sqlite import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredRun:
    """One run as stored: how it started and ended, and what it did."""

    id: int
    started: float
    """Unix time the run began."""
    command: tuple[str, ...]
    target: str = ""
    profile: str = ""
    scenario: str = ""
    policy: str = ""
    persona: Mapping[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    duration_s: float | None = None
    complete: bool = False
    """``False`` while running, and forever for a run that was interrupted."""
    events: tuple[Event, ...] = ()
    findings: tuple[Finding, ...] = ()
    report: Mapping[str, Any] | None = None
    """The report document, once the run has finished."""
    event_count: int = 0
    finding_count: int = 0

    def run_object(self) -> dict[str, Any]:
        """The report schema's ``run`` object for this run."""
        out: dict[str, Any] = {"id": str(self.id), "command": list(self.command)}
        if self.scenario:
            out["scenario"] = self.scenario
        if self.policy:
            out["policy"] = self.policy
        if self.persona:
            out["persona"] = dict(self.persona)
        out["exit_code"] = self.exit_code
        if self.duration_s is not None:
            out["duration_s"] = self.duration_s
        out["complete"] = self.complete
        return out


def event_to_dict(event: Event) -> dict[str, Any]:
    """An event as the report's ``events`` entry: fields that are set, ``argv`` as a list."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(Event):
        value = getattr(event, f.name)
        if value is None:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """The inverse of :func:`event_to_dict`."""
    known = {f.name for f in dataclasses.fields(Event)}
    kwargs = {k: v for k, v in data.items() if k in known}
    if kwargs.get("argv") is not None:
        kwargs["argv"] = tuple(kwargs["argv"])
    return Event(**kwargs)


def _finding_to_dict(finding: Finding) -> dict[str, Any]:
    return dataclasses.asdict(finding)


def _finding_from_dict(data: Mapping[str, Any]) -> Finding:
    d = dict(data)
    d["location"] = Location(**d["location"])
    d["related"] = tuple(Location(**r) for r in d.get("related", ()))
    for key in ("signals", "values", "decoded"):
        d[key] = tuple(d.get(key, ()))
    return Finding(**d)


class RunStore(Store):
    """The store, with runs recorded unit by unit: the run row first (incomplete), its events in
    batches, then findings, report and the complete flag in one last transaction. The database
    is in WAL mode, so a writer killed at any point leaves the last committed state."""

    def __init__(self, path: Path | str) -> None:
        try:
            if isinstance(path, Path):
                path.parent.mkdir(parents=True, exist_ok=True)
            super().__init__(path)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA busy_timeout = 10000")
        except (OSError, sqlite3.Error) as exc:
            raise ObserveError(
                f"cannot use the run store {path}: {exc}",
                hint="Pass --store with another file, or move this one aside.",
            ) from exc

    def begin_run(
        self,
        command: Sequence[str],
        *,
        target: str = "",
        profile: str = "",
        scenario: str = "",
        policy: str = "",
        persona: Mapping[str, str] | None = None,
    ) -> int:
        """Record that a run starts (marked incomplete); returns its id."""
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO runs (started, target, profile, scenario, command, policy, persona,"
                " complete) VALUES (?,?,?,?,?,?,?,0)",
                (
                    time.time(),
                    target,
                    profile,
                    scenario,
                    json.dumps(list(command), ensure_ascii=False),
                    policy,
                    json.dumps(dict(persona or {}), ensure_ascii=False),
                ),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def add_events(self, run_id: int, events: Sequence[Event]) -> None:
        """Store a batch of events of run ``run_id`` (one transaction; a repeated seq replaces)."""
        rows = []
        for e in events:
            data = event_to_dict(e)
            for key in ("seq", "time", "kind"):
                data.pop(key, None)
            rows.append((run_id, e.seq, e.time, e.kind, json.dumps(data, ensure_ascii=False)))
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO run_events VALUES (?,?,?,?,?)", rows)

    def complete_run(
        self,
        run_id: int,
        *,
        exit_code: int | None,
        duration_s: float,
        findings: Sequence[Finding] = (),
        report: Mapping[str, Any] | None = None,
    ) -> None:
        """Store the run's findings and report and mark it complete, all in one transaction."""
        rows = [
            (
                run_id, i, f.id, f.rule, f.category, f.severity,
                json.dumps(_finding_to_dict(f), ensure_ascii=False),
            )
            for i, f in enumerate(findings)
        ]  # fmt: skip
        text = json.dumps(report, ensure_ascii=False) if report is not None else None
        with self._lock, self._db:
            self._db.execute("DELETE FROM run_findings WHERE run_id = ?", (run_id,))
            self._db.executemany("INSERT INTO run_findings VALUES (?,?,?,?,?,?,?)", rows)
            self._db.execute(
                "UPDATE runs SET exit_code = ?, duration_s = ?, report = ?, complete = 1"
                " WHERE id = ?",
                (exit_code, duration_s, text, run_id),
            )

    def list_runs(self) -> list[StoredRun]:
        """Every run, newest first, without events and findings (their counts are set)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS}, (SELECT count(*) FROM run_events e WHERE e.run_id = r.id),"
                " (SELECT count(*) FROM run_findings f WHERE f.run_id = r.id)"
                " FROM runs r ORDER BY r.id DESC"
            ).fetchall()
        return [_run(r[:-2], event_count=r[-2], finding_count=r[-1]) for r in rows]

    def load_run(self, run_id: int) -> StoredRun | None:
        """Run ``run_id`` with its events, findings and report; ``None`` if there is none."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS}, report FROM runs r WHERE r.id = ?", (run_id,)
            ).fetchone()
            if row is None:
                return None
            events = self._db.execute(
                "SELECT seq, time, kind, data FROM run_events WHERE run_id = ? ORDER BY seq",
                (run_id,),
            ).fetchall()
            findings = self._db.execute(
                "SELECT data FROM run_findings WHERE run_id = ? ORDER BY ordinal", (run_id,)
            ).fetchall()
        evs = tuple(
            event_from_dict({**json.loads(d), "seq": s, "time": t, "kind": k})
            for s, t, k, d in events
        )
        fs = tuple(_finding_from_dict(json.loads(d)) for (d,) in findings)
        report = json.loads(row[-1]) if row[-1] else None
        return _run(
            row[:-1],
            events=evs,
            findings=fs,
            report=report,
            event_count=len(evs),
            finding_count=len(fs),
        )

    def latest_run_id(self) -> int | None:
        """The id of the newest run, if any."""
        with self._lock:
            row = self._db.execute("SELECT max(id) FROM runs").fetchone()
        return None if row is None or row[0] is None else int(row[0])


_COLUMNS = (
    "r.id, r.started, r.command, r.target, r.profile, r.scenario, r.policy, r.persona,"
    " r.exit_code, r.duration_s, r.complete"
)


def _run(row: Sequence[Any], **extra: Any) -> StoredRun:
    command = json.loads(row[2] or "[]")
    persona = json.loads(row[7] or "{}")
    return StoredRun(
        id=int(row[0]),
        started=float(row[1]),
        command=tuple(str(c) for c in command),
        target=row[3] or "",
        profile=row[4] or "",
        scenario=row[5] or "",
        policy=row[6] or "",
        persona={str(k): str(v) for k, v in persona.items()},
        exit_code=row[8],
        duration_s=row[9],
        complete=bool(row[10]),
        **extra,
    )
