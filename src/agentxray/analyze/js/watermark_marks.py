"""Watermarks written as edits (JavaScript front-end): marks added, look-alikes substituted, data
spelled invisibly, as neutral records for :mod:`agentxray.analyze.behaviour.watermark`.

:mod:`agentxray.analyze.js.watermark` finds a condition choosing between look-alike literals.
The same covert channel is often written as an *edit* of the text instead:

- **decoration**: a branch taken on a signal comparison adds invisible or look-alike characters
  to the text (``if (offset === 8) return LRI + subject + PDI``);
- **substitution**: ``replace`` puts look-alikes where the text had plain characters (an en dash
  for a hyphen, NBSP for a space, Cyrillic ``а`` for Latin ``a``), under a condition driven by an
  environment signal or by configuration fetched from a server;
- **encoding**: data spelled in invisible characters: an alphabet of zero-width characters
  indexed by bits, or code points shifted into the tag or variation-selector blocks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.behaviour import watermark as policy
from agentxray.analyze.behaviour.records import Choice, Evidence, Source
from agentxray.analyze.behaviour.unicode import INVISIBLE, prototypes
from agentxray.analyze.js.analysis import JsAnalysis
from agentxray.analyze.js.behaviour import regex_literals
from agentxray.analyze.js.flow import Comparison, Condition
from agentxray.analyze.js.formula import render
from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    NameIndex,
    enclosing_function,
    parameter_names,
    prefiltered_finditer,
    scope_of,
    shadowed,
    string_value,
    text,
    unwrap,
)
from agentxray.analyze.js.report import describe, fn_label, location, snippet
from agentxray.analyze.js.signals import Signal
from agentxray.analyze.js.values import class_field
from agentxray.analyze.js.watermark_deps import identity_sources

logger = logging.getLogger(__name__)

#: Constant name → (the scope its declaration binds it in, its look-alike strings), per binding.
Constants = dict[str, list[tuple[Node, list[str]]]]

INVISIBLE_BASES = (0xE0000, 0xE0020, 0xE0100, 0xFE00, 0x200B, 0x2060)
"""Code points that start invisible blocks: tags, variation selectors, zero-width."""
_BASE_LITERAL = re.compile(
    r"\b(?:0x[eE]0{3,4}|0x[eE]01[0-9a-fA-F]{2}|917[5-9]\d\d|0x[fF][eE]0[0-9a-fA-F])\b"
)
_INVISIBLE_LITERAL = re.compile(
    rb"\\u200[b-fB-F]|\\u206[0-9]|\\u\{[eE]00[0-7][0-9a-fA-F]\}|\xe2\x80[\x8b-\x8f]|\xe2\x81[\xa0-\xa9]"
)
"""Zero-width, word-joiner and bidi-isolate characters written in a literal (escaped or raw)."""
REMOTE_MARKS = (".json()", "fetch(", "axios", "got(", "request(")
"""Text showing a configuration object was fetched from a server."""
MAX_NODES = 400


@dataclass(frozen=True, slots=True)
class Mark:
    """One edit that writes look-alike or invisible characters into text."""

    kind: str
    """``decoration``, ``substitution`` or ``encoding``."""
    node: Node
    chars: tuple[str, ...]
    """The special characters written."""
    detail: str
    """What it works on, in source form: the replaced pattern, the encoding expression."""
    comparisons: tuple[Comparison, ...] = ()
    remote: str = ""
    """The fetched configuration field deciding it, when it is remote."""
    alphabet: bool = False
    """An encoding through an alphabet of invisible characters indexed by data."""
    encodes: tuple[Signal, ...] = ()
    """Identities the deciding test is computed from (a hash of them, its bits)."""


def _strings_in(
    node: Node, consts: Constants, follow: bool = True, index: NameIndex | None = None
) -> list[str]:
    """String literals in ``node``, and the look-alike text of the constants it names.

    A name stands for a constant only where that constant's binding reaches it: a minified
    bundle reuses ``y`` in every module, and another function's ``y = "You’re"`` is not
    this one's ``y``."""
    out: list[str] = []
    stack = [node]
    seen = 0
    while stack and seen < MAX_NODES:
        cur = stack.pop()
        seen += 1
        if cur.type == "string":
            literal = string_value(cur)
            if literal is not None:
                out.append(literal)
            continue
        if cur.type == "identifier" and follow:
            out.extend(_constant_text(cur, consts, index))
            continue
        stack.extend(cur.named_children)
    return out


