"""Fast paths of the analysis: each must give exactly what the slow path it replaces gives."""

from __future__ import annotations

import random
import re

import pytest

from agentxray.analyze.js import nodes
from agentxray.analyze.js.nodes import NameIndex, literal_matches
from agentxray.analyze.js.parse import parse_js

FOLLOWS = [rb"(?![\w$])", rb"\s*\(", rb"\s*(?:=(?![=>])|\(|:)", rb"\s*=(?![=>])"]


def _slow(data: bytes, literal: bytes, follow: bytes, start: int, stop: int) -> list[int]:
    pattern = re.compile(re.escape(literal) + follow)
    return [m.start() for m in pattern.finditer(data, start, stop)]


@pytest.mark.parametrize("follow", FOLLOWS)
def test_literal_matches_equals_re_finditer_on_random_text(
    follow: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks so that matches straddle chunk borders; an alphabet that makes overlaps
    # ("aaa" for "aa"), names inside longer names and every kind of follower frequent.
    monkeypatch.setattr(nodes, "_SEARCH_CHUNK", 7)
    rng = random.Random(7)
    alphabet = b"aab$ (=:>\n."
    for _ in range(300):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 90)))
        literal = bytes(rng.choice(b"ab$") for _ in range(rng.randrange(1, 4)))
        start = rng.randrange(0, len(data) + 1)
        stop = rng.randrange(start, len(data) + 1)
        got = list(literal_matches(data, literal, re.compile(follow), start, stop))
        assert got == _slow(data, literal, follow, start, stop), (data, literal, start, stop)


def test_literal_matches_do_not_overlap_like_finditer() -> None:
    # finditer of "aa\\s*\\(" on "aaa(" matches at 1 only; "aa(aa(" at 0 and 3.
    follow = re.compile(rb"\s*\(")
    assert list(literal_matches(b"aaa(", b"aa", follow, 0, 4)) == [1]
    assert list(literal_matches(b"aa(aa(", b"aa", follow, 0, 6)) == [0, 3]
    # The end of the range is the end of the text for the follower, as for finditer.
    word = re.compile(rb"(?![\w$])")
    assert list(literal_matches(b"abc", b"ab", word, 0, 2)) == [0]
    assert list(literal_matches(b"abc", b"ab", word, 0, 3)) == []


def test_name_index_finds_the_same_nodes_by_either_search(monkeypatch: pytest.MonkeyPatch) -> None:
    source = (
        b"function Ab(x){return x+1}\n"
        b"const q={Ab, c:o.Ab, d:[...Ab]};\n"
        b"var Abc=Ab(2), z = Ab (3); Ab = Ab || 0; Ab: for(;;) break Ab;\n"
    ) * 40
    tree = parse_js(source)

    def found(fast_from: int) -> dict[bytes, list[tuple[int, int, str]]]:
        monkeypatch.setattr(nodes, "_FAST_FROM", fast_from)
        index = NameIndex(tree, source)
        out = {}
        for follow in FOLLOWS:
            out[follow] = [
                (n.start_byte, n.end_byte, n.type)
                for n in index._find_identifiers("Ab", 0, None, follow)
            ]
        return out

    fast, slow = found(0), found(len(source) + 1)
    assert fast == slow
    calls = [start for start, _, _ in fast[rb"\s*\("]]
    assert calls[:3] == [source.index(b"Ab(x)"), source.index(b"Ab(2)"), source.index(b"Ab (3)")]
