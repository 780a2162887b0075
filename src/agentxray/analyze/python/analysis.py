"""One analysis per Python unit, shared by the four detectors through ``unit.context``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.python.comparisons import Comparison, Finder
from agentxray.analyze.python.conditions import Describer
from agentxray.analyze.python.evaluate import Evaluator
from agentxray.analyze.python.flow import Flow
from agentxray.analyze.python.parse import ModuleIndex, module_index
from agentxray.analyze.python.signals import HINTS

logger = logging.getLogger(__name__)

_KEY = "agentxray.analyze.python.analysis"


@dataclass
class PyAnalysis:
    """The parsed module, its data flow and the signal comparisons found in it."""

    unit: SourceUnit
    index: ModuleIndex
    flow: Flow
    ev: Evaluator
    describer: Describer
    comparisons: list[Comparison]
    cache: dict[str, object] = field(default_factory=dict)
    """Results computed once and shared by the detectors (e.g. invisible encodings)."""

    @property
    def vpath(self) -> str:
        """The file's path in the unpacked tree."""
        return self.unit.entry.vpath


def analyse(unit: SourceUnit) -> PyAnalysis:
    """Parse (once, shared with the facts extractor's cache key) and collect comparisons.

    Raises :class:`SyntaxError`/:class:`ValueError` when the file does not parse.
    """
    cached = unit.context.get(_KEY)
    if isinstance(cached, PyAnalysis):
        return cached
    index = module_index(unit)
    flow = Flow(index)
    ev = Evaluator(index)
    comparisons = Finder(index, flow, ev).run() if HINTS.search(unit.text) else []
    a = PyAnalysis(unit, index, flow, ev, Describer(index, flow, ev), comparisons)
    unit.context[_KEY] = a
    return a
