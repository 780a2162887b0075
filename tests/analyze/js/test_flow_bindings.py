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
