"""Values that travel between objects and loops in the Python behaviour layer:

* a field set by any method of a class (``gather(): self.fqdn = …; return self``), read
  through a receiver the shared resolver types (``(facts or HostFacts()).gather()``,
  ``Probe.create()``);
* a loop body evaluated per element of the constant list it runs over
  (``for enc in HIDDEN: suffix = codecs.decode(enc, "rot_13")``);
* what is put into a local list or set after it is made (``parts.append(x)``) and a client
  held as an injected default (``client or httpx.Client()``, ``None`` check);
* ``cls(user=…)`` in a classmethod fills the dataclass's fields, and a helper that encodes
  its parameter (``_tag_char(nibble)``) encodes what its call sites pass.

Each has a look-alike that must stay silent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

HOST_METHOD_FIELD_ROT13 = """import codecs
import socket


class HostFacts:
    def gather(self):
        self.fqdn = socket.getfqdn().lower()
        return self


_SUFFIXES = ("pbec.rknzcyr.arg", "vagen.npzr.pbz")


def _matches(fqdn):
    for enc in _SUFFIXES:
        suffix = codecs.decode(enc, "rot_13")
        if fqdn.endswith("." + suffix):
            return True
    return False


def mode(facts=None):
    facts = (facts or HostFacts()).gather()
    return "guarded" if _matches(facts.fqdn) else "normal"
"""

HOST_CLASSMETHOD_HEX = """import socket


class Probe:
    HEX = ["6275696c642e61636d652d636f72702e696f", "63692e6e6f72746877696e642e646576"]

    def load(self):
        self.host = socket.gethostname()
        return self

    @classmethod
    def create(cls):
        return cls().load()


def guarded(probe=None):
    probe = probe or Probe.create()
    for h in Probe.HEX:
        dom = bytes.fromhex(h).decode()
        if probe.host == dom:
            return True
    return False
"""

LOOP_LOOK_ALIKE = """import base64
import sys

_KNOWN = ("YnVpbGQuYWNtZS1jb3JwLmlv", "Y2kubm9ydGh3aW5kLmRldg==")


def _known(profile):
    for blob in _KNOWN:
        name = base64.b64decode(blob).decode()
        if profile.endswith(name):
            return True
    return False


def run(task):
    return "profile" if _known(sys.argv[1]) else task
"""


@pytest.mark.parametrize(
    ("src", "line", "decoded"),
    [
        (HOST_METHOD_FIELD_ROT13, 17, "corp.example.net"),
        (HOST_CLASSMETHOD_HEX, 20, "build.acme-corp.io"),
    ],
    ids=["method-field-rot13-loop", "classmethod-hex-loop"],
)
def test_a_host_kept_by_a_method_matched_against_a_decoded_loop(
    run_py: RunDetectors, src: str, line: int, decoded: str
) -> None:
    findings, _ = run_py(src.encode())
    found = {(f.rule, f.location.line) for f in findings}
    assert ("py-fingerprint", line) in found, found
    hidden = [f for f in findings if f.rule == "py-obfuscated-data"]
    assert hidden and decoded in hidden[0].decoded


def test_a_decoded_loop_compared_with_an_argument_is_no_fingerprint(
    run_py: RunDetectors,
) -> None:
    findings, _ = run_py(LOOP_LOOK_ALIKE.encode())
    assert [f for f in findings if f.category == "fingerprint"] == []
    hidden = [f for f in findings if f.rule == "py-obfuscated-data"]
    assert hidden and "ci.northwind.dev" in hidden[0].decoded


ACCUMULATED_INJECTED_CLIENT = """import hashlib
import platform
import uuid
from pathlib import Path

import httpx


def install_id():
    parts = []
    parts.append(Path("/etc/machine-id").read_text().strip())
    parts.append(platform.node())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


class Events:
    def __init__(self, client=None):
        self.client = client or httpx.Client(timeout=5.0)

    def flush(self, batch):
        self.client.post("https://events.example.org/e", json=batch, headers={"X-Id": install_id()})
"""

SET_NONE_CHECK_SESSION = """import hashlib
import socket
import uuid

import requests


def install_id():
    seen = set()
    seen.add(str(uuid.getnode()))
    seen.add(socket.gethostname())
    return hashlib.md5(",".join(sorted(seen)).encode()).hexdigest()


class Reporter:
    def __init__(self, session=None):
        self.session = requests.Session() if session is None else session

    def ping(self, url):
        self.session.post(url, json={"install": install_id()})
"""

ACCUMULATED_LOOK_ALIKE = """import hashlib
import platform

import httpx


async def announce(url, client=None):
    client = client or httpx.AsyncClient()
    chunks = []
    chunks.extend([platform.python_version(), "agent-1.4"])
    digest = hashlib.sha1(":".join(chunks).encode()).hexdigest()
    await client.post(url, json={"build": digest})
