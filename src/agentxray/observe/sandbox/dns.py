"""The sandbox's resolver: every name gets a fake address that maps back to the name.

Addresses come from 198.18.0.0/15 (reserved for benchmarking, never routed on the internet), one
per name, so a later TCP connection or UDP packet to that address is known by its name. Every
query is an ``Event(kind="dns")``; under a strict policy names outside the allow-list get
NXDOMAIN and an ``Event(kind="violation")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
import threading
from collections.abc import Callable
from typing import cast

from dnslib import QTYPE, RCODE, RR, A, DNSRecord
from dnslib.dns import DNSError

from agentxray.observe.sandbox.eventlog import EventLog
from agentxray.observe.sandbox.policy import Policy

logger = logging.getLogger(__name__)

FAKE_NET = ipaddress.IPv4Network("198.18.0.0/15")
TTL = 60


class FakeIps:
    """Name ↔ fake address, thread-safe; the first name asked gets 198.18.0.1."""

    def __init__(self, network: ipaddress.IPv4Network = FAKE_NET) -> None:
        self._network = network
        self._hosts = network.hosts()
        self._by_name: dict[str, str] = {}
        self._by_ip: dict[str, str] = {}
        self._lock = threading.Lock()

    def address(self, name: str) -> str:
        """The address of ``name`` (lower-cased, trailing dot dropped), made on first use."""
        key = name.lower().rstrip(".")
        with self._lock:
            if key not in self._by_name:
                ip = str(next(self._hosts))
                self._by_name[key], self._by_ip[ip] = ip, key
            return self._by_name[key]

    def name(self, ip: str) -> str | None:
        """The name ``ip`` was given to, if it is one of ours."""
        with self._lock:
            return self._by_ip.get(ip)

    def is_fake(self, ip: str) -> bool:
        """Whether ``ip`` lies in the fake range."""
        try:
            return ipaddress.ip_address(ip) in self._network
        except ValueError:
            return False


class Resolver:
    """Answers DNS queries (UDP and TCP) from the fake-IP map and records them."""

    def __init__(
        self,
        ips: FakeIps,
        log: EventLog,
        policy: Policy,
        on_egress: Callable[[bytes, str, str | None], None] | None = None,
    ) -> None:
        self.ips, self.log, self.policy = ips, log, policy
        self.on_egress = on_egress

    def answer(self, data: bytes, transport: str) -> bytes | None:
        """The reply to one DNS message ``data``; ``None`` when it is not one."""
        try:
            query = DNSRecord.parse(data)
        except (DNSError, ValueError, IndexError, struct.error) as exc:
            self.log.add(
                "dns",
                port=53,
                blocked=True,
                detail=f"malformed DNS message over {transport} ({len(data)} bytes): {exc}",
            )
            return None
        reply = query.reply()
        for question in query.questions:
            name = str(question.qname).rstrip(".")
            qtype = QTYPE.get(question.qtype, str(question.qtype))
            if self.on_egress is not None:
                self.on_egress(name.encode(), f"dns name {name}", name)
            if not self.policy.allows(name):
                reply.header.rcode = RCODE.NXDOMAIN
                self.log.add(
                    "dns",
                    host=name,
                    port=53,
                    blocked=True,
                    detail=f"{qtype} query over {transport}: NXDOMAIN (policy)",
                )
                self.log.add(
                    "violation",
                    host=name,
                    port=53,
                    blocked=True,
                    detail=f"name lookup outside the {self.policy.name} allow-list",
                )
                continue
            if question.qtype in (QTYPE.A, QTYPE.ANY):
                ip = self.ips.address(name)
                reply.add_answer(RR(question.qname, QTYPE.A, rdata=A(ip), ttl=TTL))
                detail = f"{qtype} query over {transport}: answered {ip}"
            else:  # AAAA, TXT, MX…: no data, so clients fall back to IPv4 and nothing leaks
                detail = f"{qtype} query over {transport}: answered with no records"
            self.log.add("dns", host=name, port=53, detail=detail)
        packed: bytes = reply.pack()
        return packed


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        out = self.resolver.answer(data, "udp")
        if out is not None and self.transport is not None:
            self.transport.sendto(out[:512] if len(out) > 512 else out, addr)


async def serve(resolver: Resolver, udp: socket.socket, tcp: socket.socket) -> list[object]:
    """Serve on the two sockets (already bound inside the namespace); returns the servers."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _Udp(resolver), sock=udp)

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = struct.unpack("!H", await reader.readexactly(2))[0]
                out = resolver.answer(await reader.readexactly(size), "tcp")
                if out is None:
                    break
                writer.write(struct.pack("!H", len(out)) + out)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(ConnectionError):
                writer.close()

    server = await asyncio.start_server(one, sock=tcp)
    return [transport, server]
