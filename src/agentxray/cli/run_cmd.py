"""``agentxray run``: launch an agent from its package spec against the mock API playing a scenario."""

from __future__ import annotations

import argparse
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError
from agentxray.observe.mockapi.recorder import display_headers
from agentxray.observe.mockapi.scenario import builtin_names
from agentxray.observe.profile import profile_names
from agentxray.observe.session import AgentRun
from agentxray.pipeline import observe_agent

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
    p.add_argument("--store", type=Path, help="also keep the recording in this SQLite database")
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
        help="put HOME and workspace here (default: a new temporary folder, kept)",
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


def execute(args: argparse.Namespace) -> AgentRun:
    """Run the agent as ``args`` say."""
    if args.api_host is not None and not _HOST.match(args.api_host):
        raise UsageError(f"--api-host {args.api_host!r} is not a host name (no scheme or path)")
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


def run(args: argparse.Namespace) -> int:
    """``agentxray run``."""
    result = execute(args)
    print_summary(result)
    return 0 if result.launch.exit_code == 0 else 1


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
        if path.is_file():
            print(f"  {path.relative_to(launch.workspace)}  ({path.stat().st_size} bytes)")
    print(f"exchanges: {len(result.exchanges)}")
    mock_host = result.base_url.split("://", 1)[-1]
    for ex in result.exchanges:
        host = dict(ex.request_headers).get("host", mock_host)
        where = "" if host == mock_host or ex.method == "CONNECT" else f"https://{host}"
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
