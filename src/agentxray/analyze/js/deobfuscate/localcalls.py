"""Calls of the file's own functions with constant arguments, evaluated on a closed slice.

Obfuscators other than javascript-obfuscator hide strings behind a function of the file called
with numbers: js-confuser's string concealing (``mfIJKJ(0x2b8, A2B6JK[0x8])``, a custom-alphabet
decoder over one long encoded string), hand-made string encryption, lookup helpers. None of them
need a particular shape to be undone: a call whose arguments are constants, to a function whose
free names resolve — scope by scope, not by spelling, since obfuscators reuse every name in every
function — to other functions, constants of the file or the isolate's builtins, has one value.
That function and everything it reaches (the *slice*) is copied into the capability-free
isolate, each binding under a fresh name so that two declarations spelled alike do not collide,
and the calls are evaluated there; string results replace the calls.

Also here: ``Function("a", "b", "body")`` / ``new Function(…)`` with literal arguments (code
packed into a string, js-confuser's "pack") becomes the function expression it denotes, so the
ordinary analysis reads the code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.isolate import evaluate
from agentxray.analyze.js.deobfuscate.rewrite import Copy, Edit
from agentxray.analyze.js.deobfuscate.scope import Binding, Scopes
from agentxray.analyze.js.deobfuscate.syntax import FUNCTIONS, captures, js_string
from agentxray.analyze.js.nodes import string_value

logger = logging.getLogger(__name__)

MAX_SLICE_BYTES = 120_000
"""Source copied into the isolate for one function's calls, at most."""
MAX_BINDINGS = 60
MAX_CALLEES = 80
MAX_CALLS = 5_000
MAX_ARGS = 4
MAX_STRING_CHARS = 100_000
JOB_TIMEOUT_S = 2.0
#: A function evaluated for its calls must look like it computes text: one of these inside its
#: slice (char codes, alphabets, bit twiddling, slicing a stored string).
_DECODING = re.compile(
    rb"fromCharCode|fromCodePoint|charCodeAt|codePointAt|indexOf|TextDecoder|atob|<<|>>|\^|"
    rb"\.slice\(|\.substr|\.split\(|\.reverse\(|parseInt"
)
_CALLS = "(call_expression function: (identifier) @callee arguments: (arguments) @args) @call"
_FUNCTION_CALLS = """
(call_expression function: (identifier) @ctor arguments: (arguments) @args) @call
(new_expression constructor: (identifier) @ctor arguments: (arguments) @args) @call
"""
_CONSTANT_LEAVES = frozenset({"number", "string", "true", "false", "null", "undefined"})

_EVALUATE = (
    "var __axr = [];\n"
    "function __axr_ok(v) { return typeof v === 'string' || (Array.isArray(v) && v.length <= 500"
    " && v.every(function (x) { return typeof x === 'string'; })); }\n"
    "function __axr_v(f) { try { var v = f(); __axr.push(__axr_ok(v) ? v : null); }"
    " catch (e) { __axr.push(null); } }\n"
)
_MEMBER_CALLS = (
    "(call_expression function: (member_expression object: (array) @object) arguments:"
    " (arguments) @args) @call"
)


@dataclass(frozen=True, slots=True)
class LocalCalls:
    """What evaluating the file's own decoder calls produced."""

    edits: tuple[Edit, ...]
    replaced: int
    distinct: int
    functions: int
    """Functions whose calls were decoded."""
    unpacked: int
    """``Function("…")`` constructions turned back into code."""
    problems: tuple[str, ...] = ()
    first: int | None = None
    """Where the first decoder function whose calls were decoded starts."""


