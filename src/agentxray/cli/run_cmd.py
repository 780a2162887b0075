"""``agentxray run``: launch an agent from its package spec against the mock API playing a scenario."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentxray.errors import UsageError
from agentxray.model import ApiExchange, Finding
from agentxray.observe.mockapi.recorder import display_headers
from agentxray.observe.mockapi.scenario import builtin_names
from agentxray.observe.profile import profile_names
from agentxray.observe.sandbox.policy import POLICIES
from agentxray.observe.session import DEFAULT_PROMPT, AgentRun, seed_files
from agentxray.pipeline import observe_agent

if TYPE_CHECKING:
    from agentxray.store.runs import RunStore

logger = logging.getLogger(__name__)


def add_run_options(p: argparse.ArgumentParser, default_scenario: str) -> None:
    """Options shared by ``run`` and ``probe``."""
    p.add_argument("spec", help="package spec, e.g. npm:@anthropic-ai/claude-code@2.1.197")
    p.add_argument(
        "--scenario",
        default=default_scenario,
        help=f"built-in ({', '.join(builtin_names())}) or YAML file (default {default_scenario})",
    )
    p.add_argument("--prompt", help="the prompt given to the agent")
    p.add_argument("--profile", help=f"agent profile ({', '.join(profile_names())}) or YAML file")
    p.add_argument("--platform", help="platform build to run (default: this machine's)")
    p.add_argument("--record", type=Path, help="append every exchange to this JSON-lines file")
    p.add_argument(
        "--store", type=Path, help="the run store to keep the run in (default: agentxray's store)"
    )
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a CA made for this run")
    p.add_argument(
        "--api-host",
        help="tell the agent its API is at https://HOST (served by the mock through its proxy; "
        "implies --tls), to see host-dependent behaviour",
    )
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="add a variable to the agent's environment, e.g. TZ=Asia/Shanghai (repeatable)",
    )
    p.add_argument(
        "--timeout", type=float, default=120.0, help="seconds before the agent is killed"
    )
    p.add_argument(
        "--workdir",
        type=Path,
        help="put HOME and workspace here (default: a new temporary folder, removed at the end "
        "unless --keep)",
    )
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary run folder (the agent's HOME and workspace) and print where",
    )


def register(sub: Any) -> None:
    """Add the ``run`` parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "run",
        help="run an agent against the scripted mock model API and summarise what it did",
        description="Acquire and unpack an agent, start it headless in a fresh HOME and "
        "workspace with a cleared environment, against a mock model API on loopback. "
        "Exit status 0 when the agent exited 0, 1 otherwise.",
    )
    add_run_options(p, "edit")
    p.add_argument(
        "command",
        nargs="*",
        help="with `-- COMMAND ARGS…`: run an installed program instead of a package spec "
        "(the matching agent profile is used when it is a known agent)",
    )
    p.add_argument(
        "--policy",
        choices=POLICIES,
        default="audit",
        help="audit: nothing leaves, everything recorded (default); strict: only the model API "
        "host is allowed, anything else is blocked and logged as a violation",
    )
    p.add_argument("--workspace", type=Path, help="the agent's writable workspace (default: new)")
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run on the host with only a cleared environment and proxy variables (NOT contained)",
    )
    p.add_argument("--format", choices=("terminal", "json"), default="terminal")
    p.add_argument(
        "--no-store",
        action="store_true",
        help="do not keep the run in the run store (default: every contained run is kept; "
        "see agentxray runs ls)",
    )
    p.set_defaults(func=run)


_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})(:[0-9]{1,5})?$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _extra_env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not _NAME.match(name):
            raise UsageError(f"--env {pair!r} is not NAME=VALUE")
        env[name] = value
    return env


def _command_form(args: argparse.Namespace) -> list[str] | None:
    """``agentxray run [options] -- COMMAND ARGS…``: the command, else ``None`` (a package spec)."""
    command = getattr(args, "command", None)
    if command is None:
        return None
    spec = str(args.spec)
    if command or (":" not in spec and not Path(spec).exists() and shutil.which(spec)):
        return [spec, *command]
    return None


