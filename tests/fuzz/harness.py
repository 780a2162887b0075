"""Runs one hostile input through ``unpack`` and checks the rules for hostile input held."""

from __future__ import annotations

import faulthandler
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from unpack_helpers import run_unpack

from agentxray.errors import AgentXrayError
from agentxray.unpack import Limits

#: A generous wall-clock bound for one tiny input (they take milliseconds); past it, a hang.
MAX_SECONDS = 10.0
#: Small limits, so lying length fields meet them fast instead of filling the disk.
FUZZ_LIMITS = Limits(max_total_bytes=64 << 20, max_member_bytes=16 << 20, max_members=2_000)


class _CrashLog(logging.Handler):
    """Collects the dispatcher's "an unpacker crashed" debug records (bugs behind a safety net)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.crashes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "crashed" in record.msg:
            exc = record.exc_info[1] if record.exc_info else None
            self.crashes.append(f"{record.getMessage()}: {type(exc).__name__}: {exc}")


@dataclass
class Outcome:
    """What one input did."""

    seconds: float
    error: str | None = None
    """The one-line diagnostics of the AgentXrayError raised, if any."""
    notices: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    written: int = 0
    """Bytes of content written."""


def unpack_hostile(case: Path, name: str, data: bytes, limits: Limits = FUZZ_LIMITS) -> Outcome:
    """Unpack ``data`` (saved as ``name``) under ``case``; assert containment, time and one line.

    Any exception but :class:`AgentXrayError` propagates (the test fails with its traceback); a
    hang dumps every thread's stack and ends the process.
    """
    case.mkdir()
    source = case / "in" / name
    source.parent.mkdir()
    source.write_bytes(data)
    log = _CrashLog()
    dispatch_log = logging.getLogger("agentxray.unpack.dispatch")
    dispatch_log.addHandler(log)
    old_level = dispatch_log.level
    dispatch_log.setLevel(logging.DEBUG)
    faulthandler.dump_traceback_later(MAX_SECONDS * 3, exit=True)
    started = time.perf_counter()
    outcome = Outcome(0.0)
    try:
        tree = run_unpack(case, source, limits=limits)
        outcome.notices = [n.code for n in tree.notices]
        outcome.written = sum(f.size for f in tree.files if f.relpath)
    except AgentXrayError as exc:
        text = exc.diagnostics()
        assert "\n" not in text and text.strip(), repr(text)
        outcome.error = text
    finally:
        faulthandler.cancel_dump_traceback_later()
        dispatch_log.removeHandler(log)
        dispatch_log.setLevel(old_level)
        outcome.seconds = time.perf_counter() - started
        shutil.rmtree(case, ignore_errors=True)
    outcome.crashes = log.crashes
    return outcome
