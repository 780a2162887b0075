"""Decoders and value carriers written in ordinary Python idioms (red team 6 classes, own twins).

A base-32 decoder with its own alphabet (``ALPHA.index(c)`` → ``format(i, "05b")`` →
``int(bits, 2)``) and a ``bytes.maketrans``/``translate`` substitution decode constants like any
other decoder; an IP-geolocation answer fetched by a function run in an executor, a thread or a
pool (``run_in_executor``, ``to_thread``, ``submit(…).result()``) or awaited through
``asyncio.wait_for`` is the same answer, and so is a field given to a constructor
(``Ctx(country=…)``, ``Session(cc)`` kept as ``self.country``) or a ``functools.partial`` request. Codecs encoding run-time input, a colour parsed from hex
digits, a path sanitised with a small table, and a status page run in a thread stay silent."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

ALPHABETS = """import functools

ALPHABET = "ZYXWVUTSRQPONMLKJIHGFEDCBA765432"
BLOB = "MYHDB6WKUE6D35GNNJCTH6B"


def decode(text):
    bits = "".join("{:05b}".format(ALPHABET.find(ch)) for ch in text)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8)).decode()


decode_f = lambda text: bytes(
    int("".join(f"{ALPHABET.index(c):05b}" for c in text)[i:i + 8], 2)
    for i in range(0, len(text) * 5 // 8 * 8, 8)
).decode()

HOST = decode(BLOB)
HOST2 = decode_f(BLOB)


class Domains:
    FROM = b"abcdefghijklmnopqrstuvwxyz."
    TO = b"zyxwvutsrqponmlkjihgfedcba."

    def __init__(self):
        self.table = bytes.maketrans(self.TO, self.FROM)

    @functools.cached_property
    def names(self):
        return [x.translate(self.table).decode() for x in (b"vcznkov.xln", b"gvhg.lit")]
"""

CODECS = """ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ACCENT = "#ff8800"
SAFE = bytes.maketrans(b"/\\\\:", b"___")


def rgb():
    return tuple(int(ACCENT[i:i + 2], 16) for i in (1, 3, 5))


def encode(data: bytes) -> str:
    bits = "".join(format(b, "08b") for b in data)
    return "".join(ALPHABET[int(bits[i:i + 5], 2)] for i in range(0, len(bits), 5))


def slot(ch):
    return ALPHABET.index(ch)


def safe_name(name: bytes) -> str:
    return name.translate(SAFE).decode()


LABEL = safe_name(b"reports/2024:q1")
WIDTH = format(42, "08b")
"""

EXECUTORS = """import asyncio
import concurrent.futures

import requests


def _lookup():
    return requests.get("https://ipinfo.io/json", timeout=3).json()


async def country_thread():
    info = await asyncio.to_thread(_lookup)
    return info.get("country", "")


def country_pool():
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_lookup).result().get("country")


async def _where():
    loop = asyncio.get_running_loop()
    data = await loop.run_in_executor(None, _lookup)
    return data["country"]


async def limited_tools():
    cc = await asyncio.wait_for(_where(), 5)
    if cc in ("CN", "RU", "IR"):
        return ["edit"]
    return ["edit", "browse"]


async def model_for():
    if await country_thread() == "KP":
        return "small"
    return "large"


def pool_gate():
    if country_pool() in {"CU", "SY"}:
        raise SystemExit(1)
"""

STATUS = """import asyncio

import requests


def _status():
    return requests.get("https://status.example-vendor.dev/api", timeout=3).json()


async def degraded():
    info = await asyncio.to_thread(_status)
    if info.get("indicator") in ("major", "critical"):
        return ["edit"]
    return ["edit", "browse"]


def _lookup():
    return requests.get("https://ipinfo.io/json", timeout=3).json()


async def show_country():
    info = await asyncio.to_thread(_lookup)
    print("You appear to be in", info.get("country"))
"""

HELD = """import functools
from dataclasses import dataclass

import requests

BLOCKED = frozenset({"CN", "RU", "IR", "KP"})
_get = functools.partial(requests.get, "https://ipapi.co/json/", timeout=3)


@dataclass
class Ctx:
    country: str
    tools: tuple = ("shell", "web")


def make_ctx():
    return Ctx(country=_get().json().get("country_code", ""))


def tools_for(ctx: Ctx):
    if ctx.country in BLOCKED:
        return ("shell",)
    return ctx.tools


class Session:
    def __init__(self, country, model="large"):
        self.country = country
        self.model = model

    def pick(self):
        return "small" if self.country in BLOCKED else self.model


def start():
    return Session(_get().json()["country"]).pick()
"""

CHOSEN = """from dataclasses import dataclass

BLOCKED = frozenset({"CN", "RU", "IR", "KP"})


@dataclass
class Ctx:
    country: str


def make_ctx(args):
    return Ctx(country=args.region)


def tools_for(ctx: Ctx):
    if ctx.country in BLOCKED:
        return ("shell",)
    return ("shell", "web")
"""


def test_fields_given_to_constructors_and_partial_requests_are_followed(
    run_py: RunDetectors,
) -> None:
    findings, _ = run_py(HELD.encode())
    fences = {f.location.line for f in findings if f.rule == "py-geofence"}
    assert {21, 32} <= fences


def test_a_field_the_user_chose_fences_nothing(run_py: RunDetectors) -> None:
    findings, _ = run_py(CHOSEN.encode())
    assert [f for f in findings if f.category == "geofence"] == []


def test_custom_alphabets_and_byte_tables_are_decoded(run_py: RunDetectors) -> None:
    findings, _ = run_py(ALPHABETS.encode())
    hidden = {
        f.location.line: f.decoded
        for f in findings
        if f.category == "obfuscated-data" and f.rule == "py-obfuscated-data"
    }
    assert hidden[7] == ("hello-world.io",)  # the decoder function, called with a constant
    assert hidden[18] == ("hello-world.io",)  # the lambda (bits spelled by an f-string) called
    assert hidden[30] == ("example.com", "test.org")


def test_codecs_of_runtime_input_and_small_tables_hide_nothing(run_py: RunDetectors) -> None:
    findings, _ = run_py(CODECS.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []


def test_geolocation_answers_through_executors_are_followed(run_py: RunDetectors) -> None:
    findings, _ = run_py(EXECUTORS.encode())
    fences = {f.location.line for f in findings if f.rule == "py-geofence"}
    assert {29, 35, 41} <= fences


def test_other_answers_through_executors_fence_nothing(run_py: RunDetectors) -> None:
    findings, _ = run_py(STATUS.encode())
    assert [f for f in findings if f.category == "geofence"] == []
