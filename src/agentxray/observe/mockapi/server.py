"""The mock model API server: HTTP/1.1 (optionally TLS) on loopback, answering from a scenario."""

from __future__ import annotations

import asyncio
import gzip
import logging
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

import h11
import zstandard

from agentxray.errors import ObserveError
from agentxray.model import ApiExchange
from agentxray.observe.mockapi.anthropic import AnthropicDialect
from agentxray.observe.mockapi.dialect import Dialect, new_id
from agentxray.observe.mockapi.gemini import GeminiDialect
from agentxray.observe.mockapi.openai_chat import OpenAIChatDialect
from agentxray.observe.mockapi.openai_responses import OpenAIResponsesDialect
from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.scenario import Scenario, decide
from agentxray.observe.mockapi.tls import RunAuthority
from agentxray.observe.mockapi.wire import HttpRequest, HttpResponse, json_response

logger = logging.getLogger(__name__)

#: Every dialect the server speaks, tried in order.
DIALECTS: tuple[Dialect, ...] = (
    AnthropicDialect(),
    OpenAIResponsesDialect(),
    OpenAIChatDialect(),
    GeminiDialect(),
)

MAX_BODY = 64 * 1024 * 1024


def _decode_body(body: bytes, encoding: str | None) -> bytes:
    enc = (encoding or "").strip().lower()
    try:
        if enc == "gzip":
            return gzip.decompress(body)
        if enc == "deflate":
            return zlib.decompress(body)
        if enc == "zstd":
            return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    except (OSError, zlib.error, zstandard.ZstdError, EOFError) as exc:
        logger.warning("could not undo content-encoding %s: %s", enc, exc)
    return body


def _proxy_target(req: HttpRequest) -> str | None:
    """The outside host of a proxy request (``CONNECT host:port`` or an absolute URL), if any."""
    if req.method == "CONNECT":
        return req.target
    if "://" in req.target[:12]:
        return urlsplit(req.target).netloc or req.target
    return None


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

    async def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Listen and serve until cancelled."""
        await self.start()
        assert self._server is not None
        if on_ready:
            on_ready(self.base_url)
        async with self._server:
            await self._server.serve_forever()

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
        try:
            while await self._one_exchange(conn, reader, writer, tls):
                conn.start_next_cycle()
        except (h11.RemoteProtocolError, ConnectionError, ssl.SSLError, TimeoutError) as exc:
            logger.debug("connection ended: %s", exc)
        finally:
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
            ApiExchange(
                seq=seq,
                started=started,
                duration_ms=0.0,
                method=req.method,
                target=req.target,
                request_headers=req.headers,
                request_body=b"",
                status=200,
                response_headers=(),
                response_body=b"",
                outcome=f"tunnel intercepted: {req.target}",
            )
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
                ApiExchange(
                    seq=self.recorder.next_seq(),
                    started=time.time(),
                    duration_ms=0.0,
                    method=req.method,
                    target=req.target,
                    request_headers=req.headers,
                    request_body=b"",
                    status=0,
                    response_headers=(),
                    response_body=b"",
                    outcome=f"tunnel: TLS handshake failed ({type(exc).__name__}): "
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
        dialect_name: str | None = None
        turn: int | None = None
        system: tuple[str, ...] = ()
        first_user: tuple[str, ...] = ()
        response: HttpResponse | None = None
        outcome = "endpoint"
        outside = _proxy_target(req)
        if outside is not None:
            outcome = f"proxy refused: {outside}"
            response = HttpResponse(
                403,
                (("content-type", "text/plain"), ("connection", "close")),
                b"agentxray: connections leaving the machine are refused\n",
            )
        elif req.method == "GET" and (req.header("upgrade") or "").lower() == "websocket":
            outcome = "websocket refused"
            response = json_response(
                426,
                {
                    "error": {
                        "message": "Upgrade Required: use HTTP",
                        "type": "invalid_request_error",
                    }
                },
            )
        for dialect in DIALECTS if response is None else ():
            if dialect.owns(req):
                call = dialect.parse(req)
                decision = decide(self.scenario, call, f"call_axr{seq}_")
                response = dialect.render(decision.reply, call)
                dialect_name, turn, outcome = dialect.name, decision.turn, decision.reason
                system, first_user = call.system, call.first_user
                break
            side = dialect.side(req)
            if side is not None:
                response, dialect_name = side, dialect.name
                break
        if response is None:
            outcome = "unknown endpoint"
            response = json_response(
                404, {"error": {"message": f"Not found: {req.path}", "type": "not_found_error"}}
            )
        response = HttpResponse(
            response.status,
            (*response.headers, ("x-agentxray-mock", new_id("", 8))),
            response.body,
            response.chunks,
        )
        logger.info("%s %s -> %s (%s)", req.method, req.target, response.status, outcome)
        ex = ApiExchange(
            seq=seq,
            started=started,
            duration_ms=(time.time() - started) * 1000,
            method=req.method,
            target=req.target,
            request_headers=req.headers,
            request_body=req.body,
            status=response.status,
            response_headers=response.headers,
            response_body=response.full_body(),
            dialect=dialect_name,
            outcome=outcome,
            turn=turn,
            system=system,
            first_user=first_user,
            tls=tls,
        )
        return response, ex
