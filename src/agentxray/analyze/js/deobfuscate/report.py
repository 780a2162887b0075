"""``obfuscated-data`` findings: what each decoder hides, decoded."""

from __future__ import annotations

import logging

from agentxray.analyze.js.analysis import JsAnalysis
from agentxray.analyze.js.formula import render
from agentxray.analyze.js.nodes import function_name
from agentxray.analyze.js.report import location, snippet, stable_id
from agentxray.analyze.js.values import Decoded
from agentxray.model import Finding

logger = logging.getLogger(__name__)


def _upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def obfuscation_findings(a: JsAnalysis, compared: set[Decoded]) -> list[Finding]:
    """One finding per decoder (or per standalone encoded expression)."""
    groups: dict[int, list[Decoded]] = {}
    for d in a.decoded:
        anchor = d.decoder if d.decoder is not None else d.site
        groups.setdefault(anchor.start_byte, []).append(d)
    findings = []
    for items in groups.values():
        first = items[0]
        anchor = first.decoder if first.decoder is not None else first.site
        values = tuple(v for d in items for v in d.values)
        used = [d for d in items if d in compared]
        condition = ""
        if used:
            for cmp in a.flow.comparisons:
                vals = a.resolver.values(cmp.other)
                if any(d in vals.decoded for d in used):
                    condition = render(a.describer.activation(cmp.node))
                    break
        sizes = ", ".join(str(len(d.values)) for d in items)
        sample = ", ".join(values[:8]) + ("…" if len(values) > 8 else "")
        name = function_name(anchor) if first.decoder is not None else None
        where = f"function {name}()" if name else "an expression"
        message = (
            f"{_upper_first(where)} hides {len(items)} encoded value(s) ({first.method}). "
            f"Run in a sandboxed V8 isolate with its literal input, it yields {len(values)} "
            f"string(s) ({sizes} per call): {sample}."
            + (
                " The decoded values are compared with environment signals (see the fingerprint "
                "finding): hidden data deciding behaviour."
                if used
                else ""
            )
            + (f" Active {condition}." if condition else "")
        )
        findings.append(
            Finding(
                id=stable_id("js-obfuscated-data", first.method, *values[:500]),
                rule="js-obfuscated-data",
                category="obfuscated-data",
                severity="critical" if used else "high",
                title=f"Hidden data ({first.method}): {len(values)} decoded value(s), e.g. {', '.join(values[:3])}",
                location=location(a.unit.entry.vpath, anchor),
                message=message,
                related=tuple(location(a.unit.entry.vpath, d.site) for d in items[:20]),
                snippet=snippet(a.unit.data, anchor, *(d.site for d in items[:3])),
                decoded=values,
                condition=condition,
            )
        )
    return findings
