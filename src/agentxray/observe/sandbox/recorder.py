"""The recorder: every TCP connection out of the sandbox ends here, and is answered here.

Connections arrive two ways: redirected by nftables to the transparent port (the original
destination comes from ``SO_ORIGINAL_DST`` and the fake-IP map gives its name), or through the
regular proxy port (``CONNECT host:port`` or absolute-URL requests). Then the first bytes decide:

- a TLS ClientHello: we answer as the host it names (SNI, else the destination's name) with a
  certificate from the run's CA; a handshake the client abandons is ``tls-refused`` (pinning or
  no trust in our CA);
- HTTP/1.x (in TLS or not): each request is recorded as ``Event(kind="http")`` with its bodies
  kept as an :class:`~agentxray.model.ApiExchange` in the mock's recorder. The model host is
  answered by the mock model API (:func:`agentxray.observe.mockapi.router.answer`) under its
  real name; any other host gets a recorded 503 under ``audit`` and is a violation under
  ``strict``;
- anything else: ``Event(kind="connect")`` with destination, port and first bytes.

Nothing is ever forwarded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import ssl
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import h11

from agentxray.model import ApiExchange
from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.router import answer
from agentxray.observe.mockapi.scenario import Scenario
from agentxray.observe.mockapi.server import MAX_BODY
from agentxray.observe.mockapi.server import _decode_body as decode_body
from agentxray.observe.mockapi.tls import RunAuthority
from agentxray.observe.mockapi.wire import HttpRequest, HttpResponse
from agentxray.observe.sandbox.dns import FakeIps
from agentxray.observe.sandbox.eventlog import EventLog
from agentxray.observe.sandbox.packets import preview
from agentxray.observe.sandbox.policy import Policy

logger = logging.getLogger(__name__)

SO_ORIGINAL_DST = 80
FIRST_BYTES_TIMEOUT = 5.0
"""Seconds a connection may stay silent before it is recorded as such and closed."""
_HTTP_START = re.compile(rb"^[A-Z]{3,12} [^ \r\n]+ HTTP/1\.[01]\r?\n")

#: Called with data leaving the sandbox, a description of it and its destination host.
EgressHook = Callable[[bytes, str, "str | None"], None]


def original_destination(sock: socket.socket) -> tuple[str, int]:
    """Where a redirected connection was going (IPv4)."""
    raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    port = struct.unpack("!H", raw[2:4])[0]
    return socket.inet_ntoa(raw[4:8]), port


class _Conn:
    """A byte stream that may turn into TLS after some bytes were already read (memory BIOs)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.pending = b""
        self.tls: ssl.SSLObject | None = None
        self.certificate_sent = False
        """Whether our side of the handshake (with the certificate) went out."""
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()

    async def raw_read(self) -> bytes:
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        return await self.reader.read(65536)

    async def _flush(self, alert: bool = False) -> None:
        data = self._out.read()
        if data:
            self.certificate_sent = self.certificate_sent or not alert
            self.writer.write(data)
            await self.writer.drain()

    async def start_tls(self, context: ssl.SSLContext) -> None:
        self.tls = context.wrap_bio(self._in, self._out, server_side=True)
        while True:
            try:
                self.tls.do_handshake()
            except ssl.SSLWantReadError:
                await self._flush()
                data = await self.raw_read()
                if not data:
                    raise ConnectionResetError("closed during the TLS handshake") from None
                self._in.write(data)
                continue
            except ssl.SSLError:
                with contextlib.suppress(ConnectionError):
                    await self._flush(alert=True)
                raise
            await self._flush()
            return

    async def read(self) -> bytes:
        if self.tls is None:
            return await self.raw_read()
        while True:
            try:
                return self.tls.read(65536)
            except ssl.SSLWantReadError:
                data = await self.raw_read()
                if not data:
                    return b""
                self._in.write(data)
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""

    async def write(self, data: bytes) -> None:
        if not data:
            return
        if self.tls is None:
            self.writer.write(data)
            await self.writer.drain()
        else:
            self.tls.write(data)
            await self._flush()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class NetRecorder:
    """Serves the transparent and proxy sockets; records into ``log`` and ``exchanges``."""

    def __init__(
        self,
        *,
        log: EventLog,
        ips: FakeIps,
        policy: Policy,
        scenario: Scenario,
        exchanges: Recorder,
        authority: RunAuthority,
        on_egress: EgressHook | None = None,
    ) -> None:
        self.log, self.ips, self.policy = log, ips, policy
        self.scenario, self.exchanges, self.authority = scenario, exchanges, authority
        self.on_egress = on_egress
        self._sni: dict[int, str] = {}
        self.payloads: dict[int, bytes] = {}
        """Request bodies by the ``seq`` of their ``http`` event."""
        self._tasks: set[asyncio.Task[None]] = set()

    async def serve(self, transparent: socket.socket, proxy: socket.socket) -> list[object]:
        """Start serving both listening sockets; returns the servers."""
        return [
            await asyncio.start_server(self._transparent, sock=transparent),
            await asyncio.start_server(self._proxy, sock=proxy),
        ]

    # -- helpers --------------------------------------------------------------------------

    def _egress(self, data: bytes, where: str, host: str | None) -> None:
        if self.on_egress is not None and data:
            try:
                self.on_egress(data, where, host)
            except Exception:  # an inspector's bug must not cut the agent's connection
                logger.exception("egress inspection failed for %s", where)

    def _context(self, host: str) -> ssl.SSLContext:
        context = self.authority.context_for(host)
        context.sni_callback = self._on_sni
        return context

    def _on_sni(self, sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        if name:
            self._sni[id(sslobj)] = name
            sslobj.context = self._context(name)

    def _name(self, ip: str) -> str:
        return self.ips.name(ip) or ip

    def _violation(self, host: str, port: int | None, detail: str) -> None:
        self.log.add("violation", host=host, port=port, blocked=True, detail=detail)

    # -- entry points ---------------------------------------------------------------------

    async def _transparent(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        conn = _Conn(reader, writer)
        try:
            sock = writer.get_extra_info("socket")
            ip, port = original_destination(sock)
            here = sock.getsockname()
            if (ip, port) == (here[0], here[1]):
                host, port = "127.0.0.1", port  # the client named the port itself
            else:
                host = self._name(ip)
            await self._stream(conn, host, port, via=f"tcp to {ip}:{port}")
        except (ConnectionError, OSError, TimeoutError, h11.ProtocolError) as exc:
            logger.debug("connection ended: %s", exc)
        finally:
            conn.close()

    async def _proxy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Conn(reader, writer)
        try:
            first = b""
            while b"\r\n\r\n" not in first and len(first) < 65536:  # the whole request head
                more = await asyncio.wait_for(conn.raw_read(), FIRST_BYTES_TIMEOUT)
                if not more:
                    break
                first += more
            m = re.match(rb"^CONNECT ([^ \r\n]+) HTTP/1\.[01]\r?\n", first)
            if m is None:
                await self._http(conn, first, None, 0, tls=False, via="proxy request")
                return
            head, _sep, rest = first.partition(b"\r\n\r\n")
            target = m.group(1).decode("latin-1")
            host, _colon, port_text = target.rpartition(":")
            host = host.strip("[]") or target
            port = int(port_text) if port_text.isdigit() else 443
            self._egress(head, f"proxy CONNECT {target}", host)
            if not self.policy.allows(host):
                self._violation(host, port, f"proxy CONNECT to {target} refused (policy)")
                await conn.write(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                return
            await conn.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            conn.pending = rest
            await self._stream(conn, host, port, via=f"proxy CONNECT {target}")
        except (ConnectionError, OSError, TimeoutError, h11.ProtocolError) as exc:
            logger.debug("proxy connection ended: %s", exc)
        finally:
            conn.close()

    # -- what the bytes are ----------------------------------------------------------------

    async def _stream(self, conn: _Conn, host: str, port: int, via: str) -> None:
        if not self.policy.allows(host):
            self._violation(host, port, f"{via} ({host}) refused (policy)")
            return
        try:
            first = await asyncio.wait_for(conn.raw_read(), FIRST_BYTES_TIMEOUT)
        except TimeoutError:
            self.log.add(
                "connect",
                host=host,
                port=port,
                bytes_sent=0,
                blocked=True,
                detail=f"{via}: nothing sent in {FIRST_BYTES_TIMEOUT:.0f} s; closed",
            )
            return
        if not first:
            self.log.add(
                "connect",
                host=host,
                port=port,
                bytes_sent=0,
                blocked=True,
                detail=f"{via}: closed without sending anything",
            )
            return
        if first[0] == 0x16:
            await self._tls(conn, first, host, port, via)
        elif _HTTP_START.match(first):
            await self._http(conn, first, host, port, tls=False, via=via)
        else:
            self._raw(conn, first, host, port, via)

    def _raw(self, conn: _Conn, first: bytes, host: str, port: int, via: str) -> None:
        self._egress(first, f"raw tcp to {host}:{port}", host)
        self.log.add(
            "connect",
            host=host,
            port=port,
            bytes_sent=len(first),
            blocked=True,
            detail=f"{via}: not HTTP; first bytes {preview(first)}; closed",
        )

    async def _tls(self, conn: _Conn, first: bytes, host: str, port: int, via: str) -> None:
        conn.pending = first
        try:
            await conn.start_tls(self._context(host))
        except (ssl.SSLError, ConnectionError) as exc:
            name = self._sni.pop(id(conn.tls), host)
            reason = getattr(exc, "reason", None) or type(exc).__name__
            if not conn.certificate_sent:  # no valid ClientHello: not a refusal, hostile bytes
                self._raw(conn, first, name, port, f"{via}: malformed TLS ({reason})")
                return
            self.log.add(
                "tls-refused",
                host=name,
                port=port,
                bytes_sent=len(first),
                detail=f"{via}: TLS handshake abandoned after our certificate "
                f"({reason}): the client "
                "does not trust the run's CA or pins its certificates",
            )
            return
        name = self._sni.pop(id(conn.tls), host)
        data = await conn.read()
        if not data:
            self.log.add(
                "tls-refused",
                host=name,
                port=port,
                bytes_sent=len(first),
                detail=f"{via}: TLS established, then closed without a request "
                "(certificate rejected after the handshake?)",
            )
        elif _HTTP_START.match(data):
            await self._http(conn, data, name, port, tls=True, via=via)
        else:
            self._raw(conn, data, name, port, f"{via}, inside TLS")

    async def _http(
        self, conn: _Conn, first: bytes, host: str | None, port: int, *, tls: bool, via: str
    ) -> None:
        h = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        h.receive_data(first)
        try:
            await self._requests(conn, h, host, port, tls=tls, via=via)
        except h11.RemoteProtocolError as exc:
            # Hostile or broken HTTP: on the record, with what was sent, and the connection closed.
            self._egress(first, f"malformed http to {host}:{port}", host)
            self.log.add(
                "connect",
                host=host,
                port=port or None,
                bytes_sent=len(first),
                blocked=True,
                detail=f"{via}: malformed HTTP ({exc}); first bytes {preview(first)}; closed",
            )
            with contextlib.suppress(ConnectionError, h11.LocalProtocolError):
                await conn.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")

    async def _requests(
        self, conn: _Conn, h: h11.Connection, host: str | None, port: int, *, tls: bool, via: str
    ) -> None:
        while True:
            request: h11.Request | None = None
            body = bytearray()
            while True:
                event = h.next_event()
                if event is h11.NEED_DATA:
                    h.receive_data(await conn.read())
                    continue
                if isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += event.data
                    if len(body) > MAX_BODY:
                        raise h11.RemoteProtocolError("request body too large")
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    return
            assert request is not None
            response = self._answer(request, bytes(body), host, port, tls, via)
            out = h.send(h11.Response(status_code=response.status, headers=list(response.headers)))
            await conn.write(out or b"")
            for chunk in response.chunks if response.chunks is not None else [response.body]:
                await conn.write(h.send(h11.Data(data=chunk)) or b"")
            await conn.write(h.send(h11.EndOfMessage()) or b"")
            if h.our_state is not h11.DONE or h.their_state is not h11.DONE:
                return
            h.start_next_cycle()

    def _answer(
        self,
        request: h11.Request,
        raw_body: bytes,
        host: str | None,
        port: int,
        tls: bool,
        via: str,
    ) -> HttpResponse:
        started = time.time()
        headers = tuple(
            (k.decode().lower(), v.decode("utf-8", "replace")) for k, v in request.headers
        )
        target = request.target.decode("utf-8", "replace")
        method = request.method.decode()
        if "://" in target[:12]:  # absolute form, through the proxy port
            parts = urlsplit(target)
            host = parts.hostname or host
            port = parts.port or (443 if parts.scheme == "https" else 80)
            target = parts.path + (f"?{parts.query}" if parts.query else "") or "/"
        header_host = dict(headers).get("host", "")
        if host is None:
            host = header_host.rsplit(":", 1)[0] or "unknown"
        body = decode_body(raw_body, dict(headers).get("content-encoding"))
        scheme = "https" if tls else "http"
        default = 443 if tls else 80
        url = f"{scheme}://{host}{'' if port in (default, 0) else f':{port}'}{target}"
        head = f"{method} {target}\r\n".encode() + b"".join(
            f"{k}: {v}\r\n".encode() for k, v in headers
        )
        self._egress(head + b"\r\n" + body, f"http request {method} {url}", host)
        req = HttpRequest(method, target, headers, body)
        seq = self.exchanges.next_seq()
        blocked: bool | None = None
        if self.policy.is_model(host):
            response, ex = answer(self.scenario, req, seq, started, tls)
            outcome = f"model API answered by the mock: {ex.outcome}"
        else:
            if self.policy.allows(host):
                status, text = 503, "agentxray: nothing leaves this sandbox; request recorded\n"
                outcome = "answered by the recorder (audit: nothing leaves)"
            else:
                status, text = 403, "agentxray: this host is outside the run's policy\n"
                outcome = "blocked (policy)"
                blocked = True
                self._violation(host, port, f"{method} {url} blocked (policy)")
            response = HttpResponse(
                status,
                (("content-type", "text/plain"), ("content-length", str(len(text)))),
                text.encode(),
            )
            ex = ApiExchange(
                seq=seq, started=started, duration_ms=(time.time() - started) * 1000,
                method=method, target=target, request_headers=headers, request_body=body,
                status=status, response_headers=response.headers,
                response_body=response.body, outcome=outcome, tls=tls,
            )  # fmt: skip
        self.exchanges.add(ex)
        event = self.log.add(
            "http",
            host=host,
            port=port or None,
            method=method,
            url=url,
            status=response.status,
            bytes_sent=len(body),
            bytes_received=len(response.full_body()),
            blocked=blocked,
            detail=f"{via}; {outcome}; exchange {seq}",
        )
        if body:
            self.payloads[event.seq] = body
        return response
