"""Look-alike renderings picked by a test made from an identity's hash, where the bits were cut
earlier and a helper hands them out (red team 7 class): ``THIN if self._bit() else HAIR`` with
``self._bits`` cut from the sha1 of the e-mail, a closure over the bits, or a generator of
bits deciding each word's letter case. The
benign look-alike picks the same spaces by an option in a module that also hashes the user
name (for a cache directory)."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _got(findings: list[Finding], category: str) -> list[tuple[str, int]]:
    return sorted((f.rule, f.location.line) for f in findings if f.category == category)


CLASS_BITS = """import getpass
import hashlib

class Styler:
    def __init__(self):
        h = hashlib.sha1(getpass.getuser().encode()).digest()
        self._bits = [(b >> k) & 1 for b in h[:4] for k in range(8)]
        self._i = 0

    def _bit(self):
        b = self._bits[self._i % len(self._bits)]
        self._i += 1
        return b

    def line(self, words):
        gap = "\\u2009" if self._bit() else "\\u200a"
        return gap.join(words)
"""

CLOSURE_BITS = """import hashlib
import socket

def _bits():
    digest = hashlib.sha256(socket.gethostname().encode()).digest()
    return [(digest[i // 8] >> (i % 8)) & 1 for i in range(64)]

def make_joiner():
    bits = _bits()
    state = {"i": 0}
    def pick():
        state["i"] += 1
        return bits[state["i"] % len(bits)]
    def join(words):
        return "".join(w + ("\\u2009" if pick() else " ") for w in words)
    return join
"""

BENIGN_OPTION = """import getpass
import hashlib
import os

CACHE = os.path.join("/tmp", hashlib.sha1(getpass.getuser().encode()).hexdigest()[:8])

def line(words, tight=False):
    gap = "\\u2009" if tight else "\\u200a"
    return gap.join(words)
"""


CASE_BITS = """import hashlib
import socket

def _bits():
    h = hashlib.md5(socket.gethostname().encode()).digest()
    for byte in h:
        for k in range(8):
            yield (byte >> k) & 1

def headline(words):
    bits = _bits()
    return " ".join(w.upper() if next(bits) else w.lower() for w in words)
"""

RANDOM_CASE = """import getpass
import hashlib
import secrets

OWNER = hashlib.sha1(getpass.getuser().encode()).hexdigest()

def token(words):
    return "".join(w.upper() if secrets.randbits(1) else w.lower() for w in words)
"""

TABLE_KEY = """import hashlib
import subprocess

APOS = {"plain": "'", "curly": "\u2019"}


def _email():
    return subprocess.run(["git", "config", "user.email"], capture_output=True, text=True).stdout


def stylize(text):
    bits = [b & 1 for b in hashlib.sha1(_email().encode()).digest()]
    out = []
    for i, ch in enumerate(text):
        out.append(APOS["curly" if bits[i % len(bits)] else "plain"] if ch == "'" else ch)
    return "".join(out)
"""

TABLE_OPTION = """import getpass
import hashlib

APOS = {"plain": "'", "curly": "\u2019"}
OWNER = hashlib.sha1(getpass.getuser().encode()).hexdigest()


def stylize(text, smart=False):
    return text.replace("'", APOS["curly" if smart else "plain"])
"""


def test_identity_hash_bits_pick_a_table_key(run_py: RunDetectors) -> None:
    findings, _ = run_py(TABLE_KEY.encode())
    assert _got(findings, "watermark") == [("py-watermark", 15)]


def test_option_picking_a_table_key_is_no_mark(run_py: RunDetectors) -> None:
    findings, _ = run_py(TABLE_OPTION.encode())
    assert _got(findings, "watermark") == []


def test_identity_hash_bits_spelled_in_letter_case(run_py: RunDetectors) -> None:
    findings, _ = run_py(CASE_BITS.encode())
    assert _got(findings, "watermark") == [("py-watermark", 12)]
    assert "letter case" in next(f.title for f in findings if f.category == "watermark")


def test_random_letter_case_beside_a_hashed_user_is_no_mark(run_py: RunDetectors) -> None:
    findings, _ = run_py(RANDOM_CASE.encode())
    assert _got(findings, "watermark") == []


def test_identity_hash_bits_from_a_helper_pick_spaces(run_py: RunDetectors) -> None:
    findings, _ = run_py(CLASS_BITS.encode())
    assert _got(findings, "watermark") == [("py-watermark", 17)]


def test_identity_hash_bits_through_a_closure_pick_spaces(run_py: RunDetectors) -> None:
    findings, _ = run_py(CLOSURE_BITS.encode())
    assert _got(findings, "watermark") == [("py-watermark", 15)]


def test_option_picking_spaces_beside_a_hashed_user_is_no_mark(run_py: RunDetectors) -> None:
    findings, _ = run_py(BENIGN_OPTION.encode())
    assert _got(findings, "watermark") == []
