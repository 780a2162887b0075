"""Decompressing readers: detection, names, forward-only seeking, chunked ratio checks."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma

import pytest
import zstandard

from agentxray.unpack.streams import Decompressed, compression_of, inner_name
from agentxray.unpack.writer import StopCopy


@pytest.mark.parametrize(
    ("head", "method"),
    [
        (gzip.compress(b"x"), "gzip"),
        (zstandard.ZstdCompressor().compress(b"x"), "zstd"),
        (bz2.compress(b"x"), "bzip2"),
        (lzma.compress(b"x"), "xz"),
        (b"BZ is not bzip2", None),
        (b"PK\x03\x04", None),
    ],
)
def test_compression_of(head: bytes, method: str | None) -> None:
    assert compression_of(head) == method


@pytest.mark.parametrize(
    ("name", "inner"),
    [
        ("a.js.gz", "a.js"),
        ("pkg.tgz", "pkg.tar"),
        ("x.tgz!notes.md.zst", "notes.md"),
        ("dir/blob", "blob.out"),
        (".gz", ".gz.out"),
    ],
)
def test_inner_name(name: str, inner: str) -> None:
    assert inner_name(name) == inner


def test_reads_are_full_and_seeks_only_go_forward() -> None:
    data = bytes(range(256)) * 10_000
    stream = Decompressed(io.BytesIO(gzip.compress(data)), "gzip", max_ratio=1e9, what="t")
    assert stream.read(1000) == data[:1000]
    assert stream.seek(500_000) == 500_000
    assert stream.read(10) == data[500_000:500_010]
    with pytest.raises(OSError, match="backwards"):
        stream.seek(0)
    assert stream.read() == data[500_010:]
    assert stream.read(1) == b""


def test_ratio_is_checked_per_chunk_even_for_one_big_read() -> None:
    bomb = gzip.compress(bytes(32 << 20), 9)
    stream = Decompressed(io.BytesIO(bomb), "gzip", max_ratio=50, what="t")
    with pytest.raises(StopCopy) as info:
        stream.read(32 << 20)
    assert info.value.code == "ratio-exceeded"
    assert stream.tell() <= 2 << 20  # stopped after a chunk or two, not after 32 MiB
