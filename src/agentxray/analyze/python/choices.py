"""Look-alike text variants and the conditions choosing them (for watermark findings): strings
differing only in invisible or confusable characters or separators, assigned under conditions,
substituted or appended."""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field

from agentxray.analyze.js.unicode import INVISIBLE, skeleton, special
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.comparisons import Comparison
from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.flow import returns
from agentxray.analyze.python.parse import FUNCTIONS

logger = logging.getLogger(__name__)

SEPARATORS = frozenset("-/.:_ \u2010\u2011\u2012\u2013\u2014\u2212\u2215")


@dataclass
class Choice:
    """Look-alike variants selected by a condition."""

    node: ast.AST
    """The conditional expression, first assignment or indexed literal."""
    tests: list[ast.expr]
    variants: list[str]
    target: str | None = None
    """The variable the chosen value is assigned to, if any."""
    tainted: list[Comparison] = field(default_factory=list)
    separator: bool = False
    """A date/number separator replaced (``variants`` is ``[old, new]``)."""
    insert: bool = False
    """Invisible characters appended (``variants`` is ``["", inserted]``)."""
    guarded: list[ast.AST] = field(default_factory=list)
    """The conditional assignments (their common guards say when the choice is made)."""


def _str(a: PyAnalysis, node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    try:
        value = a.ev.value(node)
    except (Unsupported, RecursionError):
        return None
    return value if isinstance(value, str) else None


def separator_only(x: str, y: str) -> bool:
    if len(x) != len(y) or x == y:
        return False
    diff = [(p, q) for p, q in zip(x, y, strict=True) if p != q]
    return all(p in SEPARATORS and q in SEPARATORS for p, q in diff) and any(
        c.isalnum() or c == "%" for c in x
    )


def lookalikes(values: list[str]) -> bool:
    """Distinct strings that differ only in invisible/confusable characters or separators."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) < 2 or len(distinct) > 8:
        return False
    if len({skeleton(v) for v in distinct}) == 1 and any(special(v) for v in distinct):
        return True
    return all(separator_only(distinct[0], v) for v in distinct[1:])


def _assigned(a: PyAnalysis, value: ast.expr) -> list[str] | None:
    if isinstance(value, ast.IfExp):
        body, orelse = _str(a, value.body), _str(a, value.orelse)
        return [body, orelse] if body is not None and orelse is not None else None
    text = _str(a, value)
    return [text] if text is not None else None


def _separator_change(node: ast.Assign, name: str) -> list[str] | None:
    """``x = x.replace("-", "/")``: the separators (old, new)."""
    v = node.value
    if not (
        isinstance(v, ast.Call)
        and isinstance(v.func, ast.Attribute)
        and v.func.attr == "replace"
        and isinstance(v.func.value, ast.Name)
        and v.func.value.id == name
        and len(v.args) == 2
    ):
        return None
    old, new = (x.value if isinstance(x, ast.Constant) else None for x in v.args)
    if not (isinstance(old, str) and isinstance(new, str)) or old == new:
        return None
    if 0 < len(old) <= 2 and 0 < len(new) <= 2 and set(old + new) <= SEPARATORS:
        return [old, new]
    if lookalikes([old, new]):
        return [old, new, "look-alike"]
    return None


def _insertion(a: PyAnalysis, node: ast.AugAssign) -> str | None:
    """``x += "\u200b"``: the invisible text appended."""
    if not (isinstance(node.op, ast.Add) and isinstance(node.target, ast.Name)):
        return None
    text = _str(a, node.value)
    if text and all(ch in INVISIBLE for ch in text):
        return text
    return None


def _tests(a: PyAnalysis, node: ast.AST) -> list[ast.expr]:
    tests = [t for t, _ in a.describer.guards(node)]
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.IfExp):
        tests.append(node.value.test)
    return tests


def _variable_choices(a: PyAnalysis) -> tuple[list[Choice], set[int]]:
    """Variables assigned look-alike strings in several places, some under conditions."""
    per: dict[tuple[int, str], list[tuple[ast.Assign, list[str]]]] = {}
    out: list[Choice] = []
    for node in a.index.nodes(ast.Assign):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            continue
        scope = id(a.index.scope_of(node))
        change = _separator_change(node, target.id)
        if change is not None:
            tests = _tests(a, node)
            if tests:
                sep = len(change) == 2
                variants = change[:2]
                out.append(Choice(node, tests, variants, target.id, separator=sep, guarded=[node]))
            continue
        values = _assigned(a, node.value)
        if values is not None:
            per.setdefault((scope, target.id), []).append((node, values))
    for aug in a.index.nodes(ast.AugAssign):
        if isinstance(aug, ast.AugAssign) and isinstance(aug.target, ast.Name):
            inserted = _insertion(a, aug)
            tests = _tests(a, aug) if inserted else []
            if inserted and tests:
                choice = Choice(aug, tests, ["", inserted], aug.target.id, guarded=[aug])
                choice.insert = True
                out.append(choice)
    covered: set[int] = set()
    for (_, name), assigns in per.items():
        values = [v for _, vs in assigns for v in vs]
        if len(assigns) < 2 or not lookalikes(values):
            continue
        guarded: list[ast.AST] = [n for n, _ in assigns if _tests(a, n)]
        if not guarded:
            continue
        tests = [t for n in guarded for t in _tests(a, n)]
        covered.update(id(n.value) for n, _ in assigns)
        out.append(Choice(assigns[0][0], tests, list(dict.fromkeys(values)), name, guarded=guarded))
    return out, covered


def _function_choices(a: PyAnalysis) -> list[Choice]:
    """Functions whose returns are look-alike strings, some of them under conditions."""
    out: list[Choice] = []
    for fn in a.index.nodes(*FUNCTIONS):
        if not isinstance(fn, FUNCTIONS):
            continue
        rets = [r for r in returns(fn) if r.value is not None]
        values = [_str(a, r.value) for r in rets if r.value is not None]
        texts = [v for v in values if v is not None]
        if len(rets) < 2 or len(texts) != len(rets) or not lookalikes(texts):
            continue
        guarded: list[ast.AST] = [r for r in rets if _tests(a, r)]
        if guarded:
            tests = [t for r in guarded for t in _tests(a, r)]
            out.append(Choice(fn, tests, list(dict.fromkeys(texts)), guarded=guarded))
    return out


def find_choices(a: PyAnalysis) -> list[Choice]:
    """Every look-alike choice of the module: variables, conditional expressions, indexed lists,
    separator/look-alike substitutions and appended invisible characters."""
    out, covered = _variable_choices(a)
    out.extend(_function_choices(a))
    for node in a.index.nodes(ast.IfExp, ast.Subscript):
        if isinstance(node, ast.IfExp) and id(node) not in covered:
            body, orelse = _str(a, node.body), _str(a, node.orelse)
            if body is not None and orelse is not None and lookalikes([body, orelse]):
                out.append(Choice(node, [node.test], [body, orelse], guarded=[node]))
        elif isinstance(node, ast.Subscript) and isinstance(node.value, (ast.List, ast.Tuple)):
            vals = [_str(a, e) for e in node.value.elts]
            texts = [v for v in vals if v is not None]
            dynamic = not isinstance(node.slice, ast.Constant)
            if dynamic and len(texts) == len(vals) and lookalikes(texts):
                out.append(Choice(node, [node.slice], texts, guarded=[node]))
    return out
