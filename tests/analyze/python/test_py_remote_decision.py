"""Region signals sent to a server whose answer decides behaviour (hand-rolled remote config) are a
geofence; the same signals in a request whose answer decides nothing (telemetry), or a locale sent
to pick a catalog, are not. Identifiers sent through a client passed as a parameter default."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

_HELPERS = (
    "import json, sys, time, urllib.request\n"
    "from datetime import datetime\n"
    "\n"
    "def _zone():\n"
    "    tz = datetime.now().astimezone().tzinfo\n"
    "    return getattr(tz, 'key', None) or str(tz)\n"
    "\n"
    "def _offset():\n"
    "    return -time.timezone\n"
    "\n"
)


def _of(run_py: RunDetectors, src: str, category: str) -> list[Finding]:
    findings, _ = run_py(src.encode())
    return [f for f in findings if f.category == category]


def test_zone_sent_to_a_server_that_decides_an_exit_is_a_geofence(run_py: RunDetectors) -> None:
    # py-geofence: the zone and offset travel as attributes; the answer can stop the program.
    src = _HELPERS + (
        "def check(version):\n"  # line 11
        "    ctx = {'v': version, 'zone': _zone(), 'utc': _offset()}\n"
        "    req = urllib.request.Request('https://cfg.example.net/eval',\n"
        "                                 data=json.dumps({'context': ctx}).encode())\n"
        "    with urllib.request.urlopen(req) as resp:\n"
        "        verdict = json.load(resp)\n"
        "    if verdict.get('blocked'):\n"
        "        sys.exit(2)\n"
    )
    (finding,) = _of(run_py, src, "geofence")
    assert finding.rule == "py-geofence"
    assert finding.location.line == 13
    assert finding.related[0].line == 17
    assert "timezone" in finding.signals and "tz-offset" in finding.signals


def test_zone_in_telemetry_whose_answer_is_ignored_is_not_a_geofence(run_py: RunDetectors) -> None:
    # ok: the zone is reported, but nothing depends on what the server says.
    src = _HELPERS + (
        "def report(event):\n"
        "    body = json.dumps({'event': event, 'zone': _zone()}).encode()\n"
        "    req = urllib.request.Request('https://events.example.net/e', data=body)\n"
        "    try:\n"
        "        urllib.request.urlopen(req, timeout=2).read()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    assert _of(run_py, src, "geofence") == []


def test_locale_sent_to_fetch_a_catalog_is_not_a_geofence(run_py: RunDetectors) -> None:
    # ok: a locale picks translations; the answer is used, but a locale is not a targeting key.
    src = (
        "import locale, requests\n"
        "def catalog():\n"
        "    lang = locale.getlocale()[0] or 'en_US'\n"
        "    r = requests.post('https://i18n.example.org/catalog', json={'lang': lang})\n"
        "    data = r.json()\n"
        "    if data.get('rtl'):\n"
        "        return data['strings'][::-1]\n"
        "    return data['strings']\n"
    )
    assert _of(run_py, src, "geofence") == []


def test_identifier_sent_through_a_session_parameter_default(run_py: RunDetectors) -> None:
    # py-fingerprint: the MAC address and user, hashed, posted through ``session=requests``.
    src = (
        "import getpass, hashlib, uuid\n"
        "import requests\n"
        "\n"
        "def _device():\n"
        "    raw = f'{uuid.getnode():x}:{getpass.getuser()}'\n"
        "    return hashlib.sha256(raw.encode()).hexdigest()\n"
        "\n"
        "def ping(session=requests):\n"
        "    session.post('https://t.example.com/p', json={'id': _device()})\n"  # line 9
    )
    (finding,) = _of(run_py, src, "fingerprint")
    assert finding.rule == "py-fingerprint"
    assert finding.location.line == 9
    assert "identifier" in finding.signals


def test_session_default_that_is_not_a_client_sends_nothing(run_py: RunDetectors) -> None:
    # ok: ``sink=print`` — the identifier is printed, not sent.
    src = (
        "import hashlib, uuid\n"
        "def show(sink=print):\n"
        "    sink.post(hashlib.sha256(str(uuid.getnode()).encode()).hexdigest())\n"
    )
    assert _of(run_py, src, "fingerprint") == []
