"""The progress callback stages call when a step starts, so a front end can show what runs."""

from __future__ import annotations

from collections.abc import Callable

#: Called with ``(step, detail)`` each time a step starts, e.g. ``("parse", "cli.js, 18.1 MB")``.
#: Steps: ``unpack``, ``deobfuscate``, ``parse``, ``analyse`` (a detector, named in the detail).
#: It must be cheap and must not raise; the library never prints progress itself.
ProgressFn = Callable[[str, str], None]


def no_progress(step: str, detail: str) -> None:
    """The callback that shows nothing."""
