"""Edits that delete declarations and statements without breaking the surrounding syntax."""

from __future__ import annotations

import logging

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.rewrite import Edit
from agentxray.analyze.js.deobfuscate.scope import Scopes
from agentxray.analyze.js.deobfuscate.syntax import FUNCTIONS, matches, unparen

logger = logging.getLogger(__name__)

_QUERY = """
(variable_declarator name: (identifier) @name value: (_) @value) @declarator
"""
MAX_PROXY_FUNCTION = 300
"""A function in an unused object is dropped with it only when this small (a proxy)."""
_LITERALS = frozenset(
    {"string", "number", "true", "false", "null", "undefined", "identifier", "regex"}
)


_CONTAINERS = frozenset({"program", "statement_block", "switch_case", "switch_default"})
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})


def delete_statement(statement: Node) -> Edit:
    """Delete a statement (leaving ``;`` where the syntax needs one: ``if (a) var x = 1;``)."""
    parent = statement.parent
    if parent is None or parent.type in _CONTAINERS:
        return Edit(statement.start_byte, statement.end_byte)
    return Edit.text(statement.start_byte, statement.end_byte, ";")


def runs_once(node: Node) -> bool:
    """Whether ``node`` runs at most once per call of its function (it is in no loop there)."""
    cur = node.parent
    while cur is not None and cur.type not in FUNCTIONS and cur.type != "program":
        if cur.type in _LOOPS:
            return False
        cur = cur.parent
    return True


def at_top_of_body(statement: Node) -> bool:
    """Whether a statement sits directly in a function body or the program (runs every time)."""
    parent = statement.parent
    if parent is None:
        return False
    if parent.type == "program":
        return True
    return (
        parent.type == "statement_block"
        and parent.parent is not None
        and (parent.parent.type in FUNCTIONS)
    )


def remove_declarators(declarators: list[Node]) -> list[Edit]:
    """Delete variable declarators (the whole declaration when none of it is left)."""
    by_parent: dict[int, tuple[Node, set[int]]] = {}
    for d in declarators:
        parent = d.parent
        if parent is not None:
            by_parent.setdefault(parent.id, (parent, set()))[1].add(d.id)
    edits = []
    for parent, ids in by_parent.values():
        decls = [c for c in parent.children if c.type == "variable_declarator"]
        if all(c.id in ids for c in decls):
            edits.append(delete_statement(parent))
            continue
        i = 0
        while i < len(decls):
            if decls[i].id not in ids:
                i += 1
                continue
            j = i
            while j + 1 < len(decls) and decls[j + 1].id in ids:
                j += 1
            if j + 1 < len(decls):  # up to the next kept declarator
                edits.append(Edit(decls[i].start_byte, decls[j + 1].start_byte))
            else:  # from the end of the previous kept declarator
                edits.append(Edit(decls[i - 1].end_byte, decls[j].end_byte))
            i = j + 1
    return edits


def remove_declaration(decl: Node) -> list[Edit]:
    """Delete a function declaration or a variable declarator."""
    if decl.type == "variable_declarator":
        return remove_declarators([decl])
    return [delete_statement(decl)]


def removable(declarator: Node) -> bool:
    """An unused declarator that is neither exported nor a script-level ``var`` (a global)."""
    decl = declarator.parent
    if decl is None or decl.parent is None or decl.parent.type == "export_statement":
        return False
    return not (decl.type == "variable_declaration" and decl.parent.type == "program")


def _pure(data: bytes, node: Node, depth: int = 0) -> bool:
    """Whether evaluating ``node`` has no effect and loses nothing worth analysing: literals,
    names, objects of those and of one-line functions (proxies), and the ``'2|0|1'.split('|')``
    of a flattened dispatcher. A function of its own is kept: unused code can still be evidence."""
    node = unparen(node)
    kind = node.type
    if kind in _LITERALS:
        return True
    if depth > 20:
        return False
    if kind in FUNCTIONS:
        return depth > 0 and node.end_byte - node.start_byte <= MAX_PROXY_FUNCTION
    if kind == "unary_expression":
        arg = node.child_by_field_name("argument")
        return arg is not None and _pure(data, arg, depth + 1)
    if kind in ("array", "object"):
        for child in node.named_children:
            if child.type == "pair":
                value = child.child_by_field_name("value")
                key = child.child_by_field_name("key")
                if value is None or key is None or key.type == "computed_property_name":
                    return False
                if not _pure(data, value, depth + 1):
                    return False
            elif child.type != "comment" and not _pure(data, child, depth + 1):
                return False
        return True
    if kind == "call_expression":
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or args is None or fn.type != "member_expression":
            return False
        obj = fn.child_by_field_name("object")
        prop = fn.child_by_field_name("property")
        return (
            obj is not None
            and obj.type == "string"
            and prop is not None
            and data[prop.start_byte : prop.end_byte] == b"split"
            and all(a.type == "string" for a in args.named_children)
        )
    return False


def unused_declarators(root: Node, scopes: Scopes, typescript: bool) -> list[Node]:
    """Declarators of local variables nothing uses whose value has no effect."""
    out = []
    for caps in matches(root, _QUERY, typescript):
        declarator = caps["declarator"][0]
        binding = scopes.resolve(caps["name"][0])
        if binding is None or not removable(declarator):
            continue
        if any(r != binding.name_node for r in scopes.references(binding)):
            continue
        if _pure(scopes.data, caps["value"][0]):
            out.append(declarator)
    return out
