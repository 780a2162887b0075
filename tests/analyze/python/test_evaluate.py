"""The pure evaluator: decodes literal data, refuses everything that is not a whitelisted pure
operation (so nothing of the target ever runs), and stays inside its budgets."""

from __future__ import annotations

import ast

import pytest

from agentxray.analyze.python.evaluate import Evaluator, Unsupported
from agentxray.analyze.python.parse import build_index


def evaluate(src: str, name: str = "X") -> tuple[object, list[str]]:
    tree = ast.parse(src)
    ev = Evaluator(build_index(tree))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ev.value(node.value), ev.methods
    raise AssertionError(f"no assignment to {name}")


@pytest.mark.parametrize(
    ("src", "value", "methods"),
    [
        ('import codecs\nX = codecs.decode("uryyb", "rot13")', "hello", ["rot13"]),
        ('X = "".join(map(chr, [104, 105]))', "hi", ["character codes"]),
        ('X = bytes.fromhex("6869").decode()', "hi", ["hex"]),
        ('X = "olleh"[::-1]', "hello", ["reversed"]),
        (
            "import base64\nfrom itertools import cycle\n"
            'X = bytes(a ^ b for a, b in zip(base64.b64decode("AwoKBQ=="), cycle(b"k"))).decode()',
            "haan",
            ["base64", "XOR"],
        ),
        (
            "def d(s, k=1):\n    out = []\n    for c in s:\n        out.append(chr(ord(c) - k))\n"
            '    return "".join(out)\nX = d("ifmmp")',
            "hello",
            ["character codes", "decoder d()"],
        ),
    ],
)
def test_decodes(src: str, value: object, methods: list[str]) -> None:
    assert evaluate(src) == (value, methods)


@pytest.mark.parametrize(
    "src",
    [
        'X = open("/etc/passwd").read()',
        'X = __import__("os").system("true")',
        'X = eval("1 + 1")',
        'import os\nX = os.system("true")',
        'import subprocess\nX = subprocess.check_output(["id"])',
        'X = "a".__class__',
        'X = getattr("a", "upper")()',
        'X = "a" * 10 ** 10',
        'X = "ab" * 100000000',
        "X = list(range(100000000))",
        "def f(n):\n    return f(n)\nX = f(1)",
        "X = Y\nY = X",
    ],
)
def test_refuses_what_is_not_pure_or_bounded(src: str) -> None:
    with pytest.raises(Unsupported):
        evaluate(src)


@pytest.mark.parametrize(
    "src",
    ['X = "é".encode("ascii")', 'X = "a".encode("no-such-codec")', 'X = int("z", 99)', "X = 1 % 0"],
)
def test_errors_of_the_operations_become_unsupported(src: str) -> None:
    with pytest.raises(Unsupported):
        evaluate(src)
