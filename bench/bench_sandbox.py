"""Benchmark ``agentxray run`` contained against the same session on the host and under srt.

Three ways to run the same scripted session (Claude Code 2.1.197, ``edit`` scenario, answered by
agentxray's mock model API), each started as the ``agentxray run`` command a user types:

- ``contained``: ``agentxray run SPEC --policy audit`` (the sandbox: namespaces, recorder,
  resolver, strace, honeytokens, run store), everything recorded;
- ``host``: ``agentxray run SPEC --no-sandbox --api-host HOST``: the agent on the host with the
  same profile environment, the same mock, the same scenario, its API under the same name
  (``https://api.anthropic.com``, through the mock's proxy with the run's CA), nothing recorded
  but the model exchanges;
- ``srt``: the ``host`` run with the agent's command wrapped in Anthropic's sandbox runtime
  (``srt`` from ``@anthropic-ai/sandbox-runtime``, installed with npm into
  ``~/.cache/agentxray-bench/srt-VERSION``), configured to allow the model host and the mock's
  loopback address (srt reaches the mock as its parent proxy: it takes the run's ``HTTPS_PROXY``
  from its own environment) and to write only the run's HOME and workspace.

Fairness: the profile's ``host_only_env`` variables (which quiet Claude Code's non-essential
traffic on the host) are given to the contained run with ``--env``, so all three runs get the
same variables (printed once per mode from a run of ``env``, untimed) and make the same model
requests (counted from each run's ``--record`` file and printed). Each round runs every job
(the session and ``/bin/true`` in each mode) once, in a random order, so the load of this shared
machine falls on all modes alike; the 1-minute load average is sampled before every job.

Prints the figures and writes them to ``bench/results-sandbox.md`` (text after the line
``<!-- notes -->`` in that file is kept: the hand-written analysis).

Usage::

    python bench/bench_sandbox.py [--rounds 5] [--seed N] [--no-srt]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agentxray.observe.profile import AgentProfile
from agentxray.pipeline import prepare_agent

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-sandbox.md"
NOTES_MARK = "<!-- notes -->"
SRT_VERSION = "0.0.78"
SRT_PACKAGE = "@anthropic-ai/sandbox-runtime"
CACHE = Path.home() / ".cache" / "agentxray-bench"
MODES = ("contained", "host", "srt")


@dataclass
class Sample:
    """One timed ``agentxray run``."""

    mode: str
    job: str
    wall_s: float
    agent_s: float | None
    load: float
    exit_code: int
    requests: list[str] = field(default_factory=list)
    cpu_s: float | None = None
    """CPU time (user + system) of the whole process tree, from ``perf stat``'s task-clock."""


def loadavg() -> float:
    """The 1-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def perf_prefix(output: Path) -> list[str]:
    """``perf stat`` counting the CPU time (task-clock: user + system) of the command and every
    process it starts, into ``output``; empty where perf is missing or may not count (then CPU
    is not reported). ``getrusage`` cannot: the sandbox's processes are reaped inside its PID
    namespace, so their times never reach us."""
    perf = shutil.which("perf")
    if perf is None or not _perf_counts(perf):
        return []
    return [perf, "stat", "-x", ",", "-e", "task-clock", "-o", str(output), "--"]


@functools.cache
def _perf_counts(perf: str) -> bool:
    """Whether ``perf stat`` may count here (``kernel.perf_event_paranoid`` may forbid it)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "perf.txt"
        done = subprocess.run(
            [perf, "stat", "-x", ",", "-e", "task-clock", "-o", str(out), "--", "true"],
            capture_output=True, check=False,
        )  # fmt: skip
        return done.returncode == 0 and perf_cpu(out) is not None


def perf_cpu(output: Path) -> float | None:
    """The task-clock of a ``perf stat -x ,`` file, in seconds."""
    if not output.exists():
        return None
    for line in output.read_text(encoding="utf-8").splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2] == "task-clock":
            try:
                return float(fields[0]) / 1000
            except ValueError:
                return None
    return None


