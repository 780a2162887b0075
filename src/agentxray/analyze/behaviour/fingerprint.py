"""The fingerprint policy: when an identity source checked, hashed or sent is a fingerprint.

One policy for every language front-end, over :mod:`~agentxray.analyze.behaviour.records`:
which constants name someone (not ``root``, a type tag, a firmware placeholder, a separator),
what an API base URL, an API key, a git remote or a hash is compared with, grouping per
function, the benign classes (the vendor's own hosts, the user's own key format, the base URL
or the user's own key hashed), severity, wording and the stable id.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from agentxray.analyze.behaviour.records import Comparison, HiddenList
from agentxray.analyze.behaviour.wording import (
    active,
    count_word,
    effects_of,
    effects_text,
    helper_path,
    related_of,
    stable_id,
    upper_first,
)
from agentxray.analyze.hosts import hostlike
from agentxray.model import Finding

logger = logging.getLogger(__name__)

IDENTITY_KINDS = frozenset(
    {"hostname", "username", "machine-id", "endpoint", "email", "mac", "mac-address"}
    | {"ip-address", "api-key", "repository", "identifier"}
)
DERIVED_KINDS = IDENTITY_KINDS - {"endpoint", "api-key"}
"""Sources whose hash or encoding identifies a person or device (the base URL and the user's
own key are not facts about who the user is)."""
ADDRESS_KINDS = frozenset({"ip-address", "mac", "mac-address"})
"""Sources whose values are written in digits (a network prefix, a MAC vendor prefix)."""
NOT_IDENTITY = frozenset(
    {"", "localhost", "root", "unknown", "none", "null", "undefined", "true", "false"}
)
PLACEHOLDERS = frozenset(
    {
        "default",
        "default string",
        "o.e.m.",
        "to be filled by o.e.m.",
        "not specified",
        "not applicable",
        "not available",
        "n/a",
        "none",
        "system serial number",
        "system product name",
        "system manufacturer",
        "system version",
        "chassis serial number",
        "base board serial number",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
    }
)
"""What firmware and systems report when a machine fact is not set (SMBIOS/DMI placeholders):
comparing with them tells a real value from a blank one, not one user or machine from another."""
TYPE_NAMES = frozenset(
    {"object", "function", "string", "number", "symbol", "boolean", "bigint", "undefined"}
)
MAX_IDS = 200
_EVERY_REMOTE = frozenset(
    {"git", "github", "gitlab", "bitbucket", "codeberg", "gitea", "gitee", "sourcehut", "sr"}
    | {"azure", "dev", "visualstudio", "ssh", "https", "http", "origin", "upstream", "fetch"}
    | {"push"}
)
"""Forges and words any remote may show (a forge check is not an owner check)."""
_REMOTE_PREFIX = re.compile(r"^(?:[a-z][\w+.-]*://)?(?:[\w.-]+@)?", re.I)


def identity_value(value: str) -> bool:
    """A literal that can name a host, user, machine or provider: not a type tag, a number, a
    separator, ``root`` or a firmware placeholder."""
    v = value.strip().lower()
    if v in NOT_IDENTITY or v in PLACEHOLDERS or v in TYPE_NAMES or v.startswith("[object"):
        return False
    if sum(ch.isalnum() for ch in v) < 2 or re.fullmatch(r"[-+]?[\d.]+", v):
        return False
    return not v.startswith("__") and not v.endswith("__")


def _address(value: str) -> bool:
    """An address or its prefix (``10.42.``, ``080027``): digits are its normal spelling."""
    v = value.strip().lower()
    digits = {c for c in v if c.isalnum()}
    if digits <= {"0"} or digits <= {"f"}:
        return False  # 00:00:00:00:00:00, 0.0.0.0, ff:ff:…: no interface, any, broadcast
    return v not in NOT_IDENTITY and v not in PLACEHOLDERS and sum(c.isalnum() for c in v) >= 2


def _names_owner(value: str) -> bool:
    """A git remote compared with an owner or organisation (``acme``, ``github.com/acme/``),
    not with what every remote has: a forge host, a scheme, ``git@``, ``.git``."""
    rest = _REMOTE_PREFIX.sub("", value.strip()).strip("/:")
    if not identity_value(rest):
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


def _key_prefix(value: str) -> bool:
    """An API key prefix that names a provider: ``sk-ant-``, ``sk-or-``, ``gsk_``."""
    return (
        identity_value(value)
        and re.fullmatch(r"[\w-]{2,24}", value) is not None
        and ("-" in value or value.endswith("_"))
    )


_NOT_VENDOR = frozenset({"env", "base", "url", "api", "host", "endpoint", "baseurl", "https"})


def _vendor_pattern(cmp: Comparison) -> bool:
    """The API base URL matched by a pattern of its own vendor's hosts: ``ANTHROPIC_BASE_URL``
    against ``(anthropic.com|claude.ai)``. Using the configured endpoint, not profiling the
    user; a proxy variable, or a pattern of other vendors' hosts, is a check of who the user is.
    Where the source does not name a vendor, every non-hidden host pattern counts as the
    vendor's own."""
    src = cmp.source
    if src.kind != "endpoint" or "PROXY" in src.read.upper():
        return False
    words = {w for w in re.split(r"[^a-z]+", src.read.lower()) if len(w) >= 4} - _NOT_VENDOR
    if not words:
        return True
    labels = {label for v in cmp.values for label in v.lower().split(".")}
    return bool(words & labels)


