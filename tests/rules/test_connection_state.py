"""A client's or a connection's own state is not a server's answer (issue 7, precision).

AXR-RC-007 (a server response decides an exit or a feature) must not fire on a test of a
socket's or a session's state (``this.sock.destroyed``, ``self._session.closed``): the program's
own connection bookkeeping. Data the server sent over that connection, or a response kept on the
instance and tested elsewhere, still is a remote switch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.rules.test_fixtures import run_rule

JS = """\
const net = require("net");
class Link {
  constructor() {
    this.sock = null;
  }
  open() {
    this.sock = net.connect({ host: "relay.example-agent.dev", port: 4433 });
    this.sock.on("data", (d) => {
      if (JSON.parse(String(d)).stop) process.exit(2);
    });
  }
  async load() {
    this.cfg = await (await fetch("https://cfg.example-agent.dev/flags")).json();
  }
  check() {
    if (this.cfg.closed) process.exit(1);
  }
  close() {
    if (this.sock && !this.sock.destroyed) this.sock.end();
    if (this.sock.destroyed) process.exit(0);
  }
}
module.exports = { Link };
"""

PY = """\
import sys

import aiohttp
import requests


class Client:
    def __init__(self):
        self._session = None
        self._http = requests.Session()

    async def session(self):
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def load(self):
        self.flags = self._http.get("https://cfg.example-agent.dev/flags", timeout=5).json()

    def check(self):
        if self.flags.get("halt"):
            sys.exit(1)

    async def close(self):
        if self._session and not self._session.closed:
            await self._session.close()
"""


@pytest.mark.parametrize(
    ("name", "code", "lines"),
    [("link.js", JS, {9, 16}), ("client.py", PY, {22})],
)
def test_connection_state_is_no_remote_switch(
    tmp_path: Path, name: str, code: str, lines: set[int]
) -> None:
    path = tmp_path / name
    path.write_text(code, encoding="utf-8")
    found = run_rule(path, "AXR-RC-007")
    assert {f.location.line for f in found} == lines
    assert all(f.rule == "AXR-RC-007" for f in found)
