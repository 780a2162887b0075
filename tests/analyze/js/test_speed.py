"""Fast paths of the analysis: each must give exactly what the slow path it replaces gives."""

from __future__ import annotations

import random
import re

import pytest
from tree_sitter import Node

from agentxray.analyze.facts import jsscope
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


TOKENS = [
    *["x", "xx", "$x", "x$", "ax", "a.x", "...x", ".", " ", "\n", "\t", "=", "==", "=>", "+="],
    *["??=", "(", ")", "[", "]", "k", ",", "push", "set", "writeFile", "writeFileSync", "fs."],
    *["Object.assign", "createWriteStream", "appendFileSync", "mywriteFile", ".length"],
]


@pytest.mark.parametrize("fast_from", [0, 10**9])
def test_write_sites_and_word_starts_equal_their_regexes(
    fast_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``write_sites``/``word_starts`` replace a regex compiled per name; on text dense with
    # every writing form, overlaps and near-misses they must give the regex's identifiers.
    monkeypatch.setattr(jsscope, "_FAST_FROM", fast_from)
    monkeypatch.setattr(nodes, "_SEARCH_CHUNK", 11)
    rng = random.Random(11)
    # Overlaps: a match that swallows the next occurrence, two forms at one place.
    fixed = [b"x[x=1]=2", b"writeFile(x = 3)", b"x.push(x=1)", b"assign( x.k=1", b"a.x = x"]
    cases = [(data, "x", 0, len(data)) for data in fixed]
    for _ in range(1500):
        data = "".join(rng.choice(TOKENS) for _ in range(rng.randrange(0, 40))).encode()
        start = rng.randrange(0, len(data) + 1) if rng.random() < 0.5 else 0
        end = rng.randrange(start, len(data) + 1) if rng.random() < 0.5 else len(data)
        cases.append((data, rng.choice(["x", "x", "xx", "$x", "x$"]), start, end))
    for data, name, start, end in cases:
        slow = jsscope._writing(name).finditer(data, start, end)
        want = [m.start("name") if m.group("name") else m.start("into") for m in slow]
        assert jsscope.write_sites(data, name, start, end) == want, (data, name, start, end)
        words = [m.start() for m in jsscope._word(name).finditer(data, start, end)]
        assert jsscope.word_starts(data, name, start, end) == words, (data, name, start, end)


def test_write_sites_finds_each_writing_form() -> None:
    data = b"x = 1; x.k = 2; x[k] = 3; x.push(4); fs.writeFile(x, 5); y = x; f(x); x == 6"
    sites = jsscope.write_sites(data, "x", 0, len(data))
    assert sites == [0, 7, 16, 26, data.index(b"x, 5")]


def test_watermark_strings_skip_repeats_inside_one_literal_only() -> None:
    from agentxray.analyze.interface import SourceUnit
    from agentxray.analyze.js.analysis import analyse
    from agentxray.analyze.js.watermark import _PREFILTER, _strings
    from agentxray.model import FileEntry

    source = (
        b'const ru = "\\u0410\\u0411\\u0412 \\u0413\\u0414", q = "\\u2019";\n'
        b"const t = `\\u0410 ${'\\u0411' + \"\\u0412\"} \\u0413`, s = 'a\\u00a0b';\n"
    )
    unit = SourceUnit(FileEntry("t.js", "javascript", len(source), "0"), source)
    a = analyse(unit)
    want: dict[int, Node] = {}  # every match resolved on its own, as before the shortcut
    for pat in _PREFILTER:
        for m in pat.finditer(source):
            node = a.index.node_at(m.start(), m.end())
            for _ in range(3):
                if node.type in ("string", "template_string") or node.parent is None:
                    break
                node = node.parent
            if node.type in ("string", "template_string"):
                want[node.start_byte] = node
    got = _strings(a)
    assert [(n.start_byte, n.type) for n in got] == [(n.start_byte, n.type) for n in want.values()]
    assert {source[n.start_byte : n.end_byte][:4] for n in got} >= {b'"\\u0', b"'\\u0", b"`\\u0"}


def test_literal_prefixes_are_read_from_the_pattern() -> None:
    assert nodes.literal_prefixes(re.compile(rb"[Cc](?:ountry|OUNTRY)(?:-[Cc]ode)?[\"'`]")) == (
        b"COUNTRY",
        b"Country",
        b"cOUNTRY",
        b"country",
    )
    assert nodes.literal_prefixes(re.compile(rb"fromCharCode|atob\(|_0x[0-9a-f]{4}")) == (
        b"_0x",
        b"atob(",
        b"fromCharCode",
    )
    assert nodes.literal_prefixes(re.compile(rb"\.to(?:Time)?String\(\)")) == (b".to",)
    # Unknown starts: a class too wide to spell out, an optional lead, case folding.
    assert nodes.literal_prefixes(re.compile(rb"[a-z]+x")) is None
    assert nodes.literal_prefixes(re.compile(rb"a?bc")) is None
    assert nodes.literal_prefixes(re.compile(rb"abc", re.IGNORECASE)) is None
    assert nodes.literal_prefixes(re.compile(rb"(?:ab|c)d")) is None  # "c" is one byte


def _patterns() -> list[re.Pattern[bytes]]:
    from agentxray.analyze.js.deobfuscate.recognise import PREFILTER
    from agentxray.analyze.js.signals import PREFILTERS
    from agentxray.analyze.js.watermark import _PREFILTER

    return [PREFILTER, *PREFILTERS, *_PREFILTER]


def test_prefiltered_finditer_equals_finditer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every prefilter the analysis runs, on text made of pieces of their own matches, so that
    # matches abut, overlap and straddle (small) chunk borders.
    monkeypatch.setattr(nodes, "_SEARCH_CHUNK", 13)
    patterns = _patterns()
    pieces = [
        *[b"fromCharCode", b"atob(", b"'base64'", b'"hex"', b".reverse().join(", b"_0x1a2b"],
        *[b"process.env", b".HOME", b"['LANG']", b";", b"resolvedOptions()", b"hostname()"],
        *[b"navigator.languages", b"CF-IPCountry'", b"country_code", b"countryCode", b"apiKey"],
        *[b".toString()", b".toTimeString()", b"\\u2019", b"\\u0410", b"\xe2\x80\x8b", b"x"],
        *[b" ", b"'", b'"', b"-", b"Code", b"_", b"0x", b"co", b"untry", b"\\u20", b"ab"],
    ]
    rng = random.Random(5)
    for _ in range(600):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30)))
        for pattern in patterns:
            fast = [m.span() for m in nodes.prefiltered_finditer(pattern, data)]
            assert fast == [m.span() for m in pattern.finditer(data)], (pattern.pattern, data)
    assert sum(nodes.literal_prefixes(p) is not None for p in patterns) >= len(patterns) - 1


