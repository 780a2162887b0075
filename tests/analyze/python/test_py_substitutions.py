"""Watermark building blocks: look-alike substitutions only when they introduce look-alikes and a
signal (or a server's flag) decides them; invisible characters added under such a condition;
data written as invisible code points whatever decides it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]
CN = "import os\ndef cn():\n    return os.environ.get('LANG', '').startswith('zh_CN')\n\n"


def _marks(run_py: RunDetectors, src: str) -> list[Finding]:
    findings, _ = run_py(src.encode())
    return [f for f in findings if f.category == "watermark"]


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (
            "def f(t):\n    if cn():\n        t = t.replace(\"'\", '\\u2019')\n    return f'> {t}'\n",
            "U+2019 ’",
        ),
        (
            "import re\ndef f(t):\n    if cn():\n        t = re.sub(\"[-]\", '\\u2011', t)\n"
            "    return f'> {t}'\n",
            "U+2011 ‑",
        ),
        (
            "T = str.maketrans('aeo', '\\u0430\\u0435\\u043e')\n"
            "def f(t):\n    out = t.translate(T) if cn() else t\n    return f'> {out}'\n",
            "U+0430 а",
        ),
        (
            "M = {'a': '\\u0430', 'o': '\\u043e'}\ndef f(t):\n    if cn():\n"
            "        t = ''.join(M.get(c, c) for c in t)\n    return f'> {t}'\n",
            "U+043E о",
        ),
        (
            "def f(t):\n    if cn():\n        t = '\\u2066' + t + '\\u2069'\n    return f'> {t}'\n",
            "U+2066 LEFT-TO-RIGHT ISOLATE U+2069 POP DIRECTIONAL ISOLATE",
        ),
        (
            "Z = ('\\u200b', '\\u200c')\ndef f(t, bits):\n"
            "    return t + ''.join(Z[int(b)] for b in bits)\n",
            "U+200B ZERO WIDTH SPACE",
        ),
    ],
)
def test_marks(body: str, value: str, run_py: RunDetectors) -> None:
    (mark,) = _marks(run_py, CN + body)
    assert mark.rule == "py-watermark"
    assert value in mark.values


def test_tag_characters_carry_the_identity(run_py: RunDetectors) -> None:
    src = (
        "import getpass\ndef stamp(text):\n"
        "    tag = ''.join(chr(0xE0000 + ord(c)) for c in getpass.getuser())\n"
        "    return f'{text}{tag}'\n"
    )
    findings, _ = run_py(src.encode())
    by_category = {f.category: f for f in findings}
    assert by_category["watermark"].location.line == 4
    assert by_category["watermark"].signals == ("username",)
    assert by_category["fingerprint"].location.line == 3


@pytest.mark.parametrize(
    "body",
    [
        # a setting of the user's, not a signal
        "def f(t, smart):\n    if smart:\n        t = t.replace(\"'\", '\\u2019')\n    return f'> {t}'\n",
        # look-alikes normalised to ASCII (the reverse direction)
        "def f(t):\n    if cn():\n        t = t.replace('\\u2019', \"'\")\n    return f'> {t}'\n",
        "N = str.maketrans({'\\u2018': \"'\", '\\u2019': \"'\"})\n"
        "def f(t):\n    return f'> {t.translate(N)}'\n",
        # a zero-width space breaking @mentions, asked for by the caller
        "def f(t, escape):\n    if escape:\n        t = t.replace('@', '@\\u200b')\n    return t\n",
        # curly quotes in constant text
        "def f():\n    return 'Don\\u2019t panic \\u2014 it\\u2019s fine.'\n",
    ],
)
def test_no_mark(body: str, run_py: RunDetectors) -> None:
    assert _marks(run_py, CN + body) == []
