"""The interface every model-API dialect of the mock implements."""

from __future__ import annotations

import abc
import secrets
from typing import Any

from agentxray.observe.mockapi.wire import HttpRequest, HttpResponse, ModelCall, Reply


class Dialect(abc.ABC):
    """One model API: which requests it owns, how to read them and how to answer."""

    #: Short name used in recordings.
    name: str

    @abc.abstractmethod
    def owns(self, req: HttpRequest) -> bool:
        """Whether ``req`` is a model call in this dialect."""

    @abc.abstractmethod
    def parse(self, req: HttpRequest) -> ModelCall:
        """Reduce the request to what scenarios and recordings need."""

    @abc.abstractmethod
    def render(self, reply: Reply, call: ModelCall) -> HttpResponse:
        """The response carrying ``reply``, streamed when the call asked for it."""

    def side(self, req: HttpRequest) -> HttpResponse | None:
        """An answer to a non-model endpoint this API has (models list, token counts…)."""
        return None


def new_id(prefix: str, n: int = 24) -> str:
    """A random identifier in the style of the real APIs (``msg_…``, ``resp_…``)."""
    return prefix + secrets.token_hex(n // 2)


def approx_tokens(value: Any) -> int:
    """A rough token count (4 bytes a token) for usage fields."""
    return max(1, len(str(value).encode()) // 4)


def text_of(content: Any) -> list[str]:
    """Text strings inside a message content that is a string or a list of typed parts."""
    if isinstance(content, str):
        return [content]
    out: list[str] = []
    if isinstance(content, list):
        for part in content:
            if isinstance(part, dict):
                t = part.get("text")
                if isinstance(t, str):
                    out.append(t)
    return out
