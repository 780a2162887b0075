"""Whole-target scan time of two builds of agentxray, and whether their findings are identical.

For each target (``npm:…`` or a path; the download and the unpacked tree come from the cache
after the first run) and each source folder (``--trees``, e.g. a ``git archive`` of the commit
before a change and of the commit after), ``agentxray --debug scan TARGET --format json`` runs as
a child process, rounds interleaving the builds so that a busier minute affects both. Reported
per build: median wall time, median CPU time (user + system of the scan and its children: the
forked workers and the isolate), the median of each detector's total from the debug log (summed
over processes: CPU-like), and whether the finding ids (in report order) and the notices equal
those of the first build in every round (said apart).

Each round also times tree-sitter's bare single-thread parse of all the target's JavaScript and
TypeScript (every file of the unpacked tree whose content is one of the report's ``javascript``
or ``typescript`` files, ``Parser.parse`` on its bytes, one after the other, in a fresh
interpreter): the floor the scan is compared with, measured in the same minutes. The unpacked
tree is the one the scan logs it reused (warm cache; run once before to fill it).

Usage::

    python bench/bench_scan_targets.py npm:@anthropic-ai/claude-code@2.1.332 \\
        --trees /tmp/before/src /tmp/after/src [--rounds 3]

Run it from an empty directory: ``python -m`` puts the working directory on ``sys.path`` of the
scan and of its isolate process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

from bench_scan_speed import child_usage  # bench/ is the script's folder: on sys.path

_DETECTOR = re.compile(r"detector ([\w-]+): ([\d.]+) s")
_REUSED = re.compile(r"reusing unpacked tree (\S+)")
_UNPARSED = re.compile(r"(\d+) of (\d+) JavaScript files needed no syntax tree")
_BRANCH = re.compile(r"(parse|first process|second process) (?:of|on) \S+: ([\d.]+) s CPU")
BRANCHES = ("parse", "first process", "second process")
"""A big file's parse and its two processes (the rules; the behaviour analysis), CPU each: on
idle cores the scan's wall is its CPU less the shorter branch (builds that log them)."""

BARE_PARSE = (
    "import hashlib, json, os, sys, time\n"
    "import tree_sitter_javascript as js, tree_sitter_typescript as ts\n"
    "from tree_sitter import Language, Parser\n"
    "kinds = json.load(open(sys.argv[2]))\n"
    "parsers = {'javascript': Parser(Language(js.language())),\n"
    "           'typescript': Parser(Language(ts.language_typescript()))}\n"
    "files = n = 0\n"
    "cpu = 0.0\n"
    "for folder, _dirs, names in os.walk(sys.argv[1]):\n"
    "    for name in names:\n"
    "        path = os.path.join(folder, name)\n"
    "        if os.path.islink(path):\n"
    "            continue\n"
    "        data = open(path, 'rb').read()\n"
    "        kind = kinds.get(hashlib.sha256(data).hexdigest())\n"
    "        if kind is None:\n"
    "            continue\n"
    "        start = time.process_time()\n"
    "        parsers[kind].parse(data)\n"
    "        cpu += time.process_time() - start\n"
    "        files, n = files + 1, n + len(data)\n"
    "print(cpu, files, n)\n"
)

Run = tuple[float, float, int, dict[str, float]]
UNPARSED = "files without a tree"


def _scan(target: str, tree: str, out: Path) -> tuple[Run, str | None]:
    env = dict(os.environ, PYTHONPATH=tree)
    argv = [sys.executable, "-m", "agentxray.cli.main", "--debug", "scan", target]
    argv += ["--format", "json", "-o", str(out)]
    wall, cpu, peak, proc = child_usage(argv, env)  # the same measurement as bench_scan_speed
    reused = _REUSED.search(proc.stderr)
    parts = {m[1]: float(m[2]) for m in _DETECTOR.finditer(proc.stderr)}
    unparsed = _UNPARSED.search(proc.stderr)
    if unparsed:  # the literal prefilter's count (builds that have one)
        parts[UNPARSED] = float(unparsed[1])
    for m in _BRANCH.finditer(proc.stderr):  # summed over the big files
        parts[m[1]] = parts.get(m[1], 0.0) + float(m[2])
    return (wall, cpu, peak, parts), reused[1] if reused else None


def _bare_parse(unpacked: str, report: Path, tmp: str) -> tuple[float, float, int, int]:
    """Wall and CPU time of the bare parse of the report's JavaScript in ``unpacked``, files, bytes."""
    doc = json.loads(report.read_text("utf-8"))
    kinds = {
        a["sha256"]: a["kind"]
        for a in doc["artifacts"]
        if a.get("kind") in ("javascript", "typescript") and a.get("sha256")
    }
    listing = Path(tmp) / "kinds.json"
    listing.write_text(json.dumps(kinds), "utf-8")
    wall, _cpu, _peak, proc = child_usage(
        [sys.executable, "-c", BARE_PARSE, unpacked, str(listing)]
    )
    cpu, files, size = proc.stdout.split()
    return wall, float(cpu), int(files), int(size)


def _result(path: Path) -> tuple[list[str], list[object]]:
    doc = json.loads(path.read_text("utf-8"))
    return [f["id"] for f in doc["findings"]], doc["notices"]