def ensure_srt(version: str) -> tuple[Path | None, str]:
    """``srt`` of ``version`` installed with npm (its configured registry) in the bench cache.

    Returns its path and ``""``, or ``None`` and one line saying why it cannot run here.
    """
    folder = CACHE / f"srt-{version}"
    srt = folder / "node_modules" / ".bin" / "srt"
    if not srt.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm is not on PATH (install the Debian package npm)"
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder),
             f"{SRT_PACKAGE}@{version}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0 or not srt.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"npm install {SRT_PACKAGE}@{version} failed: {last}"
    with tempfile.TemporaryDirectory(prefix="bench-srt-check-") as tmp:
        settings = Path(tmp) / "srt.json"
        settings.write_text(json.dumps(srt_settings(["api.anthropic.com"], [tmp])))
        check = subprocess.run(
            [str(srt), "--settings", str(settings), "--", "/bin/true"],
            capture_output=True, text=True, check=False, cwd=tmp, timeout=60,
        )  # fmt: skip
    if check.returncode != 0:
        last = ((check.stderr or check.stdout).strip().splitlines() or ["no output"])[-1]
        return None, f"srt {version} cannot run /bin/true here (exit {check.returncode}): {last}"
    return srt, ""


def srt_settings(domains: list[str], writable: list[str]) -> dict[str, object]:
    """srt's settings: ``domains`` allowed out, ``writable`` folders writable, reads open."""
    return {
        "network": {"allowedDomains": domains, "deniedDomains": []},
        "filesystem": {"denyRead": [], "allowWrite": writable, "denyWrite": []},
    }


class Bench:
    """Builds and runs the jobs of one benchmark."""

    def __init__(
        self, spec: str, scenario: str, api_host: str, srt: Path | None, root: Path
    ) -> None:
        agent = prepare_agent(spec)  # acquire and unpack (cached), as each run will
        self.spec, self.scenario, self.api_host = spec, scenario, api_host
        self.profile: AgentProfile = agent.profile
        self.srt, self.root = srt, root
        self.quiet = {name: agent.profile.env[name] for name in agent.profile.host_only_env}
        self.store = root / "runs.db"
        self.count = 0
        self.perf = bool(perf_prefix(root))
        # the entry point next to this interpreter (not a version manager's shim)
        local = Path(sys.executable).parent / "agentxray"
        self.agentxray = str(local) if local.exists() else shutil.which("agentxray") or "agentxray"

    def _profile_file(self, folder: Path, argv: list[str]) -> Path:
        data = self.profile.model_dump(mode="json", exclude_none=True)
        data["name"] = f"{self.profile.name}-bench"
        data["argv"] = argv
        path = folder / "profile.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def command(self, mode: str, job: str, folder: Path) -> list[str]:
        """The ``agentxray run`` command line of ``job`` (session, true, env) in ``mode``."""
        workdir = folder / "run"
        cmd = [
            self.agentxray, "run", self.spec, "--scenario", self.scenario,
            "--workdir", str(workdir), "--record", str(folder / "record.jsonl"),
            "--format", "json",
        ]  # fmt: skip
        if mode == "contained":
            cmd += ["--policy", "audit", "--store", str(self.store)]
            for name, value in self.quiet.items():
                cmd += ["--env", f"{name}={value}"]
        else:
            cmd += ["--no-sandbox", "--api-host", self.api_host]
        inner = {
            "session": list(self.profile.argv),
            "true": ["/bin/true"],
            "env": ["/bin/sh", "-c", "env > {workspace}/agent-env.txt"],
        }[job]
        if mode == "srt":
            assert self.srt is not None
            settings = folder / "srt.json"
            allowed = [self.api_host, "127.0.0.1"]
            writable = [str(workdir / "home"), str(workdir / "workspace")]
            settings.write_text(json.dumps(srt_settings(allowed, writable)), encoding="utf-8")
            inner = [str(self.srt), "--settings", str(settings), "--", *inner]
        if mode == "srt" or job != "session":
            cmd += ["--profile", str(self._profile_file(folder, inner))]
        return cmd

    def run(self, mode: str, job: str, timeout: float = 300.0) -> tuple[Sample, Path]:
        """Run ``job`` in ``mode`` once; the sample and the folder it ran in."""
        self.count += 1
        folder = self.root / f"{self.count:03d}-{mode}-{job}"
        folder.mkdir()
        counted = folder / "perf.txt"
        cmd = [*(perf_prefix(counted) if self.perf else []), *self.command(mode, job, folder)]
        load = loadavg()
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env())
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        wall = time.monotonic() - started
        agent_s = None
        try:
            document = json.loads(out)
            agent_s = float(document["run"]["duration_s"])
        except (ValueError, KeyError, TypeError):
            tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
            print(f"  {mode}/{job}: no JSON report (exit {proc.returncode}): {tail}", flush=True)
        sample = Sample(mode, job, wall, agent_s, load, proc.returncode,
                        requests_of(folder / "record.jsonl"), perf_cpu(counted))  # fmt: skip
        return sample, folder


