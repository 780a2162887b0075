"""Objects: rebuild literals from key-by-key assignments, inline proxy objects' reads."""

from __future__ import annotations

import logging

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.rewrite import Copy, Edit, Part
from agentxray.analyze.js.deobfuscate.scope import Scopes
from agentxray.analyze.js.deobfuscate.simplify import PRIMARY
from agentxray.analyze.js.deobfuscate.syntax import (
    IDENTIFIER,
    js_string,
    matches,
    string_value,
    unparen,
)

logger = logging.getLogger(__name__)

MAX_PROXY_PARAMS = 8
_QUERY = """
(variable_declarator name: (identifier) @name value: (object) @object) @declarator
"""
_SAFE_CONTEXTS = frozenset(
    {
        "arguments",
        "parenthesized_expression",
        "expression_statement",
        "variable_declarator",
        "return_statement",
        "pair",
        "array",
        "assignment_expression",
        "spread_element",
    }
)


def _key_name(data: bytes, key: Node) -> str | None:
    if key.type == "property_identifier":
        return data[key.start_byte : key.end_byte].decode("utf-8", "replace")
    return string_value(data, key)


def _assigned_key(data: bytes, stmt: Node, name: str) -> tuple[str, Node] | None:
    """For ``name.key = value;`` the key and value."""
    if stmt.type != "expression_statement" or not stmt.named_child_count:
        return None
    expr = stmt.named_children[0]
    if expr.type != "assignment_expression":
        return None
    left = expr.child_by_field_name("left")
    value = expr.child_by_field_name("right")
    if left is None or value is None:
        return None
    obj = left.child_by_field_name("object")
    if (
        obj is None
        or obj.type != "identifier"
        or data[obj.start_byte : obj.end_byte].decode() != name
    ):
        return None
    if left.type == "member_expression":
        prop = left.child_by_field_name("property")
    elif left.type == "subscript_expression":
        prop = left.child_by_field_name("index")
    else:
        return None
    key = _key_name(data, prop) if prop is not None else None
    return (key, value) if key is not None else None


def _declarators(found: list[dict[str, list[Node]]]) -> list[tuple[Node, Node, Node]]:
    return [
        (caps["declarator"][0], caps["object"][0], caps["name"][0])
        for caps in found
        if "declarator" in caps
    ]


