"""The one watermark policy, over records (no language front-end): which choices count, how
they group at the text they are written into, severity and ids."""

from __future__ import annotations

import pytest

from agentxray.analyze.behaviour.records import Choice, Evidence, Sink, Source
from agentxray.analyze.behaviour.watermark import lookalikes, marks_in, watermark_findings
from agentxray.model import Location

RULE = "x-watermark"
TZ = Source(kind="timezone", read="env:TZ", label="timezone (env:TZ)")


def _ev(line: int, text: str = "expr", condition: str = "") -> Evidence:
    return Evidence(
        location=Location("f.js", line, 1, line * 10),
        snippet=f"// line {line}\n{text}",
        text=text,
        function="function f()",
        function_key=1,
        condition=condition,
    )


def _text_sink(line: int) -> Sink:
    return Sink("text", _ev(line, "`Today${q}s date`"))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["it\u2019s", "it's"], True),  # a curly apostrophe for a straight one
        (["\u200d", ""], True),  # an invisible mark appended or not
        (["%Y-%m-%d", "%Y/%m/%d"], True),  # a date separator swapped
        (["\ufe0f", "\ufe0e"], True),  # variation selectors
        (["\ufeff", ""], False),  # a byte-order mark kept or dropped
        (["yes", "no"], False),  # different words
        (["caf\u00e9", "cafe"], False),  # no invisible or confusable character
    ],
)
def test_lookalikes(values: list[str], expected: bool) -> None:
    assert lookalikes(values) is expected


def test_choice_decided_by_a_source_is_a_critical_watermark_at_its_text() -> None:
    choice = Choice(
        kind="variants",
        evidence=_ev(3, "tz === 'Asia/Shanghai' ? '\u2019' : \"'\"", "when TZ is set"),
        variants=("\u2019", "'"),
        whens=("tz === 'Asia/Shanghai'", "not (tz === 'Asia/Shanghai')"),
        sources=(TZ,),
        sinks=(_text_sink(5),),
        key=30,
    )
    (found,) = watermark_findings(RULE, [choice])
    assert (found.rule, found.location.line, found.severity) == (RULE, 5, "critical")
    assert found.signals == ("timezone (env:TZ)",)
    assert found.condition == "when TZ is set"
    assert found.related == (choice.evidence.location,)


def test_invisible_variants_written_nowhere_are_editor_state() -> None:
    # CodeMirror's `prevInput = selected ? "" : "\u200b"`: no text, no signal, not returned.
    choice = Choice(kind="variants", evidence=_ev(2), variants=("", "\u200b"), key=20)
    assert watermark_findings(RULE, [choice]) == []
    returned = Choice(kind="variants", evidence=_ev(2), variants=("", "\u200b"), returned=True)
    assert [f.location.line for f in watermark_findings(RULE, [returned])] == [2]


def test_emoji_presentation_by_an_option_is_silent_by_data_bits_is_not() -> None:
    option = Choice(
        kind="variants", evidence=_ev(4), variants=("\ufe0f", "\ufe0e"), sinks=(_text_sink(6),)
    )
    assert watermark_findings(RULE, [option]) == []
    bits = Choice(
        kind="variants",
        evidence=_ev(4),
        variants=("\ufe0f", "\ufe0e"),
        sinks=(_text_sink(6),),
        bits=True,
    )
    (found,) = watermark_findings(RULE, [bits])
    assert (found.location.line, found.severity) == (6, "critical")


def test_two_look_alike_choices_have_a_high_ungated_finding() -> None:
    choice = Choice(
        kind="variants",
        evidence=_ev(4),
        variants=("\u200b", "\u200c", "\u200d"),
        test="i % 3",
        sinks=(_text_sink(8),),
    )
    (found,) = watermark_findings(RULE, [choice])
    assert (found.location.line, found.severity) == (8, "high")


