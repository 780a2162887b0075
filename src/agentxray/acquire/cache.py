"""A content-addressed download cache (sha256), safe under concurrent runs, with an LRU size cap."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

#: Default size cap of the blob store.
DEFAULT_MAX_BYTES = 20 * 1024**3
#: Default lifetime of cached registry metadata, in seconds.
DEFAULT_META_TTL = 300.0


def default_cache_dir() -> Path:
    """``$AGENTXRAY_CACHE_DIR``, else ``$XDG_CACHE_HOME/agentxray``, else ``~/.cache/agentxray``."""
    explicit = os.environ.get("AGENTXRAY_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "agentxray"


def _max_bytes_from_env() -> int:
    raw = os.environ.get("AGENTXRAY_CACHE_MAX_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        return max(0, int(raw))
    except ValueError:
        logger.warning("ignoring AGENTXRAY_CACHE_MAX_BYTES=%r: not an integer", raw)
        return DEFAULT_MAX_BYTES


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One stored blob and what is known about it."""

    sha256: str
    """Content digest; also the file name."""
    path: Path
    """Where the blob is."""
    size: int
    """Size in bytes."""
    last_used: float
    """Unix time of the last store or lookup (the LRU clock)."""
    name: str = ""
    """Package name it was downloaded for."""
    version: str = ""
    """Package version it was downloaded for."""
    source_url: str = ""
    """Where it was downloaded from."""


