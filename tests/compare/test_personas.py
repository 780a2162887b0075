"""The persona comparison on constructed recordings: noise learning, named characters, formats,
attribution."""

from __future__ import annotations

from dataclasses import replace

from agentxray.compare.personas import (
    MARK,
    as_asked,
    char_changes,
    char_name,
    compare_personas,
    confirm,
    format_notes,
    learn_noise,
    mask,
    normalised,
)
from agentxray.model import Aspect, Category, Finding, Location, Persona, Recording

UTC = Persona("utc", (("tz", "Etc/UTC"), ("base_url", "https://llm-gw.corp.test")))
SHANGHAI = Persona("shanghai", (("tz", "Asia/Shanghai"), ("base_url", "https://llm-gw.corp.test")))
LAB = Persona("lab", (("tz", "Etc/UTC"), ("base_url", "https://api.lab.test")))


def _rec(
    persona: str,
    repeat: int,
    date: str = "2026-11-26",
    apostrophe: str = "'",
    request_id: str = "req_0",
    tmp: str = "a1",
    host: str = "llm-gw.corp.test",
) -> Recording:
    messages = f"[user]\nToday{apostrophe}s date is {date}.\nPlease do the task."
    headers = f"x-request-id: {request_id}\nuser-agent: fake/1.0"
    return Recording(
        persona=persona,
        repeat=repeat,
        aspects=(
            Aspect("model_request.system", "POST /v1/messages #0", "You are an agent."),
            Aspect("model_request.messages", "POST /v1/messages #0", messages),
            Aspect("model_request.headers", "POST /v1/messages #0", headers),
            Aspect("files", "", f"created /tmp/agent-{tmp}/lock\nread ~/.config", True),
            Aspect("egress", "hosts", f"dns {host}:53\nhttp {host}:443", True),
            Aspect("exit", "", "0"),
        ),
    )


def _noisy_pair(persona: str, **kw: str) -> list[Recording]:
    return [
        _rec(persona, 0, request_id="req_7f3a9c", tmp="x9Qz", **kw),
        _rec(persona, 1, request_id="req_b04e21", tmp="Lm2k", **kw),
    ]


def test_two_identical_personas_show_zero_differences() -> None:
    twin = Persona("utc again", UTC.fields)
    result = compare_personas("t", [UTC, twin], [*_noisy_pair("utc"), *_noisy_pair("utc again")])
    assert result.differences == ()


def test_noise_is_learned_from_repeats_and_masked_in_the_same_slot() -> None:
    noise = learn_noise(_noisy_pair("utc"))
    headers = Aspect("model_request.headers", "k", "x-request-id: req_ffffff\nuser-agent: fake/1.0")
    assert normalised(headers, noise) == f"x-request-id: {MARK}\nuser-agent: fake/1.0"
    # A different value in an unlearned slot is not noise.
    other = Aspect("model_request.headers", "k", "x-request-id: req_0\nuser-agent: fake/2.0")
    assert "fake/2.0" in normalised(other, noise)


def test_one_repeat_learns_nothing_so_ids_differ() -> None:
    runs = [_rec("utc", 0, request_id="req_1"), _rec("shanghai", 0, request_id="req_2")]
    result = compare_personas("t", [UTC, SHANGHAI], runs)
    assert [d.where for d in result.differences] == ["model_request.headers"]


def test_date_format_change_is_called_out_and_attributed_to_tz() -> None:
    runs = [*_noisy_pair("utc"), *_noisy_pair("shanghai", date="2026/11/26")]
    result = compare_personas("t", [UTC, SHANGHAI], runs)
    assert len(result.differences) == 1
    d = result.differences[0]
    assert (d.where, d.key) == ("model_request.messages", "POST /v1/messages #0")
    assert d.before == "Today's date is 2026-11-26."
    assert d.after == "Today's date is 2026/11/26."
    assert "date format 2026-11-26 \u2192 2026/11/26" in d.notes
    assert d.code_points == ("U+002D HYPHEN-MINUS -> U+002F SOLIDUS",)
    assert d.fields == ("tz",)


def test_confusable_apostrophe_is_named_and_host_premise_is_not_a_difference() -> None:
    runs = [
        *_noisy_pair("utc"),
        *_noisy_pair("lab", apostrophe="\u02b9", host="api.lab.test"),
    ]
    result = compare_personas("t", [UTC, LAB], runs)
    assert [(d.where, d.fields) for d in result.differences] == [
        ("model_request.messages", ("base_url",))
    ]
    d = result.differences[0]
    assert d.code_points == ("U+0027 APOSTROPHE -> U+02B9 MODIFIER LETTER PRIME",)
    assert any("U+02B9 MODIFIER LETTER PRIME (1\u00d7)" in n for n in d.notes)


def test_as_asked_rewrites_only_the_personas_host_in_egress() -> None:
    rec = as_asked(_rec("lab", 0, host="api.lab.test"), LAB)
    hosts = next(a for a in rec.aspects if a.where == "egress")
    assert hosts.text == "dns {base_url}:53\nhttp {base_url}:443"
    rec2 = as_asked(_rec("lab", 0, host="evil-api.lab.test.example"), LAB)
    assert "evil-api.lab.test.example" in next(a for a in rec2.aspects if a.where == "egress").text


