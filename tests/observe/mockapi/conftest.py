"""Fixtures: a mock model API server on loopback, driven by a hand-written scenario."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.scenario import Scenario, load_scenario, parse_scenario
from agentxray.observe.mockapi.server import MockServer

TOOLS_SCENARIO = """
name: tools
main: {offers_tool: shell}
turns:
  - text: "Looking."
    tool_calls:
      - {action: shell, command: "ls -la"}
  - tool_calls:
      - {action: write_file, path: out.txt, content: "hi\\n"}
  - text: "Finished."
"""

Started = Callable[..., tuple[str, Recorder]]


@pytest.fixture
def mock_server(tmp_path: Path) -> Iterator[Started]:
    """Start a server for a scenario (name, YAML text or model); returns (base URL, recorder)."""
    servers: list[MockServer] = []

    def start(scenario: str | Scenario = TOOLS_SCENARIO, **kwargs: Any) -> tuple[str, Recorder]:
        if isinstance(scenario, str):
            scenario = (
                parse_scenario(scenario, "test") if "\n" in scenario else load_scenario(scenario)
            )
        recorder = Recorder(tmp_path / "rec.jsonl")
        server = MockServer(scenario, recorder, **kwargs)
        servers.append(server)
        return server.start_background(), recorder

    yield start
    for server in servers:
        server.stop()
        server.recorder.close()


@pytest.fixture
def sse() -> Callable[[str], list[tuple[str | None, Any]]]:
    """The SSE parser :func:`sse_events`."""
    return sse_events


def sse_events(raw: str) -> list[tuple[str | None, Any]]:
    """Parse an SSE body into (event name, decoded data) pairs, checking the framing."""
    out: list[tuple[str | None, Any]] = []
    raw = raw.replace("\r\n", "\n")
    assert raw.endswith("\n\n"), "an SSE body ends with a blank line"
    for frame in raw.split("\n\n"):
        if not frame:
            continue
        event, data = None, []
        for line in frame.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                event = value
            else:
                assert field == "data", f"unexpected SSE line {line!r}"
                data.append(value)
        text = "\n".join(data)
        out.append((event, text if text == "[DONE]" else json.loads(text)))
    return out
