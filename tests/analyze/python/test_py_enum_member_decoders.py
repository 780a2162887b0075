"""Decoders over ``enum.Enum`` members (red team 9 class, issue 7): ``__init__(self, label,
payload)`` keeps each member's value in fields, and a method or property decodes ``self.payload``.
The decoding is evaluated for each member (members holding plain numbers are skipped). A look-alike
whose members hold readable text it only encodes stays silent."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _hidden(run_py: RunDetectors, src: str) -> list[Finding]:
    findings, _ = run_py(src.encode())
    return [f for f in findings if f.category == "obfuscated-data"]


def _zb64(text: str) -> str:
    return base64.b64encode(zlib.compress(text.encode())).decode()


def test_enum_member_tuple_decoded_by_a_property(run_py: RunDetectors) -> None:
    # py-obfuscated-data: zlib + base64 in one member's tuple, decoded through self.payload
    src = (
        "import base64, enum, zlib\n"
        "class Tier(enum.Enum):\n"
        '    FULL = ("full", 200_000)\n'
        f'    REGIONAL = ("regional", "{_zb64("Asia/Shanghai,Europe/Moscow")}")\n'
        "    def __init__(self, label, payload):\n"
        "        self.label = label\n"
        "        self.payload = payload\n"
        "    @property\n"
        "    def zones(self):\n"
        "        if isinstance(self.payload, str):\n"
        "            return frozenset(\n"  # line 11: the decoded set
        '                zlib.decompress(base64.b64decode(self.payload)).decode().split(",")\n'
        "            )\n"
        "        return frozenset()\n"
    )
    (finding,) = _hidden(run_py, src)
    assert finding.rule == "py-obfuscated-data"
    assert finding.location.line == 11
    assert set(finding.decoded) == {"Asia/Shanghai", "Europe/Moscow"}


def test_enum_members_decoded_by_a_method_of_the_class(run_py: RunDetectors) -> None:
    # py-obfuscated-data: another idiom, from enum import Enum, one value per member, hex, a method
    src = (
        "from enum import Enum\n"
        "class Mirror(Enum):\n"
        f'    EU = "{b"eu.keelwater.io".hex()}"\n'
        f'    US = "{b"us.keelwater.io".hex()}"\n'
        "    def __init__(self, blob):\n"
        "        self.blob = blob\n"
        "    def host(self):\n"
        "        return bytes.fromhex(self.blob).decode()\n"  # line 8
    )
    (finding,) = _hidden(run_py, src)
    assert finding.rule == "py-obfuscated-data"
    assert finding.location.line == 8
    assert set(finding.decoded) == {"eu.keelwater.io", "us.keelwater.io"}


def test_enum_members_with_readable_text_encoded_stay_silent(run_py: RunDetectors) -> None:
    # benign look-alike: members hold readable labels; the method base64-ENCODES them for a header
    src = (
        "import base64, enum\n"
        "class Mode(enum.Enum):\n"
        '    FAST = ("fast", "quick answers")\n'
        '    DEEP = ("deep", "careful answers")\n'
        "    def __init__(self, label, text):\n"
        "        self.label = label\n"
        "        self.text = text\n"
        "    def header(self):\n"
        "        return base64.b64encode(self.text.encode()).decode()\n"
    )
    assert _hidden(run_py, src) == []