def test_substitution_on_no_signal_is_a_typographer() -> None:
    edit = Choice(kind="substitution", evidence=_ev(7), chars=("\u2013",), detail="/-/g", key=70)
    assert watermark_findings(RULE, [edit]) == []
    gated = Choice(
        kind="substitution",
        evidence=_ev(7),
        chars=("\u2013",),
        detail="/-/g",
        sources=(TZ,),
        key=70,
    )
    (found,) = watermark_findings(RULE, [gated])
    assert (found.location.line, found.severity) == (7, "critical")
    assert found.title.startswith("Covert watermark (substitution)")


def test_an_edit_already_reported_as_a_choice_is_not_reported_again() -> None:
    choice = Choice(
        kind="variants",
        evidence=_ev(3),
        variants=("\u2019", "'"),
        whens=("a", "not (a)"),
        sources=(TZ,),
        key=30,
    )
    edit = Choice(kind="decoration", evidence=_ev(3), chars=("\u2019",), sources=(TZ,), key=30)
    assert [
        f.title.startswith("Covert watermark:") for f in watermark_findings(RULE, [choice, edit])
    ] == [True]


def test_a_separator_joins_the_text_its_neighbour_marks_unless_it_normalises_the_source() -> None:
    choice = Choice(
        kind="variants",
        evidence=_ev(3),
        variants=("\u2019", "'"),
        whens=("a", "not (a)"),
        sources=(TZ,),
        sinks=(_text_sink(9),),
        key=30,
    )
    sep = Choice(
        kind="separator",
        evidence=_ev(4),
        variants=("-", "/"),
        test="a",
        sinks=(_text_sink(9),),
        key=40,
    )
    (found,) = watermark_findings(RULE, [choice, sep])
    assert "separator '-' → '/'" in found.values
    normalising = Choice(
        kind="separator",
        evidence=_ev(4),
        variants=("-", "."),
        test="host",
        sources=(TZ,),
        sinks=(_text_sink(12),),
        normalises_source=True,
    )
    assert watermark_findings(RULE, [normalising]) == []


def test_same_choices_same_id_wherever_they_are() -> None:
    def at(line: int) -> Choice:
        return Choice(
            kind="variants",
            evidence=_ev(line),
            variants=("\u2019", "'"),
            whens=("a", "not (a)"),
            sources=(TZ,),
            sinks=(_text_sink(line + 1),),
        )

    assert watermark_findings(RULE, [at(3)])[0].id == watermark_findings(RULE, [at(30)])[0].id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it\u2019s", ["\u2019"]),  # a curly apostrophe in Latin text
        ("x\u200by", ["\u200b"]),  # zero width anywhere
        ("\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440", []),  # a Russian sentence
        ("\u0430", ["\u0430"]),  # a short variant: Cyrillic a standing for Latin a
    ],
)
def test_marks_in(text: str, expected: list[str]) -> None:
    assert marks_in(text) == expected


def test_marks_in_equals_its_definition_on_mixed_text() -> None:
    # The early answer (no invisible or non-ASCII look-alike character at all) must not change
    # what is found: random text of ASCII, invisible marks, look-alikes and other scripts.
    import random

    from agentxray.analyze.behaviour.unicode import INVISIBLE, prototypes

    def defined(s: str) -> list[str]:
        table = prototypes()
        letters = [ch for ch in s if ch.isalpha()]
        latin = sum(ch.isascii() for ch in letters)
        mixed = len(s) <= 4 or (letters and latin >= 0.8 * len(letters))
        return [ch for ch in s if ch in INVISIBLE or (mixed and ch in table and not ch.isascii())]

    pool = "abc xyz.-'" + "".join(sorted(INVISIBLE))[:6] + "".join(sorted(prototypes()))[:12]
    pool += "\u041f\u0440\u0438\u4e2d\u6587\u00e9\u00fc\u2014"
    rng = random.Random(3)
    for _ in range(2000):
        s = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 30)))
        assert marks_in(s) == defined(s), s
