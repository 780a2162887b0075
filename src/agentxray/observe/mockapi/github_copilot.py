"""GitHub's side of Copilot: the user's entitlement (``/copilot_internal/user``), the token
exchange (``/copilot_internal/v2/token``), ``/user`` and the Copilot API's model catalogue.

The model calls themselves (``/chat/completions``, ``/responses``, ``/v1/messages`` on
``api.githubcopilot.com``) are the OpenAI and Anthropic dialects'; this dialect owns none and
answers only the endpoints around them, so that an agent holding a GitHub token gets as far
as its first model request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from agentxray.observe.mockapi.dialect import Dialect, new_id
from agentxray.observe.mockapi.wire import (
    HttpRequest,
    HttpResponse,
    ModelCall,
    Reply,
    json_response,
)

logger = logging.getLogger(__name__)

#: The Copilot API base the mock's entitlement answer points agents at (an individual plan's).
COPILOT_API = "https://api.individual.githubcopilot.com"
#: Models listed by the Copilot API's ``GET /models``: (id, vendor, family, endpoints).
MODELS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("claude-sonnet-4.5", "Anthropic", "claude-sonnet-4.5", ("/chat/completions", "/v1/messages")),
    ("gpt-5", "Azure OpenAI", "gpt-5", ("/chat/completions", "/responses")),
    ("gpt-4.1", "Azure OpenAI", "gpt-4.1", ("/chat/completions",)),
)
_LOGIN = "agentxray-mock-user"


def _is_copilot_api(req: HttpRequest) -> bool:
    host = (req.header("host") or "").lower()
    return "githubcopilot" in host or req.header("copilot-integration-id") is not None


def entitlement() -> dict[str, Any]:
    """The body of ``GET api.github.com/copilot_internal/user``: an individual plan with chat
    enabled, whose endpoints name the Copilot API (the mock) and its telemetry host."""
    return {
        "login": _LOGIN,
        "access_type_sku": "copilot_pro",
        "analytics_tracking_id": new_id("", 32),
        "assigned_date": "2026-01-01T00:00:00Z",
        "can_signup_for_limited": False,
        "chat_enabled": True,
        "copilot_plan": "individual",
        "copilotignore_enabled": False,
        "codex_agent_enabled": False,
        "restricted_telemetry": False,
        "endpoints": {
            "api": COPILOT_API,
            "origin-tracker": "https://origin-tracker.individual.githubcopilot.com",
            "proxy": "https://proxy.individual.githubcopilot.com",
            "telemetry": "https://telemetry.individual.githubcopilot.com",
        },
        "organization_login_list": [],
        "organization_list": [],
        "quota_reset_date": "2027-01-01",
        "quota_reset_date_utc": "2027-01-01T00:00:00.000Z",
        "quota_snapshots": {
            name: {
                "entitlement": 0,
                "overage_count": 0,
                "overage_permitted": False,
                "percent_remaining": 100.0,
                "quota_id": name,
                "quota_remaining": 0.0,
                "remaining": 0,
                "unlimited": True,
                "timestamp_utc": "2026-01-01T00:00:00.000Z",
            }
            for name in ("chat", "completions", "premium_interactions")
        },
    }


def token_exchange() -> dict[str, Any]:
    """The body of ``GET /copilot_internal/v2/token``: a short-lived Copilot token."""
    now = int(time.time())
    token = f"tid={new_id('', 32)};exp={now + 1800};sku=copilot_pro;proxy-ep=proxy.mock:8443"
    return {
        "token": token,
        "expires_at": now + 1800,
        "refresh_in": 1500,
        "chat_enabled": True,
        "sku": "copilot_pro",
        "endpoints": entitlement()["endpoints"],
    }


def models_catalogue() -> dict[str, Any]:
    """The body of the Copilot API's ``GET /models``."""
    data = [
        {
            "id": model,
            "name": model,
            "object": "model",
            "vendor": vendor,
            "version": model,
            "preview": False,
            "model_picker_enabled": True,
            "is_chat_default": n == 0,
            "is_chat_fallback": n == 0,
            "policy": {"state": "enabled", "terms": ""},
            "supported_endpoints": list(endpoints),
            "capabilities": {
                "family": family,
                "object": "model_capabilities",
                "type": "chat",
                "tokenizer": "o200k_base",
                "limits": {
                    "max_context_window_tokens": 200000,
                    "max_output_tokens": 32000,
                    "max_prompt_tokens": 128000,
                },
                "supports": {
                    "streaming": True,
                    "tool_calls": True,
                    "parallel_tool_calls": True,
                    "structured_outputs": True,
                    "vision": False,
                },
            },
        }
        for n, (model, vendor, family, endpoints) in enumerate(MODELS)
    ]
    return {"object": "list", "data": data}


class GitHubCopilotDialect(Dialect):
    """GitHub's endpoints around the Copilot API (entitlement, token exchange, user, models)."""

    name = "github-copilot"

    def owns(self, req: HttpRequest) -> bool:
        return False

    def parse(self, req: HttpRequest) -> ModelCall:  # pragma: no cover - owns nothing
        raise NotImplementedError("the GitHub side endpoints carry no model call")

    def render(self, reply: Reply, call: ModelCall) -> HttpResponse:  # pragma: no cover
        raise NotImplementedError("the GitHub side endpoints carry no model call")

    def side(self, req: HttpRequest) -> HttpResponse | None:
        path = req.path.rstrip("/")
        if req.method != "GET":
            return None
        if path == "/copilot_internal/user":
            return json_response(200, entitlement())
        if path == "/copilot_internal/v2/token":
            return json_response(200, token_exchange())
        if path == "/user":
            return json_response(
                200, {"login": _LOGIN, "id": 1000001, "type": "User", "name": "Agentxray Mock"}
            )
        if path == "/models" and _is_copilot_api(req):
            return json_response(200, models_catalogue())
        return None