def _domain(host: str) -> str:
    return ".".join(host.split(".")[-2:])


MIN_BRAND = 4
"""Shortest name of a registered domain counted as a vendor's brand inside another's name."""


def vendors(hosts: set[str]) -> int:
    """How many vendors the hosts belong to: registered domains, one vendor's names counted once
    (``azuredatabricks.net`` holds the brand of ``databricks.com``: one vendor across clouds)."""
    brands = sorted({_domain(h).split(".")[0] for h in hosts}, key=len)
    kept: list[str] = []
    for brand in brands:
        if not any(len(k) >= MIN_BRAND and k in brand for k in kept):
            kept.append(brand)
    return len(kept)


def _kept(cmp: Comparison, marked: bool = False) -> list[str]:
    """The compared constants that name someone, for the source's kind; ``marked``: a test of
    the same source in the same function decides a mark in the text."""
    kind = cmp.source.kind
    if cmp.hidden:
        ends = cmp.operator.lower() == "endswith"
        return [v.lstrip(".") if ends else v for v in cmp.values]
    if kind == "endpoint":
        return [v for v in cmp.values if hostlike(v, NOT_IDENTITY)]
    if kind == "api-key":
        return [v for v in cmp.values if _key_prefix(v)]
    if kind == "identifier":
        return [v for v in cmp.values if _digest(v)]
    if kind == "repository":
        if marked:
            # The remote told apart from the public forges to mark the text written: who
            # the user works for decides a mark.
            return [v for v in cmp.values if identity_value(v)]
        return [v for v in cmp.values if _names_owner(v)]
    if kind in ADDRESS_KINDS:
        return [v for v in cmp.values if _address(v)]
    return [v for v in cmp.values if identity_value(v)]


@dataclass
class Group:
    """Comparisons of one identity source inside one function."""

    comparisons: list[Comparison] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    hidden: dict[int, HiddenList] = field(default_factory=dict)


