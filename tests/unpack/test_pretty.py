"""prettify(): only whitespace changes, literals stay byte for byte, the result parses as well."""

from __future__ import annotations

import re
import time

import pytest
import tree_sitter
import tree_sitter_javascript

from agentxray.errors import UnpackError
from agentxray.unpack import pretty
from agentxray.unpack.pretty import MAX_INDENT, opaque_spans, prettify

LANGUAGE = tree_sitter.Language(tree_sitter_javascript.language())
PROBLEMS = tree_sitter.Query(LANGUAGE, "[(ERROR) (MISSING)] @problem")

LITERALS = [
    b'"a;b{c}d"',
    b"'}'",
    b"`t;${x+`in;{ner}`};{}`",
    b"/[;{}]+\\/;/gi",
    b"/* block; { comment } */",
    b"// line; comment {",
]
SOURCE = (
    b'"use strict";var a="a;b{c}d",b=\'}\';function f(x){if(x){return `t;${x+`in;{ner}`};{}`}'
    b"else{for(let i=0;i<3;i++){x=x/2;g(i)}}return/[;{}]+\\/;/gi.test(x)}"
    b"/* block; { comment } */class K{static{this.y=1}m(){}}var o={a:1,b:{c:[1,2]}};"
    b"// line; comment {\nlet espa\\u{f1}ol=1;const h=()=>({k:1});try{h()}catch{}finally{f(1)}"
)


def problems(data: bytes) -> int:
    tree = tree_sitter.Parser(LANGUAGE).parse(data)
    found = tree_sitter.QueryCursor(PROBLEMS).captures(tree.root_node)
    return sum(len(nodes) for nodes in found.values())


def squeeze(data: bytes) -> bytes:
    return re.sub(rb"\s+", b"", data)


def test_only_whitespace_changes_and_literals_survive() -> None:
    out = prettify(SOURCE)
    assert out != SOURCE and out.count(b"\n") > 10
    assert squeeze(out) == squeeze(SOURCE)
    for literal in LITERALS:
        assert literal in out, literal
    assert problems(SOURCE) == 0
    assert problems(out) == 0


def test_layout() -> None:
    out = prettify(SOURCE).decode()
    assert "for(let i=0;i<3;i++){" in out  # a for header keeps its semicolons
    assert "m(){}" in out and "catch{}" in out  # empty blocks stay closed
    assert "let espa\\u{f1}ol=1;" in out  # identifier escapes keep their braces
    assert "\n  if(x){\n    return `t;" in out
    assert "}else{" in out and "}catch{}finally{" in out
    assert "h=()=>({\n" in out and "})" in out


def test_division_and_regex_are_told_apart() -> None:
    source = b"a=b/c;d=/x;{y}/.test(e);f=g/h/i;"
    out = prettify(source)
    assert b"d=/x;{y}/.test(e);" in out
    assert squeeze(out) == squeeze(source)
    assert problems(out) == 0


def test_unparsable_input_only_gains_whitespace() -> None:
    source = b"ok();this is not {javascript; at all};fine()"
    out = prettify(source)
    assert squeeze(out) == squeeze(source)
    start, end = opaque_spans(source)[0]
    assert source[start:end] in out


def test_deep_nesting_is_capped() -> None:
    source = b"x=" + b"{a:" * 2000 + b"1" + b"}" * 2000 + b";"
    out = prettify(source)
    assert squeeze(out) == squeeze(source)
    widest = max(len(line) - len(line.lstrip()) for line in out.split(b"\n"))
    assert widest == 2 * MAX_INDENT


@pytest.mark.parametrize(
    "source", [b"", b";", b"}", b"{", b"}}}{{{", b"\xff\xfe{;}", b"`${", b"/*"]
)
def test_odd_inputs_do_not_crash(source: bytes) -> None:
    assert squeeze(prettify(source)) == squeeze(source)


def test_unbalanced_brace_flood_is_linear_and_untouched() -> None:
    # Tree-sitter queries over error subtrees this deep take quadratic time; they are not run.
    source = b"var keep='a;{b}';" + b"{" * 200_000
    started = time.monotonic()
    out = prettify(source)
    assert time.monotonic() - started < 10
    assert out.startswith(b"var keep='a;{b}';") and squeeze(out) == squeeze(source)


def test_brace_heavy_output_growth_is_bounded() -> None:
    source = b"{;}" * 300_000
    out = prettify(source)
    assert squeeze(out) == squeeze(source)
    assert len(out) <= 2 * len(source) + (1 << 20)


def test_parse_time_budget_leaves_the_rest_verbatim() -> None:
    source = b"a();{b()}" * 1000
    assert opaque_spans(source, seconds=0) == [(0, len(source))]


def test_too_large_input_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pretty, "MAX_INPUT", 10)
    with pytest.raises(UnpackError, match="too large"):
        prettify(b"a();b();c();")