"""


@pytest.mark.parametrize(
    ("src", "line"),
    [(ACCUMULATED_INJECTED_CLIENT, 21), (SET_NONE_CHECK_SESSION, 20)],
    ids=["list-append-or-client", "set-add-none-check-session"],
)
def test_identities_put_into_a_container_are_sent_by_an_injected_client(
    run_py: RunDetectors, src: str, line: int
) -> None:
    findings, _ = run_py(src.encode())
    found = {(f.rule, f.location.line) for f in findings}
    assert ("py-fingerprint", line) in found, found


def test_a_hash_of_build_facts_sent_is_no_fingerprint(run_py: RunDetectors) -> None:
    findings, _ = run_py(ACCUMULATED_LOOK_ALIKE.encode())
    assert [f for f in findings if f.category == "fingerprint"] == []


TAG_HELPER_CLASSMETHOD = """import getpass
import hashlib
import socket
from dataclasses import dataclass


def _tag_char(nibble: int) -> str:
    return chr(0xE0020 + nibble)


@dataclass
class Originator:
    user: str
    host: str

    @classmethod
    def detect(cls):
        return cls(user=getpass.getuser(), host=socket.gethostname())

    @property
    def code(self) -> bytes:
        return hashlib.blake2s(f"{self.user}:{self.host}".encode(), digest_size=4).digest()


class Decorator:
    def __init__(self, originator=None):
        self.originator = originator or Originator.detect()

    def suffix(self):
        out = []
        for b in self.originator.code:
            out.append(_tag_char(b >> 4))
            out.append(_tag_char(b & 0xF))
        return "".join(out)
"""

SELECTOR_HELPER_FUNCTION = """import getpass
import hashlib


def _selector(v):
    return chr(0xFE00 + v)


def stamp(text):
    uid = hashlib.md5(getpass.getuser().encode()).digest()[:3]
    return text + "".join(_selector(b & 0xF) for b in uid)
"""

SELECTOR_LOOK_ALIKE = """def _selector(v):
    return chr(0xFE00 + v)


VERSION = (1, 4, 2)


def stamp(text):
    return text + "".join(_selector(b & 0xF) for b in VERSION)
"""


@pytest.mark.parametrize(
    ("src", "line"),
    [(TAG_HELPER_CLASSMETHOD, 8), (SELECTOR_HELPER_FUNCTION, 6)],
    ids=["tag-helper-classmethod-dataclass", "selector-helper-function"],
)
def test_a_helper_encoding_its_argument_writes_the_identity_invisibly(
    run_py: RunDetectors, src: str, line: int
) -> None:
    findings, _ = run_py(src.encode())
    found = {(f.rule, f.location.line) for f in findings}
    assert ("py-fingerprint", line) in found, found


def test_a_helper_encoding_a_version_is_no_fingerprint(run_py: RunDetectors) -> None:
    findings, _ = run_py(SELECTOR_LOOK_ALIKE.encode())
    assert [f for f in findings if f.category == "fingerprint"] == []


CONTEXT_VARIABLE = """import contextvars
import os

_zone = contextvars.ContextVar("zone", default="")


def capture():
    _zone.set(os.environ.get("TZ", ""))


def restricted():
    return _zone.get() in ("Asia/Shanghai", "Asia/Urumqi")
"""

ASYNC_QUEUE = """import asyncio
import locale

pending = asyncio.Queue()


async def produce():
    await pending.put(locale.getlocale()[0] or "")


async def consume():
    lang = await pending.get()
    if lang in ("zh_CN", "fa_IR"):
        return "limited"
    return "full"
"""

HOLDER_LOOK_ALIKE = """import contextvars
import uuid

_request = contextvars.ContextVar("request", default="")


def begin():
    _request.set(str(uuid.uuid4()))


def is_first():
    return _request.get() in ("", "none")
"""


@pytest.mark.parametrize(
    ("src", "line"),
    [(CONTEXT_VARIABLE, 12), (ASYNC_QUEUE, 13)],
    ids=["context-variable", "async-queue"],
)
def test_a_region_put_into_a_holder_is_tested_where_it_is_taken(
    run_py: RunDetectors, src: str, line: int
) -> None:
    findings, _ = run_py(src.encode())
    found = {(f.rule, f.location.line) for f in findings}
    assert ("py-geofence", line) in found, found


def test_a_request_id_in_a_context_variable_is_no_region_test(run_py: RunDetectors) -> None:
    findings, _ = run_py(HOLDER_LOOK_ALIKE.encode())
    assert [f for f in findings if f.category in ("geofence", "fingerprint")] == []


ALIASED_CLASS = """import time


class HostClock:
    def offset(self):
        return -time.timezone


class FakeClock:
    def offset(self):
        return 0


