"""Scan speed on a shared machine: CPU time of the scan against tree-sitter's bare parse.

Wall time on a machine whose cores are shared with other work measures the queue for the CPUs.
This benchmark measures what does not depend on the queue, in rounds that pair each scan with a
bare parse of the same file (so that a slower machine or hour affects both):

- the bare parse: CPU time of ``Parser.parse`` on the file, in a fresh interpreter;
- the scan: ``agentxray scan FILE --format json`` as a child process, CPU time (user + system,
  its children included: the forked analysis and the isolate) and wall time;
- the branches: after one parse, each family of detectors (the rules; the behaviour analysis) in
  a forked child, CPU time each. ``scan`` runs the two in parallel on two cores, so on an idle
  two-core machine its wall time is about its CPU time minus the shorter branch: the *critical
  path* reported here.

With ``--trees A B`` (source folders, e.g. two ``git archive`` checkouts) the scans alternate
between the two builds in each round and their finding lists are compared.

Usage::

    python bench/bench_scan_speed.py PATH/TO/cli.js [--rounds 3] [--trees OLD/src NEW/src]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARSE = (
    "import sys, time, tree_sitter_javascript as t\n"
    "from tree_sitter import Language, Parser\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "parser = Parser(Language(t.language()))\n"
    "start = time.process_time()\n"
    "parser.parse(data)\n"
    "print(time.process_time() - start)\n"
)

BRANCHES = (
    "import os, resource, sys\n"
    "from agentxray.analyze.driver import _run_all, families\n"
    "from agentxray.analyze.interface import SourceUnit\n"
    "from agentxray.analyze.js.deobfuscate.relocate import prepare\n"
    "from agentxray.analyze.registry import DETECTORS\n"
    "from agentxray.model import FileEntry\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "unit = prepare(SourceUnit(FileEntry('f.js', 'javascript', len(data), ''), data)).unit\n"
    "unit.js_tree\n"
    "groups = families([d for d in DETECTORS if 'javascript' in d.kinds])\n"
    "for name, group in (('rules', groups[0]), ('behaviour', [d for g in groups[1:] for d in g])):\n"
    "    pid = os.fork()\n"
    "    if pid == 0:\n"
    "        t = os.times()\n"
    "        _run_all(unit, group)\n"
    "        u = os.times()\n"
    "        cpu = sum(u[:4]) - sum(t[:4])\n"
    "        print(name, cpu, flush=True)\n"
    "        os._exit(0)\n"
    "    os.waitpid(pid, 0)\n"
)


def _child_cpu(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``argv``; its wall time, CPU time (user + system, with its children) and stdout."""
    wall, cpu, proc = child_run(argv, env)
    return wall, cpu, proc.stdout


def child_run(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run ``argv``; its wall time, CPU time (user + system, with its children) and the process
    (exit 0 or 1 expected: findings are not a failure)."""
    wall, cpu, _peak, proc = child_usage(argv, env)
    return wall, cpu, proc


def child_usage(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, int, subprocess.CompletedProcess[str]]:
    """:func:`child_run` and the peak resident memory (bytes) of the largest process among the
    child and the descendants it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[:4]} exited {proc.returncode}: {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest of all children so far: this child's when it
    # is the largest yet, else an upper bound.
    return wall, cpu, after.ru_maxrss * 1024, proc


def _env(tree: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("js", type=Path, help="the JavaScript file to scan")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--trees", nargs="+", default=[""], help="source folders to compare")
    args = parser.parse_args()
    js = str(args.js.resolve())
    py = sys.executable
    parse: list[float] = []
    scans: dict[str, list[tuple[float, float]]] = {t: [] for t in args.trees}
    branches: dict[str, dict[str, list[float]]] = {t: {} for t in args.trees}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            parse.append(float(_child_cpu([py, "-c", PARSE, js])[2]))
            for tree in args.trees:
                out = str(Path(tmp) / f"{len(scans[tree])}-{abs(hash(tree))}.json")
                argv = [py, "-m", "agentxray.cli.main", "scan", js, "--format", "json", "-o", out]
                wall, cpu, _ = _child_cpu(argv, _env(tree))
                scans[tree].append((wall, cpu))
                for line in _child_cpu([py, "-c", BRANCHES, js], _env(tree))[2].splitlines():
                    name, seconds = line.split()
                    branches[tree].setdefault(name, []).append(float(seconds))
            loads.append(os.getloadavg()[0])
        ids = {}
        for tree in args.trees:
            doc = json.loads((Path(tmp) / f"0-{abs(hash(tree))}.json").read_text("utf-8"))
            ids[tree] = [f["id"] for f in doc["findings"]]
    floor = statistics.median(parse)
    print(
        f"{args.js.name}: {args.js.stat().st_size / 1e6:.1f} MB, {args.rounds} rounds, "
        f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs"
    )
    print(f"bare parse CPU: median {floor:.2f} s ({', '.join(f'{p:.2f}' for p in parse)})")
    for tree in args.trees:
        cpu = statistics.median(c for _, c in scans[tree])
        wall = statistics.median(w for w, _ in scans[tree])
        parts = {name: statistics.median(v) for name, v in branches[tree].items()}
        critical = cpu - min(parts.values())
        print(
            f"{tree or 'installed'}: scan CPU {cpu:.2f} s ({cpu / floor:.2f}x the parse), "
            f"branches {', '.join(f'{k} {v:.2f} s' for k, v in parts.items())}, "
            f"critical path {critical:.2f} s ({critical / floor:.2f}x), "
            f"wall {wall:.2f} s on the shared machine; {len(ids[tree])} findings"
        )
    first = args.trees[0]
    for tree in args.trees[1:]:
        same = ids[tree] == ids[first]
        print(f"finding ids of {tree} identical to {first or 'installed'}: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
