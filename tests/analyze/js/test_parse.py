"""tree-sitter parsing: a memory budget stops pathological source (millions of error nodes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agentxray.analyze.js.parse import parse_js

GARBAGE = b"@#)(" * 250_000
"""1 MB that tree-sitter turns into error nodes at about 250 bytes of memory per byte."""


def test_real_code_parses_within_the_default_budget() -> None:
    src = b"function f(a) { return [a, {b: (a + 1) * 2}]; }\n" * 20_000
    tree = parse_js(src)
    assert tree.root_node.end_byte == len(src) and not tree.root_node.has_error


CHECK_BIG_STRING = """
from agentxray.analyze.js.nodes import text
from agentxray.analyze.js.parse import parse_js
src = b'var s = "' + b"A" * (50 << 20) + b'"; t = s;'
stack = [parse_js(src).root_node]
while stack:
    node = stack.pop()
    if node.type == "string":
        assert len(text(node)) == (50 << 20) + 2
    stack.extend(node.children)
"""


def test_text_of_a_50_mb_string_literal() -> None:
    # Found by tests/fuzz: Node.text segfaulted on trees parsed from a read callback; run in a
    # child so that a crash fails this test instead of killing the test run.
    done = subprocess.run(
        [sys.executable, "-c", CHECK_BIG_STRING], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]


# The budget is measured as the growth of the process's resident memory, so these tests run in a
# fresh child: in a long test process, pages freed by earlier tests (parse trees of real agents)
# can absorb part of a parse without the process growing, which made the in-process version flaky.
CHILD_PRELUDE = """
import hashlib, sys
from pathlib import Path
import agentxray.analyze.js.parse as parse
GARBAGE = b"@#)(" * 250_000
"""


def _in_child(code: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD_PRELUDE + code, str(tmp_path)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]


def test_garbage_that_needs_too_much_memory_is_given_up(tmp_path: Path) -> None:
    # Found by tests/fuzz: 16 MB of punctuation took 21 s and 3.8 GB to parse.
    _in_child(
        """
try:
    parse.parse_js(GARBAGE, max_memory=16 * 1024**2)
except parse.ParseTooCostly as exc:
    assert "more than 16 MiB of memory for 1,000,000 bytes" in str(exc), exc
else:
    raise AssertionError("the parse was not given up")
""",
        tmp_path,
    )


def test_a_unit_given_up_has_an_empty_tree_and_a_notice(tmp_path: Path) -> None:
    _in_child(
        """
from agentxray.analyze.interface import SourceUnit
from agentxray.model import FileEntry
parse.MEMORY_FLOOR = 16 * 1024**2
parse.MEMORY_PER_BYTE = 1
unit = SourceUnit(FileEntry("junk.js", "javascript", len(GARBAGE), ""), GARBAGE)
assert unit.js_tree.root_node.end_byte == 0, unit.js_tree.root_node.end_byte
got = [(n.code, n.path) for n in unit.notices]
assert got == [("parse-too-costly", "junk.js")], got
""",
        tmp_path,
    )


def test_analyze_reports_the_given_up_file_once(tmp_path: Path) -> None:
    _in_child(
        """
from agentxray.analyze import analyze
from agentxray.model import Artifact, FileEntry, TargetSpec, Tree
parse.MEMORY_FLOOR = 16 * 1024**2
parse.MEMORY_PER_BYTE = 1
root = Path(sys.argv[1])
# A call of eval makes the module need a tree (the literal prefilter parses nothing else).
junk = b"eval(process.env.X);" + GARBAGE
(root / "junk.js").write_bytes(junk)
entry = FileEntry(
    "pkg!/junk.js", "javascript", len(junk), hashlib.sha256(junk).hexdigest(), "junk.js"
)
spec = TargetSpec(raw=str(root), kind="path", name=str(root))
tree = Tree(Artifact(spec, root, "directory", "pkg"), root, (entry,))
codes = [n.code for n in analyze(tree).notices if n.code != "rulepack-skipped"]
assert codes == ["parse-too-costly"], codes
""",
        tmp_path,
    )
