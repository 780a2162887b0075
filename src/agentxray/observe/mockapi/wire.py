"""Plain types the mock model API passes between its server, dialects, scenarios and recorder."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

#: Where an agent usually states its working directory in the prompt it sends.
_CWD_PATTERNS = (
    re.compile(r"<cwd>([^<\n]+)</cwd>"),
    re.compile(r"Primary working directory: *(/[^\n]*)"),
    re.compile(r"Working directory: *(/[^\n]*)"),
    re.compile(r"working in the directory: *(/[^\n]*)"),
    re.compile(r"[Cc]urrent working directory(?: is)?: *(/[^\n]*)"),
)


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request as it arrived."""

    method: str
    """Upper-case method."""
    target: str
    """Request target: path plus query string, as sent."""
    headers: tuple[tuple[str, str], ...]
    """Header pairs in order; names lower-cased."""
    body: bytes
    """The body after undoing any ``Content-Encoding``."""

    @property
    def path(self) -> str:
        """The target without its query string."""
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        """The query string (without ``?``), or ``""``."""
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), if present."""
        low = name.lower()
        return next((v for k, v in self.headers if k == low), None)

    def json(self) -> Any:
        """The body parsed as JSON; ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A response to send: status, headers and either one body or a stream of chunks."""

    status: int
    """HTTP status code."""
    headers: tuple[tuple[str, str], ...]
    """Header pairs."""
    body: bytes = b""
    """The whole body when not streaming."""
    chunks: tuple[bytes, ...] | None = None
    """Body pieces sent one by one (server-sent events), or ``None``."""

    def full_body(self) -> bytes:
        """Everything sent as the body."""
        return b"".join(self.chunks) if self.chunks is not None else self.body


def json_response(
    status: int, payload: Any, extra: tuple[tuple[str, str], ...] = ()
) -> HttpResponse:
    """A JSON response."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    return HttpResponse(status, (("content-type", "application/json"), *extra), body)


def sse_response(chunks: list[bytes], extra: tuple[tuple[str, str], ...] = ()) -> HttpResponse:
    """A server-sent-events response made of ``chunks``."""
    headers = (("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache"))
    return HttpResponse(200, (*headers, *extra), chunks=tuple(chunks))


def sse_event(data: Any, event: str | None = None) -> bytes:
    """One SSE frame: optional ``event:`` line, one ``data:`` line, blank line."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call the mock model makes."""

    name: str
    """Tool name exactly as the agent offered it."""
    arguments: dict[str, Any]
    """Arguments object (for function tools)."""
    call_id: str
    """The call id the agent must echo back with the result."""
    freeform: str | None = None
    """Raw input for free-form (custom/grammar) tools such as Codex's ``apply_patch``."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the mock model answers: some text and/or tool calls."""

    text: str = ""
    """Assistant text."""
    tool_calls: tuple[ToolCall, ...] = ()
    """Tool calls, in order."""


@dataclass(frozen=True, slots=True)
class ModelCall:
    """A model request reduced to what scenarios match on and recordings extract."""

    dialect: Literal["anthropic", "openai-chat", "openai-responses", "gemini"]
    """Which API the request speaks."""
    model: str
    """Requested model name."""
    stream: bool
    """Whether the agent asked for a streamed answer."""
    tools: dict[str, dict[str, Any]]
    """Offered tools by name → their JSON-schema ``properties`` (empty for free-form tools)."""
    freeform_tools: frozenset[str]
    """Names of offered tools that take free-form text instead of JSON."""
    rounds: int
    """How many assistant turns with tool calls the conversation already holds."""
    system: tuple[str, ...]
    """System prompt text blocks, verbatim."""
    first_user: tuple[str, ...]
    """Text parts of the first user message, verbatim."""
    all_text: str = ""
    """All text in the request joined, for matching and working-directory discovery."""
    json_schema: dict[str, Any] | None = None
    """A JSON schema the answer must follow (structured-output side requests), if any."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Dialect-specific details."""

    @property
    def cwd(self) -> str | None:
        """The working directory the agent announced in its prompt, if found."""
        for pattern in _CWD_PATTERNS:
            m = pattern.search(self.all_text)
            if m:
                return m.group(1).strip().rstrip(".")
        return None
