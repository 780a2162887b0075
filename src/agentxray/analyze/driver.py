"""The analysis driver: offers every file of a tree, read once, to the detectors that want it."""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.analyze.js.deobfuscate.relocate import prepare
from agentxray.model import (
    CATEGORIES,
    FileEntry,
    Finding,
    Notice,
    StaticResult,
    Tree,
    severity_rank,
)
from agentxray.model.progress import ProgressFn, no_progress

logger = logging.getLogger(__name__)

#: Files larger than this are not read for analysis (a notice says so). Unpackers already cap
#: what they write; this guards the analysis of a tree made by hand or by an older unpacker.
DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024
#: Files at least this big are analysed by two processes at once when detector families differ.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """Knobs of one analysis run."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Skip (with a notice) files larger than this."""
    jobs: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))
    """Processes per big file: with 2, detector families (modules) split across a forked child.

    The file is parsed once, before the fork, and the child inherits the tree; so the rules and
    the behaviour analysis run side by side on two cores (figures in ``bench/``)."""
    parallel_min_bytes: int = PARALLEL_MIN_BYTES
    """Only files at least this big are worth a fork."""


def finding_sort_key(finding: Finding) -> tuple[int, int, str, int, int, str]:
    """Most severe first, then by category order, file, line, column and id."""
    loc = finding.location
    return (
        -severity_rank(finding.severity),
        CATEGORIES.index(finding.category),
        loc.artifact,
        loc.line or 0,
        loc.column or 0,
        finding.id,
    )


