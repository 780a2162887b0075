"""Whether an identifier derived from machine or user facts only names something on this machine.

A hash of the home directory or the user name that becomes part of a file or socket path
(``/tmp/tool-${hash(user)}/server.sock``) keeps per-user state apart; nobody outside the machine
sees it, so it identifies the user to no one. Followed a few steps: through variables, string
building and the call that returned it, to a ``path.join``/``path.resolve`` or a file-system call.
Anything else (an object, a request, an unknown function) keeps the identifier reportable.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from agentxray.analyze.js.nodes import (
    NameIndex,
    enclosing_function,
    returned_expressions,
    scope_of,
    text,
)

MAX_DEPTH = 3
MAX_USES = 12
PATH_MEMBERS = frozenset({"join", "resolve"})
_FS_CALL = re.compile(
    r"(?:^|\.)(?:mkdir|mkdtemp|writeFile|readFile|appendFile|open|unlink|rm|rmdir|stat|lstat|"
    r"access|exists|createWriteStream|createReadStream|createServer|listen|connect)(?:Sync)?$"
)
_PASS_THROUGH = frozenset(
    {"parenthesized_expression", "await_expression", "template_substitution", "template_string"}
)
_PATH_MODULE = rb"[\"'](?:node:)?path(?:/posix|/win32)?[\"']"
_PIPE = re.compile(r"^[`\"'](?:\\\\){2}\.(?:\\\\)pipe(?:\\\\)", re.IGNORECASE)
"""A literal naming a Windows named pipe (``\\\\.\\pipe\\…``, backslashes escaped in the source)."""


def names_local_path(index: NameIndex, expr: Node, entry: Node | None) -> bool:
    """Whether the identifier computed by ``expr`` (a hash call) only names local paths.

    ``entry`` is the call that passed the identity into the function computing it: its value is
    the identifier when the function returns it.
    """
    top = _chain_top(expr)
    fn = enclosing_function(expr)
    if fn is not None and (
        top in returned_expressions(fn) or _digest_returned(top, returned_expressions(fn))
    ):
        return entry is not None and _local(index, entry, 0)
    return _local(index, top, 0)


def _digest_returned(top: Node, returned: list[Node]) -> bool:
    """``hash.update(x);`` in a function that returns ``hash.digest(…)``: the hash object kept
    in a variable is what the function's value is made of."""
    if top.type != "call_expression" or top.parent is None:
        return False
    if top.parent.type != "expression_statement":
        return False
    callee = top.child_by_field_name("function")
    obj = callee.child_by_field_name("object") if callee is not None else None
    if obj is None or obj.type != "identifier":
        return False
    for ret in returned:
        head = ret
        while head.type in ("call_expression", "member_expression"):
            nxt = head.child_by_field_name(
                "function" if head.type == "call_expression" else "object"
            )
            if nxt is None:
                break
            head = nxt
        if head.type == "identifier" and text(head) == text(obj):
            return True
    return False


def _chain_top(node: Node) -> Node:
    """``h.update(x)`` → ``h.update(x).digest("hex").slice(0, 8)``: the value's whole chain."""
    cur = node
    while cur.parent is not None:
        parent = cur.parent
        through = (
            (parent.type == "member_expression" and parent.child_by_field_name("object") == cur)
            or (parent.type == "call_expression" and parent.child_by_field_name("function") == cur)
            or parent.type in ("parenthesized_expression", "await_expression")
        )
        if not through:
            break
        cur = parent
    return cur


def _local(index: NameIndex, value: Node, depth: int) -> bool:
    """Every place ``value`` goes is a local path (depth-limited; unknown means not local)."""
    if depth > MAX_DEPTH:
        return False
    cur = _chain_top(value)
    while cur.parent is not None and (
        cur.parent.type in _PASS_THROUGH
        or (
            cur.parent.type == "binary_expression"
            and text(cur.parent.child_by_field_name("operator") or cur.parent) == "+"
        )
    ):
        cur = _chain_top(cur.parent)
    if cur.type in ("template_string", "string") and _PIPE.match(text(cur)):
        return True  # a named pipe on this machine, wherever the name goes next
    parent = cur.parent
    if parent is None:
        return False
    if parent.type == "arguments" and parent.parent is not None:
        callee = parent.parent.child_by_field_name("function")
        return callee is not None and _path_or_fs(index, callee)
    if parent.type == "variable_declarator" and parent.child_by_field_name("value") == cur:
        name = parent.child_by_field_name("name")
        if name is None or name.type != "identifier":
            return False
        scope = scope_of(parent)
        uses = [
            u
            for u in index.identifiers(text(name), scope.start_byte, scope.end_byte)
            if u.start_byte != name.start_byte
        ]
        if len(uses) > MAX_USES:
            return False
        return all(_local(index, u, depth + 1) for u in uses)
    return False


def _path_or_fs(index: NameIndex, callee: Node) -> bool:
    """``path.join``, a name imported as ``join`` from ``path``, or a file-system call."""
    spelled = text(callee)
    if _FS_CALL.search(spelled):
        return True
    if callee.type == "member_expression":
        obj = callee.child_by_field_name("object")
        prop = callee.child_by_field_name("property")
        if (
            obj is not None
            and obj.type == "member_expression"
            and text(obj.child_by_field_name("property") or obj) == "default"
        ):
            obj = obj.child_by_field_name("object")  # a bundler's import_path.default.join
        return (
            obj is not None
            and prop is not None
            and text(prop) in PATH_MEMBERS
            and obj.type == "identifier"
            and text(obj) in _path_modules(index.data)
        )
    if callee.type == "identifier":
        return _path_functions(index.data).get(spelled) in PATH_MEMBERS
    return False


def _path_modules(data: bytes) -> frozenset[str]:
    """Names bound to the ``path`` module (``import P from "path"``, ``P = require("path")``)."""
    out = {"path"}
    for m in re.finditer(
        rb"import\s*(?:\*\s*as\s*)?([\w$]+)\s*from\s*"
        + _PATH_MODULE
        + rb"|([\w$]+)\s*=\s*(?:[\w$]+\(\s*)?require\(\s*"
        + _PATH_MODULE
        + rb"\s*\)",
        data,
    ):
        out.add((m.group(1) or m.group(2)).decode())
    return frozenset(out)


def _path_functions(data: bytes) -> dict[str, str]:
    """Local name → ``path`` member for ``import {join as J} from "path"`` and destructured
    requires (``const {join: J} = require("path")``)."""
    out: dict[str, str] = {}
    for m in re.finditer(
        rb"import\s*\{([^}]{0,400})\}\s*from\s*"
        + _PATH_MODULE
        + rb"|\{([^}]{0,400})\}\s*=\s*require\(\s*"
        + _PATH_MODULE
        + rb"\s*\)",
        data,
    ):
        for part in (m.group(1) or m.group(2)).decode(errors="replace").split(","):
            bits = re.split(r"\s+as\s+|\s*:\s*", part.strip())
            if bits and bits[0]:
                out[bits[-1].strip()] = bits[0].strip()
    return out