def _constant_text(use: Node, consts: Constants, index: NameIndex | None) -> list[str]:
    """The look-alike strings of the constant ``use`` names, when its binding reaches ``use``."""
    name = text(use)
    held = [(s, v) for s, v in consts.get(name, ()) if s.start_byte <= use.start_byte < s.end_byte]
    if not held:
        return []
    scope, values = max(held, key=lambda x: x[0].start_byte)  # the innermost binding
    if shadowed(use, scope, name):
        return []
    if index is not None:
        for d in index.definitions(name):
            if d.type != "variable_declarator":
                continue
            inner = scope_of(d)
            if scope.start_byte < inner.start_byte <= use.start_byte < inner.end_byte:
                return []  # rebound by a declaration nearer to the use
    return values


def special_constants(literals: list[Node]) -> Constants:
    """Constants whose value holds look-alike or invisible characters (name → those strings).

    Found from the literals themselves (the watermark prefilter), so naming a constant costs
    no search.
    """
    out: Constants = {}
    for node in literals:
        for _ in range(6):
            parent = node.parent
            if parent is None or parent.type == "variable_declarator":
                break
            if parent.type not in _HOLDERS:
                break
            node = parent
        decl = node.parent
        if decl is None or decl.type != "variable_declarator":
            continue
        name = decl.child_by_field_name("name")
        value = decl.child_by_field_name("value")
        if name is None or value is None or name.type != "identifier":
            continue
        if value.end_byte - value.start_byte > 4_000:
            continue
        out.setdefault(text(name), []).append((scope_of(decl), _strings_in(value, {}, False)))
    return out


_HOLDERS = frozenset(
    {"string", "string_fragment", "escape_sequence", "pair", "object", "array", "as_expression"}
)


def _guards(a: JsAnalysis, node: Node) -> list[Condition]:
    """Signal-driven conditions deciding whether ``node`` runs (branches and early returns)."""
    out = []
    for cond in a.flow.conditions:
        c = cond.node
        if c.type in ("if_statement", "ternary_expression"):
            test = c.child_by_field_name("condition")
            inside = c.start_byte <= node.start_byte < c.end_byte
            if inside and not (
                test is not None and test.start_byte <= node.start_byte < test.end_byte
            ):
                out.append(cond)
                continue
            if c.type == "if_statement" and _returns_early(c) and _after_in_same_function(c, node):
                out.append(cond)
    return out


def _returns_early(stmt: Node) -> bool:
    body = stmt.child_by_field_name("consequence")
    return body is not None and text(body).lstrip("{ \n").startswith("return")


def _after_in_same_function(stmt: Node, node: Node) -> bool:
    """``node`` comes after ``stmt`` inside the function holding ``stmt`` (callbacks included)."""
    fn = enclosing_function(stmt)
    return fn is not None and stmt.end_byte < node.start_byte and node.end_byte <= fn.end_byte


def _remote_guard(a: JsAnalysis, node: Node) -> str:
    """``f.fmt_v2 ? … : …`` where ``f`` holds configuration fetched from a server."""
    cur = node.parent
    while cur is not None and cur.type not in FUNCTION_TYPES:
        if cur.type in ("ternary_expression", "if_statement"):
            test = cur.child_by_field_name("condition")
            if test is not None and not (test.start_byte <= node.start_byte < test.end_byte):
                field = remote_field(a, test)
                if field:
                    return field
        cur = cur.parent
    return ""