def local_call_edits(root: Node, scopes: Scopes, typescript: bool) -> LocalCalls:
    """Edits replacing constant calls of the file's decoder functions by their strings."""
    edits, unpacked = _unpack_function_constructors(root, scopes, typescript)
    groups: dict[int, tuple[Binding, Node, list[Node]]] = {}
    count = 0
    for match in captures(root, _CALLS, typescript).get("call", []):
        callee = match.child_by_field_name("function")
        args = match.child_by_field_name("arguments")
        if callee is None or args is None or not 0 < args.named_child_count <= MAX_ARGS:
            continue
        if not all(_constant(a, scopes) for a in args.named_children):
            continue
        binding = scopes.resolve(callee)
        fn = _function_of(binding, scopes)
        if fn is None or binding is None:
            continue
        entry = groups.setdefault(id(binding), (binding, fn, []))
        entry[2].append(match)
        count += 1
        if count >= MAX_CALLS:
            break
    jobs: list[tuple[str, str]] = []
    plans: list[tuple[str, Node, list[Node]]] = []
    problems: list[str] = []
    n_member = 0
    for call in captures(root, _MEMBER_CALLS, typescript).get("call", []):
        # ``["Puvan …", …].map(rot)``: a literal list passed through the file's own function.
        obj = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if obj is None or args is None or not 0 < args.named_child_count <= MAX_ARGS:
            continue
        array = obj.child_by_field_name("object")
        if array is None or not _constant_array(array):
            continue
        if not all(
            _constant(a, scopes) or _function_of(scopes.resolve(a), scopes) is not None
            for a in args.named_children
        ):
            continue
        sliced = _Slice(scopes)
        expr = sliced.rewrite(call)
        prelude = sliced.source()
        if expr is None or prelude is None:
            continue
        if _DECODING.search((prelude + expr).encode()) is None:
            continue
        tag = f"lm{n_member}"
        n_member += 1
        jobs.append(
            (
                tag,
                f"{prelude}\n{_EVALUATE}__axr_v(function () {{ return {expr}; }});\nreturn __axr;",
            )
        )
        plans.append((tag, call, [call]))
    for n, (binding, fn, calls) in enumerate(list(groups.values())[:MAX_CALLEES]):
        sliced = _Slice(scopes)
        alias = sliced.add(binding)
        if alias is None or not sliced.ok:
            continue
        prelude = sliced.source()
        if prelude is None or _DECODING.search(prelude.encode()) is None:
            continue
        exprs: list[str] = []
        for call in calls:
            args = call.child_by_field_name("arguments")
            assert args is not None
            arg_text = sliced.rewrite(args)
            if arg_text is None:
                exprs.append("undefined")
                continue
            exprs.append(f"{alias}{arg_text}")
        prelude = sliced.source()  # arguments may have added constants
        if prelude is None:
            continue
        body = "".join(f"__axr_v(function () {{ return {e}; }});\n" for e in exprs)
        tag = f"lc{n}"
        jobs.append((tag, f"{prelude}\n{_EVALUATE}{body}return __axr;"))
        plans.append((tag, fn, calls))
    outcomes = evaluate(jobs, timeout_s=JOB_TIMEOUT_S) if jobs else {}
    replaced = functions = 0
    first: int | None = None
    distinct: set[str] = set()
    for tag, fn, calls in plans:
        outcome = outcomes.get(tag)
        if outcome is None or outcome.error is not None or not isinstance(outcome.value, list):
            problems.append(
                f"a decoder function's calls could not be evaluated: "
                f"{outcome.error if outcome is not None else 'not run'}"
            )
            continue
        done = 0
        for call, value in zip(calls, outcome.value, strict=False):
            if isinstance(value, str) and len(value) <= MAX_STRING_CHARS:
                edits.append(Edit.text(call.start_byte, call.end_byte, js_string(value)))
                distinct.add(value)
                done += 1
            elif isinstance(value, list) and sum(len(v) for v in value) <= MAX_STRING_CHARS:
                items = ", ".join(js_string(str(v)) for v in value)
                edits.append(Edit.text(call.start_byte, call.end_byte, f"[{items}]"))
                distinct.update(str(v) for v in value)
                done += 1
        if done:
            functions += 1
            replaced += done
            first = fn.start_byte if first is None else min(first, fn.start_byte)
    logger.debug("local calls: %d replaced in %d functions", replaced, functions)
    return LocalCalls(
        tuple(edits), replaced, len(distinct), functions, unpacked, tuple(problems), first
    )


def _constant_array(node: Node) -> bool:
    """An array literal of literals (strings, numbers…) only."""
    return (
        node.type == "array"
        and node.named_child_count > 0
        and all(
            c.type in _CONSTANT_LEAVES or (c.type == "unary_expression")
            for c in node.named_children
        )
    )


def _constant(node: Node, scopes: Scopes) -> bool:
    """A literal, arithmetic on literals, or an element of a constant array of the file."""
    kind = node.type
    if kind in _CONSTANT_LEAVES:
        return kind != "string" or string_value(node) is not None
    if kind == "unary_expression":
        arg = node.child_by_field_name("argument")
        return arg is not None and _constant(arg, scopes)
    if kind == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        return (
            left is not None
            and right is not None
            and _constant(left, scopes)
            and _constant(right, scopes)
        )
    if kind == "parenthesized_expression":
        return node.named_child_count == 1 and _constant(node.named_children[0], scopes)
    if kind == "subscript_expression":
        obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
        if obj is None or index is None or obj.type != "identifier":
            return False
        if not _constant(index, scopes):
            return False
        value = _single_value(scopes.resolve(obj), scopes)
        return (
            value is not None
            and value.type == "array"
            and all(c.type in _CONSTANT_LEAVES for c in value.named_children)
        )
    return False


