"""The analysis driver: offers every file of a tree, read once, to the detectors that want it."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.model import (
    CATEGORIES,
    FileEntry,
    Finding,
    Notice,
    StaticResult,
    Tree,
    severity_rank,
)

logger = logging.getLogger(__name__)

#: Files larger than this are not read for analysis (a notice says so). Unpackers already cap
#: what they write; this guards the analysis of a tree made by hand or by an older unpacker.
DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """Knobs of one analysis run."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Skip (with a notice) files larger than this."""


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


def dedupe_and_sort(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Keep the first finding of each id, most severe first."""
    seen: dict[str, Finding] = {}
    for finding in findings:
        seen.setdefault(finding.id, finding)
    return tuple(sorted(seen.values(), key=finding_sort_key))


def run_detectors(
    tree: Tree, detectors: Sequence[Detector], options: AnalyzeOptions | None = None
) -> StaticResult:
    """Run ``detectors`` over every file of ``tree`` whose kind they accept."""
    options = options or AnalyzeOptions()
    start = time.perf_counter()
    findings: list[Finding] = []
    notices: list[Notice] = []
    spent: dict[str, float] = defaultdict(float)
    for entry in tree.files:
        wanted = [d for d in detectors if entry.kind in d.kinds]
        if not wanted:
            continue
        data = _read(tree, entry, options)
        if isinstance(data, Notice):
            notices.append(data)
            continue
        unit = SourceUnit(entry, data)
        for detector in wanted:
            t0 = time.perf_counter()
            _run_one(detector, unit, findings, notices)
            spent[detector.name] += time.perf_counter() - t0
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        logger.debug("detector %s: %.3f s", name, seconds)
    return StaticResult(
        tree=tree,
        findings=dedupe_and_sort(findings),
        notices=tuple(notices),
        duration_s=time.perf_counter() - start,
    )