def test_flaky_set_lines_and_missing_aspects_are_set_aside() -> None:
    a = _rec("utc", 0)
    b = _rec("utc", 1)
    files = [
        Aspect(x.where, x.key, x.text + "\ncreated ~/.cache/retry", True)
        if x.where == "files"
        else x
        for x in b.aspects
    ]
    b = Recording("utc", 1, (*files, Aspect("output", "stderr", "retrying")))
    noise = learn_noise([a, b])
    assert ("output", "stderr") in noise.unstable
    assert "created ~/.cache/retry" in noise.flaky_lines[("files", "")]


def test_mask_leaves_text_alone_without_contexts() -> None:
    assert mask("id: 123", set()) == "id: 123"
    assert mask("id: 123 id: 456", {("id", ":")}) == f"id: {MARK} id: {MARK}"


def test_char_names_and_changes() -> None:
    assert char_name("'") == "U+0027 APOSTROPHE"
    assert char_name("\u200b") == "U+200B ZERO WIDTH SPACE"
    assert char_name("\n") == "U+000A LINE FEED"
    changes = char_changes("it's", "it\u2019s")
    assert dict(changes) == {"U+0027 APOSTROPHE -> U+2019 RIGHT SINGLE QUOTATION MARK": 1}
    inserted = char_changes("ab", "a\u200bb")
    assert dict(inserted) == {"(nothing) -> U+200B ZERO WIDTH SPACE": 1}


def test_format_notes_dates_and_numbers() -> None:
    assert format_notes("on 11/26/2026", "on 26.11.2026") == [
        "date format 11/26/2026 \u2192 26.11.2026"
    ]
    assert format_notes("total 1,234.5", "total 1.234,5") == [
        "number format 1,234.5 \u2192 1.234,5"
    ]
    assert format_notes("date 2026-11-26", "date 2026-11-27") == [
        "date value 2026-11-26 \u2192 2026-11-27"
    ]
    assert format_notes("no dates here", "no dates here either") == []


def _finding(fid: str, category: Category, **kw: tuple[str, ...]) -> Finding:
    return Finding(
        id=fid, rule="R", category=category, severity="critical",
        title=fid, location=Location("cli.js", 1), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_confirm_marks_driven_findings_and_watermarks() -> None:
    geo = _finding("geo1", "geofence", values=("Asia/Shanghai",))
    hosts = _finding("obf1", "obfuscated-data", decoded=("lab.test",))
    mark = _finding(
        "wm1", "watermark", values=("U+0027 APOSTROPHE", "U+02B9 MODIFIER LETTER PRIME")
    )
    quiet = _finding("fp1", "fingerprint", values=("other.test",))
    other = Persona("quiet", (("tz", "Etc/UTC"), ("base_url", "https://api.other.test")))
    runs = [
        *_noisy_pair("utc"),
        *_noisy_pair("shanghai", date="2026/11/26"),
        *_noisy_pair("lab", apostrophe="\u02b9", host="api.lab.test"),
        *_noisy_pair("quiet", host="api.other.test"),
    ]
    result = compare_personas("t", [UTC, SHANGHAI, LAB, other], runs)
    tests = {"shanghai": ["geo1"], "lab": ["obf1"], "quiet": ["fp1"]}
    got = {c.finding: c for c in confirm([geo, hosts, mark, quiet], result, tests)}
    assert got["geo1"].status == "confirmed"
    assert "2026/11/26" in got["geo1"].evidence
    assert got["obf1"].status == "confirmed"
    assert got["wm1"].status == "confirmed"
    assert got["fp1"].status == "not-observed"


def test_confirm_says_not_reachable_when_no_model_request_was_made() -> None:
    geo = _finding("geo1", "geofence", values=("Asia/Shanghai",))
    dead = [
        Recording(n, r, (Aspect("exit", "", "1"),)) for n in ("utc", "shanghai") for r in (0, 1)
    ]
    result = compare_personas("t", [UTC, SHANGHAI], dead)
    (c,) = confirm([geo], result, {"shanghai": ["geo1"]})
    assert c.status == "not-reachable-offline"


def test_as_asked_keeps_the_personas_host_in_what_goes_to_other_hosts() -> None:
    # Qwen Code's usage statistics carry the configured base URL to a third party: that must
    # stay visible, while the request to the persona's own host is aligned across personas.
    base = _rec("lab", 0, host="api.lab.test")
    rum = Aspect("egress", "rum.example.net POST /", '{"base_url": "https://api.lab.test/v1"}')
    own = Aspect("egress", "api.lab.test POST /v1/chat", '{"host": "api.lab.test"}')
    rec = as_asked(replace(base, aspects=(*base.aspects, rum, own)), LAB)
    by_key = {a.key: a.text for a in rec.aspects if a.where == "egress"}
    assert by_key["rum.example.net POST /"] == '{"base_url": "https://api.lab.test/v1"}'
    assert by_key["{base_url} POST /v1/chat"] == '{"host": "{base_url}"}'
