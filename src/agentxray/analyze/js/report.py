"""How JavaScript evidence is shown: locations, snippets, one-line renderings, function labels.

Stable ids and helper paths are language-neutral: :mod:`agentxray.analyze.behaviour.wording`.
"""

from __future__ import annotations

import logging

from tree_sitter import Node

from agentxray.analyze.behaviour.wording import helper_path, stable_id
from agentxray.analyze.js.nodes import FUNCTION_TYPES, function_name, logical_function, text
from agentxray.analyze.js.pretty import pretty
from agentxray.model import Location

logger = logging.getLogger(__name__)

__all__ = ["describe", "fn_label", "helper_path", "location", "snippet", "stable_id"]


def location(vpath: str, node: Node) -> Location:
    """Where ``node`` starts (1-based line and column)."""
    row, col = node.start_point
    return Location(artifact=vpath, line=row + 1, column=col + 1, offset=node.start_byte)


def container(node: Node) -> Node:
    """The enclosing function (statement when at top level) to show around ``node``."""
    cur: Node | None = node
    while cur is not None and cur.type not in FUNCTION_TYPES:
        cur = cur.parent
    if cur is not None and cur.end_byte - cur.start_byte < 8_000:
        if (
            cur.type == "arrow_function"
            and cur.parent is not None
            and cur.parent.type == "arguments"
        ):
            outer: Node | None = cur.parent
            while outer is not None and outer.type not in FUNCTION_TYPES:
                outer = outer.parent
            if outer is not None and outer.end_byte - outer.start_byte < 8_000:
                return outer
        return cur
    stmt = node
    while stmt.parent is not None and not stmt.type.endswith(("statement", "declaration")):
        stmt = stmt.parent
    return stmt


def snippet(data: bytes, *nodes: Node) -> str:
    """Pretty-printed source of the functions holding ``nodes`` (each once, in file order)."""
    seen: dict[int, Node] = {}
    for n in nodes:
        c = container(n)
        seen.setdefault(c.start_byte, c)
    parts = []
    for c in sorted(seen.values(), key=lambda x: x.start_byte):
        header = f"// line {c.start_point[0] + 1}"
        parts.append(header + "\n" + pretty(c, data))
    return "\n\n".join(parts)


def describe(node: Node, limit: int = 100) -> str:
    """A short, single-line rendering of a node's source."""
    src = " ".join(text(node).split())
    return src if len(src) <= limit else src[: limit - 1] + "…"


def fn_label(node: Node) -> str:
    """``function rdp()`` or ``an anonymous function`` for the function holding ``node``."""
    cur = logical_function(node)
    name = function_name(cur) if cur is not None else None
    return f"function {name}()" if name else "an anonymous function"
