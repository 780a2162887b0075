"""Wording shared by the category policies: stable ids, helper paths, counts."""

from __future__ import annotations

import hashlib

from agentxray.analyze.behaviour.records import Comparison, Effect
from agentxray.model import Location

MAX_EFFECTS_SHOWN = 4
MAX_RELATED = 8


def stable_id(rule: str, *parts: str) -> str:
    """Same rule and same normalised evidence → same id, whatever the offsets or minified names."""
    digest = hashlib.sha256("\x1f".join((rule, *parts)).encode()).hexdigest()
    return f"{rule}:{digest[:16]}"


def upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def helper_path(hops: tuple[str, ...]) -> str:
    """`` through helper function ekt()`` for the functions a value passed through."""
    if not hops:
        return ""
    names = ", ".join(f"{h}()" for h in dict.fromkeys(hops))
    return f" through helper function{'s' if len(set(hops)) > 1 else ''} {names}"


def active(condition: str) -> str:
    return f" Active {condition}." if condition else ""


def count_word(n: int, one: str = "one") -> str:
    return {1: one, 2: "two", 3: "three"}.get(n, str(n))


def effects_of(comparisons: list[Comparison]) -> list[Effect]:
    """The branches a group of comparisons decides, each once, in the file's decision order."""
    seen: dict[int, Effect] = {}
    for c in comparisons:
        for e in c.effects:
            seen.setdefault(e.order, e)
    return [seen[k] for k in sorted(seen)]


def effects_text(comparisons: list[Comparison]) -> str:
    """`` The outcome decides 2 branch(es) — line 4: `…`.``; without known branches, where the
    comparisons are (`` Compared at lines 3, 9.``)."""
    affected = effects_of(comparisons)
    if affected:
        shown = "; ".join(
            f"line {e.location.line}: `{e.text}`" for e in affected[:MAX_EFFECTS_SHOWN]
        )
        return f" The outcome decides {len(affected)} branch(es) — {shown}."
    lines = sorted({c.evidence.location.line or 0 for c in comparisons})
    where = ", ".join(str(n) for n in lines[:6])
    return f" Compared at line{'s' if len(lines) > 1 else ''} {where}."


def related_of(comparisons: list[Comparison]) -> tuple[Location, ...]:
    """The branches decided, or else the other comparisons of the group."""
    affected = effects_of(comparisons)
    if affected:
        return tuple(e.location for e in affected[:MAX_RELATED])
    return tuple(c.evidence.location for c in comparisons[1:MAX_RELATED])
