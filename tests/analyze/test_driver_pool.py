"""Pool workers get files sent ahead; a worker that dies loses only the file it was on."""

from __future__ import annotations

from pathlib import Path

from tests.analyze.test_driver import DiesOnBoomDetector, make_tree

from agentxray.analyze.driver import IN_FLIGHT, AnalyzeOptions, run_detectors


def test_files_sent_ahead_to_a_worker_that_dies_go_to_the_others(tmp_path: Path) -> None:
    assert IN_FLIGHT >= 2  # otherwise nothing is sent ahead and this test proves nothing
    # boom.js is the biggest, so it is sent first, with the next files queued behind it.
    files = {"boom.js": ("javascript", b"boom needle\n" + b"x = 1;\n" * 500)}
    files |= {
        f"m{i:02d}.js": ("javascript", b"needle %d\n" % i + b"y;\n" * (50 - i)) for i in range(9)
    }
    tree = make_tree(tmp_path, files)
    options = AnalyzeOptions(jobs=2, pool_min_files=2, pool_min_bytes=0)
    result = run_detectors(tree, (DiesOnBoomDetector(),), options)
    assert [(n.code, n.path) for n in result.notices] == [("detector-error", "pkg!/boom.js")]
    seen = {f.location.artifact for f in result.findings}
    assert seen == {e.vpath for e in tree.files if e.vpath != "pkg!/boom.js"}
