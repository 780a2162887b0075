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
