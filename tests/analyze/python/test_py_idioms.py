"""Idioms the Python flow follows to a finding, each with a benign look-alike: a MAC address's
vendor prefix taken with bit operations, identifiers placed in request-header tables, answers
of a targeting request kept on an instance or returned to the caller."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _where(findings: list[Finding], category: str) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == category]


MAC_PREFIX = """import uuid

KNOWN = {0x001A2B: "lab", 0x00AA00: "lab", 0x3C22FB: "office"}


def vendor():
    return (uuid.getnode() & 0xFFFFFF000000) >> 24


def mode():
    site = KNOWN.get(vendor())
    return "quiet" if site else "full"
"""


def test_mac_vendor_prefix_lookup(run_py: RunDetectors) -> None:
    findings, _ = run_py(MAC_PREFIX.encode())
    assert _where(findings, "fingerprint") == [("py-fingerprint", 11)]
    found = next(f for f in findings if f.category == "fingerprint")
    assert "00:1a:2b" in found.values


def test_mac_prefix_only_printed(run_py: RunDetectors) -> None:
    src = (
        "import uuid\n\ndef vendor():\n    return format(uuid.getnode() >> 24, '06x')\n\n"
        "def show():\n    print('interface vendor', vendor())\n"
    )
    findings, _ = run_py(src.encode())
    assert _where(findings, "fingerprint") == []


HEADERS = """import hashlib, os, platform, uuid

def device():
    raw = open("/etc/machine-id").read().strip() + platform.node()
    return hashlib.sha1(raw.encode()).hexdigest()

def headers(key):
    return {
        "Authorization": "Bearer " + key,
        "User-Agent": "tool/1.0",
        "X-Install": device(),
    }
"""


def test_identifier_in_header_table(run_py: RunDetectors) -> None:
    findings, _ = run_py(HEADERS.encode())
    assert _where(findings, "fingerprint") == [("py-fingerprint", 11)]


def test_header_table_without_identifier(run_py: RunDetectors) -> None:
    src = (
        "import hashlib, os, uuid\n\ndef headers(key, body):\n    return {\n"
        "        'Authorization': 'Bearer ' + key,\n        'X-Request-Id': str(uuid.uuid4()),\n"
        "        'X-Body-Sha': hashlib.sha256(body).hexdigest(),\n    }\n"
    )
    findings, _ = run_py(src.encode())
    assert _where(findings, "fingerprint") == []


def test_identifier_in_table_not_of_headers(run_py: RunDetectors) -> None:
    src = HEADERS.replace('"Authorization"', '"auth"').replace('"User-Agent"', '"agent"')
    src = src.replace('"X-Install"', '"install"')
    findings, _ = run_py(src.encode())
    assert _where(findings, "fingerprint") == []


TARGETED = """import os, time
import requests


def _attrs():
    return {"tz": os.environ.get("TZ") or time.tzname[0], "app": "x/1.0"}


def fetch():
    r = requests.post("https://cfg.example.dev/eval", json={"attributes": _attrs()})
    return r.json().get("flags", {})


class Gate:
    def __init__(self):
        self.flags = fetch()

    def shell(self):
        if self.flags.get("no_shell"):
            return False
        return True
"""


def test_answer_kept_on_instance_decides(run_py: RunDetectors) -> None:
    findings, _ = run_py(TARGETED.encode())
    assert _where(findings, "geofence") == [("py-geofence", 10)]


def test_answer_kept_but_never_tested(run_py: RunDetectors) -> None:
    src = TARGETED.replace(
        '        if self.flags.get("no_shell"):\n            return False\n        return True\n',
        "        return dict(self.flags)\n",
    )
    findings, _ = run_py(src.encode())
    assert _where(findings, "geofence") == []


def test_pieces_joined_then_reversed(run_py: RunDetectors) -> None:
    src = (
        "_P = (('moc.', 'elpmaxe.'), ('sti', 'h.tn', 'ega'))\n\n"
        "def hosts():\n    return [''.join(p)[::-1] for p in _P]\n"
    )
    findings, _ = run_py(src.encode())
    hidden = [f for f in findings if f.category == "obfuscated-data"]
    assert [(f.rule, f.location.line) for f in hidden] == [("py-obfuscated-data", 4)]
    assert set(hidden[0].decoded) == {".example.com", "agent.hits"}


def test_runtime_text_joined_then_reversed(run_py: RunDetectors) -> None:
    src = "def mirror(words):\n    return ''.join(words)[::-1]\n"
    findings, _ = run_py(src.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []


def test_mac_prefix_as_padded_hex_text(run_py: RunDetectors) -> None:
    src = (
        "import uuid\n\nVM = {'080027', '000c29'}\n\n"
        "def virtual():\n    return hex(uuid.getnode())[2:].zfill(12)[:6] in VM\n"
    )
    findings, _ = run_py(src.encode())
    assert _where(findings, "fingerprint") == [("py-fingerprint", 6)]
    found = next(f for f in findings if f.category == "fingerprint")
    assert set(found.values) == {"080027", "000c29"}


FIRST_OF = """import hashlib

def _first(*paths):
    for p in paths:
        try:
            with open(p) as fh:
                return fh.read().strip()
        except OSError:
            continue
    return ""

def headers():
    mid = _first("/etc/machine-id", "/var/lib/dbus/machine-id")
    return {"User-Agent": "x/1", "X-Device": hashlib.sha256(mid.encode()).hexdigest()}
"""


def test_machine_id_through_loop_over_helper_varargs(run_py: RunDetectors) -> None:
    findings, _ = run_py(FIRST_OF.encode())
    assert _where(findings, "fingerprint") == [("py-fingerprint", 14)]


def test_other_file_through_loop_over_helper_varargs(run_py: RunDetectors) -> None:
    src = FIRST_OF.replace('"/etc/machine-id", "/var/lib/dbus/machine-id"', '"/etc/os-release"')
    findings, _ = run_py(src.encode())
    assert _where(findings, "fingerprint") == []


def test_invisible_separator_joined_under_condition(run_py: RunDetectors) -> None:
    src = (
        "import os\n\nZW = '\\u200b'\n\ndef stamp(text):\n"
        "    if os.environ.get('TZ') in ('Asia/Shanghai', 'Asia/Macau'):\n"
        "        return ZW.join(text.split(' '))\n    return text\n"
    )
    findings, _ = run_py(src.encode())
    assert _where(findings, "watermark") == [("py-watermark", 7)]


def test_emoji_pieces_joined_under_condition(run_py: RunDetectors) -> None:
    src = (
        "def family(with_child):\n    if with_child:\n"
        "        return '\\u200d'.join(['\\U0001F468', '\\U0001F469', '\\U0001F467'])\n"
        "    return '\\U0001F468'\n"
    )
    findings, _ = run_py(src.encode())
    assert _where(findings, "watermark") == []


BITS = """import getpass

def sign(reply):
    who = getpass.getuser()
    bits = "".join(format(ord(c), "08b") for c in who[:4])
    mark = "".join("\\u200c" if b == "0" else "\\u200d" for b in bits)
    return reply + mark
"""


def test_identity_written_as_invisible_bits(run_py: RunDetectors) -> None:
    findings, _ = run_py(BITS.encode())
    assert _where(findings, "fingerprint") == [("py-fingerprint", 6)]
    assert _where(findings, "watermark") == [("py-watermark", 7)]


def test_constant_written_as_invisible_bits(run_py: RunDetectors) -> None:
    src = BITS.replace("getpass.getuser()", '"v1.2"')
    findings, _ = run_py(src.encode())
    assert _where(findings, "fingerprint") == []
