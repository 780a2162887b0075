"""Whole-target scan time of two builds of agentxray, and whether their findings are identical.

For each target (``npm:…`` or a path; the download and the unpacked tree come from the cache
after the first run) and each source folder (``--trees``, e.g. a ``git archive`` of the commit
before a change and of the commit after), ``agentxray --debug scan TARGET --format json`` runs as
a child process, rounds interleaving the builds so that a busier minute affects both. Reported
per build: median wall time, median CPU time (user + system of the scan and its children: the
forked workers and the isolate), the median of each detector's total from the debug log (summed
over processes: CPU-like), and whether the finding ids (in report order) and the notices equal
those of the first build in every round.

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

from bench_scan_speed import child_run  # bench/ is the script's folder: on sys.path

_DETECTOR = re.compile(r"detector ([\w-]+): ([\d.]+) s")


def _scan(target: str, tree: str, out: Path) -> tuple[float, float, dict[str, float]]:
    env = dict(os.environ, PYTHONPATH=tree)
    argv = [sys.executable, "-m", "agentxray.cli.main", "--debug", "scan", target]
    argv += ["--format", "json", "-o", str(out)]
    wall, cpu, proc = child_run(argv, env)  # the same measurement as bench_scan_speed
    return wall, cpu, {m[1]: float(m[2]) for m in _DETECTOR.finditer(proc.stderr)}


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
            runs: dict[str, list[tuple[float, float, dict[str, float]]]] = {
                t: [] for t in args.trees
            }
            same = {t: True for t in args.trees}
            count = 0
            for n in range(args.rounds):
                results = {}
                for tree in args.trees:
                    out = Path(tmp) / f"{n}-{args.trees.index(tree)}.json"
                    runs[tree].append(_scan(target, tree, out))
                    results[tree] = _result(out)
                first = results[args.trees[0]]
                count = len(first[0])
                for tree in args.trees:
                    same[tree] = same[tree] and results[tree] == first
                    if results[tree] != first:
                        _differences(tree, n, first, results[tree])
            print(
                f"{target}: {count} findings, {args.rounds} rounds, load average "
                f"{os.getloadavg()[0]:.1f} at the end"
            )
            for tree in args.trees:
                wall = statistics.median(w for w, _c, _d in runs[tree])
                cpu = statistics.median(c for _w, c, _d in runs[tree])
                names = {k for _w, _c, d in runs[tree] for k in d}
                parts = {
                    k: statistics.median(d.get(k, 0.0) for *_x, d in runs[tree]) for k in names
                }
                top = sorted(parts.items(), key=lambda kv: -kv[1])[: args.top]
                walls = ", ".join(f"{w:.1f}" for w, _c, _d in runs[tree])
                print(
                    f"  {tree}: wall {wall:.1f} s ({walls}), CPU {cpu:.1f} s; "
                    + ", ".join(f"{k} {v:.1f} s" for k, v in top)
                    + f"; findings and notices identical to the first build: {same[tree]}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
