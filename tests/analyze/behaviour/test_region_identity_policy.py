"""The one geofence and fingerprint policy, over records (no language front-end): what names a
region or someone, grouping per function, limits, benign classes, severity, ids and rule prefix."""

from __future__ import annotations

from agentxray.analyze.behaviour.fingerprint import fingerprint_findings
from agentxray.analyze.behaviour.geofence import geofence_findings, regional_label
from agentxray.analyze.behaviour.records import Comparison, Effect, Evidence, HiddenList, Source
from agentxray.model import Location

VPATH = "pkg/agent.js"
TZ = Source("timezone", "Intl.DateTimeFormat().resolvedOptions().timeZone")
LANG = Source("locale", "env:LANG", label="locale (env:LANG)")


def _ev(line: int, function_key: int = 1) -> Evidence:
    return Evidence(
        location=Location(VPATH, line, 1, line * 10),
        snippet=f"// line {line}\nexpr",
        text="expr",
        function="function f()",
        function_key=function_key,
    )


def _branch(line: int, text: str) -> Effect:
    return Effect(line, Location(VPATH, line, 1), text)


def _cmp(source: Source, values: tuple[str, ...], line: int = 3, **kw: object) -> Comparison:
    return Comparison(source, "===", _ev(line, kw.pop("fn", 1)), values, **kw)  # type: ignore[arg-type]


def test_a_zone_list_of_one_region_is_a_critical_geofence_under_the_front_ends_prefix() -> None:
    records = [_cmp(TZ, ("Asia/Shanghai",), 3), _cmp(TZ, ("Asia/Urumqi", "UTC"), 4)]
    [finding] = geofence_findings(records, "js")
    assert finding.rule == "js-geofence"
    assert finding.location.line == 3
    assert finding.values == ("Asia/Shanghai", "Asia/Urumqi")
    assert (finding.severity, finding.confidence) == ("critical", "high")
    # the id is the JS recipe (rule, kind, sorted values): stable across languages and releases
    [again] = geofence_findings(list(reversed(records)), "js")
    assert again.id == finding.id
    [py] = geofence_findings(records, "py")
    assert py.rule == "py-geofence" and py.id != finding.id


def test_a_picker_of_many_countries_is_not_a_geofence() -> None:
    zones: tuple[str, ...] = ("America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo")
    zones += ("Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Africa/Lagos")
    assert geofence_findings([_cmp(TZ, zones)], "js") == []
    # the same list hidden in the code (decoded) is a target list, not a picker
    hidden = (HiddenList(zones, "base64", 1),)
    [finding] = geofence_findings([_cmp(TZ, zones, hidden=hidden)], "js")
    assert finding.decoded == zones


def test_english_only_and_language_pickers_are_localisation() -> None:
    assert geofence_findings([_cmp(LANG, ("en", "en-US"))], "py") == []
    picks = _branch(5, 'isZh ? "zh-CN" : "en"')
    ui = _cmp(LANG, ("zh",), effects=(picks,), outcomes_pick_language=True)
    assert geofence_findings([ui], "py") == []
    catalog = _cmp(LANG, ("zh",), effects=(picks,), outcomes_pick_catalog=True)
    assert geofence_findings([catalog], "py") == []
    greek = _cmp(LANG, ("el",), effects=(picks,), condition_literals=("\u03a9",))
    assert geofence_findings([greek], "py") == []
    keys = _cmp(LANG, ("zh_CN", "ru_RU"), catalog=True)
    assert geofence_findings([keys], "py") == []


def test_a_language_deciding_other_things_is_a_medium_geofence() -> None:
    models = _cmp(LANG, ("zh",), effects=(_branch(5, "zh ? MODELS_CN : MODELS"),))
    [finding] = geofence_findings([models], "js")
    assert (finding.rule, finding.location.line, finding.severity) == ("js-geofence", 3, "medium")
    assert finding.related == (Location(VPATH, 5, 1),)
    assert "The outcome decides 1 branch(es)" in finding.message


def test_one_regional_label_for_both_conventions() -> None:
    assert regional_label("tz-offset", "-480") == "UTC+08:00"  # getTimezoneOffset(): minutes west
    assert regional_label("tz-offset", "28800", unit="seconds-east") == "UTC+08:00"
    assert regional_label("tz-offset", "8", scale=-60) == "UTC+08:00"  # / -60: hours east
    assert regional_label("country", "ir") == "Iran"
    assert regional_label("locale", "Chinese (Simplified)_China") is not None
    assert regional_label("timezone", "PRC") == "China"


HOST = Source("hostname", "os.hostname()", label="hostname")
BASE = Source(
    "endpoint", "env:ANTHROPIC_BASE_URL", host=True, label="host of env:ANTHROPIC_BASE_URL"
)


def test_identity_checks_fire_and_placeholders_do_not() -> None:
    [finding] = fingerprint_findings([_cmp(HOST, ("build-farm-01", "root"))], "py")[0]
    assert (finding.rule, finding.location.line) == ("py-fingerprint", 3)
    assert finding.values == ("build-farm-01",)
    blank = _cmp(Source("machine-id", "/etc/machine-id"), ("To be filled by O.E.M.", "0", "object"))
    assert fingerprint_findings([blank], "py") == ([], set())


def test_the_base_url_against_its_own_vendor_is_use_against_others_is_a_fingerprint() -> None:
    own = _cmp(BASE, ("anthropic.com", "claude.ai"), regex=True)
    assert fingerprint_findings([own], "js")[0] == []
    one_domain = _cmp(BASE, ("api.anthropic.com", "console.anthropic.com"))
    assert fingerprint_findings([one_domain], "js")[0] == []
    others = _cmp(BASE, ("api.deepseek.com", "api.moonshot.cn"), regex=True)
    [finding] = fingerprint_findings([others], "js")[0]
    assert (finding.rule, finding.severity) == ("js-fingerprint", "high")


def test_hidden_lists_are_critical_and_reported_as_used() -> None:
    lists = (HiddenList(("a.example", "b.example"), "base64 + XOR", 7),)
    record = _cmp(BASE, ("a.example", "b.example"), hidden=lists)
    [finding], used = fingerprint_findings([record], "js")
    assert finding.severity == "critical"
    assert "a hidden list (2 entries)" in finding.title
    assert used == set(lists)


def test_hashing_the_users_own_key_or_a_local_path_identifies_no_one() -> None:
    key = Comparison(Source("api-key", "env:X_API_KEY"), "hash", _ev(3))
    path = Comparison(HOST, "hash", _ev(4, 2), local_path=True)
    assert fingerprint_findings([key, path], "js")[0] == []
    machine = Comparison(HOST, "hash", _ev(5, 3))
    [finding] = fingerprint_findings([machine], "js")[0]
    assert (finding.rule, finding.location.line) == ("js-fingerprint", 5)


def test_an_identity_written_in_invisible_marks_names_them_once() -> None:
    # The Python front-end hands over its choice's variant as the detail ("invisible
    # characters"); the message said "as invisible invisible characters".
    user = Comparison(
        HOST, "invisible", _ev(6), target="note + mark", detail="invisible characters"
    )
    space = Comparison(HOST, "invisible", _ev(7, 2), target="t", detail="U+2009 THIN SPACE")
    marks, thin = fingerprint_findings([user, space], "py")[0]
    assert (marks.rule, marks.location.line, marks.severity) == ("py-fingerprint", 6, "critical")
    assert "as invisible characters (" in marks.message
    assert "invisible invisible" not in marks.message
    assert "as invisible U+2009 THIN SPACE (" in thin.message
