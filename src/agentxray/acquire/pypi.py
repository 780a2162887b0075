"""PyPI packages through pip's configured index (Simple API, PEP 691 JSON), wheel preferred."""

from __future__ import annotations

import configparser
import functools
import json
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from packaging.tags import Tag, sys_tags
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from agentxray.acquire.cache import Cache
from agentxray.acquire.http import Expected, download, get_bytes, remember
from agentxray.acquire.simplehtml import parse_simple_html
from agentxray.errors import IntegrityError, RegistryError, TargetNotFound
from agentxray.model import Artifact, ArtifactFormat, TargetSpec

logger = logging.getLogger(__name__)

#: PEP 691 content negotiation: JSON preferred, HTML (PEP 503) accepted.
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
#: pip's own default index, used only when pip is configured with none.
PIP_DEFAULT_INDEX = "https://pypi.org/simple/"


def _index_from_settings(settings: Mapping[str, str]) -> str | None:
    for key in (":env:.index-url", "install.index-url", "global.index-url"):
        if settings.get(key):
            return settings[key]
    return None


def _pip_config_list() -> dict[str, str]:
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        logger.debug("pip config list failed: %s", exc)
        return {}
    settings: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            settings[key.strip()] = value.strip().strip("'\"")
    return settings


def _pip_conf_files() -> dict[str, str]:
    """Fallback when pip cannot be asked: the pip.conf files, user over global."""
    home = Path.home()
    candidates = [Path("/etc/xdg/pip/pip.conf"), Path("/etc/pip.conf")]
    xdg = os.environ.get("XDG_CONFIG_HOME")
    candidates += [home / ".pip" / "pip.conf", Path(xdg or home / ".config") / "pip" / "pip.conf"]
    if os.environ.get("PIP_CONFIG_FILE"):
        candidates.append(Path(os.environ["PIP_CONFIG_FILE"]))
    settings: dict[str, str] = {}
    for path in candidates:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError):
            continue
        for section in parser.sections():
            for key, value in parser.items(section):
                settings[f"{section}.{key}"] = value
    return settings


@functools.cache
def pip_index_url() -> str:
    """The primary index pip is configured with (``PIP_INDEX_URL``, pip config, else pip's default)."""
    env = os.environ.get("PIP_INDEX_URL")
    url = env or _index_from_settings(_pip_config_list()) or _index_from_settings(_pip_conf_files())
    url = (url or PIP_DEFAULT_INDEX).split()[0]
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True, slots=True)
class Distribution:
    """One file of a release on the index."""

    filename: str
    url: str
    version: Version
    wheel_tags: frozenset[Tag] | None
    """None for an sdist."""
    sha256: str | None
    yanked: bool


def parse_files(page: Mapping[str, Any], base_url: str, name: str) -> list[Distribution]:
    """The distributions a PEP 691 project page lists (files we cannot parse are skipped)."""
    files = page.get("files")
    if not isinstance(files, list):
        raise RegistryError(f"the index page of {name} has no file list")
    found: list[Distribution] = []
    for item in files:
        if not isinstance(item, dict) or not isinstance(item.get("filename"), str):
            continue
        filename = str(item["filename"])
        try:
            if filename.endswith(".whl"):
                _, version, _, tags = parse_wheel_filename(filename)
                wheel_tags: frozenset[Tag] | None = tags
            elif filename.endswith((".tar.gz", ".zip")):
                _, version = parse_sdist_filename(filename)
                wheel_tags = None
            else:
                continue
        except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
            continue
        try:
            url = urljoin(base_url, str(item.get("url", filename)))
        except ValueError:
            continue
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        hashes = item.get("hashes") if isinstance(item.get("hashes"), dict) else {}
        sha = hashes.get("sha256") if isinstance(hashes, dict) else None
        found.append(
            Distribution(
                filename=filename,
                url=url,
                version=version,
                wheel_tags=wheel_tags,
                sha256=str(sha).lower() if isinstance(sha, str) else None,
                yanked=bool(item.get("yanked")),
            )
        )
    return found


