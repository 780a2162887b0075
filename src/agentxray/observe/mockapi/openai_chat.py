"""The OpenAI Chat Completions API: ``/chat/completions``, plain and streamed chunks, tool calls."""

from __future__ import annotations

import json
import logging
import time
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

MODELS = ("gpt-5-codex", "gpt-5", "gpt-4.1")


def models_list() -> dict[str, Any]:
    """The body of ``GET /v1/models``."""
    data = [
        {"id": m, "object": "model", "created": 1735689600, "owned_by": "openai"} for m in MODELS
    ]
    return {"object": "list", "data": data}


class OpenAIChatDialect(Dialect):
    """Chat Completions as served by api.openai.com and compatible hosts."""

    name = "openai-chat"

    def owns(self, req: HttpRequest) -> bool:
        return req.method == "POST" and req.path.rstrip("/").endswith("/chat/completions")

    def parse(self, req: HttpRequest) -> ModelCall:
        body = req.json() or {}
        system: list[str] = []
        first_user: tuple[str, ...] = ()
        texts: list[str] = []
        rounds = 0
        for m in body.get("messages") or []:
            if not isinstance(m, dict):
                continue
            parts = text_of(m.get("content"))
            texts.extend(parts)
            role = m.get("role")
            if role in ("system", "developer"):
                system.extend(parts)
            elif role == "user" and not first_user:
                first_user = tuple(parts)
            elif role == "assistant" and m.get("tool_calls"):
                rounds += 1
        tools: dict[str, dict[str, Any]] = {}
        for tool in body.get("tools") or []:
            fn = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                tools[fn["name"]] = dict((fn.get("parameters") or {}).get("properties") or {})
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") if isinstance(fmt, dict) else None
        return ModelCall(
            dialect="openai-chat",
            model=str(body.get("model", "")),
            stream=bool(body.get("stream")),
            tools=tools,
            freeform_tools=frozenset(),
            rounds=rounds,
            system=tuple(system),
            first_user=first_user,
            all_text="\n".join(texts),
            json_schema=schema if isinstance(schema, dict) else None,
            extra={
                "input_tokens": approx_tokens(req.body),
                "usage_chunk": bool((body.get("stream_options") or {}).get("include_usage")),
            },
        )

    def render(self, reply: Reply, call: ModelCall) -> HttpResponse:
        rid, created, model = new_id("chatcmpl-"), int(time.time()), call.model or MODELS[0]
        calls: list[dict[str, Any]] = [
            {
                "id": tc.call_id,
                "type": "function",
                "function": {
                    "name": tc.name,
                    "arguments": json.dumps(tc.arguments, ensure_ascii=False),
                },
            }
            for tc in reply.tool_calls
        ]
        finish = "tool_calls" if calls else "stop"
        in_tok, out_tok = int(call.extra.get("input_tokens", 1)), approx_tokens(reply)
        usage = {
            "prompt_tokens": in_tok,
            "completion_tokens": out_tok,
            "total_tokens": in_tok + out_tok,
        }
        base = {"id": rid, "created": created, "model": model, "system_fingerprint": "fp_mock"}
        if not call.stream:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": reply.text or None,
                "refusal": None,
            }
            if calls:
                message["tool_calls"] = calls
            choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            return json_response(
                200, dict(base, object="chat.completion", choices=[choice], usage=usage)
            )

        def chunk(delta: dict[str, Any], reason: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}
            return sse_event(dict(base, object="chat.completion.chunk", choices=[choice]))

        chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
        if reply.text:
            chunks.append(chunk({"content": reply.text}))
        for index, tc in enumerate(calls):
            head = {
                "index": index,
                "id": tc["id"],
                "type": "function",
                "function": {"name": tc["function"]["name"], "arguments": ""},
            }
            chunks.append(chunk({"tool_calls": [head]}))
            args = tc["function"]["arguments"]
            chunks.append(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": args}}]})
            )
        chunks.append(chunk({}, finish))
        if call.extra.get("usage_chunk"):
            chunks.append(
                sse_event(dict(base, object="chat.completion.chunk", choices=[], usage=usage))
            )
        chunks.append(sse_event("[DONE]"))
        return sse_response(chunks)

    def side(self, req: HttpRequest) -> HttpResponse | None:
        if (
            req.method == "GET"
            and req.path.rstrip("/").endswith("/models")
            and "/v1beta" not in req.path
        ):
            return json_response(200, models_list())
        return None
