"""Starts an agent headless, per its profile, in a fresh HOME and workspace with a cleared environment."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from agentxray.errors import ObserveError
from agentxray.observe.profile import AgentProfile

logger = logging.getLogger(__name__)

#: Directories every agent may need on PATH (shells, coreutils, curl…).
BASE_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


@dataclass(frozen=True, slots=True)
class LaunchResult:
    """How an agent run ended."""

    argv: tuple[str, ...]
    """The command line run."""
    exit_code: int | None
    """Exit status; ``None`` when it was killed at the timeout."""
    stdout: str
    """What it printed."""
    stderr: str
    """What it printed on stderr."""
    duration_s: float
    """Wall-clock time."""
    home: Path
    """The fresh HOME it ran with."""
    workspace: Path
    """Its working directory."""


def dead_end_proxy() -> str:
    """``http://127.0.0.1:<port>`` of a loopback port nobody listens on: traffic there fails fast."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _fill(template: str, values: dict[str, str]) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def build_env(
    profile: AgentProfile,
    values: dict[str, str],
    ca_file: Path | None,
    interpreter: str | None,
    proxy: str | None = None,
) -> dict[str, str]:
    """The whole environment of the run: nothing inherited but what the profile needs.

    Every proxy variable points at ``proxy`` (the mock, which records and refuses what is sent
    there) or, without one, at a dead loopback port, so traffic not aimed at the mock fails fast.
    """
    path = list(BASE_PATH)
    if interpreter:
        path.insert(0, str(Path(interpreter).parent))
    proxy = proxy or dead_end_proxy()
    env = {
        "PATH": ":".join(dict.fromkeys(path)),
        "HOME": values["home"],
        "TZ": "UTC",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "https_proxy": proxy,
        "http_proxy": proxy,
        "NO_PROXY": "127.0.0.1,localhost,::1",
        "no_proxy": "127.0.0.1,localhost,::1",
    }
    env.update({k: _fill(v, values) for k, v in profile.env.items()})
    if ca_file is not None:
        env.update({name: str(ca_file) for name in profile.ca_env})
    return env


def prepare_home(profile: AgentProfile, home: Path, values: dict[str, str]) -> None:
    """Create the profile's files and directories under ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    for rel in profile.dirs:
        (home / rel).mkdir(parents=True, exist_ok=True)
    for rel, text in profile.files.items():
        target = home / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_fill(text, values), encoding="utf-8")


def launch(
    profile: AgentProfile,
    program: Path,
    *,
    prompt: str,
    base_url: str,
    home: Path,
    workspace: Path,
    ca_file: Path | None = None,
    proxy: str | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> LaunchResult:
    """Run the agent once with ``prompt`` against ``base_url``; never raises on a failing agent.

    ``extra_env`` is applied last (``TZ``, ``LANG``… of a persona).
    """
    interpreter = None
    if profile.interpreter:
        interpreter = shutil.which(profile.interpreter)
        if interpreter is None:
            raise ObserveError(
                f"{profile.name} needs {profile.interpreter!r}, which is not on PATH",
                hint=f"Install {profile.interpreter} (e.g. the Debian package nodejs).",
            )
    values = {
        "program": str(program),
        "interpreter": interpreter or "",
        "prompt": prompt,
        "base_url": base_url.rstrip("/"),
        "home": str(home),
        "workspace": str(workspace),
    }
    prepare_home(profile, home, values)
    workspace.mkdir(parents=True, exist_ok=True)
    argv = tuple(_fill(a, values) for a in profile.argv)
    env = build_env(profile, values, ca_file, interpreter, proxy)
    env.update(extra_env or {})
    logger.info("launching %s in %s", profile.name, workspace)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=workspace,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise ObserveError(f"cannot start {profile.name} ({argv[0]}): {exc.strerror}") from exc
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        logger.warning("%s did not finish in %.0f s; killing it", profile.name, timeout)
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    else:
        with contextlib.suppress(ProcessLookupError):  # children the agent left behind
            os.killpg(proc.pid, signal.SIGKILL)
    return LaunchResult(
        argv=argv,
        exit_code=code,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        duration_s=time.monotonic() - started,
        home=home,
        workspace=workspace,
    )
