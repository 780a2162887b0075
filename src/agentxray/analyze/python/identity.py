"""Python fingerprint findings: identity signals (API base URL host, hostname, user, machine id,
MAC address, git e-mail) compared with specific values or hashed into an identifier sent out."""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field

from agentxray.analyze.hosts import hostlike
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.comparisons import Comparison
from agentxray.analyze.python.report import (
    describe,
    fn_label,
    helper_path,
    location,
    snippet,
    stable_id,
)
from agentxray.analyze.python.signals import IDENTITY_KINDS
from agentxray.model import Finding

logger = logging.getLogger(__name__)

RULE = "py-fingerprint"
NOT_IDENTITY = frozenset({"", "localhost", "root", "unknown", "none", "null", "true", "false"})
_NETWORK = ("requests.", "httpx.", "urllib.request.", "aiohttp.", "http.client.", "urllib3.")


@dataclass
class Group:
    """Comparisons of one identity signal inside one function."""

    comparisons: list[Comparison] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    decoded: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    lists: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Each hidden list compared against (by the expression it was decoded from)."""


def _specific(value: str) -> bool:
    """A value that names someone (not ``"root"``, not a separator such as ``"."`` or ``":"``)."""
    v = value.strip().lower()
    return v not in NOT_IDENTITY and len(v) >= 2 and any(c.isalnum() for c in v)


def _domain(host: str) -> str:
    return ".".join(host.split(".")[-2:])


def identity_findings(a: PyAnalysis) -> tuple[list[Finding], set[str]]:
    """``fingerprint`` findings, and the decoded values they compare against."""
    groups: dict[tuple[int, str], Group] = {}
    for cmp in a.comparisons:
        sig = cmp.signal
        if sig.kind not in IDENTITY_KINDS or (cmp.values.regex and not cmp.values.methods):
            continue
        items = cmp.values.items
        if cmp.values.methods:
            kept = [v.lstrip(".") if cmp.operator == "endswith" else v for v in items]
        elif sig.kind == "endpoint":
            kept = [v for v in items if hostlike(v, NOT_IDENTITY)]
        else:
            kept = [v for v in items if _specific(v)]
        if not kept:
            continue
        g = groups.setdefault((id(cmp.function), sig.label), Group())
        g.comparisons.append(cmp)
        g.values.extend(v for v in kept if v not in g.values)
        if cmp.values.methods:
            g.decoded.extend(v for v in kept if v not in g.decoded)
            g.methods.extend(m for m in cmp.values.methods if m not in g.methods)
            g.lists.setdefault(id(cmp.values.anchor), tuple(kept))
    findings: list[Finding] = []
    used: set[str] = set()
    for g in groups.values():
        sig = g.comparisons[0].signal
        if sig.kind == "endpoint" and not g.decoded:
            hosts = {h for v in g.values if (h := hostlike(v, NOT_IDENTITY))}
            if len({_domain(h) for h in hosts}) < 2:
                continue  # the vendor's own host(s): reading the base URL to use it
        used.update(g.decoded)
        findings.append(_finding(a, g))
    return findings + _identifiers_sent(a), used


def _finding(a: PyAnalysis, g: Group) -> Finding:
    first = g.comparisons[0]
    sig = first.signal
    ops = sorted({c.operator for c in g.comparisons})
    condition = a.describer.activation(first.node)
    hidden = ""
    if g.decoded:
        hidden = (
            f" The values are hidden in the code ({' + '.join(g.methods)}); decoded they are "
            f"{len(g.decoded)} entries: {', '.join(g.decoded[:6])}{'…' if len(g.decoded) > 6 else ''}."
        )
    if sig.source.removeprefix("env:") in a.flow.hidden:
        hidden += (
            f" Even the name {sig.source.removeprefix('env:')} is hidden (decoded) in the code."
        )
    label = fn_label(a.index, first.node)
    message = (
        f"{label[:1].upper()}{label[1:]} takes the {sig.label}{helper_path(sig.hops)} and checks "
        f"it ({', '.join(ops)}) against {len(g.values)} specific value(s).{hidden} Behaviour that "
        "depends on who the user is or which provider they use is a fingerprint."
        + (f" Active {condition}." if condition else "")
    )
    shown = ", ".join(g.values[:3]) + ("…" if len(g.values) > 3 else "")
    return Finding(
        id=stable_id(RULE, sig.kind, sig.source, label, *sorted(g.values)[:200]),
        rule=RULE,
        category="fingerprint",
        severity="critical" if g.decoded or sig.kind != "endpoint" else "high",
        title=f"Behaviour depends on the {sig.label} matching "
        + (_lists(g) if g.decoded else shown),
        location=location(a.vpath, first.node),
        message=message,
        related=tuple(location(a.vpath, c.node) for c in g.comparisons[1:8]),
        snippet=snippet(a.index, a.unit.text, first.node),
        signals=tuple(dict.fromkeys([sig.kind, sig.source])),
        values=tuple(g.values),
        decoded=tuple(g.decoded),
        condition=condition,
    )


def _lists(g: Group) -> str:
    sizes = " + ".join(str(len(x)) for x in g.lists.values())
    n = len(g.lists)
    return f"{_COUNT.get(n, str(n))} hidden list{'s' if n > 1 else ''} ({sizes} entries)"


_COUNT = {1: "a", 2: "two", 3: "three"}


def _identifiers_sent(a: PyAnalysis) -> list[Finding]:
    """Hashes of identity signals in the arguments of a network request."""
    out: list[Finding] = []
    for node in a.index.nodes(ast.Call):
        if not isinstance(node, ast.Call):
            continue
        name = a.ev.dotted(node.func) or ""
        if not name.startswith(_NETWORK):
            continue
        parts = [*node.args, *(k.value for k in node.keywords)]
        ids = [s for p in parts for s in a.flow.signals(p) if s.kind == "identifier"]
        if not ids:
            continue
        sources = ", ".join(dict.fromkeys(s.source for s in ids))
        condition = a.describer.activation(node)
        label = fn_label(a.index, node)
        out.append(
            Finding(
                id=stable_id(RULE, "identifier", sources, name),
                rule=RULE,
                category="fingerprint",
                severity="high",
                title=f"A hash of the {sources} is sent with a request ({name})",
                location=location(a.vpath, node),
                message=(
                    f"{label[:1].upper()}{label[1:]} hashes the {sources} into an identifier and "
                    f"sends it (`{describe(node, 90)}`): the receiver can recognise this machine "
                    "or user across sessions — a fingerprint."
                    + (f" Active {condition}." if condition else "")
                ),
                snippet=snippet(a.index, a.unit.text, node),
                signals=tuple(dict.fromkeys(["identifier", *sources.split(", ")])),
                condition=condition,
            )
        )
    return out
