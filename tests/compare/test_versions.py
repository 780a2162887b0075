"""compare(): pairing findings across versions by id, then by evidence."""

from __future__ import annotations

import dataclasses
import json

from agentxray.compare import compare, similarity
from agentxray.model import Finding, Location, Report, TargetSpec
from agentxray.render.diff import delta_to_dict, diff_validator, render_diff_html, render_diff_text
from agentxray.render.json import finding_to_dict, report_from_dict, report_to_dict

GEO_OLD = """function Rq(){const e=process.env.ANTHROPIC_BASE_URL;if(!e)return!1;
let t=new URL(e).hostname;return Zk(Wx,"k1").some(n=>t===n||t.endsWith("."+n))}"""
GEO_NEW = """function aB(){const q=process.env.ANTHROPIC_BASE_URL;if(!q)return!1;
let z=new URL(q).hostname;return Mn(Pv,"k1").some(r=>z===r||z.endsWith("."+r))}"""


def _f(**kw: object) -> Finding:
    base: dict[str, object] = {
        "id": "js-geofence:aaaa",
        "rule": "js-geofence",
        "category": "geofence",
        "severity": "high",
        "title": "Behaviour depends on region",
        "location": Location("pkg-1.0.0.tgz!package/cli.js", line=10, column=3, offset=400),
        "snippet": GEO_OLD,
        "signals": ("env:ANTHROPIC_BASE_URL", "timezone"),
        "decoded": ("a.example.cn", "b.example.cn"),
    }
    base.update(kw)
    return Finding(**base)  # type: ignore[arg-type]


def _report(*findings: Finding, raw: str = "npm:pkg@1.0.0") -> Report:
    return Report(TargetSpec(raw, "npm", "pkg", raw.rsplit("@", 1)[-1]), "0", findings=findings)


def test_equal_ids_with_equal_evidence_are_unchanged() -> None:
    old, new = _f(), _f(location=Location("pkg-1.1.0.tgz!package/cli.js", line=99))
    delta = compare(_report(old), _report(new, raw="npm:pkg@1.1.0"))
    assert delta.unchanged == (new,) and not (delta.added or delta.removed or delta.changed)


def test_equal_ids_with_a_new_decoded_host_is_a_change_naming_it() -> None:
    new = _f(decoded=("a.example.cn", "b.example.cn", "c.example.ru"))
    delta = compare(_report(_f()), _report(new))
    (change,) = delta.changed
    assert change.matched_by == "id"
    assert change.how == ("decoded +c.example.ru",)


def test_renamed_minified_code_with_a_new_id_is_paired_by_evidence() -> None:
    old = _f()
    new = _f(id="js-geofence:bbbb", snippet=GEO_NEW, decoded=("a.example.cn", "d.example.cn"))
    delta = compare(_report(old), _report(new))
    assert not delta.added and not delta.removed
    (change,) = delta.changed
    assert change.matched_by == "evidence" and change.before is old and change.after is new
    assert "decoded +d.example.cn, -b.example.cn" in change.how


def test_unrelated_findings_of_one_rule_are_not_paired() -> None:
    old = _f()
    new = _f(
        id="js-geofence:cccc",
        location=Location("pkg-1.1.0.tgz!package/lib/other.js", line=3),
        snippet="if(Intl.DateTimeFormat().resolvedOptions().timeZone==='Europe/Moscow')x()",
        signals=("timezone",),
        decoded=(),
        values=("Europe/Moscow",),
    )
    assert similarity(old, new) < 0.5
    delta = compare(_report(old), _report(new))
    assert delta.added == (new,) and delta.removed == (old,) and not delta.changed


def test_other_rules_and_endpoints_are_never_paired_by_evidence() -> None:
    old_ep = _f(
        id="endpoint-1",
        rule="AXR-END-001",
        category="endpoint",
        severity="info",
        values=("https://a.example.com/v1",),
        signals=(),
        decoded=(),
        snippet="",
    )
    new_ep = dataclasses.replace(old_ep, id="endpoint-2", values=("https://b.example.com/v1",))
    old_fp = _f()
    new_fp = _f(id="js-fingerprint:1", rule="js-fingerprint", category="fingerprint")
    delta = compare(_report(old_ep, old_fp), _report(new_ep, new_fp))
    assert set(delta.added) == {new_ep, new_fp} and set(delta.removed) == {old_ep, old_fp}