def _contained(args: argparse.Namespace) -> AgentRun:
    """A contained run of a package spec or a command, with ``--policy`` and ``--workspace``."""
    from agentxray.observe.launch import run_contained
    from agentxray.observe.mockapi.recorder import Recorder
    from agentxray.observe.mockapi.scenario import load_scenario
    from agentxray.observe.profile import AgentProfile, load_profile, profile_names

    play = load_scenario(args.scenario)
    command = _command_form(args)
    profile: AgentProfile | None
    if command is not None:
        found = shutil.which(command[0])
        if found is None:
            raise UsageError(f"command {command[0]!r} is not on PATH")
        program = Path(found).resolve()
        name = args.profile or _KNOWN_COMMANDS.get(Path(command[0]).name)
        profile = load_profile(name) if name in (*profile_names(), args.profile) and name else None
        argv: list[str] | None = [found, *command[1:]]
        if profile is not None and len(command) == 1:
            # `-- PROGRAM` alone: the profile's own command line, PROGRAM as its {program}.
            argv, program = None, Path(found)
    else:
        from agentxray.pipeline import prepare_agent

        agent = prepare_agent(args.spec, platform=args.platform, profile=args.profile)
        profile, program, argv = agent.profile, agent.program, None
    base = args.workdir or Path(tempfile.mkdtemp(prefix="agentxray-run-"))
    workspace = (args.workspace or base / "workspace").resolve()
    home = base / "home"
    seed_files(play.workspace, workspace)
    seed_files(play.home, home)
    name = profile.name if profile is not None else program.name
    store = args.run_store = _open_store(args)
    run_id = None
    sinks: tuple[Callable[[ApiExchange], None], ...] = ()
    if store is not None:  # on the record before it starts: a killed run stays incomplete
        run_id = store.begin_run(
            argv or [str(program)], target=str(args.spec), profile=name, scenario=play.name,
            policy=args.policy,
        )  # fmt: skip
        sinks = (functools.partial(store.add_exchange, run_id),)
    recorder = Recorder(args.record, sinks)
    try:
        done = run_contained(
            profile, program, play, recorder,
            base=base, home=home, workspace=workspace, prompt=args.prompt or DEFAULT_PROMPT,
            command=argv, api_host=args.api_host, extra_env=_extra_env(args.env),
            timeout=args.timeout, policy=args.policy,
        )  # fmt: skip
        if store is not None and run_id is not None:
            store.add_events(run_id, done.events)
    finally:
        recorder.close()
    return AgentRun(
        profile=name,
        scenario=play.name,
        base_url=done.base_url,
        agent_base_url=done.base_url,
        launch=done.launch,
        exchanges=tuple(recorder.exchanges),
        ca_file=done.ca_file,
        events=done.events,
        sandboxed=True,
        policy=args.policy,
        model_hosts=done.model_hosts,
        payloads=done.payloads,
        run_id=str(run_id) if run_id is not None else None,
    )


#: Installed command names of the agents the built-in profiles know.
_KNOWN_COMMANDS = {
    "claude": "claude-code", "codex": "codex", "gemini": "gemini-cli", "copilot": "copilot",
    "qwen": "qwen-code", "opencode": "opencode",
}  # fmt: skip


def execute(args: argparse.Namespace) -> AgentRun:
    """Run the agent as ``args`` say."""
    if args.api_host is not None and not _HOST.match(args.api_host):
        raise UsageError(f"--api-host {args.api_host!r} is not a host name (no scheme or path)")
    sandbox = not getattr(args, "no_sandbox", True)
    if sandbox:
        return _contained(args)
    return observe_agent(
        args.spec,
        scenario=args.scenario,
        prompt=args.prompt,
        platform=args.platform,
        profile=args.profile,
        record=args.record,
        store=args.store,
        tls=args.tls,
        api_host=args.api_host,
        extra_env=_extra_env(args.env),
        timeout=args.timeout,
        workdir=args.workdir,
    )


def claim_workdir(args: argparse.Namespace) -> Path | None:
    """Make the run's temporary folder when ``--workdir`` is not given; it is ours to remove."""
    if args.workdir is not None:
        return None
    args.workdir = Path(tempfile.mkdtemp(prefix="agentxray-run-"))
    return Path(args.workdir)


