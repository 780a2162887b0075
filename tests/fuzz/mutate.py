"""A deterministic mutation fuzzer for binary containers: flips, cuts, lying length fields, copies."""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator

#: Values written into length/offset fields: empty, tiny, sign-bit, all-ones, just past the end.
LIES_32 = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFF0, 0x10000)
LIES_64 = (0, 1, 1 << 63, (1 << 64) - 1, 1 << 40, 0x7FFFFFFFFFFFFFFF)

Mutation = Callable[[random.Random, bytearray, tuple[int, ...]], str]


def _spot(rng: random.Random, buf: bytearray, hot: tuple[int, ...], width: int) -> int:
    """An offset to mutate: a known field (``hot``) half of the time, else anywhere aligned."""
    if hot and rng.random() < 0.5:
        at = rng.choice(hot)
    else:
        at = rng.randrange(max(len(buf) - width, 1))
        at -= at % width
    return max(0, min(at, len(buf) - width))


def flip_bits(rng: random.Random, buf: bytearray, hot: tuple[int, ...]) -> str:
    n = rng.randint(1, 8)
    for _ in range(n):
        at = _spot(rng, buf, hot, 1)
        buf[at] ^= 1 << rng.randrange(8)
    return f"flip {n} bits"


def lie_u32(rng: random.Random, buf: bytearray, hot: tuple[int, ...]) -> str:
    at = _spot(rng, buf, hot, 4)
    value = rng.choice((*LIES_32, len(buf), len(buf) + 1, max(len(buf) - 1, 0)))
    buf[at : at + 4] = struct.pack(rng.choice("<>") + "I", value & 0xFFFFFFFF)
    return f"u32@{at}={value:#x}"


def lie_u64(rng: random.Random, buf: bytearray, hot: tuple[int, ...]) -> str:
    at = _spot(rng, buf, hot, 8)
    value = rng.choice((*LIES_64, len(buf), len(buf) * 2))
    buf[at : at + 8] = struct.pack("<Q", value)
    return f"u64@{at}={value:#x}"


def truncate(rng: random.Random, buf: bytearray, hot: tuple[int, ...]) -> str:
    cut = rng.randrange(len(buf)) if buf else 0
    del buf[cut:]
    return f"truncate at {cut}"


def duplicate(rng: random.Random, buf: bytearray, hot: tuple[int, ...]) -> str:
    """Repeat a slice in place (duplicated records)."""
    start = _spot(rng, buf, hot, 1)
    length = rng.choice((4, 8, 16, 52, 64, 512))
    chunk = bytes(buf[start : start + length])
    buf[start:start] = chunk * rng.randint(1, 4)
    return f"duplicate {len(chunk)}@{start}"


def overlap(rng: random.Random, buf: bytearray, hot: tuple[int, ...]) -> str:
    """Copy one field over another (pointers aimed at each other's data)."""
    width = rng.choice((4, 8, 16))
    src, dst = _spot(rng, buf, hot, width), _spot(rng, buf, hot, width)
    buf[dst : dst + width] = buf[src : src + width]
    return f"copy {width}@{src}->{dst}"


def splice_zeros(rng: random.Random, buf: bytearray, hot: tuple[int, ...]) -> str:
    at = _spot(rng, buf, hot, 1)
    n = rng.choice((1, 3, 4, 8, 100))
    buf[at:at] = b"\x00" * n
    return f"insert {n} zeros@{at}"


MUTATIONS: tuple[Mutation, ...] = (
    flip_bits,
    lie_u32,
    lie_u32,
    lie_u64,
    truncate,
    duplicate,
    overlap,
    splice_zeros,
)


def mutants(
    seed: bytes, *, count: int, rng_seed: int, hot: tuple[int, ...] = ()
) -> Iterator[tuple[int, str, bytes]]:
    """``count`` mutants of ``seed`` (1-3 stacked mutations each): (index, description, bytes).

    The same ``rng_seed`` gives the same mutants, so a failure names a reproducible case.
    """
    rng = random.Random(rng_seed)
    for index in range(count):
        buf = bytearray(seed)
        steps = [rng.choice(MUTATIONS)(rng, buf, hot) for _ in range(rng.randint(1, 3)) if buf]
        yield index, "; ".join(steps), bytes(buf)
