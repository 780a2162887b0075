"""One contained run: the namespace, the resolver, the recorder and the packet sink around one
command started under bubblewrap; the record of everything it tried."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from agentxray.model import ApiExchange, Event
from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.scenario import Scenario
from agentxray.observe.mockapi.tls import RunAuthority
from agentxray.observe.sandbox import bwrap, seccomp
from agentxray.observe.sandbox.dns import FakeIps, Resolver
from agentxray.observe.sandbox.dns import serve as serve_dns
from agentxray.observe.sandbox.eventlog import EventLog
from agentxray.observe.sandbox.netns import (
    PROXY_PORT,
    NetNamespace,
    SandboxUnavailable,
    open_namespace,
)
from agentxray.observe.sandbox.packets import PacketSink
from agentxray.observe.sandbox.policy import Policy
from agentxray.observe.sandbox.recorder import NetRecorder

if TYPE_CHECKING:
    from agentxray.observe.honeytokens import Honeypot

logger = logging.getLogger(__name__)

PROXY_URL = f"http://127.0.0.1:{PROXY_PORT}"
"""The recorder's regular proxy port as the sandboxed program reaches it."""


@dataclass(frozen=True, slots=True)
class Contained:
    """How a contained command ended, and everything the sandbox recorded."""

    argv: tuple[str, ...]
    exit_code: int | None
    """``None`` when it was killed at the timeout."""
    stdout: str
    stderr: str
    duration_s: float
    events: tuple[Event, ...]
    exchanges: tuple[ApiExchange, ...]
    started: float = 0.0
    """When the command started, in seconds since the record began."""


