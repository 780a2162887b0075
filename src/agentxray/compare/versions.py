"""Report × Report → Delta: which findings a new version added, removed or changed.

A finding's id is stable when its code is the same (no offsets, no minified names, no version
in it). Code does change between releases, though: a minifier renames every variable, a vendor
re-encodes a hidden list with a new key or adds a host to it. Those are "the same finding,
changed", not one removed and one added. Pairing therefore runs in two passes:

1. equal ids: the same finding; it is *changed* when its evidence (severity, condition, the
   signals it reads, the values it compares with, the values it decodes) differs;
2. what is left, within one rule: pairs whose evidence still agrees — the same place in the
   package, the same environment signals, overlapping values or decoded values, or code of the
   same shape once short (minified) names are blanked — are matched best-first above a
   threshold. Endpoints are never paired this way: a different URL is a different endpoint.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from agentxray.model import Finding, Report
from agentxray.model.delta import Change, Delta

#: Below this evidence score two findings of one rule are not the same finding.
MATCH_THRESHOLD = 0.5
#: Categories whose identity is their value (never paired by evidence).
VALUE_IDENTITY = frozenset({"endpoint"})
#: At most this many added/removed values are named in one change.
MAX_LISTED = 8
#: At most this many leading tokens of a snippet are compared.
SHAPE_TOKENS = 400

_TOKEN = re.compile(r"[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\S")
#: A value that is a call (``We.logEvent(q)``, ``pR7.spawn(z.file)``) may hold minified names;
#: URLs, hosts and other literal values never do.
_CODE_VALUE = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\(.*\)$", re.S)
_VOLATILE = re.compile(r"\d+(?:\.\d+)*|[0-9a-f]{8,}")


def compare(old: Report, new: Report, *, old_name: str = "", new_name: str = "") -> Delta:
    """What ``new`` adds, removes and changes relative to ``old``."""
    added: list[Finding] = []
    removed: list[Finding] = []
    changed: list[Change] = []
    unchanged: list[Finding] = []
    renamed: list[Change] = []

    old_by_id: dict[str, list[Finding]] = defaultdict(list)
    for f in old.findings:
        old_by_id[f.id].append(f)
    rest_new: list[Finding] = []
    for f in new.findings:
        twins = old_by_id.get(f.id)
        if twins:
            before = twins.pop(0)
            how = differences(before, f)
            if how:
                changed.append(Change(before, f, how, "id"))
            else:
                unchanged.append(f)
        else:
            rest_new.append(f)
    rest_old = [f for twins in old_by_id.values() for f in twins]

    paired_old: set[int] = set()
    paired_new: set[int] = set()
    for before, after in _pair_by_evidence(rest_old, rest_new):
        paired_old.add(id(before))
        paired_new.add(id(after))
        how = differences(before, after)
        if how:
            changed.append(Change(before, after, how, "evidence"))
        else:  # only minified names differ: the same finding under a new id
            unchanged.append(after)
            renamed.append(Change(before, after, (), "evidence"))
    removed = [f for f in rest_old if id(f) not in paired_old]
    added = [f for f in rest_new if id(f) not in paired_new]
    return Delta(
        old=old_name or old.target.raw,
        new=new_name or new.target.raw,
        added=tuple(added),
        removed=tuple(removed),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        renamed=tuple(renamed),
        old_version=_version(old),
        new_version=_version(new),
    )


def _version(report: Report) -> str | None:
    if report.artifact is not None and report.artifact.version:
        return report.artifact.version
    return report.target.version


def differences(before: Finding, after: Finding) -> tuple[str, ...]:
    """What a person should know changed between two versions of one finding."""
    how: list[str] = []
    if before.severity != after.severity:
        how.append(f"severity {before.severity} → {after.severity}")
    if _unnamed(before.title) != _unnamed(after.title):
        how.append(f"title “{before.title}” → “{after.title}”")
    if before.condition != after.condition:
        how.append("condition " + (f"was “{before.condition}”" if before.condition else "added"))
    for name in ("signals", "decoded", "values"):
        gone, new = _set_change(getattr(before, name), getattr(after, name))
        if gone or new:
            parts = [f"+{v}" for v in new] + [f"-{v}" for v in gone]
            more = f" and {len(parts) - MAX_LISTED} more" if len(parts) > MAX_LISTED else ""
            how.append(f"{name} " + ", ".join(parts[:MAX_LISTED]) + more)
    if _inner_path(before.location.artifact) != _inner_path(after.location.artifact):
        how.append(f"moved to {_inner_path(after.location.artifact)}")
    return tuple(how)


def _set_change(old: Sequence[str], new: Sequence[str]) -> tuple[list[str], list[str]]:
    """Values gone and values new, ignoring differences of minified names alone
    (``We.logEvent(q)`` and ``He.logEvent(_)`` are the same call in two builds)."""
    a, b = {_blank(v) for v in old}, {_blank(v) for v in new}
    return [v for v in old if _blank(v) not in b], [v for v in new if _blank(v) not in a]


def _blank(value: str) -> str:
    if _CODE_VALUE.match(value) and "://" not in value:
        return " ".join(_shape(value))
    return _unnamed(value)


#: Short names a minifier chooses, where a title or value quotes code: ``${q}`` in a template,
#: ``apiHost: n`` as an option's value.
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_$][\w$]{0,2}\}")
_OPTION_NAME = re.compile(r"^([\w.$-]+): [A-Za-z_$][\w$]{0,2}$")


def _unnamed(text: str) -> str:
    """``text`` with the minifier's short names blanked (two builds name them differently)."""
    return _OPTION_NAME.sub(r"\1: …", _PLACEHOLDER.sub("${…}", text))


