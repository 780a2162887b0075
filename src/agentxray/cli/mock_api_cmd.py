"""``agentxray mock-api``: serve the scripted mock model APIs until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError
from agentxray.model import ApiExchange
from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.scenario import builtin_names, load_scenario
from agentxray.observe.mockapi.server import MockServer
from agentxray.observe.mockapi.tls import make_tls
from agentxray.store.sqlite import Store

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the ``mock-api`` parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "mock-api",
        help="serve scripted mock model APIs (Anthropic, OpenAI, Gemini) and record requests",
        description="Serve the Anthropic, OpenAI (chat, responses) and Gemini APIs from a "
        "scenario; the first stdout line is the base URL.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    p.add_argument(
        "--scenario",
        default="hello",
        help=f"built-in scenario ({', '.join(builtin_names())}) or a YAML file (default hello)",
    )
    p.add_argument("--record", type=Path, help="append every exchange to this JSON-lines file")
    p.add_argument("--store", type=Path, help="also keep every exchange in this SQLite database")
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a CA made for this run")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number")
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        logger.warning("listening on %s, not loopback: others can reach the mock", args.host)
    scenario = load_scenario(args.scenario)
    ssl_context = None
    folder: Path | None = None
    if args.tls:
        folder = Path(tempfile.mkdtemp(prefix="agentxray-tls-"))
        material = make_tls(folder, (args.host,))
        ssl_context = material.server_context()
        print(f"# CA certificate: {material.ca_file}", file=sys.stderr, flush=True)
    sinks: tuple[Callable[[ApiExchange], None], ...] = ()
    store = None
    if args.store is not None:
        store = Store(args.store)
        run_id = store.new_run(target="mock-api", scenario=scenario.name)
        sinks = (functools.partial(store.add_exchange, run_id),)
    recorder = Recorder(args.record, sinks)
    server = MockServer(scenario, recorder, host=args.host, port=args.port, ssl_context=ssl_context)

    def ready(url: str) -> None:
        print(url, flush=True)
        if args.tls:
            print(f"ca_file={material.ca_file}", flush=True)

    async def serve() -> None:
        # Stop on SIGTERM or Ctrl-C through the loop, not by raising from a signal handler: an
        # exception raised in the middle of the loop's own bookkeeping can leave it unable to close.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await server.serve_until(stop, ready)

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    finally:
        recorder.close()
        if store is not None:
            store.close()
        if folder is not None:  # the CA dies with the server
            shutil.rmtree(folder, ignore_errors=True)
        print(f"agentxray: {len(recorder.exchanges)} exchanges recorded", file=sys.stderr)
    return 0
