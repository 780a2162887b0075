"""Hand-written decoders in ordinary code (no obfuscator machinery), evaluated and inlined.

Each positive fixture hides its strings in one shape a person writes by hand: a blob cut into a
lazily filled cache read by index and over a list of indices (``hand_cached_table.js``), char
codes as running deltas in many arguments and an argument-less host builder
(``hand_char_deltas.js``), base64 code compiled through an alias of ``Function``
(``hand_packed_alias.js``), reversed shifted code run with ``eval`` (``hand_eval_reversed.js``), a ``Proxy`` getter over an encoded table (``hand_proxy_table.js``), a
typed list mapped through a typed decoder (``hand_mapped_table.ts``), char codes written as
arithmetic (``hand_arith_codes.js``), a decoder closure made by an IIFE
(``hand_closure_bytes.js``), generators (``hand_generator_codes.js``), a chain of decoders on
named constants (``hand_chained_xor.js``), a table decoder called in a loop
(``hand_table_index.ts``), a decoder composed of three functions over a named list's elements
(``hand_composed_nibbles.js``, benign twin ``hand_composed_benign.js``);
``hand_lookalike_shapes.js`` is their benign twin. Once inlined, the ordinary
rules see what the decoded strings are used for. ``hand_lookalike.js`` has the same machinery
turned to harmless ends (encoding, random ids, defaults, plugins compiled from input).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentxray.analyze.js.deobfuscate.deobfuscator import deobfuscate
from agentxray.analyze.js.deobfuscate.detect import looks_hand_decoded, looks_obfuscated
from agentxray.analyze.js.deobfuscate.localcalls import may_decode_by_hand
from agentxray.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"


def _scan(path: Path, tmp_path: Path) -> list[dict[str, object]]:
    out = tmp_path / "report.json"
    assert main(["scan", str(path), "--format", "json", "--output", str(out)]) in (0, 1)
    findings: list[dict[str, object]] = json.loads(out.read_text())["findings"]
    return findings


def _lines(findings: list[dict[str, object]], rule: str) -> list[int]:
    return [f["location"]["line"] for f in findings if f["rule"] == rule]  # type: ignore[index]


def _decoded(findings: list[dict[str, object]]) -> list[str]:
    return [v for f in findings for v in f.get("decoded") or []]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "hidden"),
    [
        ("hand_cached_table.js", ["Europe/Moscow", "Europe/Minsk", "Europe/Kaliningrad"]),
        ("hand_char_deltas.js", [".npmrc", ".config/gh/hosts.yml", "relay.driftpost.test"]),
        ("hand_packed_alias.js", ["intake.palebridge.test"]),
        ("hand_proxy_table.js", ["api.moonshot.cn", "dashscope.aliyuncs.com"]),
        ("hand_mapped_table.ts", [".intra.brightwell.io", "brightwell-build"]),
        ("hand_eval_reversed.js", ["https://pulse.lanternfold.test/h"]),
        ("hand_arith_codes.js", ["https://sync.tallowmere.test/hooks/init.js"]),
        ("hand_closure_bytes.js", ["America/Havana", "Asia/Tehran", "Asia/Pyongyang"]),
        ("hand_generator_codes.js", ["uk_UA", "kk_KZ", "hy_AM"]),
        ("hand_chained_xor.js", ["https://cdn.mossgrove.test/ext/entry.mjs"]),
        ("hand_table_index.ts", ["intake.copperfen.test", "SLACK_BOT_TOKEN", "DOCKER_AUTH_CONFIG"]),
    ],
)
def test_hand_written_decoders_are_undone(name: str, hidden: list[str]) -> None:
    data = (FIXTURES / name).read_bytes()
    assert not looks_obfuscated(data) and looks_hand_decoded(data)
    assert not any(h.encode() in data for h in hidden)
    result = deobfuscate(data, typescript=name.endswith(".ts"))
    assert result is not None and not result.problems
    (found,) = result.hidden
    assert found.source == "decoder function"
    assert all(any(h in v for v in found.values) for h in hidden)
    assert all(h in result.data.decode() for h in hidden)


def test_a_cached_blob_read_by_index_hides_a_zone_check(tmp_path: Path) -> None:
    findings = _scan(FIXTURES / "hand_cached_table.js", tmp_path)
    assert _lines(findings, "js-geofence") == [26]  # the zone among the decoded list
    assert _lines(findings, "js-obfuscated-data") == [8]  # the decoder
    assert "Europe/Kaliningrad" in _decoded(findings)


def test_char_deltas_hide_credential_paths_and_the_upload_host(tmp_path: Path) -> None:
    findings = _scan(FIXTURES / "hand_char_deltas.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [10]
    assert _lines(findings, "AXR-CRD-001") == [29]
    assert _lines(findings, "AXR-EXF-002") == [39]
    assert "https://relay.driftpost.test/v2/upload" in _decoded(findings)


def test_code_compiled_through_a_function_alias_is_read(tmp_path: Path) -> None:
    findings = _scan(FIXTURES / "hand_packed_alias.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [12]  # the construction
    assert _lines(findings, "AXR-EXF-001") == [12]  # the unpacked code sends process.env
    assert "intake.palebridge.test" in _decoded(findings)


def test_a_proxy_getter_hides_provider_hosts_of_a_watermark(tmp_path: Path) -> None:
    findings = _scan(FIXTURES / "hand_proxy_table.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [5]  # the Proxy
    assert _lines(findings, "js-fingerprint") == [23]
    assert _lines(findings, "js-watermark") == [26]


def test_a_typed_list_mapped_through_a_decoder_is_read(tmp_path: Path) -> None:
    findings = _scan(FIXTURES / "hand_mapped_table.ts", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [14]
    assert _lines(findings, "js-fingerprint") == [15]


def test_code_run_with_eval_after_decoding_is_read(tmp_path: Path) -> None:
    findings = _scan(FIXTURES / "hand_eval_reversed.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [20]  # the eval of decoded code
    assert _lines(findings, "AXR-TEL-006") == [20]  # the eval'd code sends machine details
    assert "https://pulse.lanternfold.test/h" in _decoded(findings)


def test_encoders_random_ids_and_plugins_are_not_hidden_data(tmp_path: Path) -> None:
    data = (FIXTURES / "hand_lookalike.js").read_bytes()
    assert looks_hand_decoded(data)  # the prefilter looks closer …
    assert deobfuscate(data) is None  # … and finds nothing hidden
    findings = _scan(FIXTURES / "hand_lookalike.js", tmp_path)
    assert not {f["category"] for f in findings} & {"obfuscated-data", "exfiltration"}


TAGGED = (
    'const SIGN = "Drafted with the assistant.";\n'
    f'const TRAIL = "{"".join(chr(0xE0000 + ord(c)) for c in "ref:wombat-3")}";\n'
    'const ESCAPED = "\\u{E006B}\\u{E0065}\\u{E0079}\\u{E002D}\\u{E0039}";\n'
    "module.exports = { sign: () => SIGN + TRAIL + ESCAPED };\n"
)
FLAGS = (
    f'const SCOTLAND = "\U0001f3f4{"".join(chr(0xE0000 + ord(c)) for c in "gbsct")}\U000e007f";\n'
    'const WALES = "\\u{1F3F4}\\u{E0067}\\u{E0062}\\u{E0077}\\u{E006C}\\u{E0073}\\u{E007F}";\n'
    "module.exports = { SCOTLAND, WALES };\n"
)


def test_text_spelled_in_tag_characters_is_hidden_data(tmp_path: Path) -> None:
    path = tmp_path / "sign.js"
    path.write_text(TAGGED, encoding="utf-8")
    findings = _scan(path, tmp_path)
    hidden = [f for f in findings if f["rule"] == "js-obfuscated-data"]
    assert sorted(_lines(hidden, "js-obfuscated-data")) == [2, 3]
    assert {"ref:wombat-3", "key-9"} <= set(_decoded(hidden))


def test_emoji_flags_made_of_tag_sequences_are_not_hidden_data(tmp_path: Path) -> None:
    path = tmp_path / "flags.js"
    path.write_text(FLAGS, encoding="utf-8")
    findings = _scan(path, tmp_path)
    assert not [f for f in findings if f["category"] == "obfuscated-data"]


def test_a_keyword_list_joined_with_spaces_is_not_hidden_data(tmp_path: Path) -> None:
    # A grammar's KEYWORDS.join(" ") (highlight.js perl.js, where the keyword 'hex' wakes the
    # prefilter): every word is a literal of the file, so the joined text hides nothing.
    data = (FIXTURES / "hand_keyword_list.js").read_bytes()
    assert looks_hand_decoded(data)
    result = deobfuscate(data)
    assert result is None or not result.hidden
    findings = _scan(FIXTURES / "hand_keyword_list.js", tmp_path)
    assert not [f for f in findings if f["category"] == "obfuscated-data"]


def test_char_codes_written_as_arithmetic_hide_a_code_host(tmp_path: Path) -> None:
    # ``[3*34+2, …]`` in an argument-less function: the list is data though no number is literal.
    findings = _scan(FIXTURES / "hand_arith_codes.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [3]
    assert "https://sync.tallowmere.test/hooks/init.js" in _decoded(findings)


def test_a_closure_made_by_an_iife_hides_zone_names(tmp_path: Path) -> None:
    # ``const names = (() => { const raw = …; return () => decode(raw); })()``
    findings = _scan(FIXTURES / "hand_closure_bytes.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [2]
    assert _lines(findings, "js-geofence") == [17]
    assert "Asia/Pyongyang" in _decoded(findings)


def test_generators_over_a_constant_list_hide_locales(tmp_path: Path) -> None:
    # ``for (const l of labels(ROWS))``: the generator's values, read in the isolate.
    findings = _scan(FIXTURES / "hand_generator_codes.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [5]
    assert {"uk_UA", "kk_KZ", "hy_AM"} <= set(_decoded(findings))


def test_a_chain_of_decoders_on_named_constants_hides_a_code_url(tmp_path: Path) -> None:
    # ``utf8(unmask(pairs(BLOB)))``: each step a function of the file, the data a named constant.
    findings = _scan(FIXTURES / "hand_chained_xor.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [6]
    assert "https://cdn.mossgrove.test/ext/entry.mjs" in _decoded(findings)


def test_a_table_decoder_called_in_a_loop_hides_secret_names(tmp_path: Path) -> None:
    # ``entry(n)`` for every ``n`` of a loop, ``entry`` decoding ``ROWS[n]`` (TypeScript
    # parameters, a ``TextEncoder`` key, a list ``as const``): the call becomes the decoded
    # list read at ``n``.
    findings = _scan(FIXTURES / "hand_table_index.ts", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [11]
    assert {"OPENAI_API_KEY", "SLACK_BOT_TOKEN"} <= set(_decoded(findings))
    result = deobfuscate((FIXTURES / "hand_table_index.ts").read_bytes(), typescript=True)
    assert result is not None
    assert "'DOCKER_AUTH_CONFIG'][n]" in result.data.decode()


def test_closures_generators_and_table_readers_over_visible_text_hide_nothing(
    tmp_path: Path,
) -> None:
    # A CRC table built by an IIFE closure, a generator of numbers, arithmetic column widths,
    # a table reader that dresses up its visible labels, a hex encoder chain on input.
    data = (FIXTURES / "hand_lookalike_shapes.js").read_bytes()
    assert looks_hand_decoded(data)
    assert deobfuscate(data) is None
    findings = _scan(FIXTURES / "hand_lookalike_shapes.js", tmp_path)
    assert not {f["category"] for f in findings} & {"obfuscated-data", "exfiltration"}


def test_a_static_getter_of_a_class_hides_mirror_hosts(tmp_path: Path) -> None:
    # ``Mirrors.hosts``: a static getter decoding the class's private table, read on the class.
    findings = _scan(FIXTURES / "hand_static_getter.mjs", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [9]
    assert {"cdn.quietharbor.test", "mirror.saltmarsh.test"} <= set(_decoded(findings))


def test_a_static_getter_formatting_its_visible_table_hides_nothing(tmp_path: Path) -> None:
    findings = _scan(FIXTURES / "hand_static_getter_benign.mjs", tmp_path)
    assert not [f for f in findings if f["category"] == "obfuscated-data"]


def test_a_decoder_composed_of_functions_over_a_named_list_hides_gateway_hosts(
    tmp_path: Path,
) -> None:
    # ``GATEWAYS.findIndex(function (g) { return spell(pairs(digits(g))) === host; })``: a custom
    # hex alphabet read by three functions composed over the list's elements.
    findings = _scan(FIXTURES / "hand_composed_nibbles.js", tmp_path)
    assert _lines(findings, "js-obfuscated-data") == [24]
    assert {"relay.cobaltmere.test", "gw.fernhollow.test", "proxy.ashgrove.test"} <= set(
        _decoded(findings)
    )
    assert _lines(findings, "js-fingerprint") == [25]


def test_composed_encoders_and_formatters_over_visible_lists_hide_nothing(tmp_path: Path) -> None:
    # Visible words hex-encoded for a digest check, labels abbreviated into badges: the values
    # restate their rows (longer, or picked from them), they decode nothing.
    data = (FIXTURES / "hand_composed_benign.js").read_bytes()
    assert looks_hand_decoded(data)
    assert deobfuscate(data) is None
    findings = _scan(FIXTURES / "hand_composed_benign.js", tmp_path)
    assert not {f["category"] for f in findings} & {"obfuscated-data", "fingerprint"}


def test_only_files_with_a_decoding_primitive_or_built_code_are_parsed_for_hand_decoders() -> None:
    # The cheap test before a parse (a bundle has hundreds of modules naming "hex" or atob in
    # passing): strict mode admits nothing without one of these in the file.
    assert not may_decode_by_hand(b'const KEYWORDS = ["hex", "oct", "bin"]; f(KEYWORDS.join(" "));')
    assert may_decode_by_hand(b'const h = Buffer.from(s, "hex").toString();')
    assert may_decode_by_hand(b"const t = String.fromCharCode(...codes);")
    assert may_decode_by_hand(b"const F = Function; new F('a', src);")
    assert may_decode_by_hand(b"for (;;) out += c ^ k[i % 3];")
