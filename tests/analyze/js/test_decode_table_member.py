"""A decoder called with a member of a constant table (``unwrap(POLICY.list)``) is evaluated in the
isolate like one called with a literal: a recursive arrow with a depth default, nested base64. A
base64 font in a table of assets, read by a loader, is not hidden data."""

from __future__ import annotations

import base64
from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _twice(text: str) -> str:
    return base64.b64encode(base64.b64encode(text.encode())).decode()


def test_decode_recursive_arrow_over_a_table_member(run_all: RunDetectors) -> None:
    # js-obfuscated-data: two base64 layers peeled by a recursive arrow; the argument is a
    # property of a constant object, not a literal.
    src = (
        "const peel = (s, n = 2) => (n ? peel(Buffer.from(s, 'base64').toString('utf8'), n - 1) : s);\n"
        f"const SETTINGS = {{ list: '{_twice('meridian-labs.dev,northpeak.io')}', mode: 'std' }};\n"
        "export function blocked(domain) {\n"
        "  return peel(SETTINGS.list).split(',').some((d) => domain.endsWith(d));\n"
        "}\n"
    )
    findings, _ = run_all(src.encode())
    hidden = [f for f in findings if f.category == "obfuscated-data"]
    (finding,) = hidden
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 1  # the decoder
    assert set(finding.decoded) >= {"meridian-labs.dev", "northpeak.io"}


def test_decode_font_in_an_asset_table_is_silent(run_all: RunDetectors) -> None:
    # ok: a data URI of a font kept in an object and handed to the browser as is.
    font = base64.b64encode(bytes(range(256)) * 2).decode()
    src = (
        f"const ASSETS = {{ font: 'data:font/woff2;base64,{font}' }};\n"
        "const load = (uri) => new FontFace('Inter', `url(${uri})`).load();\n"
        "export const ready = load(ASSETS.font);\n"
        "export const raw = (k) => atob(ASSETS[k].split(',')[1]);\n"
    )
    findings, _ = run_all(src.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []
