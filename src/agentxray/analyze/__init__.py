"""The analyze stage: turns an unpacked :class:`~agentxray.model.Tree` into findings."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from agentxray.analyze.driver import DEFAULT_MAX_FILE_BYTES, AnalyzeOptions, run_detectors
from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.model import StaticResult, Tree
from agentxray.model.progress import ProgressFn, no_progress

logger = logging.getLogger(__name__)

__all__ = ["AnalyzeOptions", "Detector", "SourceUnit", "analyze"]


def analyze(
    tree: Tree,
    *,
    detectors: Sequence[Detector] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    jobs: int | None = None,
    progress: ProgressFn = no_progress,
) -> StaticResult:
    """Run the registered detectors (or ``detectors``) over ``tree``.

    Findings are deduplicated by id and sorted most severe first; a detector failing on one file
    becomes a :class:`~agentxray.model.Notice` and the run goes on. ``jobs`` is how many
    processes share one big file (default: two where there are two cores; see
    :attr:`AnalyzeOptions.jobs`). ``progress`` is told each step as it starts.
    """
    if detectors is None:
        from agentxray.analyze.registry import DETECTORS

        detectors = DETECTORS
    options = AnalyzeOptions(max_file_bytes=max_file_bytes)
    if jobs is not None:
        options = AnalyzeOptions(max_file_bytes=max_file_bytes, jobs=jobs)
    return run_detectors(tree, detectors, options, progress)
