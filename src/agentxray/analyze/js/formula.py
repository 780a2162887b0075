"""Small boolean formulas over facts about environment values, simplified and put into words."""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Atom:
    """One fact: ``subject`` is set (``values`` empty) or is one of ``values``."""

    subject: str
    values: tuple[str, ...] = ()
    negated: bool = False
    opaque: bool = False


@dataclass(frozen=True, slots=True)
class Junction:
    """All (``conjunction``) or any of the parts."""

    parts: tuple[Formula, ...]
    conjunction: bool


Formula = Atom | Junction | bool


def negate(f: Formula) -> Formula:
    """The negation, pushed down to the atoms."""
    if isinstance(f, bool):
        return not f
    if isinstance(f, Atom):
        return Atom(f.subject, f.values, not f.negated, f.opaque)
    return Junction(tuple(negate(p) for p in f.parts), not f.conjunction)


def both(a: Formula, b: Formula) -> Formula:
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return Junction((a, b), True)


def either(a: Formula, b: Formula) -> Formula:
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    return Junction((a, b), False)


def simplify(f: Formula) -> Formula:
    """Flatten nested junctions and drop ``A ∧ ¬A``-style dead branches of guard chains."""
    if not isinstance(f, Junction):
        return f
    parts: list[Formula] = []
    for p in (simplify(x) for x in f.parts):
        if isinstance(p, Junction) and p.conjunction == f.conjunction:
            parts.extend(p.parts)
        else:
            parts.append(p)
    if f.conjunction:
        atoms = [p for p in parts if isinstance(p, Atom)]
        for a in atoms:
            if Atom(a.subject, a.values, not a.negated, a.opaque) in atoms:
                return False
    else:
        kept: list[Formula] = []
        for p in parts:
            if p is True:
                return True
            if p is not False:
                kept.append(p)
        parts = kept
        if not parts:
            return False
    if f.conjunction:
        parts = [p for p in parts if p is not True]
        if any(p is False for p in parts):
            return False
        if not parts:
            return True
    # A ∨ (¬A ∧ B)  →  A ∨ B
    if not f.conjunction:
        present = {p for p in parts if isinstance(p, Atom)}
        fixed: list[Formula] = []
        for p in parts:
            if isinstance(p, Junction) and p.conjunction:
                rest = tuple(
                    q for q in p.parts if not (isinstance(q, Atom) and negate(q) in present)
                )
                p = rest[0] if len(rest) == 1 else Junction(rest, True)
            fixed.append(p)
        parts = fixed
    return parts[0] if len(parts) == 1 else Junction(tuple(parts), f.conjunction)


def render(f: Formula) -> str:
    """Plain words: ``only when ANTHROPIC_BASE_URL is set to a host other than api.anthropic.com``."""
    if f is True:
        return ""
    if f is False:
        return "never (the guard in front of it always returns)"
    return "only when " + _words(f)


def _words(f: Formula) -> str:
    if isinstance(f, bool):
        return "always" if f else "never"
    if isinstance(f, Atom):
        return _atom(f)
    if not f.conjunction:
        return " or ".join(_words(p) for p in f.parts)
    atoms = [p for p in f.parts if isinstance(p, Atom)]
    set_vars = {a.subject for a in atoms if not a.values and not a.negated and not a.opaque}
    phrases: list[str] = []
    consumed: set[Atom] = set()
    # "X is set" + "the host of X is not h" → "X is set to a host other than h"
    for a in atoms:
        var = a.subject.removeprefix("the host of ")
        if a.values and a.negated and var != a.subject and var in set_vars:
            phrases.append(f"{var} is set to a host other than {_list(a.values, 'or')}")
            consumed.add(a)
            consumed.update(b for b in atoms if b.subject in (var, a.subject) and not b.values)
    for p in f.parts:
        if isinstance(p, Atom) and p in consumed:
            continue
        phrases.append(_words(p))
    return " and ".join(phrases)


def _atom(a: Atom) -> str:
    if a.opaque:
        return f"{a.subject} is {'false' if a.negated else 'true'}"
    if not a.values:
        return f"{a.subject} is {'not set' if a.negated else 'set'}"
    verb = "is not" if a.negated else "is"
    if len(a.values) == 1:
        return f"{a.subject} {verb} {a.values[0]}"
    return f"{a.subject} {verb} one of {_list(a.values, 'or')}"


def _list(values: tuple[str, ...], joiner: str) -> str:
    shown = list(values[:5])
    tail = f" (and {len(values) - 5} more)" if len(values) > 5 else ""
    if len(shown) == 1:
        return shown[0] + tail
    return ", ".join(shown[:-1]) + f" {joiner} " + shown[-1] + tail
