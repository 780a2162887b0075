"""Look-alike text variants and the conditions choosing them (for watermark findings): strings
differing only in invisible or confusable characters or separators, assigned under conditions,
returned by helpers, picked from literal lists and dictionaries, substituted, appended, or
produced by encoding data as invisible characters."""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field

from agentxray.analyze.behaviour.watermark import SEPARATORS, lookalikes, separator_only
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.comparisons import Comparison
from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.parse import FUNCTIONS
from agentxray.analyze.python.transforms import returns

logger = logging.getLogger(__name__)

__all__ = ["SEPARATORS", "Choice", "find_choices", "lookalikes", "separator_only", "text_value"]


@dataclass
class Choice:
    """Look-alike variants selected by a condition."""

    node: ast.AST
    """The conditional expression, first assignment, substitution or indexed literal."""
    tests: list[ast.expr]
    variants: list[str]
    target: str | None = None
    """The variable the chosen value is assigned to, if any."""
    tainted: list[Comparison] = field(default_factory=list)
    separator: bool = False
    """A date/number separator replaced (``variants`` is ``[old, new]``)."""
    insert: bool = False
    """Invisible characters added (``variants`` is ``["", inserted]``)."""
    substitution: bool = False
    """Characters of the text replaced by look-alikes (``variants``: originals, then
    replacements)."""
    encoded: ast.expr | None = None
    """Data written as invisible characters (tag characters, variation selectors): the
    expression whose value is encoded (``variants`` names the alphabet)."""
    guarded: list[ast.AST] = field(default_factory=list)
    """The conditional assignments (their common guards say when the choice is made)."""
    remote: bool = False
    """The condition reads a server's answer (a remote flag)."""