def _pair_by_evidence(
    old: Sequence[Finding], new: Sequence[Finding]
) -> Iterable[tuple[Finding, Finding]]:
    groups: dict[tuple[str, str], tuple[list[Finding], list[Finding]]] = defaultdict(
        lambda: ([], [])
    )
    for f in old:
        if f.category not in VALUE_IDENTITY:
            groups[(f.rule, f.category)][0].append(f)
    for f in new:
        if f.category not in VALUE_IDENTITY:
            groups[(f.rule, f.category)][1].append(f)
    for olds, news in groups.values():
        if not olds or not news:
            continue
        scored = sorted(
            (
                (score, i, j)
                for i, a in enumerate(olds)
                for j, b in enumerate(news)
                if (score := similarity(a, b)) >= MATCH_THRESHOLD
            ),
            key=lambda t: (-t[0], t[1], t[2]),
        )
        used_old: set[int] = set()
        used_new: set[int] = set()
        for _, i, j in scored:
            if i in used_old or j in used_new:
                continue
            used_old.add(i)
            used_new.add(j)
            yield olds[i], news[j]


def similarity(a: Finding, b: Finding) -> float:
    """0..1: how strongly the evidence says ``a`` and ``b`` are one finding in two versions.

    A weighted mean over the kinds of evidence either finding has: the place inside the package,
    the environment signals, the compared values, the decoded values and the snippet's shape.
    Evidence that neither finding carries does not count for or against.
    """
    parts: list[tuple[float, float]] = [
        (1.0, 1.0 if _inner_path(a.location.artifact) == _inner_path(b.location.artifact) else 0.0)
    ]
    for name, weight in (("signals", 1.5), ("values", 1.0), ("decoded", 1.5)):
        x, y = set(getattr(a, name)), set(getattr(b, name))
        if x or y:
            parts.append((weight, _overlap(x, y)))
    if a.snippet and b.snippet:
        parts.append((1.5, shape_similarity(a.snippet, b.snippet)))
    total = sum(w for w, _ in parts)
    return sum(w * s for w, s in parts) / total


#: Values at least this long are text (a decoded script, a prompt), not names: two releases'
#: versions of one are the same value when their lines (or words) are at least
#: :data:`LONG_VALUE_RATIO` alike.
LONG_VALUE = 200
LONG_VALUE_RATIO = 0.8
#: At most this many lines or words of a long value are compared.
LONG_VALUE_TOKENS = 2000


def _tokens(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines if len(lines) >= 5 else text.split())[:LONG_VALUE_TOKENS]


def _overlap(x: set[str], y: set[str]) -> float:
    """Jaccard overlap of two value sets, where a long text counts as shared with its edited
    version in the other set (a decoded module loader that gained a function between releases
    is still that loader; a host or a zone name must be equal)."""
    same = x & y
    rest_x = [_tokens(v) for v in x - same if len(v) >= LONG_VALUE]
    rest_y = [_tokens(v) for v in y - same if len(v) >= LONG_VALUE]
    edited = 0
    for v in rest_x:
        for w in rest_y:
            m = difflib.SequenceMatcher(None, v, w, autojunk=False)
            if m.real_quick_ratio() >= LONG_VALUE_RATIO and m.ratio() >= LONG_VALUE_RATIO:
                rest_y.remove(w)
                edited += 1
                break
    return (len(same) + edited) / (len(x | y) - edited)


def shape_similarity(a: str, b: str) -> float:
    """Similarity of two code snippets with short (minified) identifiers and numbers blanked."""
    return difflib.SequenceMatcher(None, _shape(a), _shape(b), autojunk=False).ratio()


def _shape(code: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN.findall(code)[:SHAPE_TOKENS]:
        if tok[0].isalpha() or tok[0] in "_$":
            out.append(tok if len(tok) > 3 else "·")
        elif tok[0].isdigit():
            out.append("0")
        else:
            out.append(tok)
    return out


def _inner_path(vpath: str) -> str:
    """The path inside the package, without the archive's own (versioned) name or build hashes."""
    inner = vpath.rsplit("!", 1)[-1] if "!" in vpath else vpath.split("/", 1)[-1]
    return _VOLATILE.sub("#", inner)
