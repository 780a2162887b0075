"""Holds the sandbox's network namespace: run by ``unshare -Urn`` as root of a new user namespace.

Standard library only (it runs as ``python -I -S``, without site-packages). It

1. creates the TUN device ``axr0`` and routes everything (IPv4 and IPv6) into it, so every packet
   the sandbox sends reaches a file descriptor the recorder reads, and nothing else;
2. loads the nftables ruleset it is given (TCP and DNS redirected to the recorder's sockets);
3. opens the recorder's listening sockets *inside* this namespace;
4. hands the TUN and socket descriptors to its parent over the Unix socket on fd ``argv[1]``
   (``SCM_RIGHTS``), then waits until the parent closes that socket.

The parent serves those sockets from the host's namespace: sockets stay bound to the namespace
they were made in, so the recorder needs no route between the two.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
TUN_NAME = "axr0"


def _tun() -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", TUN_NAME.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def _run(argv: list[str], stdin: str) -> None:
    done = subprocess.run(argv, input=stdin, text=True, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def _listen(kind: int, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    if kind == socket.SOCK_STREAM:
        sock.listen(128)
    return sock


def main() -> int:
    channel = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    try:
        tun = _tun()
        _run(
            ["ip", "-batch", "-"],
            "\n".join(
                (
                    "link set lo up",
                    f"link set {TUN_NAME} up",
                    f"addr add {config['tun_ipv4']}/32 dev {TUN_NAME}",
                    f"addr add {config['tun_ipv6']}/128 dev {TUN_NAME} nodad",
                    f"route add default dev {TUN_NAME}",
                    f"route add ::/0 dev {TUN_NAME}",
                    "",
                )
            ),
        )
        _run(["nft", "-f", "-"], config["ruleset"])
        socks = [
            _listen(socket.SOCK_STREAM, config["transparent_port"]),
            _listen(socket.SOCK_STREAM, config["proxy_port"]),
            _listen(socket.SOCK_DGRAM, config["dns_port"]),
            _listen(socket.SOCK_STREAM, config["dns_port"]),
        ]
    except (OSError, RuntimeError) as exc:
        channel.sendall(json.dumps({"error": str(exc)}).encode())
        return 1
    socket.send_fds(
        channel, [json.dumps({"ok": True}).encode()], [tun, *(s.fileno() for s in socks)]
    )
    while channel.recv(64):  # until the parent closes its end
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
