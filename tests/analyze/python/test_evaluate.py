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


GZ = "H4sIABwpFmsC/4tWSizI1CtKzUms1M3PS9VLrUjMLchJVdJBEi8pz4eLxwIASAvE5zEAAAA="
ROT_TABLE = (
    "import string\nL, U = string.ascii_lowercase, string.ascii_uppercase\n"
    "T = str.maketrans(L + U, L[13:] + L[:13] + U[13:] + U[:13])\n"
)


@pytest.mark.parametrize(
    ("src", "value", "methods"),
    [
        ("X = -8 * 3600", -28800, []),
        ('import base64\nX = base64.b32decode("IFZWSYI=").decode()', "Asia", ["base32"]),
        ('import base64\nX = base64.a85decode("6$$aK").decode()', "Asia", ["ascii85"]),
        (
            f'import base64, gzip, json\nX = json.loads(gzip.decompress(base64.b64decode("{GZ}")))',
            ["api.relay-one.example", "api.relay-two.example"],
            ["base64", "gzip"],
        ),
        (
            'K = b"k3y"\nD = bytes([42, 64, 16, 10, 28, 52])\n'
            "X = bytes(c ^ K[i % len(K)] for i, c in enumerate(D)).decode()",
            "Asia/M",
            ["character codes", "XOR"],
        ),
        (ROT_TABLE + 'X = "Nfvn/Gbxlb".translate(T)', "Asia/Tokyo", ["character substitution"]),
        (
            "class K:\n    KEY = 7\n\n    @staticmethod\n    def d(s):\n"
            '        return "".join(chr(ord(c) ^ K.KEY) for c in s)\n\n'
            'X = K.d("Ftnf")',
            "Asia",
            ["XOR", "character codes", "decoder d()"],
        ),
        ('_d = lambda s: s[::-1]\nX = _d("aisA")', "Asia", ["reversed"]),
        ('X = "{}/{}".format("Asia", "Tehran")', "Asia/Tehran", []),
        ('X = "%s/%s" % ("Asia", "Tehran")', "Asia/Tehran", []),
        ('X = {"a": 1, **{"b": 2}}["b"]', 2, []),
        ('X = {k: v for k, v in [("a", 1)] if v}', {"a": 1}, []),
        ('import codecs\nX = codecs.decode(b"41736961", "hex").decode()', "Asia", ["hex"]),
        ('import codecs\nX = codecs.decode("\\\\u0041sia", "unicode_escape")', "Asia", ["escapes"]),
        ("import functools, operator\nX = functools.reduce(operator.xor, [1, 2, 4])", 7, ["XOR"]),
        ('X = bytes(map(lambda c: c ^ 5, b"Dvld")).decode()', "Asia", ["XOR"]),
        (
            "def d(s):\n    out, i = '', 0\n    while i < len(s):\n"
            "        out += chr(int(s[i:i + 2], 16))\n        i += 2\n    return out\n"
            'X = d("41736961")',
            "Asia",
            ["hex digits", "character codes", "decoder d()"],
        ),
        ('from base64 import b64decode as b\nX = b("QXNpYQ==").decode()', "Asia", ["base64"]),
        ("import ast\nX = ast.literal_eval(\"('a', [1, 2])\")", ["a", [1, 2]], []),
    ],
)
def test_decodes_more_idioms(src: str, value: object, methods: list[str]) -> None:
    assert evaluate(src) == (value, methods)


def test_raw_deflate_with_negative_wbits() -> None:
    import base64
    import zlib

    blob = base64.b64encode(zlib.compress(b"hidden.example")[2:-4]).decode()
    src = f'import zlib, base64\nX = zlib.decompress(base64.b64decode("{blob}"), -15).decode()'
    assert evaluate(src) == ("hidden.example", ["base64", "zlib"])


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
        'X = "%999999999s" % "a"',
        'X = "{:>999999999}".format("a")',
        'X = f"{1:>999999999}"',
        'X = "a".center(10 ** 9)',
        'X = ("a" * 1000).replace("a", "b" * 100000)',
        "X = 10 ** 10 ** 10",
        "X = 7 ** 100000",
        'import pickle\nX = pickle.loads(b"")',
        "import ast\nX = ast.literal_eval(\"__import__('os')\")",
        "def f():\n    while True:\n        pass\nX = f()",
        "def f():\n    out = [1]\n    while True:\n        out.extend(out)\nX = f()",
        'class K:\n    def d(self):\n        import os\n        return os.system("true")\nX = K().d()',
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
