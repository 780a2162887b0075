"""One thing a live run did, as the recorder saw it (the report's ``events`` entries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventKind = Literal[
    "dns", "connect", "http", "tls-refused", "exec", "file", "honeytoken", "violation", "exit"
]
FileAccess = Literal["touched", "read", "written", "created", "deleted", "renamed"]


@dataclass(frozen=True, slots=True)
class Event:
    """An observation from the sandbox's recorder, DNS resolver or process tracer.

    Fields that do not apply to a kind stay ``None``; ``detail`` is one line for a person.
    """

    seq: int
    """Position in the run, from 1, in the order the recorder saw it."""
    kind: EventKind
    time: float = 0.0
    """Seconds since the run started."""
    pid: int | None = None
    process: str | None = None
    """The program's name or path as the tracer saw it."""
    host: str | None = None
    port: int | None = None
    method: str | None = None
    url: str | None = None
    status: int | None = None
    bytes_sent: int | None = None
    bytes_received: int | None = None
    path: str | None = None
    """For files: the path as the user recognises it (``~/.ssh/id_ed25519``)."""
    access: FileAccess | None = None
    argv: tuple[str, ...] | None = None
    blocked: bool | None = None
    detail: str | None = None
