"""Whole deobfuscation of obfuscator output: strings decoded, wrappers folded, control flow straight.

``fixtures/agent.{A,B,C}.js`` are ``fixtures/agent.js`` through javascript-obfuscator 5.8.0 with
the detection benchmark's three presets (each file's first line gives the flags);
``fixtures/handwritten.js`` has the same ideas in shapes that tool does not produce.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentxray.analyze.js.deobfuscate.deobfuscator import (
    Budget,
    DeobfuscationFailed,
    deobfuscate,
)
from agentxray.analyze.js.deobfuscate.detect import looks_obfuscated
from agentxray.analyze.js.deobfuscate.isolate import evaluate
from agentxray.analyze.js.deobfuscate.syntax import parse

FIXTURES = Path(__file__).parent / "fixtures"
OBFUSCATED = ["agent.A.js", "agent.B.js", "agent.C.js", "handwritten.js"]
PRESETS = ["agent.A.js", "agent.B.js", "agent.C.js"]
# Strings the plain agent.js has as literals, which every obfuscated copy hides.
HIDDEN = [
    "Asia/Shanghai",
    "Asia/Urumqi",
    "small-model",
    "telemetry.example.net",
    "/v2/collect",
    "resolvedOptions",
    "timeZone",
]


@pytest.mark.parametrize("name", PRESETS)
def test_every_hidden_string_is_back(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    assert not any(s.encode() in data for s in HIDDEN)
    result = deobfuscate(data)
    assert result is not None and not result.problems
    out = result.data.decode()
    for s in HIDDEN:
        assert f"'{s}'" in out or f".{s}" in out, s
    assert result.arrays == 1 and result.strings > 30
    assert not parse(result.data, False).root_node.has_error


@pytest.mark.parametrize("name", PRESETS)
def test_the_mechanism_is_removed(name: str) -> None:
    result = deobfuscate((FIXTURES / name).read_bytes())
    assert result is not None
    out = result.data.decode()
    # no string array, decoder, rotation loop or wrapper is left; no call with a literal index
    assert "parseInt" not in out and "shift()" not in out
    assert "decodeURIComponent" not in out
    assert not re.search(r"\b[\w$]+\((?:-?0x[0-9a-f]+|'[^']*'),\s*'", out)


def test_the_plain_statements_are_back_in_order() -> None:
    result = deobfuscate((FIXTURES / "agent.B.js").read_bytes())
    assert result is not None
    out = result.data.decode()
    assert result.dispatchers == 3
    assert "switch" not in out and "split('|')" not in out
    # the comparison proxies are inlined, without the parentheses they would leave
    assert "if (_0x" in out and "==='Asia/Shanghai'||" in out
    settings = out[out.index("function settings") :]
    order = ["currentZone()", "8192", "'full'", "'Asia/Urumqi'", "isPartner()", "report("]
    assert [settings.index(s) for s in order] == sorted(settings.index(s) for s in order)


def test_wrappers_and_split_strings_fold_to_literals() -> None:
    result = deobfuscate((FIXTURES / "agent.C.js").read_bytes())
    assert result is not None
    out = result.data.decode()
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in out
    assert "hostname: 'telemetry.example.net'" in out  # object keys transformed back
    assert "\\x" not in out


def test_another_shape_of_the_same_ideas() -> None:
    result = deobfuscate((FIXTURES / "handwritten.js").read_bytes())
    assert result is not None
    out = result.data.decode()
    assert result.strings == 8 and result.dispatchers == 1
    assert "current === 'Asia/Shanghai' || current === 'Asia/Urumqi'" in out
    assert "fetch('https://telemetry.example.net/v2/collect', { method: 'POST'" in out
    assert "_s" not in out and "switch" not in out and "kLm" not in out
    assert "var limit = 8192;" in out


# Runs agent.js (or a copy) in the capability-free isolate with stand-ins for require, process,
# console and the time zone, and records what it does.
HARNESS = """
var calls = [];
var module = {exports: {}};
var process = {env: {EXAMPLE_BASE_URL: 'https://api.mirror.example.org/v1'}};
var console = {log: function () { calls.push(Array.prototype.join.call(arguments, ' ')); }};
var require = function () {
  return {request: function (o) {
    calls.push(JSON.stringify(o));
    return {write: function (b) { calls.push(b); }, end: function () { calls.push('end'); }};
  }};
};
var URL = function (u) { this.hostname = u.split('/')[2]; };
Intl.DateTimeFormat = function () {
  return {resolvedOptions: function () { return {timeZone: 'Asia/Urumqi'}; }};
};
(function (module, require, process, console, URL) {
%s
})(module, require, process, console, URL);
var result = module.exports.settings('large-model');
calls.push(JSON.stringify(result), module.exports.describe(result));
return calls;
"""


def behaviour(code: bytes) -> object:
    outcome = evaluate([("run", HARNESS % code.decode())], timeout_s=5.0)["run"]
    assert outcome.error is None, outcome.error
    return outcome.value


@pytest.mark.parametrize("name", PRESETS)
def test_the_deobfuscated_code_does_what_the_plain_code_does(name: str) -> None:
    plain = behaviour((FIXTURES / "agent.js").read_bytes())
    assert "small-model" in str(plain) and "telemetry.example.net" in str(plain)
    result = deobfuscate((FIXTURES / name).read_bytes())
    assert result is not None
    assert behaviour(result.data) == plain


def test_every_offset_maps_into_the_original() -> None:
    data = (FIXTURES / "agent.C.js").read_bytes()
    result = deobfuscate(data)
    assert result is not None
    at = result.data.index(b"function settings")
    assert result.positions.to_original(at) == data.index(b"function settings")
    assert all(0 <= result.positions.to_original(i) <= len(data) for i in range(len(result.data)))


@pytest.mark.parametrize(
    "path",
    sorted((FIXTURES.parent.parent / "fixtures" / "benign").iterdir()),
    ids=lambda p: p.name,
)
def test_plain_files_are_not_touched(path: Path) -> None:
    assert deobfuscate(path.read_bytes(), typescript=path.suffix == ".ts") is None


def test_the_fixtures_source_reveals_only_its_hidden_list() -> None:
    # agent.js is plain code, but its partner list is base64 + XOR behind ``reveal(PARTNERS)``:
    # the hand-decoder path reads that (and nothing else) before any obfuscator ran.
    result = deobfuscate((FIXTURES / "agent.js").read_bytes())
    assert result is not None
    (found,) = result.hidden
    assert found.values == ("partner.example", "mirror.example.org", "relay.test")


def test_prefilter_needs_the_machinery_not_just_arrays() -> None:
    assert not looks_obfuscated(b"const a = ['x', 'y']; function f(i) { return a[i]; }")
    assert looks_obfuscated((FIXTURES / "agent.C.js").read_bytes())
    assert looks_obfuscated((FIXTURES / "handwritten.js").read_bytes())


def test_a_queue_rotation_alone_is_not_obfuscation() -> None:
    data = b"function spin(q) { q['push'](q['shift']()); return q; }"
    assert looks_obfuscated(data) and deobfuscate(data) is None


def test_a_decoder_that_never_returns_fails_cleanly() -> None:
    hostile = (
        b"function a(){var s=['x','y'];a=function(){return s;};return a();}"
        b"function d(i){var s=a();while(true){}return s[i];}"
        b"console.log(d(0));"
    )
    with pytest.raises(DeobfuscationFailed, match="failed"):
        deobfuscate(hostile)


def test_input_over_budget_is_refused() -> None:
    data = (FIXTURES / "agent.A.js").read_bytes()
    with pytest.raises(DeobfuscationFailed, match="bytes"):
        deobfuscate(data, budget=Budget(max_input_bytes=1000))
