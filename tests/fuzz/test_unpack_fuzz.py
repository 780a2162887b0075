"""Mutation fuzzing of every unpacker: flipped bits, cut files, lying lengths, copied records.

Each seed (:mod:`seeds`) is a small valid container; its mutants (:mod:`mutate`, fixed random
seeds, so a failure names a reproducible case) must each end in a result with notices or in one
clear :class:`AgentXrayError` line: no other exception, no unpacker crash caught by the
dispatcher's safety net, no write outside the output folder, no symlink, a bounded time.
``AGENTXRAY_FUZZ_ITERATIONS`` raises the mutants per seed for a longer local campaign.
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import FUZZ_LIMITS, MAX_SECONDS, unpack_hostile
from mutate import mutants
from seeds import SEEDS, Seed

ITERATIONS = int(os.environ.get("AGENTXRAY_FUZZ_ITERATIONS", "300"))


@pytest.mark.parametrize("make", SEEDS, ids=lambda make: make.__name__)
def test_seed_is_valid(tmp_path: Path, make: Callable[[], Seed]) -> None:
    seed = make()
    outcome = unpack_hostile(tmp_path / "seed", seed.name, seed.data)
    assert outcome.error is None and not outcome.crashes, outcome


@pytest.mark.parametrize("make", SEEDS, ids=lambda make: make.__name__)
def test_mutants_end_in_notices_or_one_clear_error(
    tmp_path: Path, make: Callable[[], Seed]
) -> None:
    seed = make()
    rng_seed = zlib.crc32(seed.name.encode())
    failures: list[str] = []
    started = time.perf_counter()
    for index, how, data in mutants(seed.data, count=ITERATIONS, rng_seed=rng_seed, hot=seed.hot):
        try:
            outcome = unpack_hostile(tmp_path / str(index), seed.name, data)
        except Exception as exc:  # the fuzzer reports every case, not only the first
            failures.append(f"#{index} ({how}): {type(exc).__name__}: {exc}")
            continue
        if outcome.crashes:
            failures.append(f"#{index} ({how}): {outcome.crashes}")
        if outcome.written > FUZZ_LIMITS.max_ratio * len(data) + (1 << 20):
            failures.append(f"#{index} ({how}): wrote {outcome.written:,} bytes")
        if outcome.seconds > MAX_SECONDS:
            failures.append(f"#{index} ({how}): took {outcome.seconds:.1f}s")
    print(f"{seed.name}: {ITERATIONS} mutants in {time.perf_counter() - started:.2f}s")
    assert not failures, "\n".join(failures)
