"""Answers to feature-flag services with a probe persona's values (``flag.NAME=VALUE``).

GrowthBook, which Claude Code evaluates remotely (``POST /api/eval/<client key>`` with the
targeting attributes; ``GET /api/features/<client key>`` for the plain SDK), gets
``{"features": {NAME: {"defaultValue": VALUE}}}``: every client evaluates a feature without
rules to its default value. Values are JSON when they parse (``true``, ``3``, ``{"a": 1}``),
else strings.
"""

from __future__ import annotations

import json
from typing import Any

from agentxray.observe.mockapi.wire import HttpRequest, HttpResponse, json_response


def flag_value(text: str) -> Any:
    """``true`` → True, ``3`` → 3, ``{"a":1}`` → dict; anything else stays a string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def growthbook_request(req: HttpRequest) -> bool:
    """Whether ``req`` asks GrowthBook for its features (remote evaluation or the SDK's list)."""
    path = req.path
    return (req.method == "POST" and "/api/eval/" in path) or (
        req.method == "GET" and "/api/features/" in path
    )


def flag_answer(req: HttpRequest, flags: dict[str, Any]) -> HttpResponse | None:
    """The answer to a flag service's request with ``flags``, or ``None`` when ``req`` is not
    one (or there are no flags to answer with: the mock's usual answer stands)."""
    if not flags or not growthbook_request(req):
        return None
    features = {name: {"defaultValue": value} for name, value in flags.items()}
    return json_response(200, {"status": 200, "features": features})
