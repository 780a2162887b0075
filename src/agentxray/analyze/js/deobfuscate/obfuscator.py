"""javascript-obfuscator string arrays: the array function, its rotation and its accessor."""

from __future__ import annotations

import logging
import re

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.recognise import Job
from agentxray.analyze.js.nodes import FUNCTION_TYPES, NameIndex, function_name, literal, text

logger = logging.getLogger(__name__)

# function a(){var x=['…','…',…];a=function(){return x;};return a();}
_ARRAY_FN = re.compile(rb"function\s+([\w$]+)\s*\(\s*\)\s*\{\s*(?:var|const|let)\s+[\w$]+\s*=\s*\[")
MAX_CALLS = 2_000


def _array_function(index: NameIndex, m: re.Match[bytes]) -> Node | None:
    node = index.node_at(m.start(1), m.end(1))
    fn = node.parent
    if fn is None or fn.type != "function_declaration":
        return None
    name = m.group(1).decode()
    body = text(fn)
    if f"{name}=function" not in body.replace(" ", ""):
        return None
    return fn


def _accessor(index: NameIndex, array_name: str) -> Node | None:
    """The function that reads the array through ``array_name()`` and reassigns itself."""
    for call in index.calls(array_name):
        fn = call.parent
        while fn is not None and fn.type not in FUNCTION_TYPES:
            fn = fn.parent
        if fn is None:
            continue
        name = function_name(fn)
        if name and name != array_name and f"{name}=function" in text(fn).replace(" ", ""):
            return fn
    return None


def _rotation(index: NameIndex, array_name: str) -> Node | None:
    """The IIFE ``(function(a, n){ … push(…shift()) … })(array_name, 0x…)``."""
    for ident in index.identifiers(array_name):
        args = ident.parent
        if args is None or args.type != "arguments":
            continue
        call = args.parent
        if call is None or call.type != "call_expression":
            continue
        src = text(call)
        if "push" in src and "shift" in src:
            stmt = call
            while stmt.parent is not None and not stmt.type.endswith("statement"):
                stmt = stmt.parent
            return stmt
    return None


def string_array_jobs(index: NameIndex, data: bytes) -> list[Job]:
    """One job per string-array setup: decodes every literal call of the accessor (and aliases)."""
    jobs: list[Job] = []
    for m in _ARRAY_FN.finditer(data):
        array_fn = _array_function(index, m)
        if array_fn is None:
            continue
        array_name = m.group(1).decode()
        accessor = _accessor(index, array_name)
        if accessor is None:
            continue
        acc_name = function_name(accessor)
        if acc_name is None:
            continue
        rotation = _rotation(index, array_name)
        names = {acc_name} | _aliases(data, acc_name)
        calls: list[str] = []
        for name in sorted(names):
            for call in index.calls(name)[:MAX_CALLS]:
                args = call.child_by_field_name("arguments")
                if args is None or not args.named_child_count:
                    continue
                if all(literal(a) is not None for a in args.named_children):
                    src = ", ".join(text(a) for a in args.named_children)
                    calls.append(f"{acc_name}({src})")
        if not calls:
            continue
        method = "javascript-obfuscator string array"
        if "atob" in text(accessor) or "charAt" in text(accessor):
            method += (
                " (base64"
                + (" + RC4" if "%" in text(accessor) and "^" in text(accessor) else "")
                + ")"
            )
        if rotation is not None:
            method += " with rotation"
        parts = [
            text(array_fn),
            text(accessor)
            if accessor.type == "function_declaration"
            else f"var {acc_name} = {text(accessor)};",
        ]
        if rotation is not None:
            parts.append(text(rotation))
        body = "\n".join(parts)
        code = (
            f"{body}\nvar out = []; var seen = {{}};\n"
            + "".join(
                f"try {{ var v = {c}; if (!seen[v]) {{ seen[v] = 1; out.push(v); }} }} catch (e) {{}}\n"
                for c in dict.fromkeys(calls)
            )
            + "return out;"
        )
        jobs.append(Job(method, array_fn, array_fn, code))
    return jobs


def _aliases(data: bytes, name: str) -> set[str]:
    pat = re.compile(rb"([\w$]+)\s*=\s*" + re.escape(name.encode()) + rb"\s*[,;)]")
    return {m.group(1).decode() for m in pat.finditer(data)}
