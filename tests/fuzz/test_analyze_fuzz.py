"""Mutation fuzzing of the detectors: cut, flipped and spliced versions of the positive fixtures.

Every mutant of every JavaScript and Python fixture goes through all registered detectors; none
may crash (a ``detector-error`` notice is the driver's safety net catching a bug) or take long.
``AGENTXRAY_FUZZ_ANALYZE_ITERATIONS`` sets the mutants per fixture.
"""

from __future__ import annotations

import faulthandler
import hashlib
import os
import random
import time
import zlib
from pathlib import Path

import pytest

from agentxray.analyze import analyze
from agentxray.model import Artifact, FileEntry, FileKind, TargetSpec, Tree

ITERATIONS = int(os.environ.get("AGENTXRAY_FUZZ_ANALYZE_ITERATIONS", "6"))
ANALYZE = Path(__file__).resolve().parent.parent / "analyze"
FIXTURES = sorted(
    [*ANALYZE.glob("js/fixtures/positive/*.[jt]s"), *ANALYZE.glob("python/fixtures/positive/*.py")]
)
MAX_SECONDS = 20.0


def _mutant(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """Source-level damage: a cut, a flipped byte, a duplicated or deleted stretch, a stray quote
    or bracket, an invalid UTF-8 byte."""
    buf = bytearray(data)
    steps = []
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(max(len(buf), 1))
        op = rng.randrange(6)
        if op == 0:
            del buf[at:]
            steps.append(f"cut@{at}")
        elif op == 1 and buf:
            buf[at] ^= 1 << rng.randrange(8)
            steps.append(f"flip@{at}")
        elif op == 2:
            n = rng.randint(1, 200)
            buf[at:at] = buf[at : at + n] * rng.randint(1, 5)
            steps.append(f"dup{n}@{at}")
        elif op == 3:
            del buf[at : at + rng.randint(1, 40)]
            steps.append(f"del@{at}")
        elif op == 4:
            token = rng.choice([b'"', b"'", b"`", b"(", b")", b"{", b"}", b"[", b"]", b"\\", b"/*"])
            buf[at:at] = token
            steps.append(f"insert {token!r}@{at}")
        else:
            buf[at:at] = rng.choice([b"\xff", b"\x00", b"\xc3", b"\xe2\x80"])
            steps.append(f"bad-utf8@{at}")
    return "; ".join(steps), bytes(buf)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_mutated_fixtures_never_crash_a_detector(tmp_path: Path, fixture: Path) -> None:
    kind: FileKind = {".py": "python", ".ts": "typescript"}.get(fixture.suffix, "javascript")
    rng = random.Random(zlib.crc32(fixture.name.encode()))
    original = fixture.read_bytes()
    failures = []
    for index in range(ITERATIONS):
        how, data = _mutant(rng, original)
        name = f"m{index}{fixture.suffix}"
        (tmp_path / name).write_bytes(data)
        entry = FileEntry(f"pkg!/{name}", kind, len(data), hashlib.sha256(data).hexdigest(), name)
        spec = TargetSpec(raw=str(tmp_path), kind="path", name=str(tmp_path))
        tree = Tree(Artifact(spec, tmp_path, "directory", "pkg"), tmp_path, (entry,))
        faulthandler.dump_traceback_later(MAX_SECONDS * 3, exit=True)
        started = time.perf_counter()
        try:
            result = analyze(tree)
        finally:
            faulthandler.cancel_dump_traceback_later()
        seconds = time.perf_counter() - started
        crashes = [n.message for n in result.notices if n.code == "detector-error"]
        if crashes or seconds > MAX_SECONDS:
            failures.append(f"#{index} ({how}): {seconds:.1f}s {crashes}")
    assert not failures, "\n".join(failures)
