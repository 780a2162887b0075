"""Python fingerprint findings: identity signals (API base URL host, hostname, user, machine id,
MAC address, git e-mail) compared with specific values or hashed into an identifier sent out."""

from __future__ import annotations

import logging
import re
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
from agentxray.analyze.python.sending import Sent, identifiers_sent
from agentxray.analyze.python.signals import IDENTITY_KINDS
from agentxray.model import Finding

logger = logging.getLogger(__name__)

RULE = "py-fingerprint"
NOT_IDENTITY = frozenset({"", "localhost", "root", "unknown", "none", "null", "true", "false"})
_COMPARED_KINDS = IDENTITY_KINDS | {"identifier"}
_ENCODED_KINDS = (IDENTITY_KINDS - {"endpoint"}) | {"identifier"}


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


_HOST_IN_PATTERN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I)


def pattern_hosts(pattern: str) -> list[str]:
    """Domain names a regular expression or glob spells (``\\.(corp|intra)\\.example$`` →
    ``corp.example``, ``intra.example``); character classes and quantifiers name none."""
    plain = re.sub(
        r"\[[^\]]*\]|\{[^}]*\}|\(\?[:!=<]?", lambda m: "(" if m.group(0)[0] == "(" else " ", pattern
    )
    out = []
    for variant in expand_alternatives(plain):
        text = re.sub(r"\\(.)", r"\1", variant).replace("|", " ")
        for token in _HOST_IN_PATTERN.findall(text):
            tld = token.rsplit(".", 1)[-1]
            if tld.isalpha() and len(tld) >= 2:
                out.append(token.lower())
    return list(dict.fromkeys(out))


def expand_alternatives(pattern: str, limit: int = 32) -> list[str]:
    """``a(b|c)d`` → ``abd``, ``acd`` (innermost groups first, at most ``limit`` variants)."""
    variants = [pattern]
    for _ in range(8):
        done = True
        expanded: list[str] = []
        for v in variants:
            m = re.search(r"\(([^()]*)\)", v)
            if m is None:
                expanded.append(v)
                continue
            done = False
            for alt in m.group(1).split("|"):
                expanded.append(v[: m.start()] + alt + v[m.end() :])
        variants = expanded[:limit]
        if done:
            break
    return variants


_EVERY_REMOTE = frozenset(
    {"git", "github", "gitlab", "bitbucket", "codeberg", "gitea", "gitee", "sourcehut", "sr"}
    | {"azure", "dev", "visualstudio", "ssh", "https", "http", "origin", "upstream", "fetch"}
    | {"push"}
)
"""Forges and words any remote may show (a forge check is not an owner check)."""
_REMOTE_PREFIX = re.compile(r"^(?:[a-z][\w+.-]*://)?(?:[\w.-]+@)?", re.I)


def _names_owner(value: str) -> bool:
    """A git remote compared with an owner or organisation (``acme``, ``github.com/acme/``),
    not with what every remote has: a forge host, a scheme, ``git@``, ``.git``."""
    rest = _REMOTE_PREFIX.sub("", value.strip()).strip("/:")
    if not _specific(rest):
        return False
    if re.search(r"[/:]", rest):
        return True  # a path after the host names its owner
    return (
        rest.lower().lstrip(".").split(".")[0] not in _EVERY_REMOTE
        and hostlike(rest, NOT_IDENTITY) is None
    )


def _digest(value: str) -> bool:
    """A hex or base64 digest literal (what a hashed identity is compared with)."""
    v = value.strip()
    return len(v) >= 8 and (all(c in "0123456789abcdefABCDEF" for c in v) or v.isalnum())


def _mac(value: str) -> str:
    """A MAC address (or vendor prefix) compared as a number, written as a reader knows it
    (``524327`` → ``08:00:27``)."""
    if not value.isdigit() or int(value) >= 1 << 48:
        return value
    n = int(value)
    width = 6 if n < 1 << 24 else 12
    digits = f"{n:0{width}x}"
    return ":".join(digits[i : i + 2] for i in range(0, width, 2))


def _domain(host: str) -> str:
    return ".".join(host.split(".")[-2:])


