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
    # The limit is CPU time: the message says how much was used, and it is at least the limit
    # (V8 itself only knows wall time, which a loaded machine stretches).
    out = evaluate([("loop", "for (;;) {}"), ("quick", "return 'a'.repeat(3);")], timeout_s=0.3)
    error = out["loop"].error
    assert error is not None and error.startswith("TimeoutError: stopped after")
    assert float(error.split("after ")[1].split(" s")[0]) >= 0.3
    assert "CPU time" in error
    assert out["quick"].value == "aaa"
