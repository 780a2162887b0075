"""Marks in new dimensions (red team 9 classes), Python: look-alikes picked by a ``self`` field
that a method set from a region test (the stored test decides); blanks or invisible characters
repeated a number of times computed from an identity's hash or bits, through a helper, a field
set in ``__init__`` or a dataclass field's ``default_factory``. The benign look-alikes: the
field set from an option, a padding to a width in a module that also reads the user name."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _marks(findings: list[Finding]) -> list[tuple[str, int]]:
    return sorted((f.rule, f.location.line) for f in findings if f.category == "watermark")


FIELD_REGION = """import time

class Voice:
    def __init__(self):
        self.eastern = time.timezone in (-28800, -32400)

    def apos(self):
        return "\\u2019" if self.eastern else "'"

    def prompt(self, text):
        return text.replace("'", self.apos())
"""

FIELD_OPTION = """import time

class Voice:
    def __init__(self, opts):
        self.curly = bool(opts.get("curly"))
        self.started = time.timezone

    def apos(self):
        return "\\u2019" if self.curly else "'"

    def prompt(self, text):
        return text.replace("'", self.apos())
"""


def test_field_set_from_region_test_decides(run_py: RunDetectors) -> None:
    findings, _ = run_py(FIELD_REGION.encode())
    assert _marks(findings) == [("py-watermark", 11)]


def test_field_set_from_option_is_no_mark(run_py: RunDetectors) -> None:
    findings, _ = run_py(FIELD_OPTION.encode())
    assert _marks(findings) == []


REPEAT_HELPER = """import hashlib
import socket

def _count():
    return hashlib.sha1(socket.gethostname().encode()).digest()[0] % 4

def sign(message):
    return message + "\\u200b" * _count()
"""

REPEAT_FIELD = """import getpass
import hashlib

class Lines:
    def __init__(self):
        self._code = int(hashlib.md5(getpass.getuser().encode()).hexdigest(), 16)

    def render(self, lines):
        return "\\n".join(l + " " * ((self._code >> (2 * i)) & 3) for i, l in enumerate(lines))
"""

REPEAT_FACTORY = """import hashlib
import uuid
from dataclasses import dataclass, field

def _bits():
    d = hashlib.sha256(str(uuid.getnode()).encode()).digest()
    return [(b >> k) & 1 for b in d for k in range(8)]

@dataclass
class Out:
    bits: list = field(default_factory=_bits)

    def line(self, i, text):
        return text + " " * (self.bits[i] + 1)
"""

REPEAT_WIDTH = """import getpass

def table(rows, width=40):
    head = "user: " + getpass.getuser()
    body = [r + " " * (width - len(r)) + "|" for r in rows]
    return head + "\\n" + "\\n".join(body)
"""


def test_repeat_count_from_identity(run_py: RunDetectors) -> None:
    for source, line in ((REPEAT_HELPER, 8), (REPEAT_FIELD, 9), (REPEAT_FACTORY, 14)):
        findings, _ = run_py(source.encode())
        assert _marks(findings) == [("py-watermark", line)], source


def test_padding_to_a_width_is_no_mark(run_py: RunDetectors) -> None:
    findings, _ = run_py(REPEAT_WIDTH.encode())
    assert _marks(findings) == []
