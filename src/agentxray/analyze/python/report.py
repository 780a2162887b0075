"""How Python evidence is shown: locations, snippets, one-line renderings, function labels.

Stable ids and helper paths are language-neutral: :mod:`agentxray.analyze.behaviour.wording`.
"""

from __future__ import annotations

import ast
import logging
from functools import lru_cache

from agentxray.analyze.behaviour.wording import helper_path, stable_id
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex
from agentxray.model import Location

logger = logging.getLogger(__name__)

MAX_SNIPPET_LINES = 40

__all__ = ["describe", "fn_label", "helper_path", "location", "snippet", "stable_id"]


def location(vpath: str, node: ast.AST) -> Location:
    """Where ``node`` starts (1-based line and column)."""
    return Location(
        artifact=vpath, line=getattr(node, "lineno", 1), column=getattr(node, "col_offset", 0) + 1
    )


def _span(index: ModuleIndex, node: ast.AST) -> tuple[int, int]:
    fn = node if isinstance(node, FUNCTIONS) else index.function_of(node)
    if fn is not None and (fn.end_lineno or fn.lineno) - fn.lineno < MAX_SNIPPET_LINES:
        start = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
        return start, fn.end_lineno or fn.lineno
    stmt: ast.AST = node
    cur = index.parent(node)
    while cur is not None and not isinstance(stmt, ast.stmt):
        stmt, cur = cur, index.parent(cur)
    line = getattr(stmt, "lineno", 1)
    end = getattr(stmt, "end_lineno", line) or line
    return max(1, line - 2), min(end, line + MAX_SNIPPET_LINES) + 2


@lru_cache(maxsize=4)
def _lines(source: str) -> list[str]:
    return source.splitlines()


def snippet(index: ModuleIndex, source: str, *nodes: ast.AST) -> str:
    """The source of the functions (or statements) holding ``nodes``, each once, in order."""
    lines = _lines(source)
    spans: list[tuple[int, int]] = []
    for n in nodes:
        s = _span(index, n)
        if not any(a <= s[0] and s[1] <= b for a, b in spans):
            spans = [x for x in spans if not (s[0] <= x[0] and x[1] <= s[1])] + [s]
    parts = []
    for a, b in sorted(spans):
        body = "\n".join(line[:300] for line in lines[a - 1 : min(b, len(lines))])
        parts.append(f"# line {a}\n{body}")
    return "\n\n".join(parts)


def fn_label(index: ModuleIndex, node: ast.AST) -> str:
    """``function is_cn()`` or ``module-level code``."""
    fn = index.function_of(node)
    return f"function {fn.name}()" if fn is not None else "module-level code"


def describe(node: ast.AST, limit: int = 100) -> str:
    """A short, single-line rendering of a node's source."""
    src = " ".join(ast.unparse(node).split())
    return src if len(src) <= limit else src[: limit - 1] + "…"


def is_function(node: ast.AST) -> bool:
    """Whether ``node`` is a ``def``."""
    return isinstance(node, FUNCTIONS)
