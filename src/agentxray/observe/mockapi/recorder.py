"""Keeps every exchange with the mock in order, as JSON lines and through optional sinks."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from agentxray.errors import ObserveError
from agentxray.model import ApiExchange

logger = logging.getLogger(__name__)

#: Header names whose values are secrets; masked by :func:`display_headers`.
SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie", "proxy-authorization"}
)

Sink = Callable[[ApiExchange], None]


def mask(value: str) -> str:
    """A secret shown by its first 4 characters and its length only."""
    return f"{value[:4]}…({len(value)} chars)" if len(value) > 8 else "…"


def display_headers(headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Headers for showing to a person: secret values masked."""
    return [(k, mask(v) if k.lower() in SECRET_HEADERS else v) for k, v in headers]


def _body(data: bytes) -> dict[str, str]:
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _unbody(obj: dict[str, str]) -> bytes:
    if "base64" in obj:
        return base64.b64decode(obj["base64"])
    return obj.get("text", "").encode("utf-8")


def to_json(ex: ApiExchange) -> dict[str, Any]:
    """The JSON-lines record of one exchange (raw headers, bodies as text or base64)."""
    return {
        "seq": ex.seq,
        "started": ex.started,
        "duration_ms": ex.duration_ms,
        "tls": ex.tls,
        "method": ex.method,
        "target": ex.target,
        "request_headers": [list(h) for h in ex.request_headers],
        "request_body": _body(ex.request_body),
        "status": ex.status,
        "response_headers": [list(h) for h in ex.response_headers],
        "response_body": _body(ex.response_body),
        "dialect": ex.dialect,
        "outcome": ex.outcome,
        "turn": ex.turn,
        "system": list(ex.system),
        "first_user": list(ex.first_user),
    }


def from_json(obj: dict[str, Any]) -> ApiExchange:
    """The exchange a :func:`to_json` record describes."""
    return ApiExchange(
        seq=int(obj["seq"]),
        started=float(obj["started"]),
        duration_ms=float(obj["duration_ms"]),
        method=str(obj["method"]),
        target=str(obj["target"]),
        request_headers=tuple((str(k), str(v)) for k, v in obj["request_headers"]),
        request_body=_unbody(obj["request_body"]),
        status=int(obj["status"]),
        response_headers=tuple((str(k), str(v)) for k, v in obj["response_headers"]),
        response_body=_unbody(obj["response_body"]),
        dialect=obj.get("dialect"),
        outcome=str(obj.get("outcome", "")),
        turn=obj.get("turn"),
        system=tuple(obj.get("system") or ()),
        first_user=tuple(obj.get("first_user") or ()),
        tls=bool(obj.get("tls")),
    )


def read_jsonl(path: Path) -> list[ApiExchange]:
    """All exchanges in a recording file."""
    with path.open(encoding="utf-8") as fh:
        return [from_json(json.loads(line)) for line in fh if line.strip()]


class Recorder:
    """Thread-safe, ordered record of exchanges; appends each to a JSONL file when given one."""

    def __init__(self, jsonl: Path | None = None, sinks: tuple[Sink, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._items: list[ApiExchange] = []
        self._seq = 0
        self._sinks = sinks
        self._file: IO[str] | None = None
        if jsonl is not None:
            try:
                # Raw headers hold the agent's keys: only the owner may read the recording.
                fd = os.open(jsonl, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                self._file = os.fdopen(fd, "a", encoding="utf-8")
            except OSError as exc:
                raise ObserveError(f"cannot write recording {jsonl}: {exc.strerror}") from exc

    def next_seq(self) -> int:
        """Reserve the sequence number of a request that just arrived."""
        with self._lock:
            self._seq += 1
            return self._seq

    def add(self, ex: ApiExchange) -> None:
        """Record ``ex``: keep it, write its line, hand it to the sinks (a failing sink is logged)."""
        with self._lock:
            self._items.append(ex)
            self._items.sort(key=lambda item: item.seq)
            if self._file is not None:
                self._file.write(json.dumps(to_json(ex), ensure_ascii=False) + "\n")
                self._file.flush()
        for sink in self._sinks:
            try:
                sink(ex)
            except Exception:
                logger.exception("recording sink %r failed", sink)

    @property
    def exchanges(self) -> list[ApiExchange]:
        """A copy of everything recorded so far, in order."""
        with self._lock:
            return list(self._items)

    def close(self) -> None:
        """Close the JSONL file."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
