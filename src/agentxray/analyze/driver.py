"""The analysis driver: offers every file of a tree, read once, to the detectors that want it."""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.analyze.js.deobfuscate.relocate import Prepared, prepare
from agentxray.analyze.js.prefilter import tree_needs
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
#: Trees with at least this many smaller files (and :data:`POOL_MIN_BYTES` of them) share those
#: files among forked worker processes.
POOL_MIN_FILES = 8
POOL_MIN_BYTES = 256 * 1024
JS_KINDS = frozenset({"javascript", "typescript"})


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """Knobs of one analysis run."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Skip (with a notice) files larger than this."""
    jobs: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))
    """Processes the analysis may use (1: everything in this process).

    A big file (``parallel_min_bytes``) is parsed once, then its detector families (modules)
    split across a forked child that inherits the tree: the rules and the behaviour analysis
    run side by side. Many smaller files (a bundle split into thousands of modules) are shared
    among ``jobs`` forked workers, which inherit the loaded rule packs; the result is the same
    as one process's, in the same order (figures in ``bench/``)."""
    parallel_min_bytes: int = PARALLEL_MIN_BYTES
    """Only files at least this big are worth a fork of their own."""
    pool_min_files: int = POOL_MIN_FILES
    """Fewer smaller files than this are analysed in this process, one after the other."""
    pool_min_bytes: int = POOL_MIN_BYTES
    """Smaller files totalling fewer bytes than this are analysed in this process."""
    parse_seconds: float | None = None
    """CPU time one file's parse may take (``None``: 2 s plus 1 s per MB,
    :func:`agentxray.analyze.js.parse.parse_budget`). A parse over it is given up with a
    ``parse-too-costly`` notice and the file analysed at the literal level (its strings and
    URLs against the rules)."""
    skip_trees: bool = True
    """Leave unparsed the JavaScript files in which no consumer of the syntax tree finds a
    literal to start from (:mod:`agentxray.analyze.js.prefilter`); their string and URL
    literals still go to the rules. ``False``: parse every file (same findings, slower)."""


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
    unparsed: int = 0
    """JavaScript files left without a syntax tree (no consumer needed one)."""

    def merge(self, other: _Outcome) -> None:
        self.findings += other.findings
        self.notices += other.notices
        self.unparsed += other.unparsed
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
    """Detectors grouped by family (by default their defining module): one family shares work
    through ``unit.context``."""
    groups: dict[str, list[Detector]] = {}
    for detector in detectors:
        groups.setdefault(detector.family or type(detector).__module__, []).append(detector)
    return list(groups.values())


def _cpu() -> float:
    """CPU time (user + system) of this process and of its children that have ended."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _child(unit: SourceUnit, detectors: Sequence[Detector], conn: Connection) -> None:
    start = _cpu()
    out = _run_all(unit, detectors)
    logger.debug("second process on %s: %.3f s CPU", unit.entry.vpath, _cpu() - start)
    conn.send(out)
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
    start = _cpu()
    out = _run_all(unit, here, progress)
    # This process is done with the file's tree: free it (0.35 s for an 18 MB bundle's) while
    # the child still works, not after it, when it would lengthen the scan.
    unit.context.clear()
    unit.__dict__.pop("js_tree", None)
    # The two branches' CPU (the scan's wall on idle cores: the parse, then the longer one).
    logger.debug("first process on %s: %.3f s CPU", unit.entry.vpath, _cpu() - start)
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


def _parse(unit: SourceUnit) -> None:
    """Parse the unit's JavaScript now (the tree stays on the unit)."""
    unit.js_tree  # noqa: B018 (a cached property: read for its effect)


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
        # No reference to the tree here: one would keep it alive until this function returns,
        # after the child, and the parent's early free (``_run_forked``) would free nothing.
        start = _cpu()
        _parse(unit)
        logger.debug("parse of %s: %.3f s CPU", unit.entry.vpath, _cpu() - start)
    return _run_forked(unit, groups[0], [d for g in groups[1:] for d in g], progress)


