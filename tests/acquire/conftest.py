"""Fixtures for acquire: a fake registry (in-process or on loopback) and a private cache."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from agentxray.acquire.cache import Cache

from .fakeregistry import FakeRegistry


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


@pytest.fixture
def served(registry: FakeRegistry) -> Iterator[FakeRegistry]:
    """The fake registry listening on a loopback port (``registry.base`` updated)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body, ctype = registry.respond(
                urlsplit(self.path).path, self.headers.get("Accept", "")
            )
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    registry.base = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