class Cache:
    """Blobs under ``blobs/<aa>/<sha256>``, with lookup keys (e.g. an SRI digest) pointing at them.

    Writers download into a temporary file in the cache's own ``tmp/`` folder and rename it into
    place atomically; a per-key ``fcntl`` lock keeps concurrent runs from downloading the same
    thing twice, and a cache-wide lock serialises eviction.
    """

    def __init__(
        self,
        root: Path | None = None,
        *,
        max_bytes: int | None = None,
        meta_ttl: float = DEFAULT_META_TTL,
    ) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.max_bytes = _max_bytes_from_env() if max_bytes is None else max_bytes
        self.meta_ttl = meta_ttl

    # -- layout -------------------------------------------------------------------------------

    @property
    def blobs_dir(self) -> Path:
        return self.root / "blobs"

    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def blob_path(self, sha256: str) -> Path:
        """Where the blob with this digest lives (whether or not it exists)."""
        return self.blobs_dir / sha256[:2] / sha256

    # -- locking ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold an exclusive inter-process lock named by ``key`` (blocks until it is free)."""
        path = self._dir("locks") / (_key_digest(key)[:32] + ".lock")
        with open(path, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # -- blobs --------------------------------------------------------------------------------

    def get(self, sha256: str) -> Path | None:
        """The blob with this digest if present (marks it used)."""
        path = self.blob_path(sha256.lower())
        if not path.is_file():
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return path

    def lookup(self, key: str) -> Path | None:
        """The blob recorded under ``key`` (e.g. ``sha512-…`` or a URL) if present."""
        ref = self.root / "keys" / _key_digest(key)
        try:
            digest = ref.read_text("ascii").strip()
        except OSError:
            return None
        return self.get(digest) if len(digest) == 64 else None

    @contextlib.contextmanager
    def temp_file(self) -> Iterator[tuple[IO[bytes], Path]]:
        """A new temporary file on the cache's file system; removed unless committed."""
        fd, name = tempfile.mkstemp(prefix="dl-", suffix=".part", dir=self._dir("tmp"))
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle, path
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def commit(
        self,
        temp: Path,
        sha256: str,
        *,
        keys: tuple[str, ...] = (),
        info: dict[str, str] | None = None,
    ) -> Path:
        """Move a finished temporary file into the store under its digest; record ``keys``."""
        target = self.blob_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
        if info:
            self._write_atomic(target.with_name(sha256 + ".json"), json.dumps(info).encode())
        for key in keys:
            self._write_atomic(self._dir("keys") / _key_digest(key), sha256.encode("ascii"))
        self.evict(keep=sha256)
        return target

    def _write_atomic(self, path: Path, data: bytes) -> None:
        fd, name = tempfile.mkstemp(prefix=".w-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(name, 0o644)
            os.replace(name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
            raise

    # -- metadata (short TTL) -------------------------------------------------------------------

    def get_meta(self, key: str, *, stale_ok: bool = False) -> bytes | None:
        """Cached registry metadata for ``key`` if younger than the TTL (any age if ``stale_ok``)."""
        path = self.root / "meta" / _key_digest(key)
        try:
            if not stale_ok and time.time() - path.stat().st_mtime > self.meta_ttl:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def put_meta(self, key: str, data: bytes) -> None:
        """Remember registry metadata for ``key`` for the TTL."""
        try:
            self._write_atomic(self._dir("meta") / _key_digest(key), data)
        except OSError as exc:  # a read-only cache must not break a run
            logger.debug("could not cache metadata: %s", exc)

    # -- listing, eviction, clearing ------------------------------------------------------------

    def ls(self) -> list[CacheEntry]:
        """Every stored blob, most recently used first."""
        entries: list[CacheEntry] = []
        if not self.blobs_dir.is_dir():
            return entries
        for shard in self.blobs_dir.iterdir():
            if not shard.is_dir():
                continue
            for path in shard.iterdir():
                if len(path.name) != 64 or not path.is_file():
                    continue
                try:
                    st = path.stat()
                except OSError:
                    continue
                info = self._read_info(path.with_name(path.name + ".json"))
                entries.append(
                    CacheEntry(
                        sha256=path.name,
                        path=path,
                        size=st.st_size,
                        last_used=st.st_mtime,
                        name=str(info.get("name", "")),
                        version=str(info.get("version", "")),
                        source_url=str(info.get("source_url", "")),
                    )
                )
        entries.sort(key=lambda e: e.last_used, reverse=True)
        return entries

    @staticmethod
    def _read_info(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def evict(self, *, keep: str | None = None) -> int:
        """Remove least recently used blobs until the store fits the cap; returns bytes freed."""
        freed = 0
        with self.lock("<evict>"):
            entries = self.ls()
            total = sum(e.size for e in entries)
            for entry in reversed(entries):  # oldest first
                if total <= self.max_bytes:
                    break
                if entry.sha256 == keep:
                    continue
                self._remove(entry)
                total -= entry.size
                freed += entry.size
        self._sweep_tmp(max_age=86400.0)
        if freed:
            logger.info("cache: evicted %d bytes to stay under %d", freed, self.max_bytes)
        return freed

    def discard(self, sha256: str) -> None:
        """Remove one blob and its record (a sweep dropping a release it downloaded)."""
        path = self.blob_path(sha256)
        with self.lock("<evict>"):
            for item in (path, path.with_name(sha256 + ".json")):
                with contextlib.suppress(FileNotFoundError):
                    item.unlink()

    @staticmethod
    def _remove(entry: CacheEntry) -> None:
        for path in (entry.path, entry.path.with_name(entry.sha256 + ".json")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def clear(self) -> int:
        """Remove everything the cache holds; returns the bytes freed by blobs."""
        freed = 0
        with self.lock("<evict>"):
            for entry in self.ls():
                self._remove(entry)
                freed += entry.size
            for name in ("keys", "meta", "blobs"):
                shutil.rmtree(self.root / name, ignore_errors=True)
            self._sweep_tmp(max_age=3600.0)  # younger ones may belong to a running download
        return freed

    def _sweep_tmp(self, *, max_age: float) -> None:
        """Delete partial downloads older than ``max_age`` seconds (left by killed runs)."""
        folder = self.root / "tmp"
        if not folder.is_dir():
            return
        now = time.time()
        for path in folder.iterdir():
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > max_age:
                    path.unlink()