def remote_field(a: JsAnalysis, test: Node) -> str:
    """The fetched configuration field (or server-set flag) ``test`` reads, or ""."""
    for m in re.finditer(r"([A-Za-z_$][\w$]*)\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)", text(test)):
        holder = m.group(1)
        for d in a.index.definitions(holder)[:6]:
            value = d.child_by_field_name("value") or d.child_by_field_name("right")
            if value is not None and any(mark in text(value) for mark in REMOTE_MARKS):
                return f"{holder}.{m.group(2)}"
    flag = unwrap(test)
    while flag.type == "unary_expression" and flag.named_child_count == 1:
        flag = unwrap(flag.named_children[0])
    if flag.type == "identifier" and flag.text in _remote_flags(a):
        return text(flag)
    return _fetched_field(a, test)


MAX_FIELD_READS = 8


def _fetched_field(a: JsAnalysis, test: Node) -> str:
    """A field read in ``test`` of an object a server sent: ``this.settings.render.cohort``
    where the constructor kept ``settings`` given by ``new Writer(await loadSettings())`` and
    ``loadSettings`` requests and parses an answer."""
    stack: list[Node] = [test]
    reads: list[Node] = []
    while stack and len(reads) < MAX_FIELD_READS:
        cur = stack.pop()
        if cur.type == "member_expression":
            reads.append(cur)
            continue
        stack.extend(reversed(cur.named_children))
    for read in reads:
        holder = read  # the innermost holder: a name, or ``this.field``
        while (inner := holder.child_by_field_name("object")) is not None:
            inner = unwrap(inner)
            if inner.type == "this":
                break
            holder = inner
            if inner.type != "member_expression":
                break
        if _from_server(a, holder, 0):
            return text(read)
    return ""


_REQUESTS = (*REMOTE_MARKS, "https.get(", "http.get(")
_PARSES = (".json()", "JSON.parse(", "axios")
MAX_PROVENANCE = 6


def _from_server(a: JsAnalysis, node: Node, depth: int) -> bool:
    """Whether the value of ``node`` is a server's parsed answer: through variables, ``||``
    defaults, fields the class sets once, constructor parameters (``new C(answer)``) and calls
    of the file's functions that request and parse."""
    node = unwrap(node)
    if depth > MAX_PROVENANCE:
        return False
    kind = node.type
    if kind == "await_expression" and node.named_child_count:
        return _from_server(a, node.named_children[0], depth + 1)
    if kind == "binary_expression":
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        return (
            op is not None
            and text(op) in ("||", "??")
            and left is not None
            and _from_server(a, left, depth + 1)
        )
    if kind == "member_expression":
        obj = node.child_by_field_name("object")
        prop = node.child_by_field_name("property")
        if obj is not None and obj.type == "this" and prop is not None:
            value = class_field(obj, text(prop))
            return value is not None and _from_server(a, value, depth + 1)
        return obj is not None and _from_server(a, obj, depth + 1)
    if kind == "identifier":
        handed = _constructor_arguments(a, node)
        if handed is not None:
            return any(_from_server(a, arg, depth + 1) for arg in handed)
        for d in a.resolver.bindings(node)[:2]:
            value = d.child_by_field_name("value") or d.child_by_field_name("right")
            if value is not None and _from_server(a, value, depth + 1):
                return True
        return False
    if kind == "call_expression":
        if text(node).endswith(".json()"):
            return True
        callee = node.child_by_field_name("function")
        fn = (
            a.index.function_named(text(callee))
            if callee is not None and callee.type == "identifier"
            else None
        )
        if fn is None or fn.end_byte - fn.start_byte > MAX_FETCHER_BYTES:
            return False
        body = text(fn)
        return any(r in body for r in _REQUESTS) and any(p in body for p in _PARSES)
    return False


MAX_FETCHER_BYTES = 4_000
"""A function that fetches settings is small; a bigger one is not read as one."""


