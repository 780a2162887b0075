"""One observed run: a mock model API in-process, an agent launched against it, the recording."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agentxray.model import ApiExchange, Event
from agentxray.observe.launch import LaunchResult, launch, run_contained
from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.scenario import Scenario
from agentxray.observe.mockapi.server import MockServer
from agentxray.observe.mockapi.tls import make_tls
from agentxray.observe.profile import AgentProfile

logger = logging.getLogger(__name__)

DEFAULT_PROMPT = "Please do the task in this workspace."


@dataclass(frozen=True, slots=True)
class AgentRun:
    """What happened when an agent ran against the mock."""

    profile: str
    """Profile name."""
    scenario: str
    """Scenario name."""
    base_url: str
    """Where the mock listened."""
    agent_base_url: str
    """The API base URL the agent was given (differs from :attr:`base_url` with ``api_host``)."""
    launch: LaunchResult
    """How the agent process ended."""
    exchanges: tuple[ApiExchange, ...]
    """Every request it made to the mock, in order."""
    ca_file: Path | None = None
    """The per-run CA the agent was told to trust, with ``tls``."""
    events: tuple[Event, ...] = ()
    """What the sandbox recorded (DNS, connections, HTTP, packets, processes, files), in order."""
    sandboxed: bool = False
    """Whether the agent ran contained (bubblewrap, no route out) or on the host."""
    policy: str | None = None
    """The egress policy of a contained run."""
    model_hosts: frozenset[str] = frozenset()
    """Hosts answered as the model API (a contained run)."""
    payloads: dict[int, bytes] = field(default_factory=dict)
    """Request bodies by the ``seq`` of their ``http`` event (a contained run)."""
    run_id: str | None = None
    """Its id in the run store, when it is kept there."""


def seed_files(files: dict[str, str], folder: Path) -> None:
    """Write ``files`` (relative path → text) under ``folder``; paths escaping it are skipped."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    for rel, text in files.items():
        target = (root / rel).resolve()
        if not target.is_relative_to(root):
            logger.warning("scenario file %r escapes %s; skipped", rel, folder)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def run_agent(
    profile: AgentProfile,
    program: Path,
    scenario: Scenario,
    *,
    prompt: str = DEFAULT_PROMPT,
    workdir: Path | None = None,
    record: Path | None = None,
    sinks: tuple[Callable[[ApiExchange], None], ...] = (),
    tls: bool = False,
    api_host: str | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120.0,
    sandbox: bool = False,
    policy: str = "audit",
) -> AgentRun:
    """Run the agent once against ``scenario``; return the record.

    With ``sandbox`` (what ``agentxray run`` does) the agent runs contained (:func:`run_contained`): the mock answers
    its model host under the real name, every other connection is recorded and answered by the
    sandbox's recorder, ``policy`` (``audit`` or ``strict``) decides what counts as a violation.
    Without it the agent runs on the host as follows.

    With ``api_host`` the agent is told its API lives at ``https://<api_host>``; its proxy (the
    mock, with TLS) opens that tunnel and serves the API under that name, so host-dependent
    behaviour shows without touching DNS. ``extra_env`` is added to the agent's environment.
    """
    base = workdir or Path(tempfile.mkdtemp(prefix=f"agentxray-{profile.name}-"))
    home, workspace = base / "home", base / "workspace"
    seed_files(scenario.workspace, workspace)
    seed_files(scenario.home, home)
    if sandbox:
        recorder = Recorder(record, sinks)
        try:
            contained = run_contained(
                profile, program, scenario, recorder,
                prompt=prompt, base=base, home=home, workspace=workspace,
                api_host=api_host, extra_env=extra_env, timeout=timeout, policy=policy,
            )  # fmt: skip
        finally:
            recorder.close()
        return AgentRun(
            profile=profile.name,
            scenario=scenario.name,
            base_url=contained.base_url,
            agent_base_url=contained.base_url,
            launch=contained.launch,
            exchanges=tuple(recorder.exchanges),
            ca_file=contained.ca_file,
            events=contained.events,
            sandboxed=True,
            policy=policy,
            model_hosts=contained.model_hosts,
            payloads=contained.payloads,
        )
    tls = tls or api_host is not None
    ca_file = None
    ssl_context = None
    if tls:
        material = make_tls(base / "tls")
        ca_file, ssl_context = material.ca_file, material.server_context()
    recorder = Recorder(record, sinks)
    server = MockServer(scenario, recorder, ssl_context=ssl_context)
    base_url = server.start_background()
    # The agent's proxy: a plain-HTTP mock that records and refuses every outside connection.
    authority = material.authority if tls else None
    proxy = MockServer(scenario, recorder, intercept=authority) if tls else server
    proxy_url = proxy.start_background() if tls else base_url
    try:
        result = launch(
            profile,
            program,
            prompt=prompt,
            base_url=f"https://{api_host}" if api_host else base_url,
            home=home,
            workspace=workspace,
            ca_file=ca_file,
            proxy=proxy_url,
            extra_env=extra_env,
            timeout=timeout,
        )
    finally:
        server.stop()
        proxy.stop()
        recorder.close()
    return AgentRun(
        profile=profile.name,
        scenario=scenario.name,
        base_url=base_url,
        agent_base_url=f"https://{api_host}" if api_host else base_url,
        launch=result,
        exchanges=tuple(recorder.exchanges),
        ca_file=ca_file,
    )
