"""The OpenAI Responses API: ``POST /responses`` with its typed event stream and tool calls."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from agentxray.observe.mockapi.dialect import Dialect, approx_tokens, new_id, text_of
from agentxray.observe.mockapi.openai_chat import MODELS
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

#: Nested tool headings in the description of Codex's code-mode ``exec`` tool.
_NESTED = re.compile(r"^### `([A-Za-z0-9_]+)`", re.M)
_CALL_TYPES = ("function_call", "custom_tool_call", "local_shell_call")


class OpenAIResponsesDialect(Dialect):
    """Responses API as served by api.openai.com (used by Codex)."""

    name = "openai-responses"

    def owns(self, req: HttpRequest) -> bool:
        return req.method == "POST" and req.path.rstrip("/").endswith("/responses")

    def parse(self, req: HttpRequest) -> ModelCall:
        body = req.json() or {}
        instructions = body.get("instructions")
        system = [instructions] if isinstance(instructions, str) else []
        items = body.get("input")
        items = (
            [{"type": "message", "role": "user", "content": items}]
            if isinstance(items, str)
            else items
        )
        first_user: tuple[str, ...] = ()
        texts = list(system)
        groups: set[str] = set()
        for item in items or []:
            if not isinstance(item, dict):
                continue
            kind = item.get("type", "message")
            if kind in _CALL_TYPES:
                groups.add(_round_key(str(item.get("call_id") or item.get("id") or len(groups))))
            if kind != "message":
                continue
            parts = text_of(item.get("content"))
            texts.extend(parts)
            role = item.get("role")
            if role in ("system", "developer"):
                system.extend(parts)
            elif role == "user" and not first_user:
                first_user = tuple(parts)
        tools: dict[str, dict[str, Any]] = {}
        freeform: set[str] = set()
        offered = list(body.get("tools") or [])
        for item in items or []:
            if isinstance(item, dict) and item.get("type") == "additional_tools":
                offered.extend(item.get("tools") or [])
        _collect_tools(offered, tools, freeform)
        nested: list[str] = []
        if "exec" in freeform:
            nested = _NESTED.findall(str(_find_tool(offered, "exec").get("description", "")))
        fmt = (body.get("text") or {}).get("format") or {}
        schema = fmt.get("schema") if isinstance(fmt, dict) else None
        return ModelCall(
            dialect="openai-responses",
            model=str(body.get("model", "")),
            stream=bool(body.get("stream")),
            tools=tools,
            freeform_tools=frozenset(freeform),
            rounds=len(groups),
            system=tuple(system),
            first_user=first_user,
            all_text="\n".join(texts),
            json_schema=schema if isinstance(schema, dict) else None,
            extra={"input_tokens": approx_tokens(req.body), "code_mode_tools": tuple(nested)},
        )

    def render(self, reply: Reply, call: ModelCall) -> HttpResponse:
        items: list[dict[str, Any]] = []
        if reply.text:
            items.append(
                {
                    "id": new_id("msg_"),
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": reply.text, "annotations": []}],
                }
            )
        for tc in reply.tool_calls:
            if tc.freeform is not None:
                items.append(
                    {
                        "id": new_id("ctc_"),
                        "type": "custom_tool_call",
                        "status": "completed",
                        "call_id": tc.call_id,
                        "name": tc.name,
                        "input": tc.freeform,
                    }
                )
            else:
                items.append(
                    {
                        "id": new_id("fc_"),
                        "type": "function_call",
                        "status": "completed",
                        "call_id": tc.call_id,
                        "name": tc.name,
                        "arguments": json.dumps(tc.arguments, ensure_ascii=False),
                    }
                )
        in_tok, out_tok = int(call.extra.get("input_tokens", 1)), approx_tokens(items)
        response: dict[str, Any] = {
            "id": new_id("resp_"),
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": call.model or MODELS[0],
            "output": items,
            "usage": {
                "input_tokens": in_tok,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": out_tok,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": in_tok + out_tok,
            },
        }
        if not call.stream:
            return json_response(200, response)
        events: list[tuple[str, dict[str, Any]]] = []
        pending = dict(response, status="in_progress", output=[], usage=None)
        events.append(("response.created", {"response": pending}))
        events.append(("response.in_progress", {"response": pending}))
        for index, item in enumerate(items):
            events.extend(_item_events(index, item))
        events.append(("response.completed", {"response": response}))
        chunks = [
            sse_event(dict({"type": name, "sequence_number": n}, **data), name)
            for n, (name, data) in enumerate(events)
        ]
        return sse_response(chunks)


def _round_key(call_id: str) -> str:
    """Calls answered in one response share a key: ours carry ``call_axr<seq>_<turn>_<n>``."""
    return call_id.rsplit("_", 1)[0] if call_id.startswith("call_axr") else call_id


def _collect_tools(
    offered: list[Any], tools: dict[str, dict[str, Any]], freeform: set[str]
) -> None:
    """Flatten tool declarations, including ``namespace`` groups, into ``tools``/``freeform``."""
    for tool in offered:
        if not isinstance(tool, dict):
            continue
        if tool.get("type") == "namespace":
            _collect_tools(list(tool.get("tools") or []), tools, freeform)
            continue
        name = tool.get("name") or tool.get("type")
        if not isinstance(name, str):
            continue
        tools[name] = dict((tool.get("parameters") or {}).get("properties") or {})
        if tool.get("type") == "custom":
            freeform.add(name)


def _find_tool(offered: list[Any], name: str) -> dict[str, Any]:
    for tool in offered:
        if not isinstance(tool, dict):
            continue
        if tool.get("type") == "namespace":
            found = _find_tool(list(tool.get("tools") or []), name)
            if found:
                return found
        elif tool.get("name") == name:
            return tool
    return {}


def _item_events(index: int, item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    at = {"output_index": index, "item_id": item["id"]}
    if item["type"] == "message":
        text = item["content"][0]["text"]
        empty_part = {"type": "output_text", "text": "", "annotations": []}
        return [
            (
                "response.output_item.added",
                {"output_index": index, "item": dict(item, status="in_progress", content=[])},
            ),
            ("response.content_part.added", dict(at, content_index=0, part=empty_part)),
            ("response.output_text.delta", dict(at, content_index=0, delta=text)),
            ("response.output_text.done", dict(at, content_index=0, text=text)),
            ("response.content_part.done", dict(at, content_index=0, part=item["content"][0])),
            ("response.output_item.done", {"output_index": index, "item": item}),
        ]
    if item["type"] == "custom_tool_call":
        return [
            (
                "response.output_item.added",
                {"output_index": index, "item": dict(item, status="in_progress", input="")},
            ),
            ("response.custom_tool_call_input.delta", dict(at, delta=item["input"])),
            ("response.custom_tool_call_input.done", dict(at, input=item["input"])),
            ("response.output_item.done", {"output_index": index, "item": item}),
        ]
    return [
        (
            "response.output_item.added",
            {"output_index": index, "item": dict(item, status="in_progress", arguments="")},
        ),
        ("response.function_call_arguments.delta", dict(at, delta=item["arguments"])),
        ("response.function_call_arguments.done", dict(at, arguments=item["arguments"])),
        ("response.output_item.done", {"output_index": index, "item": item}),
    ]
