"""Decoders found by what they do when their input arrives through parameters: tables of decoder
functions (``DECODERS[kind](blob)``), decoders evaluated over the keys of the table they index or
the literal arguments their callers pass, lambdas and methods held as values, and split results
that keep the whole decoded text. Look-alikes that decode what the user passes stay silent."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from itertools import cycle

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _hidden(run_py: RunDetectors, src: str) -> list[Finding]:
    findings, _ = run_py(src.encode())
    return [f for f in findings if f.category == "obfuscated-data"]


def _b32(s: str) -> str:
    return base64.b32encode(s.encode()).decode()


def _b85(s: str) -> str:
    return base64.b85encode(s.encode()).decode()


def test_decode_table_of_decoder_functions_over_the_keys_it_is_indexed_by(
    run_py: RunDetectors,
) -> None:
    # py-obfuscated-data: each path is stored with the name of its decoder; the decoding happens
    # in a function whose only input is a key of the table (never a literal call).
    src = (
        "import base64\n"
        "from pathlib import Path\n"
        "_PATHS = {\n"
        f'    "n": ("b32", "{_b32(".netrc")}"),\n'
        f'    "p": ("b85", "{_b85(".pypirc")}"),\n'
        f'    "g": ("b32", "{_b32(".config/gh/hosts.yml")}"),\n'
        "}\n"
        "_CODECS = {'b32': base64.b32decode, 'b85': base64.b85decode}\n"
        "\n"
        "def where(tag):\n"
        "    kind, blob = _PATHS[tag]\n"
        "    return Path.home() / _CODECS[kind](blob).decode()\n"
        "\n"
        "def present(tags):\n"
        "    return [t for t in tags if where(t).exists()]\n"
    )
    (finding,) = _hidden(run_py, src)
    assert finding.rule == "py-obfuscated-data"
    assert finding.location.line == 10  # def where(tag)
    assert set(finding.decoded) == {".netrc", ".pypirc", ".config/gh/hosts.yml"}
    assert "base32" in finding.title and "base85" in finding.title


def test_decode_lambda_held_in_a_table(run_py: RunDetectors) -> None:
    # py-obfuscated-data: the decoder is a lambda stored in a dict and called through it.
    hidden = "".join(chr(ord(c) + 3) for c in "beacon.driftmoor.org")
    src = (
        "STEPS = {'shift': lambda s: ''.join(chr(ord(c) - 3) for c in s)}\n"
        f"HOST = STEPS['shift']({hidden!r})\n"
    )
    (finding,) = _hidden(run_py, src)
    assert finding.location.line == 2
    assert finding.decoded == ("beacon.driftmoor.org",)


def test_decode_split_result_keeps_the_whole_text(run_py: RunDetectors) -> None:
    # py-obfuscated-data: base64 → zlib → multi-byte XOR in a helper with a key default; the
    # caller splits the result, and the whole decoded URL is reported along with its parts.
    key = bytes((0x21, 0x7E, 0x05))
    packed = zlib.compress(b"relay.orchidfield.net/v2/push")
    blob = base64.b64encode(bytes(b ^ k for b, k in zip(packed, cycle(key), strict=False)))
    src = (
        "import base64, zlib\n"
        "from itertools import cycle\n"
        f"_KEY = bytes({tuple(key)!r})\n"
        f"_BLOB = {blob.decode()!r}\n"
        "\n"
        "def _open(blob, key=_KEY):\n"
        "    raw = base64.b64decode(blob)\n"
        "    return zlib.decompress(bytes(a ^ b for a, b in zip(raw, cycle(key)))).decode()\n"
        "\n"
        "class Sink:\n"
        "    def __init__(self):\n"
        "        self.host, _, self.path = _open(_BLOB).partition('/')\n"
    )
    (finding,) = _hidden(run_py, src)
    assert finding.location.line == 6  # def _open
    assert finding.decoded[0] == "relay.orchidfield.net/v2/push"
    assert "relay.orchidfield.net" in finding.decoded
    assert "XOR" in finding.title and "zlib" in finding.title


def test_decode_method_called_with_literal_arguments(run_py: RunDetectors) -> None:
    # py-obfuscated-data: a static method decoding twice-base64 text, called from another method.
    twice = base64.b64encode(base64.b64encode(b"api.tallowgate.io")).decode()
    src = (
        "import base64\n"
        "class Endpoints:\n"
        "    @staticmethod\n"
        "    def _unwrap(s, depth=2):\n"
        "        for _ in range(depth):\n"
        "            s = base64.b64decode(s).decode()\n"
        "        return s\n"
        "    def host(self):\n"
        f"        return self._unwrap({twice!r})\n"
    )
    (finding,) = _hidden(run_py, src)
    assert "api.tallowgate.io" in finding.decoded
    assert finding.location.line == 4


def test_decode_of_what_callers_pass_at_run_time_is_silent(run_py: RunDetectors) -> None:
    # ok: a codec registry applied to data read from a file: nothing literal is decoded.
    src = (
        "import base64, sys\n"
        "DECODERS = {'b64': base64.b64decode, 'b32': base64.b32decode}\n"
        "def load(kind, blob):\n"
        "    return DECODERS[kind](blob)\n"
        "def main(path):\n"
        "    kind, _, blob = open(path).read().partition(':')\n"
        "    sys.stdout.buffer.write(load(kind, blob))\n"
    )
    assert _hidden(run_py, src) == []


def test_decode_catalog_indexed_by_a_parameter_is_silent(run_py: RunDetectors) -> None:
    # ok: an i18n catalog looked up by a parameter: plain text, no decoder.
    src = (
        "CATALOG = {'en': 'Hello', 'de': 'Hallo', 'fr': 'Bonjour'}\n"
        "def greet(lang):\n"
        "    return CATALOG[lang].upper().split()\n"
    )
    assert _hidden(run_py, src) == []


def test_decode_property_reading_its_own_instance_data(run_py: RunDetectors) -> None:
    # py-obfuscated-data: a property peels base64 in a loop over ``self._packed`` (bound in
    # ``__init__``); py-fingerprint: the committer's e-mail domain is checked against it.
    twice = base64.b64encode(base64.b64encode(b"quartzline.com,emberfold.net")).decode()
    src = (
        "import base64, subprocess\n"
        "class Orgs:\n"
        "    def __init__(self):\n"
        f"        self._packed = {twice!r}\n"
        "    @property\n"
        "    def listed(self):\n"  # line 6
        "        text = self._packed\n"
        "        for _ in range(2):\n"
        "            text = base64.b64decode(text).decode()\n"
        "        return text.split(',')\n"
        "def email():\n"
        "    out = subprocess.run(['git', 'config', 'user.email'], capture_output=True, text=True)\n"
        "    return out.stdout.strip()\n"
        "def limited():\n"
        "    return email().rpartition('@')[2] in Orgs().listed\n"  # line 15
    )
    findings, _ = run_py(src.encode())
    (hidden,) = [f for f in findings if f.category == "obfuscated-data"]
    assert hidden.location.line == 6
    assert set(hidden.decoded) == {"quartzline.com", "emberfold.net"}
    assert "range" not in hidden.title
    (who,) = [f for f in findings if f.category == "fingerprint"]
    assert who.rule == "py-fingerprint" and who.location.line == 15
    assert set(who.decoded) == {"quartzline.com", "emberfold.net"}


def test_decode_property_formatting_plain_text_is_silent(run_py: RunDetectors) -> None:
    # ok: a property that only reverses the order of plain words for display.
    src = (
        "class Crumbs:\n"
        "    def __init__(self):\n"
        "        self.parts = ['home', 'projects', 'settings']\n"
        "    @property\n"
        "    def trail(self):\n"
        "        return ' / '.join(reversed(self.parts))\n"
    )
    assert _hidden(run_py, src) == []
