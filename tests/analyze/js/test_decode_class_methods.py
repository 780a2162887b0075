"""Decoders written as static methods of a class (``Codec.open(h)``), called directly or from a
callback over a literal list: the class is defined in the isolate and the call evaluated there."""

from __future__ import annotations

import base64
from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _hex_b64(text: str) -> str:
    return base64.b64encode(text.encode()).hex()


def test_decode_static_methods_over_a_list_of_hex_wrapped_base64(run_all: RunDetectors) -> None:
    # js-obfuscated-data: base64 inside hex inside a list, undone by two static methods.
    src = (
        "class Wire {\n"
        "  static unhex(h) { return h.match(/../g).map((x) => String.fromCharCode(parseInt(x, 16))).join(''); }\n"
        "  static open(h) { return atob(Wire.unhex(h)); }\n"  # line 3
        "}\n"
        f"const PEERS = ['{_hex_b64('mesh.quillmoor.net')}', '{_hex_b64('edge.saltgrass.io')}']"
        ".map((h) => Wire.open(h));\n"
        "export const known = (host) => PEERS.includes(host);\n"
    )
    findings, _ = run_all(src.encode())
    (finding,) = [f for f in findings if f.category == "obfuscated-data"]
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line in (2, 3)  # a decoding method of the class
    assert set(finding.decoded) == {"mesh.quillmoor.net", "edge.saltgrass.io"}


def test_decode_static_method_on_user_input_is_silent(run_all: RunDetectors) -> None:
    # ok: a key-label helper applied to the key the user pressed: nothing literal is decoded.
    src = (
        "class Keys {\n"
        "  static label(code) { return String.fromCharCode(code).toUpperCase(); }\n"
        "}\n"
        "document.addEventListener('keydown', (e) => { status.textContent = Keys.label(e.keyCode); });\n"
    )
    findings, _ = run_all(src.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []
