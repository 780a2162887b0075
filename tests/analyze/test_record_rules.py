"""Rules on the behaviour records alone run beside the behaviour detector, not in the rules
process: a big file split across two processes is data-flow analysed once, same findings."""

from __future__ import annotations

from pathlib import Path

from tests.analyze.test_driver import make_tree

from agentxray.analyze.driver import AnalyzeOptions, families, run_detectors
from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js.analysis import CONTEXT_KEY
from agentxray.analyze.registry import DETECTORS
from agentxray.analyze.rules_detector import (
    JsRecordRulesDetector,
    JsRulesDetector,
    on_records_only,
)
from agentxray.model import FileEntry, Finding

MAC_CHECK = b"""const os = require("os");
function firstMac() {
  return Object.values(os.networkInterfaces()).flat()[0].mac;
}
function sandboxed() {
  return firstMac().toLowerCase().startsWith("08:00:27");
}
fetch("https://telemetry.example.com/v1/events", { method: "POST", body: "x" });
module.exports = { sandboxed };
"""
OFFICE_ROUTER = MAC_CHECK.replace(b"08:00:27", b"3c:22:fb")


def unit(data: bytes) -> SourceUnit:
    return SourceUnit(FileEntry("pkg!/vm.js", "javascript", len(data), ""), data)


def findings(detector: JsRulesDetector | JsRecordRulesDetector, u: SourceUnit) -> list[Finding]:
    return [f for f in detector.run(u) if isinstance(f, Finding)]


def test_the_pair_finds_what_one_rules_detector_finds_and_only_one_follows_data() -> None:
    alone = findings(JsRulesDetector(), unit(MAC_CHECK))
    assert "AXR-FP-001" in {f.rule for f in alone}
    u = unit(MAC_CHECK)
    tree_rules = findings(JsRulesDetector(records=False), u)
    assert CONTEXT_KEY not in u.context  # no data-flow analysis for the tree's facts
    assert "AXR-FP-001" not in {f.rule for f in tree_rules}
    on_records = findings(JsRecordRulesDetector(), u)
    assert CONTEXT_KEY in u.context
    assert [(f.rule, f.location.line) for f in on_records] == [("AXR-FP-001", 6)]
    assert sorted(tree_rules + on_records, key=lambda f: f.id) == sorted(alone, key=lambda f: f.id)


def test_records_detector_is_silent_on_a_benign_comparison() -> None:
    assert findings(JsRecordRulesDetector(), unit(OFFICE_ROUTER)) == []


def test_records_rules_are_the_comparison_rules_and_share_the_behaviour_family() -> None:
    [records] = [d for d in DETECTORS if isinstance(d, JsRecordRulesDetector)]
    assert records.engine.rules and all(on_records_only(r) for r in records.engine.rules)
    [tree] = [d for d in DETECTORS if isinstance(d, JsRulesDetector)]
    assert not any(on_records_only(r) for r in tree.engine.rules)
    assert not tree.wants_comparisons
    family = next(g for g in families(DETECTORS) if records in g)
    assert "behaviour" in {d.name for d in family}
    assert tree not in family


def test_split_across_processes_gives_the_serial_findings(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"vm.js": ("javascript", MAC_CHECK)})
    serial = run_detectors(tree, DETECTORS, AnalyzeOptions(jobs=1))
    forked = run_detectors(tree, DETECTORS, AnalyzeOptions(jobs=2, parallel_min_bytes=100))
    assert "AXR-FP-001" in {f.rule for f in serial.findings}
    assert forked.findings == serial.findings
    assert forked.notices == serial.notices


def test_the_parent_frees_the_tree_once_its_detectors_ran(tmp_path: Path) -> None:
    from typing import ClassVar

    from agentxray.analyze.interface import Detector
    from agentxray.model import FileKind, Notice

    units: list[SourceUnit] = []

    class TreeReader(Detector):  # runs in this process: the first family
        name = "test-tree-reader"
        kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript"})

        def run(self, unit: SourceUnit) -> list[Finding | Notice]:
            units.append(unit)
            kind = unit.js_tree.root_node.type
            return [Notice("seen", f"{kind} {len(unit.context)}", unit.entry.vpath, "info")]

    class Stasher(TreeReader):  # same family, after it: the tree is still there
        name = "test-stasher"

        def run(self, unit: SourceUnit) -> list[Finding | Notice]:
            unit.context["mine"] = unit.js_tree.root_node
            return super().run(unit)

    tree = make_tree(tmp_path, {"vm.js": ("javascript", MAC_CHECK)})
    detectors = [Stasher(), TreeReader(), *(d for d in DETECTORS if d.family is not None)]
    forked = run_detectors(tree, detectors, AnalyzeOptions(jobs=2, parallel_min_bytes=100))
    serial = run_detectors(tree, detectors, AnalyzeOptions(jobs=1))
    seen = [n.message for n in forked.notices if n.code == "seen"]
    assert seen == ["program 1", "program 1"]
    assert forked.findings == serial.findings and "AXR-FP-001" in {f.rule for f in serial.findings}
    assert "js_tree" not in units[0].__dict__ and not units[0].context  # freed after the fork


def test_a_file_left_without_a_tree_is_not_analysed_for_records() -> None:
    u = unit(MAC_CHECK)
    u.tree_needed = False  # the driver's literal prefilter found nothing for a tree to serve
    assert findings(JsRecordRulesDetector(), u) == []
    assert CONTEXT_KEY not in u.context and "js_tree" not in u.__dict__