class Sandbox:
    """Context manager: ``with Sandbox(...) as box: box.run(argv, env, layout)``."""

    def __init__(
        self,
        *,
        scenario: Scenario,
        workdir: Path,
        policy: Policy | None = None,
        exchanges: Recorder | None = None,
        honeypot: Honeypot | None = None,
    ) -> None:
        self.scenario = scenario
        self.workdir = workdir
        self.policy = policy or Policy()
        self.exchanges = exchanges or Recorder()
        self.honeypot = honeypot
        self.log = EventLog()
        self.ips = FakeIps()
        self.authority = RunAuthority(workdir / "tls")
        self._ns: NetNamespace | None = None
        self.recorder: NetRecorder | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._drain: Callable[[], None] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self._ns = open_namespace()
        try:
            _check_bwrap(self._ns)
            self._start_loop(self._ns)
        except BaseException:
            self._ns.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the recorder and release the namespace."""
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(5)
        if self._ns is not None:
            self._ns.close()
            self._ns = None

    def _start_loop(self, ns: NetNamespace) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        resolver = Resolver(self.ips, self.log, self.policy, self._egress)
        recorder = self.recorder = NetRecorder(
            log=self.log, ips=self.ips, policy=self.policy, scenario=self.scenario,
            exchanges=self.exchanges, authority=self.authority, on_egress=self._egress,
        )  # fmt: skip
        sink = PacketSink(self.log, self.ips, self.policy, self._egress)

        def drain_tun() -> None:
            while True:
                try:
                    data = os.read(ns.tun, 65536)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError as exc:
                    logger.warning("packet sink stopped: %s", exc)
                    loop.remove_reader(ns.tun)
                    return
                reply = sink.handle(data)
                if reply is not None:
                    with contextlib.suppress(OSError):
                        os.write(ns.tun, reply)

        self._drain = drain_tun

        async def setup() -> None:
            await serve_dns(resolver, ns.dns_udp, ns.dns_tcp)
            await recorder.serve(ns.transparent, ns.proxy)
            loop.add_reader(ns.tun, drain_tun)

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(setup())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            with contextlib.suppress(Exception):
                loop.remove_reader(ns.tun)
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

        self._thread = threading.Thread(target=run, name="agentxray-sandbox-net", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        self._loop = loop

    def _settle_packets(self) -> None:
        """Handle the packets still queued on the TUN device once the program has exited: a
        datagram sent just before exit is on the record before the run's events are read
        (under load the loop had not read it yet, and a UDP exfiltration went unseen)."""
        loop, drain = self._loop, self._drain
        if loop is None or drain is None or loop.is_closed():
            return
        done = threading.Event()

        def step() -> None:
            try:
                drain()
            finally:
                done.set()

        loop.call_soon_threadsafe(step)
        done.wait(5)

    # -- egress inspection ----------------------------------------------------------------

    def _egress(self, data: bytes, where: str, host: str | None) -> None:
        if self.honeypot is None:
            return
        for hit in self.honeypot.search(data, where):
            if host is not None and self.honeypot.expected(hit.token, host):
                continue
            self.log.add(
                "honeytoken",
                host=host,
                path=hit.token.file,
                blocked=True,
                detail=f"{hit.token.kind} from {hit.token.file} sent ({hit.encoding}) in {where}",
            )

    # -- running a command ----------------------------------------------------------------

    def payloads(self) -> dict[int, bytes]:
        """Request bodies by the ``seq`` of their ``http`` event."""
        return dict(self.recorder.payloads) if self.recorder is not None else {}

    def merge(self, events: list[Event]) -> None:
        """Add another observer's events (the tracer's), keeping :meth:`payloads` keyed right."""
        moved = self.log.extend(events)
        if self.recorder is not None:
            old = self.recorder.payloads
            self.recorder.payloads = {moved.get(k, k): v for k, v in old.items()}

    @staticmethod
    def _traced(full: list[str], trace_dir: Path) -> list[str]:
        from agentxray.errors import ObserveError
        from agentxray.observe.trace import strace_command

        try:
            return strace_command(full, trace_dir)
        except ObserveError as exc:
            logger.warning("%s; processes and files are not recorded", exc)
            return full

    def _merge_trace(self, trace_dir: Path, program: str, layout: bwrap.Layout, at: float) -> None:
        from agentxray.observe.trace import read_trace

        found = read_trace(trace_dir, Path(layout.home_inside), layout.workspace)
        # Everything before bubblewrap starts the program is nsenter's and bubblewrap's set-up;
        # the program cannot act before it exists, so this cut cannot hide anything it did.
        # Should that exec not be found, everything is kept rather than anything lost.
        start = next(
            (
                i
                for i, e in enumerate(found)
                if e.kind == "exec" and e.argv and e.argv[0] == program
            ),
            0,
        )
        events = []
        for e in found[start:]:
            name = self.ips.name(e.host) if e.host else None
            events.append(replace(e, time=e.time + at, host=name or e.host))
        self.merge(events)

    def run(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        layout: bwrap.Layout,
        *,
        cwd: str | None = None,
        timeout: float = 120.0,
        trace_dir: Path | None = None,
    ) -> Contained:
        """Run ``argv`` contained; never raises on a failing command.

        With ``trace_dir`` the whole sandbox is traced by strace from outside (logs in
        ``trace_dir``, out of the agent's sight and reach); the processes and files of ``argv``
        are merged into the record, the sandbox's own set-up left out.
        """
        if self._ns is None:
            raise RuntimeError("Sandbox.run outside its with-block")
        files = bwrap.write_system_files(
            self.workdir / "system", layout, self.authority.ca_file.read_bytes()
        )
        layout = dataclasses.replace(layout, files={**files, **layout.files})
        arch = seccomp.machine_arch()
        filter_fd = None
        if arch is not None:
            bpf = self.workdir / "seccomp.bpf"
            bpf.write_bytes(seccomp.program(arch))
            filter_fd = os.open(bpf, os.O_RDONLY)
        else:
            logger.warning("no seccomp filter for this architecture: io_uring stays available")
        inner = bwrap.command(argv, env, layout, cwd or str(layout.workspace), filter_fd)
        full = [*self._ns.enter_command(), *inner]
        if trace_dir is not None:
            full = self._traced(full, trace_dir)
            if full[0] == self._ns.enter_command()[0]:  # strace missing: not traced
                trace_dir = None
        setpriv = shutil.which("setpriv")
        if setpriv is not None:  # the tracer (bubblewrap's parent) dies with us, and so all of it
            full = [setpriv, "--pdeathsig", "KILL", "--", *full]
        else:
            logger.warning("setpriv (util-linux) not found: a killed agentxray may leave the run")
        logger.info("sandboxed: %s", " ".join(argv))
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                full,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                pass_fds=() if filter_fd is None else (filter_fd,),
            )
        except OSError as exc:
            raise SandboxUnavailable(f"cannot start the sandbox: {exc.strerror}") from exc
        finally:
            if filter_fd is not None:
                os.close(filter_fd)
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            logger.warning("%s did not finish in %.0f s; killing it", argv[0], timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            code = None
        duration = time.monotonic() - started
        self._settle_packets()
        if trace_dir is not None:
            self._merge_trace(trace_dir, argv[0], layout, started - self.log.started)
        self.log.add(
            "exit", process=argv[0],
            detail="killed at the timeout" if code is None else f"exit code {code}",
        )  # fmt: skip
        return Contained(
            argv=tuple(argv),
            exit_code=code,
            stdout=out.decode("utf-8", "replace"),
            stderr=err.decode("utf-8", "replace"),
            duration_s=duration,
            events=self.log.events(),
            exchanges=tuple(self.exchanges.exchanges),
            started=started - self.log.started,
        )


_BWRAP_CHECKED: set[str] = set()


def _check_bwrap(ns: NetNamespace) -> None:
    """Raise :class:`SandboxUnavailable` (bubblewrap's own words) unless bubblewrap can create
    its namespaces inside ours; checked once per process (about 10 ms)."""
    binary = bwrap.bwrap_path()
    if binary in _BWRAP_CHECKED:
        return
    probe = [
        *ns.enter_command(), binary, "--unshare-user", "--unshare-pid", "--unshare-ipc",
        "--unshare-uts", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true",
    ]  # fmt: skip
    done = subprocess.run(probe, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise SandboxUnavailable(
            f"bubblewrap cannot create the sandbox's namespaces here ({said}); "
            "the agent was not started",
            hint="Allow unprivileged user namespaces for bwrap (Ubuntu: install the apparmor "
            "profile for bwrap, or sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0).",
        )
    _BWRAP_CHECKED.add(binary)
