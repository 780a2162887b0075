"""The behaviour records as rule-engine facts: each compared constant becomes a ``comparison``.

A rule pack can then match what the flow analysis found compared with an environment source,
without re-deriving the data flow: the fact's value is ``<source kind>:<constant>``
(``timezone:Asia/Shanghai``, ``mac-address:08:00:27``), its detail how the source is read
(``Intl.DateTimeFormat().resolvedOptions().timeZone``, ``uuid.getnode()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from agentxray.analyze.behaviour.records import Comparison
from agentxray.model import Fact

MAX_VALUE = 300
MAX_FACTS = 5_000
"""Comparison facts per file (a bundle compares thousands of constants at most)."""


def comparison_facts(records: Iterable[Comparison]) -> Iterator[Fact]:
    """One ``comparison`` fact per constant a source is compared with (file scope: the records'
    functions are keyed per front-end, not like the fact extractors' scopes)."""
    count = 0
    for record in records:
        for value in dict.fromkeys(record.values):
            if count >= MAX_FACTS:
                return
            count += 1
            yield Fact(
                "comparison",
                f"{record.source.kind}:{value}"[:MAX_VALUE],
                record.evidence.location,
                detail=record.source.read[:200],
            )
