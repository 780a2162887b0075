"""The decoder isolate: no capabilities, time and memory limits, failures as results."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.analyze.js.deobfuscate.isolate import Outcome, evaluate


def test_isolate_has_no_node_capabilities() -> None:
    out = evaluate(
        [
            ("caps", "return [typeof require, typeof process, typeof fetch, typeof setTimeout];"),
            ("shims", 'return [atob("aGk="), Buffer.from("6869", "hex").toString(), btoa("hi")];'),
        ]
    )
    assert out["caps"].value == ["undefined", "undefined", "undefined", "undefined"]
    assert out["shims"].value == ["hi", "hi", "aGk="]


def test_endless_loop_and_memory_bomb_become_errors() -> None:
    out = evaluate(
        [
            ("loop", "while (true) {}"),
            ("bomb", "var a = []; while (true) a.push(new Array(1e6).fill(1));"),
            ("throws", "throw new Error('no');"),
            ("after", "return 42;"),
        ],
        timeout_s=0.5,
    )
    assert out["loop"].error is not None and "timeout" in out["loop"].error.lower()
    assert out["bomb"].error is not None
    assert out["throws"].error is not None and "no" in out["throws"].error
    assert out["after"].value == 42


def test_errors_are_one_line_without_the_v8_stack() -> None:
    # Found by tests/fuzz: V8 appends the source line, a caret and the stack to the message.
    out = evaluate([("grow", "var r = 'ab'; while (true) { r = r + r; }")], timeout_s=2.0)
    error = out["grow"].error
    assert error is not None and "\n" not in error
    assert "RangeError: Invalid string length" in error


def test_modules_in_the_working_directory_do_not_reach_the_isolate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bisect.py beside the caller (python -m puts its folder first on sys.path) once
    # shadowed the standard library in the child: every decode failed, silently.
    (tmp_path / "bisect.py").write_text("raise SystemExit('shadowed')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert evaluate([("a", "return [1, 2].map(function (x) { return x * 2; });")]) == {
        "a": Outcome(value=[2, 4])
    }


def test_limits_are_cpu_time_so_a_busy_machine_decodes_the_same() -> None:
    # A job that waits 1.5 s of wall time on 0.5 s of CPU limit finishes: the limit is CPU time
    # (V8 itself only stops by wall time, which a loaded machine stretches); one that spins is
    # stopped, and says how much CPU time it had.
    wait = "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500); return 'woke';"
    out = evaluate([("wait", wait), ("spin", "for (;;) {}")], timeout_s=0.5)
    assert out["wait"].value == "woke"
    error = out["spin"].error
    assert error is not None and error.startswith("TimeoutError: stopped after")
    assert error.endswith("s of CPU time")
