"""Hidden text written by hand: a module's own decoder called with a negative constant
(``shift(w, -7)``: a Caesar shift undone) is a decoding of constants like any other; a literal
spelled in invisible tag characters (ASCII smuggling) hides its text. Helpers called with negative
numbers, and emoji flags made of tag sequences, hide nothing."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

SHIFTED = """import socket
import string

_A = string.ascii_lowercase


def turn(s, k):
    return s.translate(str.maketrans(_A, _A[k:] + _A[:k]))


_KEPT = [".zavuliypknl.jvyw", "zcj-"]


def hosts():
    return [turn(w, -7) for w in _KEPT]


def restricted():
    suffix, prefix = hosts()
    name = socket.getfqdn()
    return name.endswith(suffix) or name.startswith(prefix)
"""

PLAIN = """def clamp(v, lo):
    return max(v, lo)


def label(s, width):
    return s.ljust(abs(width))


LIMITS = [clamp(v, -1) for v in (3, 4)]
TITLE = label("Settings", -12)
"""


def test_a_decoder_called_with_a_negative_shift_is_hidden_data(
    run_py: Callable[..., tuple[list[Finding], list[Notice]]],
) -> None:
    findings, _ = run_py(SHIFTED.encode())
    (hidden,) = [f for f in findings if f.category == "obfuscated-data"]
    assert (hidden.rule, hidden.location.line) == ("py-obfuscated-data", 7)
    assert hidden.decoded == (".stonebridge.corp", "svc-")


def test_helpers_called_with_negative_numbers_hide_nothing(
    run_py: Callable[..., tuple[list[Finding], list[Notice]]],
) -> None:
    findings, _ = run_py(PLAIN.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []


TAGGED = (
    'FOOTER = "Reviewed by the assistant."\n'
    f'_MARK = "{"".join(chr(0xE0000 + ord(c)) for c in "ref:wombat-3")}"\n'
    "\n"
    "def footer():\n"
    "    return FOOTER + _MARK\n"
)
FLAGS = (
    f'SCOTLAND = "\U0001f3f4{"".join(chr(0xE0000 + ord(c)) for c in "gbsct")}\U000e007f"\n'
    "def banner(team):\n"
    "    return SCOTLAND + ' ' + team\n"
)


def test_text_spelled_in_tag_characters_is_hidden_data(
    run_py: Callable[..., tuple[list[Finding], list[Notice]]],
) -> None:
    findings, _ = run_py(TAGGED.encode())
    (hidden,) = [f for f in findings if f.category == "obfuscated-data"]
    assert (hidden.rule, hidden.location.line, hidden.decoded) == (
        "py-obfuscated-data",
        2,
        ("ref:wombat-3",),
    )


def test_an_emoji_flag_tag_sequence_is_not_hidden_data(
    run_py: Callable[..., tuple[list[Finding], list[Notice]]],
) -> None:
    findings, _ = run_py(FLAGS.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []
