"""Benchmark ``unpack`` of Claude Code 2.1.197's Bun executable from a warm download cache.

Times, in this process, several runs of ``agentxray.pipeline.unpack_target`` (what
``agentxray unpack`` calls: warm-cache acquire, gunzip + untar of the 245 MB executable, the Bun
module graph, writing the files and ``manifest.json``) into a fresh folder each, after one warm-up
run that also fills the download cache; then the same through the ``agentxray unpack`` command in a
child process (adds interpreter start-up and imports). Then breaks out the Bun part alone: locating
the ``.bun`` section with the header reader and with LIEF, and ``BunUnpacker.extract`` into a sink
that only hashes. Prints the figures and writes them to ``bench/results-unpack.md``.

Usage::

    python bench/bench_unpack.py [--runs 5] [--target npm:@anthropic-ai/claude-code@2.1.197]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agentxray.model import NoticeLevel
from agentxray.pipeline import acquire_target, unpack_target
from agentxray.unpack import Limits
from agentxray.unpack.bun import BunUnpacker
from agentxray.unpack.bun_container import locate_fast, locate_lief
from agentxray.unpack.interface import Blob

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-unpack.md"


class HashingSink:
    """A sink that hashes what it is given (as the real one does) and writes nothing."""

    limits = Limits()

    def __init__(self) -> None:
        self.count = 0

    def emit(self, parent: Blob, name: str, data: object, **_: object) -> None:
        hashlib.sha256(data if isinstance(data, bytes) else b"").hexdigest()
        self.count += 1

    def notice(
        self, code: str, message: str, *, path: str | None = None, level: NoticeLevel = "warning"
    ) -> None:
        pass


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def summary(label: str, times: list[float]) -> str:
    cells = [statistics.median(times), min(times), max(times)]
    return f"| {label} | " + " | ".join(f"{t:.4f}" for t in cells) + f" | {len(times)} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="npm:@anthropic-ai/claude-code@2.1.197")
    parser.add_argument("--platform", default="linux-x64")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    artifact = acquire_target(args.target, platform=args.platform)  # fills the cache if needed
    acquire_times = timed(lambda: acquire_target(args.target, platform=args.platform), args.runs)

    work = Path(tempfile.mkdtemp(prefix="bench-unpack-"))
    try:
        counter = iter(range(1_000_000))

        def full() -> None:
            dest = work / f"out{next(counter)}"
            tree = unpack_target(args.target, dest, platform=args.platform)
            assert any(f.vpath.endswith("/src/entrypoints/cli.js") for f in tree.files)
            shutil.rmtree(dest)

        def command() -> None:
            dest = work / f"out{next(counter)}"
            argv = ["agentxray", "unpack", args.target, "--platform", args.platform, "-o", dest]
            subprocess.run([str(a) for a in argv], check=True, capture_output=True)
            shutil.rmtree(dest)

        full()  # warm-up: page cache, imports
        unpack_times = timed(full, args.runs)
        command_times = timed(command, args.runs) if shutil.which("agentxray") else []

        exe = work / "claude"
        with tarfile.open(artifact.path) as tar:
            member = tar.extractfile("package/claude")
            assert member is not None
            with exe.open("wb") as out:
                shutil.copyfileobj(member, out, 1 << 22)
        with exe.open("rb") as fh:
            blob = Blob("claude", exe, exe.stat().st_size, fh.read(4096), 0)
        fast_times = timed(lambda: locate_fast(exe), args.runs)
        lief_times = timed(lambda: locate_lief(exe), args.runs)
        extract_times = timed(lambda: BunUnpacker().extract(blob, HashingSink()), args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        summary("acquire (warm cache: resolve + verify)", acquire_times),
        summary("**unpack_target (library; whole tarball → files + manifest)**", unpack_times),
        *(
            [summary("`agentxray unpack` command (child process)", command_times)]
            if command_times
            else []
        ),
        summary("Bun: locate .bun by header reader", fast_times),
        summary("Bun: locate .bun by LIEF (not used by default)", lief_times),
        summary("Bun: BunUnpacker.extract (parse + hash, no writes)", extract_times),
    ]
    text = "\n".join(
        [
            f"# unpack benchmark: {args.target} ({args.platform})",
            "",
            f"Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
            f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            f"Artifact: {artifact.path.stat().st_size / 1e6:.1f} MB tarball, sha256 "
            f"{artifact.sha256}.",
            "",
            "| step | median s | min s | max s | runs |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "The library figure is the unpack stage proper; the command adds interpreter start-up,",
            "imports and argument handling. The Bun module graph is located by reading the ELF /",
            "Mach-O / PE headers directly (`agentxray.unpack.bun_container.locate_fast`); LIEF is",
            "the fallback for headers that reader does not understand and the reference the tests",
            "compare it against, because a full LIEF parse of a 245 MB executable costs a third of a",
            "second or more (over a second for the Mach-O build) for one section-table lookup.",
            "`BunUnpacker.extract` time is dominated by hashing the 139 MB bytecode blob it records.",
            "",
        ]
    )
    print(text)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
