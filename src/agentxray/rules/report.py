"""Turning rule matches into findings: shared by static detectors and live observers."""

from __future__ import annotations

import hashlib
import logging

from agentxray.model import Fact, Finding
from agentxray.rules.engine import FLOW, Engine, RuleMatch

logger = logging.getLogger(__name__)

MAX_RELATED = 20
MAX_VALUES = 20


def describe(engine: Engine, fact: Fact) -> str:
    """A fact's value for people: calls with their argument, URLs and paths with their purpose."""
    known = engine.purpose(fact)
    text = _cut(fact.value, 200)
    carried = fact.detail.startswith(FLOW)
    if fact.kind in ("call", "network_request") and fact.detail and not carried:
        text = f"{text}({_cut(fact.detail, 80)})"
    elif fact.kind == "env_read":
        if fact.value == "*":
            text = "the whole environment"
        elif fact.value.startswith("/"):
            text = f"environment variables whose names match {text}"
        else:
            text = f"environment variable {text}"
    elif fact.kind == "exec":
        text = f"command `{text}`"
    elif fact.kind == "file_read":
        text = f"file {text}"
    elif fact.kind == "property" and fact.detail:
        text = f"{text}: {_cut(fact.detail, 80)}"
    if known:
        text = f"{text} [{known[0]}: {known[1]}]"
    return f"{text} → {fact.detail[len(FLOW) :]}" if carried else text


def to_finding(
    engine: Engine, match: RuleMatch, source: str, snippet: str = "", ordinal: int = 0
) -> Finding:
    """An evidence-bearing finding for one match in ``source`` (a file's vpath, or a run id).

    Ids never contain line numbers or the artifact's own name (which carries its version), so
    the same code keeps its id across versions: ``report: each`` rules (inventories) are keyed by
    rule and value alone, one finding per value in the whole artifact; ``once`` rules also by the
    path inside the artifact and ``ordinal``, the match's rank among same-keyed matches there.
    """
    rule, primary = match.rule, match.primary
    # What the code does (members, calls, URLs) before the string literals that qualify it, so
    # that the message's first values name the act (`process.execPath`, `fs.rename(…)`).
    shown = sorted(match.evidence, key=lambda f: f.kind == "string")
    values = list(dict.fromkeys(describe(engine, f) for f in shown))[:MAX_VALUES]
    related = tuple(dict.fromkeys(f.location for f in match.evidence[1:]))[:MAX_RELATED]
    if rule.report == "each":
        material = f"{rule.id}\0{match.key}"
    else:
        inner = source.rsplit("!", 1)[-1]
        material = f"{rule.id}\0{inner}\0{match.key}\0{ordinal}"
    digest = hashlib.sha256(material.encode()).hexdigest()
    return Finding(
        id=f"{rule.id}-{digest[:16]}",
        rule=rule.id,
        category=rule.category,
        severity=rule.severity,
        title=rule.title,
        location=primary.location,
        message=rule.message.replace("{values}", ", ".join(values[:5])),
        related=tuple(loc for loc in related if loc != primary.location),
        snippet=snippet,
        signals=tuple(sorted({f"env:{f.value}" for f in match.evidence if f.kind == "env_read"})),
        values=tuple(values),
        confidence=rule.confidence,
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