def merge_assignments(
    data: bytes, scopes: Scopes, found: list[dict[str, list[Node]]]
) -> list[Edit]:
    """``const o = {}; o.a = 1; o['b'] = 2;`` → ``const o = {a: 1, b: 2};``."""
    edits: list[Edit] = []
    for declarator, obj, name_node in _declarators(found):
        decl = declarator.parent
        if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
            continue
        decls = [c for c in decl.named_children if c.type == "variable_declarator"]
        if decls[-1] != declarator:
            continue
        name = data[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
        props: list[tuple[str, Node, Node]] = []
        sibling = decl.next_named_sibling
        while sibling is not None:
            assigned = _assigned_key(data, sibling, name)
            if assigned is None:
                break
            key, value = assigned
            if any(
                data[i.start_byte : i.end_byte].decode("utf-8", "replace") == name
                for i in scopes.identifiers(value.start_byte, value.end_byte)
            ):
                break
            props.append((key, value, sibling))
            sibling = sibling.next_named_sibling
        if not props:
            continue
        existing = [c for c in obj.named_children if c.type != "comment"]
        parts: list[Part] = [b"{"]
        if existing:
            parts.append(Copy(existing[0].start_byte, existing[-1].end_byte))
        for key, value, _ in props:
            if len(parts) > 1:
                parts.append(b", ")
            label = key if IDENTIFIER.match(key) else js_string(key)
            parts += [
                label.encode("utf-8", "surrogatepass") + b": ",
                Copy(value.start_byte, value.end_byte),
            ]
        parts.append(b"}")
        edits.append(Edit(obj.start_byte, obj.end_byte, tuple(parts)))
        edits += [Edit(stmt.start_byte, stmt.end_byte) for _, _, stmt in props]
    return edits


def _proxy_value(data: bytes, scopes: Scopes, value: Node) -> bool:
    """A literal, or a function whose body returns an expression of its parameters only."""
    value = unparen(value)
    if value.type in ("string", "number", "true", "false", "null"):
        return True
    if value.type not in ("function_expression", "arrow_function"):
        return False
    shape = _proxy_function(data, value)
    if shape is None:
        return False
    params, expr = shape
    for ident in scopes.identifiers(expr.start_byte, expr.end_byte):
        if data[ident.start_byte : ident.end_byte].decode("utf-8", "replace") not in params:
            return False
    return not any(
        t in data[expr.start_byte : expr.end_byte]
        for t in (b"this", b"arguments", b"=>", b"function")
    )


def _proxy_function(data: bytes, fn: Node) -> tuple[list[str], Node] | None:
    params_node = fn.child_by_field_name("parameters")
    single = fn.child_by_field_name("parameter")
    if single is not None:
        params = [single]
    elif params_node is not None:
        params = list(params_node.named_children)
    else:
        return None
    if len(params) > MAX_PROXY_PARAMS or any(p.type != "identifier" for p in params):
        return None
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    if body.type == "statement_block":
        statements = [c for c in body.named_children if c.type != "comment"]
        if len(statements) != 1 or statements[0].type != "return_statement":
            return None
        if not statements[0].named_child_count:
            return None
        expr = statements[0].named_children[0]
    else:
        expr = body
    names = [data[p.start_byte : p.end_byte].decode("utf-8", "replace") for p in params]
    return names, expr


def _member_key(data: bytes, member: Node) -> str | None:
    if member.type == "member_expression":
        prop = member.child_by_field_name("property")
        return _key_name(data, prop) if prop is not None else None
    if member.type == "subscript_expression":
        index = member.child_by_field_name("index")
        return string_value(data, index) if index is not None else None
    return None


def _is_written(member: Node) -> bool:
    parent = member.parent
    if parent is None:
        return True
    if parent.type in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == member
    if parent.type == "update_expression":
        return True
    if parent.type != "unary_expression":
        return False
    op = parent.child_by_field_name("operator")
    return op is not None and op.type == "delete"


def _inline_call(data: bytes, scopes: Scopes, fn: Node, call: Node) -> tuple[Part, ...] | None:
    shape = _proxy_function(data, fn)
    args_node = call.child_by_field_name("arguments")
    if shape is None or args_node is None:
        return None
    params, expr = shape
    args = [a for a in args_node.named_children if a.type != "comment"]
    if any(a.type == "spread_element" for a in args):
        return None
    uses = scopes.identifiers(expr.start_byte, expr.end_byte)
    counts: dict[str, int] = {}
    for ident in uses:
        key = data[ident.start_byte : ident.end_byte].decode("utf-8", "replace")
        counts[key] = counts.get(key, 0) + 1
    parts: list[Part] = []
    pos = expr.start_byte
    for ident in uses:
        key = data[ident.start_byte : ident.end_byte].decode("utf-8", "replace")
        if key not in params:
            return None
        i = params.index(key)
        parts.append(data[pos : ident.start_byte])
        if i < len(args):
            arg = args[i]
            if counts[key] > 1 and unparen(arg).type not in ("identifier", "string", "number"):
                return None
            copy = Copy(arg.start_byte, arg.end_byte)
            context = ident.parent.type if ident.parent is not None else ""
            bare = arg.type in PRIMARY or context in ("arguments", "parenthesized_expression")
            parts += [copy] if bare else [b"(", copy, b")"]
        else:
            parts.append(b"undefined")
        pos = ident.end_byte
    parts.append(data[pos : expr.end_byte])
    parent = call.parent
    if expr.type not in PRIMARY and (parent is None or parent.type not in _SAFE_CONTEXTS):
        parts = [b"(", *parts, b")"]
    return tuple(p for p in parts if p != b"")


def inline_proxies(data: bytes, scopes: Scopes, found: list[dict[str, list[Node]]]) -> list[Edit]:
    """Objects of literals and one-line functions read by constant keys: every read inlined.

    Such an object, once nothing reads it, goes in a later round (an unused declarator).
    """
    edits: list[Edit] = []
    for _, obj, name_node in _declarators(found):
        props: dict[str, Node] = {}
        ok = True
        for pair in obj.named_children:
            if pair.type == "comment":
                continue
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            value = pair.child_by_field_name("value") if pair.type == "pair" else None
            name = _key_name(data, key) if key is not None else None
            if name is None or value is None or not _proxy_value(data, scopes, value):
                ok = False
                break
            props[name] = unparen(value)
        binding = scopes.resolve(name_node)
        if not ok or not props or binding is None:
            continue
        refs = [r for r in scopes.references(binding) if r != binding.name_node]
        if refs:
            edits += _proxy_edits(data, scopes, refs, props)
    return edits


def _proxy_edits(
    data: bytes, scopes: Scopes, refs: list[Node], props: dict[str, Node]
) -> list[Edit]:
    plan: list[Edit] = []
    for ref in refs:
        member = ref.parent
        if member is None or member.type not in ("member_expression", "subscript_expression"):
            return []
        if member.child_by_field_name("object") != ref or _is_written(member):
            return []
        key = _member_key(data, member)
        value = props.get(key) if key is not None else None
        if value is None:
            return []
        call = member.parent
        if value.type in ("function_expression", "arrow_function"):
            if (
                call is not None
                and call.type == "call_expression"
                and call.child_by_field_name("function") == member
            ):
                parts = _inline_call(data, scopes, value, call)
                if parts is None:
                    return []
                plan.append(Edit(call.start_byte, call.end_byte, parts))
            else:
                plan.append(
                    Edit(
                        member.start_byte,
                        member.end_byte,
                        (b"(", data[value.start_byte : value.end_byte], b")"),
                    )
                )
        else:
            plan.append(
                Edit(member.start_byte, member.end_byte, (data[value.start_byte : value.end_byte],))
            )
    return plan


_EFFECTS = frozenset(
    {
        "call_expression",
        "new_expression",
        "assignment_expression",
        "augmented_assignment_expression",
        "update_expression",
        "await_expression",
        "yield_expression",
        "tagged_template_expression",
    }
)
_FUNCTIONS = frozenset(
    {
        "function_expression",
        "function",
        "arrow_function",
        "generator_function",
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
        "class_declaration",
        "class",
    }
)
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_VALUE_SLOTS = {
    "arguments": None,
    "array": None,
    "spread_element": None,
    "return_statement": None,
    "pair": "value",
    "assignment_expression": "right",
}
"""Where an object literal may stand for a name as it is. Not a declarator's value: ``var b = o``
makes ``b`` an alias, which other rewrites of the same round replace by ``o``."""


def _without_effects(node: Node) -> bool:
    """Evaluating ``node`` runs no code of its own: no call, write, await (a function or method
    written inside it is only created, not run)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type in _EFFECTS:
            return False
        if cur.type == "unary_expression":
            op = cur.child_by_field_name("operator")
            if op is not None and op.type == "delete":
                return False
        if cur.type in _FUNCTIONS and cur is not node:
            continue
        stack.extend(cur.named_children)
    return True


def _plain_slot(ref: Node) -> bool:
    """``ref`` is a value an object literal may stand in for as it is (no parentheses)."""
    parent = ref.parent
    if parent is None or parent.type not in _VALUE_SLOTS:
        return False
    field = _VALUE_SLOTS[parent.type]
    if parent.type == "assignment_expression":  # ``module.exports = o``, not ``b = o``
        left = parent.child_by_field_name("left")
        return (
            parent.child_by_field_name("right") == ref
            and left is not None
            and (left.type in ("member_expression", "subscript_expression"))
        )
    return field is None or parent.child_by_field_name(field) == ref


def _written_names(data: bytes, scopes: Scopes, start: int, end: int) -> set[str]:
    """Names assigned or updated in ``[start, end)``."""
    names = set()
    for ident in scopes.identifiers(start, end):
        parent = ident.parent
        if parent is None:
            continue
        if parent.type == "update_expression" or (
            parent.type in ("assignment_expression", "augmented_assignment_expression")
            and parent.child_by_field_name("left") == ident
        ):
            names.add(data[ident.start_byte : ident.end_byte].decode("utf-8", "replace"))
    return names


def inline_hoisted(data: bytes, scopes: Scopes, found: list[dict[str, list[Node]]]) -> list[Edit]:
    """``const o = {…}; use(o);`` → ``use({…});`` when ``o`` is read once, in the next statement.

    Undoes object-key transforms (javascript-obfuscator's ``transformObjectKeys``) that hoist an
    object literal into a variable declared just before the statement using it, so that a call's
    options (``{method: 'POST', body}``) and an export list are literals at their use again. Only
    exact: the object evaluates without effects; its use is not inside a function or loop of the
    next statement (it is made once, as before), and nothing in that statement before the use
    writes a name it reads. One edit from the declaration to the use, so both change or neither.
    """
    edits: list[Edit] = []
    for declarator, obj, name_node in _declarators(found):
        decl = declarator.parent
        if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
            continue
        if [c for c in decl.named_children if c.type != "comment"] != [declarator]:
            continue
        binding = scopes.resolve(name_node)
        if binding is None or binding.name_node != name_node:
            continue
        refs = [r for r in scopes.references(binding) if r != name_node]
        nxt = decl.next_named_sibling
        while nxt is not None and nxt.type == "comment":
            nxt = nxt.next_named_sibling
        if len(refs) != 1 or nxt is None or refs[0].type != "identifier":
            continue
        ref = refs[0]
        if not (nxt.start_byte <= ref.start_byte and ref.end_byte <= nxt.end_byte):
            continue
        if not _plain_slot(ref) or not _without_effects(obj):
            continue
        cur = ref.parent
        while cur is not None and cur != nxt and cur.type not in _FUNCTIONS | _LOOPS:
            cur = cur.parent
        if cur != nxt or nxt.type in _FUNCTIONS | _LOOPS:
            continue
        read = {
            data[i.start_byte : i.end_byte].decode("utf-8", "replace")
            for i in scopes.identifiers(obj.start_byte, obj.end_byte)
        }
        if read & _written_names(data, scopes, nxt.start_byte, ref.start_byte):
            continue
        edits.append(
            Edit(
                decl.start_byte,
                ref.end_byte,
                (Copy(nxt.start_byte, ref.start_byte), Copy(obj.start_byte, obj.end_byte)),
            )
        )
    return edits


def rebuild_objects(root: Node, data: bytes, scopes: Scopes, typescript: bool) -> list[Edit]:
    """One round of object rewrites (overlaps are resolved by the caller)."""
    found = matches(root, _QUERY, typescript)
    return (
        merge_assignments(data, scopes, found)
        + inline_proxies(data, scopes, found)
        + inline_hoisted(data, scopes, found)
    )
