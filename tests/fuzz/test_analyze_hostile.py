"""Pathological sources through every detector: each run ends with a result, in bounded time and memory.

Each case is analysed by ``analyze_worker.py`` in a child process under a data-size limit
and a wall-clock timeout, so that a hang, a memory blow-up or a crash in C code (tree-sitter,
the V8 isolate) shows up as a failed test rather than a stuck or killed CI run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("analyze_worker.py")
#: Data segment of the worker and its children (not RLIMIT_AS: V8 reserves address space it
#: never touches and aborts when it cannot).
MAX_DATA = 4 << 30
#: Peak resident memory allowed for one pathological file (Claude Code's 18 MB: 921 MiB).
MAX_RSS_MIB = 2048
TIMEOUT_S = 60


def _nested(open_: str, close: str, inner: str = "1", depth: int = 100_000) -> bytes:
    return (open_ * depth + inner + close * depth).encode()


JS_DECODER_LOOP = b"""
const KEY = 23;
function unhide(s) {
  while (true) {}
  return atob(s).split("").map((c) => String.fromCharCode(c.charCodeAt(0) ^ KEY)).join("");
}
module.exports = unhide("dXt4dHxyczlyb3Z6Z3tyO3hjf3JlOWNyZGM7Z3ZlY3lyZTlyb3Z6Z3ty");
"""
JS_DECODER_HUGE = b"""
const KEY = 23;
function unhide(s) {
  let r = atob(s);
  while (true) { r = r + r; }
  return r.split("").map((c) => String.fromCharCode(c.charCodeAt(0) ^ KEY)).join("");
}
module.exports = unhide("dXt4dHxyczlyb3Z6Z3tyO3hjf3JlOWNyZGM7Z3ZlY3lyZTlyb3Z6Z3ty");
"""
PY_DECODER_HUGE = b"""
import base64, os
def decode(s):
    return base64.b64decode(s).decode() * 10**12
HOSTS = [decode("ZGVlcHNlZWsuY29t")]
if os.environ.get("ANTHROPIC_BASE_URL", "") in HOSTS:
    MARK = "\\u2019"
"""

CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "js-100k-nested-parens": ("javascript", lambda: b"x = " + _nested("(", ")")),
    "js-100k-nested-braces": ("javascript", lambda: _nested("{", "}", "")),
    "js-100k-nested-arrays": ("javascript", lambda: b"x = " + _nested("[", "]")),
    "js-100k-nested-calls": ("javascript", lambda: b"x = " + b"f(" * 100_000 + b")" * 100_000),
    "js-100k-nested-functions": (
        "javascript",
        lambda: b"function a(){" * 50_000 + b"}" * 50_000,
    ),
    "js-long-binary-chain": ("javascript", lambda: b"x = 1" + b" + 1" * 300_000 + b";"),
    "js-50mb-string-literal": (
        "javascript",
        lambda: b'var s = "' + b"A" * (50 << 20) + b'"; if (s === process.env.TZ) {}',
    ),
    # eval makes the module need a tree (the literal prefilter parses nothing else), so the
    # parser does meet the garbage
    "js-millions-of-error-nodes": ("javascript", lambda: b"eval(x);" + b"@#)(" * 1_000_000),
    "js-garbage-without-needs": ("javascript", lambda: b"@#)(" * 1_000_000),
    "js-invalid-utf8-and-nul": (
        "javascript",
        lambda: (
            b"var a = '\xff\xfe\x80';\x00\x00 if (Intl.DateTimeFormat().resolvedOptions()"
            b".timeZone === 'Asia/Shanghai\x00\xc3') {}\n" * 2000
        ),
    ),
    "js-decoder-while-true": ("javascript", lambda: JS_DECODER_LOOP),
    "js-decoder-huge-string": ("javascript", lambda: JS_DECODER_HUGE),
    "ts-100k-nested-generics": (
        "typescript",
        lambda: b"let x: " + b"A<" * 100_000 + b"B" + b">" * 100_000 + b";",
    ),
    "py-100k-nested-parens": ("python", lambda: b"x = " + _nested("(", ")")),
    "py-100k-unary-minus": ("python", lambda: b"x = " + b"-" * 100_000 + b"1\n"),
    "py-100k-not": ("python", lambda: b"x = " + b"not " * 100_000 + b"y\n"),
    "py-long-binary-chain": ("python", lambda: b"x = 1" + b" + 1" * 300_000 + b"\n"),
    "py-long-attribute-chain": ("python", lambda: b"x = a" + b".b" * 200_000 + b"\n"),
    "py-deep-lambda": ("python", lambda: b"f = " + b"lambda: " * 50_000 + b"1\n"),
    "py-deep-blocks": (
        "python",
        lambda: b"".join(b" " * i + b"if x:\n" for i in range(90)) + b" " * 90 + b"pass\n",
    ),
    "py-5mb-of-assignments": ("python", lambda: b"x = [1, 2, 3]\n" * 360_000),
    "py-invalid-utf8-and-nul": ("python", lambda: b"x = '\xff\xfe'\x00\nimport os\n" * 5000),
    "py-decoder-huge-repeat": ("python", lambda: PY_DECODER_HUGE),
    "strings-50mb-one-line": ("strings", lambda: b"https://" + b"a" * (50 << 20) + b".com\n"),
    "strings-450k-urls": (
        "strings",
        lambda: b"".join(b"0x%x\thttps://h%d.example.com/x\n" % (i, i) for i in range(450_000)),
    ),
}

#: Cases that must leave a particular notice (so the hostile part was really reached).
EXPECTED_NOTICE = {
    "js-millions-of-error-nodes": "parse-too-costly",
    "strings-450k-urls": "facts-truncated",
    "js-decoder-while-true": "decoder-failed",
    "js-decoder-huge-string": "decoder-failed",
    "py-100k-unary-minus": "parse-error",
    "py-100k-not": "parse-error",
    "py-deep-lambda": "parse-error",
    "py-invalid-utf8-and-nul": "parse-error",
    "py-5mb-of-assignments": "parse-error",
}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (MAX_DATA, MAX_DATA))


@pytest.mark.parametrize("name", sorted(CASES))
def test_pathological_source_ends_with_a_result(tmp_path: Path, name: str) -> None:
    kind, make = CASES[name]
    path = tmp_path / f"hostile.{ {'python': 'py', 'typescript': 'ts'}.get(kind, 'js') }"
    path.write_bytes(make())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, str(WORKER), str(path), kind],
        capture_output=True,
        timeout=TIMEOUT_S,
        preexec_fn=_limit,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    result = json.loads(done.stdout)
    print(name, f"{result['seconds']:.1f}s", f"{result['maxrss_mib']:.0f} MiB", result["notices"])
    assert result["maxrss_mib"] < MAX_RSS_MIB, result
    crashes = [n for n in result["notices"] if n[0] == "detector-error"]
    assert not crashes, crashes
    if name in EXPECTED_NOTICE:
        assert EXPECTED_NOTICE[name] in {n[0] for n in result["notices"]}, result
