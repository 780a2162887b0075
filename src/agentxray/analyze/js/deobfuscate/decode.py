"""Run every recognised decoder in the isolate and collect what it hides."""

from __future__ import annotations

import json
import logging

from agentxray.analyze.js.deobfuscate.isolate import IsolateSession, evaluate
from agentxray.analyze.js.deobfuscate.obfuscator import string_array_jobs
from agentxray.analyze.js.deobfuscate.recognise import Job, decoder_jobs
from agentxray.analyze.js.nodes import NameIndex
from agentxray.analyze.js.values import Decoded
from agentxray.model import Notice

logger = logging.getLogger(__name__)

MAX_JOBS = 200


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v if isinstance(v, str) else json.dumps(v) for v in value)
    return (json.dumps(value),)


def meaningful(values: tuple[str, ...]) -> bool:
    """Decoded text worth reporting: some printable word-like content, not control sequences."""
    joined = "".join(values)
    letters = sum(ch.isalnum() for ch in joined)
    printable = sum(ch.isprintable() for ch in joined)
    return letters >= 4 and printable >= 0.9 * len(joined)


def decode_all(
    index: NameIndex, data: bytes, vpath: str, session: IsolateSession | None = None
) -> tuple[list[Decoded], list[Notice]]:
    """Decoded data of one file, and notices for decoders that could not be run."""
    jobs: list[Job] = decoder_jobs(index, data) + string_array_jobs(index, data)
    if len(jobs) > MAX_JOBS:
        logger.info("%s: %d decoder calls, evaluating the first %d", vpath, len(jobs), MAX_JOBS)
        jobs = jobs[:MAX_JOBS]
    outcomes = evaluate([(str(i), job.code) for i, job in enumerate(jobs)], session=session)
    decoded: list[Decoded] = []
    notices: list[Notice] = []
    for i, job in enumerate(jobs):
        outcome = outcomes[str(i)]
        line = job.site.start_point[0] + 1
        if outcome.error is not None:
            notices.append(
                Notice(
                    code="decoder-failed",
                    message=f"line {line}: could not evaluate a {job.method} decoder: {outcome.error}",
                    path=vpath,
                    level="info",
                )
            )
            continue
        values = _strings(outcome.value)
        if values and meaningful(values):
            decoded.append(Decoded(job.site, job.method, values, job.decoder))
    return decoded, notices
