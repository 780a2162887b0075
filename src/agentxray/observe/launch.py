"""Starts an agent headless, per its profile, in a fresh HOME and workspace with a cleared
environment: contained in the sandbox (:func:`run_contained`, the default) or on the host
(:func:`launch`)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentxray.errors import ObserveError
from agentxray.model import Event
from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.scenario import Scenario
from agentxray.observe.profile import AgentProfile

if TYPE_CHECKING:
    from agentxray.observe.honeytokens import Honeypot

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


#: The user and home the contained agent sees.
SANDBOX_USER = "dev"
SANDBOX_HOME = "/home/dev"
_PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy")


@dataclass(frozen=True, slots=True)
class ContainedRun:
    """A run inside the sandbox: how it ended and what was recorded."""

    launch: LaunchResult
    events: tuple[Event, ...]
    base_url: str
    """The model API base URL the agent was given (its real host name)."""
    ca_file: Path
    """The run's CA (also appended to the CA bundle the sandbox sees)."""
    model_hosts: frozenset[str] = frozenset()
    """The hosts the mock answered as the model API."""
    payloads: dict[int, bytes] = field(default_factory=dict)
    """Request bodies by the ``seq`` of their ``http`` event."""


def _package_root(program: Path, suffix: str) -> Path:
    """The folder holding the unpacked package: ``program`` minus the profile's path suffix."""
    root = program
    for _ in Path(suffix.lstrip("/")).parts:
        root = root.parent
    return root


def _plant(home: Path, workspace: Path) -> Honeypot | None:
    try:
        from agentxray.observe.honeytokens import plant
    except ImportError:  # pragma: no cover - the honeytoken module ships with the package
        return None
    return plant(home, workspace)


def _prepare_in_background(home: Path, workspace: Path, honeytokens: bool) -> Honeypot | None:
    """The set-up that needs no namespace, made while the namespace's helper starts: the
    honeytokens (an RSA key is generated: 50-100 ms) and the walk for the host's private files
    that bubblewrap covers (~8,000 entries stat'ed: 60-80 ms; kept for the process)."""
    from agentxray.observe.sandbox.bwrap import private_paths

    honeypot = _plant(home, workspace) if honeytokens else None
    private_paths()
    return honeypot


def run_contained(
    profile: AgentProfile | None,
    program: Path,
    scenario: Scenario,
    recorder: Recorder,
    *,
    base: Path,
    home: Path,
    workspace: Path,
    prompt: str = "",
    command: list[str] | None = None,
    api_host: str | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120.0,
    policy: str = "audit",
    trace: bool = True,
    honeytokens: bool = True,
    layout_changes: dict[str, Any] | None = None,
) -> ContainedRun:
    """Run the agent (its profile's command line, or ``command``) inside the sandbox.

    The agent gets its model API under the real host name (``https://api.anthropic.com`` …, or
    ``https://<api_host>``), served by the mock; a fresh ``$HOME`` (``/home/dev``) seeded by the
    profile and with honeytokens; the workspace writable; no proxy variables (the redirect
    catches everything). Processes and files are traced with strace when it is installed (from
    outside the sandbox, into ``base/trace``, which the agent cannot see).
    Raises :class:`~agentxray.observe.sandbox.SandboxUnavailable` where the sandbox cannot run.
    """
    from agentxray.observe.sandbox import Policy, Sandbox, model_hosts
    from agentxray.observe.sandbox.bwrap import CA_BUNDLES, Layout
    from agentxray.observe.sandbox.policy import api_host as default_api_host

    interpreter = None
    if profile is not None and profile.interpreter:
        interpreter = shutil.which(profile.interpreter)
        if interpreter is None:
            raise ObserveError(
                f"{profile.name} needs {profile.interpreter!r}, which is not on PATH",
                hint=f"Install {profile.interpreter} (e.g. the Debian package nodejs).",
            )
    dialect = profile.dialect if profile is not None else None
    hosts = set(model_hosts(dialect))
    if profile is not None:
        hosts.update(h.lower() for h in profile.hosts)
        api_host = api_host or profile.api_host
    model_host = api_host or default_api_host(dialect)
    hosts.add(model_host)
    base_url = f"https://{model_host}"
    home.mkdir(parents=True, exist_ok=True)
    workspace.mkdir(parents=True, exist_ok=True)
    values = {
        "program": str(program),
        "interpreter": interpreter or "",
        "prompt": prompt,
        "base_url": base_url,
        "home": SANDBOX_HOME,
        "workspace": str(workspace),
    }
    if profile is not None:
        argv = command or [_fill(a, values) for a in profile.argv]
        env = build_env(profile, values, Path(CA_BUNDLES[0]), interpreter, "http://unused")
        for name in profile.host_only_env:  # the sandbox records what these would silence
            env.pop(name, None)
    else:
        argv = list(command or [str(program)])
        env = {
            "PATH": ":".join(BASE_PATH), "HOME": SANDBOX_HOME, "TZ": "UTC",
            "LANG": "C.UTF-8", "TERM": "dumb",
        }  # fmt: skip
    for name in _PROXY_VARS:
        env.pop(name, None)
    env["USER"] = env["LOGNAME"] = SANDBOX_USER
    env.update(extra_env or {})
    read_only = [_package_root(program, profile.program) if profile is not None else program.parent]
    if interpreter:
        read_only.append(Path(interpreter).resolve().parent.parent)
    trace_dir = base / "trace" if trace else None
    layout = Layout(
        home=home,
        home_inside=SANDBOX_HOME,
        workspace=workspace,
        user=SANDBOX_USER,
        read_only=tuple(dict.fromkeys(p for p in read_only if p != Path("/"))),
    )
    if layout_changes:  # a persona's hostname, user, /etc/localtime… (agentxray probe)
        import dataclasses

        layout = dataclasses.replace(layout, **layout_changes)
    # The honeytokens and the private-file walk are made on a thread while the namespace's
    # helper starts (its time goes to other processes: python, ip, nft); the profile's files are
    # written after the honeytokens, as before, and the agent starts after both.
    with ThreadPoolExecutor(1, thread_name_prefix="agentxray-prepare") as pool:
        made = pool.submit(_prepare_in_background, home, workspace, honeytokens)
        with Sandbox(
            scenario=scenario,
            workdir=base / "sandbox",
            policy=Policy("strict" if policy == "strict" else "audit", frozenset(hosts)),
            exchanges=recorder,
        ) as box:
            box.honeypot = made.result()
            if profile is not None:
                prepare_home(profile, home, values)
            logger.info("launching %s in the sandbox, workspace %s", argv[0], workspace)
            done = box.run(
                argv, env, layout, cwd=str(workspace), timeout=timeout, trace_dir=trace_dir
            )
            events = box.log.events()
            payloads = box.payloads()
            ca_file = box.authority.ca_file
    result = LaunchResult(
        argv=tuple(argv),
        exit_code=done.exit_code,
        stdout=done.stdout,
        stderr=done.stderr,
        duration_s=done.duration_s,
        home=home,
        workspace=workspace,
    )
    return ContainedRun(result, events, base_url, ca_file, frozenset(hosts), payloads)
