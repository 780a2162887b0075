"""The mock model API server: HTTP/1.1 (optionally TLS) on loopback, answering from a scenario."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import ssl
import threading
import time
import zlib
from collections.abc import Callable

import h11
import zstandard

from agentxray.errors import ObserveError
from agentxray.model import ApiExchange
from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.router import answer
from agentxray.observe.mockapi.scenario import Scenario
from agentxray.observe.mockapi.tls import RunAuthority
from agentxray.observe.mockapi.wire import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024
#: Seconds a stopping server waits for its connections to close before it goes anyway.
SHUTDOWN_GRACE_S = 2.0


def _tunnel_record(
    req: HttpRequest, seq: int, started: float, status: int, outcome: str
) -> ApiExchange:
    """The record of a ``CONNECT`` tunnel event (no bodies, no response headers)."""
    return ApiExchange(
        seq=seq,
        started=started,
        duration_ms=0.0,
        method=req.method,
        target=req.target,
        request_headers=req.headers,
        request_body=b"",
        status=status,
        response_headers=(),
        response_body=b"",
        outcome=outcome,
    )


def _decode_body(body: bytes, encoding: str | None) -> bytes:
    """``body`` with its content-encoding undone, at most :data:`MAX_BODY` bytes; else as sent."""
    enc = (encoding or "").strip().lower()
    try:
        if enc in ("gzip", "deflate"):
            out = zlib.decompressobj(47).decompress(body, MAX_BODY + 1)  # 47: gzip or zlib header
        elif enc == "zstd":
            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(body)) as reader:
                out = reader.read(MAX_BODY + 1)
        else:
            return body
    except (zlib.error, zstandard.ZstdError) as exc:
        logger.warning("could not undo content-encoding %s: %s", enc, exc)
        return body
    if len(out) > MAX_BODY:
        logger.warning("%s body expands beyond %d bytes; kept as sent", enc, MAX_BODY)
        return body
    return out


class MockServer:
    """Serves the model APIs from ``scenario`` and records every exchange in ``recorder``."""

    def __init__(
        self,
        scenario: Scenario,
        recorder: Recorder,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        intercept: RunAuthority | None = None,
    ) -> None:
        self.scenario = scenario
        self.intercept = intercept
        self.recorder = recorder
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def base_url(self) -> str:
        """``http(s)://host:port`` once listening."""
        scheme = "https" if self.ssl_context else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    async def start(self) -> None:
        """Listen (in the running loop); afterwards :attr:`port` is the real port."""
        try:
            self._server = await asyncio.start_server(
                self._connection, self.host, self.port, ssl=self.ssl_context
            )
        except OSError as exc:
            raise ObserveError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from exc
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("mock model API listening on %s", self.base_url)

    async def serve_until(
        self, stop: asyncio.Event, on_ready: Callable[[str], None] | None = None
    ) -> None:
        """Listen and serve until *stop* is set; then stop listening and drop open connections."""
        await self.start()
        assert self._server is not None
        if on_ready:
            on_ready(self.base_url)
        try:
            await stop.wait()
        finally:
            self._server.close()
            for writer in tuple(self._writers):
                writer.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), SHUTDOWN_GRACE_S)

    def start_background(self) -> str:
        """Serve from a daemon thread; returns the base URL."""

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                self._error = exc
                self._ready.set()
                return
            self._ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="agentxray-mockapi", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self.base_url

    def stop(self) -> None:
        """Stop a server started with :meth:`start_background`."""
        loop, server = self._loop, self._server
        if loop is None or server is None or loop.is_closed():
            return
        self._loop = None

        async def shutdown() -> None:
            server.close()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(5)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        tls = writer.get_extra_info("sslcontext") is not None
        self._writers.add(writer)
        try:
            while await self._one_exchange(conn, reader, writer, tls):
                conn.start_next_cycle()
        except (h11.RemoteProtocolError, ConnectionError, ssl.SSLError, TimeoutError) as exc:
            logger.debug("connection ended: %s", exc)
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one_exchange(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        tls: bool,
    ) -> bool:
        request: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await reader.read(65536))
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > MAX_BODY:
                    raise h11.RemoteProtocolError("request body too large")
            elif isinstance(event, h11.EndOfMessage):
                break
            else:  # ConnectionClosed or PAUSED
                return False
        assert request is not None
        started = time.time()
        seq = self.recorder.next_seq()
        headers = tuple(
            (k.decode().lower(), v.decode("utf-8", "replace")) for k, v in request.headers
        )
        req = HttpRequest(
            request.method.decode(), request.target.decode("utf-8", "replace"), headers, b""
        )
        req = HttpRequest(
            req.method,
            req.target,
            req.headers,
            _decode_body(bytes(body), req.header("content-encoding")),
        )
        if req.method == "CONNECT" and self.intercept is not None:
            return await self._tunnel(conn, req, reader, writer, seq, started)
        response, ex = self.answer(req, seq, started, tls)
        self.recorder.add(ex)  # before sending: a client never sees an answer not yet recorded
        writer.write(
            conn.send(h11.Response(status_code=response.status, headers=list(response.headers)))
            or b""
        )
        if response.chunks is None:
            writer.write(conn.send(h11.Data(data=response.body)) or b"")
        else:
            for chunk in response.chunks:
                writer.write(conn.send(h11.Data(data=chunk)) or b"")
                await writer.drain()
        writer.write(conn.send(h11.EndOfMessage()) or b"")
        await writer.drain()
        return conn.our_state is h11.DONE and conn.their_state is h11.DONE

    async def _tunnel(
        self,
        conn: h11.Connection,
        req: HttpRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        seq: int,
        started: float,
    ) -> bool:
        """Accept a proxy ``CONNECT``, speak TLS as the host it names, and serve what comes in.

        The agent must trust the run's CA; requests inside are answered (and recorded) like any
        other, with their ``host`` header telling where the agent meant them to go.
        """
        host = req.target.rsplit(":", 1)[0].strip("[]")
        assert self.intercept is not None
        self.recorder.add(
            _tunnel_record(req, seq, started, 200, f"tunnel intercepted: {req.target}")
        )
        context = await asyncio.get_running_loop().run_in_executor(
            None, self.intercept.context_for, host
        )
        pending, closed = conn.trailing_data
        if pending or closed:
            return False
        # Stop reading first: the ClientHello must reach the TLS layer, not the stream buffer.
        transport = writer.transport
        if isinstance(transport, asyncio.ReadTransport):
            transport.pause_reading()
        writer.write(conn.send(h11.Response(status_code=200, headers=[])) or b"")
        await writer.drain()
        try:
            await writer.start_tls(context)
        except (ssl.SSLError, ConnectionError, TimeoutError) as exc:
            # A ClientHello and then a refusal: the agent pins or does not trust our CA.
            self.recorder.add(
                _tunnel_record(
                    req,
                    self.recorder.next_seq(),
                    time.time(),
                    0,
                    f"tunnel: TLS handshake failed ({type(exc).__name__}): "
                    "the agent does not trust the run's CA or pins its certificates",
                )
            )
            return False
        inner = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        while await self._one_exchange(inner, reader, writer, True):
            inner.start_next_cycle()
        return False

    def answer(
        self, req: HttpRequest, seq: int, started: float, tls: bool
    ) -> tuple[HttpResponse, ApiExchange]:
        """The response to ``req`` and its record."""
        return answer(self.scenario, req, seq, started, tls)
