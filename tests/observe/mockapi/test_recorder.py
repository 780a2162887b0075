"""Recording: order, raw secrets kept but masked on display, prompts kept byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from agentxray.observe.mockapi.recorder import Recorder, display_headers, read_jsonl

Started = Callable[..., tuple[str, Recorder]]

# Confusable apostrophes and invisible characters must survive untouched (watermarks live there).
TRICKY = "Today\u2019s date is 2026-11-26.\u200b\nTodayʼs\u00a0x \U0001f600"


def test_jsonl_keeps_everything_in_order_and_verbatim(mock_server: Started, tmp_path: Path) -> None:
    url, recorder = mock_server("hello")
    key = "sk-ant-api03-SECRETSECRETSECRET"
    body = {
        "model": "m",
        "system": [{"type": "text", "text": TRICKY}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "<r>\u2028</r>"},
                    {"type": "text", "text": TRICKY},
                ],
            }
        ],
    }
    httpx.post(f"{url}/v1/messages", json=body, headers={"x-api-key": key})
    httpx.get(f"{url}/api/oauth/profile", headers={"authorization": f"Bearer {key}"})
    httpx.post(f"{url}/v1/messages", content=b"\xff\xfe not json", headers={"x-api-key": key})
    recorder.close()
    loaded = read_jsonl(tmp_path / "rec.jsonl")
    assert [ex.seq for ex in loaded] == [1, 2, 3]
    first = loaded[0]
    assert first.system == (TRICKY,)
    assert first.first_user == ("<r>\u2028</r>", TRICKY)
    assert json.loads(first.request_body)["system"][0]["text"] == TRICKY
    assert ("x-api-key", key) in first.request_headers
    assert loaded[1].status == 401 and loaded[1].outcome == "endpoint"
    assert loaded[2].request_body == b"\xff\xfe not json"
    assert loaded == recorder.exchanges


def test_display_masks_secrets_only() -> None:
    shown = dict(
        display_headers(
            (
                ("x-api-key", "sk-ant-api03-abcdefghijkl"),
                ("authorization", "Bearer tok-123456789"),
                ("user-agent", "claude-cli/2.1.197"),
            )
        )
    )
    assert "abcdefghijkl" not in shown["x-api-key"] and shown["x-api-key"].startswith("sk-a")
    assert "123456789" not in shown["authorization"]
    assert shown["user-agent"] == "claude-cli/2.1.197"


def test_gzip_request_bodies_are_recorded_decoded(mock_server: Started) -> None:
    import gzip

    url, recorder = mock_server("hello")
    raw = json.dumps({"model": "m", "messages": [{"role": "user", "content": "zipped"}]}).encode()
    r = httpx.post(
        f"{url}/v1/messages",
        content=gzip.compress(raw),
        headers={"content-encoding": "gzip", "content-type": "application/json"},
    )
    assert r.status_code == 200
    assert recorder.exchanges[0].request_body == raw
    assert recorder.exchanges[0].first_user == ("zipped",)


def test_compression_bomb_is_kept_as_sent(mock_server: Started) -> None:
    import gzip

    from agentxray.observe.mockapi import server

    url, recorder = mock_server("hello")
    bomb = gzip.compress(b"\0" * (server.MAX_BODY + 10))
    r = httpx.post(f"{url}/v1/messages", content=bomb, headers={"content-encoding": "gzip"})
    assert r.status_code == 400  # not expanded, so not JSON
    assert recorder.exchanges[0].request_body == bomb


def test_zstd_request_body_is_decoded(mock_server: Started) -> None:
    import zstandard

    url, recorder = mock_server("hello")
    raw = b'{"model": "m", "messages": [{"role": "user", "content": "z"}]}'
    r = httpx.post(
        f"{url}/v1/responses",
        content=zstandard.ZstdCompressor().compress(raw),
        headers={"content-encoding": "zstd"},
    )
    assert r.status_code == 200 and recorder.exchanges[0].request_body == raw
