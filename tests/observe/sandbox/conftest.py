"""A sandbox per test: real namespaces, real bubblewrap, no agent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentxray.observe.mockapi.scenario import load_scenario
from agentxray.observe.sandbox import Contained, Policy, Sandbox, model_hosts
from agentxray.observe.sandbox.bwrap import Layout


def _available() -> str | None:
    for tool in ("bwrap", "nft", "ip", "unshare", "nsenter"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} is not installed"
    if subprocess.run(["unshare", "-Urn", "true"], capture_output=True).returncode != 0:
        return "unprivileged user namespaces are blocked here"
    if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        return "/dev/net/tun is not usable here"
    return None


REASON = _available()
needs_sandbox = pytest.mark.skipif(REASON is not None, reason=REASON or "")

#: The hostile programs run with the system's Python when there is one, so nothing under the
#: invoking user's home has to be shown inside.
PYTHON = Path("/usr/bin/python3") if Path("/usr/bin/python3").exists() else Path(sys.executable)

Runner = Callable[..., Contained]


@pytest.fixture(autouse=True)
def own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs made through the CLI go to a store of the test's own, never the user's."""
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("AGENTXRAY_STORE", str(path))
    return path


@pytest.fixture
def contained(tmp_path: Path) -> Iterator[Runner]:
    """``contained(python_source, policy="audit")`` runs the source in a fresh sandbox."""
    boxes: list[Sandbox] = []

    def run(source: str, policy: str = "audit", timeout: float = 30.0) -> Contained:
        base = tmp_path / f"run{len(boxes)}"
        home, workspace = base / "home", base / "workspace"
        home.mkdir(parents=True)
        workspace.mkdir()
        box = Sandbox(
            scenario=load_scenario("hello"),
            workdir=base,
            policy=Policy("strict" if policy == "strict" else "audit", model_hosts()),
        )
        boxes.append(box)
        with box:
            return box.run(
                [str(PYTHON), "-I", "-c", source],
                {"PATH": "/usr/bin:/bin", "HOME": "/home/dev", "LANG": "C.UTF-8"},
                Layout(
                    home=home,
                    home_inside="/home/dev",
                    workspace=workspace,
                    read_only=()
                    if str(PYTHON).startswith("/usr/")
                    else (PYTHON.resolve().parent.parent,),
                ),
                timeout=timeout,
            )

    yield run
    for box in boxes:
        box.close()