def test_prefiltered_finditer_keeps_finditers_order_and_overlaps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Prefixes of different lengths that overlap: hits arrive by end, matches must not overlap,
    # and a short prefix in one chunk's tail must wait for a longer one starting before it.
    monkeypatch.setattr(nodes, "_SEARCH_CHUNK", 5)
    patterns = [re.compile(p) for p in (rb"aaa|ab", rb"ba[ab]{2}|abab", rb"(?:ba|abbb)a", rb"abb*")]
    assert all(nodes.literal_prefixes(p) is not None for p in patterns)
    rng = random.Random(3)
    for _ in range(3000):
        data = bytes(rng.choice(b"ab") for _ in range(rng.randrange(0, 24)))
        for pattern in patterns:
            fast = [m.span() for m in nodes.prefiltered_finditer(pattern, data)]
            assert fast == [m.span() for m in pattern.finditer(data)], (pattern.pattern, data)


def test_hex_call_density_counts_like_the_regex() -> None:
    # looks_obfuscated counts "(0x" before running the regex: on text near the threshold,
    # with calls that do not match (no callee, no closing), it answers as the regex alone.
    from agentxray.analyze.js.deobfuscate import detect

    rng = random.Random(5)
    parts = [b"f(0x1a)", b"_(0xff,", b" (0x1)", b"g(0x)", b"h(0x9 ", b"x", b";", b"$(0xA\n)"]
    for _ in range(400):
        data = b"".join(rng.choice(parts) for _ in range(rng.randrange(0, 30)))
        matches = len(detect._HEX_CALL.findall(data))
        assert detect.looks_obfuscated(data) == (matches >= detect.MIN_HEX_CALLS), data


