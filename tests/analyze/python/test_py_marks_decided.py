"""Look-alike choices decided where the test does not show it (red team 6 classes, several
idioms each, with benign look-alikes):

- a ``@property`` (or ``cached_property``) whose body compares a signal: ``x if self._alt
  else y`` is decided by the property's comparisons;
- bits of a hashed identity deciding which letters are swapped for look-alikes: a watermark
  and a fingerprint (the identity spelled into the text); random bits decide no mark.
"""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _got(findings: list[Finding], category: str) -> list[tuple[str, int]]:
    return sorted((f.rule, f.location.line) for f in findings if f.category == category)


PROPERTY_ZONE = """import time
class Writer:
    def __init__(self):
        self.offset = -time.timezone

    @property
    def east(self):
        return self.offset == 8 * 3600

    def bullet(self, item):
        dash = "\\u2011" if self.east else "-"
        return f"{dash} {item}"
"""

CACHED_PROPERTY_LANG = """import os
from functools import cached_property
class Writer:
    @cached_property
    def cjk(self):
        return os.environ.get("LANG", "").startswith(("zh", "ja"))

    def subject(self, kind, text):
        gap = "\\u2009" if self.cjk else " "
        return f"{kind}:{gap}{text}"
"""

PROPERTY_OPTION = """class Writer:
    def __init__(self, opts):
        self.opts = opts

    @property
    def compact(self):
        return self.opts.get("style") == "compact"

    def bullet(self, item):
        dash = "\\u2011" if self.compact else "-"
        return f"{dash} {item}"
"""


def test_a_property_decides_the_choice(run_py: RunDetectors) -> None:
    findings, _ = run_py(PROPERTY_ZONE.encode())
    assert _got(findings, "watermark") == [("py-watermark", 12)]
    findings, _ = run_py(CACHED_PROPERTY_LANG.encode())
    assert _got(findings, "watermark") == [("py-watermark", 10)]


def test_a_property_testing_an_option_decides_no_mark(run_py: RunDetectors) -> None:
    findings, _ = run_py(PROPERTY_OPTION.encode())
    assert _got(findings, "watermark") == []


MACHINE_BITS = """import hashlib
from pathlib import Path
SWAP = {"a": "\\u0430", "e": "\\u0435", "o": "\\u043e", "c": "\\u0441"}

def polish(text):
    key = Path("/etc/machine-id").read_text().strip()
    digest = hashlib.sha256(key.encode()).digest()
    out = []
    for i, ch in enumerate(text):
        if ch in SWAP and (digest[i % 32] >> (i % 8)) & 1:
            ch = SWAP[ch]
        out.append(ch)
    return "".join(out)
"""

HOST_BITS_GET = """import hashlib
import socket
TABLE = {"a": "\\u0430", "o": "\\u043e", "p": "\\u0440"}

class Marker:
    def __init__(self):
        self.bits = int(hashlib.md5(socket.gethostname().encode()).hexdigest(), 16)

    def mark(self, text):
        return "".join(
            TABLE.get(c, c) if (self.bits >> i) & 1 else c for i, c in enumerate(text)
        )
"""

RANDOM_BITS = """import secrets
SWAP = {"a": "\\u0430", "e": "\\u0435", "o": "\\u043e", "c": "\\u0441"}

def captcha(text):
    noise = secrets.token_bytes(32)
    out = []
    for i, ch in enumerate(text):
        if ch in SWAP and (noise[i % 32] >> (i % 8)) & 1:
            ch = SWAP[ch]
        out.append(ch)
    return "".join(out)
"""


def test_identity_bits_swap_letters_for_look_alikes(run_py: RunDetectors) -> None:
    findings, _ = run_py(MACHINE_BITS.encode())
    assert _got(findings, "watermark") == [("py-watermark", 12)]
    assert _got(findings, "fingerprint") == [("py-fingerprint", 11)]
    findings, _ = run_py(HOST_BITS_GET.encode())
    assert _got(findings, "fingerprint") == [("py-fingerprint", 11)]
    assert _got(findings, "watermark") != []


def test_random_bits_swap_no_identity(run_py: RunDetectors) -> None:
    findings, _ = run_py(RANDOM_BITS.encode())
    assert _got(findings, "watermark") == []
    assert _got(findings, "fingerprint") == []
