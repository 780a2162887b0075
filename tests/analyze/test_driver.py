"""The analysis driver: reads each file once, routes by kind, survives detector crashes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

import pytest

from agentxray.analyze import analyze
from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.model import (
    Artifact,
    FileEntry,
    FileKind,
    Finding,
    Location,
    Notice,
    TargetSpec,
    Tree,
)


def make_tree(root: Path, files: dict[str, tuple[FileKind, bytes]]) -> Tree:
    """A tree written under ``root`` from ``{relpath: (kind, content)}``."""
    entries = []
    for rel, (kind, data) in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        entries.append(
            FileEntry(f"pkg!/{rel}", kind, len(data), hashlib.sha256(data).hexdigest(), rel)
        )
    spec = TargetSpec(raw=str(root), kind="path", name=str(root))
    return Tree(Artifact(spec, root, "directory", "pkg"), root, tuple(entries))


class NeedleDetector(Detector):
    """Reports every line containing ``needle``; records which files it saw."""

    name = "test-needle"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "python"})

    def __init__(self) -> None:
        self.seen: list[str] = []

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        self.seen.append(unit.entry.vpath)
        for n, line in enumerate(unit.text.splitlines(), 1):
            if "needle" in line:
                yield Finding(
                    id=f"needle:{unit.entry.sha256[:8]}:{n}",
                    rule=self.name,
                    category="endpoint" if "info" in line else "geofence",
                    severity="info" if "info" in line else "critical",
                    title="needle",
                    location=Location(unit.entry.vpath, n, line.index("needle") + 1),
                )


class CrashingDetector(Detector):
    """Fails on files that mention ``boom`` after yielding one finding."""

    name = "test-crash"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript"})

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        yield Notice("seen", "saw it", unit.entry.vpath, "info")
        if b"boom" in unit.data:
            raise ValueError("cannot handle boom")


def test_routes_files_by_kind(tmp_path: Path) -> None:
    tree = make_tree(
        tmp_path,
        {
            "a.js": ("javascript", b"let needle = 1\n"),
            "b.py": ("python", b"x = 1\nneedle = 2\n"),
            "c.json": ("json", b'{"needle": 1}'),
        },
    )
    det = NeedleDetector()
    result = analyze(tree, detectors=(det,))
    assert det.seen == ["pkg!/a.js", "pkg!/b.py"]
    assert [(f.location.artifact, f.location.line) for f in result.findings] == [
        ("pkg!/a.js", 1),
        ("pkg!/b.py", 2),
    ]


def test_detector_crash_becomes_notice_and_run_goes_on(tmp_path: Path) -> None:
    tree = make_tree(
        tmp_path,
        {"a.js": ("javascript", b"boom needle\n"), "b.js": ("javascript", b"needle\n")},
    )
    result = analyze(tree, detectors=(CrashingDetector(), NeedleDetector()))
    errors = [n for n in result.notices if n.code == "detector-error"]
    assert [(n.path, n.level) for n in errors] == [("pkg!/a.js", "error")]
    assert "test-crash" in errors[0].message and "cannot handle boom" in errors[0].message
    assert {f.location.artifact for f in result.findings} == {"pkg!/a.js", "pkg!/b.js"}


def test_findings_sorted_most_severe_first_with_unique_ids(tmp_path: Path) -> None:
    same = b"info needle\nneedle\n"
    tree = make_tree(tmp_path, {"a.js": ("javascript", same), "copy/a.js": ("javascript", same)})
    result = analyze(tree, detectors=(NeedleDetector(), NeedleDetector()))
    # Reported twice by two instances at the same place: once. Identical content elsewhere
    # gives identical ids: kept, the later place in reading order numbered.
    assert [(f.id, f.severity, f.location.artifact, f.location.line) for f in result.findings] == [
        (f"needle:{tree.files[0].sha256[:8]}:2", "critical", "pkg!/a.js", 2),
        (f"needle:{tree.files[0].sha256[:8]}:2#2", "critical", "pkg!/copy/a.js", 2),
        (f"needle:{tree.files[0].sha256[:8]}:1", "info", "pkg!/a.js", 1),
        (f"needle:{tree.files[0].sha256[:8]}:1#2", "info", "pkg!/copy/a.js", 1),
    ]


def test_unwritten_and_oversized_files_become_notices(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"big.js": ("javascript", b"needle " * 100)})
    ghost = FileEntry("pkg!/ghost.js", "javascript", 10, "0" * 64, None)
    tree = Tree(tree.artifact, tree.root, (*tree.files, ghost))
    result = analyze(tree, detectors=(NeedleDetector(),), max_file_bytes=100)
    assert {(n.code, n.path) for n in result.notices} == {
        ("too-large-to-analyze", "pkg!/big.js"),
        ("not-written", "pkg!/ghost.js"),
    }
    assert result.findings == ()


def test_registered_detectors_run_by_default(tmp_path: Path) -> None:
    from agentxray.analyze.registry import DETECTORS

    tree = make_tree(tmp_path, {"a.js": ("javascript", b"const x = 1;\n")})
    result = analyze(tree)
    assert all(isinstance(d, Detector) for d in DETECTORS)
    assert result.tree is tree


@pytest.mark.parametrize("kind", ["javascript", "typescript"])
def test_unit_parses_js_lazily(tmp_path: Path, kind: FileKind) -> None:
    tree = make_tree(tmp_path, {"a.ts": (kind, b"const x: number = 1;\n")})
    unit = SourceUnit(tree.files[0], b"const x = 1;\n")
    assert unit.js_tree.root_node.type == "program"


class OtherFamilyDetector(NeedleDetector):
    """Same behaviour, another family (module): the driver may run it in a forked child."""

    name = "test-other"

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        for finding in super().run(unit):
            yield Finding(
                id=finding.id.replace("needle", "other"),
                rule=self.name,
                category="endpoint",
                severity="info",
                title="other",
                location=finding.location,
            )


OtherFamilyDetector.__module__ = "tests.other_family"


class DyingDetector(Detector):
    """Kills its process outright, like a segfault in a C extension would."""

    name = "test-dying"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript"})

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        import os

        os._exit(3)


DyingDetector.__module__ = "tests.dying_family"


def test_big_files_split_families_across_processes_with_same_result(tmp_path: Path) -> None:
    from agentxray.analyze.driver import AnalyzeOptions, run_detectors

    big = b"needle\n" + b"x = 1;\n" * 50_000 + b"needle\n"
    tree = make_tree(
        tmp_path, {"big.js": ("javascript", big), "small.js": ("javascript", big[:20])}
    )
    detectors = (NeedleDetector(), OtherFamilyDetector())
    serial = run_detectors(tree, detectors, AnalyzeOptions(jobs=1))
    forked = run_detectors(tree, detectors, AnalyzeOptions(jobs=2, parallel_min_bytes=1000))
    assert forked.findings == serial.findings
    assert {f.rule for f in forked.findings} == {"test-needle", "test-other"}


def test_child_that_dies_becomes_notice(tmp_path: Path) -> None:
    from agentxray.analyze.driver import AnalyzeOptions, run_detectors

    tree = make_tree(tmp_path, {"big.js": ("javascript", b"needle\n" * 1000)})
    options = AnalyzeOptions(jobs=2, parallel_min_bytes=1000)
    result = run_detectors(tree, (NeedleDetector(), DyingDetector()), options)
    assert {f.rule for f in result.findings} == {"test-needle"}
    [notice] = result.notices
    assert (notice.code, notice.path, notice.level) == ("detector-error", "pkg!/big.js", "error")
    assert "test-dying" in notice.message and "exit status 3" in notice.message


def test_file_read_once_and_unit_shared_by_detectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path, {"a.js": ("javascript", b"needle\n")})
    reads: list[Path] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    units: list[SourceUnit] = []

    class Recorder(NeedleDetector):
        def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
            units.append(unit)
            return ()

    analyze(tree, detectors=(Recorder(), Recorder(), NeedleDetector()))
    assert reads == [tmp_path / "a.js"]
    assert len(units) == 2 and units[0] is units[1]


class OncePerRunDetector(Detector):
    """Tells a notice about the run (no path) on the first file it sees, like a rule pack that
    failed to load; counts each file it sees in a per-file notice."""

    name = "test-once"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "python"})

    def __init__(self) -> None:
        self.told = False

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        if not self.told:
            self.told = True
            yield Notice("about-the-run", "said once", None, "error")
        yield Notice("seen", f"{len(unit.data)} bytes", unit.entry.vpath, "info")


def _many_files(root: Path, n: int = 24) -> Tree:
    files: dict[str, tuple[FileKind, bytes]] = {}
    for i in range(n):
        kind: FileKind = "python" if i % 5 == 0 else "javascript"
        body = b"x = 1;\n" * (i * 37 % 11) + b"needle %d\n" % i
        body += b"info needle\n" if i % 3 else b""
        files[f"m{i:02d}.{'py' if kind == 'python' else 'js'}"] = (kind, body)
    files["same.js"] = ("javascript", b"needle 0\n")  # the id of m00's finding, at another place
    files["boom.js"] = ("javascript", b"boom needle\n")
    return make_tree(root, files)


def test_many_files_shared_among_workers_give_the_sequential_result(tmp_path: Path) -> None:
    from agentxray.analyze.driver import AnalyzeOptions, run_detectors

    tree = _many_files(tmp_path)
    pooled = AnalyzeOptions(jobs=2, pool_min_files=2, pool_min_bytes=0)

    def detectors() -> tuple[Detector, ...]:
        return (OncePerRunDetector(), NeedleDetector(), CrashingDetector(), OtherFamilyDetector())

    serial = run_detectors(tree, detectors(), AnalyzeOptions(jobs=1))
    shared = run_detectors(tree, detectors(), pooled)
    assert shared.findings == serial.findings
    assert shared.notices == serial.notices
    # The notice about the run is there once, first; then each file's, in the tree's order.
    assert [(n.code, n.path) for n in shared.notices[:3]] == [
        ("about-the-run", None),
        ("seen", "pkg!/m00.py"),
        ("seen", "pkg!/m01.js"),
    ]
    assert [n.path for n in shared.notices if n.code == "detector-error"] == ["pkg!/boom.js"]
    assert "needle:" in shared.findings[0].id and any("#2" in f.id for f in shared.findings)


class PidDetector(Detector):
    """Writes which process analysed each file; ``warm_up`` records the process it ran in."""

    name = "test-pid"
    kinds: ClassVar[frozenset[FileKind]] = frozenset({"javascript", "python"})

    def __init__(self, out: Path) -> None:
        self.out = out
        self.warmed_in: int | None = None

    def warm_up(self) -> None:
        import os

        self.warmed_in = os.getpid()

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        import os

        name = unit.entry.vpath.rsplit("/", 1)[-1]
        (self.out / name).write_text(f"{os.getpid()} {self.warmed_in}")
        return ()


def test_workers_inherit_the_warm_up_and_do_the_work(tmp_path: Path) -> None:
    import os

    from agentxray.analyze.driver import AnalyzeOptions, run_detectors

    tree = _many_files(tmp_path / "tree")
    out = tmp_path / "pids"
    out.mkdir()
    pooled = AnalyzeOptions(jobs=2, pool_min_files=2, pool_min_bytes=0)
    run_detectors(tree, (PidDetector(out),), pooled)
    seen = [tuple(map(int, p.read_text().split())) for p in sorted(out.iterdir())]
    assert len(seen) == len(tree.files)
    assert all(pid != os.getpid() and warmed == os.getpid() for pid, warmed in seen)
    # Too few files for the pool (by count or by bytes), or one job: analysed here.
    for options in (
        AnalyzeOptions(jobs=2, pool_min_files=1000, pool_min_bytes=0),
        AnalyzeOptions(jobs=2, pool_min_files=2, pool_min_bytes=10_000),
        AnalyzeOptions(jobs=1, pool_min_files=2, pool_min_bytes=0),
    ):
        for p in out.iterdir():
            p.unlink()
        run_detectors(tree, (PidDetector(out),), options)
        assert {p.read_text() for p in out.iterdir()} == {f"{os.getpid()} None"}


class DiesOnBoomDetector(NeedleDetector):
    """Kills its process on files that mention ``boom``, like a segfault in a C extension."""

    name = "test-dies-on-boom"

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        import os

        if b"boom" in unit.data:
            os._exit(7)
        return super().run(unit)


def test_worker_that_dies_costs_its_file_only(tmp_path: Path) -> None:
    from agentxray.analyze.driver import AnalyzeOptions, run_detectors

    tree = _many_files(tmp_path)
    options = AnalyzeOptions(jobs=2, pool_min_files=2, pool_min_bytes=0)
    result = run_detectors(tree, (DiesOnBoomDetector(),), options)
    [notice] = result.notices
    assert (notice.code, notice.path, notice.level) == ("detector-error", "pkg!/boom.js", "error")
    assert "exit status 7" in notice.message
    seen = {f.location.artifact for f in result.findings}
    assert seen == {e.vpath for e in tree.files if e.vpath != "pkg!/boom.js"}


def test_a_file_bigger_than_a_workers_share_keeps_its_own_fork(tmp_path: Path) -> None:
    import dataclasses

    from agentxray.analyze.driver import AnalyzeOptions, _pooled

    files: dict[str, tuple[FileKind, bytes]] = {
        f"m{i:02d}.js": ("javascript", b"x;\n" * 400) for i in range(30)
    }
    files["big.js"] = ("javascript", b"x;\n" * 5000)
    tree = make_tree(tmp_path, files)
    big = len(tree.files) - 1
    few = [*range(10), big]  # 12,000 + 15,000 bytes: big.js is more than half
    options = AnalyzeOptions(jobs=2, parallel_min_bytes=10_000, pool_min_files=2, pool_min_bytes=0)
    assert _pooled(tree, few, options) == few[:-1]
    # Under the fork threshold, or not more than a worker's share (36,000 + 15,000): shared.
    assert _pooled(tree, few, dataclasses.replace(options, parallel_min_bytes=20_000)) == few
    assert _pooled(tree, list(range(len(tree.files))), options) == list(range(len(tree.files)))
