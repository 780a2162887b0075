"""Progress of a scan's steps on the terminal (rich, on stderr); nothing when it is not a terminal."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from agentxray.model.progress import ProgressFn, no_progress

logger = logging.getLogger(__name__)

#: How each step is introduced on the progress line.
STEP_LABELS = {
    "unpack": "unpacking",
    "files": "file",
    "deobfuscate": "checking for obfuscation in",
    "parse": "parsing",
    "analyse": "analysing:",
}


class StepProgress:
    """One spinner line per step with the step's elapsed time; a file counter when many files.

    Each call to the instance starts a step and ends the one before, so a step that lasts more
    than a moment is always on screen with its own clock.
    """

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.step: TaskID | None = None
        self.files: TaskID | None = None
        self.started = False

    def stop(self) -> None:
        """Clear the progress lines (when any were drawn)."""
        if self.started:
            self.progress.stop()
            self.started = False

    def __call__(self, step: str, detail: str) -> None:
        if not self.started:  # lazily: the download bar before the first step has its own line
            self.progress.start()
            self.started = True
        label = STEP_LABELS.get(step, step)
        if step == "files":
            if self.files is None:
                self.files = self.progress.add_task(f"{label} {detail}")
            else:
                self.progress.update(self.files, description=f"{label} {detail}")
            return
        if self.step is not None:
            self.progress.remove_task(self.step)
        self.step = self.progress.add_task(f"{label} {detail}")


@contextlib.contextmanager
def step_progress(stream: TextIO | None = None) -> Iterator[ProgressFn]:
    """A progress callback drawing on ``stream`` (stderr) when it is a terminal, else a no-op."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield no_progress
        return
    console = Console(file=stream, highlight=False, emoji=False)
    shown = StepProgress(console)
    try:
        yield shown
    finally:
        shown.stop()
