"""The JavaScript obfuscated-data front-end: decoded values become records, and a decoded list
an environment signal is compared with decides behaviour (critical), whatever the category of the
comparison (a region list as well as a host list)."""

from __future__ import annotations

import hashlib

from agentxray.analyze.behaviour.obfuscated import obfuscation_findings
from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js.analysis import analyse
from agentxray.analyze.js.deobfuscate.report import decoded_records
from agentxray.model import FileEntry

RULE = "js-obfuscated-data"

# ruleid: js-obfuscated-data (a hidden zone list compared with the user's timezone)
COMPARED = b"""const ZONES = JSON.parse(atob("WyJBc2lhL1NoYW5naGFpIiwiQXNpYS9VcnVtcWkiXQ=="));
export function pick() {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return ZONES.includes(tz) ? "lite" : "full";
}
"""
# ok: js-obfuscated-data stays medium (the same list decoded and only displayed)
SHOWN = b"""const ZONES = JSON.parse(atob("WyJBc2lhL1NoYW5naGFpIiwiQXNpYS9VcnVtcWkiXQ=="));
export function show() {
  console.log(ZONES.join(", "));
}
"""


def make_unit(data: bytes) -> SourceUnit:
    digest = hashlib.sha256(data).hexdigest()
    return SourceUnit(
        FileEntry(vpath="fixture.js", kind="javascript", size=len(data), sha256=digest), data
    )


def test_a_decoded_list_compared_with_the_timezone_is_critical() -> None:
    a = analyse(make_unit(COMPARED))
    (record,) = decoded_records(a, set())
    assert record.compared and record.values == ("Asia/Shanghai", "Asia/Urumqi")
    (found,) = obfuscation_findings(RULE, decoded_records(a, set()))
    assert (found.rule, found.location.line, found.severity) == (
        "js-obfuscated-data",
        1,
        "critical",
    )


def test_a_decoded_list_only_shown_is_merely_encoded() -> None:
    (found,) = obfuscation_findings(RULE, decoded_records(analyse(make_unit(SHOWN)), set()))
    assert (found.rule, found.location.line, found.severity) == ("js-obfuscated-data", 1, "medium")
