"""HTTP for the registries: a configured httpx client, JSON fetches and verified streaming downloads."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import ssl
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from agentxray import __version__
from agentxray.acquire.cache import Cache
from agentxray.errors import IntegrityError, RegistryError, TargetNotFound

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(60.0, connect=20.0)
_CHUNK = 1 << 20
#: Largest download accepted (a hostile registry could stream forever): 8 GiB.
MAX_DOWNLOAD = 8 * 1024**3
#: What httpx raises for transport, protocol, URL and stream problems.
_HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError)


def ssl_context(cafile: str | None = None) -> ssl.SSLContext:
    """Trust the machine's CA bundle (``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured) plus ``cafile``."""
    ctx = ssl.create_default_context()
    for extra in (cafile, os.environ.get("SSL_CERT_FILE")):
        if extra and Path(extra).is_file():
            with contextlib.suppress(ssl.SSLError, OSError):
                ctx.load_verify_locations(cafile=extra)
    return ctx


def make_client(
    transport: httpx.BaseTransport | None = None, cafile: str | None = None
) -> httpx.Client:
    """A sync client with timeouts, redirects, proxy variables from the environment and system CAs."""
    headers = {"User-Agent": f"agentxray/{__version__}"}
    if transport is not None:
        return httpx.Client(
            transport=transport, timeout=TIMEOUT, follow_redirects=True, headers=headers
        )
    return httpx.Client(
        timeout=TIMEOUT,
        follow_redirects=True,
        verify=ssl_context(cafile),
        trust_env=True,
        headers=headers,
    )


def _describe(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def get_bytes(
    client: httpx.Client,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    cache: Cache | None = None,
    what: str = "",
) -> tuple[bytes, bool]:
    """GET registry metadata through the short-lived cache; returns (body, fresh from network).

    404 → :class:`TargetNotFound`; unreachable or HTTP errors → :class:`RegistryError` (stale
    cached metadata is used instead when the registry cannot be reached).
    """
    key = "meta:" + url + "|" + (headers or {}).get("Accept", "")
    data = cache.get_meta(key) if cache is not None else None
    if data is not None:
        return data, False
    try:
        response = client.get(url, headers=dict(headers or {}))
    except _HTTPX_ERRORS as exc:
        stale = cache.get_meta(key, stale_ok=True) if cache is not None else None
        if stale is None:
            raise RegistryError(f"cannot reach {url}: {_describe(exc)}") from None
        logger.warning("cannot reach %s (%s); using cached metadata", url, _describe(exc))
        return stale, False
    if response.status_code == 404:
        raise TargetNotFound(
            f"{what or url} not found in the registry ({url} answered 404)",
            hint="Check the name and version.",
        )
    if response.status_code >= 400:
        raise RegistryError(f"{url} answered HTTP {response.status_code}")
    return response.content, True


def remember(cache: Cache | None, url: str, headers: Mapping[str, str] | None, data: bytes) -> None:
    """Cache metadata fetched by :func:`get_bytes` once it has been parsed successfully."""
    if cache is not None:
        cache.put_meta("meta:" + url + "|" + (headers or {}).get("Accept", ""), data)


def get_json(
    client: httpx.Client,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    cache: Cache | None = None,
    what: str = "",
) -> Any:
    """GET ``url`` and decode JSON (see :func:`get_bytes` for caching and errors)."""
    data, fresh = get_bytes(client, url, headers=headers, cache=cache, what=what)
    try:
        decoded = json.loads(data)
    except ValueError:
        raise RegistryError(f"{url} did not return valid JSON") from None
    if fresh:
        remember(cache, url, headers, data)
    return decoded


@dataclass(frozen=True, slots=True)
class Expected:
    """The digest a download must match: an SRI string (``sha512-…``) or a hex digest."""

    algorithm: str
    """hashlib name: ``sha512``, ``sha256``, ``sha1``…"""
    hexdigest: str
    """Expected digest, lowercase hex."""
    label: str
    """How the registry published it (for messages and :attr:`Artifact.integrity`)."""


def expected_from_sri(sri: str) -> Expected | None:
    """The strongest supported hash of a Subresource Integrity string, or None."""
    best: Expected | None = None
    rank = {"sha512": 3, "sha384": 2, "sha256": 1}
    for token in sri.split():
        algo, _, b64 = token.partition("-")
        if algo not in rank or not b64:
            continue
        try:
            digest = base64.b64decode(b64.split("?")[0], validate=True).hex()
        except ValueError:
            continue
        if best is None or rank[algo] > rank[best.algorithm]:
            best = Expected(algo, digest, token)
    return best


def download(
    client: httpx.Client,
    url: str,
    expected: Expected,
    cache: Cache,
    *,
    info: dict[str, str],
    headers: Mapping[str, str] | None = None,
    progress: bool = False,
) -> tuple[Path, str]:
    """Stream ``url`` into the cache, verifying ``expected``; returns (blob path, sha256).

    A blob already stored under the expected digest is returned without any network access.
    """
    key = f"{expected.algorithm}:{expected.hexdigest}"
    found = _cached(cache, expected, key)
    if found:
        return found
    with cache.lock(key):
        found = _cached(cache, expected, key)  # another run may have fetched it meanwhile
        if found:
            return found
        with cache.temp_file() as (handle, temp):
            sha256 = hashlib.sha256()
            check = sha256 if expected.algorithm == "sha256" else hashlib.new(expected.algorithm)
            try:
                with client.stream("GET", url, headers=dict(headers or {})) as response:
                    if response.status_code == 404:
                        raise TargetNotFound(
                            f"{url} answered 404", hint="The registry lost the file?"
                        )
                    if response.status_code >= 400:
                        raise RegistryError(f"{url} answered HTTP {response.status_code}")
                    total = _content_length(response)
                    received = 0
                    for chunk in _with_progress(response.iter_bytes(_CHUNK), total, info, progress):
                        received += len(chunk)
                        if received > MAX_DOWNLOAD:
                            raise RegistryError(f"{url} sent more than {MAX_DOWNLOAD} bytes")
                        handle.write(chunk)
                        sha256.update(chunk)
                        if check is not sha256:
                            check.update(chunk)
            except _HTTPX_ERRORS as exc:
                raise RegistryError(f"download of {url} failed: {_describe(exc)}") from None
            handle.flush()
            os.fsync(handle.fileno())
            if check.hexdigest() != expected.hexdigest:
                raise IntegrityError(
                    f"{url} does not match its published {expected.algorithm} digest "
                    f"(expected {expected.label}, got {check.hexdigest()[:16]}…)"
                )
            digest = sha256.hexdigest()
            path = cache.commit(temp, digest, keys=(key,), info=info)
    logger.info("downloaded %s (%s)", url, digest[:12])
    return path, digest


def _content_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers.get("Content-Length") or 0) or None
    except ValueError:
        return None


def _cached(cache: Cache, expected: Expected, key: str) -> tuple[Path, str] | None:
    path = cache.get(expected.hexdigest) if expected.algorithm == "sha256" else cache.lookup(key)
    if path is None:
        return None
    logger.info("cache hit for %s", expected.label)
    return path, path.name


def _with_progress(
    chunks: Iterator[bytes], total: int | None, info: dict[str, str], enabled: bool
) -> Iterator[bytes]:
    if not (enabled and sys.stderr.isatty()):
        yield from chunks
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    label = f"{info.get('name', 'download')} {info.get('version', '')}".strip()
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        for chunk in chunks:
            bar.update(task, advance=len(chunk))
            yield chunk
