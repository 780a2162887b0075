"""The OpenAI Chat Completions dialect: streamed chunks ending in [DONE], tool call round trips."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from agentxray.observe.mockapi.recorder import Recorder

Started = Callable[..., tuple[str, Recorder]]
Sse = Callable[[str], list[tuple[str | None, Any]]]

TOOLS = [
    {
        "type": "function",
        "function": {"name": "shell", "parameters": {"properties": {"command": {"type": "array"}}}},
    }
]


def test_stream_chunks_carry_text_then_tool_call_then_done(mock_server: Started, sse: Sse) -> None:
    url, _ = mock_server()
    body = {
        "model": "gpt-x",
        "stream": True,
        "stream_options": {"include_usage": True},
        "tools": TOOLS,
        "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "go"}],
    }
    r = httpx.post(f"{url}/v1/chat/completions", json=body)
    events = sse(r.text)
    assert events[-1] == (None, "[DONE]")
    chunks = [data for _, data in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "Looking."
    calls = [
        tc for c in chunks if c["choices"] for tc in c["choices"][0]["delta"].get("tool_calls", [])
    ]
    assert calls[0]["function"]["name"] == "shell" and calls[0]["id"]
    args = json.loads("".join(tc["function"]["arguments"] for tc in calls))
    assert args == {"command": ["bash", "-lc", "ls -la"]}
    finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finish[-1] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


def test_tool_result_round_trip_and_plain_response(mock_server: Started) -> None:
    url, recorder = mock_server()
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "shell", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "a b"},
    ]
    r = httpx.post(
        f"{url}/chat/completions", json={"model": "m", "tools": TOOLS, "messages": messages}
    )
    choice = r.json()["choices"][0]
    assert r.json()["object"] == "chat.completion"
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    # No Write tool offered: the write_file action falls back to a shell here-document.
    assert call["function"]["name"] == "shell"
    assert (
        "cat > out.txt <<'AGENTXRAY_EOF'" in json.loads(call["function"]["arguments"])["command"][2]
    )
    assert recorder.exchanges[0].dialect == "openai-chat" and recorder.exchanges[0].turn == 1


def test_models_list(mock_server: Started) -> None:
    url, _ = mock_server()
    data = httpx.get(f"{url}/v1/models").json()
    assert data["object"] == "list" and data["data"][0]["object"] == "model"