def _function_of(binding: Binding | None, scopes: Scopes) -> Node | None:
    """The function a binding names: a declaration, or a constant ``var f = function…``."""
    if binding is None:
        return None
    parent = binding.name_node.parent
    if (
        parent is not None
        and parent.type in ("function_declaration",)
        and (parent.child_by_field_name("name") == binding.name_node)
    ):
        return parent
    value = _single_value(binding, scopes)
    if value is not None and value.type in FUNCTIONS:
        return value
    return None


def _single_value(binding: Binding | None, scopes: Scopes) -> Node | None:
    """The one value ``binding`` ever holds: its initialiser, or the one assignment made to a
    declared-but-uninitialised name in its own scope (not inside a nested function)."""
    if binding is None:
        return None
    decl = binding.name_node.parent
    if (
        decl is None
        or decl.type != "variable_declarator"
        or (decl.child_by_field_name("name") != binding.name_node)
    ):
        return None
    value = decl.child_by_field_name("value")
    writes = _writes(binding, scopes)
    if value is not None:
        return value if not writes else None
    if len(writes) != 1:
        return None
    assignment = writes[0]
    if _nearest_function(assignment) != _nearest_function(binding.name_node):
        return None  # assigned inside some function: when, and whether, is unknown
    return assignment.child_by_field_name("right")


def _writes(binding: Binding, scopes: Scopes) -> list[Node]:
    out: list[Node] = []
    for ref in scopes.references(binding):
        parent = ref.parent
        if parent is None or ref == binding.name_node:
            continue
        kind = parent.type
        if kind == "assignment_expression" and parent.child_by_field_name("left") == ref:
            out.append(parent)
        elif kind in ("augmented_assignment_expression", "update_expression"):
            out.append(parent)
            out.append(parent)  # never a single plain value
        elif kind == "for_in_statement" and parent.child_by_field_name("left") == ref:
            out.extend((parent, parent))
    return out


def _nearest_function(node: Node) -> int:
    cur = node.parent
    while cur is not None and cur.type not in FUNCTIONS:
        cur = cur.parent
    return -1 if cur is None else cur.start_byte


class _Slice:
    """A function and everything it reaches, each binding under a fresh name."""

    def __init__(self, scopes: Scopes) -> None:
        self.scopes = scopes
        self.aliases: dict[int, str] = {}  # id(binding) → alias
        self.functions: list[str] = []
        self.values: list[str] = []
        self.size = 0
        self.ok = True
        self._pending: set[int] = set()

    def add(self, binding: Binding) -> str | None:
        """The alias of ``binding`` in the slice, adding it and what it needs; None if open."""
        return self._add(binding)

    def _text(self, node: Node) -> str:
        return self.scopes.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def _add(self, binding: Binding) -> str | None:
        key = id(binding)
        if key in self.aliases:
            if key in self._pending and _function_of(binding, self.scopes) is None:
                self.ok = False  # a value defined through itself
            return self.aliases[key]
        if len(self.aliases) >= MAX_BINDINGS:
            self.ok = False
            return None
        alias = f"__axr_b{len(self.aliases)}"
        self.aliases[key] = alias
        self._pending.add(key)
        fn = _function_of(binding, self.scopes)
        if fn is not None:
            code = self.rewrite(fn, own=binding)
            if code is None:
                self.ok = False
                return None
            if fn.type == "function_declaration":
                self.functions.append(code)
            else:
                self.functions.append(f"var {alias} = {code};")
        else:
            value = _single_value(binding, self.scopes)
            if value is None:
                self.ok = False
                return None
            code = self.rewrite(value)
            if code is None:
                self.ok = False
                return None
            self.values.append(f"var {alias} = ({code});")
        self._pending.discard(key)
        self.size += len(code)
        if self.size > MAX_SLICE_BYTES:
            self.ok = False
        return alias

    def rewrite(self, node: Node, own: Binding | None = None) -> str | None:
        """``node``'s source with every name declared outside it (and its own name) aliased."""
        scopes = self.scopes
        data = scopes.data
        cuts: list[tuple[int, int, str]] = []
        named_at = -1
        if own is not None and node.start_byte <= own.name_node.start_byte < node.end_byte:
            # The declaration's own name: resolving it at its place would find a parameter or
            # local of the same spelling (obfuscators reuse names), so it is cut by position.
            named_at = own.name_node.start_byte
            cuts.append((named_at, own.name_node.end_byte, self.aliases[id(own)]))
        for ident in scopes.identifiers(node.start_byte, node.end_byte):
            if ident.start_byte == named_at:
                continue
            binding = scopes.resolve(ident)
            if binding is None:
                continue  # a global: the isolate has it, or the call fails there harmlessly
            inside = node.start_byte <= binding.scope.start_byte < node.end_byte and (
                binding.scope.end_byte <= node.end_byte
            )
            if binding is own:
                inside = False
            elif inside:
                continue
            if binding.kind in ("function", "catch") and binding is not own:
                return None  # a parameter of an enclosing function: not a constant
            alias = self._add(binding)
            if alias is None or not self.ok:
                return None
            replacement = alias
            if ident.type == "shorthand_property_identifier":
                replacement = f"{self._text(ident)}: {alias}"
            cuts.append((ident.start_byte, ident.end_byte, replacement))
        out: list[str] = []
        pos = node.start_byte
        for start, end, replacement in sorted(cuts):
            if start < pos:
                continue
            out.append(data[pos:start].decode("utf-8", "replace"))
            out.append(replacement)
            pos = end
        out.append(data[pos : node.end_byte].decode("utf-8", "replace"))
        return "".join(out)

    def source(self) -> str | None:
        if not self.ok:
            return None
        # Functions first (declarations hoist; a value's initialiser may call one), then values
        # in the order they were reached, dependencies before dependants.
        return "\n".join([*self.functions, *self.values])


