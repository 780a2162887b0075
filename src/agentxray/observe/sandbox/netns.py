"""The sandbox's network namespace: no route out, every packet delivered to the recorder.

A helper process (:mod:`agentxray.observe.sandbox._holder`, started by ``unshare -Urn``) owns a
fresh user + network namespace in which

- TCP over IPv4 to anything but loopback is redirected (nftables ``redirect``) to the recorder's
  transparent port, which recovers the original destination with ``SO_ORIGINAL_DST``;
- DNS (UDP and TCP port 53, any address) is redirected to the recorder's resolver;
- everything else (other UDP, ICMP, IPv6, any protocol) is routed into a TUN device whose only
  reader is the recorder: it is logged and goes nowhere.

The recorder's sockets are created inside the namespace and passed to this process, so the
recorder runs here, in the host's namespace, and the agent (started in the namespace with
``nsenter`` + bubblewrap, see :mod:`agentxray.observe.sandbox.bwrap`) can reach nothing else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from agentxray.errors import ObserveError

logger = logging.getLogger(__name__)

TRANSPARENT_PORT = 15001
"""Inside the namespace: where redirected TCP connections arrive."""
PROXY_PORT = 3128
"""Inside the namespace: the regular HTTP proxy port (``HTTPS_PROXY=http://127.0.0.1:3128``)."""
DNS_PORT = 53
"""Inside the namespace: the resolver (UDP and TCP); ``/etc/resolv.conf`` names 127.0.0.1."""
TUN_IPV4 = "10.255.255.1"
TUN_IPV6 = "fd00:ffff::1"

_HOLDER = Path(__file__).with_name("_holder.py")


class SandboxUnavailable(ObserveError):
    """This machine does not let an unprivileged user create the namespaces the sandbox needs."""


def ruleset(transparent_port: int = TRANSPARENT_PORT, dns_port: int = DNS_PORT) -> str:
    """The nftables ruleset loaded inside the namespace."""
    return f"""
table inet agentxray {{
  chain redirect_out {{
    type nat hook output priority -100; policy accept;
    ip daddr 127.0.0.0/8 return
    meta nfproto ipv4 udp dport 53 redirect to :{dns_port}
    meta nfproto ipv4 tcp dport 53 redirect to :{dns_port}
    meta nfproto ipv4 meta l4proto tcp redirect to :{transparent_port}
  }}
  chain filter_out {{
    type filter hook output priority 0; policy drop;
    oifname "lo" accept
    oifname "axr0" accept
  }}
}}
"""


def preflight() -> None:
    """Raise :class:`SandboxUnavailable` (one line, what to do) unless the sandbox can start here."""
    _check_tools()
    _check_user_namespaces()


def _check_tools() -> None:
    for tool, package in (
        ("unshare", "util-linux"),
        ("nsenter", "util-linux"),
        ("bwrap", "bubblewrap"),
        ("nft", "nftables"),
        ("ip", "iproute2"),
    ):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            raise SandboxUnavailable(
                f"the sandbox needs {tool!r}, which is not installed",
                hint=f"Install the Debian package {package} (sudo apt-get install {package}).",
            )


def _check_user_namespaces() -> None:
    done = subprocess.run(["unshare", "-Urn", "true"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SandboxUnavailable(
            "unprivileged user namespaces are blocked on this machine "
            f"({done.stderr.strip() or 'unshare -Urn failed'}); the agent was not started",
            hint="Allow them (Ubuntu: sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0; "
            "containers: run with a seccomp profile that permits unshare/clone) and retry.",
        )


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


@dataclass
class NetNamespace:
    """A live namespace held by its helper process, with the recorder's descriptors."""

    pid: int
    """The helper: ``nsenter --target PID`` enters the namespace."""
    tun: int
    """TUN device fd: every packet that is not TCP or DNS over IPv4."""
    transparent: socket.socket
    proxy: socket.socket
    dns_udp: socket.socket
    dns_tcp: socket.socket
    _process: subprocess.Popen[bytes]
    _channel: socket.socket

    def enter_command(self) -> list[str]:
        """The prefix that runs a command inside the namespace (as root of its user namespace)."""
        return [_tool("nsenter"), f"--target={self.pid}", "--user", "--net", "--"]

    def close(self) -> None:
        """Release the namespace: the helper exits when its channel closes.

        Its exit is not waited for here: it took 50-100 ms on a 2-core machine (the
        interpreter's exit, and the kernel removing the TUN device with the last descriptor),
        time in which nothing of the run can act any more (the sandbox's processes are gone,
        the recorder's sockets closed). A thread reaps it.
        """
        for sock in (self.transparent, self.proxy, self.dns_udp, self.dns_tcp, self._channel):
            with contextlib.suppress(OSError):
                sock.close()
        with contextlib.suppress(OSError):
            os.close(self.tun)
        if self._process.poll() is None:
            threading.Thread(
                target=_reap, args=(self._process,), name="agentxray-netns-reaper", daemon=True
            ).start()


def _reap(process: subprocess.Popen[bytes]) -> None:
    """Wait for the helper to exit (killed if it has not within 5 s)."""
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def open_namespace() -> NetNamespace:
    """Create the namespace and its recorder sockets; raise :class:`SandboxUnavailable` if refused.

    Whether user namespaces are allowed is asked only when the helper fails (a probe process
    fewer on every run); the tools are checked first, as that needs no process.
    """
    _check_tools()
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    config = {
        "ruleset": ruleset(),
        "transparent_port": TRANSPARENT_PORT,
        "proxy_port": PROXY_PORT,
        "dns_port": DNS_PORT,
        "tun_ipv4": TUN_IPV4,
        "tun_ipv6": TUN_IPV6,
    }
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    process = subprocess.Popen(
        [
            _tool("unshare"),
            "-Urn",
            sys.executable,
            "-I",
            "-S",  # standard library only: no site-packages to set up (~15 ms of CPU at start)
            str(_HOLDER),
            str(child.fileno()),
            json.dumps(config),
        ],
        pass_fds=(child.fileno(),),
        env=env,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    child.close()
    parent.settimeout(20)
    try:
        msg, fds, _flags, _addr = socket.recv_fds(parent, 65536, 5)
    except OSError as exc:
        process.kill()
        raise SandboxUnavailable(f"the sandbox's network namespace did not start: {exc}") from exc
    if not fds:
        process.wait(5)
        _check_user_namespaces()  # blocked: say so, and how to allow them
        err = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
        try:
            reason = json.loads(msg.decode())["error"]
        except (ValueError, KeyError):
            reason = err.splitlines()[-1] if err else f"helper exited {process.returncode}"
        raise SandboxUnavailable(
            f"the sandbox's network namespace could not be set up: {reason}",
            hint="Check that nftables and iproute2 are installed and /dev/net/tun is usable.",
        )
    parent.settimeout(None)
    tun, *rest = fds
    socks = [socket.socket(fileno=fd) for fd in rest]
    for sock in socks:
        sock.setblocking(False)
    os.set_blocking(tun, False)
    logger.info("sandbox network namespace held by pid %d", process.pid)
    return NetNamespace(
        process.pid, tun, socks[0], socks[1], socks[2], socks[3], _process=process, _channel=parent
    )
