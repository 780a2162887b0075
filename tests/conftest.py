"""Shared fixtures: real registry artifacts fetched once per session through agentxray's own acquire."""

from __future__ import annotations

from collections.abc import Callable, Iterator

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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server (Debian's ``postgresql``, which scripts/test installs) started
    for the session on a Unix socket only (no TCP port), as the ``postgres`` user when root."""
    import glob
    import os
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb") or ""]
    initdb = found[-1]
    if not initdb:
        pytest.fail(
            "PostgreSQL is not installed; run scripts/test (it installs Debian's postgresql)"
        )
    bindir = os.path.dirname(initdb)
    # Not under pytest's base temp: its root-only parent would keep the postgres user out.
    root = Path(tempfile.mkdtemp(prefix="agentxray-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True,
        capture_output=True,
    )
    port = "5433"
    options = f"-k {sock} -c listen_addresses='' -p {port} -F"
    subprocess.run(
        [
            *prefix,
            f"{bindir}/pg_ctl",
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-s",
            "start",
            "-l",
            str(root / "log"),
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@/postgres?host={sock}&port={port}"
    finally:
        subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "-s", "stop"],
            check=False,
            capture_output=True,
        )
