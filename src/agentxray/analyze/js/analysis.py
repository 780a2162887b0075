"""One shared analysis per JavaScript file: signals, flow, decoded data; computed once, cached."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js.conditions import Describer
from agentxray.analyze.js.deobfuscate.decode import decode_all
from agentxray.analyze.js.deobfuscate.isolate import IsolateSession
from agentxray.analyze.js.deobfuscate.recognise import PREFILTER
from agentxray.analyze.js.flow import FlowResult, Tracker
from agentxray.analyze.js.nodes import NameIndex
from agentxray.analyze.js.signals import find_signals
from agentxray.analyze.js.values import Decoded, Resolver
from agentxray.model import Notice

logger = logging.getLogger(__name__)

CONTEXT_KEY = "agentxray.analyze.js.analysis"
EARLY_ISOLATE_BYTES = 1_000_000


@dataclass
class JsAnalysis:
    """What the region, identity, obfuscation and watermark detectors share about one file."""

    unit: SourceUnit
    index: NameIndex
    flow: FlowResult
    decoded: list[Decoded]
    resolver: Resolver
    describer: Describer
    notices: list[Notice] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def analyse(unit: SourceUnit) -> JsAnalysis:
    """The analysis of ``unit``, computed on first use and kept in ``unit.context``."""
    cached = unit.context.get(CONTEXT_KEY)
    if isinstance(cached, JsAnalysis):
        return cached
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    # Big files with decoder-looking code: start the isolate's process now, so its start-up
    # overlaps the parse and the flow tracking (it is ended unused if nothing is decodable).
    session = None
    if len(unit.data) >= EARLY_ISOLATE_BYTES and PREFILTER.search(unit.data):
        session = IsolateSession()
    try:
        index = NameIndex(unit.js_tree, unit.data)
        t1 = time.perf_counter()
        timings["parse"] = t1 - t0
        if session is None and len(unit.data) < EARLY_ISOLATE_BYTES:
            # A smaller file decodes in this thread: a thread started per file cost more wall
            # time than the overlap saved (Claude Code 2.1.332's 3,670 modules: about 3 ms each).
            decoded, notices = decode_all(index, unit.data, unit.entry.vpath, None)
            t2 = time.perf_counter()
            tracker = Tracker(index)
            for node, signal in find_signals(index, unit.data):
                tracker.track(node, signal)
            t3 = time.perf_counter()
            timings["decode-wait"], timings["flow"] = t2 - t1, t3 - t2
        else:
            # The isolate runs in a child process: let it work while the flow is tracked here.
            with ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(decode_all, index, unit.data, unit.entry.vpath, session)
                tracker = Tracker(index)
                for node, signal in find_signals(index, unit.data):
                    tracker.track(node, signal)
                t2 = time.perf_counter()
                timings["flow"] = t2 - t1
                decoded, notices = pending.result()
            t3 = time.perf_counter()
            timings["decode-wait"] = t3 - t2
    finally:
        if session is not None:
            session.close()  # no-op when it already ran
    resolver = Resolver(index, {(d.site.start_byte, d.site.end_byte): d for d in decoded})
    result = JsAnalysis(
        unit, index, tracker.result, decoded, resolver, Describer(index, resolver), notices, timings
    )
    unit.context[CONTEXT_KEY] = result
    logger.debug(
        "%s: js analysis %s", unit.entry.vpath, {k: round(v, 3) for k, v in timings.items()}
    )
    return result