def text_value(a: PyAnalysis, node: ast.AST) -> str | None:
    """The string ``node`` evaluates to (literal or computed), if any."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    try:
        value = a.ev.value(node)
    except (Unsupported, RecursionError, MemoryError):
        return None
    return value if isinstance(value, str) else None


def tests_of(a: PyAnalysis, node: ast.AST) -> list[ast.expr]:
    """The tests guarding ``node`` (and the test of a conditional expression it assigns)."""
    tests = [t for t, _ in a.describer.guards(node)]
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.IfExp):
        tests.append(node.value.test)
    return tests


def _assigned(a: PyAnalysis, value: ast.expr) -> list[str] | None:
    if isinstance(value, ast.IfExp):
        body, orelse = text_value(a, value.body), text_value(a, value.orelse)
        return [body, orelse] if body is not None and orelse is not None else None
    text = text_value(a, value)
    return [text] if text is not None else None


def _variable_choices(a: PyAnalysis) -> tuple[list[Choice], set[int]]:
    """Variables assigned look-alike strings in several places, some under conditions."""
    per: dict[tuple[int, str], list[tuple[ast.Assign, list[str]]]] = {}
    out: list[Choice] = []
    for node in a.index.nodes(ast.Assign):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name) or _substitution_call(node.value):
            continue
        values = _assigned(a, node.value)
        if values is not None:
            per.setdefault((id(a.index.scope_of(node)), target.id), []).append((node, values))
    covered: set[int] = set()
    for (_, name), assigns in per.items():
        values = [v for _, vs in assigns for v in vs]
        if len(assigns) < 2 or not lookalikes(values):
            continue
        guarded: list[ast.AST] = [n for n, _ in assigns if tests_of(a, n)]
        if not guarded:
            continue
        tests = [t for n in guarded for t in tests_of(a, n)]
        covered.update(id(n.value) for n, _ in assigns)
        out.append(Choice(assigns[0][0], tests, list(dict.fromkeys(values)), name, guarded=guarded))
    return out, covered


def _substitution_call(value: ast.expr) -> bool:
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in ("replace", "translate")
    )


def _function_choices(a: PyAnalysis) -> list[Choice]:
    """Functions whose returns are look-alike strings, some of them under conditions."""
    out: list[Choice] = []
    for fn in a.index.nodes(*FUNCTIONS):
        if not isinstance(fn, FUNCTIONS):
            continue
        rets = [r for r in returns(fn) if r.value is not None]
        if len(rets) < 2 or not all(_literal_like(r.value) for r in rets):
            continue
        values = [text_value(a, r.value) for r in rets if r.value is not None]
        texts = [v for v in values if v is not None]
        if len(rets) < 2 or len(texts) != len(rets) or not lookalikes(texts):
            continue
        guarded: list[ast.AST] = [r for r in rets if tests_of(a, r)]
        if guarded:
            tests = [t for r in guarded for t in tests_of(a, r)]
            out.append(Choice(fn, tests, list(dict.fromkeys(texts)), guarded=guarded))
    return out


def _literal_like(node: ast.AST | None) -> bool:
    """A return value that may be a string literal in disguise (a constant, a name of one,
    ``chr(0x2019)``, an f-string, a concatenation) — not a call of another function."""
    if isinstance(node, (ast.Constant, ast.Name, ast.Attribute, ast.JoinedStr)):
        return True
    if isinstance(node, ast.BinOp):
        return _literal_like(node.left) and _literal_like(node.right)
    if isinstance(node, ast.Subscript):
        return _literal_like(node.value)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, (ast.Name, ast.Attribute))
        and all(isinstance(x, ast.Constant) for x in node.args)
    )


def _table(a: PyAnalysis, node: ast.AST) -> list[str] | None:
    """The strings of a literal list, tuple or dictionary (or a name bound once to one)."""
    if isinstance(node, ast.Name):
        bound, _ = a.index.lookup(node.id, node)
        node = bound[0] if len(bound) == 1 else node
    if isinstance(node, (ast.List, ast.Tuple)):
        elts = node.elts
    elif isinstance(node, ast.Dict):
        elts = node.values
    else:
        return None
    if not elts or len(elts) > 16:
        return None  # look-alike variants are a handful
    texts = [text_value(a, e) for e in elts]
    found = [t for t in texts if t is not None]
    return found if len(found) == len(texts) and found else None


def _indexed_choices(a: PyAnalysis, covered: set[int]) -> list[Choice]:
    """``("'", "\u2019")[flag]``, ``APOS[cond]``, ``MARKS.get(key, "'")``, and conditional
    expressions between look-alikes."""
    out: list[Choice] = []
    for node in a.index.nodes(ast.IfExp, ast.Subscript, ast.Call):
        if isinstance(node, ast.IfExp) and id(node) not in covered:
            body, orelse = text_value(a, node.body), text_value(a, node.orelse)
            if body is not None and orelse is not None and lookalikes([body, orelse]):
                out.append(Choice(node, [node.test], [body, orelse], guarded=[node]))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if isinstance(node.slice, (ast.Constant, ast.Slice)):
                continue
            texts = _table(a, node.value)
            if texts is not None and lookalikes(texts):
                out.append(Choice(node, [node.slice], texts, guarded=[node]))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and not isinstance(node.args[0], ast.Constant)
        ):
            texts = _table(a, node.func.value)
            default = text_value(a, node.args[1]) if len(node.args) > 1 else None
            variants = [*(texts or []), *([default] if default is not None else [])]
            if texts is not None and lookalikes(variants):
                out.append(Choice(node, [node.args[0]], variants, guarded=[node]))
    return out


def find_choices(a: PyAnalysis) -> list[Choice]:
    """Every look-alike choice of the module: variables, conditional expressions, indexed
    lists and dictionaries, substitutions, added invisible characters and invisible encodings."""
    from agentxray.analyze.python.substitutions import (
        encoding_choices,
        insertion_choices,
        substitution_choices,
    )

    cached = a.cache.get("choices")
    if isinstance(cached, list):
        return cached
    out, covered = _variable_choices(a)
    out.extend(_function_choices(a))
    out.extend(_indexed_choices(a, covered))
    out.extend(substitution_choices(a))
    out.extend(insertion_choices(a))
    encodings = encoding_choices(a)
    # a choice inside an encoding (the bit-to-character pick) is that encoding, not another one
    inside = {id(n) for c in encodings for n in ast.walk(c.node)}
    out = [c for c in out if id(c.node) not in inside] + encodings
    a.cache["choices"] = out
    return out
