"""The run's record: events from the resolver, the recorder and the packet sink, in order."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from agentxray.model import Event


class EventLog:
    """Thread-safe, append-only; numbers events from 1 and stamps seconds since the run began."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self.started = time.monotonic()

    def add(self, kind: Any, **fields: Any) -> Event:
        """Record one event of ``kind``; returns it with its ``seq`` and ``time``."""
        with self._lock:
            event = Event(
                seq=len(self._events) + 1,
                kind=kind,
                time=round(time.monotonic() - self.started, 6),
                **fields,
            )
            self._events.append(event)
            return event

    def extend(self, events: list[Event]) -> dict[int, int]:
        """Merge events from another observer (the process tracer), renumbered in time order;
        returns the new ``seq`` of each event already here, by its old one."""
        with self._lock:
            mine = [(e.time, 0, i, e) for i, e in enumerate(self._events)]
            theirs = [(e.time, 1, i, e) for i, e in enumerate(events)]
            merged = sorted([*mine, *theirs], key=lambda t: (t[0], t[1], t[2]))
            moved: dict[int, int] = {}
            out: list[Event] = []
            for new, (_t, source, _i, event) in enumerate(merged, 1):
                if source == 0:
                    moved[event.seq] = new
                out.append(replace(event, seq=new))
            self._events = out
            return moved

    def events(self) -> tuple[Event, ...]:
        """Everything recorded so far, in order."""
        with self._lock:
            return tuple(self._events)
