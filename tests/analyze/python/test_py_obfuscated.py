"""Hidden data found where it is decoded and reported decoded: decoders applied to a loop variable
(the whole comprehension is the value), structured data (JSON keys and values), one finding for a
value decoded in two steps; encoded assets and codec tables are not hidden data."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable

import pytest

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _hidden(run_py: RunDetectors, src: str) -> list[Finding]:
    findings, _ = run_py(src.encode())
    return [f for f in findings if f.category == "obfuscated-data"]


@pytest.mark.parametrize(
    ("src", "line", "decoded"),
    [
        (
            'X = [bytes.fromhex(h).decode() for h in ("41736961", "4575726f7065")]\n',
            1,
            ("Asia", "Europe"),
        ),
        (
            'import codecs\nX = tuple(codecs.decode(s, "rot13") for s in (".onvqh.pbz", ".wq.pbz"))\n',
            2,
            (".baidu.com", ".jd.com"),
        ),
        (
            "import base64, json\n"
            f'X = json.loads(base64.b64decode("{base64.b64encode(b"""{"zones": ["Asia/Dhaka"]}""").decode()}"))\n',
            2,
            ("zones", "Asia/Dhaka"),
        ),
        (
            "import base64\nK = 23\n\ndef reveal():\n"
            '    raw = base64.b64decode("dmRuZg==")\n'
            "    return bytes(b ^ K for b in raw).decode()\n",
            6,
            ("asyq",),
        ),
    ],
)
def test_decoded_where_hidden(
    src: str, line: int, decoded: tuple[str, ...], run_py: RunDetectors
) -> None:
    (found,) = _hidden(run_py, src)
    assert (found.rule, found.location.line, found.decoded) == ("py-obfuscated-data", line, decoded)


SVG = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="7"/></svg>').decode()
TABLE = base64.b64encode(zlib.compress(" ".join(f"w{i:04d}" for i in range(900)).encode())).decode()


@pytest.mark.parametrize(
    "src",
    [
        f'import base64\nICON = base64.b64decode("{SVG}")\n',
        f'import base64, zlib\nWORDS = zlib.decompress(base64.b64decode("{TABLE}")).split()\n',
        'ALPHABET = b"0123456789abcdef"\nCHARS = [bytes((i,)) for i in ALPHABET]\n',
        'import base64\nDATA = base64.b64decode("iVBORw0KGgo=")\n',
        "def load(blob):\n    import base64\n    return base64.b64decode(blob)\n",
    ],
)
def test_not_hidden_data(src: str, run_py: RunDetectors) -> None:
    assert _hidden(run_py, src) == []


def _packed(table: object) -> str:
    import json

    return base64.b64encode(zlib.compress(json.dumps(table).encode())).decode()


def test_a_compressed_time_zone_table_is_reference_data_but_a_few_hidden_zones_are_not(
    run_py: RunDetectors,
) -> None:
    zones = {
        "Europe/London": ["GMT", 0], "Europe/Berlin": ["CET", 60], "Europe/Moscow": ["MSK", 180],
        "Asia/Kolkata": ["IST", 330], "Asia/Tokyo": ["JST", 540], "America/New_York": ["EST", -300],
        "Australia/Sydney": ["AEST", 600], "America/Sao_Paulo": ["BRT", -180],
    }  # fmt: skip
    table = (
        "import base64, json, zlib\n"
        f"_TZ = {_packed(zones)!r}\n"
        "def abbreviation(zone):\n"
        "    entry = json.loads(zlib.decompress(base64.b64decode(_TZ))).get(zone)\n"
        "    return entry[0] if entry else zone\n"
    )
    assert _hidden(run_py, table) == []
    few = (
        "import base64, json, zlib\n"
        f"_Z = {_packed(['Asia/Shanghai', 'Asia/Urumqi'])!r}\n"
        "def zones():\n"
        "    return json.loads(zlib.decompress(base64.b64decode(_Z)))\n"  # line 4
    )
    (found,) = _hidden(run_py, few)
    assert found.rule == "py-obfuscated-data" and found.location.line == 4
    assert found.decoded == ("Asia/Shanghai", "Asia/Urumqi")
