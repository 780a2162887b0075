"""Names followed by binding: a bundle's module wrapper wider than WIDE_SCOPE is the global scope."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.analyze.js.nodes import WIDE_SCOPE
from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def test_wrapper_var_cached_zone_reaches_the_geofence(run_all: RunDetectors) -> None:
    # `var z` of the CommonJS wrapper around a whole bundle is the bundle's global: the zone
    # cached in it by one helper and read through the helper elsewhere is the same variable.
    filler = "function pad%d(){return %d}\n"
    padding = "".join(filler % (i, i) for i in range(WIDE_SCOPE // 25 + 10))
    code = (
        "(function(exports, require, module) {\n"
        "var z;\n"
        "function zone(){if(!z)z=Intl.DateTimeFormat().resolvedOptions().timeZone;return z}\n"
        + padding
        + 'function pick(){let t=zone(),cn=t==="Asia/Shanghai";return cn?"mirror":"main"}\n'
        "module.exports={pick};\n"
        "})"
    )
    assert len(code) > WIDE_SCOPE
    findings, _ = run_all(code.encode())
    geofences = [f for f in findings if f.rule == "js-geofence"]
    assert [f.values for f in geofences] == [("Asia/Shanghai",)]
    assert geofences[0].location.line == code.count("\n", 0, code.index("function pick")) + 1


_MACHINE = """var modA = (() => {
  function t() { return require("fs").readFileSync("/etc/machine-id", "utf8").trim(); }
  function e(x) { if (x === "4c4c4544-0042-3510-8052-b4c04f4b4d32") { return "lab"; } return "user"; }
  return e(t());
})();
"""
_INTRINSICS = """var modB = (() => {
  function e(t) {
    var r;
    if (t === "%AsyncFunction%") r = 1;
    else if (t === "%GeneratorFunction%") r = 2;
    else if (t === "%AsyncGenerator%") r = 3;
    return r;
  }
  return e("%AsyncFunction%");
})();
"""


def test_an_argument_goes_to_the_function_its_call_reaches(run_all: RunDetectors) -> None:
    # Two modules of one bundle both bind `e`: the machine id passed to module A's `e` is not
    # compared with module B's intrinsic names (Claude Code 2.1.212-2.1.227 reported
    # "machine-id matching %AsyncFunction%, …"), whichever comes first in the file.
    for code, line in ((_MACHINE + _INTRINSICS, 3), (_INTRINSICS + _MACHINE, 13)):
        findings, _ = run_all(code.encode())
        got = [(f.rule, f.location.line, f.title) for f in findings if f.category == "fingerprint"]
        assert [(r, ln) for r, ln, _ in got] == [("js-fingerprint", line)], got
        assert "4c4c4544" in got[0][2] and "%AsyncFunction%" not in got[0][2]
