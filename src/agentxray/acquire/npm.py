"""npm packages: packument, dist-tags and ranges, platform builds, verified tarball download."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import nodesemver  # type: ignore[import-untyped]

from agentxray.acquire.cache import Cache
from agentxray.acquire.http import Expected, download, expected_from_sri, get_json
from agentxray.acquire.npmconfig import NpmConfig
from agentxray.acquire.platforms import (
    fallbacks,
    host_platform,
    manifest_allows,
    platform_suffix,
    same_family,
)
from agentxray.errors import IntegrityError, RegistryError, TargetNotFound, UsageError
from agentxray.model import Artifact, TargetSpec

logger = logging.getLogger(__name__)

#: Abbreviated metadata: enough for versions, dist-tags, dist, os/cpu and optionalDependencies.
ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"


@dataclass(frozen=True, slots=True)
class Resolved:
    """One exact package version picked from a packument."""

    name: str
    version: str
    manifest: Mapping[str, Any]
    packument: Mapping[str, Any]


def resolve_version(name: str, packument: Mapping[str, Any], wanted: str | None) -> str:
    """The exact version npm would pick for ``wanted`` (None/tag/version/range)."""
    versions = packument.get("versions")
    tags = packument.get("dist-tags")
    if not isinstance(versions, dict) or not isinstance(tags, dict):
        raise RegistryError(f"the registry's metadata for {name} has no versions or dist-tags")
    want = (wanted or "latest").strip()
    if want in tags and isinstance(tags[want], str):
        return str(tags[want])
    if want in versions:
        return want
    try:
        normalized = nodesemver.valid(want, loose=True)
        if normalized and normalized in versions:
            return str(normalized)
        latest = tags.get("latest")
        if isinstance(latest, str) and nodesemver.satisfies(latest, want, loose=True):
            return latest
        best = nodesemver.max_satisfying(list(versions), want, loose=True)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{want!r} is not a version, dist-tag or semver range of {name}") from exc
    if best is None:
        recent = ", ".join(list(versions)[-5:])
        raise TargetNotFound(
            f"no version of {name} matches {want!r}",
            hint=f"dist-tags: {', '.join(f'{k}={v}' for k, v in tags.items())}; recent: {recent}.",
        )
    return str(best)


def _split_alias(dep: str, spec: str) -> tuple[str, str]:
    """``npm:@openai/codex@0.171.0-linux-x64`` → (``@openai/codex``, ``0.171.0-linux-x64``)."""
    if spec.startswith("npm:"):
        target = spec[4:]
        at = target.rfind("@")
        if at > 0:
            return target[:at], target[at + 1 :]
        return target, "latest"
    return dep, spec


def _is_platform_build(item: Resolved) -> bool:
    """Named for one platform, or restricted to exactly one os and one cpu."""
    if platform_suffix(item.version) or platform_suffix(item.name):
        return True
    os_list, cpu_list = item.manifest.get("os"), item.manifest.get("cpu")
    return (
        isinstance(os_list, list)
        and isinstance(cpu_list, list)
        and len([o for o in os_list if not str(o).startswith("!")]) == 1
        and len([c for c in cpu_list if not str(c).startswith("!")]) == 1
    )


def _bin_names(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    bins = manifest.get("bin")
    if isinstance(bins, dict):
        return tuple(str(k) for k in bins)
    name = str(manifest.get("name", ""))
    return (name.rsplit("/", 1)[-1],) if isinstance(bins, str) else ()


class NpmSource:
    """Acquires ``npm:`` targets from the registry npm is configured with."""

    def __init__(
        self, client: httpx.Client, cache: Cache, config: NpmConfig, *, progress: bool = False
    ) -> None:
        self.client = client
        self.cache = cache
        self.config = config
        self.progress = progress

    def packument(self, name: str) -> Mapping[str, Any]:
        """The (abbreviated) registry document of ``name``."""
        url = self.config.registry_for(name) + quote(name, safe="@")
        headers = {"Accept": ACCEPT, **self.config.headers_for(url)}
        doc = get_json(
            self.client, url, headers=headers, cache=self.cache, what=f"npm package {name}"
        )
        if not isinstance(doc, dict):
            raise RegistryError(f"{url} did not return a package document")
        return doc

    def resolve(self, name: str, wanted: str | None) -> Resolved:
        """Pick the exact version for ``wanted``."""
        doc = self.packument(name)
        version = resolve_version(name, doc, wanted)
        manifest = doc["versions"].get(version)
        if not isinstance(manifest, dict):
            raise RegistryError(f"the registry lists {name}@{version} without a manifest")
        return Resolved(name, version, manifest, doc)

    def platform_build(self, top: Resolved, plat: str) -> Resolved | None:
        """The platform build a wrapper package delegates to, or None for a plain package."""
        options = self._platform_options(top)
        if not options:
            return None
        for candidate in fallbacks(plat):
            if candidate in options:
                dep_name, dep_range = options[candidate]
                build = self.resolve(dep_name, dep_range)
                if not manifest_allows(build.manifest, candidate):
                    raise RegistryError(
                        f"{dep_name}@{build.version} claims platform {candidate} in its name "
                        f"but its os/cpu fields say {build.manifest.get('os')}/{build.manifest.get('cpu')}"
                    )
                if candidate != plat:
                    logger.warning("no %s build of %s; using %s", plat, top.name, candidate)
                return build
        raise TargetNotFound(
            f"{top.name}@{top.version} has no build for platform {plat}",
            hint=f"Available: {', '.join(sorted(options))}; pick one with --platform.",
        )

    def _platform_options(self, top: Resolved) -> dict[str, tuple[str, str]]:
        options: dict[str, tuple[str, str]] = {}
        if _is_platform_build(top):
            return options
        optional = top.manifest.get("optionalDependencies")
        if isinstance(optional, dict):
            for dep, spec in optional.items():
                plat = platform_suffix(str(dep))
                if plat and isinstance(spec, str):
                    target = _split_alias(str(dep), spec)
                    if same_family(top.name, str(dep), target[0], _bin_names(top.manifest)):
                        options.setdefault(plat, target)
        if not options:  # codex style: platform builds published as versions of the same package
            prefix = top.version + "-"
            for version in top.packument.get("versions", {}):
                plat = platform_suffix(version) if str(version).startswith(prefix) else None
                if plat and str(version) == prefix + plat:
                    options[plat] = (top.name, str(version))
        return options

    def acquire(self, spec: TargetSpec) -> Artifact:
        """Resolve, follow the platform build if any, download and verify."""
        top = self.resolve(spec.name, spec.version)
        plat = spec.platform or host_platform()
        build = self.platform_build(top, plat)
        chosen = build or top
        via: tuple[str, ...] = ()
        chosen_platform = platform_suffix(chosen.version) or platform_suffix(chosen.name)
        if build is not None:
            via = (f"{top.name}@{top.version}", f"{build.name}@{build.version}")
        elif spec.platform:
            logger.warning(
                "%s@%s has no platform builds; --platform ignored", top.name, top.version
            )
        path, sha256, url, expected = self._fetch(chosen)
        return Artifact(
            spec=spec,
            path=path,
            format="npm-tarball",
            name=chosen.name,
            version=chosen.version,
            platform=chosen_platform,
            sha256=sha256,
            source_url=url,
            integrity=expected.label,
            via=via,
        )

    def _fetch(self, item: Resolved) -> tuple[Path, str, str, Expected]:
        dist = item.manifest.get("dist")
        if not isinstance(dist, dict) or not isinstance(dist.get("tarball"), str):
            raise RegistryError(f"{item.name}@{item.version} has no dist.tarball in the registry")
        url = str(dist["tarball"])
        try:
            scheme = urlsplit(url).scheme
        except ValueError:
            scheme = ""
        if scheme not in ("http", "https"):
            raise RegistryError(
                f"{item.name}@{item.version} has an unusable tarball URL {url[:200]!r}"
            )
        expected = expected_from_sri(str(dist.get("integrity") or ""))
        shasum = dist.get("shasum")
        if expected is None and isinstance(shasum, str) and len(shasum) == 40:
            expected = Expected("sha1", shasum.lower(), f"sha1:{shasum.lower()}")
        if expected is None:
            raise IntegrityError(f"{item.name}@{item.version} publishes no usable integrity digest")
        info = {"name": item.name, "version": item.version, "source_url": url}
        path, sha256 = download(
            self.client,
            url,
            expected,
            self.cache,
            info=info,
            headers=self.config.headers_for(url),
            progress=self.progress,
        )
        return path, sha256, url, expected
