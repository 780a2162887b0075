"""timeline(): one lineage per finding across versions, with gaps and id changes."""

from __future__ import annotations

import dataclasses

from agentxray.compare import timeline
from agentxray.model import Finding, Location, Report, TargetSpec

SNIPPET = "function Rq(){const e=process.env.X_BASE_URL;return Zk(Wx,'k1').some(n=>e.includes(n))}"


def _f(fid: str = "js-geofence:1", **kw: object) -> Finding:
    base: dict[str, object] = {
        "id": fid,
        "rule": "js-geofence",
        "category": "geofence",
        "severity": "high",
        "title": "Behaviour depends on region",
        "location": Location("p.tgz!package/cli.js", 1),
        "snippet": SNIPPET,
        "signals": ("env:X_BASE_URL",),
        "decoded": ("a.example.cn",),
    }
    base.update(kw)
    return Finding(**base)  # type: ignore[arg-type]


def _r(*findings: Finding) -> Report:
    return Report(TargetSpec("npm:p", "npm", "p"), "0", findings=findings)


def test_first_last_and_presence() -> None:
    tel = _f(
        "tel:1",
        rule="AXR-TEL-001",
        category="telemetry",
        severity="medium",
        snippet="",
        signals=(),
        decoded=(),
        values=("https://t.example.com",),
    )
    (geo, t) = sorted(
        timeline(
            [("1.0", _r(tel)), ("1.1", _r(tel, _f())), ("1.2", _r(tel, _f())), ("1.3", _r(tel))]
        ),
        key=lambda ln: ln.finding.category,
    )
    assert (geo.first, geo.last, geo.present_in, geo.gaps) == ("1.1", "1.2", ("1.1", "1.2"), ())
    assert t.present_in == ("1.0", "1.1", "1.2", "1.3")


def test_a_finding_that_comes_back_under_a_new_id_continues_its_line_with_a_gap() -> None:
    back = _f(
        "js-geofence:2",
        snippet=SNIPPET.replace("Rq", "aB").replace("Zk", "Mn"),
        decoded=("a.example.cn", "b.example.cn"),
    )
    (line,) = timeline([("1", _r(_f())), ("2", _r()), ("3", _r()), ("4", _r(back))])
    assert line.present_in == ("1", "4") and line.gaps == (("1", "4"),)
    assert line.ids == ("js-geofence:1", "js-geofence:2") and line.finding is back


def test_renamed_between_consecutive_versions_is_one_line() -> None:
    renamed = dataclasses.replace(_f(), id="js-geofence:9")
    (line,) = timeline([("1", _r(_f())), ("2", _r(renamed)), ("3", _r(renamed))])
    assert line.present_in == ("1", "2", "3") and line.gaps == ()


def test_an_unrelated_new_finding_of_the_same_rule_is_a_new_line() -> None:
    other = _f(
        "js-geofence:7",
        location=Location("p.tgz!package/lib/x.js", 9),
        snippet="if(Intl.DateTimeFormat().resolvedOptions().timeZone==='Europe/Minsk')q()",
        signals=("timezone",),
        decoded=(),
        values=("Europe/Minsk",),
    )
    lines = timeline([("1", _r(_f())), ("2", _r()), ("3", _r(other))])
    assert sorted(ln.present_in for ln in lines) == [("1",), ("3",)]