def pick_version(dists: list[Distribution], wanted: str | None, name: str) -> Version:
    """``wanted`` exactly, else the newest final release that is not yanked."""
    if wanted:
        try:
            want = Version(wanted)
        except InvalidVersion:
            raise TargetNotFound(f"{wanted!r} is not a valid version of {name}") from None
        if any(d.version == want for d in dists):
            return want
        raise TargetNotFound(f"{name} has no release {wanted}", hint="Check the version.")
    finals = {d.version for d in dists if not d.yanked and not d.version.is_prerelease}
    if not finals:
        raise TargetNotFound(f"{name} has no final, non-yanked release on the index")
    return max(finals)


def pick_file(dists: list[Distribution], version: Version) -> Distribution:
    """A pure-Python wheel, else a wheel for this host, else the sdist, else any wheel."""
    files = [d for d in dists if d.version == version]
    host = {tag: rank for rank, tag in enumerate(sys_tags())}

    def order(d: Distribution) -> tuple[int, int]:
        if d.wheel_tags is None:
            return (2, 0)
        if any(t.abi == "none" and t.platform == "any" for t in d.wheel_tags):
            return (0, 0)
        ranks = [host[t] for t in d.wheel_tags if t in host]
        return (1, min(ranks)) if ranks else (3, 0)

    return sorted(files, key=lambda d: (d.yanked, *order(d), d.filename))[0]


class PypiSource:
    """Acquires ``pypi:`` targets from the index pip is configured with."""

    def __init__(
        self, client: httpx.Client, cache: Cache, index_url: str, *, progress: bool = False
    ) -> None:
        self.client = client
        self.cache = cache
        self.index_url = index_url
        self.progress = progress

    def _project_page(self, url: str, name: str) -> dict[str, Any]:
        """The project page as PEP 691 JSON; a PEP 503 HTML answer is converted."""
        headers = {"Accept": ACCEPT}
        data, fresh = get_bytes(
            self.client, url, headers=headers, cache=self.cache, what=f"PyPI project {name}"
        )
        if data.lstrip()[:1] == b"{":
            try:
                parsed: Any = json.loads(data)
            except ValueError:
                raise RegistryError(f"{url} did not return valid JSON") from None
            if not isinstance(parsed, dict):
                raise RegistryError(f"{url} did not return a PEP 691 project page")
            page: dict[str, Any] = parsed
        else:
            page = parse_simple_html(data.decode("utf-8", errors="replace"))
        if fresh:
            remember(self.cache, url, headers, data)
        return page

    def acquire(self, spec: TargetSpec) -> Artifact:
        """Resolve the release, download the chosen file and check its sha256."""
        if urlsplit(self.index_url).scheme not in ("http", "https"):
            raise RegistryError(
                f"pip's index {self.index_url} is not an HTTP(S) index",
                hint="Set PIP_INDEX_URL to an HTTP(S) simple index.",
            )
        project = canonicalize_name(spec.name)
        url = urljoin(self.index_url, project + "/")
        page = self._project_page(url, spec.name)
        dists = parse_files(page, url, spec.name)
        version = pick_version(dists, spec.version, spec.name)
        chosen = pick_file(dists, version)
        if not chosen.sha256:
            raise IntegrityError(f"the index publishes no sha256 for {chosen.filename}")
        info = {"name": project, "version": str(version), "source_url": chosen.url}
        expected = Expected("sha256", chosen.sha256, f"sha256:{chosen.sha256}")
        path, sha256 = download(
            self.client, chosen.url, expected, self.cache, info=info, progress=self.progress
        )
        fmt: ArtifactFormat = "wheel" if chosen.wheel_tags is not None else "sdist"
        return Artifact(
            spec=spec,
            path=path,
            format=fmt,
            name=project,
            version=str(version),
            sha256=sha256,
            source_url=chosen.url,
            integrity=expected.label,
            via=(chosen.filename,),
        )
