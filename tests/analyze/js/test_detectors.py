"""The JS geofence/fingerprint/obfuscated-data/watermark detectors on hand-written fixtures."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]
FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"//\s*expect:\s*([\w\- ]+)")


def expected(path: Path) -> set[tuple[str, int]]:
    """``// expect: RULE [RULE…]`` annotations: the findings are on the next line."""
    out = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            out.update((rule, number + 1) for rule in m.group(1).split())
    return out


POSITIVE = sorted(p for p in (FIXTURES / "positive").iterdir() if p.suffix in (".js", ".ts"))
BENIGN = sorted(p for p in (FIXTURES / "benign").iterdir() if p.suffix in (".js", ".ts"))


@pytest.mark.parametrize("path", POSITIVE + BENIGN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_findings_match_annotations(path: Path, run_all: RunDetectors) -> None:
    findings, _ = run_all(path.read_bytes(), path.name)
    got = {(f.rule, f.location.line) for f in findings}
    assert got == expected(path), [(f.rule, f.location.line, f.title) for f in findings]


def test_benign_fixtures_have_no_annotations(run_all: RunDetectors) -> None:
    # A benign fixture that expected a finding would not be benign.
    assert all(not expected(p) for p in BENIGN)
    assert BENIGN and POSITIVE


def test_hidden_list_is_decoded_and_feeds_the_fingerprint(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "fingerprint_hidden_list.js"
    findings, _ = run_all(path.read_bytes())
    by_rule = {f.rule: f for f in findings}
    hidden = by_rule["js-obfuscated-data"]
    assert hidden.decoded == ("blocked.example", "other.test", "partner.example")
    assert hidden.severity == "critical"
    assert "base64 + XOR with key 23" in hidden.title
    fp = by_rule["js-fingerprint"]
    assert fp.severity == "critical"
    assert set(fp.decoded) == {"blocked.example", "other.test", "partner.example"}
    assert fp.signals == ("endpoint", "env:EXAMPLE_BASE_URL")
    assert fp.condition == "only when the host of EXAMPLE_BASE_URL is set"
    assert "apiHost()" in fp.message


def test_geofence_names_region_and_helper(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "geofence_timezone_helper.js"
    (finding,), _ = run_all(path.read_bytes())
    assert finding.category == "geofence" and finding.severity == "critical"
    assert finding.values == ("Asia/Shanghai",)
    assert "China" in finding.title
    assert "zone()" in finding.message
    assert "function pickEndpoint()" in finding.snippet


def test_offset_uses_minutes_west(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "geofence_offset.js"
    (finding,), _ = run_all(path.read_bytes())
    assert finding.values == ("-480",)
    assert "UTC+08:00" in finding.title


def test_string_array_decoded_after_rotation(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "obfuscator_string_array.js"
    (finding,), _ = run_all(path.read_bytes())
    assert finding.decoded == ("https://collect.evil.example/v1", "token", "evil.example")
    assert "rotation" in finding.title


def test_watermark_names_code_points(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "watermark_apostrophe.js"
    findings, _ = run_all(path.read_bytes())
    mark = next(f for f in findings if f.category == "watermark")
    assert set(mark.values) == {"U+2019 ’", "U+0027 '"}
    assert mark.signals == ("hostname",)


def test_decoder_that_never_returns_times_out_into_a_notice(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "decoder_loop.js"
    findings, notices = run_all(path.read_bytes())
    assert findings == []
    assert [n.code for n in notices] == ["decoder-failed"]
    assert "timeout" in notices[0].message.lower()


def test_finding_ids_ignore_identifier_names_and_offsets(run_all: RunDetectors) -> None:
    src = (FIXTURES / "positive" / "geofence_timezone_helper.js").read_bytes()
    renamed = b"\n\n" + src.replace(b"zone", b"q9").replace(b"pickEndpoint", b"Zx")
    (a,), _ = run_all(src)
    (b,), _ = run_all(renamed)
    assert a.id == b.id and a.location.line != b.location.line


def test_language_only_locale_check_is_medium(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "geofence_locale.js"
    (finding,), _ = run_all(path.read_bytes())
    assert finding.values == ("zh",)
    assert finding.severity == "medium"


def test_hostile_nesting_does_not_crash(run_all: RunDetectors) -> None:
    chain = "||".join(["a"] * 4000)
    blocks = "{" * 300 + "}" * 300
    src = (
        f"function f(a){{ if({chain}) return null; {blocks}\n"
        'const t = Intl.DateTimeFormat().resolvedOptions().timeZone;\n return t === "Asia/Tokyo"; }'
    )
    findings, _ = run_all(src.encode())
    assert [(f.rule, f.location.line) for f in findings] == [("js-geofence", 3)]


def test_hex_key_and_reversed_strings_are_decoded(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "hex_xor_and_reversed.js"
    findings, _ = run_all(path.read_bytes())
    decoded = {f.title.split(":")[0]: f.decoded for f in findings}
    assert decoded == {
        "Hidden data (hex + XOR)": ("https://drop.evil.example/x",),
        "Hidden data (reversed string)": ("live.example/collect",),
    }


def test_obfuscator_checksum_rotation_is_run_to_the_right_order(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "obfuscator_v4_checksum.js"
    (finding,), _ = run_all(path.read_bytes())
    assert {"https://beacon.evil.example/collect", "POST", "machine-id"} <= set(finding.decoded)


def test_obfuscator_rc4_entries_are_decrypted_with_their_keys(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "obfuscator_rc4.js"
    (finding,), _ = run_all(path.read_bytes())
    assert finding.decoded == ("wss://c2.evil.example/ctl", "HOME", ".ssh/id_ed25519")
    assert "RC4" in finding.title


def test_regex_hours_and_country_code_are_understood(run_all: RunDetectors) -> None:
    path = FIXTURES / "positive" / "geofence_regex_hours_region.js"
    findings, _ = run_all(path.read_bytes())
    by_line = {f.location.line: f for f in findings}
    assert set(by_line[7].values) == {"Asia/Shanghai", "Asia/Urumqi"}
    assert "UTC+08:00" in by_line[12].title
    assert "China" in by_line[17].title and by_line[17].severity == "critical"


def test_a_grammar_parsed_from_its_own_literal_is_not_hidden_data(run_all: RunDetectors) -> None:
    # A syntax-highlighting grammar shipped as JSON in a template literal: parsing it changes how
    # its escaped regular expressions read, but nothing in it was hidden (Qwen Code's web shell).
    grammar = (
        '{"name":"racket","patterns":[{"include":"#number-hex"},{"include":"#comment"}],'
        '"repository":{"number-hex":{"match":"\\\\\\\\b#x[0-9a-f]+\\\\\\\\b",'
        '"name":"constant.numeric.racket"},"comment":{"begin":"\\\\\\\\s*;","end":"$",'
        '"name":"comment.line.semicolon.racket"}},"scopeName":"source.racket"}'
    )
    src = (
        f"const e = Object.freeze(JSON.parse(`{grammar}`)), n = [e];\nexport {{ n as default }};\n"
    )
    findings, _ = run_all(src.encode())
    assert [f for f in findings if f.category == "obfuscated-data"] == []
    # A grammar hidden as hex is still found.
    hidden = b'{"name":"racket","patterns":[{"include":"#number-hex"}],"scopeName":"source.racket"}'.hex()
    src = f'const e = JSON.parse(Buffer.from("{hidden}", "hex").toString());\nexport default e;\n'
    findings, _ = run_all(src.encode())
    assert [f.rule for f in findings if f.category == "obfuscated-data"] == ["js-obfuscated-data"]
