"""Hidden data found by what the code does: closed expressions around decoding primitives.

A *decoding primitive* is an operation that turns stored text into other text: ``atob``,
``Buffer.from(…, "base64"|"hex")``, ``String.fromCharCode``, ``TextDecoder``, ``reverse()``,
``zlib.inflateSync``, a literal ``split(…)`` rejoined or mapped. Around each one the largest
*closed* expression is taken: one whose free names all resolve, within the file, to literals,
small functions or other closed expressions (a decoder helper, its key, the encoded constant).
That expression, with the definitions it needs, is a job for the capability-free isolate. A
decoder written in any style is found this way, without knowing its shape: base64 twice,
multi-byte XOR, rot13 through ``replace``, char-code offsets, inflate, reversed or split strings.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from ahocorasick_rs import BytesAhoCorasick
from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.recognise import BUILTINS as RECOGNISED_BUILTINS
from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    WIDE_SCOPE,
    NameIndex,
    enclosing_function,
    function_name,
    parameter_names,
    prefiltered_finditer,
    string_value,
    text,
    unwrap,
)

logger = logging.getLogger(__name__)

PRIMITIVES = tuple(
    re.compile(p)
    for p in (
        rb"fromCharCode",
        rb"fromCodePoint",
        rb"atob\(",
        rb"base64(?:url)?[\"']",
        rb"hex[\"']",
        rb"\.reverse\(\)",
        rb"TextDecoder",
        rb"\.decode\(",
        rb"(?:inflate|inflateRaw|gunzip|unzip)Sync\b",
        rb"\.join\(([\"'`])\1\)",
        # XOR with a key's char codes, either operand first (``b ^ key.charCodeAt(i % n)``)
        rb"charCodeAt\([^()]*\)\s*\^",
        rb"\^\s*(?:[\w$.]+|\"[^\"\n]{1,80}\"|'[^'\n]{1,80}')\.charCodeAt\(",
        # bytes computed into a buffer (``Buffer.from(NUMS.map(…))``), bytes read as text
        rb"Buffer\.from\(\s*(?:\[|[\w$.]+\.map\()",
        rb"\.toString\([\"'](?:latin1|binary|ascii)[\"']\)",
        # a character picked from an alphabet by a computed index (``T[(k * 7 + 3) % T.length]``)
        rb"%\s*[\w$.]+\.length\s*\]",
        rb"\.charAt\([^;]{0,60}?%\s*[\w$.]+\.length\s*\)",
    )
)
"""Operations that turn stored text into other text: one literal-prefixed pattern each, since
``re`` searches a literal prefix fast and an alternation slowly (a cheap byte-level prefilter)."""
SMALL_FILE_PRIMITIVES = {
    # a character code shifted by a constant (run-length counts, Caesar offsets)
    re.compile(rb"charCodeAt\([^()]*\)\s*[-+]\s*\d"): "char-code arithmetic",
}
"""More decoding primitives, searched for only in files that are not big bundles (an 18 MB
bundle's parsers shift char codes everywhere, and its search budget is small)."""
METHOD_NAMES = {
    b"fromCharCode": "char codes",
    b"fromCodePoint": "char codes",
    b"atob": "base64",
    b"base64": "base64",
    b"hex": "hex",
    b"reverse": "reversed string",
    b"TextDecoder": "byte array (TextDecoder)",
    b"decode": "byte array (TextDecoder)",
    b"Sync": "zlib-compressed",
    b"split": "split and rejoined string",
    b"join": "split and rejoined string",
    b"charCodeAt": "XOR with a key",
    b"Buffer.from": "byte array (Buffer)",
    b"toString": "byte array (Buffer)",
    b"length": "lookup table",
}
MAX_FUNCTION_BYTES = 4_000
"""A decoder helper is small; bigger functions are not evaluated whole."""
MAX_DEFINITION_BYTES = 20_000
MAX_CLASS_BYTES = 8_000
"""A class whose static methods decode is defined whole in the isolate: only a small one."""
MAX_DEPTH = 4
MAX_SITES = 120
MIN_PAYLOAD = 8
"""Fewer characters of literal input than this: nothing worth hiding is decoded."""
SEARCH_BUDGET_S = 2.0
"""CPU time for finding closed expressions in one file (bundles have thousands of hits); CPU,
not wall time, so that a release scanned on a busy machine gives the same findings."""
BIG_FILE_BYTES = 2_000_000
BIG_FILE_BUDGET_S = 0.2
"""In a bundle the parse already costs seconds; the search gets less (a notice says if cut),
and primitives spelled in pieces are not searched for (a bundler folds such constants)."""
LOCAL_SCAN_LIMIT = 20_000
"""Enclosing functions bigger than this are not searched for local declarations."""
MAX_CALLS_PER_DECODER = 60
ZLIB_MODULES = frozenset({"zlib", "node:zlib"})
_MORE = {"TextEncoder", "Uint16Array", "Int8Array", "ArrayBuffer", "DataView", "Map", "Set"}
BUILTINS = (RECOGNISED_BUILTINS | _MORE | {"decodeURI", "encodeURI", "isFinite"}) - {
    "this",
    "arguments",
    "window",
    "self",
    "globalThis",
}
"""Names the isolate provides; ``this`` and ``arguments`` make an expression depend on its call."""
_CLIMB_THROUGH = frozenset(
    {
        "call_expression",
        "member_expression",
        "subscript_expression",
        "arguments",
        "array",
        "spread_element",
        "parenthesized_expression",
        "binary_expression",
        "new_expression",
        "template_substitution",
        "template_string",
        "sequence_expression",
    }
)
_LITERAL_TYPES = frozenset({"string", "number", "array", "template_string", "unary_expression"})
_TABLE_TYPES = _LITERAL_TYPES | {"object"}
_ELEMENT_METHODS = frozenset(
    {"map", "forEach", "some", "every", "filter", "find", "findIndex", "flatMap"}
)
"""Array methods whose callback's first parameter takes each element in turn."""
_VALUE_TYPES = frozenset(
    {
        "call_expression",
        "new_expression",
        "member_expression",
        "subscript_expression",
        "binary_expression",
        "parenthesized_expression",
        "sequence_expression",
    }
)


@dataclass(frozen=True, slots=True)
class ClosedJob:
    """One closed expression to evaluate and the definitions it needs."""

    site: Node
    """The expression whose value is the hidden data."""
    decoder: Node | None
    """The helper function doing the decoding, when there is one."""
    method: str
    code: str
    """A function body that returns the value."""


class Closure:
    """Resolves the free names of expressions to self-contained definitions, memoised."""

    def __init__(self, index: NameIndex) -> None:
        self.index = index
        self._defs: dict[str, list[str] | None] = {}
        self._locals: dict[int, frozenset[str]] = {}
        self._classes: dict[str, Node | None] = {}

    def free_names(self, node: Node) -> set[str]:
        """Identifiers ``node`` uses but does not declare (builtins and property keys excluded).

        A function's parameters and declarations bind only inside it: minified code reuses one
        name for a list and for the callback parameter mapped over it
        (``[...e].map((e) => …)``), and the outer ``e`` stays free."""
        return self._free(node) - BUILTINS

    def _free(self, node: Node) -> set[str]:
        declared: set[str] = set()
        used: set[str] = set()
        stack = list(node.named_children) if node.type in FUNCTION_TYPES else [node]
        if node.type in FUNCTION_TYPES:
            declared.update(parameter_names(node))
            own = node.child_by_field_name("name")
            if own is not None:
                declared.add(text(own))
        while stack:
            cur = stack.pop()
            t = cur.type
            if t == "identifier":
                parent = cur.parent
                if (
                    parent is not None
                    and parent.type == "variable_declarator"
                    and parent.child_by_field_name("name") == cur
                ):
                    declared.add(text(cur))
                    continue
                used.add(text(cur))
                continue
            if t == "shorthand_property_identifier":
                used.add(text(cur))
                continue
            if t in FUNCTION_TYPES:
                own = cur.child_by_field_name("name")
                if own is not None and t in (
                    "function_declaration",
                    "generator_function_declaration",
                ):
                    declared.add(text(own))
                used |= self._free(cur)
                continue
            if t == "catch_clause":
                p = cur.child_by_field_name("parameter")
                if p is not None:
                    declared.update(_pattern_names(p))
            elif t in ("for_in_statement", "for_statement"):
                left = cur.child_by_field_name("left")
                if left is not None:
                    declared.update(_pattern_names(left))
            elif t == "variable_declarator":
                name = cur.child_by_field_name("name")
                if name is not None and name.type != "identifier":
                    declared.update(_pattern_names(name))
            stack.extend(cur.named_children)
        return used - declared

    def definitions(self, names: set[str], at: Node, depth: int = 0) -> list[str] | None:
        """Source lines defining ``names`` as seen from ``at`` (dependencies first).

        ``None`` when one is unknown, or bound by a function around ``at`` (a parameter or a
        local variable: its value is not a constant of the file).
        """
        out: list[str] = []
        for name in sorted(names):
            if self._locally_bound(at, name):
                lines = self._local_constant(at, name, depth)
                if lines is None:
                    return None
                out.extend(line for line in lines if line not in out)
                continue
            lines = self._definition(name, depth)
            if lines is None:
                return None
            out.extend(line for line in lines if line not in out)
        return out

    def _locally_bound(self, at: Node, name: str) -> bool:
        """Whether a function around ``at`` binds ``name`` (parameter or local declaration)."""
        fn = enclosing_function(at)
        while fn is not None and fn.end_byte - fn.start_byte < WIDE_SCOPE:
            if fn.end_byte - fn.start_byte > LOCAL_SCAN_LIMIT:
                return True  # too big to look through: treat the name as local (not a constant)
            if name in self._declared(fn):
                return True
            fn = enclosing_function(fn)
        return False

    def _local_constant(self, at: Node, name: str, depth: int) -> list[str] | None:
        """The definition of ``name`` when the function binding it around ``at`` declares it once,
        as a ``const`` whose value is closed (``const key = [90, 19]`` in a decoder helper)."""
        if depth > MAX_DEPTH:
            return None
        fn = enclosing_function(at)
        while fn is not None and name not in self._declared(fn):
            fn = enclosing_function(fn)
        if fn is None or fn.end_byte - fn.start_byte > LOCAL_SCAN_LIMIT:
            return None
        if name in parameter_names(fn):
            return None
        found: list[Node] = []
        stack = list(fn.named_children)
        while stack:
            cur = stack.pop()
            if cur.type in FUNCTION_TYPES:
                own = cur.child_by_field_name("name")
                if own is not None and text(own) == name:
                    return None  # a nested function declaration of the same name
                continue
            if cur.type == "variable_declarator":
                n = cur.child_by_field_name("name")
                if n is not None and name in _pattern_names(n):
                    found.append(cur)
            elif cur.type in ("for_in_statement", "catch_clause"):
                n = cur.child_by_field_name("left") or cur.child_by_field_name("parameter")
                if n is not None and name in _pattern_names(n):
                    return None
            stack.extend(cur.named_children)
        if len(found) != 1:
            return None
        decl = found[0]
        name_node = decl.child_by_field_name("name")
        value = decl.child_by_field_name("value")
        holder = decl.parent
        if (
            name_node is None
            or name_node.type != "identifier"
            or value is None
            or holder is None
            or holder.type not in ("lexical_declaration", "variable_declaration")
            or value.end_byte - value.start_byte > MAX_DEFINITION_BYTES
        ):
            return None
        if not text(holder).startswith("const") and not self._never_reassigned(fn, name):
            return None
        value = unwrap(value)
        if value.type in FUNCTION_TYPES:
            return None  # a local helper may close over its caller's state
        free = self.free_names(value)
        if name in free:
            return None
        deps = self.definitions(free, value, depth + 1)
        if deps is None:
            return None
        return [*deps, f"var {name} = {text(value)};"]

    def _never_reassigned(self, fn: Node, name: str) -> bool:
        """Whether the one ``var``/``let`` declaration of ``name`` in ``fn`` is its only write:
        a bundler's module wrapper (esbuild ``__commonJS``, a webpack module function) declares
        its module's constants with ``var`` (``var P = "…", K = "k3y"``). Only in files that are
        not big bundles (the scan reads the function's text; an 18 MB bundle keeps its budget)."""
        if len(self.index.data) > BIG_FILE_BYTES:
            return False
        spelled = re.escape(name)
        writes = re.compile(
            r"(?<![\w$.])" + spelled + r"\s*(?:[-+*/%&|^]|\*\*|<<|>>>?|&&|\|\||\?\?)?=(?![=>])"
            r"|(?:\+\+|--)\s*" + spelled + r"(?![\w$])"
            r"|(?<![\w$.])" + spelled + r"\s*(?:\+\+|--)"
        )
        return len(writes.findall(text(fn))) == 1

    def element_source(self, at: Node, name: str) -> Node | None:
        """The iterated expression when ``name`` around ``at`` is the variable of a
        ``for (const x of LIST)`` loop or the element parameter of a ``LIST.map(x => …)``-style
        callback (``forEach``, ``some``, ``filter``, …), else ``None``."""
        cur: Node | None = at
        while cur is not None:
            parent = cur.parent
            if parent is None:
                return None
            if parent.type == "for_in_statement" and cur == parent.child_by_field_name("body"):
                left = parent.child_by_field_name("left")
                op = parent.child_by_field_name("operator")
                if left is not None and name in _pattern_names(left):
                    if left.type != "identifier" and not (
                        left.named_child_count == 1 and left.named_children[0].type == "identifier"
                    ):
                        return None
                    if op is None or text(op) != "of":
                        return None
                    return parent.child_by_field_name("right")
            if cur.type in FUNCTION_TYPES:
                params = parameter_names(cur)
                if name in params:
                    if params[0] != name or parent.type != "arguments":
                        return None
                    call = parent.parent
                    callee = call.child_by_field_name("function") if call is not None else None
                    prop = callee.child_by_field_name("property") if callee is not None else None
                    if (
                        callee is None
                        or callee.type != "member_expression"
                        or prop is None
                        or text(prop) not in _ELEMENT_METHODS
                        or parent.named_child_count == 0
                        or parent.named_children[0] != cur
                    ):
                        return None
                    return callee.child_by_field_name("object")
                if name in self._declared(cur):
                    return None
            cur = parent
        return None

    def _declared(self, fn: Node) -> frozenset[str]:
        """Parameters and names declared directly in ``fn`` (nested functions excluded)."""
        cached = self._locals.get(fn.start_byte)
        if cached is not None:
            return cached
        names = set(parameter_names(fn))
        stack = list(fn.named_children)
        while stack:
            cur = stack.pop()
            if cur.type in FUNCTION_TYPES:
                own = cur.child_by_field_name("name")
                if own is not None and cur.type == "function_declaration":
                    names.add(text(own))
                continue
            if cur.type == "variable_declarator":
                n = cur.child_by_field_name("name")
                if n is not None:
                    names.update(_pattern_names(n))
            elif cur.type in ("for_in_statement", "catch_clause"):
                n = cur.child_by_field_name("left") or cur.child_by_field_name("parameter")
                if n is not None:
                    names.update(_pattern_names(n))
            stack.extend(cur.named_children)
        result = frozenset(names)
        self._locals[fn.start_byte] = result
        return result

    def _definition(self, name: str, depth: int) -> list[str] | None:
        if name in self._defs:
            return self._defs[name]
        if depth > MAX_DEPTH:
            return None
        self._defs[name] = None  # recursion guard: a name defined through itself is unresolved
        result = self._resolve(name, depth)
        self._defs[name] = result
        return result

    def _inner(self, definition: Node, name: str) -> bool:
        """Whether a declaration of ``name`` binds it inside a function (not the file's name)."""
        at = definition.parent if definition.type in FUNCTION_TYPES else definition
        return at is not None and self._locally_bound(at, name)

    def class_named(self, name: str) -> Node | None:
        """The one ``class NAME { … }`` declaration of the file, if small enough to define."""
        if name in self._classes:
            return self._classes[name]
        found: list[Node] = []
        pattern = re.compile(rb"\bclass\s+" + re.escape(name.encode()) + rb"[\s{]")
        for m in prefiltered_finditer(pattern, self.index.data):
            node = self.index.node_at(m.start(), m.start() + 5)
            while node.parent is not None and (
                node.type not in ("class_declaration", "class") or not node.is_named
            ):
                node = node.parent
            if node.type == "class_declaration":
                found.append(node)
            if len(found) > 1:
                break
        one = found[0] if len(found) == 1 else None
        if one is not None and one.end_byte - one.start_byte > MAX_CLASS_BYTES:
            one = None
        self._classes[name] = one
        return one

    def _resolve(self, name: str, depth: int) -> list[str] | None:
        defs = self.index.definitions(name)
        if not defs:
            cls = self.class_named(name)
            if cls is None:
                return None
            deps = self.definitions(self.free_names(cls) - {name}, cls, depth + 1)
            return None if deps is None else [*deps, text(cls)]
        if 1 < len(defs) <= 8:
            # minified code reuses names: only the bindings this name sees outside functions count
            defs = [
                d for d in defs if d.type == "assignment_expression" or not self._inner(d, name)
            ]
        if len(defs) != 1:
            return None
        d = defs[0]
        value = (
            d
            if d.type in FUNCTION_TYPES
            else (d.child_by_field_name("value") or d.child_by_field_name("right"))
        )
        if value is None or value.end_byte - value.start_byte > MAX_DEFINITION_BYTES:
            return None
        value = unwrap(value)
        if value.type in FUNCTION_TYPES:
            if value.end_byte - value.start_byte > MAX_FUNCTION_BYTES:
                return None
            deps = self.definitions(self.free_names(value) - {name}, value, depth + 1)
            if deps is None:
                return None
            src = text(value)
            own = src if value.type == "function_declaration" else f"var {name} = {src};"
            return [*deps, own]
        if _requires(value) in ZLIB_MODULES:
            return [f"var {name} = __zlib;"]
        free = self.free_names(value)
        if name in free:
            return None  # ``n = (n || 0) + 1``: a counter updated on every call, not a constant
        deps = self.definitions(free, value, depth + 1)
        if deps is None:
            return None
        return [*deps, f"var {name} = {text(value)};"]


def _pattern_names(node: Node) -> list[str]:
    if node.type == "identifier":
        return [text(node)]
    out: list[str] = []
    for c in node.named_children:
        if c.type in ("identifier", "shorthand_property_identifier_pattern"):
            out.append(text(c))
        elif c.type == "variable_declarator":
            n = c.child_by_field_name("name")
            if n is not None:
                out.extend(_pattern_names(n))
        else:
            out.extend(_pattern_names(c))
    return out


def _requires(value: Node) -> str | None:
    """The module name of ``require("m")``, else ``None``."""
    if value.type != "call_expression":
        return None
    callee = value.child_by_field_name("function")
    args = value.child_by_field_name("arguments")
    if callee is None or text(callee) != "require" or args is None or args.named_child_count != 1:
        return None
    return text(args.named_children[0]).strip("\"'`")


def _zlib_imports(index: NameIndex, data: bytes) -> dict[str, str]:
    """Names bound by ``import {inflateSync as i} from "zlib"`` (local name → zlib member)."""
    out: dict[str, str] = {}
    for m in re.finditer(rb"import\s*\{([^}]*)\}\s*from\s*[\"'](?:node:)?zlib[\"']", data):
        for part in m.group(1).decode(errors="replace").split(","):
            bits = part.split(" as ")
            member = bits[0].strip()
            local = bits[-1].strip()
            if member and local:
                out[local] = member
    for m in re.finditer(rb"import\s*\*\s*as\s*([\w$]+)\s*from\s*[\"'](?:node:)?zlib[\"']", data):
        out[m.group(1).decode()] = ""
    return out


class ClosedFinder:
    """Finds closed decoding expressions in one file."""

    def __init__(self, index: NameIndex, data: bytes, budget_s: float | None = None) -> None:
        self.index = index
        self.data = data
        if budget_s is None:
            budget_s = BIG_FILE_BUDGET_S if len(data) > BIG_FILE_BYTES else SEARCH_BUDGET_S
        self.budget_s = budget_s
        self.exhausted = False
        """Whether the search stopped early (site cap or time budget): a notice says so."""
        self.closure = Closure(index)
        for local, member in _zlib_imports(index, data).items():
            self.closure._defs[local] = [
                f"var {local} = __zlib.{member};" if member else f"var {local} = __zlib;"
            ]

    def _prelude(self, node: Node) -> list[str] | None:
        return self.closure.definitions(self.closure.free_names(node), node)

    def _each(self, node: Node) -> tuple[str, list[str]] | None:
        """``node`` evaluated for each element of a constant list its one loop variable or
        callback element ranges over (``for (const h of HEX) Buffer.from(h, "hex")``): the
        expression ``Array.from(LIST, (h) => (node))`` and its definitions, else ``None``."""
        free = self.closure.free_names(node)
        bound = [n for n in free if self.closure._locally_bound(node, n)]
        if not bound:
            return None
        element: tuple[str, Node] | None = None
        for n in bound:
            if self.closure._local_constant(node, n, 0) is not None:
                continue
            source = self.closure.element_source(node, n)
            if source is None or element is not None:
                return None
            element = (n, source)
        if element is None:
            return None
        name, source = element
        if _uses_this(source) or _contains_node(node, source):
            return None
        rest = self.closure.definitions(free - {name}, node)
        listed = self._prelude(source)
        if rest is None or listed is None:
            return None
        prelude = [*listed, *(line for line in rest if line not in listed)]
        return f"Array.from(({text(source)}), ({name}) => ({text(node)}))", prelude

    def _climb(
        self, node: Node, per_element: bool = False
    ) -> tuple[Node, list[str], str | None] | None:
        """The largest closed expression holding ``node``, with its definitions; with
        ``per_element``, also one computed for each element of a constant list (then the
        expression to evaluate comes third)."""
        best: tuple[Node, list[str], str | None] | None = None
        each = False
        cur: Node | None = node
        while cur is not None:
            if cur.type not in _CLIMB_THROUGH and cur is not node:
                break
            if cur.type == "arguments":
                cur = cur.parent
                continue
            if (
                cur.type in ("member_expression", "subscript_expression")
                and cur.parent is not None
                and cur.parent.type == "call_expression"
                and cur.parent.child_by_field_name("function") == cur
            ):
                cur = cur.parent  # a method is evaluated with its call
                continue
            expr: str | None = None
            prelude = None if each else self._prelude(cur)
            if prelude is None and (each or best is None or best[2] is not None):
                per = self._each(cur) if per_element else None
                if per is not None:
                    expr, prelude = per
                    each = True
            if prelude is None:
                break
            if cur.type in _VALUE_TYPES and (cur.type != "member_expression" or "(" in text(cur)):
                best = (cur, prelude, expr)
            cur = cur.parent
        return best

    def jobs(self) -> list[ClosedJob]:
        """Every closed expression around a decoding primitive, largest first, no overlaps."""
        found: dict[tuple[int, int], ClosedJob] = {}
        decoders: dict[int, tuple[Node, str]] = {}
        classes: dict[str, tuple[Node, str]] = {}
        split = self._split_primitives() if len(self.data) <= BIG_FILE_BYTES else []
        hits = sorted(
            # (their literal prefixes found first: 0.05 s instead of 0.2 on an 18 MB bundle)
            [
                *(m for p in PRIMITIVES for m in prefiltered_finditer(p, self.data)),
                *split,
                *(
                    m
                    for p in (SMALL_FILE_PRIMITIVES if len(self.data) <= BIG_FILE_BYTES else ())
                    for m in p.finditer(self.data)
                ),
            ],
            key=lambda m: m.start(),
        )
        deadline = time.process_time() + self.budget_s  # CPU: the same cut on a busy machine
        late: list[tuple[Node, int, str]] = []
        callbacks: set[int] = set()
        bodies: set[int] = set()
        exported: dict[int, tuple[Node, str]] = {}
        first_hit: dict[int, Node] = {}
        for m in hits:
            if not _relevant(m, self.data):
                continue
            if len(found) >= MAX_SITES or time.process_time() > deadline:
                self.exhausted = True
                break
            method = SMALL_FILE_PRIMITIVES.get(m.re) or (
                _method(m.group()) if m.group() else "decoder spelled in pieces"
            )
            if m.group().startswith(b".join") and _PICKED.search(
                self.data, max(0, m.start() - 200), m.start()
            ):
                method = "lookup table"
            node = self.index.node_at(m.start(), m.end())
            if _PAYLOAD_NEAR.search(self.data, max(0, m.start() - 300), m.end() + 300):
                climbed = self._climb(node)
                if (
                    climbed is not None
                    and _contains(climbed[0], m.start())
                    and self._add(found, climbed[0], None, method, climbed[1], climbed[2])
                ):
                    continue
                late.append((node, m.start(), method))
            fn = enclosing_function(node)
            if (
                fn is not None
                and fn.parent is not None
                and fn.parent.type == "arguments"
                and function_name(fn) is None
                and fn.end_byte - fn.start_byte <= MAX_FUNCTION_BYTES
                and fn.start_byte not in callbacks
            ):
                # ``ENC.match(/../g).map((b, i) => …).join("")`` inside a bigger function: the
                # callback is closed over its own parameters, the call it is given to may be
                # closed over the function's constants
                callbacks.add(fn.start_byte)
                around = self._climb(fn)
                if around is not None and around[0].type in _VALUE_TYPES:
                    self._add(found, around[0], None, method, around[1], around[2])
            if (
                fn is not None
                and len(self.data) <= BIG_FILE_BYTES
                and function_name(fn) is None
                and fn.type != "method_definition"
                and not (fn.parent is not None and fn.parent.type == "arguments")
                and fn.start_byte not in bodies
            ):
                # ``exports.suffixes = () => { … }``: a parameterless function assigned to a
                # member (a bundled module's export) decodes its module's constants
                bodies.add(fn.start_byte)
                self._body_job(found, fn, method)
            # An anonymous callback (`s.replace(re, c => …)`) decodes for the named helper around it.
            while fn is not None and function_name(fn) is None:
                if (
                    fn.start_byte not in exported
                    and len(self.data) <= BIG_FILE_BYTES
                    and fn.end_byte - fn.start_byte <= MAX_FUNCTION_BYTES
                    and _member_name(fn) is not None
                ):
                    # ``t.unpack = function (e) { … }``: a module's exported decoder
                    exported[fn.start_byte] = (fn, method)
                outer = enclosing_function(fn)
                if outer is None or outer.end_byte - outer.start_byte > MAX_FUNCTION_BYTES:
                    break
                fn = outer
            if fn is None or fn.start_byte in decoders:
                continue
            if fn.end_byte - fn.start_byte > MAX_FUNCTION_BYTES:
                continue
            decoders[fn.start_byte] = (fn, method)
            first_hit[fn.start_byte] = node
            self._body_job(found, fn, method)
            if fn.type == "method_definition":
                if len(self.data) <= BIG_FILE_BYTES:  # a bundle's budget goes to plain helpers
                    self._member_job(found, fn, method)
                    owner = self._class_of(fn)
                    if owner is not None:
                        classes.setdefault(owner, (fn, method))
                continue
            callback = fn.parent is not None and fn.parent.type == "arguments"
            if callback or function_name(fn) is None:  # `list.map(e => decode(e))` is closed
                around = self._climb(fn)
                if around is not None:
                    self._add(found, around[0], fn, method, around[1], around[2])
        if self.exhausted:
            return self._kept(found)
        named = {
            name: (fn, method)
            for fn, method in decoders.values()
            if parameter_names(fn)
            and (name := function_name(fn))
            and not (fn.parent is not None and fn.parent.type == "arguments")
        }
        for name, uses in self._uses(named).items():
            if len(found) >= MAX_SITES or time.process_time() > deadline:
                self.exhausted = True
                break
            fn, method = named[name]
            self._decoder_uses(found, fn, method, uses)
            self._sliced_uses(found, fn, method, uses, first_hit[fn.start_byte])
        for fn, method in list(decoders.values()):
            if len(found) >= MAX_SITES or time.process_time() > deadline:
                self.exhausted = True
                break
            if fn.type == "method_definition" and len(self.data) <= BIG_FILE_BYTES:
                self._method_uses(found, fn, method)
        for fn, method in exported.values():
            if len(found) >= MAX_SITES or time.process_time() > deadline:
                self.exhausted = True
                break
            self._method_uses(found, fn, method)
        for name, (fn, method) in classes.items():
            if len(found) >= MAX_SITES or time.process_time() > deadline:
                self.exhausted = True
                break
            self._class_uses(found, fn, method, self._member_uses(name))
        if len(self.data) <= BIG_FILE_BYTES:
            self._per_element(found, late, deadline)
        return self._kept(found)

    def _per_element(
        self,
        found: dict[tuple[int, int], ClosedJob],
        late: list[tuple[Node, int, str]],
        deadline: float,
    ) -> None:
        """Last: primitives no job covers, evaluated for each element of the constant list their
        loop variable or callback element ranges over (``for (const h of HEX) Buffer.from(h,
        "hex")``, a local key and list included)."""
        for node, offset, method in late:
            if len(found) >= MAX_SITES or time.process_time() > deadline:
                self.exhausted = True
                return
            if any(_contains(job.site, offset) for job in found.values()):
                continue
            climbed = self._climb(node, per_element=True)
            if climbed is not None and climbed[2] is not None and _contains(climbed[0], offset):
                self._add(found, climbed[0], None, method, climbed[1], climbed[2])

    def _member_uses(self, name: str) -> list[Node]:
        """Identifiers ``name`` read as an object (``Codec.open``), at most a few dozen."""
        out: list[Node] = []
        pattern = re.compile(rb"(?<![\w$.])" + re.escape(name.encode()) + rb"\s*\.")
        for m in pattern.finditer(self.data):
            node = self.index.node_at(m.start(), m.start() + len(name))
            if node.type == "identifier":
                out.append(node)
            if len(out) >= MAX_CALLS_PER_DECODER:
                break
        return out

    def _class_of(self, method: Node) -> str | None:
        """The name of the small declared class whose body holds ``method``."""
        body = method.parent
        cls = body.parent if body is not None else None
        if cls is None or cls.type != "class_declaration":
            return None
        name = cls.child_by_field_name("name")
        found = self.closure.class_named(text(name)) if name is not None else None
        if name is None or found is None or found.start_byte != cls.start_byte:
            return None
        return text(name)

    def _class_uses(
        self, found: dict[tuple[int, int], ClosedJob], fn: Node, method: str, uses: list[Node]
    ) -> None:
        """``Codec.open("…")`` (or a callback calling it) for a class whose methods decode."""
        body = fn.parent
        cls = body.parent if body is not None else None
        for use in uses[:MAX_CALLS_PER_DECODER]:
            if cls is not None and cls.start_byte <= use.start_byte < cls.end_byte:
                continue
            member = use.parent
            if member is None or member.type != "member_expression":
                continue
            start: Node = use
            around = enclosing_function(use)
            if (
                around is not None
                and around.parent is not None
                and around.parent.type == "arguments"
                and around.end_byte - around.start_byte <= MAX_FUNCTION_BYTES
            ):
                start = around  # ``list.map((h) => Codec.open(h))``
            climbed = self._climb(start)
            if climbed is not None:
                self._add(found, climbed[0], fn, method, climbed[1], climbed[2])

    @staticmethod
    def _kept(found: dict[tuple[int, int], ClosedJob]) -> list[ClosedJob]:
        """The outermost expressions (an inner one is part of an outer one's value)."""
        jobs = sorted(found.values(), key=lambda j: j.site.start_byte - j.site.end_byte)
        kept: list[ClosedJob] = []
        for job in jobs:
            if not any(_inside(job.site, k.site) for k in kept):
                kept.append(job)
        return sorted(kept, key=lambda j: j.site.start_byte)

    def _split_primitives(self) -> list[re.Match[bytes]]:
        """Decoding primitives spelled in pieces (``'ba' + 'se' + '64'``), folded back.

        Returns matches of the primitive patterns over the folded text, positioned at the
        concatenation, so the search treats them like the plain spelling.
        """
        out: list[re.Match[bytes]] = []
        for m in _SPLIT.finditer(self.data):
            node = self.index.node_at(m.start(), m.start() + 1)
            while node.parent is not None and node.parent.type in ("binary_expression", "string"):
                node = node.parent
            folded = _fold(node)
            if folded is None:
                continue
            for p in PRIMITIVES:
                spelled = folded.encode()
                if p.search(spelled + b"'") or p.search(spelled + b"("):
                    # A match object at the concatenation's place: search the same text there.
                    found = p.search(self.data, node.start_byte, node.end_byte)
                    out.append(found or _at(self.data, node.start_byte))
                    break
            if len(out) > MAX_SITES:
                break
        return out

    def _uses(self, named: dict[str, tuple[Node, str]]) -> dict[str, list[Node]]:
        """Identifier uses of every decoder name, found in one Aho-Corasick pass over the file."""
        if not named:
            return {}
        names = list(named)
        finder = BytesAhoCorasick([n.encode() for n in names])
        out: dict[str, list[Node]] = {}
        data = self.data
        for which, start, end in finder.find_matches_as_indexes(data, overlapping=True):
            if start and data[start - 1 : start] in _IDENT_CHARS:
                continue
            if data[end : end + 1] in _IDENT_CHARS:
                continue
            name = names[which]
            bucket = out.setdefault(name, [])
            if len(bucket) >= MAX_CALLS_PER_DECODER * 2:
                continue
            node = self.index.node_at(start, end)
            if node.type == "identifier":
                bucket.append(node)
        return out

    def _member_job(self, found: dict[tuple[int, int], ClosedJob], fn: Node, method: str) -> None:
        """A getter or argument-less method that decodes its object's own data through ``this``:
        of a constant object (``const $ = {_a: [...], get ep() { return this._a.map(…) }}``) or
        of a small class whose constructor takes no arguments (``new Cfg().ep``), or a static one
        of a small class (``Cfg.ep``, private static fields included). The object is
        built in the isolate and the member read from it."""
        holder = fn.parent
        key = fn.child_by_field_name("name")
        params = fn.child_by_field_name("parameters")
        if (
            holder is None
            or key is None
            or key.type not in ("property_identifier", "private_property_identifier")
            or (params is not None and params.named_child_count)
            or text(key) == "constructor"
        ):
            return
        getter = any(c.type == "get" for c in fn.children)
        read = text(key) + ("" if getter else "()")
        if holder.type == "object":
            decl = holder.parent
            name_node = decl.child_by_field_name("name") if decl is not None else None
            if (
                decl is None
                or decl.type != "variable_declarator"
                or name_node is None
                or name_node.type != "identifier"
                or holder.end_byte - holder.start_byte > MAX_DEFINITION_BYTES
            ):
                return
            name = text(name_node)
            if len(self.index.definitions(name)) != 1:
                return
            source, defined = holder, [f"var {name} = {text(holder)};"]
            target = name
        elif holder.type == "class_body" and key.type == "property_identifier":
            owner = self._class_of(fn)
            cls = holder.parent
            static = any(c.type == "static" for c in fn.children)  # ``static get entries()``
            if (
                owner is None
                or cls is None
                or (not static and _constructor_takes_arguments(holder))
            ):
                return
            name = owner
            source, defined = cls, []
            target = name if static else f"new {name}()"
            fields = _static_fields(cls, name)
            if fields:
                # tsc emits static fields after the class (``Locator.data = "…";``)
                prelude = self.closure.definitions(
                    self.closure.free_names(cls) - {name}
                    | {n for f in fields for n in self.closure.free_names(f)} - {name},
                    cls,
                )
                if prelude is None or _payload(text(cls), [*prelude, *map(text, fields)]) < (
                    MIN_PAYLOAD
                ):
                    return
                lines = [*prelude, text(cls), *(f"{text(f)};" for f in fields)]
                code = "\n".join([*lines, f"var __v = ({target}).{read};", "return __v;"])
                found.setdefault((fn.start_byte, fn.end_byte), ClosedJob(fn, fn, method, code))
                return
        else:
            return
        prelude = self.closure.definitions(self.closure.free_names(source) - {name}, source)
        if prelude is None or _payload(text(source), prelude) < MIN_PAYLOAD:
            return
        if not defined:
            defined = [text(source)]
        code = "\n".join([*prelude, *defined, f"var __v = ({target}).{read};", "return __v;"])
        found.setdefault((fn.start_byte, fn.end_byte), ClosedJob(fn, fn, method, code))

    def _body_job(self, found: dict[tuple[int, int], ClosedJob], fn: Node, method: str) -> None:
        """A function or method without parameters that decodes its own constants
        (``source() { const k = "…", e = "…"; let r = ""; for (…) r += …; return r }``): its
        body, when it reads neither ``this`` nor ``arguments`` and every other name it uses is
        a constant of the file, is evaluated once; its value is what every call returns."""
        params = fn.child_by_field_name("parameters")
        body = fn.child_by_field_name("body")
        if (
            (params is not None and params.named_child_count)
            or fn.child_by_field_name("parameter") is not None
            or body is None
            or (body.type != "statement_block" and len(self.data) > BIG_FILE_BYTES)
            or any(c.type in ("async", "*", "get", "set", "static") for c in fn.children)
            or fn.type in ("generator_function_declaration", "generator_function")
        ):
            return
        name = function_name(fn)
        if name == "constructor" or _uses_this(body):
            return
        code = text(body) if body.type == "statement_block" else f"{{ return ({text(body)}); }}"
        if _UNSTABLE.search(code):
            return
        free = self.closure.free_names(fn)
        if "arguments" in free:
            return
        prelude = self.closure.definitions(free, fn)
        if prelude is None or _payload(code, prelude) < MIN_PAYLOAD:
            return
        job = "\n".join([*prelude, f"var __v = (function () {code})();", _RETURN])
        found.setdefault((fn.start_byte, fn.end_byte), ClosedJob(fn, fn, method, job))

    def _decoder_uses(
        self, found: dict[tuple[int, int], ClosedJob], fn: Node, method: str, uses: list[Node]
    ) -> None:
        """Calls (and callback uses) of a small decoder function, each climbed to its closure."""
        for use in uses:
            if fn.start_byte <= use.start_byte < fn.end_byte:
                continue
            parent = use.parent
            if parent is None or parent.type not in ("call_expression", "arguments"):
                continue
            start = use
            if parent.type == "call_expression" and not self._constant_arguments(parent):
                # ``LIST.map((e) => decode(e))``: a callback handing its own parameters on is
                # closed when the call it is given to is (its elements are the arguments).
                callback = _callback_over_params(parent)
                if callback is None:
                    continue
                start = callback
            climbed = self._climb(start)
            if climbed is not None:
                self._add(found, climbed[0], fn, method, climbed[1], climbed[2])

    def _method_uses(self, found: dict[tuple[int, int], ClosedJob], fn: Node, method: str) -> None:
        """A method that decodes its arguments without reading ``this`` (a class's or an object
        literal's ``dec(s)``), called on any receiver (``this.dec("…")``, ``helpers.dec("…")``,
        ``LIST.map((e) => this.dec(e))``): each call with constant arguments is evaluated
        with the method as a plain function. Only a name one method of the file defines."""
        if fn.type == "method_definition":
            key = fn.child_by_field_name("name")
            name = text(key) if key is not None and key.type == "property_identifier" else None
        else:
            name = _member_name(fn)
        params = fn.child_by_field_name("parameters")
        body = fn.child_by_field_name("body")
        if (
            name is None
            or name == "constructor"
            or (
                (params is None or not params.named_child_count)
                and fn.child_by_field_name("parameter") is None
            )
            or body is None
            or _uses_this(body)
            or any(c.type in ("async", "*", "get", "set") for c in fn.children)
        ):
            return
        spelled = re.escape(name.encode())
        defined = re.compile(
            rb"(?<![\w$.])" + spelled + rb"\s*\([^()]*\)\s*\{"
            # ``exports.dec = function (…)``, ``t.dec = (s) =>``, ``{ dec: function (…) }``
            rb"|\." + spelled + rb"\s*=\s*(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)"
            rb"|(?<![\w$.])" + spelled + rb"\s*:\s*(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)"
        )
        if sum(1 for _ in defined.finditer(self.data)) != 1:
            return  # several functions of that name: the receiver decides, not known here
        free = self.closure.free_names(fn)
        if "arguments" in free:
            return
        own = self.closure.definitions(free, fn)
        if own is None:
            return
        if fn.type == "method_definition" and params is not None:
            fn_code = f"var __m = function {text(params)} {text(body)};"
        else:
            fn_code = f"var __m = ({text(fn)});"
        # ``helpers.dec(…)``, and ``(0, mod.dec)(…)``: a bundler's call of another module's export
        called = re.compile(rb"\.\s*" + spelled + rb"\s*\)?\s*\(")
        count = 0
        for m in called.finditer(self.data):
            if count >= MAX_CALLS_PER_DECODER:
                break
            start = m.start() + 1
            while self.data[start : start + 1].isspace():
                start += 1
            prop = self.index.node_at(start, start + len(name))
            member = prop.parent
            call = member.parent if member is not None else None
            if call is not None and call.type == "sequence_expression":
                # ``(0, mod.dec)(…)``: the member is the sequence's last operand
                paren = call.parent
                if (
                    call.named_children[-1] == member
                    and paren is not None
                    and paren.type == "parenthesized_expression"
                    and paren.parent is not None
                    and paren.parent.child_by_field_name("function") == paren
                ):
                    call = paren.parent
            if (
                prop.type != "property_identifier"
                or member is None
                or member.type != "member_expression"
                or call is None
                or call.type != "call_expression"
                or not _contains_node(call.child_by_field_name("function") or call, member)
                or _contains_node(fn, call)
            ):
                continue
            count += 1
            site = call
            args = call.child_by_field_name("arguments")
            if not self._constant_arguments(call) and (
                args is None
                or not args.named_child_count
                or self.closure.definitions(self.closure.free_names(args), args) is None
            ):
                callback = _callback_over_params(call)
                arguments = callback.parent if callback is not None else None
                holder = arguments.parent if arguments is not None else None
                if holder is None or holder.type != "call_expression":
                    continue
                site = holder  # ``LIST.map((e) => this.dec(e))``
            before = self.data[site.start_byte : member.start_byte].decode(errors="replace")
            after = self.data[member.end_byte : site.end_byte].decode(errors="replace")
            if "this" in before or "this" in after:
                continue
            receiver = member.child_by_field_name("object")
            names = self.closure.free_names(site)
            if receiver is not None and receiver.type == "identifier":
                rest = before + after
                if not re.search(r"(?<![\w$.])" + re.escape(text(receiver)) + r"(?![\w$])", rest):
                    names.discard(text(receiver))
            prelude = self.closure.definitions(names, site)
            if prelude is None:
                continue
            lines = [*own, *(line for line in prelude if line not in own), fn_code]
            self._add(found, site, fn, method, lines, f"{before}__m{after}", this_replaced=True)

    def _sliced_uses(
        self,
        found: dict[tuple[int, int], ClosedJob],
        fn: Node,
        method: str,
        uses: list[Node],
        hit: Node,
    ) -> None:
        """A decoder inside a helper that also does what no isolate can (``locate(codes)``
        decodes ``codes`` into a file name, then joins it to ``os.homedir()``): the largest
        expression around the decoding primitive that depends only on the helper's parameters
        and constants is evaluated with the arguments of each call of the helper, constants or
        each element of the constant list a loop variable ranges over (``for (const t of
        TARGETS) read(locate(t))``). The values are reported at that expression."""
        params = fn.child_by_field_name("parameters")
        if params is None or any(p.type != "identifier" for p in params.named_children):
            return
        names = [text(p) for p in params.named_children]
        if self.closure.definitions(self.closure.free_names(fn), fn) is not None:
            return  # the whole helper is closed: its calls are climbed as they are
        sliced = self._sliced(hit, fn, set(names))
        if sliced is None:
            return
        expr, prelude = sliced
        calls: list[str] = []
        for use in uses[:MAX_CALLS_PER_DECODER]:
            call = use.parent
            if (
                call is None
                or call.type != "call_expression"
                or call.child_by_field_name("function") != use
                or _contains_node(fn, call)
            ):
                continue
            args = call.child_by_field_name("arguments")
            handed = self._handed(args, prelude) if args is not None else None
            if handed is not None:
                calls.append(handed)
        if not calls:
            return
        fn_code = f"var __slice = function ({', '.join(names)}) {{ return ({text(expr)}); }};"
        joined = ", ".join(calls)
        code = "\n".join([*prelude, fn_code, f"var __v = [].concat({joined});", _RETURN])
        if _payload(joined, prelude) < MIN_PAYLOAD:
            return
        found.setdefault((expr.start_byte, expr.end_byte), ClosedJob(expr, fn, method, code))

    def _sliced(self, hit: Node, fn: Node, params: set[str]) -> tuple[Node, list[str]] | None:
        """The largest expression in ``fn`` around ``hit`` closed but for ``params``: climbed
        through calls, operators and the callbacks handed to them (``codes.map((c, i) => …)``)."""
        best: tuple[Node, list[str]] | None = None
        cur: Node | None = hit
        while cur is not None and cur != fn:
            if cur.type in FUNCTION_TYPES:
                if cur.parent is None or cur.parent.type != "arguments":
                    break
                cur = cur.parent
                continue
            if cur.type not in _CLIMB_THROUGH and cur is not hit and cur.type != "statement_block":
                break
            if cur.type == "statement_block" or cur.type == "arguments":
                cur = cur.parent
                continue
            free = self.closure.free_names(cur)
            prelude = self.closure.definitions(free - params, cur) if not _uses_this(cur) else None
            if prelude is not None and cur.type in _VALUE_TYPES and free & params:
                best = (cur, prelude)
            cur = cur.parent
        return best

    def _handed(self, args: Node, prelude: list[str]) -> str | None:
        """The values one call hands its helper, as code for ``__slice``: ``[__slice(…)]`` for
        constant arguments, ``Array.from(LIST, (t) => __slice(t))`` when one argument is the
        element of a constant list; the definitions they need are added to ``prelude``."""
        element: tuple[str, Node] | None = None
        for arg in args.named_children:
            free = self.closure.free_names(arg)
            if _uses_this(arg):
                return None
            local = [
                n
                for n in free
                if self.closure._locally_bound(arg, n)
                and self.closure._local_constant(arg, n, 0) is None
            ]
            if not local:
                continue
            if len(local) != 1 or element is not None:
                return None
            source = self.closure.element_source(arg, local[0])
            if source is None or _uses_this(source):
                return None
            element = (local[0], source)
        needed = {n for a in args.named_children for n in self.closure.free_names(a)}
        if element is not None:
            needed.discard(element[0])
            needed |= self.closure.free_names(element[1])
        defs = self.closure.definitions(needed, args)
        if defs is None:
            return None
        prelude.extend(line for line in defs if line not in prelude)
        call = f"__slice({', '.join(text(a) for a in args.named_children)})"
        if element is None:
            return f"[{call}]"
        name, source = element
        return f"Array.from(({text(source)}), ({name}) => {call})"

    def _constant_arguments(self, call: Node) -> bool:
        """Arguments that are literals, or names bound once to a literal (cheap to check)."""
        args = call.child_by_field_name("arguments")
        if args is None or not args.named_child_count:
            return False
        for arg in args.named_children:
            arg = unwrap(arg)
            if arg.type in _LITERAL_TYPES or _fold(arg) is not None:
                continue
            while arg.type in ("member_expression", "subscript_expression"):
                arg = unwrap(arg.child_by_field_name("object") or arg)  # ``TABLE.list``
                if arg.type == "identifier":
                    break
            if arg.type != "identifier":
                return False
            defs = self.index.definitions(text(arg))
            value = defs[0].child_by_field_name("value") if len(defs) == 1 else None
            if value is None:
                return False
            if unwrap(value).type not in _TABLE_TYPES and _fold(unwrap(value)) is None:
                return False
        return True

    @staticmethod
    def _add(
        found: dict[tuple[int, int], ClosedJob],
        site: Node,
        decoder: Node | None,
        method: str,
        prelude: list[str],
        expr: str | None = None,
        this_replaced: bool = False,
    ) -> bool:
        """Record a job; ``False`` when the expression works on no literal data (or reads
        ``this``, unless ``expr`` is the site with its one ``this`` call replaced)."""
        key = (site.start_byte, site.end_byte)
        if key in found:
            return True
        value = text(site) if expr is None else expr
        if _payload(value, prelude) < MIN_PAYLOAD or (_uses_this(site) and not this_replaced):
            return False  # no literal data, or ``this``: its value depends on the call
        code = "\n".join(
            [
                *prelude,
                f"var __v = ({value});",
                _RETURN,
            ]
        )
        found[key] = ClosedJob(site, decoder, method, code)
        return True


_RETURN = (
    "return __v instanceof RegExp ? __v.source"
    " : __v instanceof Set || __v instanceof Map ? Array.from(__v) : __v;"
)
"""A pattern's source; a Set or Map built of decoded strings (``new Set(LIST.map(decode))``)
as its elements or entries (JSON would make either an empty object)."""

_UNSTABLE = re.compile(r"Math\.random|\bDate\b|performance\.|getRandomValues|randomUUID")
"""A body whose value changes from call to call (random or time) decodes nothing fixed."""

_IDENT_CHARS = frozenset(
    bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$."
)
_PAYLOAD_NEAR = re.compile(rb"[\"'`][^\"'`\n]{8,}[\"'`]|(?:\d+\s*,\s*){3,}\d+")
"""A string literal of 8+ characters or a list of numbers: what a decoder nearby could decode."""
_STRING_OR_NUMBERS = re.compile(r"""(["'`])((?:\\.|(?!\1).){4,})\1|(?:\d+\s*,\s*){3,}\d+""")


def _callback_over_params(call: Node) -> Node | None:
    """The small callback around ``call`` (a function passed as an argument) when every argument
    of ``call`` that is not a literal is one of the callback's own parameters, the first (the
    element, not its index: ``LABELS.map((_, i) => label(i))`` decodes nothing) among them."""
    fn = enclosing_function(call)
    if (
        fn is None
        or fn.parent is None
        or fn.parent.type != "arguments"
        or fn.end_byte - fn.start_byte > MAX_FUNCTION_BYTES
    ):
        return None
    names = parameter_names(fn)
    args = call.child_by_field_name("arguments")
    if args is None or not names:
        return None
    handed: set[str] = set()
    for arg in args.named_children:
        arg = unwrap(arg)
        if arg.type in _LITERAL_TYPES or _fold(arg) is not None:
            continue
        if arg.type != "identifier" or text(arg) not in names:
            return None
        handed.add(text(arg))
    return fn if names[0] in handed else None


def _member_name(fn: Node) -> str | None:
    """The property name a function expression is stored under: ``exports.dec = function …``,
    ``t.dec = (s) => …`` (a bundled module's export), ``{ dec: function … }``."""
    parent = fn.parent
    if parent is None or fn.type not in ("function_expression", "function", "arrow_function"):
        return None
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == fn:
        left = parent.child_by_field_name("left")
        prop = left.child_by_field_name("property") if left is not None else None
        if left is not None and left.type == "member_expression" and prop is not None:
            return text(prop) if prop.type == "property_identifier" else None
        return None
    if parent.type == "pair" and parent.child_by_field_name("value") == fn:
        key = parent.child_by_field_name("key")
        return text(key) if key is not None and key.type == "property_identifier" else None
    return None


def _static_fields(cls: Node, name: str) -> list[Node]:
    """``NAME.x = value`` assignments in the statements right after a class declaration: the
    static fields tsc and Babel emit outside the class body."""
    out: list[Node] = []
    sibling = cls.next_named_sibling
    while sibling is not None and sibling.type == "expression_statement" and len(out) < 16:
        expr = sibling.named_children[0] if sibling.named_child_count else None
        left = expr.child_by_field_name("left") if expr is not None else None
        obj = left.child_by_field_name("object") if left is not None else None
        if (
            expr is None
            or expr.type != "assignment_expression"
            or left is None
            or left.type != "member_expression"
            or obj is None
            or obj.type != "identifier"
            or text(obj) != name
            or expr.end_byte - expr.start_byte > MAX_DEFINITION_BYTES
        ):
            break
        out.append(expr)
        sibling = sibling.next_named_sibling
    return out


def _constructor_takes_arguments(body: Node) -> bool:
    """Whether a class body's constructor has parameters (its fields depend on them)."""
    for member in body.named_children:
        name = member.child_by_field_name("name")
        if member.type == "method_definition" and name is not None and text(name) == "constructor":
            params = member.child_by_field_name("parameters")
            return params is not None and params.named_child_count > 0
    return False


def _uses_this(site: Node) -> bool:
    """Whether ``site`` reads ``this`` of the function it is in (arrows included)."""
    stack = [site]
    while stack:
        cur = stack.pop()
        if cur.type == "this":
            return True
        if cur.type in FUNCTION_TYPES and cur.type != "arrow_function":
            continue
        stack.extend(cur.named_children)
    return False


def _payload(site: str, prelude: list[str]) -> int:
    """Characters of literal data the expression works on: hidden data must come from somewhere."""
    total = 0
    for src in [site, *prelude]:
        for m in _STRING_OR_NUMBERS.finditer(src):
            total += len(m.group(2) or m.group())
    return total


_SPLIT = re.compile(rb"[\"'][\w.]{1,12}[\"']\s*\+\s*[\"']")
"""A string literal concatenated with another: a split spelling to fold."""


def _fold(node: Node) -> str | None:
    """The value of a concatenation of string literals (``'ba' + 'se' + '64'``), else None."""
    if node.type == "string":
        return string_value(node)
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        return _fold(node.named_children[0])
    if node.type != "binary_expression":
        return None
    op = node.child_by_field_name("operator")
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if op is None or text(op) != "+" or left is None or right is None:
        return None
    a, b = _fold(left), _fold(right)
    return a + b if a is not None and b is not None else None


def _at(data: bytes, offset: int) -> re.Match[bytes]:
    """A zero-width match at ``offset`` (a hit whose text is spelled in pieces)."""
    found = re.compile(rb"").match(data, offset)
    assert found is not None
    return found


_ENCODES = re.compile(rb"\.(?:toString|digest|encode)\(\s*[\"'`]$")
"""``.toString("hex")``, ``hash.digest("base64")``: text turned INTO an encoding, not out of one."""


def _relevant(m: re.Match[bytes], data: bytes) -> bool:
    """``.join("")`` counts only after a literal array, a split or a reverse (hidden fragments);
    an encoding named as the target of ``toString``/``digest`` encodes readable text (a plain
    literal printed as hex hides nothing) and is not a decoding primitive."""
    if m.group().startswith((b"hex", b"base64")):
        return not _ENCODES.search(data, max(0, m.start() - 40), m.start())
    if not m.group().startswith(b".join"):
        return True
    before = data[max(0, m.start() - 200) : m.start()].rstrip()
    if before.endswith(b")") and len(data) <= BIG_FILE_BYTES and _PICKED.search(before):
        return True  # ``IDX.map((i) => ALPHA[i]).join("")``: characters picked from an alphabet
    return before.endswith(b"]") or (before.endswith(b")") and b".split(" in before[-60:])


_PICKED = re.compile(
    rb"\.map\(\s*(?:(?:\(\s*)?([\w$]+)\s*\)?\s*=>\s*[\w$.]+\[\s*\1\s*\]"
    rb"|function\s*\(\s*([\w$]+)\s*\)\s*\{\s*return\s+[\w$.]+\[\s*\2\s*\]\s*;?\s*\})\s*\)$"
)
"""``.map((i) => TABLE[i])`` right before a ``.join("")``: each element indexes a table."""


def _method(token: bytes) -> str:
    for key, name in METHOD_NAMES.items():
        if key in token:
            return name
    return "encoded data"


def _contains(node: Node, offset: int) -> bool:
    return node.start_byte <= offset < node.end_byte


def _contains_node(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def _inside(inner: Node, outer: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte
