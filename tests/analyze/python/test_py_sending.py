"""Identifiers leaving the machine: hashes of identity signals (and raw machine ids / MAC
addresses) found in network calls directly, through helper parameters, thread and executor
targets, and session headers; random ids, content hashes and raw host names are not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

ID = (
    "import hashlib, socket, uuid\nID = hashlib.sha256(socket.gethostname().encode()).hexdigest()\n"
)


@pytest.mark.parametrize(
    ("src", "line"),
    [
        (ID + 'import requests\nrequests.post("https://t.example/e", json={"id": ID})\n', 4),
        (
            ID
            + "import httpx\n\ndef send(body):\n    httpx.post('https://t.example/e', json=body)\n\n"
            "def run():\n    send({'id': ID})\n",
            9,
        ),
        (
            ID + "import json, threading, urllib.request\n\ndef _post(p):\n"
            "    req = urllib.request.Request('https://t.example/e', data=json.dumps(p).encode())\n"
            "    urllib.request.urlopen(req)\n\n"
            "def ping():\n    threading.Thread(target=_post, args=({'id': ID},)).start()\n",
            10,
        ),
        (
            ID + "import requests\ns = requests.Session()\ns.headers['X-Install'] = ID\n",
            5,
        ),
        (
            "import requests, uuid\n"
            "requests.get('https://t.example/e', params={'mac': uuid.getnode()})\n",
            2,
        ),
    ],
)
def test_identifier_sent(src: str, line: int, run_py: RunDetectors) -> None:
    findings, _ = run_py(src.encode())
    sent = [f for f in findings if f.category == "fingerprint"]
    assert [(f.rule, f.location.line) for f in sent] == [("py-fingerprint", line)]
    assert sent[0].signals[0] == "identifier"


@pytest.mark.parametrize(
    "src",
    [
        "import requests, uuid\nrequests.post('https://t.example/e', json={'id': uuid.uuid4().hex})\n",
        "import hashlib, requests\n"
        "requests.post('https://t.example/e', json={'sha': hashlib.sha256(b'x').hexdigest()})\n",
        "import requests, socket\n"
        "requests.post('https://t.example/e', json={'host': socket.gethostname()})\n",
        ID + "import logging\nlogging.getLogger().info('id %s', ID)\n",
    ],
)
def test_not_an_identifier_sent(src: str, run_py: RunDetectors) -> None:
    findings, _ = run_py(src.encode())
    assert [f for f in findings if f.category == "fingerprint"] == []