def test_the_diff_document_validates_and_renders() -> None:
    new = _f(id="js-geofence:bbbb", snippet=GEO_NEW, decoded=("a.example.cn", "d.example.cn"))
    added = _f(
        id="js-watermark:1",
        rule="js-watermark",
        category="watermark",
        severity="medium",
        title="Covert mark <b>in</b> prompt",
    )
    delta = compare(_report(_f()), _report(new, added, raw="npm:pkg@1.1.0"))
    doc = delta_to_dict(delta)
    diff_validator().validate(doc)
    broken = json.loads(json.dumps(doc))
    del broken["added"][0]["rule"]
    assert not diff_validator().is_valid(broken)  # findings are checked by the report schema
    assert doc["summary"] == {"added": 1, "removed": 0, "changed": 1, "unchanged": 0}
    assert doc["changed"][0]["matched_by"] == "evidence"
    text = render_diff_text(delta, width=100)
    assert "+ medium" in text and "decoded +d.example.cn, -b.example.cn" in text
    html = render_diff_html(delta)
    assert "Covert mark &lt;b&gt;in&lt;/b&gt; prompt" in html and "<b>in</b>" not in html
    assert "http://" not in html and "https://" not in html  # self-contained


def test_a_saved_report_reads_back_with_its_findings() -> None:
    report = _report(_f(), _f(id="x", condition="when the timezone is Asia/Shanghai"))
    doc = json.loads(json.dumps(report_to_dict(report)))
    back = report_from_dict(doc)
    assert [finding_to_dict(f) for f in back.findings] == doc["findings"]
    assert back.target.raw == "npm:pkg@1.0.0"


def test_calls_that_differ_only_in_minified_names_are_not_a_change() -> None:
    old = _f(
        id="t-1",
        rule="AXR-TEL-001",
        category="telemetry",
        decoded=(),
        snippet="",
        values=("We.logEvent(q)", "https://events.example.com/v1"),
    )
    new = dataclasses.replace(old, values=("He.logEvent(_)", "https://events.example.com/v1"))
    assert compare(_report(old), _report(new)).unchanged == (new,)
    moved = dataclasses.replace(old, values=("He.logEvent(_)", "https://events.example.net/v1"))
    (change,) = compare(_report(old), _report(moved)).changed
    assert change.how == ("values +https://events.example.net/v1, -https://events.example.com/v1",)


def test_titles_and_options_that_quote_minified_names_are_not_a_change() -> None:
    old = _f(
        id="w-1",
        title="Covert watermark chosen by condition in `Today${q}s date is ${K}.`",
        values=("apiHost: q", "clientKey: $"),
    )
    new = dataclasses.replace(
        old,
        title="Covert watermark chosen by condition in `Today${n}s date is ${r}.`",
        values=("apiHost: n", "clientKey: t"),
    )
    assert compare(_report(old), _report(new)).unchanged == (new,)
    # a literal option value, or a template with a new word, is a change
    fixed = dataclasses.replace(new, values=("apiHost: https://cdn.example.com", "clientKey: t"))
    (change,) = compare(_report(old), _report(fixed)).changed
    assert change.how == ("values +apiHost: https://cdn.example.com, -apiHost: q",)
    worded = dataclasses.replace(new, title="Covert watermark in `Today${n}s date: ${r}.`")
    (change,) = compare(_report(old), _report(worded)).changed
    assert change.how[0].startswith("title ")


LOADER = "\n".join(
    ["(helpers => {", "  const define = (name, value) => Object.defineProperty(globalThis, name)"]
    + [f"  define('helper{i}', (x) => x + {i})" for i in range(30)]
    + ["})"]
)


def _loader(vpath: str, text: str, fid: str) -> Finding:
    return _f(
        id=fid,
        rule="js-obfuscated-data",
        category="obfuscated-data",
        location=Location(f"pkg.tgz!package/claude!/$bunfs/root/{vpath}", line=400),
        snippet="// line 400\nvar Sm=new TextDecoder().decode(new Uint8Array([40,104,101]))",
        signals=(),
        decoded=(text,),
    )


def test_a_decoded_script_edited_between_releases_is_the_same_finding_changed() -> None:
    # A module loader shipped as bytes gains a helper in the next release, in a chunk whose
    # hashed name changed: one finding, changed (it was a new finding in every release).
    edited = LOADER.replace("})", "  define('extra', (x) => x * 2)\n})")
    old = _loader("chunk-z8nx2zgp.js", LOADER, "js-obfuscated-data:aaaa")
    new = _loader("chunk-zw4zfcp1.js", edited, "js-obfuscated-data:bbbb")
    delta = compare(_report(old), _report(new, raw="npm:pkg@1.1.0"))
    assert not delta.added and not delta.removed
    (change,) = delta.changed
    assert change.matched_by == "evidence" and change.before is old and change.after is new


def test_another_decoded_script_is_not_the_same_finding() -> None:
    other = "\n".join(f"  svg.path(M{i} {i * 3}Q{i * 7} {i * 2})" for i in range(40))
    old = _loader("chunk-z8nx2zgp.js", LOADER, "js-obfuscated-data:aaaa")
    new = _loader("chunk-zw4zfcp1.js", other, "js-obfuscated-data:bbbb")
    delta = compare(_report(old), _report(new, raw="npm:pkg@1.1.0"))
    assert delta.added == (new,) and delta.removed == (old,)
