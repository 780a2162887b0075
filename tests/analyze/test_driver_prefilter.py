"""The literal prefilter: a JavaScript module no consumer of the syntax tree needs is not parsed,
and the findings are the same as with every module parsed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from tests.analyze.test_driver import make_tree

from agentxray.analyze.driver import AnalyzeOptions, run_detectors
from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js import parse as js_parse
from agentxray.analyze.js.deobfuscate.relocate import Prepared
from agentxray.analyze.js.prefilter import (
    Consumer,
    _Patterns,
    behaviour_consumers,
    flow_consumer,
    searched,
    tree_needs,
)
from agentxray.analyze.registry import DETECTORS

HEADER = (
    b"// @bun @bytecode\n// (c) Example Corp. Terms: https://example.com/legal/terms.\n\n"
    b"// Version: 1.0.0\n"
)
#: UI code: nothing any detector looks for (the header's URL is in a comment).
UI = HEADER + (
    b'import{a as b}from"/$bunfs/root/chunk-1.js";var t={ok:"Allowed",no:"Not allowed"};'
    b'function L(e){return e?t.ok:t.no}function R(e){return b(e.label)+" ("+e.n+")"}\n'
    b"export{L,R};\n"
)
#: One module per kind of consumer, each with what that consumer starts from.
NEEDING = {
    "rule-facts.js": HEADER + b"export async function f(u){return (await fetch(u)).json()}\n",
    "rule-literals.js": HEADER + b'export const run=()=>["npm","install","-g","x@latest"];\n',
    "rule-flow.js": HEADER + b"export function p(u){const i=new Image();i.src=u}\n",
    "signals.js": HEADER + b"export const z=d=>d.resolvedOptions().timeZone;\n",
    "decoders.js": HEADER + b'export const s=k=>k.split("").reverse().join("");\n',
    "watermarks.js": HEADER + b'export const q=x=>x?"it\\u2019s":"it\'s";\n',
    "hiding.js": HEADER + b'export const g=()=>globalThis["ev"+"al"];\n',
}


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The sources tree-sitter is asked to parse from now on (empty ones left out)."""
    seen: list[bytes] = []
    real = js_parse.parse_js

    def spy(data: bytes, **kwargs: object) -> object:
        if data:
            seen.append(data)
        return real(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(js_parse, "parse_js", spy)
    return seen


def _ids(tmp_path: Path, files: dict[str, bytes], skip: bool) -> list[str]:
    tree = make_tree(tmp_path, {k: ("javascript", v) for k, v in files.items()})
    result = run_detectors(tree, DETECTORS, AnalyzeOptions(jobs=1, skip_trees=skip))
    return [f.id for f in result.findings]


def test_a_module_without_a_need_is_not_parsed_and_its_findings_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tree_needs(DETECTORS).need("ui.js", UI) is None
    parsed = _parsed(monkeypatch)
    files = {"ui.js": UI, **NEEDING}
    skipping = _ids(tmp_path / "a", files, skip=True)
    assert UI not in parsed
    assert all(data in parsed for data in NEEDING.values())
    parsed.clear()
    assert _ids(tmp_path / "b", files, skip=False) == skipping
    assert UI in parsed
    assert any(i.startswith("AXR-UPD-002") for i in skipping)  # the -g install, parsed


def test_a_module_without_a_need_is_not_handed_to_the_deobfuscator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentxray.analyze import driver

    asked: list[bytes] = []
    real = driver.prepare

    def spy(unit: SourceUnit) -> Prepared:
        asked.append(unit.data)
        return real(unit)

    monkeypatch.setattr(driver, "prepare", spy)
    _ids(tmp_path, {"ui.js": UI, "hiding.js": NEEDING["hiding.js"]}, skip=True)
    assert asked == [NEEDING["hiding.js"]]


@pytest.mark.parametrize("name", sorted(NEEDING))
def test_a_module_with_a_need_is_parsed(name: str) -> None:
    assert tree_needs(DETECTORS).need(name, NEEDING[name]) is not None
    consumer = {c.name: c for c in (*behaviour_consumers(), flow_consumer())}.get(
        name.removesuffix(".js")
    )
    if consumer is not None:  # the consumer itself needs it, not only another one
        assert _Patterns([consumer]).first(NEEDING[name], 0) == consumer.name


def test_literal_facts_no_rule_can_match_need_no_tree() -> None:
    # "-g" inside a longer string and an identifier: no rule's leaf matches either.
    data = HEADER + b'export const c={cls:"flex-grow"};function h(a,g){return a-g}\n'
    assert tree_needs(DETECTORS).need("c.js", data) is None


def test_a_literal_the_lexer_misreads_is_read_between_its_own_quotes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # JSX text with an apostrophe: the lexer takes the rest of the line for one literal.
    jsx = HEADER + b'export const v=()=><p>Don\'t panic</p>;const c=["npm","install","-g","x"];\n'
    assert tree_needs(DETECTORS).need("v.jsx", jsx) == "rule-literals"
    parsed = _parsed(monkeypatch)
    assert _ids(tmp_path / "a", {"v.jsx": jsx}, skip=True) == _ids(
        tmp_path / "b", {"v.jsx": jsx}, skip=False
    )
    assert jsx in parsed


def test_a_hit_in_the_leading_comments_needs_nothing_but_one_after_code_does() -> None:
    needs = tree_needs(DETECTORS)
    assert needs.need("a.js", b"// fetch(u) atob(x)\n/* eval(s) */\nexport const a=1;\n") is None
    assert needs.need("b.js", b"export const a=1;\n// atob(x)\n") is not None  # conservative


def test_a_watermark_pattern_needs_a_character_that_can_be_a_mark() -> None:
    (watermarks,) = [c for c in behaviour_consumers() if c.name == "watermarks"]
    assert _Patterns([watermarks]).first(b's.replace(/-/g, "/")', 0) is None
    assert _Patterns([watermarks]).first(b's.replace(/ /g, "\\u00a0")', 0) == "watermarks"


def test_searches_are_read_from_the_consumers_source(tmp_path: Path) -> None:
    source = (
        "def f(data, node):\n"
        "    a = data.find(b'needle one')\n"
        "    b = _finds(data, (b'needle two', b'needle three'))\n"
        "    c = re.finditer(rb'pat+ern', data)\n"
        "    d = node.find(b'x' + b'y')\n"  # a part of a pattern: not a search of its own
    )
    path = tmp_path / "consumer_sample.py"
    path.write_text(source, "utf-8")
    spec = importlib.util.spec_from_file_location("consumer_sample", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["consumer_sample"] = module
    try:
        spec.loader.exec_module(module)
        found = {p.pattern for p in searched(module)}
    finally:
        del sys.modules["consumer_sample"]
    assert found == {b"needle\\ one", b"needle\\ two", b"needle\\ three", b"pat+ern"}


def test_searches_read_once_are_kept_under_a_digest_of_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentxray.analyze.js import prefilter

    monkeypatch.setenv("AGENTXRAY_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "consumer_kept.py"
    path.write_text("def f(data):\n    return data.find(b'needle')\n", "utf-8")
    spec = importlib.util.spec_from_file_location("consumer_kept", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    read = prefilter.searched.__wrapped__  # past the per-process cache
    assert [p.pattern for p in read(module)] == [b"needle"]
    (kept,) = (tmp_path / "cache" / "prefilter").glob("*.json")
    # A later process reads the kept file, not the source (a changed entry shows it).
    kept.write_text('["other"]', "latin-1")
    assert [p.pattern for p in read(module)] == [b"other"]
    # A damaged file is read again from the source and written anew.
    kept.write_text("{not json", "latin-1")
    assert [p.pattern for p in read(module)] == [b"needle"]
    assert kept.read_text("latin-1") == '["needle"]'


def test_an_unknown_detector_always_needs_the_tree() -> None:
    from tests.analyze.test_driver import NeedleDetector

    assert tree_needs([*DETECTORS, NeedleDetector()]).need("ui.js", UI) == "detector"
    assert Consumer("x", ()).gate is None
