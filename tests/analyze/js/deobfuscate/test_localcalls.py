"""The file's own decoder functions, evaluated: obfuscators other than javascript-obfuscator.

``fixtures/concealed.js`` cuts every string from one XOR-ed blob through a table of offsets, with
hex-number calls and every function reusing the names ``a b c d`` (so the slice copied into the
isolate must resolve names by scope, not by spelling). ``fixtures/packed.js`` compiles its request
adjustment from a ``Function("…")`` string. ``fixtures/hexcalls.js`` is the benign look-alike:
dense hex-number calls of the file's own functions that compute numbers, not text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentxray.analyze.js.deobfuscate.deobfuscator import deobfuscate
from agentxray.analyze.js.deobfuscate.detect import looks_obfuscated
from agentxray.analyze.js.deobfuscate.localcalls import constant_array_edits
from agentxray.analyze.js.deobfuscate.rewrite import apply_edits
from agentxray.analyze.js.deobfuscate.scope import Scopes
from agentxray.analyze.js.deobfuscate.syntax import parse
from agentxray.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"
CONCEALED = ["Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "lite-model-cn"]
URL = "https://api.example-agent.dev/v1/chat"


def _scan(path: Path, tmp_path: Path) -> list[dict[str, object]]:
    out = tmp_path / "report.json"
    assert main(["scan", str(path), "--format", "json", "--output", str(out)]) in (0, 1)
    findings: list[dict[str, object]] = json.loads(out.read_text())["findings"]
    return findings


def _where(findings: list[dict[str, object]], rule: str) -> list[int]:
    return [f["location"]["line"] for f in findings if f["rule"] == rule]  # type: ignore[index]


def test_a_decoder_of_the_file_is_evaluated_and_its_calls_inlined() -> None:
    data = (FIXTURES / "concealed.js").read_bytes()
    assert looks_obfuscated(data)
    assert not any(s.encode() in data for s in [*CONCEALED, URL])
    result = deobfuscate(data)
    assert result is not None and not result.problems
    assert result.decoders == 1 and result.arrays == 0 and result.strings >= 12
    out = result.data.decode()
    assert "['Asia/Shanghai', 'Asia/Chongqing', 'Asia/Harbin']" in out
    assert f"'{URL}'" in out and "a(0x" not in out and "a(" not in out.split("function zone")[1]
    (hidden,) = result.hidden
    assert hidden.source == "decoder function"
    assert set(CONCEALED) | {URL} <= set(hidden.values)
    assert not any(len(v) > 100 for v in hidden.values)  # the blob itself is the file's literal
    assert not parse(result.data, False).root_node.has_error


def test_the_concealed_geofence_and_its_decoded_strings_are_reported(tmp_path: Path) -> None:
    findings = _scan(FIXTURES / "concealed.js", tmp_path)
    assert _where(findings, "js-geofence") == [25]  # the zone-list comparison
    (geo,) = [f for f in findings if f["rule"] == "js-geofence"]
    assert all(zone in str(geo["title"]) for zone in ("Asia/Shanghai", "Asia/Chongqing", "Harbin"))
    (hidden,) = [f for f in findings if f["rule"] == "js-obfuscated-data"]
    assert hidden["location"]["line"] == 15  # type: ignore[index]  # the decoder
    assert str(hidden["title"]).startswith("Hidden data (decoder function)")
    assert URL in hidden["decoded"] and "Asia/Harbin" in hidden["decoded"]  # type: ignore[operator]


def test_code_packed_into_a_function_string_is_unpacked_and_read(tmp_path: Path) -> None:
    data = (FIXTURES / "packed.js").read_bytes()
    result = deobfuscate(data)
    assert result is not None and result.unpacked == 1
    assert "= function anonymous(opts) {\nvar zones" in result.data.decode()
    assert _where(_scan(FIXTURES / "packed.js", tmp_path), "js-geofence") == [4]


def test_hex_calls_that_compute_numbers_are_left_alone(tmp_path: Path) -> None:
    data = (FIXTURES / "hexcalls.js").read_bytes()
    assert looks_obfuscated(data)  # the prefilter looks closer …
    assert deobfuscate(data) is None  # … and finds nothing that hides text
    assert _scan(FIXTURES / "hexcalls.js", tmp_path) == []


def test_a_literal_list_mapped_through_the_files_own_function() -> None:
    rot13 = "function r(s){return String(s).replace(/[a-z]/gi,function(c){var b=c<='Z'?65:97;" \
        "return String.fromCharCode((c.charCodeAt(0)-b+13)%26+b);});}"  # fmt: skip
    data = (
        f"{rot13}\n"
        "var bad = ['Nfvn/Funatunv', 'Nfvn/Hehzdv'].map(r);\n"
        + "".join(f"var x{i} = r(0x{i:x});\n" for i in range(8))  # what draws a closer look
        + "module.exports = bad.indexOf(Intl.DateTimeFormat().resolvedOptions().timeZone) >= 0;\n"
    ).encode()
    result = deobfuscate(data)
    assert result is not None
    assert "['Asia/Shanghai', 'Asia/Urumqi']" in result.data.decode()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("var K = [0x0, 'length', 'push']; x[K[1]]; y[K[0x2]](1);", "x['length']; y['push'](1);"),
        # written elsewhere, or read at a computed index: the table is left as it is
        ("var K = ['a', 'b']; K[0] = 'c'; x[K[0]];", "x[K[0]];"),
        ("var K = ['a', 'b']; x[K[i]]; y[K[1]];", "y[K[1]];"),
        ("var K = ['a', 'b']; K.push('c'); y[K[1]];", "y[K[1]];"),
    ],
)
def test_a_read_only_table_of_literals_is_inlined(source: str, expected: str) -> None:
    data = source.encode()
    tree = parse(data, False)
    edits = constant_array_edits(tree.root_node, Scopes(tree.root_node, data, False), False)
    assert apply_edits(data, edits)[0].decode().endswith(expected)


def test_code_whose_strings_stay_hidden_is_called_still_obfuscated() -> None:
    from agentxray.analyze.js.deobfuscate.detect import still_obfuscated

    # The shape js-confuser's heavier presets leave: names and numbers, no words in any literal.
    machinery = "".join(
        f"function Qx{i}Zv(a,b){{return Kw7Q[a*{i}+b]^Hz3M[(b<<{i % 7})&0x3f];}}\n"
        for i in range(400)
    )
    assert still_obfuscated(machinery.encode()) is not None
    # The same amount of ordinary code, minified, is read as code: its literals carry words.
    plain = "".join(
        f"function f{i}(e){{return e.headers['content-type']||'text/plain'}}\n" for i in range(300)
    )
    assert len(plain) > 16_000 and still_obfuscated(plain.encode()) is None
    assert still_obfuscated((FIXTURES / "concealed.js").read_bytes()) is None  # small: not judged