def identity_findings(a: PyAnalysis) -> tuple[list[Finding], set[str]]:
    """``fingerprint`` findings, and the decoded values they compare against."""
    groups: dict[tuple[int, str], Group] = {}
    for cmp in a.comparisons:
        sig = cmp.signal
        if sig.kind not in _COMPARED_KINDS:
            continue
        items = cmp.values.items
        if cmp.values.regex:
            items = tuple(h for p in items for h in pattern_hosts(p))
        if cmp.values.methods:
            kept = [v.lstrip(".") if cmp.operator == "endswith" else v for v in items]
        elif sig.kind == "endpoint":
            kept = [v for v in items if hostlike(v, NOT_IDENTITY)]
        elif sig.kind == "identifier":
            kept = [v for v in items if _digest(v)]
        elif sig.kind == "repository":
            kept = [v for v in items if _names_owner(v)]
        elif sig.kind == "mac-address" and cmp.values.numbers:
            kept = [_mac(v) for v in items if _specific(v)]
        else:
            kept = [v for v in items if _specific(v)]
        if not kept:
            continue
        key = sig.kind if sig.kind == "endpoint" else sig.label
        g = groups.setdefault((id(cmp.function), key), Group())
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
    return findings + _sent_findings(a) + _encoded_findings(a), used


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
        signals=tuple(dict.fromkeys([sig.kind, *(c.signal.source for c in g.comparisons)])),
        values=tuple(g.values),
        decoded=tuple(g.decoded),
        condition=condition,
    )


def _lists(g: Group) -> str:
    sizes = " + ".join(str(len(x)) for x in g.lists.values())
    n = len(g.lists)
    return f"{_COUNT.get(n, str(n))} hidden list{'s' if n > 1 else ''} ({sizes} entries)"


_COUNT = {1: "a", 2: "two", 3: "three"}


def _encoded_findings(a: PyAnalysis) -> list[Finding]:
    """Identity signals written into produced text as invisible characters."""
    from agentxray.analyze.python.choices import find_choices

    out: list[Finding] = []
    for choice in find_choices(a):
        if choice.encoded is None:
            continue
        sigs = [s for s in a.flow.signals(choice.encoded) if s.kind in _ENCODED_KINDS]
        if not sigs:
            continue
        sources = ", ".join(dict.fromkeys(s.label for s in sigs))
        label = fn_label(a.index, choice.node)
        condition = a.describer.activation(choice.node)
        out.append(
            Finding(
                id=stable_id(RULE, "encoded", sources, describe(choice.node, 60)),
                rule=RULE,
                category="fingerprint",
                severity="critical",
                title=f"The {sources} is written invisibly into produced text",
                location=location(a.vpath, choice.node),
                message=(
                    f"{label[:1].upper()}{label[1:]} encodes the {sources} as invisible "
                    f"{choice.variants[0]} (`{describe(choice.node, 80)}`): whoever receives the "
                    "text can read who produced it and on which machine — a fingerprint hidden "
                    "from the user." + (f" Active {condition}." if condition else "")
                ),
                snippet=snippet(a.index, a.unit.text, choice.node),
                signals=tuple(dict.fromkeys(s.source for s in sigs)),
                condition=condition,
            )
        )
    return out


def _sent_findings(a: PyAnalysis) -> list[Finding]:
    """Identifiers (hashes of identity signals, machine ids, MAC addresses) in requests."""
    out: list[Finding] = []
    seen: set[tuple[int, str]] = set()
    for sent in identifiers_sent(a.index, a.flow):
        sources = ", ".join(dict.fromkeys(s.source for s in sent.signals))
        if (id(sent.sink), sources) in seen:
            continue
        seen.add((id(sent.sink), sources))
        out.append(_sent_finding(a, sent, sources))
    return out


def _sent_finding(a: PyAnalysis, sent: Sent, sources: str) -> Finding:
    condition = a.describer.activation(sent.site)
    label = fn_label(a.index, sent.site)
    hashed = any(s.kind == "identifier" for s in sent.signals)
    what = f"hashes the {sources} into an identifier" if hashed else f"reads the {sources}"
    via = ""
    if sent.path:
        via = f", which reaches `{describe(sent.sink, 70)}` through {', '.join(f'{p}()' for p in sent.path)},"
    return Finding(
        id=stable_id(RULE, "identifier", sources, describe(sent.sink, 60)),
        rule=RULE,
        category="fingerprint",
        severity="high",
        title=f"An identifier derived from the {sources} is sent out",
        location=location(a.vpath, sent.site),
        message=(
            f"{label[:1].upper()}{label[1:]} {what} and sends it (`{describe(sent.site, 90)}`"
            f"{via}): the receiver can recognise this machine or user across sessions and "
            "installs — a fingerprint." + (f" Active {condition}." if condition else "")
        ),
        related=tuple(location(a.vpath, n) for n in [sent.sink] if n is not sent.site),
        snippet=snippet(a.index, a.unit.text, sent.site, sent.sink),
        signals=tuple(dict.fromkeys(["identifier", *(s.source for s in sent.signals)])),
        condition=condition,
    )