def _constructor_arguments(a: JsAnalysis, param: Node) -> list[Node] | None:
    """The arguments given for ``param`` at ``new C(…)``, when it is a parameter of the
    constructor of class ``C``; None when it is not such a parameter."""
    ctor = enclosing_function(param)
    key = ctor.child_by_field_name("name") if ctor is not None else None
    if (
        ctor is None
        or ctor.type != "method_definition"
        or key is None
        or text(key) != "constructor"
    ):
        return None
    names = parameter_names(ctor)
    if text(param) not in names:
        return None
    position = names.index(text(param))
    cls = ctor.parent.parent if ctor.parent is not None else None
    name = cls.child_by_field_name("name") if cls is not None else None
    if name is None:
        return []
    cache_key = f"{_NEW_KEY}:{text(name)}"
    sites = a.unit.context.get(cache_key)
    if not isinstance(sites, list):  # one search per class and file
        pattern = rb"\bnew\s+" + re.escape(name.text or b"") + rb"\s*\("
        found = prefiltered_finditer(re.compile(pattern), a.unit.data)  # `new` found first
        sites = [m.start() for _, m in zip(range(4), found, strict=False)]
        a.unit.context[cache_key] = sites
    out: list[Node] = []
    for start in sites:
        new = a.index.node_at(start, start + 3).parent
        args = new.child_by_field_name("arguments") if new is not None else None
        if (
            new is not None
            and new.type == "new_expression"
            and args is not None
            and position < args.named_child_count
        ):
            out.append(args.named_children[position])
    return out


_NEW_KEY = "agentxray.analyze.js.watermark_marks.constructed"


_RESPONSE_PART = re.compile(rb"\.headers\b")  # a literal: found fast in a bundle
_FLAGS_KEY = "agentxray.analyze.js.watermark_marks.remote_flags"


def _remote_flags(a: JsAnalysis) -> set[bytes]:
    """Variables set from a server's answer (``flag = res.headers.get("x-variant") === "b7"``,
    ``res`` holding a ``fetch``): a server switches what tests them."""
    cached = a.unit.context.get(_FLAGS_KEY)  # computed once per file
    if isinstance(cached, set):
        return cached
    flags: set[bytes] = set()
    for m in _RESPONSE_PART.finditer(a.unit.data):
        cur = a.index.node_at(m.end() - len(b"headers"), m.end())
        for _ in range(8):
            parent = cur.parent
            if parent is None or parent.type not in _READ_PARTS | _ASSIGNED:
                break
            if parent.type in _ASSIGNED:
                left = parent.child_by_field_name("left") or parent.child_by_field_name("name")
                right = parent.child_by_field_name("right") or parent.child_by_field_name("value")
                if (
                    left is not None
                    and left.type == "identifier"
                    and right == cur
                    and _from_fetch(a, right)
                ):
                    flags.add(left.text or b"")
                break
            cur = parent
    a.unit.context[_FLAGS_KEY] = flags
    return flags


_READ_PARTS = frozenset(
    {
        "member_expression",
        "call_expression",
        "arguments",
        "binary_expression",
        "await_expression",
        "parenthesized_expression",
        "subscript_expression",
    }
)
_ASSIGNED = frozenset({"assignment_expression", "variable_declarator"})


def _from_fetch(a: JsAnalysis, value: Node) -> bool:
    """``res.headers…`` where ``res`` is bound to a fetched response in the same function."""
    if any(mark in text(value) for mark in REMOTE_MARKS):
        return True
    m = re.match(r"\s*([A-Za-z_$][\w$]*)\s*\.", text(value))
    if m is None:
        return False
    fn = enclosing_function(value)
    for d in a.index.definitions(m.group(1))[:8]:
        bound = d.child_by_field_name("value") or d.child_by_field_name("right")
        inside = fn is None or fn.start_byte <= d.start_byte < fn.end_byte
        if bound is not None and inside and any(mark in text(bound) for mark in REMOTE_MARKS):
            return True
    return False


MAX_TESTS = 8


