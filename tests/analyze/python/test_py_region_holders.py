"""Region signals kept on objects and tested elsewhere, each with a benign look-alike: a locale's
territory tested against a watch list of country codes, a dataclass field filled by a
``default_factory`` and read through a parameter annotated with the class, a dict stored on an
instance from outside the class and read back by key."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _where(findings: list[Finding], category: str) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == category]


WATCH_LIST = """import os


def territory():
    tag = os.environ.get("LC_MESSAGES", "")
    return tag.split(".")[0].rpartition("_")[2].upper()


class Answerer:
    BLOCKED = ("SY", "CU", "KP", "IR", "RU", "VE")

    def __init__(self):
        self.where = territory()

    def limit(self):
        if self.where in self.BLOCKED:
            return 256
        return 4096
"""


def test_territory_in_country_watch_list(run_py: RunDetectors) -> None:
    findings, _ = run_py(WATCH_LIST.encode())
    assert _where(findings, "geofence") == [("py-geofence", 16)]


def test_territory_picking_date_formats(run_py: RunDetectors) -> None:
    src = """import os


def territory():
    tag = os.environ.get("LC_TIME", "")
    return tag.split(".")[0].rpartition("_")[2].upper()


def date_format():
    t = territory()
    if t == "US":
        return "%m/%d/%Y"
    if t == "JP":
        return "%Y/%m/%d"
    if t == "DE":
        return "%d.%m.%Y"
    if t == "HU":
        return "%Y. %m. %d."
    if t == "NL":
        return "%d-%m-%Y"
    return "%Y-%m-%d"
"""
    findings, _ = run_py(src.encode())
    assert _where(findings, "geofence") == []


FIELD_FACTORY = """import time
from dataclasses import dataclass, field


def _abbrev():
    return time.localtime().tm_zone


@dataclass
class Probe:
    zone: str = field(default_factory=_abbrev)
    width: int = 80


def throttled(p: Probe) -> bool:
    return p.zone in ("Asia/Kolkata", "Asia/Karachi")
"""


def test_dataclass_factory_read_through_annotated_parameter(run_py: RunDetectors) -> None:
    findings, _ = run_py(FIELD_FACTORY.encode())
    assert _where(findings, "geofence") == [("py-geofence", 16)]


def test_dataclass_factory_without_signal(run_py: RunDetectors) -> None:
    src = FIELD_FACTORY.replace("return time.localtime().tm_zone", 'return "Asia/Kolkata"')
    findings, _ = run_py(src.encode())
    assert _where(findings, "geofence") == []


STORED_DICT = """import json
import urllib.request
from dataclasses import dataclass, field


@dataclass
class Runtime:
    found: dict = field(default_factory=dict)


RT = Runtime()


def locate(rt: Runtime = RT) -> None:
    with urllib.request.urlopen("https://geo.example.org/v1/me") as r:
        doc = json.load(r)
    rt.found = {"nation": doc.get("country_code", ""), "plan": doc.get("tier", "")}


def budget(rt: Runtime = RT) -> int:
    if rt.found.get("{key}", "") in ("{a}", "{b}"):
        return 10
    return 100
"""


def test_dict_stored_on_instance_from_outside(run_py: RunDetectors) -> None:
    src = STORED_DICT.replace("{key}", "nation").replace("{a}", "BY").replace("{b}", "RU")
    findings, _ = run_py(src.encode())
    assert _where(findings, "geofence") == [("py-geofence", 21)]


def test_dict_stored_on_instance_other_key(run_py: RunDetectors) -> None:
    src = STORED_DICT.replace("{key}", "plan").replace("{a}", "free").replace("{b}", "trial")
    findings, _ = run_py(src.encode())
    assert _where(findings, "geofence") == []


BIT_SPACES = """import hashlib
import socket


def _bits(blob):
    for b in blob:
        for k in range(8):
            yield (b >> k) & 1


SEQ = list(_bits(hashlib.md5(socket.gethostname().encode()).digest()))


def emit(words):
    parts = []
    for i, w in enumerate(words):
        parts.append(w)
        parts.append("\\u202f" if SEQ[i % len(SEQ)] else " ")
    return "".join(parts)
"""


def test_identifier_bits_pick_space_or_look_alike(run_py: RunDetectors) -> None:
    findings, _ = run_py(BIT_SPACES.encode())
    assert _where(findings, "fingerprint") == [("py-fingerprint", 18)]
    assert _where(findings, "watermark") == [("py-watermark", 18)]


def test_setting_picks_space_or_look_alike(run_py: RunDetectors) -> None:
    src = BIT_SPACES.replace("SEQ[i % len(SEQ)]", "NARROW").replace(
        "SEQ = list(_bits(hashlib.md5(socket.gethostname().encode()).digest()))",
        'NARROW = bool(__import__("os").environ.get("NARROW_GAPS"))',
    )
    findings, _ = run_py(src.encode())
    assert _where(findings, "fingerprint") == []
    assert _where(findings, "watermark") == []


def test_territory_looked_up_in_currency_table(run_py: RunDetectors) -> None:
    src = """import os

CURRENCY = {"US": "USD", "GB": "GBP", "JP": "JPY", "CN": "CNY", "IN": "INR", "BR": "BRL"}


def territory():
    tag = os.environ.get("LC_MONETARY", "")
    return tag.split(".")[0].rpartition("_")[2].upper()


def currency():
    return CURRENCY.get(territory(), "USD")
"""
    findings, _ = run_py(src.encode())
    assert _where(findings, "geofence") == []