def _differences(
    tree: str, n: int, first: tuple[list[str], list[object]], other: tuple[list[str], list[object]]
) -> None:
    ids, notices = set(first[0]), {json.dumps(x, sort_keys=True) for x in first[1]}
    more, less = sorted(set(other[0]) - ids), sorted(ids - set(other[0]))
    extra = {json.dumps(x, sort_keys=True) for x in other[1]}
    print(
        f"  round {n + 1}, {tree}: findings only here {more}, missing {less}; notices only "
        f"here {sorted(extra - notices)}, missing {sorted(notices - extra)}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="+")
    parser.add_argument("--trees", nargs="+", required=True, help="source folders to compare")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=4, help="detectors to show")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        for target in args.targets:
            runs: dict[str, list[Run]] = {t: [] for t in args.trees}
            same = {t: True for t in args.trees}
            notes = {t: True for t in args.trees}
            floors: list[tuple[float, float]] = []
            loads: list[float] = []
            count = 0
            for n in range(args.rounds):
                loads.append(os.getloadavg()[0])
                results = {}
                unpacked = None
                for tree in args.trees:
                    out = Path(tmp) / f"{n}-{args.trees.index(tree)}.json"
                    run, unpacked = _scan(target, tree, out)
                    runs[tree].append(run)
                    results[tree] = _result(out)
                if unpacked is not None:
                    out = Path(tmp) / f"{n}-0.json"
                    wall, cpu, files, size = _bare_parse(unpacked, out, tmp)
                    floors.append((wall, cpu))
                    print(
                        f"  round {n + 1}: bare parse of {files} files ({size / 1e6:.1f} MB) "
                        f"{wall:.1f} s wall, {cpu:.1f} s CPU; scans "
                        + ", ".join(
                            f"{runs[t][-1][0]:.1f} s wall / {runs[t][-1][1]:.1f} s CPU"
                            for t in args.trees
                        ),
                        flush=True,
                    )
                first = results[args.trees[0]]
                count = len(first[0])
                for tree in args.trees:
                    same[tree] = same[tree] and results[tree][0] == first[0]
                    notes[tree] = notes[tree] and results[tree][1] == first[1]
                    if results[tree] != first:
                        _differences(tree, n, first, results[tree])
            loads.append(os.getloadavg()[0])
            print(
                f"{target}: {count} findings, {args.rounds} rounds, load average "
                f"{min(loads):.1f}-{max(loads):.1f} (1-minute, at each round's start and the end)"
            )
            floor_wall = statistics.median(w for w, _c in floors) if floors else None
            floor_cpu = statistics.median(c for _w, c in floors) if floors else None
            if floor_wall is not None and floor_cpu is not None:
                print(
                    f"  bare parse (one thread): wall {floor_wall:.1f} s, CPU {floor_cpu:.1f} s "
                    f"({', '.join(f'{c:.1f}' for _w, c in floors)}); half of it: "
                    f"{floor_wall / 2:.1f} s wall"
                )
            for tree in args.trees:
                wall = statistics.median(r[0] for r in runs[tree])
                cpu = statistics.median(r[1] for r in runs[tree])
                peak = max(r[2] for r in runs[tree])
                names = {k for r in runs[tree] for k in r[3]}
                parts = {k: statistics.median(r[3].get(k, 0.0) for r in runs[tree]) for k in names}
                unparsed = parts.pop(UNPARSED, None)
                branch = {k: parts.pop(k) for k in BRANCHES if k in parts}
                critical = ""
                if len(branch) == len(BRANCHES):
                    # CPU on the critical path, per round: all of it but the shorter branch
                    paths = [r[1] - min(r[3].get(k, 0.0) for k in BRANCHES[1:]) for r in runs[tree]]
                    critical = (
                        f"; parse {branch['parse']:.1f} s CPU, then the two processes "
                        f"{branch['first process']:.1f} s and {branch['second process']:.1f} s: "
                        f"CPU on the critical path (all but the shorter branch) "
                        f"{statistics.median(paths):.1f} s"
                        + (
                            f" = {statistics.median(paths) / floor_cpu:.2f}x the bare parse's CPU"
                            if floor_cpu
                            else ""
                        )
                    )
                top = sorted(parts.items(), key=lambda kv: -kv[1])[: args.top]
                walls = ", ".join(f"{r[0]:.1f}" for r in runs[tree])
                ratio = ""
                if floor_wall and floor_cpu:
                    ratio = (
                        f" ({wall / floor_wall:.2f}x the bare parse's wall time; CPU "
                        f"{cpu / floor_cpu:.2f}x its CPU time)"
                    )
                print(
                    f"  {tree}: wall {wall:.1f} s ({walls}), CPU {cpu:.1f} s{ratio}; peak "
                    f"resident memory at most {peak / 2**20:.0f} MiB; "
                    + ", ".join(f"{k} {v:.1f} s" for k, v in top)
                    + (f"; {unparsed:.0f} files left without a tree" if unparsed else "")
                    + critical
                    + f"; finding ids (in report order) identical to the first build's: {same[tree]}, "
                    f"notices: {notes[tree]}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