def _enclosing_tests(node: Node) -> list[Node]:
    """The tests deciding whether ``node`` runs in its function: the ``if``s and ternaries
    holding it (outside their tests), and earlier ``if``s that return early."""
    out: list[Node] = []
    cur = node
    while cur.parent is not None and cur.parent.type not in FUNCTION_TYPES and len(out) < 4:
        parent = cur.parent
        if parent.type in ("if_statement", "ternary_expression"):
            test = parent.child_by_field_name("condition")
            if test is not None and test != cur:
                out.append(test)
        cur = parent
    fn = enclosing_function(node)
    body = fn.child_by_field_name("body") if fn is not None else None
    if body is not None and body.type == "statement_block":
        for stmt in body.named_children[:MAX_TESTS]:
            if stmt.start_byte >= node.start_byte:
                break
            test = stmt.child_by_field_name("condition")
            if stmt.type == "if_statement" and _returns_early(stmt) and test is not None:
                out.append(test)
    return out


def _spelled(a: JsAnalysis, node: Node) -> tuple[Signal, ...]:
    """Identities the tests deciding ``node`` are computed from (``if (this.bit()) …`` with the
    bits cut from a hash of the e-mail)."""
    tests = _enclosing_tests(node)
    return tuple(identity_sources(a, tests)) if tests else ()


def _decorations(a: JsAnalysis, consts: Constants, literals: list[Node]) -> list[Mark]:
    out = []
    for cond in a.flow.conditions:
        c = cond.node
        added = _added_marks(a, consts, c)
        if added:
            out.append(Mark("decoration", c, added, "", cond.comparisons))
    taken = {m.node.start_byte for m in out}
    for literal in literals:
        # `bit() ? text + ZWSP : text`: a branch adding a mark under a test made from an
        # identity (no comparison: the bits themselves decide).
        if not policy.marks_in(string_value(literal) or "") or _replacement(literal):
            continue  # (a `replace` putting it in is reported as a substitution)
        choice = _branch_holder(literal)
        if choice is None or choice.start_byte in taken:
            continue
        taken.add(choice.start_byte)
        added = _added_marks(a, consts, choice)
        test = choice.child_by_field_name("condition")
        spelled = tuple(identity_sources(a, [test])) if added and test is not None else ()
        if spelled:
            out.append(Mark("decoration", choice, added, "", (), encodes=spelled))
    for flag in sorted(_remote_flags(a)):
        # `marker ? LRI + t + PDI : t` where a server's answer sets `marker`
        for use in a.index.identifiers(flag.decode())[:20]:
            tested = _tested_by(use)
            added = _added_marks(a, consts, tested) if tested is not None else ()
            if tested is not None and added:
                out.append(Mark("decoration", tested, added, "", (), flag.decode()))
    return out


def _added_marks(a: JsAnalysis, consts: Constants, choice: Node) -> tuple[str, ...]:
    """The look-alike or invisible characters the taken branch of ``choice`` (an ``if`` or a
    ternary) writes into text and its other branch does not: a decoration."""
    branch = choice.child_by_field_name("consequence")
    if branch is None:
        return ()
    other = choice.child_by_field_name("alternative")
    added = [ch for v in _strings_in(branch, consts, index=a.index) for ch in policy.marks_in(v)]
    kept = (
        [ch for v in _strings_in(other, consts, index=a.index) for ch in policy.marks_in(v)]
        if other is not None
        else []
    )
    if added and not kept and _writes_text(branch):
        return tuple(dict.fromkeys(added))
    return ()


def _replacement(literal: Node) -> bool:
    """``literal`` is an argument of a ``replace``/``replaceAll`` call."""
    args = literal.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    prop = callee.child_by_field_name("property") if callee is not None else None
    return prop is not None and text(prop) in ("replace", "replaceAll")


