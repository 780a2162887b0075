"""When is code active? Describe the guards in front of it in plain words.

A guard is an early exit at the top of the function holding the code (``if (X()) return null;``).
Its test is summarised through small helper functions (straight-line code of ``let`` bindings,
``if (c) return v;`` and a final ``return``) into a formula over facts about environment values
("ANTHROPIC_BASE_URL is set", "the host of ANTHROPIC_BASE_URL is one of …"), negated, and rendered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.formula import Atom, Formula, both, either, negate, simplify
from agentxray.analyze.js.nodes import (
    NameIndex,
    bool_literal,
    enclosing_function,
    is_callback,
    literal,
    parameter_names,
    text,
    unwrap,
)
from agentxray.analyze.js.values import Resolver

logger = logging.getLogger(__name__)

MAX_DEPTH = 4


@dataclass
class Describer:
    """Summarises boolean code into formulas."""

    index: NameIndex
    resolver: Resolver

    def _returned_subject(self, fn: Node, depth: int) -> str | None:
        body = fn.child_by_field_name("body")
        if body is None:
            return None
        if body.type != "statement_block":
            return self.subject(body, {}, depth)
        env: dict[str, str] = {}
        for stmt in _flatten(body):
            if stmt.type in ("lexical_declaration", "variable_declaration"):
                for d in stmt.named_children:
                    name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
                    if name is not None and value is not None:
                        subj = self.subject(value, env, depth)
                        if subj is not None:
                            env[text(name)] = subj
            elif stmt.type == "return_statement" and stmt.named_child_count:
                subj = self.subject(stmt.named_children[0], env, depth)
                if subj is not None:
                    return subj
        return None

    def subject(self, node: Node, env: dict[str, str], depth: int = 0) -> str | None:
        """What environment value an expression holds, in words, if known."""
        node = unwrap(node)
        if node.type == "identifier":
            return env.get(text(node))
        if node.type == "member_expression":
            obj = node.child_by_field_name("object")
            prop = text(node.child_by_field_name("property") or node)
            if obj is not None and text(obj) == "process.env":
                return prop
            if prop in ("host", "hostname") and obj is not None:
                obj = unwrap(obj)
                if obj.type == "new_expression":
                    args = obj.child_by_field_name("arguments")
                    if args is not None and args.named_child_count:
                        inner = self.subject(args.named_children[0], env, depth)
                        return f"the host of {inner}" if inner else None
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is not None and fn.type == "identifier" and depth < MAX_DEPTH:
                target = self.index.function_named(text(fn))
                return self._returned_subject(target, depth + 1) if target is not None else None
            if fn is not None and fn.type == "member_expression":
                prop = text(fn.child_by_field_name("property") or fn)
                if prop in ("toLowerCase", "trim"):
                    return self.subject(fn.child_by_field_name("object") or node, env, depth)
        if node.type == "subscript_expression":
            obj = node.child_by_field_name("object")
            idx = node.child_by_field_name("index")
            if obj is not None and text(obj) == "process.env" and idx is not None:
                return literal(idx)
        return None

    def formula(self, node: Node, env: dict[str, str], depth: int = 0) -> Formula:
        """The truth of an expression as a formula."""
        node = unwrap(node)
        b = bool_literal(node)
        if b is not None:
            return b
        if node.type in ("null", "undefined"):
            return False
        if node.type in ("object", "array", "string", "template_string"):
            return True
        if node.type == "unary_expression" and text(node).startswith("!"):
            arg = node.child_by_field_name("argument")
            return (
                negate(self.formula(arg, env, depth))
                if arg is not None
                else Atom(text(node), opaque=True)
            )
        if node.type == "binary_expression":
            op = text(node.child_by_field_name("operator") or node)
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                return Atom(text(node), opaque=True)
            if op in ("&&", "||"):
                a, c = self.formula(left, env, depth), self.formula(right, env, depth)
                return both(a, c) if op == "&&" else either(a, c)
            if op in ("===", "==", "!==", "!="):
                subj, other = self.subject(left, env), right
                if subj is None:
                    subj, other = self.subject(right, env), left
                values = self.resolver.values(other).items
                if subj is not None and values:
                    return Atom(subj, values, negated=op.startswith("!"))
        subj = self.subject(node, env)
        if subj is not None:
            return Atom(subj)
        if node.type == "call_expression":
            return self._call(node, env, depth)
        return Atom(text(node), opaque=True)

    def _call(self, node: Node, env: dict[str, str], depth: int) -> Formula:
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        arg_nodes = args.named_children if args is not None else []
        if callee is not None and callee.type == "member_expression":
            prop = text(callee.child_by_field_name("property") or callee)
            if prop in ("includes", "has") and arg_nodes:
                subj = self.subject(arg_nodes[0], env)
                values = self.resolver.values(callee.child_by_field_name("object")).items
                if subj is not None and values:
                    return Atom(subj, values)
        if callee is not None and callee.type == "identifier" and depth < MAX_DEPTH:
            fn = self.index.function_named(text(callee))
            if fn is not None:
                inner = {
                    p: s
                    for p, a in zip(parameter_names(fn), arg_nodes, strict=False)
                    if p and (s := self.subject(a, env)) is not None
                }
                summary = self.function(fn, inner, depth + 1)
                if summary is not None:
                    return summary
        return Atom(text(node), opaque=True)

    def function(self, fn: Node, env: dict[str, str], depth: int) -> Formula | None:
        """When a small function returns a truthy value; ``None`` when it is not simple enough."""
        body = fn.child_by_field_name("body")
        if body is None:
            return None
        if body.type != "statement_block":
            return self.formula(body, env, depth)
        env = dict(env)
        guards: list[tuple[Formula, Formula]] = []
        final: Formula | None = None
        for stmt in _flatten(body):
            if stmt.type in ("lexical_declaration", "variable_declaration"):
                self._bind(stmt, env, depth)
            elif stmt.type == "if_statement" and stmt.child_by_field_name("alternative") is None:
                ret = _only_return(stmt.child_by_field_name("consequence"))
                cond = stmt.child_by_field_name("condition")
                if ret is None or cond is None:
                    return None
                guards.append((self.formula(cond, env, depth), self.formula(ret, env, depth)))
            elif stmt.type == "return_statement" and stmt.named_child_count:
                final = self.formula(stmt.named_children[0], env, depth)
                break
            else:
                return None
        if final is None:
            return None
        summary: Formula = final
        for test, outcome in reversed(guards):
            summary = either(both(test, outcome), both(negate(test), summary))
        return simplify(summary)

    def activation(self, node: Node) -> Formula:
        """The guards that must fail for ``node`` to run: early returns before it in its function
        (and in the functions holding it, when it sits in an inline callback)."""
        try:
            return self._activation(node)
        except RecursionError:  # absurdly nested conditions: say nothing rather than guess
            logger.debug("guard too deeply nested at byte %d", node.start_byte)
            return True

    def _activation(self, node: Node) -> Formula:
        result: Formula = True
        fn = enclosing_function(node)
        while fn is not None:
            result = both(result, self._guards(fn, node))
            if not is_callback(fn):
                break
            node, fn = fn, enclosing_function(fn)
            if fn is not None and fn.end_byte - fn.start_byte > 50_000:
                break
        return simplify(result)

    def _guards(self, fn: Node, node: Node) -> Formula:
        body = fn.child_by_field_name("body")
        if body is None or body.type != "statement_block":
            return True
        result: Formula = True
        env: dict[str, str] = {}
        for stmt in body.named_children:
            if stmt.type in ("lexical_declaration", "variable_declaration"):
                self._bind(stmt, env, 0)
            if stmt.start_byte <= node.start_byte < stmt.end_byte:
                break
            if stmt.type == "if_statement" and _only_return(
                stmt.child_by_field_name("consequence")
            ):
                cond = stmt.child_by_field_name("condition")
                if cond is not None:
                    result = both(result, negate(self.formula(cond, env, 0)))
        return result

    def _bind(self, stmt: Node, env: dict[str, str], depth: int) -> None:
        for d in stmt.named_children:
            name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
            if name is not None and value is not None:
                subj = self.subject(value, env, depth)
                if subj is not None:
                    env[text(name)] = subj


def _flatten(block: Node) -> list[Node]:
    out: list[Node] = []
    for stmt in block.named_children:
        if stmt.type == "try_statement":
            body = stmt.child_by_field_name("body")
            if body is not None:
                out.extend(_flatten(body))
        elif stmt.type != "comment":
            out.append(stmt)
    return out


def _only_return(node: Node | None) -> Node | None:
    if node is None:
        return None
    if node.type == "statement_block" and node.named_child_count == 1:
        node = node.named_children[0]
    if node.type == "return_statement":
        return node.named_children[0] if node.named_child_count else node
    return None


# --- decisions that only arrange the collection they tested ------------------------------------

_ADDS = frozenset({"push", "unshift"})


def arranges_tested(collection: Node | None, test: Node, decided: list[Node]) -> bool:
    """A membership test (``zones.includes(tz)``) whose every decided branch only yields the
    tested collection itself, or it with the tested value added (``zones.includes(tz) ? zones :
    [tz, ...zones]``, ``if (!zones.includes(tz)) zones.unshift(tz)``): a world clock showing its
    list with the user's own zone in it decides how a list is shown, not what the program does
    for a region. ``test`` is the comparing expression (the tested value is written in it)."""
    if collection is None or not decided:
        return False
    collection = unwrap(collection)
    name = text(collection)
    if collection.type not in ("identifier", "member_expression"):
        return False
    within = text(test)
    for node in decided:
        if node.type == "ternary_expression":
            arms = [node.child_by_field_name(f) for f in ("consequence", "alternative")]
            if not all(a is not None and _same_list(a, name, within) for a in arms):
                return False
        elif node.type == "if_statement":
            stmts = _branch_statements(node)
            if not stmts or not all(_adds_tested(s, name, within) for s in stmts):
                return False
        else:
            return False
    return True


def _branch_statements(node: Node) -> list[Node]:
    out: list[Node] = []
    for f in ("consequence", "alternative"):
        b = node.child_by_field_name(f)
        if b is not None and b.type == "else_clause":
            b = b.named_children[0] if b.named_child_count else None
        if b is not None:
            out.extend(_flatten(b) if b.type == "statement_block" else [b])
    return out


def _tested_value(node: Node, name: str, within: str) -> bool:
    """A non-literal element other than the collection, written in the test (``tz``)."""
    node = unwrap(node)
    return (
        node.type in ("identifier", "member_expression", "call_expression")
        and text(node) != name
        and text(node) in within
    )


def _same_list(node: Node, name: str, within: str) -> bool:
    """``zones``, ``[tz, ...zones]``, ``[...zones, tz]``, ``zones.concat(tz)``, ``[tz].concat(zones)``."""
    node = unwrap(node)
    if text(node) == name:
        return True
    if node.type == "array":
        spreads = [
            e
            for e in node.named_children
            if e.type == "spread_element"
            and e.named_child_count
            and text(e.named_children[0]) == name
        ]
        rest = [e for e in node.named_children if e not in spreads]
        return (
            bool(spreads) and len(rest) <= 1 and all(_tested_value(e, name, within) for e in rest)
        )
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if callee is None or args is None or callee.type != "member_expression":
            return False
        prop = callee.child_by_field_name("property")
        obj = callee.child_by_field_name("object")
        if prop is None or obj is None or text(prop) != "concat" or args.named_child_count != 1:
            return False
        arg = args.named_children[0]
        if text(unwrap(obj)) == name:
            return _tested_value(arg, name, within) or _same_list(arg, name, within)
        return text(unwrap(arg)) == name and _same_list_of_value(obj, name, within)
    return False


def _same_list_of_value(node: Node, name: str, within: str) -> bool:
    node = unwrap(node)
    return (
        node.type == "array"
        and node.named_child_count == 1
        and _tested_value(node.named_children[0], name, within)
    )


def _adds_tested(stmt: Node, name: str, within: str) -> bool:
    """``zones.unshift(tz)``, ``zones.push(tz)``, ``shown = [tz, ...zones]``."""
    if stmt.type != "expression_statement" or not stmt.named_child_count:
        return False
    expr = unwrap(stmt.named_children[0])
    if expr.type == "assignment_expression":
        right = expr.child_by_field_name("right")
        return right is not None and _same_list(right, name, within)
    if expr.type != "call_expression":
        return False
    callee = expr.child_by_field_name("function")
    args = expr.child_by_field_name("arguments")
    if callee is None or args is None or callee.type != "member_expression":
        return False
    prop, obj = callee.child_by_field_name("property"), callee.child_by_field_name("object")
    return (
        prop is not None
        and obj is not None
        and text(prop) in _ADDS
        and text(unwrap(obj)) == name
        and args.named_child_count == 1
        and _tested_value(args.named_children[0], name, within)
    )
