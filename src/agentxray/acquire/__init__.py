"""The acquire stage: turn a :class:`TargetSpec` into a verified :class:`Artifact` on local disk."""

from __future__ import annotations

import logging

from agentxray.acquire.cache import Cache, CacheEntry, default_cache_dir
from agentxray.acquire.command import acquire_command
from agentxray.acquire.http import make_client
from agentxray.acquire.local import acquire_path
from agentxray.acquire.npm import NpmSource
from agentxray.acquire.npmconfig import load_npm_config
from agentxray.acquire.platforms import host_platform
from agentxray.acquire.pypi import PypiSource, pip_index_url
from agentxray.acquire.spec import parse_spec
from agentxray.model import Artifact, TargetSpec

logger = logging.getLogger(__name__)

__all__ = [
    "Cache",
    "CacheEntry",
    "acquire",
    "default_cache_dir",
    "host_platform",
    "parse_spec",
]


def acquire(spec: TargetSpec, *, cache: Cache | None = None, progress: bool = False) -> Artifact:
    """Resolve, download (through the cache) and verify the target ``spec`` names."""
    if spec.kind == "path":
        return acquire_path(spec)
    if spec.kind == "command":
        return acquire_command(spec)
    store = cache if cache is not None else Cache()
    if spec.kind == "npm":
        config = load_npm_config()
        with make_client(cafile=config.cafile) as client:
            return NpmSource(client, store, config, progress=progress).acquire(spec)
    with make_client() as client:
        return PypiSource(client, store, pip_index_url(), progress=progress).acquire(spec)