def run_env() -> dict[str, str]:
    """The environment of every timed ``agentxray run``: this one, with Python's bytecode kept
    (in the bench cache, out of the source tree) as an installed package has it; without it
    (``PYTHONDONTWRITEBYTECODE``) each command compiles ~150 modules again, ~0.2 s in every
    mode."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    return env


def requests_of(record: Path) -> list[str]:
    """``METHOD /path`` of every HTTP request in a ``--record`` file (tunnels left out)."""
    if not record.exists():
        return []
    out = []
    for line in record.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        method, target = item.get("method", ""), item.get("target", "")
        if method == "CONNECT":
            continue
        if "://" in target:
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        out.append(f"{method} {target.split('?', 1)[0]}")
    return out


def timed(bench: Bench, mode: str, job: str) -> Sample:
    """One job; its folder removed."""
    sample, folder = bench.run(mode, job)
    shutil.rmtree(folder, ignore_errors=True)
    return sample


def env_of(bench: Bench, mode: str) -> dict[str, str]:
    """The agent's environment in ``mode`` (an untimed run of ``env``, also a warm-up)."""
    _, folder = bench.run(mode, "env")
    path = folder / "run" / "workspace" / "agent-env.txt"
    env: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            name, sep, value = line.partition("=")
            if sep and name.isidentifier():
                env[name] = value
    shutil.rmtree(folder, ignore_errors=True)
    return env


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def breakdown(bench: Bench, rounds: int, rng: random.Random) -> list[str]:
    """Where the contained run's time goes, measured in this process (no CLI start-up):
    the session contained with and without the tracer and on the host, interleaved; then the
    contained run's start-up parts one by one. Markdown lines."""
    from agentxray.observe import honeytokens
    from agentxray.observe.findings import run_findings
    from agentxray.observe.launch import run_contained
    from agentxray.observe.mockapi.recorder import Recorder
    from agentxray.observe.mockapi.scenario import load_scenario
    from agentxray.observe.sandbox import netns
    from agentxray.observe.sandbox import sandbox as box_module
    from agentxray.observe.sandbox.policy import Policy
    from agentxray.observe.session import DEFAULT_PROMPT, run_agent, seed_files

    agent = prepare_agent(bench.spec)
    play = load_scenario(bench.scenario)

    def contained(trace: bool) -> tuple[float, float]:
        base = Path(tempfile.mkdtemp(prefix="bench-breakdown-"))
        seed_files(play.workspace, base / "workspace")
        seed_files(play.home, base / "home")
        started = time.monotonic()
        done = run_contained(
            agent.profile, agent.program, play, Recorder(), base=base, home=base / "home",
            workspace=base / "workspace", prompt=DEFAULT_PROMPT, extra_env=bench.quiet,
            trace=trace,
        )  # fmt: skip
        wall = time.monotonic() - started
        shutil.rmtree(base, ignore_errors=True)
        return wall, done.launch.duration_s

    def host() -> tuple[float, float]:
        base = Path(tempfile.mkdtemp(prefix="bench-breakdown-"))
        started = time.monotonic()
        done = run_agent(
            agent.profile, agent.program, play, prompt=DEFAULT_PROMPT, workdir=base,
            api_host=bench.api_host,
        )  # fmt: skip
        wall = time.monotonic() - started
        shutil.rmtree(base, ignore_errors=True)
        return wall, done.launch.duration_s

    kinds = {
        "contained, traced (as `run`)": lambda: contained(True),
        "contained, not traced": lambda: contained(False),
        "host (as `--no-sandbox`)": host,
    }
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
    loads = []
    for _ in range(rounds):
        order = list(kinds)
        rng.shuffle(order)
        for kind in order:
            loads.append(loadavg())
            got[kind].append(kinds[kind]())
            print(f"breakdown {kind}: {got[kind][-1][0]:.2f} s", flush=True)
    lines = [
        f"In-process, {rounds} rounds interleaved (load {statistics.median(loads):.2f} median): "
        "the session without the `agentxray` command around it (no interpreter start-up, "
        "acquire, findings, report or run store):",
        "",
        "| run | wall (median) | spread | agent time (median) |",
        "|---|---|---|---|",
    ]
    for kind, values in got.items():
        walls = [w for w, _ in values]
        agent_s = statistics.median(a for _, a in values)
        lines.append(
            f"| {kind} | {statistics.median(walls):.2f} | {spread(walls)} | {agent_s:.2f} |"
        )
    parts: dict[str, list[float]] = {}

    def part(name: str, started: float) -> None:
        parts.setdefault(name, []).append(time.monotonic() - started)

    policy = Policy("audit", frozenset({bench.api_host}))
    for _ in range(rounds):
        base = Path(tempfile.mkdtemp(prefix="bench-breakdown-"))
        t = time.monotonic()
        honeytokens.plant(base / "home", base / "workspace")
        part("honeytokens planted (SSH keys made)", t)
        box = box_module.Sandbox(scenario=play, workdir=base / "sandbox", policy=policy)
        t = time.monotonic()
        box._ns = netns.open_namespace()
        part("network namespace (helper, ip, nft)", t)
        box_module._BWRAP_CHECKED.clear()
        t = time.monotonic()
        box_module._check_bwrap(box._ns)
        part("bubblewrap check (once per process)", t)
        t = time.monotonic()
        box._start_loop(box._ns)
        part("recorder and resolver started", t)
        t = time.monotonic()
        box.close()
        part("namespace released", t)
        shutil.rmtree(base, ignore_errors=True)
    import agentxray.rules.loader as loader

    for _ in range(rounds):
        cache_clear = getattr(loader.default_rules, "cache_clear", None)
        if cache_clear is not None:
            cache_clear()
        t = time.monotonic()
        run_findings((), "bench", model_hosts=[bench.api_host])
        part("findings of an empty run (rule files loaded)", t)
    lines += ["", "Start-up parts of a contained run, one by one (ms, median of "
              f"{rounds}):", "", "| part | median | spread |", "|---|---|---|"]  # fmt: skip
    for name, values in parts.items():
        ms = [v * 1000 for v in values]
        lines.append(f"| {name} | {statistics.median(ms):.0f} | {min(ms):.0f}–{max(ms):.0f} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--spec", default="npm:@anthropic-ai/claude-code@2.1.197")
    parser.add_argument("--scenario", default="edit")
    parser.add_argument("--api-host", default="api.anthropic.com")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--srt-version", default=SRT_VERSION)
    parser.add_argument("--no-srt", action="store_true", help="leave srt out")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--breakdown", action="store_true",
        help="also measure where the contained run's time goes (tracer, start-up parts)",
    )  # fmt: skip
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)

    srt, srt_note = (None, "left out (--no-srt)") if args.no_srt else ensure_srt(args.srt_version)
    modes = [m for m in MODES if m != "srt" or srt is not None]
    print(f"srt {args.srt_version}: {srt or srt_note}", flush=True)
    root = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    try:
        bench = Bench(args.spec, args.scenario, args.api_host, srt, root)
        envs = {mode: env_of(bench, mode) for mode in modes}
        samples: list[Sample] = []
        loads: list[float] = []
        for r in range(args.rounds):
            jobs = [(m, j) for m in modes for j in ("session", "true")]
            rng.shuffle(jobs)
            for mode, job in jobs:
                s = timed(bench, mode, job)
                samples.append(s)
                loads.append(s.load)
                agent = "-" if s.agent_s is None else f"{s.agent_s:.2f}"
                cpu = "-" if s.cpu_s is None else f"{s.cpu_s:.2f}"
                print(f"round {r + 1} {mode:9} {job:7} wall {s.wall_s:5.2f} s  agent {agent} s  "
                      f"cpu {cpu} s  "
                      f"requests {len(s.requests)}  load {s.load:.2f}  exit {s.exit_code}",
                      flush=True)  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)
    text = report(args, seed, modes, samples, envs, loads, srt_note)
    if args.breakdown:
        bench = Bench(args.spec, args.scenario, args.api_host, None, Path(tempfile.gettempdir()))
        text += "\n## Where the contained run's time goes\n\n"
        text += "\n".join(breakdown(bench, args.rounds, rng)) + "\n"
    print(text)
    notes = ""
    if args.output.exists():
        old = args.output.read_text(encoding="utf-8")
        if NOTES_MARK in old:
            notes = old[old.index(NOTES_MARK) :]
    args.output.write_text(text + ("\n" + notes if notes else ""), encoding="utf-8")
    bad = [s for s in samples if s.exit_code != 0]
    return 1 if bad else 0