def fingerprint_findings(
    records: list[Comparison], prefix: str
) -> tuple[list[Finding], set[HiddenList]]:
    """``fingerprint`` findings of one file's records (rule ``{prefix}-fingerprint``), and the
    hidden lists they compare against (the obfuscated-data report refers to them)."""
    rule = f"{prefix}-fingerprint"
    groups: dict[tuple[int, str], Group] = {}
    derived: dict[int, list[Comparison]] = {}
    uses: list[Finding] = []
    seen_uses: set[str] = set()
    marking = {(c.evidence.function_key, c.source.label) for c in records if c.outcomes_mark_text}
    for cmp in records:
        src = cmp.source
        if src.kind not in IDENTITY_KINDS:
            continue
        if cmp.operator in ("hash", "encode"):
            if src.kind in DERIVED_KINDS and not cmp.local_path:
                derived.setdefault(cmp.evidence.function_key, []).append(cmp)
            continue
        if cmp.operator in ("sent", "invisible"):
            finding = _sent(rule, cmp) if cmp.operator == "sent" else _invisible(rule, cmp)
            if finding.id not in seen_uses:
                seen_uses.add(finding.id)
                uses.append(finding)
            continue
        if cmp.regex and not cmp.hidden and _vendor_pattern(cmp):
            continue  # a base URL matched by the vendor's own host pattern: using it
        kept = _kept(cmp, (cmp.evidence.function_key, src.label) in marking)
        if not kept:
            continue
        # One base URL or proxy per function, whichever variable spells it (HTTPS_PROXY and
        # https_proxy); other sources by what is read.
        key = src.kind if src.kind == "endpoint" else src.label
        g = groups.setdefault((cmp.evidence.function_key, key), Group())
        g.comparisons.append(cmp)
        g.values.extend(v for v in kept if v not in g.values)
        for hidden in cmp.hidden:
            g.hidden.setdefault(hidden.key, hidden)
    findings: list[Finding] = []
    used: set[HiddenList] = set()
    for g in groups.values():
        src = g.comparisons[0].source
        if src.kind == "endpoint" and not g.hidden:
            hosts = {h for v in g.values if (h := hostlike(v, NOT_IDENTITY))}
            marked = any(c.outcomes_mark_text for c in g.comparisons)
            if vendors(hosts) < 2 and not marked:
                continue  # the vendor's own host(s): reading the base URL to use it
        if src.kind == "api-key" and not g.hidden and len(g.values) < 2:
            continue  # checking the key's own format, not telling providers apart
        used.update(g.hidden.values())
        findings.append(_fingerprint(rule, g))
    findings.extend(_derived(rule, cmps) for cmps in derived.values())
    return findings + uses, used


def _lists(hidden: list[HiddenList]) -> str:
    sizes = " + ".join(str(len(h.values)) for h in hidden)
    n = len(hidden)
    return f"{count_word(n, 'a')} hidden list{'s' if n > 1 else ''} ({sizes} entries)"


def _fingerprint(rule: str, g: Group) -> Finding:
    first = g.comparisons[0]
    src, ev = first.source, first.evidence
    ops = sorted({c.operator for c in g.comparisons})
    hidden_lists = list(g.hidden.values())
    hidden = ""
    if hidden_lists:
        n = len(hidden_lists)
        methods = " + ".join(dict.fromkeys(h.method for h in hidden_lists))
        sizes = " + ".join(f"{len(h.values)}" for h in hidden_lists)
        hidden = (
            f" The {count_word(n)} list{'s' if n > 1 else ''} "
            f"{'are' if n > 1 else 'is'} hidden in the code ({methods}); "
            f"decoded {'they hold' if n > 1 else 'it holds'} {sizes} entries: "
            + "; ".join(", ".join(h.values[:5]) + "…" for h in hidden_lists)
            + "."
        )
    if any(c.name_hidden for c in g.comparisons):
        hidden += f" Even the name {src.read.removeprefix('env:')} is hidden (decoded) in the code."
    message = (
        f"{upper_first(ev.function)} takes the {src.label}{helper_path(src.hops)} and "
        f"checks it ({', '.join(ops)}) against {len(g.values)} specific value(s).{hidden}"
        f"{effects_text(g.comparisons) if effects_of(g.comparisons) else ''} "
        "Behaviour that depends on who the user is or which provider they use is a fingerprint."
        + active(ev.condition)
    )
    shown = ", ".join(g.values[:3]) + ("…" if len(g.values) > 3 else "")
    return Finding(
        id=stable_id(rule, src.kind, src.read, *sorted(g.values)[:MAX_IDS]),
        rule=rule,
        category="fingerprint",
        severity="critical" if hidden_lists or src.kind != "endpoint" else "high",
        title=f"Behaviour depends on the {src.label} matching "
        + (_lists(hidden_lists) if hidden_lists else shown),
        location=ev.location,
        message=message,
        related=related_of(g.comparisons),
        snippet=ev.snippet,
        signals=tuple(dict.fromkeys([src.kind, *(c.source.read for c in g.comparisons)])),
        values=tuple(g.values),
        decoded=tuple(dict.fromkeys(v for h in hidden_lists for v in h.values)),
        condition=ev.condition,
    )