_GLOBAL_THIS = re.compile(r"\s*return\s+this\s*;?\s*")


def _unpack_function_constructors(
    root: Node, scopes: Scopes, typescript: bool
) -> tuple[list[Edit], int]:
    """``Function("a", "return a")`` → ``(function anonymous(a) {return a})``, for literals."""
    edits: list[Edit] = []
    for call in captures(root, _FUNCTION_CALLS, typescript).get("call", []):
        ctor = call.child_by_field_name("function") or call.child_by_field_name("constructor")
        args = call.child_by_field_name("arguments")
        if (
            ctor is None
            or args is None
            or scopes.data[ctor.start_byte : ctor.end_byte] != b"Function"
        ):
            continue
        if scopes.resolve(ctor) is not None or args.named_child_count == 0:
            continue  # a local named Function is not the constructor
        values = [string_value(a) if a.type == "string" else None for a in args.named_children]
        if any(v is None for v in values):
            continue
        texts = [v for v in values if v is not None]
        if _GLOBAL_THIS.fullmatch(texts[-1]):
            continue  # the polyfills' way to find the global object, not packed code
        params = [p.strip() for p in ",".join(texts[:-1]).split(",") if p.strip()]
        if not all(re.fullmatch(r"[A-Za-z_$][\w$]*", p) for p in params):
            continue
        code = f"(function anonymous({', '.join(params)}) {{\n{texts[-1]}\n}})"
        edits.append(Edit.text(call.start_byte, call.end_byte, code))
    return edits, len(edits)


def iter_calls(root: Node, typescript: bool) -> Iterator[Node]:
    """Every call of a plain identifier (for tests and diagnostics)."""
    yield from captures(root, _CALLS, typescript).get("call", [])


_SUBSCRIPTS = "(subscript_expression object: (identifier) @object index: (number) @index) @read"


def constant_array_edits(root: Node, scopes: Scopes, typescript: bool) -> list[Edit]:
    """``K[3]`` → the literal at index 3, for an array of literals that is only ever read.

    Obfuscators move every number and short string into one such table (js-confuser's
    ``A2B6JK=[0x0,0x1,…,"length"]``); the tracking of values is simpler without it. Only when
    every use of the name is a read at a literal index: no element writes, no method calls, no
    escape into other code that could change it.
    """
    reads: dict[int, list[tuple[Node, Node]]] = {}
    bindings: dict[int, Binding] = {}
    for read in captures(root, _SUBSCRIPTS, typescript).get("read", []):
        obj, index = read.child_by_field_name("object"), read.child_by_field_name("index")
        if obj is None or index is None:
            continue
        binding = scopes.resolve(obj)
        if binding is None:
            continue
        bindings[id(binding)] = binding
        reads.setdefault(id(binding), []).append((read, index))
    edits: list[Edit] = []
    for key, found in reads.items():
        binding = bindings[key]
        value = _single_value(binding, scopes)
        if value is None or not _constant_array(value):
            continue
        refs = [r for r in scopes.references(binding) if r != binding.name_node]
        if len(refs) != len(found):
            continue  # used otherwise than read at a literal index
        items = value.named_children
        ok: list[Edit] = []
        for read, index in found:
            parent = read.parent
            if (
                parent is not None
                and parent.type
                in (
                    "assignment_expression",
                    "augmented_assignment_expression",
                    "update_expression",
                )
                and parent.child_by_field_name("left") in (read, None)
            ):
                ok = []
                break
            try:
                n = int(scopes.data[index.start_byte : index.end_byte].decode(), 0)
            except ValueError:
                ok = []
                break
            if not 0 <= n < len(items):
                ok = []
                break
            item = items[n]
            ok.append(Edit(read.start_byte, read.end_byte, (Copy(item.start_byte, item.end_byte),)))
        edits += ok
    return edits
