"""The Gemini dialect: generateContent, streamGenerateContent with alt=sse, functionCall parts."""

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
        "functionDeclarations": [
            {
                "name": "run_shell_command",
                "parametersJsonSchema": {"properties": {"command": {}, "description": {}}},
            },
            {
                "name": "write_file",
                "parametersJsonSchema": {"properties": {"file_path": {}, "content": {}}},
            },
        ]
    }
]
SYSTEM = {"parts": [{"text": "I'm currently working in the directory: /g/ws"}]}


def test_stream_with_alt_sse_carries_function_call(mock_server: Started, sse: Sse) -> None:
    url, recorder = mock_server()
    body = {
        "contents": [{"role": "user", "parts": [{"text": "go"}]}],
        "tools": TOOLS,
        "systemInstruction": SYSTEM,
    }
    r = httpx.post(f"{url}/v1beta/models/gemini-x:streamGenerateContent?alt=sse", json=body)
    assert r.headers["content-type"].startswith("text/event-stream")
    assert "\r\n\r\n" in r.text
    events = sse(r.text)
    parts = [p for _, d in events for p in d["candidates"][0]["content"]["parts"]]
    assert parts[0] == {"text": "Looking."}
    call = parts[1]["functionCall"]
    assert call["name"] == "run_shell_command" and call["args"]["command"] == "ls -la"
    assert events[-1][1]["candidates"][0]["finishReason"] == "STOP"
    assert events[-1][1]["usageMetadata"]["totalTokenCount"] > 0
    assert recorder.exchanges[0].system == ("I'm currently working in the directory: /g/ws",)


def test_function_response_round_trip_uses_absolute_path(mock_server: Started) -> None:
    url, _ = mock_server()
    contents = [
        {"role": "user", "parts": [{"text": "go"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "run_shell_command", "args": {}}}]},
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "run_shell_command", "response": {"output": ""}}}
            ],
        },
    ]
    body = {"contents": contents, "tools": TOOLS, "systemInstruction": SYSTEM}
    r = httpx.post(f"{url}/v1beta/models/gemini-x:generateContent", json=body)
    (part,) = r.json()["candidates"][0]["content"]["parts"]
    assert part["functionCall"]["name"] == "write_file"
    assert part["functionCall"]["args"] == {"file_path": "/g/ws/out.txt", "content": "hi\n"}


def test_structured_side_request_gets_schema_shaped_json(mock_server: Started) -> None:
    url, recorder = mock_server()
    schema = {
        "type": "OBJECT",
        "properties": {
            "reasoning": {"type": "STRING"},
            "next_speaker": {"type": "STRING", "enum": ["model", "user"]},
            "score": {"type": "INTEGER"},
        },
    }
    body = {
        "contents": [{"role": "user", "parts": [{"text": "who next?"}]}],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema},
    }
    r = httpx.post(f"{url}/v1beta/models/flash:generateContent", json=body)
    value = json.loads(r.json()["candidates"][0]["content"]["parts"][0]["text"])
    assert (
        value["next_speaker"] == "user"
        and isinstance(value["reasoning"], str)
        and value["score"] >= 1
    )
    assert recorder.exchanges[0].outcome == "side request: structured output"


def test_count_tokens_and_models(mock_server: Started) -> None:
    url, _ = mock_server()
    r = httpx.post(f"{url}/v1beta/models/gemini-x:countTokens", json={"contents": []})
    assert r.json()["totalTokens"] >= 1
    assert httpx.get(f"{url}/v1beta/models").json()["models"][0]["name"].startswith("models/")
