"""The one obfuscated-data policy, over records (no language front-end): benign classes,
grouping per decoder, severity and ids."""

from __future__ import annotations

import pytest

from agentxray.analyze.behaviour.obfuscated import obfuscation_findings, readable, step_class
from agentxray.analyze.behaviour.records import Decoded, Evidence
from agentxray.model import Location

RULE = "x-obfuscated-data"


def _ev(line: int, vpath: str = "pkg/agent.js") -> Evidence:
    return Evidence(
        location=Location(vpath, line, 1, line * 10),
        snippet=f"// line {line}\nexpr",
        text="expr",
        function="function f()",
        function_key=1,
    )


def _decoded(
    values: tuple[str, ...], steps: tuple[str, ...], line: int = 3, **kw: object
) -> Decoded:
    return Decoded(values=values, steps=steps, evidence=_ev(line), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("steps", "severity"),
    [
        (("base64",), "medium"),  # merely encoded, compared with nothing
        (("XOR with key 0x5a",), "high"),  # nobody XORs text but to hide it
        (("char codes",), "high"),
        (("base64", "zlib"), "high"),  # layered
    ],
)
def test_severity_follows_how_deliberately_it_is_hidden(
    steps: tuple[str, ...], severity: str
) -> None:
    (found,) = obfuscation_findings(RULE, [_decoded(("relay.example.test/upload",), steps)])
    assert (found.rule, found.location.line, found.severity) == (RULE, 3, severity)
    assert found.decoded == ("relay.example.test/upload",)


def test_values_compared_with_a_source_are_critical() -> None:
    (found,) = obfuscation_findings(
        RULE, [_decoded(("Asia/Shanghai", "Asia/Urumqi"), ("base64",), compared=True)]
    )
    assert found.severity == "critical"


@pytest.mark.parametrize(
    "record",
    [
        _decoded(tuple("abcdefghij"), ("character codes", "range")),  # an alphabet from a range
        _decoded(("a", "b", "c"), ("base64",)),  # a codec's table, one character each
        _decoded(("maps\n",), ("reversed",)),  # "spam\n"[::-1]
        _decoded(("<svg xmlns='http://www.w3.org/2000/svg'><path d='M0 0'/></svg>",), ("base64",)),
        _decoded(tuple(f"word{i}" for i in range(80)), ("zlib",)),  # an embedded word list
        _decoded(("--",), ("hex",)),  # nothing readable
        # a polyfill's base64 alphabet built from char codes: a codec's table, not a value
        _decoded(
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",),
            ("character codes",),
        ),
        _decoded(("0123456789abcdef",), ("character codes",)),  # base16's alphabet
        # SVG path data a drawing function computes, its points' array reversed every other
        # line (Claude Code 2.1.324's banner): numbers, not hidden text
        _decoded(
            ("M1622.8 769.6Q1609.6 769.6 1602.3 766.6T1587 759.4", "M1341.3 1028.4Q1334.8 1013"),
            ("reversed string",),
        ),
    ],
)
def test_benign_decodings_are_silent(record: Decoded) -> None:
    assert obfuscation_findings(RULE, [record]) == []


@pytest.mark.parametrize(
    ("values", "compared"),
    [
        (("qwertyuiopasdfghjklzxcvbnm0123456789",), False),  # shuffled: a custom encoding's key
        (("ABCDEFGHIJKLMNOPQRSTUVWXYZ",), True),  # compared with a signal: it decides something
        (("abcdefghijklmnopqrstuvwxyz", "mirror.example.test"), False),  # not all alphabets
    ],
)
def test_only_plain_unused_alphabets_are_exempt(values: tuple[str, ...], compared: bool) -> None:
    (found,) = obfuscation_findings(
        RULE, [_decoded(values, ("character codes",), compared=compared)]
    )
    assert (found.rule, found.location.line) == (RULE, 3)


def test_a_reversed_address_is_hidden() -> None:
    (found,) = obfuscation_findings(RULE, [_decoded(("drop.example.test",), ("reversed",))])
    assert found.location.line == 3


@pytest.mark.parametrize(
    "values",
    [
        ("10.44.0.7:8443/api",),  # an address: digits, with a word
        ("zh_CN", "zh_SG"),  # short codes are mostly letters
        ("M0 0L10 10",),  # compared with a signal below: numbers that decide something
    ],
)
def test_numbers_with_words_or_compared_stay_hidden(values: tuple[str, ...]) -> None:
    compared = values == ("M0 0L10 10",)
    (found,) = obfuscation_findings(
        RULE, [_decoded(values, ("XOR with key 0x21",), compared=compared)]
    )
    assert found.decoded == values


def test_values_of_one_decoder_are_one_finding_at_its_definition() -> None:
    anchor = _ev(1)
    items = [
        _decoded(
            ("one.example",), ("XOR",), line=5, group="dec", anchor=anchor, decoder="function dec()"
        ),
        _decoded(
            ("two.example",), ("XOR",), line=9, group="dec", anchor=anchor, decoder="function dec()"
        ),
    ]
    (found,) = obfuscation_findings(RULE, items)
    assert found.location.line == 1
    assert found.decoded == ("one.example", "two.example")
    assert [r.line for r in found.related] == [5, 9]
    assert found.message.startswith("Function dec() hides 2 encoded value(s)")


def test_codec_fixtures_in_test_code_are_silent_unless_they_decide_behaviour() -> None:
    def at(vpath: str, compared: bool) -> Decoded:
        return Decoded(
            values=("relay.example.test",),
            steps=("XOR",),
            evidence=_ev(2, vpath),
            compared=compared,
        )

    assert obfuscation_findings(RULE, [at("pkg/tests/test_codec.py", False)]) == []
    assert len(obfuscation_findings(RULE, [at("pkg/tests/test_codec.py", True)])) == 1


def test_step_names_of_both_front_ends_meet() -> None:
    assert {step_class("char codes"), step_class("character codes")} == {"character codes"}
    assert step_class("zlib-compressed") == step_class("zlib") == "zlib"
    assert step_class("reversed string") == step_class("reversed") == "reversed"


def test_a_deobfuscated_string_array_keeps_its_id_over_every_value() -> None:
    values = tuple(f"s{i}.example" for i in range(600))
    record = Decoded(
        values=values,
        steps=("string array",),
        evidence=_ev(1),
        group="table 0",
        evaluator="deobfuscation",
    )
    (found,) = obfuscation_findings(RULE, [record])
    assert found.severity == "high"
    assert found.title.startswith("Hidden data (string array): 600 decoded value(s)")
    assert len(found.decoded) == 600


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("relay.example.test",), True),
        (("line one\nline two",), True),  # newlines are text
        (("\x00\x01\x02\x03\x04\x05ab",), False),  # key material
        (("1234",), False),  # no letters
    ],
)
def test_readable(texts: tuple[str, ...], expected: bool) -> None:
    assert readable(texts) is expected