def report(
    args: argparse.Namespace,
    seed: int,
    modes: list[str],
    samples: list[Sample],
    envs: dict[str, dict[str, str]],
    loads: list[float],
    srt_note: str,
) -> str:
    """The results as Markdown."""

    def pick(mode: str, job: str) -> list[Sample]:
        return [s for s in samples if s.mode == mode and s.job == job]

    lines = [
        "# `agentxray run` contained vs. on the host vs. srt",
        "",
        f"Generated by `bench/bench_sandbox.py --rounds {args.rounds}` (seed {seed}) on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.spec}, scenario "
        f"`{args.scenario}`, Python {platform.python_version()} (bytecode cached), "
        f"{os.cpu_count()} CPUs, "
        f"1-minute load average before each job {statistics.median(loads):.2f} median "
        f"({spread(loads)}).",
        "",
        "| mode | what runs |",
        "|---|---|",
        "| contained | `agentxray run SPEC --policy audit --store TMP` + the profile's "
        "`host_only_env` as `--env` (namespaces, recorder, resolver, strace, honeytokens, "
        "run store) |",
        f"| host | `agentxray run SPEC --no-sandbox --api-host {args.api_host}` (mock as proxy, "
        "run CA; nothing recorded but the model exchanges) |",
    ]
    if "srt" in modes:
        lines.append(
            f"| srt | the host run with the agent's command under `srt {args.srt_version} "
            f"--settings S --`: allowedDomains `{args.api_host}`, `127.0.0.1`; writes to the "
            "run's HOME and workspace (records nothing) |"
        )
    ran = (
        f"ran, installed with npm in `~/.cache/agentxray-bench/srt-{args.srt_version}` "
        "(it needs socat and ripgrep)"
    )
    lines += ["", f"srt {args.srt_version}: {srt_note or ran}", ""]
    host = {job: pick("host", job) for job in ("session", "true")}
    lines += [
        f"Wall time of the whole `agentxray run` command (s), {args.rounds} rounds, jobs in a "
        "random order per round; ratio = median / median of `host`; paired = median over rounds "
        "of the ratio to that round's `host` run; agent time = the run's `duration_s` (the "
        "command from its start to its exit, set-up before it and reports after it excluded); "
        "CPU = user + system time of the command's whole process tree (`perf stat` task-clock, "
        "s), paired as the wall time:",
        "",
        "| mode | job | median wall | spread | ratio | paired | agent time (median) | "
        "CPU (median) | CPU paired | HTTP requests (model) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for job in ("session", "true"):
        for mode in modes:
            got = pick(mode, job)
            if not got:
                continue
            walls = [s.wall_s for s in got]
            med = statistics.median(walls)
            base = statistics.median(s.wall_s for s in host[job])
            paired = statistics.median(
                s.wall_s / h.wall_s for s, h in zip(got, host[job], strict=False)
            )
            agents = [s.agent_s for s in got if s.agent_s is not None]
            agent = f"{statistics.median(agents):.2f}" if agents else "-"
            reqs = "/".join(map(str, sorted({len(s.requests) for s in got})))
            model = "/".join(
                map(str, sorted({sum("/v1/messages" in r for r in s.requests) for s in got}))
            )
            cpus = [(s.cpu_s, h.cpu_s) for s, h in zip(got, host[job], strict=False)]
            cpus = [(c, h) for c, h in cpus if c is not None and h is not None]
            cpu = f"{statistics.median(c for c, _ in cpus):.2f}" if cpus else "-"
            cpu_paired = f"{statistics.median(c / h for c, h in cpus):.2f}×" if cpus else "-"
            name = "session" if job == "session" else "/bin/true"
            lines.append(
                f"| {mode} | `{name}` | {med:.2f} | {spread(walls)} | {med / base:.2f}× | "
                f"{paired:.2f}× | {agent} | {cpu} | {cpu_paired} | {reqs} ({model}) |"
            )
    lines += ["", "Requests of the session per mode (first round; tunnels not counted):", ""]
    for mode in modes:
        got = pick(mode, "session")
        if got:
            counts = Counter(got[0].requests)
            lines.append(f"- {mode}: " + ", ".join(f"{n}× `{k}`" for k, n in counts.items()))
    lines += ["", "The agent's environment per mode (an untimed run of `env`):", ""]
    names = {mode: set(env) for mode, env in envs.items()}
    common = set.intersection(*names.values()) if names else set()
    lines.append(f"- in every mode: {', '.join(sorted(common))}")
    for mode in modes:
        only = sorted(names[mode] - common)
        lines.append(f"- not in every mode, in {mode}: {', '.join(only) if only else '—'}")
    differ = sorted(n for n in common if len({envs[m][n] for m in modes}) > 1)
    lines.append(f"- same name, different value: {', '.join(differ) if differ else '—'}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