def _analyse_file(
    tree: Tree,
    entry: FileEntry,
    detectors: Sequence[Detector],
    options: AnalyzeOptions,
    progress: ProgressFn = no_progress,
) -> _Outcome:
    """Everything the detectors report on one file: findings, then notices in a fixed order."""
    wanted = [d for d in detectors if entry.kind in d.kinds]
    data = _read(tree, entry, options)
    if isinstance(data, Notice):
        return _Outcome(notices=[data])
    unit = SourceUnit(entry, data, parse_seconds=options.parse_seconds)
    unparsed = False
    prefiltered = spent = 0.0
    if options.skip_trees and entry.kind in JS_KINDS:
        # First the literal prefilter: a module in which no consumer of the tree (nor the
        # deobfuscator, whose tells are among its needs) finds anything is not parsed.
        t0 = time.perf_counter()
        needs = tree_needs(detectors)
        if needs.need(entry.vpath, data, unit.context) is None:
            unit.tree_needed = False
            unit.literal_only = True
            wanted = [d for d in wanted if id(d) in needs.without_tree]
            unparsed = True
        prefiltered = time.perf_counter() - t0
    if unparsed:
        prepared = Prepared(unit)
    else:
        # Obfuscated JavaScript is analysed as deobfuscated text; findings come back to the
        # original.
        t0 = time.perf_counter()
        if entry.kind in JS_KINDS:
            progress("deobfuscate", _label(entry))
        prepared = prepare(unit)
        prepared.unit.parse_seconds = options.parse_seconds
        spent = time.perf_counter() - t0
    outcome = _analyse_unit(prepared.unit, wanted, options, progress)
    outcome.unparsed += unparsed
    outcome.spent["deobfuscate"] = outcome.spent.get("deobfuscate", 0.0) + spent
    if prefiltered:
        outcome.spent["prefilter"] = outcome.spent.get("prefilter", 0.0) + prefiltered
    if prepared.relocator is not None:
        outcome.findings = [prepared.relocator.finding(f) for f in outcome.findings]
    outcome.findings += prepared.findings
    outcome.notices += prepared.notices
    outcome.notices += prepared.unit.notices
    return outcome


def _worker(
    tree: Tree, detectors: Sequence[Detector], options: AnalyzeOptions, conn: Connection
) -> None:
    """A pool worker: analyse each file index received, send back ``(index, outcome)``."""
    # One process per file at most: the pool already uses the cores.
    options = dataclasses.replace(options, jobs=1)
    try:
        while (index := conn.recv()) is not None:
            conn.send((index, _analyse_file(tree, tree.files[index], detectors, options)))
    except (EOFError, OSError, KeyboardInterrupt):  # the driver went away or was interrupted
        pass
    finally:
        conn.close()


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    index: int | None = None
    """The file it is analysing."""


def _run_pool(
    tree: Tree,
    indices: Sequence[int],
    detectors: Sequence[Detector],
    options: AnalyzeOptions,
    progress: ProgressFn = no_progress,
) -> dict[int, _Outcome]:
    """The outcome of each file of ``indices``, analysed by ``options.jobs`` forked workers.

    Workers take the next file when they finish one, biggest first (so that no big file is
    left for the end); a worker that dies costs the file it was on (a notice) and is replaced.
    """
    ctx = multiprocessing.get_context("fork")
    queue = deque(sorted(indices, key=lambda i: (-tree.files[i].size, i)))
    results: dict[int, _Outcome] = {}
    busy: dict[Connection, _Worker] = {}

    def start() -> _Worker:
        mine, theirs = ctx.Pipe()
        process = ctx.Process(target=_worker, args=(tree, detectors, options, theirs), daemon=True)
        process.start()
        theirs.close()
        worker = busy[mine] = _Worker(process, mine)
        return worker

    def feed(worker: _Worker) -> None:
        worker.index = queue.popleft() if queue else None
        try:
            worker.conn.send(worker.index)
        except OSError:  # died meanwhile: the next wait() reports it
            return
        if worker.index is None:
            del busy[worker.conn]
            worker.conn.close()
            worker.process.join()

    for worker in [start() for _ in range(min(options.jobs, len(queue)))]:
        feed(worker)
    while busy:
        for conn in wait(list(busy)):
            assert isinstance(conn, Connection)
            worker = busy[conn]
            try:
                index, outcome = conn.recv()
            except (EOFError, OSError):
                del busy[conn]
                conn.close()
                worker.process.join()
                if worker.index is not None:
                    results[worker.index] = _died(tree.files[worker.index], worker)
                if queue:
                    feed(start())
                continue
            results[index] = outcome
            progress("files", f"{len(results)}/{len(indices)}")
            feed(worker)
    return results


