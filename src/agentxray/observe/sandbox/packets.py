"""The TUN sink: every packet that is neither TCP nor DNS over IPv4 ends here: logged,
refused (a TCP reset or an ICMP "administratively prohibited", so senders fail at once), never
sent anywhere.

One event per flow (protocol, destination, port): the first packet's first bytes are kept, later
packets of the same flow only counted, so a retrying client does not flood the record.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Callable
from dataclasses import dataclass

from agentxray.observe.sandbox.dns import FakeIps
from agentxray.observe.sandbox.eventlog import EventLog
from agentxray.observe.sandbox.policy import Policy

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


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ipv4(src: bytes, dst: bytes, proto: int, payload: bytes) -> bytes:
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, src, dst)
    return head[:10] + struct.pack("!H", checksum(head)) + head[12:] + payload


def _ipv6(src: bytes, dst: bytes, proto: int, payload: bytes) -> bytes:
    head = struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 64, src, dst)
    pseudo = src + dst + struct.pack("!IxxxB", len(payload), proto)
    csum_at = {58: 2, 6: 16}[proto]
    csum = checksum(pseudo + payload)
    return head + payload[:csum_at] + struct.pack("!H", csum) + payload[csum_at + 2 :]


def refusal(data: bytes) -> bytes | None:
    """What a router would answer a packet it may not forward, so the sender fails at once
    instead of waiting for a timeout: a TCP reset to an IPv6 SYN, ICMP "administratively
    prohibited" to anything else. Nothing is answered to ICMP messages themselves."""
    if not data:
        return None
    version = data[0] >> 4
    if version == 4 and len(data) >= 20:
        ihl = (data[0] & 0x0F) * 4
        if data[9] == 1:
            return None
        quoted = data[: ihl + 8]
        icmp = struct.pack("!BBHI", 3, 13, 0, 0) + quoted
        icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
        return _ipv4(data[16:20], data[12:16], 1, icmp)
    if version == 6 and len(data) >= 40:
        proto, src, dst = data[6], data[8:24], data[24:40]
        if proto == 58:
            return None
        rest = data[40:]
        if proto == 6 and len(rest) >= 20:
            sport, dport, seq = struct.unpack("!HHI", rest[:8])
            if not rest[13] & 0x02:  # only a SYN is answered; the reset ends the attempt
                return None
            tcp = struct.pack("!HHIIBBHHH", dport, sport, 0, (seq + 1) & 0xFFFFFFFF,
                              5 << 4, 0x14, 0, 0, 0)  # fmt: skip
            return _ipv6(dst, src, 6, tcp)
        icmp = struct.pack("!BBHI", 1, 1, 0, 0) + data[: 1280 - 48]
        return _ipv6(dst, src, 58, icmp)
    return None


def _kernel_chatter(packet: Packet) -> bool:
    """Router solicitations and multicast listener reports the kernel itself sends on link-up."""
    return packet.protocol == "icmpv6" and (
        packet.dst.startswith("ff02:") or packet.src.startswith("fe80:")
    )


class PacketSink:
    """Reads the TUN device and records each new flow as ``Event(kind="connect", blocked=True)``."""

    def __init__(
        self,
        log: EventLog,
        ips: FakeIps,
        policy: Policy | None = None,
        on_egress: Callable[[bytes, str, str | None], None] | None = None,
    ) -> None:
        self.log, self.ips = log, ips
        self.policy = policy or Policy()
        self.on_egress = on_egress
        self.flows: dict[tuple[str, str, int | None], int] = {}

    def handle(self, data: bytes) -> bytes | None:
        """Record one packet read from the device; returns the refusal to write back, if any."""
        packet = parse(data)
        if packet is None or _kernel_chatter(packet):
            return None
        key = (packet.protocol, packet.dst, packet.port)
        self.flows[key] = self.flows.get(key, 0) + 1
        if self.flows[key] == 1:
            self._record(packet)
        if self.on_egress is not None and packet.payload:  # every packet: secrets may be split
            host = self.ips.name(packet.dst) or packet.dst
            self.on_egress(packet.payload, f"{packet.protocol} packet to {host}", host)
        return refusal(data)

    def _record(self, packet: Packet) -> None:
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
        if not self.policy.allows(host):
            self.log.add(
                "violation",
                host=host,
                port=packet.port,
                blocked=True,
                detail=f"{what} outside the {self.policy.name} allow-list",
            )
