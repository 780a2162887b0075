"""GitHub's endpoints around the Copilot API, served by the mock on loopback."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from agentxray.observe.mockapi.recorder import Recorder

Started = Callable[..., tuple[str, Recorder]]
TOKEN = {"authorization": "token gho_AgentxrayMockGithubToken0000000000"}


def test_entitlement_points_the_agent_at_the_copilot_api(mock_server: Started) -> None:
    url, recorder = mock_server("hello")
    r = httpx.get(f"{url}/copilot_internal/user", headers=TOKEN)
    assert r.status_code == 200
    body = r.json()
    assert body["chat_enabled"] is True and body["copilot_plan"] == "individual"
    assert body["endpoints"]["api"] == "https://api.individual.githubcopilot.com"
    (ex,) = recorder.exchanges
    assert ex.dialect == "github-copilot" and ex.outcome == "endpoint"
    assert ex.target == "/copilot_internal/user"


def test_token_exchange_gives_a_copilot_token_with_its_expiry(mock_server: Started) -> None:
    url, _ = mock_server("hello")
    r = httpx.get(f"{url}/copilot_internal/v2/token", headers=TOKEN)
    assert r.status_code == 200
    body = r.json()
    assert body["token"].startswith("tid=") and f"exp={body['expires_at']}" in body["token"]
    assert 0 < body["refresh_in"] < body["expires_at"]


def test_models_catalogue_only_for_copilot_clients(mock_server: Started) -> None:
    url, recorder = mock_server("hello")
    copilot = httpx.get(
        f"{url}/models", headers={"copilot-integration-id": "copilot-developer-cli"}
    ).json()
    ids = [m["id"] for m in copilot["data"]]
    assert "gpt-5" in ids
    assert all(m["capabilities"]["supports"]["tool_calls"] for m in copilot["data"])
    # An OpenAI client asking the same path still gets OpenAI's list, not Copilot's.
    plain = httpx.get(f"{url}/v1/models").json()
    assert "capabilities" not in plain["data"][0]
    assert [ex.dialect for ex in recorder.exchanges] == ["github-copilot", "openai-chat"]


def test_copilot_tools_run_the_edit_scenario(mock_server: Started) -> None:
    # Copilot CLI's own tools (bash, view, create) carry the scenario's actions.
    url, _ = mock_server("edit")
    tools = [
        {"type": "function", "function": {"name": n, "parameters": {"properties": p}}}
        for n, p in (
            ("bash", {"command": {}, "description": {}, "mode": {}}),
            ("view", {"path": {}, "view_range": {}}),
            ("create", {"path": {}, "file_text": {}}),
        )
    ]
    system = {"role": "system", "content": "* Current working directory: /work/ws\n"}
    history: list[dict[str, object]] = [system, {"role": "user", "content": "go"}]
    calls = []
    for _ in range(4):
        r = httpx.post(
            f"{url}/chat/completions", json={"model": "gpt-5", "messages": history, "tools": tools}
        )
        message = r.json()["choices"][0]["message"]
        (call,) = message["tool_calls"]
        calls.append((call["function"]["name"], call["function"]["arguments"]))
        history += [message, {"role": "tool", "tool_call_id": call["id"], "content": "ok"}]
    assert calls[1] == ("view", '{"path": "/work/ws/notes.txt"}')
    name, args = calls[2]
    assert name == "create" and '"file_text": "Summary written' in args
    assert calls[3][0] == "bash" and "wc -c summary.txt" in calls[3][1]


def test_other_github_paths_stay_unknown(mock_server: Started) -> None:
    url, recorder = mock_server("hello")
    r = httpx.get(f"{url}/repos/github/copilot-cli/releases")
    assert r.status_code == 404
    assert recorder.exchanges[0].outcome == "unknown endpoint"