def _read(tree: Tree, entry: FileEntry, options: AnalyzeOptions) -> bytes | Notice:
    path = tree.path_of(entry)
    if path is None:
        return Notice("not-written", "content was not written; not analysed", entry.vpath, "info")
    if entry.size > options.max_file_bytes:
        return Notice(
            "too-large-to-analyze",
            f"{entry.size} bytes exceeds the analysis limit of {options.max_file_bytes} bytes",
            entry.vpath,
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        return Notice("read-error", f"cannot read the unpacked file: {exc.strerror}", entry.vpath)


def _run_one(
    detector: Detector, unit: SourceUnit, findings: list[Finding], notices: list[Notice]
) -> None:
    try:
        for item in detector.run(unit):
            if isinstance(item, Finding):
                findings.append(item)
            else:
                notices.append(item)
    except Exception as exc:  # a detector bug on one file must not sink the scan
        logger.debug("detector %s failed on %s", detector.name, unit.entry.vpath, exc_info=True)
        notices.append(
            Notice(
                "detector-error",
                f"detector {detector.name} failed on this file ({type(exc).__name__}: {exc}); "
                "its findings for the file may be incomplete",
                unit.entry.vpath,
                "error",
            )
        )


def _reading_order(finding: Finding) -> tuple[str, int, int]:
    loc = finding.location
    return (loc.artifact, loc.line or 0, loc.column or 0)


def dedupe_and_sort(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """One finding per id and place, most severe first; ids unique in the result.

    The same id at the same place (a detector reporting twice) is one finding. The same id at
    different places (two functions doing the same thing, a file present twice) stays several
    findings: in reading order the first keeps the id, the others get ``#2``, ``#3``…
    """
    by_place: dict[tuple[str, str, int, int], Finding] = {}
    for finding in findings:
        by_place.setdefault((finding.id, *_reading_order(finding)), finding)
    seen: dict[str, int] = {}
    out: list[Finding] = []
    for finding in sorted(by_place.values(), key=_reading_order):
        n = seen[finding.id] = seen.get(finding.id, 0) + 1
        out.append(finding if n == 1 else dataclasses.replace(finding, id=f"{finding.id}#{n}"))
    return tuple(sorted(out, key=finding_sort_key))


@dataclass
class _Outcome:
    """What a set of detectors produced for one unit, and the time each took."""

    findings: list[Finding] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    spent: dict[str, float] = field(default_factory=dict)

    def merge(self, other: _Outcome) -> None:
        self.findings += other.findings
        self.notices += other.notices
        for name, seconds in other.spent.items():
            self.spent[name] = self.spent.get(name, 0.0) + seconds


def _run_all(
    unit: SourceUnit, detectors: Sequence[Detector], progress: ProgressFn = no_progress
) -> _Outcome:
    out = _Outcome()
    for detector in detectors:
        progress("analyse", f"{detector.name} on {_label(unit.entry)}")
        t0 = time.perf_counter()
        _run_one(detector, unit, out.findings, out.notices)
        out.spent[detector.name] = out.spent.get(detector.name, 0.0) + time.perf_counter() - t0
    return out


def families(detectors: Sequence[Detector]) -> list[list[Detector]]:
    """Detectors grouped by defining module: one family shares work through ``unit.context``."""
    groups: dict[str, list[Detector]] = {}
    for detector in detectors:
        groups.setdefault(type(detector).__module__, []).append(detector)
    return list(groups.values())


def _child(unit: SourceUnit, detectors: Sequence[Detector], conn: Connection) -> None:
    conn.send(_run_all(unit, detectors))
    conn.close()


def _label(entry: FileEntry) -> str:
    """``cli.js (18.1 MB)``: a file's last path segment and size, for progress lines."""
    name = entry.vpath.replace("!", "/").rsplit("/", 1)[-1]
    return f"{name} ({entry.size / 1e6:.1f} MB)"


def _run_forked(
    unit: SourceUnit,
    here: Sequence[Detector],
    there: Sequence[Detector],
    progress: ProgressFn = no_progress,
) -> _Outcome:
    """Run ``there`` in a forked child while ``here`` runs in this process."""
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(unit, there, sender), daemon=True)
    child.start()
    sender.close()
    out = _run_all(unit, here, progress)
    more = f" +{len(there) - 1} more" if len(there) > 1 else ""
    progress("analyse", f"{there[0].name}{more} (second process) on {_label(unit.entry)}")
    try:
        out.merge(receiver.recv())
    except (EOFError, OSError):
        child.join()
        names = ", ".join(d.name for d in there)
        logger.debug("analysis child for %s died with %s", unit.entry.vpath, child.exitcode)
        out.notices.append(
            Notice(
                "detector-error",
                f"detectors {names} crashed on this file (exit status {child.exitcode}); "
                "their findings for it are missing",
                unit.entry.vpath,
                "error",
            )
        )
    finally:
        receiver.close()
        child.join()
    return out


def _analyse_unit(
    unit: SourceUnit,
    wanted: Sequence[Detector],
    options: AnalyzeOptions,
    progress: ProgressFn = no_progress,
) -> _Outcome:
    groups = families(wanted)
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if options.jobs < 2 or len(groups) < 2 or unit.entry.size < options.parallel_min_bytes:
        return _run_all(unit, wanted, progress)
    if not forkable:
        return _run_all(unit, wanted, progress)
    # Parse here, before the fork: the child inherits the tree (copy-on-write) instead of
    # parsing again. Then the first family (in registry order) runs here, the rest in the child.
    if unit.entry.kind in ("javascript", "typescript"):
        progress("parse", _label(unit.entry))
        _ = unit.js_tree
    return _run_forked(unit, groups[0], [d for g in groups[1:] for d in g], progress)


def run_detectors(
    tree: Tree,
    detectors: Sequence[Detector],
    options: AnalyzeOptions | None = None,
    progress: ProgressFn = no_progress,
) -> StaticResult:
    """Run ``detectors`` over every file of ``tree`` whose kind they accept.

    ``progress`` is told each step (deobfuscate, parse, each detector) as it starts."""
    options = options or AnalyzeOptions()
    start = time.perf_counter()
    total = _Outcome()
    todo = [e for e in tree.files if any(e.kind in d.kinds for d in detectors)]
    for n, entry in enumerate(todo, 1):
        wanted = [d for d in detectors if entry.kind in d.kinds]
        if len(todo) > 1:
            progress("files", f"{n}/{len(todo)}")
        data = _read(tree, entry, options)
        if isinstance(data, Notice):
            total.notices.append(data)
            continue
        # Obfuscated JavaScript is analysed as deobfuscated text; findings come back to the original.
        t0 = time.perf_counter()
        if entry.kind in ("javascript", "typescript"):
            progress("deobfuscate", _label(entry))
        prepared = prepare(SourceUnit(entry, data))
        spent = time.perf_counter() - t0
        outcome = _analyse_unit(prepared.unit, wanted, options, progress)
        outcome.spent["deobfuscate"] = outcome.spent.get("deobfuscate", 0.0) + spent
        if prepared.relocator is not None:
            outcome.findings = [prepared.relocator.finding(f) for f in outcome.findings]
        outcome.findings += prepared.findings
        total.merge(outcome)
        total.notices += prepared.notices
        total.notices += prepared.unit.notices
    for name, seconds in sorted(total.spent.items(), key=lambda kv: -kv[1]):
        logger.debug("detector %s: %.3f s", name, seconds)
    return StaticResult(
        tree=tree,
        findings=dedupe_and_sort(total.findings),
        notices=tuple(total.notices),
        duration_s=time.perf_counter() - start,
    )