def _died(entry: FileEntry, worker: _Worker) -> _Outcome:
    code = worker.process.exitcode
    logger.debug("analysis worker on %s died with %s", entry.vpath, code)
    return _Outcome(
        notices=[
            Notice(
                "detector-error",
                f"the analysis of this file crashed its process (exit status {code}); "
                "its findings are missing",
                entry.vpath,
                "error",
            )
        ]
    )


def _pooled(tree: Tree, todo: Sequence[int], options: AnalyzeOptions) -> list[int]:
    """The files of ``todo`` to share among workers (none when too few to be worth a fork).

    A big file (``parallel_min_bytes``) that is more than one worker's share of all the bytes
    would keep one worker busy long after the others: it stays out, for its detector families
    to split across two processes."""
    if options.jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return []
    total = sum(tree.files[i].size for i in todo)
    pooled = [
        i
        for i in todo
        if tree.files[i].size < options.parallel_min_bytes
        or tree.files[i].size * options.jobs <= total
    ]
    if len(pooled) < options.pool_min_files:
        return []
    if sum(tree.files[i].size for i in pooled) < options.pool_min_bytes:
        return []
    return pooled


def run_detectors(
    tree: Tree,
    detectors: Sequence[Detector],
    options: AnalyzeOptions | None = None,
    progress: ProgressFn = no_progress,
) -> StaticResult:
    """Run ``detectors`` over every file of ``tree`` whose kind they accept.

    ``progress`` is told each step (deobfuscate, parse, each detector) as it starts. With
    ``options.jobs`` above 1, many files are shared among forked workers: findings, notices and
    their order are those of one process. Notices about the run rather than a file (no path)
    come first, once.
    """
    options = options or AnalyzeOptions()
    start = time.perf_counter()
    todo = [i for i, e in enumerate(tree.files) if any(e.kind in d.kinds for d in detectors)]
    pooled = _pooled(tree, todo, options)
    outcomes: dict[int, _Outcome] = {}
    if pooled:
        for detector in detectors:
            detector.warm_up()  # loaded once here, inherited by every worker
        if options.skip_trees:
            tree_needs(detectors)  # the prefilter's automaton too
        outcomes = _run_pool(tree, pooled, detectors, options, progress)
        logger.debug(
            "%d files analysed by %d workers in %.3f s",
            len(pooled),
            min(options.jobs, len(pooled)),
            time.perf_counter() - start,
        )
    for n, index in enumerate(todo, 1):
        if index in outcomes:
            continue
        if len(todo) > 1:
            progress("files", f"{n}/{len(todo)}")
        outcomes[index] = _analyse_file(tree, tree.files[index], detectors, options, progress)
    total = _Outcome()
    for index in todo:
        total.merge(outcomes[index])
    # Notices about the run rather than a file (a rule pack that did not load) come first, once:
    # each worker tells them, on whichever file it analyses first.
    about_run = list(dict.fromkeys(n for n in total.notices if n.path is None))
    total.notices = about_run + [n for n in total.notices if n.path is not None]
    if options.skip_trees:
        js = sum(1 for i in todo if tree.files[i].kind in JS_KINDS)
        logger.debug("%d of %d JavaScript files needed no syntax tree", total.unparsed, js)
    for name, seconds in sorted(total.spent.items(), key=lambda kv: -kv[1]):
        logger.debug("detector %s: %.3f s", name, seconds)
    return StaticResult(
        tree=tree,
        findings=dedupe_and_sort(total.findings),
        notices=tuple(total.notices),
        duration_s=time.perf_counter() - start,
    )