def _branch_holder(literal: Node) -> Node | None:
    """The nearest ``if`` or ternary holding ``literal`` in a branch, in the same function."""
    cur = literal
    for _ in range(8):
        parent = cur.parent
        if parent is None or parent.type in FUNCTION_TYPES:
            return None
        if parent.type in ("if_statement", "ternary_expression"):
            return None if parent.child_by_field_name("condition") == cur else parent
        cur = parent
    return None


def _tested_by(use: Node) -> Node | None:
    """The ternary or ``if`` whose test is ``use`` itself (or its negation)."""
    cur = use
    while cur.parent is not None and cur.parent.type in ("parenthesized_expression",):
        cur = cur.parent
    parent = cur.parent
    if parent is not None and parent.type in ("ternary_expression", "if_statement"):
        return parent if parent.child_by_field_name("condition") == cur else None
    return None


def _writes_text(node: Node) -> bool:
    """The branch builds text: a concatenation or template with the characters in it."""
    src = text(node)
    return "+" in src or "${" in src or ".join(" in src or ".replace(" in src


def _substitutions(a: JsAnalysis, consts: Constants) -> list[Mark]:
    out = []
    for m in re.finditer(rb"\.replace(?:All)?\(", a.unit.data):
        call = a.index.node_at(m.start() + 1, m.end() - 1).parent
        while call is not None and call.type != "call_expression":
            call = call.parent
        if call is None:
            continue
        args = call.child_by_field_name("arguments")
        if args is None or args.named_child_count != 2:
            continue
        pattern, replacement = args.named_children
        chars = [
            ch for v in _strings_in(replacement, consts, index=a.index) for ch in policy.marks_in(v)
        ]
        if not chars:
            continue
        imitated = {prototypes().get(ch, "") for ch in chars} - {""}
        if not imitated and not any(ch in INVISIBLE for ch in chars):
            continue
        comparisons = tuple(c for g in _guards(a, call) for c in g.comparisons)
        remote = _remote_guard(a, call)
        spelled = () if comparisons or remote else _spelled(a, call)
        out.append(
            Mark(
                "substitution",
                call,
                tuple(dict.fromkeys(chars)),
                describe(pattern, 30),
                comparisons,
                remote,
                encodes=spelled,
            )
        )
    return out


def _encodings(a: JsAnalysis) -> list[Mark]:
    out = []
    for m in re.finditer(rb"fromCodePoint|fromCharCode", a.unit.data):
        call = a.index.node_at(m.start(), m.end()).parent
        while call is not None and call.type != "call_expression":
            call = call.parent
        if call is None:
            continue
        callee = call.child_by_field_name("function")
        if callee is None or not text(callee).endswith(("fromCodePoint", "fromCharCode")):
            continue  # the primitive passed as a value, not called here
        args = call.child_by_field_name("arguments")
        if args is None or len(text(args)) > 200:
            continue
        if "+" not in text(args) and "|" not in text(args):
            continue  # a code point shifted (`base + c`) or or-ed (`c | base`) into the block
        if not _BASE_LITERAL.search(text(args)) and not _named_base(a, args):
            continue
        out.append(
            Mark(
                "encoding",
                call,
                (),
                describe(call, 60),
                tuple(c for g in _guards(a, call) for c in g.comparisons),
            )
        )
    arrays: dict[int, Node] = {}
    for m in _INVISIBLE_LITERAL.finditer(a.unit.data):
        node = a.index.node_at(m.start(), m.end())
        while node.type != "array" and node.parent is not None and node.type != "program":
            if node.type not in ("string", "string_fragment", "escape_sequence"):
                break
            node = node.parent
        if node.type == "array" and node.named_child_count >= 2:
            arrays[node.start_byte] = node
    for node in arrays.values():
        values = [string_value(c) for c in node.named_children]
        if not all(v and all(ch in INVISIBLE for ch in v) for v in values):
            continue
        use = _indexed_by_data(a, node)
        if use is None:
            continue
        chars = tuple(dict.fromkeys(ch for v in values if v for ch in v))
        out.append(
            Mark(
                "encoding",
                use,
                chars,
                describe(use, 40),
                tuple(c for g in _guards(a, use) for c in g.comparisons),
                alphabet=True,
            )
        )
    return out


