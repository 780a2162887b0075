"""A package's published releases, oldest first, with their publication times (for sweeps)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

import nodesemver  # type: ignore[import-untyped]
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from agentxray.acquire.cache import Cache
from agentxray.acquire.http import get_json, make_client
from agentxray.acquire.npmconfig import load_npm_config
from agentxray.errors import RegistryError, UsageError
from agentxray.model import TargetSpec

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Release:
    """One published version."""

    version: str
    published: str | None = None
    """ISO 8601 publication time, when the registry says."""


def releases(spec: TargetSpec, *, cache: Cache | None = None) -> list[Release]:
    """Every release of the registry package ``spec`` names, in version order (oldest first)."""
    store = cache if cache is not None else Cache()
    if spec.kind == "npm":
        return _npm_releases(spec.name, store)
    if spec.kind == "pypi":
        return _pypi_releases(spec.name, store)
    raise UsageError(f"{spec.raw} is not a registry package; give npm:NAME or pypi:NAME")


def _npm_releases(name: str, cache: Cache) -> list[Release]:
    config = load_npm_config()
    url = config.registry_for(name) + quote(name, safe="@")
    # The full document: the abbreviated one npm installs from has no publication times.
    headers = {"Accept": "application/json", **config.headers_for(url)}
    with make_client(cafile=config.cafile) as client:
        doc = get_json(client, url, headers=headers, cache=cache, what=f"npm package {name}")
    versions = doc.get("versions") if isinstance(doc, dict) else None
    if not isinstance(versions, dict):
        raise RegistryError(f"the registry's document for {name} lists no versions")
    times: Any = doc.get("time") if isinstance(doc.get("time"), dict) else {}
    valid = [v for v in versions if nodesemver.valid(v, loose=True)]
    ordered = nodesemver.sort(valid, loose=True)
    return [Release(v, times.get(v) if isinstance(times.get(v), str) else None) for v in ordered]


def _pypi_releases(name: str, cache: Cache) -> list[Release]:
    from agentxray.acquire.pypi import ACCEPT, pip_index_url

    project = canonicalize_name(name)
    url = urljoin(pip_index_url(), project + "/")
    with make_client() as client:
        page = get_json(client, url, headers={"Accept": ACCEPT}, cache=cache, what=f"PyPI {name}")
    seen: dict[Version, str | None] = {}
    for version in page.get("versions", []) if isinstance(page, dict) else []:
        try:
            seen.setdefault(Version(str(version)), None)
        except InvalidVersion:
            continue
    for item in page.get("files", []) if isinstance(page, dict) else []:
        version = _pypi_file_version(str(item.get("filename", "")), project)
        if version is None:
            continue
        when = item.get("upload-time")
        first = seen.get(version)
        if isinstance(when, str) and (first is None or when < first):
            seen[version] = when
        else:
            seen.setdefault(version, first)
    return [Release(str(v), seen[v]) for v in sorted(seen)]


def _pypi_file_version(filename: str, project: str) -> Version | None:
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


def _cmp(a: str, b: str) -> int:
    if nodesemver.valid(a, loose=True) and nodesemver.valid(b, loose=True):
        return int(nodesemver.compare(a, b, loose=True))
    x, y = Version(a), Version(b)  # PyPI's versions (PEP 440); raises InvalidVersion (ValueError)
    return (x > y) - (x < y)


def select(
    all_releases: list[Release], wanted: str | None, *, default_latest: int = 10
) -> list[Release]:
    """The releases ``wanted`` names, in version order.

    ``A..B``: every release from A to B inclusive (either end may be left out, and neither needs
    to be published itself); ``a,b,c``: those
    versions; anything else: a semver range (``>=2.1 <2.2``, ``^2.1.0``). ``None``: the newest
    ``default_latest`` releases.
    """
    if not all_releases:
        return []
    versions = [r.version for r in all_releases]
    if wanted is None:
        return all_releases[-default_latest:]
    text = wanted.strip()
    if ".." in text:
        lo, hi = (part.strip() or None for part in text.split("..", 1))
        try:
            if lo and hi and _cmp(lo, hi) > 0:
                raise UsageError(f"--versions {text}: {lo} is newer than {hi}")
            return [
                r
                for r in all_releases
                if (lo is None or _cmp(r.version, lo) >= 0)
                and (hi is None or _cmp(r.version, hi) <= 0)
            ]
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--versions {text!r}: the ends must be versions") from exc
    if "," in text or text in versions:
        chosen = [v.strip() for v in text.split(",") if v.strip()]
        missing = [v for v in chosen if v not in versions]
        if missing:
            raise UsageError(f"not published: {', '.join(missing)} (in --versions {text})")
        return [r for r in all_releases if r.version in chosen]
    try:
        picked = [r for r in all_releases if nodesemver.satisfies(r.version, text, loose=True)]
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--versions {text!r} is not A..B, a list or a semver range") from exc
    return picked
