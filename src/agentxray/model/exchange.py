"""One request/response pair served by the mock model API, kept verbatim."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ApiExchange:
    """A request an agent sent to the mock model API and the answer it got."""

    seq: int
    """Position in the run, from 1, in arrival order."""
    started: float
    """Arrival time (Unix seconds)."""
    duration_ms: float
    """Time to answer, in milliseconds."""
    method: str
    """HTTP method."""
    target: str
    """Path and query string as sent."""
    request_headers: tuple[tuple[str, str], ...]
    """Request headers, raw (secrets included; mask them when displaying)."""
    request_body: bytes
    """Request body after undoing ``Content-Encoding``."""
    status: int
    """Response status."""
    response_headers: tuple[tuple[str, str], ...]
    """Response headers."""
    response_body: bytes
    """Everything sent as the response body (all SSE frames for streams)."""
    dialect: str | None = None
    """Model API dialect (``anthropic``, ``openai-chat``, ``openai-responses``, ``gemini``)."""
    outcome: str = ""
    """How it was answered: ``turn N``, ``side request: …``, ``unmatched: …``, ``endpoint``, ``unknown``."""
    turn: int | None = None
    """Index of the scenario turn that answered, when one did."""
    system: tuple[str, ...] = ()
    """System prompt text blocks, verbatim, for model calls."""
    first_user: tuple[str, ...] = ()
    """Text parts of the first user message, verbatim, for model calls."""
    tls: bool = False
    """Whether it arrived over TLS."""