def release_workdir(args: argparse.Namespace, made: Path | None) -> None:
    """Remove the folder :func:`claim_workdir` made, unless ``--keep``; say where it is if kept."""
    if made is None:
        return
    if getattr(args, "keep", False):
        print(f"agentxray: run folder kept: {made} (the agent's home/ and workspace/)",
              file=sys.stderr)  # fmt: skip
        return
    shutil.rmtree(made, ignore_errors=True)
    if made.exists():
        print(f"agentxray: could not remove the run folder {made}; delete it by hand",
              file=sys.stderr)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """``agentxray run``; the temporary run folder is removed afterwards unless ``--keep``."""
    made = claim_workdir(args)
    args.run_store = None
    try:
        result = execute(args)
        store: RunStore | None = args.run_store  # opened by a contained run
        run_id = getattr(result, "run_id", None)
        if args.format == "json" or (store is not None and run_id is not None):
            found = findings_of(result)
            document = run_document(result, args, found)
            if store is not None and run_id is not None:
                store.complete_run(
                    int(run_id),
                    exit_code=result.launch.exit_code,
                    duration_s=result.launch.duration_s,
                    findings=found,
                    report=document,
                )
            if args.format == "json":
                print(json.dumps(document, indent=2, ensure_ascii=False))
        if args.format != "json":
            print_summary(result)
    finally:
        if args.run_store is not None:
            args.run_store.close()
        release_workdir(args, made)
    return 0 if result.launch.exit_code == 0 else 1


def _open_store(args: argparse.Namespace) -> RunStore | None:
    """The run store a contained run is kept in (``--store`` or the default), if any."""
    if getattr(args, "no_store", False) or getattr(args, "no_sandbox", False):
        return None
    from agentxray.store import default_store_path
    from agentxray.store.runs import RunStore

    return RunStore(args.store or default_store_path())


def run_document(
    result: AgentRun, args: argparse.Namespace, found: list[Finding] | None = None
) -> dict[str, Any]:
    """The ``agentxray.report/1`` document of a run: its ``run`` object, ``events`` and
    findings (``found``, else worked out here)."""
    from agentxray import __version__
    from agentxray.model import Report, TargetSpec
    from agentxray.render.json import run_report_to_dict

    command = _command_form(args)
    if command is not None:
        target = TargetSpec(raw=" ".join(command), kind="command", name=command[0])
    else:
        from agentxray.acquire import parse_spec

        target = parse_spec(args.spec, platform=args.platform)
    launch = result.launch
    run_obj: dict[str, Any] = {
        "id": run_id_of(result),
        "command": list(launch.argv),
        "scenario": result.scenario,
        "exit_code": launch.exit_code,
        "duration_s": round(launch.duration_s, 3),
        "complete": True,
    }
    if result.policy:
        run_obj["policy"] = result.policy
    report = Report(
        target=target,
        tool_version=__version__,
        findings=tuple(findings_of(result) if found is None else found),
        duration_s=launch.duration_s,
    )
    return run_report_to_dict(report, run_obj, result.events)


def run_id_of(result: AgentRun) -> str:
    """The run's id: its number in the run store, else the name of its folder."""
    return result.run_id or result.launch.workspace.parent.name


def findings_of(result: AgentRun) -> list[Finding]:
    """Findings of a contained run (its events through the rules and the live detectors)."""
    if not result.sandboxed:
        return []
    from agentxray.observe.findings import run_findings

    return run_findings(
        result.events,
        run_id_of(result),
        model_hosts=sorted(result.model_hosts),
        # The agent's configured API base: sent anywhere but the model API, it tells a third
        # party which provider or gateway the user runs (Qwen Code's usage statistics do).
        environment={"model API base URL": result.agent_base_url.rstrip("/")},
        payloads=result.payloads,
    )


def visible(text: str) -> str:
    """``text`` with invisible and non-ASCII characters shown as ``⟨U+XXXX NAME⟩``."""
    out = []
    for ch in text:
        if ch in "\n\t" or 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            name = unicodedata.name(ch, "")
            out.append(f"⟨U+{ord(ch):04X}{' ' + name if name else ''}⟩")
    return "".join(out)


