"""The Gemini API: ``models/{m}:generateContent`` and ``:streamGenerateContent?alt=sse``."""

from __future__ import annotations

import logging
import re
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

_CALL = re.compile(r"/models/([^/:]+):(generateContent|streamGenerateContent|countTokens)$")
_MODELS = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite")


class GeminiDialect(Dialect):
    """Generative Language API as served by generativelanguage.googleapis.com."""

    name = "gemini"

    def owns(self, req: HttpRequest) -> bool:
        m = _CALL.search(req.path)
        return req.method == "POST" and m is not None and m.group(2) != "countTokens"

    def parse(self, req: HttpRequest) -> ModelCall:
        body = req.json() or {}
        m = _CALL.search(req.path)
        sys_inst = body.get("systemInstruction") or body.get("system_instruction") or {}
        system = tuple(text_of(sys_inst.get("parts"))) if isinstance(sys_inst, dict) else ()
        first_user: tuple[str, ...] = ()
        texts = list(system)
        rounds = 0
        for content in body.get("contents") or []:
            if not isinstance(content, dict):
                continue
            parts = content.get("parts") or []
            found = text_of(parts)
            texts.extend(found)
            role = content.get("role", "user")
            if role == "user" and not first_user and found:
                first_user = tuple(found)
            if role == "model" and any(isinstance(p, dict) and "functionCall" in p for p in parts):
                rounds += 1
        tools: dict[str, dict[str, Any]] = {}
        for tool in body.get("tools") or []:
            for decl in (tool.get("functionDeclarations") or []) if isinstance(tool, dict) else []:
                if isinstance(decl, dict) and isinstance(decl.get("name"), str):
                    params = decl.get("parametersJsonSchema") or decl.get("parameters") or {}
                    tools[decl["name"]] = dict(params.get("properties") or {})
        config = body.get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        return ModelCall(
            dialect="gemini",
            model=m.group(1) if m else "",
            stream=bool(m and m.group(2) == "streamGenerateContent"),
            tools=tools,
            freeform_tools=frozenset(),
            rounds=rounds,
            system=system,
            first_user=first_user,
            all_text="\n".join(texts),
            json_schema=schema if isinstance(schema, dict) else None,
            extra={"input_tokens": approx_tokens(req.body), "sse": "alt=sse" in req.query},
        )

    def render(self, reply: Reply, call: ModelCall) -> HttpResponse:
        parts: list[dict[str, Any]] = []
        if reply.text:
            parts.append({"text": reply.text})
        for tc in reply.tool_calls:
            parts.append(
                {"functionCall": {"id": tc.call_id, "name": tc.name, "args": tc.arguments}}
            )
        in_tok, out_tok = int(call.extra.get("input_tokens", 1)), approx_tokens(parts)
        usage = {
            "promptTokenCount": in_tok,
            "candidatesTokenCount": out_tok,
            "totalTokenCount": in_tok + out_tok,
        }
        candidate = {
            "content": {"role": "model", "parts": parts},
            "finishReason": "STOP",
            "index": 0,
        }
        payload = {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": call.model or _MODELS[0],
            "responseId": new_id("", 22),
        }
        if not call.stream:
            return json_response(200, payload)
        if not call.extra.get("sse"):
            return json_response(200, [payload])
        frames: list[bytes] = []
        for part in parts[:-1]:
            piece = {"content": {"role": "model", "parts": [part]}, "index": 0}
            frames.append(
                sse_event(
                    {
                        "candidates": [piece],
                        "modelVersion": payload["modelVersion"],
                        "responseId": payload["responseId"],
                    }
                ).replace(b"\n\n", b"\r\n\r\n")
            )
        last = dict(
            payload, candidates=[dict(candidate, content={"role": "model", "parts": parts[-1:]})]
        )
        frames.append(sse_event(last).replace(b"\n\n", b"\r\n\r\n"))
        return sse_response(frames)

    def side(self, req: HttpRequest) -> HttpResponse | None:
        m = _CALL.search(req.path)
        if req.method == "POST" and m and m.group(2) == "countTokens":
            return json_response(200, {"totalTokens": approx_tokens(req.body)})
        if req.method == "GET" and re.search(r"/v1(beta|alpha)?/models$", req.path):
            models = [{"name": f"models/{name}", "displayName": name} for name in _MODELS]
            return json_response(200, {"models": models})
        return None
