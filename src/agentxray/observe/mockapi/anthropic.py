"""The Anthropic Messages API: ``/v1/messages`` (plain and SSE), tool use, ``count_tokens``."""

from __future__ import annotations

import json
import logging
from typing import Any

from agentxray.observe.mockapi.dialect import Dialect, approx_tokens, new_id, text_of
from agentxray.observe.mockapi.wire import (
    HttpRequest,
    HttpResponse,
    ModelCall,
    Reply,
    json_response,
    sse_event,
    sse_response,
)

logger = logging.getLogger(__name__)

_MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001")


def _headers() -> tuple[tuple[str, str], ...]:
    return (("request-id", new_id("req_")), ("anthropic-organization-id", "00000000-mock"))


class AnthropicDialect(Dialect):
    """Messages API as served by api.anthropic.com."""

    name = "anthropic"

    def owns(self, req: HttpRequest) -> bool:
        return req.method == "POST" and req.path.rstrip("/").endswith("/v1/messages")

    def parse(self, req: HttpRequest) -> ModelCall:
        body = req.json() or {}
        system = body.get("system")
        sys_parts = tuple(text_of(system)) if system is not None else ()
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        first_user: tuple[str, ...] = ()
        texts = list(sys_parts)
        rounds = 0
        for m in messages:
            parts = text_of(m.get("content"))
            texts.extend(parts)
            if m.get("role") == "user" and not first_user:
                first_user = tuple(parts)
            content = m.get("content")
            if (
                m.get("role") == "assistant"
                and isinstance(content, list)
                and any(isinstance(p, dict) and p.get("type") == "tool_use" for p in content)
            ):
                rounds += 1
        tools: dict[str, dict[str, Any]] = {}
        for tool in body.get("tools") or []:
            if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                schema = tool.get("input_schema") or {}
                tools[tool["name"]] = dict(schema.get("properties") or {})
        fmt = body.get("output_format") or {}
        schema = fmt.get("schema") if isinstance(fmt, dict) else None
        return ModelCall(
            dialect="anthropic",
            model=str(body.get("model", "")),
            stream=bool(body.get("stream")),
            tools=tools,
            freeform_tools=frozenset(),
            rounds=rounds,
            system=sys_parts,
            first_user=first_user,
            all_text="\n".join(texts),
            json_schema=schema if isinstance(schema, dict) else None,
            extra={"input_tokens": approx_tokens(req.body)},
        )

    def render(self, reply: Reply, call: ModelCall) -> HttpResponse:
        blocks: list[dict[str, Any]] = []
        if reply.text:
            blocks.append({"type": "text", "text": reply.text})
        for tc in reply.tool_calls:
            blocks.append(
                {"type": "tool_use", "id": tc.call_id, "name": tc.name, "input": tc.arguments}
            )
        stop = "tool_use" if reply.tool_calls else "end_turn"
        in_tok = int(call.extra.get("input_tokens", 1))
        out_tok = approx_tokens(blocks)
        message: dict[str, Any] = {
            "id": new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": call.model or _MODELS[0],
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": in_tok,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": out_tok,
                "service_tier": "standard",
            },
        }
        if not call.stream:
            return json_response(200, message, _headers())
        start = dict(
            message, content=[], stop_reason=None, usage=dict(message["usage"], output_tokens=1)
        )
        chunks = [sse_event({"type": "message_start", "message": start}, "message_start")]
        for index, block in enumerate(blocks):
            empty = (
                {"type": "text", "text": ""} if block["type"] == "text" else dict(block, input={})
            )
            chunks.append(
                sse_event(
                    {"type": "content_block_start", "index": index, "content_block": empty},
                    "content_block_start",
                )
            )
            if index == 0:
                chunks.append(sse_event({"type": "ping"}, "ping"))
            for delta in _deltas(block):
                chunks.append(
                    sse_event(
                        {"type": "content_block_delta", "index": index, "delta": delta},
                        "content_block_delta",
                    )
                )
            chunks.append(
                sse_event({"type": "content_block_stop", "index": index}, "content_block_stop")
            )
        chunks.append(
            sse_event(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": out_tok},
                },
                "message_delta",
            )
        )
        chunks.append(sse_event({"type": "message_stop"}, "message_stop"))
        return sse_response(chunks, _headers())

    def side(self, req: HttpRequest) -> HttpResponse | None:
        path = req.path.rstrip("/")
        if req.method == "POST" and path.endswith("/v1/messages/count_tokens"):
            return json_response(200, {"input_tokens": approx_tokens(req.body)}, _headers())
        anthropic_client = bool(req.header("anthropic-version") or req.header("x-api-key"))
        if req.method == "GET" and path.endswith("/v1/models") and anthropic_client:
            data = [
                {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                for m in _MODELS
            ]
            page = {"data": data, "has_more": False, "first_id": _MODELS[0], "last_id": _MODELS[-1]}
            return json_response(200, page, _headers())
        if path.startswith("/api/"):
            return _anthropic_api_side(req, path)
        return None


def _deltas(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block["type"] == "text":
        text: str = block["text"]
        step = max(1, len(text) // 3 + 1)
        return [
            {"type": "text_delta", "text": text[i : i + step]} for i in range(0, len(text), step)
        ]
    raw = json.dumps(block["input"], ensure_ascii=False)
    half = len(raw) // 2
    return [
        {"type": "input_json_delta", "partial_json": p}
        for p in ("", raw[:half], raw[half:])
        if p or not raw
    ]


def _anthropic_api_side(req: HttpRequest, path: str) -> HttpResponse:
    """Claude Code's side endpoints on the API host: say hello; refuse account calls.

    Seen from Claude Code 2.1.197 through the intercepting proxy (``run --tls`` without
    ``CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC``): ``/api/event_logging/v2/batch``,
    ``/api/claude_code/organizations/metrics_enabled``, ``/api/claude_cli/bootstrap``,
    ``/api/claude_code_penguin_mode``, ``/api/eval/sdk-…``, ``/mcp-registry/v0/servers``.
    """
    if path.endswith("/api/hello"):
        return json_response(200, {"message": "hello"}, _headers())
    if "/api/event_logging/" in path and req.method == "POST":
        return json_response(200, {}, _headers())
    if path.endswith("/api/claude_code/organizations/metrics_enabled"):
        return json_response(200, {"metrics_logging_enabled": False}, _headers())
    error = {
        "type": "error",
        "error": {
            "type": "authentication_error",
            "message": "OAuth authentication is currently not supported.",
        },
        "request_id": new_id("req_"),
    }
    if "oauth" in path or "claude_cli" in path or "organizations" in path:
        return json_response(401, error, _headers())
    error["error"] = {"type": "not_found_error", "message": "Not found"}
    return json_response(404, error, _headers())
