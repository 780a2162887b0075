"""The download cache: content addressing, keys, concurrency, LRU size cap, clearing, metadata TTL."""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from agentxray.acquire.cache import Cache, default_cache_dir
from agentxray.acquire.http import Expected, download, expected_from_sri

from .fakeregistry import FakeRegistry, sri


def put(cache: Cache, data: bytes, key: str = "", **info: str) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    with cache.temp_file() as (handle, temp):
        handle.write(data)
        handle.close()
        return cache.commit(temp, digest, keys=(key,) if key else (), info=info or None)


def test_default_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENTXRAY_CACHE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("AGENTXRAY_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "x" / "agentxray"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "agentxray"


def test_max_bytes_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENTXRAY_CACHE_MAX_BYTES", "12345")
    assert Cache(tmp_path).max_bytes == 12345
    monkeypatch.setenv("AGENTXRAY_CACHE_MAX_BYTES", "lots")
    assert Cache(tmp_path).max_bytes == 20 * 1024**3


def test_store_is_content_addressed(cache: Cache) -> None:
    path = put(cache, b"hello", key="sha512:abc", name="pkg", version="1.0.0")
    digest = hashlib.sha256(b"hello").hexdigest()
    assert path == cache.root / "blobs" / digest[:2] / digest
    assert cache.get(digest) == path
    assert cache.lookup("sha512:abc") == path
    assert cache.lookup("sha512:other") is None
    [entry] = cache.ls()
    assert (entry.sha256, entry.size, entry.name, entry.version) == (digest, 5, "pkg", "1.0.0")
    assert list((cache.root / "tmp").iterdir()) == []


def test_lru_eviction_keeps_recently_used(tmp_path: Path) -> None:
    cache = Cache(tmp_path, max_bytes=250)
    a = put(cache, b"a" * 100)
    b = put(cache, b"b" * 100)
    os.utime(a, (time.time() - 100, time.time() - 100))
    os.utime(b, (time.time() - 50, time.time() - 50))
    assert cache.get(a.name) == a  # touching a makes b the least recently used
    c = put(cache, b"c" * 100)
    assert a.exists() and c.exists() and not b.exists()
    assert sum(e.size for e in cache.ls()) <= 250


def test_newest_blob_survives_even_over_cap(tmp_path: Path) -> None:
    cache = Cache(tmp_path, max_bytes=10)
    big = put(cache, b"x" * 100)
    assert big.exists()


def test_clear(cache: Cache) -> None:
    put(cache, b"one", key="k1")
    put(cache, b"two")
    cache.put_meta("meta", b"{}")
    assert cache.clear() == 6
    assert cache.ls() == [] and cache.lookup("k1") is None and cache.get_meta("meta") is None


def test_meta_ttl(tmp_path: Path) -> None:
    cache = Cache(tmp_path, meta_ttl=60)
    cache.put_meta("url", b'{"a":1}')
    assert cache.get_meta("url") == b'{"a":1}'
    meta = next((tmp_path / "meta").iterdir())
    os.utime(meta, (time.time() - 120, time.time() - 120))
    assert cache.get_meta("url") is None


def test_concurrent_downloads_fetch_once(served: FakeRegistry, cache: Cache) -> None:
    data = served.publish("tool", "1.0.0")
    url = served.base + "tool/-/tool-1.0.0.tgz"
    expected = expected_from_sri(sri(data))
    assert expected is not None

    def fetch(_: int) -> tuple[Path, str]:
        with httpx.Client() as client:
            return download(client, url, expected, cache, info={"name": "tool"})

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fetch, range(4)))
    assert len({r for r in results}) == 1
    assert served.downloads() == ["/tool/-/tool-1.0.0.tgz"]
    assert results[0][0].read_bytes() == data


def test_sha256_expected_hits_blob_without_network(cache: Cache) -> None:
    path = put(cache, b"wheel bytes")
    digest = hashlib.sha256(b"wheel bytes").hexdigest()
    dead = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    got = download(
        dead, "http://x/w.whl", Expected("sha256", digest, "sha256:" + digest), cache, info={}
    )
    assert got == (path, digest)


def test_expected_from_sri_picks_strongest() -> None:
    sha256 = "sha256-" + "A" * 43 + "="
    strong = sri(b"x")
    chosen = expected_from_sri(f"{sha256} {strong}")
    assert chosen is not None and chosen.algorithm == "sha512" and chosen.label == strong
    assert expected_from_sri("md5-abc") is None
    assert expected_from_sri("sha512-!!!notbase64") is None


def test_clear_spares_recent_partial_downloads_and_sweeps_old_ones(cache: Cache) -> None:
    put(cache, b"blob")
    tmp = cache.root / "tmp"
    fresh, stale = tmp / "dl-fresh.part", tmp / "dl-stale.part"
    fresh.write_bytes(b"in flight")
    stale.write_bytes(b"killed run")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    cache.clear()
    assert fresh.exists() and not stale.exists()
