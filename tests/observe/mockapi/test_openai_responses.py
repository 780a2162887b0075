"""The OpenAI Responses dialect: typed event stream, function and custom tool calls, Codex specifics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from agentxray.observe.mockapi.recorder import Recorder

Started = Callable[..., tuple[str, Recorder]]
Sse = Callable[[str], list[tuple[str | None, Any]]]

SHELL = {
    "type": "function",
    "name": "shell_command",
    "parameters": {"properties": {"command": {"type": "string"}, "workdir": {}}},
}
PATCH = {"type": "custom", "name": "apply_patch", "format": {"type": "grammar"}}
CWD = {
    "type": "message",
    "role": "user",
    "content": [
        {"type": "input_text", "text": "<environment_context><cwd>/w</cwd></environment_context>"}
    ],
}


def test_event_stream_for_a_function_call(mock_server: Started, sse: Sse) -> None:
    url, _ = mock_server()
    body = {
        "model": "gpt-x",
        "stream": True,
        "instructions": "be good",
        "tools": [SHELL, PATCH],
        "input": [CWD],
    }
    events = sse(httpx.post(f"{url}/v1/responses", json=body).text)
    names = [name for name, _ in events]
    assert names == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    assert all(data["type"] == name for name, data in events)
    done = events[-1][1]["response"]
    assert done["status"] == "completed"
    call = done["output"][1]
    assert call["type"] == "function_call" and call["name"] == "shell_command"
    assert json.loads(call["arguments"]) == {"command": "ls -la", "workdir": "/w"}


def test_custom_apply_patch_after_a_round(mock_server: Started) -> None:
    url, recorder = mock_server()
    items = [
        CWD,
        {
            "type": "function_call",
            "call_id": "call_axr2_0_0",
            "name": "shell_command",
            "arguments": "{}",
        },
        {"type": "function_call_output", "call_id": "call_axr2_0_0", "output": "x"},
    ]
    r = httpx.post(
        f"{url}/v1/responses", json={"model": "m", "tools": [SHELL, PATCH], "input": items}
    )
    (item,) = r.json()["output"]
    assert item["type"] == "custom_tool_call" and item["name"] == "apply_patch"
    assert item["input"] == "*** Begin Patch\n*** Add File: out.txt\n+hi\n*** End Patch\n"
    assert recorder.exchanges[0].turn == 1


def test_codex_code_mode_tools_in_additional_tools(mock_server: Started) -> None:
    url, _ = mock_server()
    exec_tool = {
        "type": "custom",
        "name": "exec",
        "description": "Run JavaScript\n### `apply_patch`\nedit files\n### `exec_command`\nrun\n",
    }
    extra = {
        "type": "additional_tools",
        "role": "developer",
        "tools": [{"type": "namespace", "name": "functions", "tools": [exec_tool]}],
    }
    r = httpx.post(f"{url}/v1/responses", json={"model": "m", "input": [extra, CWD]})
    call = r.json()["output"][1]
    assert call["type"] == "custom_tool_call" and call["name"] == "exec"
    assert call["input"].startswith('const r = await tools.exec_command({cmd: "ls -la"});')


def test_websocket_upgrade_is_refused_so_clients_fall_back(mock_server: Started) -> None:
    url, recorder = mock_server()
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    r = httpx.get(f"{url}/v1/responses", headers=headers)
    assert r.status_code == 426
    assert recorder.exchanges[0].outcome == "websocket refused"
