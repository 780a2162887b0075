"""Decides what the mock answers to each request: a model turn, a side endpoint, or a refusal."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from agentxray.model import ApiExchange
from agentxray.observe.mockapi.anthropic import AnthropicDialect
from agentxray.observe.mockapi.dialect import Dialect, new_id
from agentxray.observe.mockapi.flags import flag_answer
from agentxray.observe.mockapi.gemini import GeminiDialect
from agentxray.observe.mockapi.github_copilot import GitHubCopilotDialect
from agentxray.observe.mockapi.openai_chat import OpenAIChatDialect
from agentxray.observe.mockapi.openai_responses import OpenAIResponsesDialect
from agentxray.observe.mockapi.scenario import Scenario, decide
from agentxray.observe.mockapi.wire import HttpRequest, HttpResponse, json_response

logger = logging.getLogger(__name__)

#: Every dialect the server speaks, tried in order.
DIALECTS: tuple[Dialect, ...] = (
    GitHubCopilotDialect(),
    AnthropicDialect(),
    OpenAIResponsesDialect(),
    OpenAIChatDialect(),
    GeminiDialect(),
)


def _error(status: int, kind: str, message: str) -> HttpResponse:
    return json_response(status, {"type": "error", "error": {"type": kind, "message": message}})


def proxy_target(req: HttpRequest) -> str | None:
    """The outside host of a proxy request (``CONNECT host:port`` or an absolute URL), if any."""
    if req.method == "CONNECT":
        return req.target
    if "://" in req.target[:12]:
        return urlsplit(req.target).netloc or req.target
    return None


def answer(
    scenario: Scenario, req: HttpRequest, seq: int, started: float, tls: bool
) -> tuple[HttpResponse, ApiExchange]:
    """The response to ``req`` (the ``seq``-th of the run) and its record."""
    dialect_name: str | None = None
    turn: int | None = None
    system: tuple[str, ...] = ()
    first_user: tuple[str, ...] = ()
    response: HttpResponse | None = None
    outcome = "endpoint"
    outside = proxy_target(req)
    if outside is not None:
        outcome = f"proxy refused: {outside}"
        response = HttpResponse(
            403,
            (("content-type", "text/plain"), ("connection", "close")),
            b"agentxray: connections leaving the machine are refused\n",
        )
    elif req.method == "GET" and (req.header("upgrade") or "").lower() == "websocket":
        outcome = "websocket refused"
        response = json_response(
            426,
            {
                "error": {
                    "message": "Upgrade Required: use HTTP",
                    "type": "invalid_request_error",
                }
            },
        )
    if response is None and scenario.flags:
        response = flag_answer(req, scenario.flags)
        outcome = "feature flags" if response is not None else outcome
    for dialect in DIALECTS if response is None else ():
        if dialect.owns(req):
            dialect_name = dialect.name
            if not isinstance(req.json(), dict):
                outcome = "bad request: body is not a JSON object"
                response = _error(400, "invalid_request_error", "The body must be a JSON object.")
                break
            try:
                call = dialect.parse(req)
                decision = decide(scenario, call, f"call_axr{seq}_")
                response = dialect.render(decision.reply, call)
            except Exception as exc:  # a malformed request must not kill the connection
                logger.exception("cannot answer %s %s", req.method, req.target)
                outcome = f"bad request: {type(exc).__name__}: {exc}"
                response = _error(400, "invalid_request_error", "Malformed request.")
                break
            turn, outcome = decision.turn, decision.reason
            system, first_user = call.system, call.first_user
            break
        side = dialect.side(req)
        if side is not None:
            response, dialect_name = side, dialect.name
            break
    if response is None:
        outcome = "unknown endpoint"
        response = json_response(
            404, {"error": {"message": f"Not found: {req.path}", "type": "not_found_error"}}
        )
    response = HttpResponse(
        response.status,
        (*response.headers, ("x-agentxray-mock", new_id("", 8))),
        response.body,
        response.chunks,
    )
    logger.info("%s %s -> %s (%s)", req.method, req.target, response.status, outcome)
    ex = ApiExchange(
        seq=seq,
        started=started,
        duration_ms=(time.time() - started) * 1000,
        method=req.method,
        target=req.target,
        request_headers=req.headers,
        request_body=req.body,
        status=response.status,
        response_headers=response.headers,
        response_body=response.full_body(),
        dialect=dialect_name,
        outcome=outcome,
        turn=turn,
        system=system,
        first_user=first_user,
        tls=tls,
    )
    return response, ex
