"""Variables that only copy another variable (``var b = a``): every use written as the original."""

from __future__ import annotations

import logging

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.remove import at_top_of_body, removable, runs_once
from agentxray.analyze.js.deobfuscate.rewrite import Edit
from agentxray.analyze.js.deobfuscate.scope import Binding, Scopes
from agentxray.analyze.js.deobfuscate.syntax import matches, unparen

logger = logging.getLogger(__name__)

_QUERY = """
(variable_declarator name: (identifier) @name value: (_) @value) @declarator
"""


def inline_aliases(root: Node, scopes: Scopes, typescript: bool) -> list[Edit]:
    """Uses of an alias replaced by the name it copies (the unused alias goes in a later round).

    Both must never be assigned again, the alias must be declared once and unconditionally
    (directly in a function body), the original must be declared outside any loop, and its name
    must mean it at every use of the alias (no shadowing in between).
    """
    found: list[tuple[Binding, Binding]] = []
    for caps in matches(root, _QUERY, typescript):
        value = unparen(caps["value"][0])
        declarator = caps["declarator"][0]
        if value.type != "identifier" or not removable(declarator):
            continue
        alias = scopes.resolve(caps["name"][0])
        original = scopes.resolve(value)
        if alias is None or original is None or alias is original:
            continue
        if scopes.is_written(alias) or scopes.is_written(original):
            continue
        # The alias is set once, unconditionally, to a value that never changes afterwards.
        statement = declarator.parent
        if statement is None or not at_top_of_body(statement):
            continue
        source = original.name_node.parent
        if source is None or not runs_once(source):
            continue
        if original.kind in ("var", "block") and source.start_byte > declarator.start_byte:
            continue  # read before the original is set (a hoisted ``var``)
        found.append((alias, original))
    aliases = {id(alias) for alias, _ in found}
    edits: list[Edit] = []
    for alias, original in found:
        if id(original) in aliases:
            continue  # a chain: the next round takes the rest
        uses = [r for r in scopes.references(alias) if r != alias.name_node]
        if any(scopes.resolve_name(original.name, r.start_byte) is not original for r in uses):
            continue
        for use in uses:
            text = original.name
            if use.type == "shorthand_property_identifier":
                text = f"{alias.name}: {original.name}"
            edits.append(Edit.text(use.start_byte, use.end_byte, text))
    return edits