def print_events(result: AgentRun) -> None:
    """What the sandbox recorded: names, hosts, refusals, packets, honeytokens, violations."""
    events = result.events
    print(f"sandbox:   contained (bubblewrap, no route out), policy {result.policy}")
    names = sorted({e.host for e in events if e.kind == "dns" and e.host})
    print(f"dns names: {len(names)}" + (f"  {', '.join(names)}" if names else ""))
    from agentxray.rules.hosts import default_hosts

    table = default_hosts()
    hosts: dict[str, list[int]] = {}
    purposes: dict[str, set[str]] = {}
    for e in events:
        # the recorder's and the packet sink's view (the tracer's connect() calls carry a pid)
        if e.kind in ("http", "connect", "tls-refused") and e.host and e.pid is None:
            key = f"{e.host}:{e.port}" if e.port else e.host
            hosts.setdefault(key, [0, 0])[0] += 1
            hosts[key][1] += e.bytes_sent or 0
            what = table.classify_url(e.url) if e.url else table.classify(e.host.lower(), "")
            if what is not None and not what.ignore:
                purposes.setdefault(key, set()).add(f"{what.purpose}: {what.name}")
    print(f"hosts:     {len(hosts)}")
    for key, (n, sent) in sorted(hosts.items()):
        purpose = f"  [{'; '.join(sorted(purposes[key]))}]" if key in purposes else ""
        print(f"  {key}  {n} event(s), {sent} bytes sent{purpose}")
    for kind in ("tls-refused", "honeytoken", "violation"):
        picked = [e for e in events if e.kind == kind]
        if picked:
            print(f"{kind}: {len(picked)}")
            for e in picked[:20]:
                print(f"  {e.host or ''} {e.detail or ''}")
    for kind, label in (("exec", "processes"), ("file", "files")):
        picked = [e for e in events if e.kind == kind]
        if picked:
            print(f"{label}: {len(picked)} event(s)")
    found = findings_of(result)
    print(f"findings:  {len(found)}")
    for f in found:
        print(f"  [{f.severity}] {f.category}: {f.title} - {f.message or ''}")


def print_summary(result: AgentRun) -> None:
    """A plain-text summary of one run."""
    launch = result.launch
    code = "killed at timeout" if launch.exit_code is None else str(launch.exit_code)
    print(f"agent:     {result.profile} ({launch.argv[0]})")
    shown = result.base_url
    if result.agent_base_url != result.base_url:
        shown = f"{result.base_url} (agent told {result.agent_base_url})"
    print(f"scenario:  {result.scenario}   mock: {shown}")
    print(f"exit:      {code} after {launch.duration_s:.1f} s")
    print(f"workspace: {launch.workspace}")
    for path in sorted(launch.workspace.rglob("*")):
        if path.is_symlink():  # never followed on the host: the agent may point it anywhere
            print(f"  {path.relative_to(launch.workspace)}  -> {os.readlink(path)} (link)")
        elif path.is_file():
            print(f"  {path.relative_to(launch.workspace)}  ({path.stat().st_size} bytes)")
    if result.sandboxed:
        print_events(result)
    print(f"exchanges: {len(result.exchanges)}")
    mock_host = result.base_url.split("://", 1)[-1]
    for ex in result.exchanges:
        host = dict(ex.request_headers).get("host", mock_host)
        scheme = "https" if ex.tls or not result.sandboxed else "http"
        where = "" if host == mock_host or ex.method == "CONNECT" else f"{scheme}://{host}"
        print(f"  {ex.seq:3d} {ex.method} {where}{ex.target} -> {ex.status}  [{ex.outcome}]")
    models = [ex for ex in result.exchanges if ex.dialect]
    if models:
        auth = [
            h
            for h in display_headers(models[0].request_headers)
            if h[0] in ("x-api-key", "authorization", "x-goog-api-key")
        ]
        if auth:
            print(f"credentials sent: {', '.join(f'{k}: {v}' for k, v in auth)}")
    if launch.exit_code != 0:
        tail = (launch.stderr or launch.stdout).strip().splitlines()[-5:]
        for line in tail:
            print(f"  | {line}")
