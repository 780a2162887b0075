"""The Anthropic Messages dialect: SSE framing, tool use round trips, side endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from agentxray.observe.mockapi.recorder import Recorder

Started = Callable[..., tuple[str, Recorder]]
Sse = Callable[[str], list[tuple[str | None, Any]]]

TOOLS = [
    {"name": "Bash", "input_schema": {"properties": {"command": {}, "description": {}}}},
    {"name": "Write", "input_schema": {"properties": {"file_path": {}, "content": {}}}},
]
SYSTEM = [{"type": "text", "text": "You are a test agent.\nPrimary working directory: /work/ws"}]
HEADERS = {"x-api-key": "sk-ant-test-0123456789", "anthropic-version": "2023-06-01"}


def _body(messages: list[dict[str, object]], stream: bool = True) -> dict[str, object]:
    return {
        "model": "claude-x",
        "system": SYSTEM,
        "messages": messages,
        "tools": TOOLS,
        "stream": stream,
        "max_tokens": 100,
    }


def test_stream_follows_the_real_event_sequence(mock_server: Started, sse: Sse) -> None:
    url, _ = mock_server()
    r = httpx.post(
        f"{url}/v1/messages?beta=true",
        json=_body([{"role": "user", "content": "go"}]),
        headers=HEADERS,
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse(r.text)
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-2:] == ["message_delta", "message_stop"]
    blocks = names[1:-2]
    blocks.remove("ping")
    assert blocks == [
        "content_block_start",
        *(["content_block_delta"] * 3),
        "content_block_stop",
        "content_block_start",
        *(["content_block_delta"] * 2),
        "content_block_stop",
    ]
    assert events[0][1]["message"]["content"] == []
    assert all(data["type"] == name for name, data in events)
    text = "".join(
        d["delta"]["text"] for n, d in events if n == "content_block_delta" and d["index"] == 0
    )
    assert text == "Looking."
    tool_start = next(d for n, d in events if n == "content_block_start" and d["index"] == 1)
    assert tool_start["content_block"]["name"] == "Bash"
    partial = "".join(
        d["delta"]["partial_json"]
        for n, d in events
        if n == "content_block_delta" and d["index"] == 1
    )
    assert partial.startswith('{"command": "ls -la"')
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"


def test_tool_result_advances_to_next_turn_with_absolute_path(mock_server: Started) -> None:
    url, recorder = mock_server()
    history = [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a\nb"}],
        },
    ]
    r = httpx.post(f"{url}/v1/messages", json=_body(history, stream=False), headers=HEADERS)
    msg = r.json()
    assert msg["type"] == "message" and msg["stop_reason"] == "tool_use"
    (block,) = msg["content"]
    assert block["name"] == "Write"
    assert block["input"] == {"file_path": "/work/ws/out.txt", "content": "hi\n"}
    history += [
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t2", "name": "Write", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t2", "content": "ok"}],
        },
    ]
    final = httpx.post(
        f"{url}/v1/messages", json=_body(history, stream=False), headers=HEADERS
    ).json()
    assert final["stop_reason"] == "end_turn"
    assert final["content"] == [{"type": "text", "text": "Finished."}]
    assert [ex.turn for ex in recorder.exchanges] == [1, 2]


def test_side_request_without_tools_does_not_consume_a_turn(mock_server: Started) -> None:
    url, recorder = mock_server()
    side = {"model": "haiku", "messages": [{"role": "user", "content": "title?"}], "max_tokens": 5}
    r = httpx.post(f"{url}/v1/messages", json=side, headers=HEADERS)
    assert r.json()["content"] == [{"type": "text", "text": "OK."}]
    main = httpx.post(
        f"{url}/v1/messages",
        json=_body([{"role": "user", "content": "go"}], stream=False),
        headers=HEADERS,
    )
    assert main.json()["content"][1]["name"] == "Bash"
    first, second = recorder.exchanges
    assert first.turn is None and first.outcome.startswith("side request")
    assert second.turn == 0


def test_past_the_last_turn_is_unmatched_and_answered(mock_server: Started) -> None:
    url, recorder = mock_server()
    history: list[dict[str, object]] = [{"role": "user", "content": "go"}]
    for n in range(3):
        history += [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": f"t{n}", "name": "Bash", "input": {}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": f"t{n}", "content": ""}],
            },
        ]
    r = httpx.post(f"{url}/v1/messages", json=_body(history, stream=False), headers=HEADERS)
    assert r.json()["content"][0]["text"] == "OK."
    (ex,) = recorder.exchanges
    assert ex.outcome.startswith("unmatched: conversation at round 3")


def test_count_tokens_models_and_account_endpoints(mock_server: Started) -> None:
    url, recorder = mock_server()
    r = httpx.post(
        f"{url}/v1/messages/count_tokens",
        json={"messages": [{"role": "user", "content": "x" * 400}]},
    )
    assert r.status_code == 200 and r.json()["input_tokens"] > 50
    models = httpx.get(f"{url}/v1/models", headers=HEADERS).json()
    assert models["data"][0]["type"] == "model"
    profile = httpx.get(f"{url}/api/oauth/profile")
    assert profile.status_code == 401 and profile.json()["error"]["type"] == "authentication_error"
    metrics = httpx.get(f"{url}/api/claude_code/organizations/metrics_enabled", headers=HEADERS)
    assert metrics.json() == {"metrics_logging_enabled": False}
    unknown = httpx.get(f"{url}/nowhere")
    assert unknown.status_code == 404
    assert [ex.outcome for ex in recorder.exchanges][-1] == "unknown endpoint"


def test_concurrent_side_requests_never_take_the_main_turns(mock_server: Started) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url, recorder = mock_server()
    side = {"model": "haiku", "messages": [{"role": "user", "content": "title?"}], "max_tokens": 5}
    main = _body([{"role": "user", "content": "go"}], stream=True)

    def post(body: dict[str, object]) -> int:
        return httpx.post(f"{url}/v1/messages", json=body, headers=HEADERS).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(post, [side] * 12 + [main] + [side] * 12))
    assert codes == [200] * 25
    turns = [ex.turn for ex in recorder.exchanges]
    assert turns.count(0) == 1 and turns.count(None) == 24
    assert [ex.seq for ex in recorder.exchanges] == list(range(1, 26))