def _invisible_base(value: float) -> bool:
    """A code point that starts an invisible block (tags, variation selectors)."""
    return 0xE0000 <= value <= 0xE01EF or 0xFE00 <= value <= 0xFE0F


def _named_base(a: JsAnalysis, args: Node) -> bool:
    """``String.fromCodePoint(TAG_BASE + c)`` with ``const TAG_BASE = 0xe0000``."""
    stack = [args]
    while stack:
        cur = stack.pop()
        if cur.type == "identifier":
            for v in a.resolver.values(cur).items[:4]:
                try:
                    if _invisible_base(float(v)):
                        return True
                except ValueError:
                    continue
        elif cur.type not in FUNCTION_TYPES:
            stack.extend(cur.named_children)
    return False


def _indexed_by_data(a: JsAnalysis, array: Node) -> Node | None:
    """A computed index into the alphabet ``array`` (directly or through its variable)."""
    parent = array.parent
    if parent is not None and parent.type == "subscript_expression":
        return parent
    if parent is None or parent.type != "variable_declarator":
        return None
    name = parent.child_by_field_name("name")
    if name is None or name.type != "identifier":
        return None
    for use in a.index.identifiers(text(name))[:20]:
        holder = use.parent
        if holder is not None and holder.type == "subscript_expression":
            index = holder.child_by_field_name("index")
            if index is not None and index.type not in ("number", "string"):
                return holder
    return None


def source_of(signal: Signal) -> Source:
    """The neutral record of a JavaScript signal."""
    return Source(
        kind=signal.kind,
        read=signal.source,
        host=signal.host,
        scale=signal.scale,
        label=signal.label,
    )


def tested_languages(a: JsAnalysis, comparisons: Iterable[Comparison]) -> tuple[str, ...]:
    """What the locale sources among ``comparisons`` are compared with (``fr`` for
    ``lang === "fr"``, ``/^fr/.test(lang)``, ``["fr", "fr-CA"].includes(lang)``)."""
    out: list[str] = []
    for c in comparisons:
        if c.signal.kind != "locale" or c.other is None:
            continue
        vals = a.resolver.members(c.other) if c.operator == "in" else a.resolver.values(c.other)
        out.extend(x for v in vals.items for x in (regex_literals(v) if vals.regex else [v]))
    return tuple(dict.fromkeys(v.strip("-_.") for v in out if v.strip("-_.")))


def evidence(a: JsAnalysis, node: Node, *more: Node, comparisons: list[Comparison]) -> Evidence:
    """Where ``node`` is, shown with ``more``; when it runs, from the first comparison."""
    condition = render(a.describer.activation(comparisons[0].node)) if comparisons else ""
    return Evidence(
        location=location(a.unit.entry.vpath, node),
        snippet=snippet(a.unit.data, *more, node),
        text=describe(node, 80),
        function=fn_label(node),
        function_key=node.start_byte,
        condition=condition,
    )


def mark_records(a: JsAnalysis, literals: list[Node]) -> list[Choice]:
    """Watermarks written as edits, as neutral records (the policy drops those already
    reported as choices, and edits that no signal decides)."""
    consts = special_constants(literals)
    return [
        Choice(
            kind=mark.kind,
            evidence=evidence(a, mark.node, comparisons=list(mark.comparisons)),
            chars=mark.chars,
            detail=mark.detail,
            alphabet=mark.alphabet,
            sources=tuple(source_of(c.signal) for c in mark.comparisons),
            encodes=tuple(source_of(s) for s in mark.encodes),
            remote=mark.remote,
            key=mark.node.start_byte,
            languages=tested_languages(a, mark.comparisons),
        )
        for mark in [
            *_decorations(a, consts, literals),
            *_substitutions(a, consts),
            *_encodings(a),
        ]
    ]
