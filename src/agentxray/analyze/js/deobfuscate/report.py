"""The JavaScript front-end of ``obfuscated-data``: each decoded value as a neutral record.

What counts as hidden data and how it is worded is :mod:`agentxray.analyze.behaviour.obfuscated`.
"""

from __future__ import annotations

import logging

from agentxray.analyze.behaviour.records import Decoded as DecodedRecord
from agentxray.analyze.behaviour.records import Evidence
from agentxray.analyze.js.analysis import JsAnalysis
from agentxray.analyze.js.flow import Comparison
from agentxray.analyze.js.formula import render
from agentxray.analyze.js.nodes import function_name
from agentxray.analyze.js.report import describe, fn_label, location, snippet
from agentxray.analyze.js.values import Decoded

logger = logging.getLogger(__name__)


def decoded_records(a: JsAnalysis, compared: set[Decoded]) -> list[DecodedRecord]:
    """One record per decoded value; the values of one decoder share a group and its evidence."""
    groups: dict[int, list[Decoded]] = {}
    for d in a.decoded:
        anchor = d.decoder if d.decoder is not None else d.site
        groups.setdefault(anchor.start_byte, []).append(d)
    vpath = a.unit.entry.vpath
    # Decoded values any environment signal is compared with (a region list as well as the
    # hidden host lists the fingerprint policy reports), with the first such comparison.
    tested: list[tuple[Comparison, set[Decoded]]] = []
    if groups:
        tested = [(c, set(a.resolver.values(c.other).decoded)) for c in a.flow.comparisons]
    deciding = {d for _, ds in tested for d in ds}
    out: list[DecodedRecord] = []
    for key, items in groups.items():
        first = items[0]
        anchor = first.decoder if first.decoder is not None else first.site
        used = [d for d in items if d in compared or d in deciding]
        cmp = next((c for c, ds in tested if any(d in ds for d in used)), None)
        condition = render(a.describer.activation(cmp.node)) if cmp is not None else ""
        name = function_name(anchor) if first.decoder is not None else None
        group = Evidence(
            location=location(vpath, anchor),
            snippet=snippet(a.unit.data, anchor, *(d.site for d in items[:3])),
            text=describe(anchor),
            function=fn_label(anchor),
            function_key=anchor.start_byte,
            condition=condition,
        )
        for d in items:
            out.append(
                DecodedRecord(
                    values=d.values,
                    steps=(d.method,),
                    evidence=Evidence(
                        location=location(vpath, d.site),
                        snippet="",
                        text=describe(d.site),
                        function=fn_label(d.site),
                        function_key=anchor.start_byte,
                        condition=condition,
                    ),
                    decoder=f"function {name}()" if name else "",
                    group=str(key),
                    anchor=group,
                    evaluator="isolate",
                    compared=d in compared or d in deciding,
                )
            )
    return out
