"""The TUN sink: every packet that is neither TCP nor DNS over IPv4 ends here, logged, dropped.

One event per flow (protocol, destination, port): the first packet's first bytes are kept, later
packets of the same flow only counted, so a retrying client does not flood the record.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

from agentxray.observe.sandbox.dns import FakeIps
from agentxray.observe.sandbox.eventlog import EventLog

PROTOCOLS = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6", 132: "sctp", 136: "udplite"}
_IPV6_EXTENSIONS = {0, 43, 60}  # hop-by-hop, routing, destination options


@dataclass(frozen=True, slots=True)
class Packet:
    """What the sink understood of one IP packet."""

    version: int
    protocol: str
    src: str
    dst: str
    port: int | None
    payload: bytes


def parse(data: bytes) -> Packet | None:
    """Parse an IPv4 or IPv6 packet (no link header); ``None`` if it is not one."""
    if not data:
        return None
    version = data[0] >> 4
    if version == 4 and len(data) >= 20:
        ihl = (data[0] & 0x0F) * 4
        proto = data[9]
        src, dst = str(ipaddress.IPv4Address(data[12:16])), str(ipaddress.IPv4Address(data[16:20]))
        rest = data[ihl:]
    elif version == 6 and len(data) >= 40:
        proto = data[6]
        src, dst = str(ipaddress.IPv6Address(data[8:24])), str(ipaddress.IPv6Address(data[24:40]))
        rest = data[40:]
        while proto in _IPV6_EXTENSIONS and len(rest) >= 8:
            proto, rest = rest[0], rest[(rest[1] + 1) * 8 :]
    else:
        return None
    name = PROTOCOLS.get(proto, f"ip-proto-{proto}")
    port: int | None = None
    payload = rest
    if proto in (6, 17, 132, 136) and len(rest) >= 4:
        port = struct.unpack("!H", rest[2:4])[0]
        if proto == 17 and len(rest) >= 8:
            payload = rest[8:]
        elif proto == 6 and len(rest) >= 20:
            payload = rest[(rest[12] >> 4) * 4 :]
    return Packet(version, name, src, dst, port, payload)


def preview(data: bytes, limit: int = 48) -> str:
    """The first bytes of ``data`` for a person: text where printable, else hex."""
    head = data[:limit]
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        text = head.decode("ascii").encode("unicode_escape").decode("ascii")
        return repr(text) + ("…" if len(data) > limit else "")
    return head.hex() + ("…" if len(data) > limit else "")


def _kernel_chatter(packet: Packet) -> bool:
    """Router solicitations and multicast listener reports the kernel itself sends on link-up."""
    return packet.protocol == "icmpv6" and (
        packet.dst.startswith("ff02:") or packet.src.startswith("fe80:")
    )


class PacketSink:
    """Reads the TUN device and records each new flow as ``Event(kind="connect", blocked=True)``."""

    def __init__(self, log: EventLog, ips: FakeIps) -> None:
        self.log, self.ips = log, ips
        self.flows: dict[tuple[str, str, int | None], int] = {}

    def handle(self, data: bytes) -> None:
        """Record one packet read from the device."""
        packet = parse(data)
        if packet is None or _kernel_chatter(packet):
            return
        key = (packet.protocol, packet.dst, packet.port)
        self.flows[key] = self.flows.get(key, 0) + 1
        if self.flows[key] > 1:
            return
        host = self.ips.name(packet.dst) or packet.dst
        what = f"{packet.protocol} over IPv{packet.version}"
        if packet.protocol == "tcp":
            detail = f"{what} to {packet.dst}: dropped (no route out)"
        else:
            first = f"; first bytes {preview(packet.payload)}" if packet.payload else ""
            detail = f"{what} to {packet.dst}: dropped (no route out){first}"
        self.log.add(
            "connect",
            host=host,
            port=packet.port,
            bytes_sent=len(packet.payload),
            blocked=True,
            detail=detail,
        )
