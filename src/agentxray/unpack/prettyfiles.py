"""``--pretty``: a formatted ``NAME.pretty.js`` beside each recovered JavaScript file.

The original stays (offsets in the manifest refer to it). Files are formatted in a pool of
worker processes, one per CPU, since a code-split bundle has thousands of them; the parent
alone writes, through the safe writer.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from agentxray.unpack.dispatch import Dispatcher
from agentxray.unpack.writer import SafeWriter

logger = logging.getLogger(__name__)

POOL_MIN_BYTES = 4 << 20
"""Below this much JavaScript, formatting in this process is quicker than starting workers."""


def _format_file(path: str) -> bytes | str | None:
    """The formatted text of ``path``; ``None`` when unchanged; an error message on failure."""
    from agentxray.unpack.pretty import prettify  # imported only when asked for

    try:
        with open(path, "rb") as handle:
            data = handle.read()
        pretty = prettify(data)
    except Exception as exc:  # the printer is best effort; the original stays
        logger.debug("prettify failed on %s", path, exc_info=True)
        return f"{type(exc).__name__}: {exc}"
    return None if pretty == data else pretty


def _results(paths: list[str], total: int) -> Iterator[bytes | str | None]:
    workers = min(os.cpu_count() or 1, len(paths))
    if workers < 2 or total < POOL_MIN_BYTES:
        yield from map(_format_file, paths)
        return
    # Not "fork": the calling process may run other threads (a server, a pool) whose locks a
    # forked child would inherit held.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(_format_file, paths, chunksize=16)


def prettify_files(disp: Dispatcher, writer: SafeWriter) -> dict[str, str]:
    """Write the formatted copies; returns relpath → relpath of its ``.pretty`` sibling."""
    jobs = [(e.relpath, e.vpath) for e in disp.files if e.kind == "javascript" and e.relpath]
    if not jobs:
        return {}
    paths = [str(writer.root / relpath) for relpath, _ in jobs]
    total = sum(e.size for e in disp.files if e.kind == "javascript" and e.relpath)
    done: dict[str, str] = {}
    for (relpath, vpath), result in zip(jobs, _results(paths, total), strict=True):
        if isinstance(result, str):
            disp.notice("pretty-failed", result, path=vpath)
        elif result is not None:
            sibling = disp.sibling(relpath, ".pretty")
            writer.write_bytes(sibling, result)
            done[relpath] = sibling
    return done