def test_zero_width_assertions_keep_the_literal_prefix_and_are_still_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `\bnew\s+Holder\(` over an 18 MB bundle: re scans byte by byte behind a leading `\b`
    # (140 ms a search); its literal `new` found first, the same matches (5 ms).
    assert nodes.literal_prefixes(re.compile(rb"\bnew\s+Holder\s*\(")) == (b"new",)
    assert nodes.literal_prefixes(re.compile(rb"(?<![\w$.])cfg\s*\.")) == (b"cfg",)
    assert nodes.literal_prefixes(re.compile(rb"\bclass\s+([\w$]+)[\s{]")) == (b"class",)
    assert nodes.literal_prefixes(re.compile(rb"\b\w+")) is None
    monkeypatch.setattr(nodes, "_SEARCH_CHUNK", 7)
    patterns = [
        re.compile(rb"\bnew\s+Holder\s*\("),
        re.compile(rb"\bclass\s+Holder\b"),
        re.compile(rb"(?<![\w$.])new\s*\.\s*k(?![\w$])"),
        re.compile(rb"enum\s+Holder\s*\{"),
    ]
    pieces = [b"new", b"renew", b"class", b"subclass", b" ", b"Holder", b"Holders", b"(", b"{"]
    pieces += [b".", b"$", b"_", b"k", b"\n", b"enum", b"x"]
    rng = random.Random(11)
    for _ in range(800):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 24)))
        for pattern in patterns:
            fast = [m.span() for m in nodes.prefiltered_finditer(pattern, data)]
            assert fast == [m.span() for m in pattern.finditer(data)], (pattern.pattern, data)


def test_a_leading_repetition_gives_its_first_rounds_prefixes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentxray.analyze.js.deobfuscate.decode import _TAG_RUN

    assert nodes.literal_prefixes(re.compile(rb"(?:ab|cd){3,}x")) == (b"ab", b"cd")
    assert nodes.literal_prefixes(re.compile(rb"(?:ab)+?c")) == (b"ab",)
    assert nodes.literal_prefixes(re.compile(rb"a*bc")) is None  # may start with `b`
    assert nodes.literal_prefixes(re.compile(rb"(?:a|bc)+")) is None  # `a` is one byte
    assert nodes.literal_prefixes(_TAG_RUN) is not None  # invisible tag text: 0.3 s -> 6 ms
    monkeypatch.setattr(nodes, "_SEARCH_CHUNK", 7)
    patterns = [re.compile(rb"(?:ab|cd){2,}x"), re.compile(rb"(?:ab)+?c"), _TAG_RUN]
    pieces = [b"ab", b"cd", b"x", b"c", b"a", b"\\u{E0041}", b"\\u{e0062}", b"\xf3\xa0\x81\x81"]
    pieces += [b"\\uDB40\\uDC41", b"\\udb40\\udc7f", b"\\u", b" "]
    rng = random.Random(7)
    for _ in range(800):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 24)))
        for pattern in patterns:
            fast = [m.span() for m in nodes.prefiltered_finditer(pattern, data)]
            assert fast == [m.span() for m in pattern.finditer(data)], (pattern.pattern, data)


def test_sent_keys_equal_the_patterns_finditer(monkeypatch: pytest.MonkeyPatch) -> None:
    # The request-shape candidates ({body: …}, , "json" :) found from their key word: the same
    # matches as the pattern's own finditer, on text where keys abut, nest in words and quotes.
    from agentxray.analyze.facts.jssinks import _SENT_KEY, sent_keys

    monkeypatch.setattr(nodes, "_SEARCH_CHUNK", 9)
    pieces = [b"{", b",", b" ", b"\n", b"\t", b"'", b'"', b":", b"body", b"json", b"form"]
    pieces += [b"payload", b"format", b"jsonbody", b"x", b"(", b"{body:", b",'json':"]
    rng = random.Random(13)
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 24)))
        fast = [m.span() for m in sent_keys(data)]
        assert fast == [m.span() for m in _SENT_KEY.finditer(data)], data