def pick(test=False):
    Clock = FakeClock if test else HostClock
    clock = Clock()
    return clock.offset() in (28800, 12600)
"""

CHOSEN_CLASS_CALLED = """import os


class EnvZone:
    def name(self):
        return os.environ.get("TZ", "")


class FixedZone:
    def name(self):
        return "UTC"


def limited(live=True):
    zone = (EnvZone if live else FixedZone)()
    if zone.name() in ("Asia/Tehran", "Europe/Moscow"):
        return True
    return False
"""

CHOSEN_CLASS_LOOK_ALIKE = """class UtcZone:
    def name(self):
        return "UTC"


class FixedZone:
    def name(self):
        return "Etc/UTC"


def limited(live=True):
    zone = (UtcZone if live else FixedZone)()
    if zone.name() in ("Asia/Tehran", "Europe/Moscow"):
        return True
    return False
"""


@pytest.mark.parametrize(
    ("src", "line"),
    [(ALIASED_CLASS, 17), (CHOSEN_CLASS_CALLED, 16)],
    ids=["ternary-class-alias", "ternary-class-called"],
)
def test_a_method_of_either_chosen_class_brings_the_region(
    run_py: RunDetectors, src: str, line: int
) -> None:
    findings, _ = run_py(src.encode())
    found = {(f.rule, f.location.line) for f in findings}
    assert ("py-geofence", line) in found, found


def test_classes_that_both_return_constants_stay_silent(run_py: RunDetectors) -> None:
    findings, _ = run_py(CHOSEN_CLASS_LOOK_ALIKE.encode())
    assert [f for f in findings if f.category == "geofence"] == []


FIELD_FILLED_BY_A_METHOD = """import hashlib
import socket


class Ident:
    def __init__(self):
        self._parts = []

    def collect(self):
        self._parts.append(socket.gethostname())
        return self

    def digest(self):
        return hashlib.sha256("".join(self._parts).encode()).hexdigest()


def headers():
    return {"User-Agent": "cli/1.0", "X-Device": Ident().collect().digest()}
"""


def test_a_field_list_filled_by_a_method_carries_the_identity(run_py: RunDetectors) -> None:
    findings, _ = run_py(FIELD_FILLED_BY_A_METHOD.encode())
    found = {(f.rule, f.location.line) for f in findings}
    assert ("py-fingerprint", 18) in found, found


def test_a_field_list_of_versions_is_no_fingerprint(run_py: RunDetectors) -> None:
    src = FIELD_FILLED_BY_A_METHOD.replace("socket.gethostname()", "'cli-1.0'")
    findings, _ = run_py(src.encode())
    assert [f for f in findings if f.category == "fingerprint"] == []


INSTANCE_DECODER_IN_A_LOOP = """import base64
import time


class Codec:
    def __init__(self, key):
        self.key = key

    def decode(self, blob):
        raw = base64.b64decode(blob)
        return bytes(b ^ self.key for b in raw).decode()


_codec = Codec(0x21)
_HIDDEN = ["YFJIQA5ySUBPRklASA==", "YFJIQA51RElTQE8="]


def restricted():
    zone = time.tzname[0]
    for blob in _HIDDEN:
        if zone == _codec.decode(blob):
            return True
    return False
"""

KEYWORD_CONSTRUCTED_DECODER = """import socket


class Shifter:
    def __init__(self, key=1):
        self.key = key

    def undo(self, text):
        return "".join(chr(ord(c) - self.key) for c in text)


HOSTS = [Shifter(key=3).undo(t) for t in ("frus1h{dpsoh1qhw",)]


def internal():
    return socket.getfqdn() in HOSTS
"""


@pytest.mark.parametrize(
    ("src", "rule", "line", "decoded"),
    [
        (INSTANCE_DECODER_IN_A_LOOP, "py-geofence", 21, "Asia/Tehran"),
        (KEYWORD_CONSTRUCTED_DECODER, "py-fingerprint", 16, "corp.example.net"),
    ],
    ids=["instance-field-key-loop", "keyword-constructed-comprehension"],
)
def test_a_decoder_method_uses_the_fields_its_constructor_was_given(
    run_py: RunDetectors, src: str, rule: str, line: int, decoded: str
) -> None:
    findings, _ = run_py(src.encode())
    found = [f for f in findings if f.rule == rule and f.location.line == line]
    assert found, [(f.rule, f.location.line) for f in findings]
    assert decoded in found[0].decoded


def test_a_key_read_at_run_time_decodes_nothing(run_py: RunDetectors) -> None:
    src = KEYWORD_CONSTRUCTED_DECODER.replace("import socket", "import os\nimport socket")
    src = src.replace("Shifter(key=3)", 'Shifter(key=int(os.environ.get("K", "3")))')
    findings, _ = run_py(src.encode())
    assert [f for f in findings if f.category in ("fingerprint", "obfuscated-data")] == []
