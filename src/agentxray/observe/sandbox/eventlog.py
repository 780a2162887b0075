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

    def extend(self, events: list[Event]) -> None:
        """Merge events from another observer (the process tracer), renumbered in time order."""
        with self._lock:
            merged = sorted([*self._events, *events], key=lambda e: e.time)
            self._events = [replace(e, seq=i) for i, e in enumerate(merged, 1)]

    def events(self) -> tuple[Event, ...]:
        """Everything recorded so far, in order."""
        with self._lock:
            return tuple(self._events)
