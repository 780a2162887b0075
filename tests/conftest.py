"""Shared fixtures: real registry artifacts fetched once per session through agentxray's own acquire."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentxray.model import Artifact

RealArtifact = Callable[..., Artifact]


@pytest.fixture(scope="session")
def real_artifact() -> RealArtifact:
    """Factory: ``real_artifact("npm:@anthropic-ai/claude-code@2.1.197", platform=None) -> Artifact``.

    Goes through :func:`agentxray.pipeline.acquire_target` with the default user cache
    (``$AGENTXRAY_CACHE_DIR``, else the XDG cache dir), so repeated runs on one machine reuse the
    downloads. Nothing is skipped: an unreachable registry fails the test loudly. Tests using it
    must be marked ``@pytest.mark.online``.
    """
    from agentxray.pipeline import acquire_target

    memo: dict[tuple[str, str | None], Artifact] = {}

    def get(spec: str, platform: str | None = None) -> Artifact:
        key = (spec, platform)
        if key not in memo:
            memo[key] = acquire_target(spec, platform=platform)
        return memo[key]

    return get
