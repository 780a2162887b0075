"""Edits and the position map that leads offsets in rewritten text back to the original."""

from __future__ import annotations

from agentxray.analyze.js.deobfuscate.rewrite import Copy, Edit, PositionMap, apply_edits


def test_an_edit_maps_to_the_start_of_what_it_replaced() -> None:
    data = b"f(_0x1(7), x)"
    out, step = apply_edits(data, [Edit.text(2, 9, "'hello'")])
    assert out == b"f('hello', x)"
    assert [step.old(i) for i in range(len(out))] == [0, 1] + [2] * 7 + [9, 10, 11, 12]


def test_copied_parts_keep_their_own_positions() -> None:
    data = b"case1;case2;"
    # Swap the two statements: each copy still maps to where it was.
    out, step = apply_edits(data, [Edit(0, 12, (Copy(6, 12), b"\n", Copy(0, 6)))])
    assert out == b"case2;\ncase1;"
    assert step.old(out.index(b"case2")) == 6
    assert step.old(out.index(b"case1") + 4) == 4
    assert step.old(out.index(b"\n")) == 0


def test_overlapping_edits_keep_the_outer_one() -> None:
    data = b"a + (b + c)"
    out, _ = apply_edits(data, [Edit.text(5, 10, "X"), Edit.text(4, 11, "Y")])
    assert out == b"a + Y"


def test_maps_compose_across_passes() -> None:
    data = b"var a = 0x10;"
    first, step1 = apply_edits(data, [Edit.text(0, 3, "let")])
    second, step2 = apply_edits(first, [Edit.text(8, 12, "16"), Edit(0, 0, (b"// x\n",))])
    positions = PositionMap().then(step1).then(step2)
    assert second == b"// x\nlet a = 16;"
    assert positions.to_original(second.index(b"a =")) == data.index(b"a =")
    assert positions.to_original(second.index(b"16")) == data.index(b"0x10")
    assert positions.to_original(len(second) - 1) == len(data) - 1


def test_words_are_not_glued_together() -> None:
    out, _ = apply_edits(b"return![];", [Edit.text(6, 9, "false")])
    assert out == b"return false;"
    out, _ = apply_edits(b"a in b", [Edit(1, 5)])
    assert out == b"a b"
