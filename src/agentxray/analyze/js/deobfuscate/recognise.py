"""Recognise decoder functions and literal encoded data, and build isolate jobs for them."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    NameIndex,
    enclosing_function,
    function_name,
    literal,
    parameter_names,
    prefiltered_finditer,
    text,
    unwrap,
)

logger = logging.getLogger(__name__)

PREFILTER = re.compile(
    rb"fromCharCode|atob\(|[\"']base64[\"']|\.reverse\(\)\.join\(|_0x[0-9a-f]{4}|[\"']hex[\"']"
)
BUILTINS = frozenset(
    [
        "String",
        "Number",
        "Math",
        "Array",
        "Object",
        "JSON",
        "Buffer",
        "atob",
        "btoa",
        "TextDecoder",
        "Uint8Array",
        "parseInt",
        "parseFloat",
        "decodeURIComponent",
        "encodeURIComponent",
        "escape",
        "unescape",
        "RegExp",
        "Boolean",
        "undefined",
        "NaN",
        "Infinity",
        "isNaN",
        "Symbol",
        "Error",
        "globalThis",
        "window",
        "self",
        "arguments",
        "this",
    ]
)
MAX_CALL_SITES = 60
MAX_DEPENDENCY_DEPTH = 3
_CHARCODE_ARGS = re.compile(
    rb"fromCharCode\((?:\.\.\.\s*\[)?\s*(?:-?(?:0x)?[0-9a-fA-F]+\s*,\s*){3,}"
)


@dataclass(frozen=True, slots=True)
class Job:
    """A piece of hidden data and the self-contained JavaScript that decodes it."""

    method: str
    """How it is hidden, in words (``base64 + XOR with key 91``)."""
    site: Node
    """The call or expression whose value is the decoded data."""
    decoder: Node | None
    """The decoder function, when there is one."""
    code: str
    """A function body returning the decoded value."""


def _declared_inside(fn: Node) -> set[str]:
    names = set(parameter_names(fn))
    stack = [fn]
    while stack:
        cur = stack.pop()
        for child in cur.named_children:
            if child.type == "variable_declarator":
                n = child.child_by_field_name("name")
                if n is not None:
                    names.update(text(i) for i in _pattern_identifiers(n))
            elif child.type == "catch_clause":
                p = child.child_by_field_name("parameter")
                if p is not None:
                    names.add(text(p))
            elif child.type in FUNCTION_TYPES:
                names.update(parameter_names(child))
                n = child.child_by_field_name("name")
                if n is not None:
                    names.add(text(n))
            elif child.type == "for_in_statement":
                left = child.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    names.add(text(left))
            stack.append(child)
    return names


def _pattern_identifiers(node: Node) -> list[Node]:
    if node.type == "identifier":
        return [node]
    out: list[Node] = []
    for c in node.named_children:
        if c.type in ("identifier", "shorthand_property_identifier_pattern"):
            out.append(c)
        else:
            out.extend(_pattern_identifiers(c))
    return out


def free_names(node: Node) -> set[str]:
    """Identifiers a function or expression uses but does not declare (builtins excluded)."""
    local = _declared_inside(node) if node.type in FUNCTION_TYPES else set()
    out: set[str] = set()
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type == "identifier":
            name = text(cur)
            if name not in local and name not in BUILTINS:
                out.add(name)
            continue
        if cur.type in FUNCTION_TYPES and cur != node:
            local |= _declared_inside(cur)
        stack.extend(cur.named_children)
    return out


def _dependencies(
    index: NameIndex, names: set[str], depth: int, seen: set[str]
) -> list[str] | None:
    """Source lines defining the free names (literals and small functions), or None if unresolved."""
    out: list[str] = []
    for name in sorted(names):
        if name in seen:
            continue
        seen.add(name)
        fn = index.function_named(name)
        if fn is not None and depth < MAX_DEPENDENCY_DEPTH and fn.end_byte - fn.start_byte < 20_000:
            inner = _dependencies(index, free_names(fn) - {name}, depth + 1, seen)
            if inner is None:
                return None
            src = text(fn)
            out.extend(inner)
            out.append(f"var {name} = {src};" if fn.type != "function_declaration" else src)
            continue
        value = _literal_value_of(index, name)
        if value is None:
            return None
        out.append(f"var {name} = {value};")
    return out


def _literal_value_of(index: NameIndex, name: str) -> str | None:
    for d in index.definitions(name):
        value = d.child_by_field_name("value") or d.child_by_field_name("right")
        if value is None:
            continue
        value = unwrap(value)
        if literal(value) is not None or value.type == "regex":
            return text(value)
        if value.type == "array" and all(literal(c) is not None for c in value.named_children):
            return text(value)
    return None


def _is_literal_arg(index: NameIndex, arg: Node) -> str | None:
    """Source of an argument if it is a literal or a name bound to one."""
    arg = unwrap(arg)
    if literal(arg) is not None:
        return text(arg)
    if arg.type == "identifier":
        return _literal_value_of(index, text(arg))
    return None


def _xor_method(fn: Node) -> str | None:
    src = text(fn)
    if "fromCharCode" not in src or "^" not in src:
        return None
    if "base64" in src or "atob(" in src:
        return "base64 + XOR"
    if "hex" in src or ",16)" in src or ", 16)" in src:
        return "hex + XOR"
    if "charCodeAt" in src:
        return "XOR of char codes"
    return None


def decoder_jobs(index: NameIndex, data: bytes) -> list[Job]:
    """Every decoder call with literal arguments and every literal char-code/reversed string."""
    jobs: list[Job] = []
    done_fns: set[int] = set()
    for m in prefiltered_finditer(PREFILTER, data):  # PREFILTER.finditer(data), faster
        node = index.node_at(m.start(), m.end())
        if m.group().startswith(b"fromCharCode") and _CHARCODE_ARGS.match(data, m.start()):
            call = node
            while call.parent is not None and call.type != "call_expression":
                call = call.parent
            if call.type == "call_expression" and not free_names(call):
                jobs.append(Job("char-code array", call, None, "return " + text(call) + ";"))
                continue
        if m.group().startswith(b".reverse"):
            rev: Node | None = node
            while rev is not None and rev.type != "call_expression":
                rev = rev.parent
            if rev is not None and _reverse_receiver(rev) is not None:
                jobs.append(Job("reversed string", rev, None, "return " + text(rev) + ";"))
                continue
        fn = enclosing_function(node)
        if fn is None or fn.start_byte in done_fns or fn.end_byte - fn.start_byte > 4_000:
            continue
        done_fns.add(fn.start_byte)
        method = _xor_method(fn)
        if method is None:
            continue
        jobs.extend(_call_site_jobs(index, fn, method))
    return jobs


def _reverse_receiver(call: Node | None) -> Node | None:
    """For ``"abc".split("").reverse().join("")`` the string literal, else ``None``."""
    if call is None:
        return None
    src = text(call)
    if not re.fullmatch(
        r"""(["'`]).*\1\.split\((["'`])\2\)\.reverse\(\)\.join\((["'`])\3\)""", src, re.S
    ):
        return None
    cur = call
    while cur.named_child_count:
        cur = cur.named_children[0]
        if cur.type == "string" and len(text(cur)) > 6:
            return cur
    return None


def _call_site_jobs(index: NameIndex, fn: Node, method: str) -> list[Job]:
    name = function_name(fn)
    if name is None:
        return []
    deps = _dependencies(index, free_names(fn) - {name}, 0, {name})
    if deps is None:
        logger.debug("decoder %s has unresolved free names", name)
        return []
    key = _key_of(index, fn)
    if key:
        method = f"{method} with key {key}"
    source = text(fn)
    define = source if fn.type == "function_declaration" else f"var {name} = {source};"
    prelude = "\n".join([*deps, define])
    jobs = []
    for call in index.calls(name)[:MAX_CALL_SITES]:
        args = call.child_by_field_name("arguments")
        if args is None or not args.named_child_count:
            continue
        arg_src = [_is_literal_arg(index, a) for a in args.named_children]
        if any(a is None for a in arg_src):
            continue
        code = f"{prelude}\nreturn {name}({', '.join(a for a in arg_src if a is not None)});"
        jobs.append(Job(method, call, fn, code))
    return jobs


def _key_of(index: NameIndex, fn: Node) -> str | None:
    m = re.search(r"\^\s*([\w$]+)", text(fn))
    if m is None:
        return None
    token = m.group(1)
    if token[0].isdigit():
        return token
    if token in parameter_names(fn):
        return None  # the key is an argument; it shows in the decoded call
    value = _literal_value_of(index, token)
    return value if value is not None and len(value) < 40 else None