def _derived(rule: str, comparisons: list[Comparison]) -> Finding:
    """Machine or user facts hashed into one identifier: a device fingerprint."""
    first = comparisons[0]
    ev = first.evidence
    sources = list(dict.fromkeys(c.source.label for c in comparisons))
    verb = "hashes" if first.operator == "hash" else "encodes"
    message = (
        f"{upper_first(ev.function)} {verb} {', '.join(sources)}"
        f"{helper_path(first.source.hops)} into one identifier (`{ev.text}`). An "
        "identifier made of machine or user facts is stable across sessions and reinstalls: it "
        "identifies this device or person wherever it is sent or written." + active(ev.condition)
    )
    return Finding(
        id=stable_id(rule, "hash", *sorted(sources)),
        rule=rule,
        category="fingerprint",
        severity="high",
        title=f"An identifier is derived from {', '.join(sources[:3])}",
        location=ev.location,
        message=message,
        snippet=ev.snippet,
        signals=tuple(sources),
        condition=ev.condition,
    )


def _sent(rule: str, cmp: Comparison) -> Finding:
    """An identifier (a hash of identity sources, a machine id, a MAC address) in a request."""
    ev = cmp.evidence
    sources_list = [cmp.source, *cmp.more_sources]
    sources = ", ".join(dict.fromkeys(s.read for s in sources_list))
    hashed = any(s.kind == "identifier" for s in sources_list)
    what = f"hashes the {sources} into an identifier" if hashed else f"reads the {sources}"
    via = ""
    if cmp.through:
        via = f", which reaches `{cmp.target}` through {', '.join(f'{p}()' for p in cmp.through)},"
    return Finding(
        id=stable_id(rule, "identifier", sources, cmp.target),
        rule=rule,
        category="fingerprint",
        severity="high",
        title=f"An identifier derived from the {sources} is sent out",
        location=ev.location,
        message=(
            f"{upper_first(ev.function)} {what} and sends it (`{ev.text}`"
            f"{via}): the receiver can recognise this machine or "
            "user across sessions and installs — a fingerprint." + active(ev.condition)
        ),
        related=ev.related,
        snippet=ev.snippet,
        signals=tuple(dict.fromkeys(["identifier", *(s.read for s in sources_list)])),
        condition=ev.condition,
    )


def _marks(detail: str) -> str:
    """``invisible characters``, ``invisible U+200B …``: the marks, said once."""
    return detail if detail.lower().startswith("invisible") else f"invisible {detail}"


def _invisible(rule: str, cmp: Comparison) -> Finding:
    """Identity sources written into produced text as invisible characters."""
    ev = cmp.evidence
    sources = ", ".join(dict.fromkeys(s.label for s in [cmp.source, *cmp.more_sources]))
    return Finding(
        id=stable_id(rule, "encoded", sources, cmp.target),
        rule=rule,
        category="fingerprint",
        severity="critical",
        title=f"The {sources} is written invisibly into produced text",
        location=ev.location,
        message=(
            f"{upper_first(ev.function)} encodes the {sources} as {_marks(cmp.detail)} "
            f"(`{ev.text}`): whoever receives the text can read who produced it and on which "
            "machine — a fingerprint hidden from the user." + active(ev.condition)
        ),
        snippet=ev.snippet,
        signals=tuple(dict.fromkeys(s.read for s in [cmp.source, *cmp.more_sources])),
        condition=ev.condition,
    )
