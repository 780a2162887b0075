"""``agentxray probe``: run the same agent as different personas (people, places, servers) in
the sandbox, repeat each run to learn the noise, and show exactly what changes between them.

Exit status: 0 when no persona differs from the first, 1 when some do, 2 on errors.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError
from agentxray.model import Confirmation, Persona, ProbeResult, Recording, Report

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the ``probe`` parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "probe",
        help="run an agent as different personas (time zone, locale, API host…) and diff them",
        description="Run the agent in the sandbox once per persona and repeat, learn what "
        "differs between repeats (ids, timestamps) as noise, and show what differs between "
        "personas: model requests, hosts and what was sent, files, processes, output, exit "
        "code. Every persona is compared with the first. Exit status 0 when none differs, "
        "1 when some do, 2 on errors.",
    )
    p.add_argument("spec", help="package spec (npm:@anthropic-ai/claude-code@2.1.197)")
    p.add_argument(
        "command",
        nargs="*",
        help="with `-- COMMAND ARGS…`: probe an installed program instead of a package spec",
    )
    p.add_argument(
        "--persona",
        action="append",
        default=[],
        metavar="P",
        help="a built-in persona (see --list-personas), a YAML file, or inline "
        "'tz=Asia/Shanghai;base_url=https://llm-gw.corp.test' (keys tz lang hostname user "
        "email base_url date proxy env.NAME flag.NAME; a bare name first starts from that "
        "persona); repeatable, the first is the baseline",
    )
    p.add_argument("--repeat", type=int, default=2, help="runs per persona (default 2)")
    p.add_argument("--scenario", default="hello", help="scenario (default hello)")
    p.add_argument("--prompt", help="the prompt given to the agent")
    p.add_argument("--profile", help="agent profile name or YAML file")
    p.add_argument("--platform", help="platform build to run (default: this machine's)")
    p.add_argument(
        "--date",
        help="the fixed clock every persona shares unless it sets date= (default: today, "
        "12:00 UTC; must lie within the run certificate's validity)",
    )
    p.add_argument("--no-fixed-clock", action="store_true", help="let the agent see the real clock")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    p.add_argument("--policy", choices=("audit", "strict"), default="audit")
    p.add_argument("--format", choices=("terminal", "json", "html"), default="terminal")
    p.add_argument("--output", type=Path, help="write the report here instead of stdout")
    p.add_argument("--store", type=Path, help="run store (default: the agentxray store)")
    p.add_argument("--no-store", action="store_true", help="do not keep the runs")
    p.add_argument(
        "--list-flags",
        action="store_true",
        help="run once (the first persona) and print the feature flags the agent asked for",
    )
    p.add_argument(
        "--list-personas", action="store_true", help="print the built-in personas and exit"
    )
    p.add_argument(
        "--from-scan",
        action="store_true",
        help="scan the target first and build the personas from its findings (compared zones "
        "and locales, decoded host lists); mark each tested finding confirmed, not observed "
        "or not reachable offline",
    )
    p.add_argument(
        "--max-personas",
        type=int,
        default=6,
        help="with --from-scan: personas at most, the baseline included (default 6)",
    )
    p.add_argument("--keep", action="store_true", help="keep the run folders and say where")
    p.set_defaults(func=run)


@dataclass
class _Agent:
    profile: Any
    program: Path
    argv: list[str] | None
    name: str


def _agent(args: argparse.Namespace) -> _Agent:
    from agentxray.observe.profile import load_profile, profile_names

    if args.command or (
        ":" not in args.spec and not Path(args.spec).exists() and shutil.which(args.spec)
    ):
        found = shutil.which(args.spec)
        if found is None:
            raise UsageError(f"command {args.spec!r} is not on PATH")
        known = {"claude": "claude-code", "codex": "codex", "gemini": "gemini-cli"}
        name = args.profile or known.get(Path(args.spec).name)
        profile = load_profile(name) if name and name in (*profile_names(), args.profile) else None
        return _Agent(profile, Path(found).resolve(), [found, *args.command], Path(found).name)
    from agentxray.pipeline import prepare_agent

    agent = prepare_agent(args.spec, platform=args.platform, profile=args.profile)
    return _Agent(agent.profile, agent.program, None, agent.profile.name)


def _personas(values: list[str]) -> list[Persona]:
    from agentxray.observe.personas import parse_persona

    out: list[Persona] = []
    for value in values:
        out += parse_persona(value)
    if not out:
        out = parse_persona("corp-gateway") + parse_persona("corp-gateway;cn-shanghai")
    names = [p.name for p in out]
    for n, name in enumerate(names):
        if name in names[:n]:  # the same persona twice: compare it with itself
            out[n] = Persona(f"{name} (again {n + 1})", out[n].fields, out[n].description)
    return out


def _clock(args: argparse.Namespace) -> datetime.datetime | None:
    from agentxray.observe.personas import check_clock, default_clock, parse_date

    if args.no_fixed_clock:
        return None
    when = parse_date(args.date, "--date") if args.date else default_clock()
    check_clock(when)
    return when


def run_persona(
    agent: _Agent,
    persona: Persona,
    repeat: int,
    args: argparse.Namespace,
    folder: Path,
    clock: datetime.datetime | None,
    keep: Callable[[Persona, Any, Any], str] | None = None,
) -> Recording:
    """One contained run of ``agent`` as ``persona``, in ``folder`` (the same path for every run
    of a probe, so the run's own paths never differ), as a :class:`Recording`."""
    from agentxray.observe.launch import run_contained
    from agentxray.observe.mockapi.flags import flag_value
    from agentxray.observe.mockapi.recorder import Recorder
    from agentxray.observe.mockapi.scenario import load_scenario
    from agentxray.observe.personas import recording_of, sandbox_setup
    from agentxray.observe.session import DEFAULT_PROMPT, seed_files

    if folder.exists():
        shutil.rmtree(folder)
    play = load_scenario(args.scenario)
    flags = {k[5:]: flag_value(v) for k, v in persona.fields if k.startswith("flag.")}
    if flags:  # the mock answers flag services with the persona's values
        play = play.model_copy(update={"flags": flags})
    home, workspace = folder / "home", folder / "workspace"
    seed_files(play.workspace, workspace)
    seed_files(play.home, home)
    setup = sandbox_setup(persona, folder / "persona", clock, home)
    recorder = Recorder()
    try:
        done = run_contained(
            agent.profile, agent.program, play, recorder,
            base=folder, home=home, workspace=workspace.resolve(),
            prompt=args.prompt or DEFAULT_PROMPT, command=agent.argv,
            api_host=setup.api_host, extra_env=setup.env, timeout=args.timeout,
            policy=args.policy, layout_changes=setup.layout or None,
        )  # fmt: skip
    finally:
        recorder.close()
    run_id = keep(persona, done, recorder) if keep is not None else ""
    return recording_of(
        persona.name,
        repeat,
        exchanges=recorder.exchanges,
        events=done.events,
        stdout=done.launch.stdout,
        stderr=done.launch.stderr,
        exit_code=done.launch.exit_code,
        run_paths={str(workspace.resolve()): "{workspace}", str(folder): "{run}"},
        run_id=run_id,
        duration_s=done.launch.duration_s,
    )


def _storer(args: argparse.Namespace, agent: _Agent) -> tuple[Any, Callable[..., str] | None]:
    if args.no_store:
        return None, None
    from agentxray.store import default_store_path
    from agentxray.store.runs import RunStore

    store = RunStore(args.store or default_store_path())

    def keep(persona: Persona, done: Any, recorder: Any) -> str:
        del recorder
        run_id = store.begin_run(
            list(done.launch.argv), target=args.spec, profile=agent.name,
            scenario=args.scenario, policy=args.policy,
            persona={"name": persona.name, **persona.as_dict()},
        )  # fmt: skip
        store.add_events(run_id, done.events)
        store.complete_run(
            run_id, exit_code=done.launch.exit_code, duration_s=done.launch.duration_s
        )
        return str(run_id)

    return store, keep


def probe(args: argparse.Namespace, personas: list[Persona]) -> ProbeResult:
    """Run every persona ``args.repeat`` times and compare."""
    from agentxray.compare.personas import compare_personas

    if args.repeat < 1 or args.repeat > 20:
        raise UsageError(f"--repeat {args.repeat}: give 1 to 20 runs per persona")
    agent = _agent(args)
    clock = _clock(args)
    root = Path(tempfile.mkdtemp(prefix="agentxray-probe-"))
    store, keep = _storer(args, agent)
    recordings: list[Recording] = []
    started = time.monotonic()
    try:
        total = len(personas) * args.repeat
        for repeat in range(args.repeat):
            for persona in personas:
                n = len(recordings) + 1
                print(f"agentxray: run {n}/{total}: {persona.name} #{repeat + 1}", file=sys.stderr)
                recordings.append(
                    run_persona(agent, persona, repeat, args, root / "run", clock, keep)
                )
                if args.keep:
                    shutil.copytree(root / "run", root / f"{n:02d}", symlinks=True)
    finally:
        if store is not None:
            store.close()
        shutil.rmtree(root / "run", ignore_errors=True)
        if args.keep:
            print(f"agentxray: run folders kept under {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    elapsed = time.monotonic() - started
    result = compare_personas(args.spec, personas, recordings)
    logger.info("probe took %.1f s", elapsed)
    return result


def _from_scan(args: argparse.Namespace) -> tuple[Report, list[Persona], dict[str, list[str]]]:
    """Scan the target and build personas from its findings (plus any ``--persona`` given)."""
    from agentxray.observe.personas import personas_from_findings
    from agentxray.pipeline import audit

    if args.command:
        raise UsageError("--from-scan needs a package spec, not `-- COMMAND`")
    if args.max_personas < 2:
        raise UsageError("--max-personas: give at least 2 (the baseline and one more)")
    print(f"agentxray: scanning {args.spec} for the personas to try", file=sys.stderr)
    report = audit(args.spec, platform=args.platform)
    personas, tests = personas_from_findings(report.findings, args.max_personas)
    personas += _personas(args.persona) if args.persona else []
    if len(personas) < 2:
        raise UsageError(
            f"the scan of {args.spec} names no zone, locale or host to try",
            hint="Give personas with --persona instead.",
        )
    for p in personas[1:]:
        ids = ", ".join(tests.get(p.name, []))
        print(f"agentxray: persona {p.name}" + (f" tests {ids}" if ids else ""), file=sys.stderr)
    return report, personas, tests


def _document(
    result: ProbeResult,
    args: argparse.Namespace,
    scan: Report | None = None,
    confirmations: Sequence[Confirmation] = (),
) -> dict[str, Any]:
    from agentxray import __version__
    from agentxray.model import TargetSpec
    from agentxray.render.probe import probe_document

    if args.command or ":" not in args.spec:
        target = TargetSpec(raw=" ".join([args.spec, *args.command]), kind="command",
                            name=args.spec)  # fmt: skip
    else:
        from agentxray.acquire import parse_spec

        target = parse_spec(args.spec, platform=args.platform)
    report = scan or Report(target=target, tool_version=__version__, duration_s=result.duration_s)
    first = result.recordings[0] if result.recordings else None
    run_obj: dict[str, Any] = {
        "id": first.run_id if first and first.run_id else "probe",
        "command": [args.spec, *args.command],
        "scenario": args.scenario,
        "policy": args.policy,
        "duration_s": round(result.duration_s, 3),
        "complete": True,
    }
    if result.personas:
        run_obj["persona"] = {"name": result.personas[0].name, **result.personas[0].as_dict()}
    return probe_document(result, report, run_obj, confirmations)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        print(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    print(f"agentxray: wrote {output}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """``agentxray probe``."""
    if args.list_personas:
        from agentxray.observe.personas import builtin_personas
        from agentxray.render.probe import persona_line

        for p in builtin_personas().values():
            print(f"{persona_line(p)}   # {p.description}")
        return 0
    scan = None
    tests: dict[str, list[str]] = {}
    if args.from_scan:
        scan, personas, tests = _from_scan(args)
    else:
        personas = _personas(args.persona)
    if args.list_flags:
        args.repeat = 1
        result = probe(args, personas[:1])
        flags = sorted({f for r in result.recordings for f in r.flags})
        if not flags:
            print("no feature-flag request was recorded (the agent asked no flag service)")
        else:
            print(
                "feature-flag requests (remote evaluation names no flag: it asks for all, "
                "sending the targeting attributes shown) and flag names they named:"
            )
        for flag in flags:
            print(flag)
        return 0
    result = probe(args, personas)
    confirmations = []
    if scan is not None:
        from agentxray.compare.personas import confirm

        confirmations = confirm(scan.findings, result, tests)
    if args.format == "json":
        doc = _document(result, args, scan, confirmations)
        _emit(json.dumps(doc, indent=2, ensure_ascii=False), args.output)
    elif args.format == "html":
        from agentxray.render.probe import render_probe_html

        _emit(render_probe_html(result), args.output)
    else:
        from agentxray.render.probe import render_probe_terminal

        text = render_probe_terminal(result)
        if scan is not None:
            from agentxray.render.probe import confirmations_text

            text += "\n" + confirmations_text(scan.findings, confirmations)
        _emit(text, args.output)
    return 1 if result.differences else 0
