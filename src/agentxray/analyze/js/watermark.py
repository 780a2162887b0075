"""The JavaScript front-end of ``watermark``: text variants that look alike (confusable or invisible
characters, date separators) chosen by a condition, and the text they are written into, as neutral
:class:`~agentxray.analyze.behaviour.records.Choice` records.

Which choices count and how they are worded is :mod:`agentxray.analyze.behaviour.watermark`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from tree_sitter import Node

from agentxray.analyze.behaviour import watermark as policy
from agentxray.analyze.behaviour.records import Choice as ChoiceRecord
from agentxray.analyze.behaviour.records import FieldTest, Sink
from agentxray.analyze.behaviour.unicode import INVISIBLE
from agentxray.analyze.js.analysis import JsAnalysis
from agentxray.analyze.js.flow import Comparison
from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    WIDE_SCOPE,
    enclosing_function,
    function_name,
    is_callback,
    logical_function,
    parameter_names,
    prefiltered_finditer,
    returned_expressions,
    scope_of,
    string_value,
    text,
    unwrap,
)
from agentxray.analyze.js.report import describe
from agentxray.analyze.js.signals import IDENTITY_KINDS
from agentxray.analyze.js.values import class_field
from agentxray.analyze.js.watermark_deps import identity_sources
from agentxray.analyze.js.watermark_marks import (
    evidence,
    mark_records,
    remote_field,
    source_of,
    tested_languages,
)

logger = logging.getLogger(__name__)

# Literal-prefixed patterns (fast re search): escaped and raw forms of General Punctuation
# (quotes, dashes, spaces, zero-width, bidi), modifier-letter apostrophes, BOM and tag characters.
_PREFILTER = [
    re.compile(p)
    for p in (
        rb"\\u20[0-6][0-9a-fA-F]",
        rb"\\u02[bB][9a-cA-C]",
        rb"\\u\{[eE]00[0-7][0-9a-fA-F]\}",
        rb"\\u[fF][eE][fF][fF]",
        rb"\\u[fF][eE]0[0-9a-fA-F]",
        rb"\xef\xbb\xbf",
        rb"\xe2\x80[\x80-\xaf]",
        rb"\xe2\x81[\xa0-\xaf]",
        rb"\xca[\xb9-\xbc]",
        rb"\xf3\xa0[\x80\x81]",
        rb"\\u00[aA]0",
        rb"\\x[aA]0",  # the deobfuscator's spelling of a decoded no-break space
        rb"\xc2\xa0",
        rb"\\u04[0-5][0-9a-fA-F]",
    )
]


@dataclass
class Choice:
    """Look-alike variants selected by a condition."""

    node: Node
    """The ternary, the array or the function returning the variants."""
    variants: list[tuple[str, str]]
    """(value, when) pairs; ``when`` is the selecting condition in source form, if known."""
    tainted: list[Comparison] = field(default_factory=list)
    separator: tuple[str, str] | None = None
    """For a date/number format change: (from, to)."""
    deciders: list[Node] = field(default_factory=list)
    """Elsewhere in the file, what decides the choice: the ternaries and functions computing the
    key a table of glyph sets is read at (their conditions taint the choice)."""
    selectors: list[Node] = field(default_factory=list)
    """The expressions picking the variant (a ternary's test, a table's index): what they are
    computed from is followed back to identity reads."""


def _strings(a: JsAnalysis) -> list[Node]:
    data, found = a.unit.data, {}
    for pat in _PREFILTER:
        inside = (0, 0)  # the last plain string literal found: its other matches find it again
        for m in pat.finditer(data):
            if inside[0] <= m.start() and m.end() <= inside[1]:
                continue  # (a bundle's Cyrillic UI text: 30,000 escapes in a few strings)
            node = a.index.node_at(m.start(), m.end())
            for _ in range(3):
                if node.type in ("string", "template_string") or node.parent is None:
                    break
                node = node.parent
            if node.type in ("string", "template_string"):
                found[node.start_byte] = node
            if node.type == "string":  # only fragments and escapes inside, no nested strings
                inside = (node.start_byte, node.end_byte)
    return list(found.values())


def _function_choice(fn: Node) -> Choice | None:
    rets = returned_expressions(fn)
    values = [string_value(unwrap(r)) for r in rets]
    if len(values) < 2 or any(v is None for v in values):
        return None
    variants = []
    for ret, value in zip(rets, values, strict=True):
        stmt = ret.parent
        guard = stmt.parent if stmt is not None else None
        if guard is not None and guard.type == "statement_block":
            guard = guard.parent
        when = ""
        if guard is not None and guard.type == "if_statement":
            cond = guard.child_by_field_name("condition")
            when = describe(cond, 80) if cond is not None else ""
        variants.append((value or "", when or "otherwise"))
    tests = [n.child_by_field_name("condition") for n in _own_ifs(fn)]
    for ret in rets:  # `switch (h % 3) { case 0: return " "; … }`: the switched value
        cur = ret.parent
        while cur is not None and cur != fn and cur.type != "switch_statement":
            cur = cur.parent
        if cur is not None and cur.type == "switch_statement":
            tests.append(cur.child_by_field_name("value"))
    return Choice(fn, variants, selectors=[t for t in tests if t is not None])


def _constant_uses(a: JsAnalysis, literal: Node) -> list[Node]:
    """Uses of a constant holding ``literal`` (``const ONE = "\u200c"``): where it is chosen."""
    value = string_value(literal)
    if value is None or not 0 < len(value) <= 4:
        return []  # prose with a curly quote in it is not a variant some branch picks
    decl = literal.parent
    key = ""
    if decl is not None and decl.type == "pair" and decl.child_by_field_name("value") == literal:
        # `const MARKS = Object.freeze({ right: "\u2019", … })`: read as `MARKS.right`.
        key = text(decl.child_by_field_name("key") or decl).strip("\"'")
        decl = decl.parent
        if decl is not None and decl.parent is not None and decl.parent.type == "arguments":
            call = decl.parent.parent
            if call is None or text(call.child_by_field_name("function") or call) not in (
                "Object.freeze",
                "Object.seal",
            ):
                return []
            decl = call
        decl = decl.parent if decl is not None else None
    if decl is None or decl.type != "variable_declarator":
        return []
    name = decl.child_by_field_name("name")
    if name is None or name.type != "identifier":
        return []
    scope = scope_of(decl)
    if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(text(name)) <= 2:
        return []  # a minified name at a bundle's top level: too common to follow
    uses = [u for u in a.index.identifiers(text(name), scope.start_byte, scope.end_byte)[:20]]
    if not key:
        return [u for u in uses if u != name]
    out = []
    for u in uses:
        member = u.parent
        prop = member.child_by_field_name("property") if member is not None else None
        if (
            member is not None
            and member.type == "member_expression"
            and prop is not None
            and text(prop) == key
        ):
            out.append(member)
    return out


def _arm_value(a: JsAnalysis, arm: Node | None) -> str | None:
    """A ternary arm's string: a literal, or a constant bound to one."""
    if arm is None:
        return None
    arm = unwrap(arm)
    value = string_value(arm)
    if value is None and arm.type in ("identifier", "member_expression"):
        values = a.resolver.values(arm).items
        value = values[0] if len(values) == 1 else None
    return value


def _choices(a: JsAnalysis, literals: list[Node]) -> list[Choice]:
    out: dict[int, Choice] = {}
    for s in literals:
        for held in [s, *_constant_uses(a, s)]:
            choice = _choice_at(a, held, out)
            if choice is not None and policy.lookalikes([v for v, _ in choice.variants]):
                out[choice.node.start_byte] = choice
    return list(out.values())


def _choice_at(a: JsAnalysis, s: Node, out: dict[int, Choice]) -> Choice | None:
    """The choice a look-alike string (or a constant holding one) takes part in, if any."""
    parent = s.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None:
        return None
    choice: Choice | None = None
    if parent.type == "ternary_expression":
        cons = parent.child_by_field_name("consequence")
        alt = parent.child_by_field_name("alternative")
        cond = parent.child_by_field_name("condition")
        vals = [_arm_value(a, x) for x in (cons, alt)]
        if all(v is not None for v in vals) and cond is not None:
            c = describe(cond, 80)
            choice = Choice(
                parent, [(vals[0] or "", c), (vals[1] or "", f"not ({c})")], selectors=[cond]
            )
    elif parent.type == "return_statement":
        fn = enclosing_function(parent)
        if fn is not None and fn.start_byte not in out:
            choice = _function_choice(fn)
    elif parent.type == "array" and parent.parent is not None:
        holder = parent.parent
        if holder.type == "subscript_expression" and holder.child_by_field_name("object") == parent:
            vals = [string_value(c) for c in parent.named_children]
            if all(v is not None for v in vals):
                index = holder.child_by_field_name("index")
                when = describe(index, 60) if index is not None else ""
                choice = Choice(
                    holder,
                    [(v or "", f"index {when}") for v in vals],
                    selectors=[index] if index is not None else [],
                )
    return choice


MAX_TABLE_READS = 10


def _computed_reads(a: JsAnalysis, name: Node, scope: Node) -> list[tuple[Node, Node]]:
    """The reads ``name[index]`` within ``scope`` (of the first 40 uses) whose index is
    computed, not a literal string or number, with that index: a table entry picked at run
    time."""
    out = []
    for use in a.index.identifiers(text(name), scope.start_byte, scope.end_byte)[:40]:
        read = use.parent
        if (
            read is None
            or read.type != "subscript_expression"
            or use != read.child_by_field_name("object")
        ):
            continue
        index = read.child_by_field_name("index")
        if index is None or string_value(unwrap(index)) is not None or index.type == "number":
            continue
        out.append((read, index))
    return out


def _list_choices(a: JsAnalysis, literals: list[Node]) -> list[Choice]:
    """Look-alikes kept in a named list or map and read at a computed index: ``SPACES[s & 3]``
    with ``const SPACES = [" ", "\\u00a0", "\\u2009"]``, ``MARKS[key]`` of an object of strings,
    and one column of a list of pairs (``QUOTES[bit()][0]`` with ``QUOTES = [['"', '"'],
    ["\\u201c", "\\u201d"]]``): the index picks the rendering."""
    out: dict[tuple[int, int], Choice] = {}
    tables: set[tuple[int, int]] = set()
    for s in literals:
        found = _variant_list(s)
        if found is None or (found[0].start_byte, found[2]) in tables:
            continue
        holder, name, column = found
        tables.add((holder.start_byte, column))
        values = _column(holder, column)
        if values is None or not policy.lookalikes(values):
            continue
        scope = scope_of(name)
        if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(text(name)) <= 2:
            continue  # a minified name at a bundle's top level: too common to follow
        for read, index in _computed_reads(a, name, scope):
            when = describe(index, 40)
            out.setdefault(
                (read.start_byte, column),
                Choice(read, [(v, f"index {when}") for v in values], selectors=[index]),
            )
            if len(out) >= MAX_TABLE_READS:
                return list(out.values())
    return list(out.values())


def _row_choices(a: JsAnalysis, literals: list[Node]) -> list[Choice]:
    """A homoglyph table: a constant list of ``[plain, look-alike]`` pairs (``[["a",
    "\u0430"], ["e", "\u0435"], …]``), one row looked up (``T.find(…)``, ``T[i]``, ``for
    (const row of T)``) and a ternary picking one of its columns (``on ? row[1] : row[0]``):
    each pick writes the plain letter or its look-alike, a bit per letter."""
    out: dict[int, Choice] = {}
    tables: set[int] = set()
    for s in literals:
        found = _variant_list(s)
        if found is None or found[2] < 0 or found[0].start_byte in tables:
            continue
        holder, name, _ = found
        tables.add(holder.start_byte)
        columns = [_column(holder, k) for k in range(2)]
        if any(c is None for c in columns):
            continue
        spelled = ["".join(c or []) for c in columns]
        if not policy.lookalikes(spelled):
            continue
        scope = scope_of(name)
        if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(text(name)) <= 2:
            continue  # a minified name at a bundle's top level: too common to follow
        for use in a.index.identifiers(text(name), scope.start_byte, scope.end_byte)[:40]:
            row = _row_of(use)
            if row is None:
                continue
            rscope = scope_of(row)
            for r in a.index.identifiers(text(row), rscope.start_byte, rscope.end_byte)[:40]:
                choice = _column_pick(r, text(row), spelled)
                if choice is not None:
                    out.setdefault(choice.node.start_byte, choice)
            if len(out) >= MAX_TABLE_READS:
                return list(out.values())
    return list(out.values())


def _row_of(use: Node) -> Node | None:
    """The variable a row of the table ``use`` names is bound to: ``const row = T.find(…)``,
    ``const row = T[i]``, ``for (const row of T)``."""
    parent = use.parent
    value: Node | None = None
    if parent is not None and parent.type == "member_expression":
        prop = parent.child_by_field_name("property")
        call = parent.parent
        if (
            prop is not None
            and text(prop) in ("find", "findLast")
            and call is not None
            and call.type == "call_expression"
        ):
            value = call
    elif parent is not None and parent.type == "subscript_expression":
        if parent.child_by_field_name("object") == use:
            value = parent
    elif (
        parent is not None
        and parent.type == "for_in_statement"
        and parent.child_by_field_name("right") == use
    ):
        left = unwrap(parent.child_by_field_name("left") or parent)
        return left if left.type == "identifier" else None
    holder = value.parent if value is not None else None
    if holder is None or holder.type != "variable_declarator":
        return None
    name = holder.child_by_field_name("name")
    return name if name is not None and name.type == "identifier" else None


def _column_pick(use: Node, row: str, spelled: list[str]) -> Choice | None:
    """``cond ? row[1] : row[0]`` around ``use`` (a read of ``row``): the column picked."""
    read = use.parent
    if read is None or read.type != "subscript_expression":
        return None
    ternary = read.parent
    while ternary is not None and ternary.type == "parenthesized_expression":
        ternary = ternary.parent
    if ternary is None or ternary.type != "ternary_expression":
        return None
    cond = ternary.child_by_field_name("condition")
    picks = []
    for arm in ("consequence", "alternative"):
        node = unwrap(ternary.child_by_field_name(arm) or ternary)
        obj = node.child_by_field_name("object") if node.type == "subscript_expression" else None
        index = node.child_by_field_name("index") if obj is not None else None
        if obj is None or index is None or text(obj) != row or text(index) not in ("0", "1"):
            return None
        picks.append(int(text(index)))
    if cond is None or picks[0] == picks[1]:
        return None
    c = describe(cond, 80)
    return Choice(
        ternary,
        [(spelled[picks[0]], c), (spelled[picks[1]], f"not ({c})")],
        selectors=[cond],
    )


def _variant_list(literal: Node) -> tuple[Node, Node, int] | None:
    """``(list or object, its name, column)`` when ``literal`` is an element of a constant list
    (or a field of a constant object) of strings, or of a pair in a constant list of pairs
    (column: its position in the pair; -1 for a flat list or object)."""
    parent = literal.parent
    column = -1
    if (
        parent is not None
        and parent.type == "pair"
        and parent.child_by_field_name("value") == literal
    ):
        holder = parent.parent
    elif parent is not None and parent.type == "array":
        holder = parent
        outer = holder.parent
        if outer is not None and outer.type == "array":
            column = holder.named_children.index(literal)
            holder = outer
    else:
        return None
    decl = holder.parent if holder is not None else None
    if holder is None or decl is None or decl.type != "variable_declarator":
        return None
    name = decl.child_by_field_name("name")
    if name is None or name.type != "identifier" or holder.end_byte - holder.start_byte > 2_000:
        return None
    return holder, name, column


def _column(holder: Node, column: int) -> list[str] | None:
    """The strings of a flat list or object, or one column of a list of pairs; None when any
    entry is not a literal string."""
    if holder.type == "object":
        rows = [p.child_by_field_name("value") for p in holder.named_children if p.type == "pair"]
    elif column < 0:
        rows = list(holder.named_children)
    else:
        rows = []
        for row in holder.named_children:
            if row.type != "array" or column >= row.named_child_count:
                return None
            rows.append(row.named_children[column])
    values = [string_value(r) if r is not None else None for r in rows]
    if len(values) < 2 or any(v is None for v in values):
        return None
    return [v or "" for v in values]


def _table_choices(a: JsAnalysis, literals: list[Node]) -> list[Choice]:
    """Glyph sets in a table read at a computed key: ``SEP = {plain: {dash: "-"}, marked:
    {dash: "\u2011"}}`` read as ``SEP[style].dash`` (one choice per field whose values look
    alike), decided by whatever computes the key."""
    out: dict[tuple[int, str], Choice] = {}
    tables: set[int] = set()
    for s in literals:
        table = _glyph_table(s)
        if table is None or table[0].start_byte in tables:
            continue
        tables.add(table[0].start_byte)
        obj, name, scope = table
        fields = _table_fields(obj)
        for read, index in _computed_reads(a, name, scope):
            member = read.parent
            prop = member.child_by_field_name("property") if member is not None else None
            picked = (
                [text(prop)]
                if member is not None and member.type == "member_expression" and prop is not None
                else list(fields)
            )
            when = describe(index, 40)
            deciders = _deciders(a, index)
            for key in picked:
                rows = fields.get(key, [])
                if not policy.lookalikes([v for _, v in rows]):
                    continue
                node = member if len(picked) == 1 and member is not None else read
                out.setdefault(
                    (node.start_byte, key),
                    Choice(
                        node,
                        [(v, f"{when} is {k}") for k, v in rows],
                        deciders=deciders,
                        selectors=[index],
                    ),
                )
            if len(out) >= MAX_TABLE_READS:
                break
    return list(out.values())


def _glyph_table(literal: Node) -> tuple[Node, Node, Node] | None:
    """``(table, name, scope)`` when ``literal`` is a field of one entry of a constant table of
    glyph sets (``const SEP = {normal: {date: "-"}, marked: {date: "\u2011"}}``)."""
    pair = literal.parent
    if pair is None or pair.type != "pair" or pair.child_by_field_name("value") != literal:
        return None
    entry = pair.parent
    outer = entry.parent if entry is not None and entry.type == "object" else None
    if outer is None or outer.type != "pair" or outer.child_by_field_name("value") != entry:
        return None
    table = outer.parent
    decl = table.parent if table is not None and table.type == "object" else None
    while decl is not None and decl.type in ("as_expression", "satisfies_expression"):
        decl = decl.parent
    if table is None or decl is None or decl.type != "variable_declarator":
        return None
    name = decl.child_by_field_name("name")
    if name is None or name.type != "identifier" or table.end_byte - table.start_byte > 4_000:
        return None
    scope = scope_of(decl)
    if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(text(name)) <= 2:
        return None  # a minified name at a bundle's top level: too common to follow
    return table, name, scope


def _table_fields(table: Node) -> dict[str, list[tuple[str, str]]]:
    """Field → ``(entry key, string value)`` of each entry holding it as a literal."""
    out: dict[str, list[tuple[str, str]]] = {}
    for outer in table.named_children:
        entry = outer.child_by_field_name("value") if outer.type == "pair" else None
        key = outer.child_by_field_name("key") if outer.type == "pair" else None
        if entry is None or key is None or entry.type != "object":
            continue
        for pair in entry.named_children:
            name = pair.child_by_field_name("key") if pair.type == "pair" else None
            value = pair.child_by_field_name("value") if pair.type == "pair" else None
            literal = string_value(value) if value is not None else None
            if name is not None and literal is not None:
                field_name = text(name).strip("\"'`")
                out.setdefault(field_name, []).append((text(key).strip("\"'`"), literal))
    return out


MAX_DECIDERS = 6


def _deciders(a: JsAnalysis, expr: Node, depth: int = 0) -> list[Node]:
    """What computes ``expr`` (a table's key): ternaries choosing it, and the functions or
    methods returning it, through variables, fields set once and calls."""
    expr = unwrap(expr)
    if depth > 3:
        return []
    if expr.type == "ternary_expression":
        return [expr]
    if expr.type == "identifier":
        out: list[Node] = []
        for d in a.resolver.bindings(expr)[:2]:
            value = d.child_by_field_name("value") or d.child_by_field_name("right")
            if value is not None:
                out += _deciders(a, value, depth + 1)
        return out[:MAX_DECIDERS]
    if expr.type == "member_expression" and text(expr).startswith("this."):
        prop = expr.child_by_field_name("property")
        value = (
            class_field(expr.child_by_field_name("object") or expr, text(prop)) if prop else None
        )
        if value is None and prop is not None:  # a getter (`get eastern() { return … }`)
            getter = _method_named(expr, text(prop))
            return [getter] if getter is not None else []
        return _deciders(a, value, depth + 1) if value is not None else []
    if expr.type == "call_expression":
        callee = expr.child_by_field_name("function")
        fn: Node | None = None
        if callee is not None and callee.type == "identifier":
            fn = a.index.function_named(text(callee))
        elif callee is not None and text(callee).startswith("this."):
            fn = _method_named(expr, text(callee)[5:])
        return [fn] if fn is not None else []
    return []


MAX_SELECTOR_NAMES = 4


def _selector_deciders(a: JsAnalysis, selectors: list[Node]) -> list[Node]:
    """What computes the values a selector tests, elsewhere: ``o.quotes === "smart" ? A : B``
    with ``const o = this.options()`` and ``options() { return this.eastern ? {…} : {…} }``
    (the method's ternary decides), a variable bound to a ternary, a getter read. The names
    tested (a member's object included) are followed, at most a few per selector."""
    out: list[Node] = []
    for selector in selectors:
        names: list[Node] = []
        stack = [selector]
        while stack and len(names) < MAX_SELECTOR_NAMES:
            cur = unwrap(stack.pop())
            if cur.type in FUNCTION_TYPES:
                continue
            if cur.type == "identifier":
                names.append(cur)
                continue
            if cur.type == "member_expression":
                obj = unwrap(cur.child_by_field_name("object") or cur)
                if obj.type == "this":
                    names.append(cur)
                    continue
                stack.append(obj)
                continue
            if cur.type == "call_expression":
                names.append(cur)
                continue
            stack.extend(cur.named_children)
        for name in names:
            for d in _deciders(a, name):
                if d not in out and not (
                    d.start_byte <= selector.start_byte and selector.end_byte <= d.end_byte
                ):
                    out.append(d)
    return out[:MAX_DECIDERS]


def _decided_remotely(a: JsAnalysis, choice: Choice) -> str:
    """The field of a server's answer a decider of ``choice`` tests (a ternary's condition, an
    ``if`` in a function computing the key), or ""."""
    for decider in choice.deciders:
        tests = (
            [decider.child_by_field_name("condition")]
            if decider.type == "ternary_expression"
            else [n.child_by_field_name("condition") for n in _own_ifs(decider)]
        )
        for test in tests:
            field_name = remote_field(a, test) if test is not None else ""
            if field_name:
                return field_name
    return ""


MAX_IFS = 12


def _own_ifs(fn: Node) -> list[Node]:
    """The ``if`` statements of ``fn`` outside its nested functions, at most a dozen."""
    out: list[Node] = []
    stack = list(fn.named_children)
    while stack and len(out) < MAX_IFS:
        cur = stack.pop()
        if cur.type in FUNCTION_TYPES:
            continue
        if cur.type == "if_statement":
            out.append(cur)
        stack.extend(cur.named_children)
    return out


def _method_named(inside: Node, name: str) -> Node | None:
    """The method ``name`` of the class whose body holds ``inside``."""
    body = inside.parent
    while body is not None and body.type != "class_body":
        body = body.parent
    if body is None:
        return None
    for member in body.named_children:
        key = member.child_by_field_name("name")
        if member.type == "method_definition" and key is not None and text(key) == name:
            return member
    return None


def _separator_changes(a: JsAnalysis) -> list[Choice]:
    out = []
    for cond in a.flow.conditions:
        t = cond.node
        if t.type != "ternary_expression":
            continue
        cons, alt = t.child_by_field_name("consequence"), t.child_by_field_name("alternative")
        if cons is None or alt is None:
            continue
        for changed, same in ((cons, alt), (alt, cons)):
            change = _replace_of(unwrap(changed), text(unwrap(same)))
            if change is not None:
                c = Choice(t, [], list(cond.comparisons), change)
                out.append(c)
        pair = [string_value(unwrap(cons)), string_value(unwrap(alt))]
        if pair[0] is not None and pair[1] is not None and policy.separators(pair[1], pair[0]):
            out.append(Choice(t, [], list(cond.comparisons), (pair[1], pair[0])))
    return out


def _replace_of(node: Node, subject: str) -> tuple[str, str] | None:
    """For ``subject.replace(All)?("-", "/")`` the pair of separators."""
    if node.type != "call_expression":
        return None
    callee = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if callee is None or args is None or callee.type != "member_expression":
        return None
    obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
    if (
        obj is None
        or prop is None
        or text(obj) != subject
        or text(prop) not in ("replace", "replaceAll")
    ):
        return None
    if args.named_child_count != 2:
        return None
    first, second = args.named_children
    old = string_value(first)
    if old is None and first.type == "regex":
        pattern = first.child_by_field_name("pattern")
        old = text(pattern) if pattern is not None else None
    new = string_value(second)
    if old is None or new is None or len(old) > 2 or len(new) > 2:
        return None
    if not (set(old) <= policy.SEPARATORS and set(new) <= policy.SEPARATORS):
        return None
    return old, new


def _taint(a: JsAnalysis, choice: Choice) -> list[Comparison]:
    spans = [(n.start_byte, n.end_byte) for n in (choice.node, *choice.deciders)]
    out: list[Comparison] = []
    for cond in a.flow.conditions:
        if any(lo <= cond.node.start_byte < hi for lo, hi in spans):
            out.extend(c for c in cond.comparisons if c not in out)
    return out


def _sinks(a: JsAnalysis, node: Node) -> list[Node]:
    """Text (template literals, concatenations) the chosen value is written into."""
    starts: list[Node] = []
    if node.type in ("function_declaration", "function_expression", "arrow_function"):
        name = function_name(node)
        starts = a.index.calls(name)[:10] if name else []
    else:
        starts = [node]
    out: list[Node] = []
    for start in starts:
        for use in _value_uses(a, start):
            parent = use.parent
            if (
                parent is not None
                and parent.type == "template_substitution"
                and parent.parent is not None
            ):
                out.append(parent.parent)
            elif (
                parent is not None
                and parent.type == "binary_expression"
                and text(parent.child_by_field_name("operator") or parent) == "+"
            ) or (
                parent is not None
                and parent.type == "augmented_assignment_expression"
                and text(parent.child_by_field_name("operator") or parent) == "+="
            ):
                out.append(parent)
            elif (
                parent is not None
                and parent.type == "arguments"
                and parent.parent is not None
                and text(parent.parent.child_by_field_name("function") or parent).endswith(".join")
            ):
                out.append(parent.parent)
    return out


def _value_uses(a: JsAnalysis, node: Node, hops: int = 1) -> list[Node]:
    """Where a value goes: the uses of the variable it is stored in, or the calls of the
    function returning it (one hop)."""
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        if name is not None and name.type == "identifier":
            scope = scope_of(parent)
            return [
                u
                for u in a.index.identifiers(text(name), scope.start_byte, scope.end_byte)
                if u != name
            ]
    if (
        parent is not None
        and hops > 0
        and (
            parent.type == "return_statement"
            or (parent.type == "arrow_function" and parent.child_by_field_name("body") == node)
        )
    ):
        fn = parent if parent.type == "arrow_function" else enclosing_function(parent)
        if fn is not None and fn.type == "method_definition":
            return [u for use in _member_reads(a, fn) for u in _value_uses(a, use, hops - 1)]
        callee = function_name(fn) if fn is not None else None
        calls = a.index.calls(callee)[:10] if callee else []
        return [u for call in calls for u in _value_uses(a, call, hops - 1)]
    return [node]


_BIT_OPS = frozenset({">>", ">>>", "<<", "&", "^"})


def _bit_driven(a: JsAnalysis, choice: Choice) -> bool:
    """Two look-alikes picked by bits of data: ``bits[i++] ? "\u2019" : "\u02bc"``, ``b >> k & 1``.

    Each choice then spells one bit of an identifier into the text. An opening/closing quote
    pair (typographic quotes picked by position) is not such a choice.
    """
    if choice.node.type != "ternary_expression":
        return False
    if policy.paired_punctuation(v for v, _ in choice.variants):
        return False
    return _bit_test(choice.node.child_by_field_name("condition"), a)


def _bit_test(cond: Node | None, a: JsAnalysis | None = None) -> bool:
    """A test of a bit of data: an element at a computed index, a shift or mask, each element
    of a list of bits; a constant naming one is that test (``const on = (seed[i >> 3] >> (i &
    7)) & 1; on ? … : …``)."""
    if cond is not None and _element_of_list(unwrap(cond)):
        return True
    if cond is not None and a is not None and unwrap(cond).type == "identifier":
        cond = _constant_value(a, unwrap(cond)) or cond
    stack = [cond] if cond is not None else []
    while stack:
        cur = unwrap(stack.pop())
        if cur.type == "subscript_expression":
            index = cur.child_by_field_name("index")
            if index is not None and index.type not in ("number", "string"):
                return True
        if cur.type == "binary_expression":
            op = cur.child_by_field_name("operator")
            if op is not None and text(op) in _BIT_OPS:
                return True
        if cur.type in ("binary_expression", "unary_expression", "parenthesized_expression"):
            stack.extend(cur.named_children)
    return False


def _constant_value(a: JsAnalysis, name: Node) -> Node | None:
    """The value of the ``const`` a name reads, when it has exactly one binding."""
    bindings = a.resolver.bindings(name)
    if len(bindings) != 1 or bindings[0].type != "variable_declarator":
        return None
    declaration = bindings[0].parent
    if declaration is None or not any(c.type == "const" for c in declaration.children):
        return None
    return bindings[0].child_by_field_name("value")


_CASES = (("toUpperCase", "toLowerCase"), ("toLocaleUpperCase", "toLocaleLowerCase"))
_CASE_CALL = re.compile(rb"\.to(?:Locale)?UpperCase\s*\(")


def _case_flips(a: JsAnalysis) -> list[ChoiceRecord]:
    """Data spelled in the letter case of text: ``bits[k++] ? ch.toUpperCase() :
    ch.toLowerCase()``, a bit of data deciding each letter's case, where the test is computed
    from an identity (followed back through helpers, fields and hand-written hashes), or is a
    bit test in a file that hashes one (the bits a per-user mark is made of; a password
    generator's random case is not)."""
    hashed = [
        c
        for c in a.flow.comparisons
        if c.operator == "hash" and c.signal.kind in IDENTITY_KINDS - {"endpoint", "api-key"}
    ]
    compared = {c.node.start_byte for cond in a.flow.conditions for c in cond.comparisons}
    out: list[ChoiceRecord] = []
    for ternary, literal in _case_ternaries(a):
        cond = ternary.child_by_field_name("condition")
        if cond is None or (literal and not _bit_test(cond, a)):
            continue  # two casings of a literal picked by a platform or option test
        if any(cond.start_byte <= at < cond.end_byte for at in compared):
            continue  # a comparison of the identity (`user === "root"`) spells no bits
        spelled = [source_of(s) for s in identity_sources(a, [cond])]
        if not spelled and hashed and _bit_test(cond, a):
            spelled = [source_of(c.signal) for c in hashed]
        if not spelled:
            continue
        out.append(
            ChoiceRecord(
                kind="encoding",
                evidence=evidence(a, ternary, comparisons=[]),
                variants=(policy.LETTER_CASE,),
                test=describe(cond, 60),
                detail=describe(ternary, 60),
                encodes=tuple(dict.fromkeys(spelled)),
                bits=True,
                key=ternary.start_byte,
            )
        )
    return out


_REPEAT_CALL = re.compile(rb"\.repeat\s*\(")
_DIGEST = re.compile(r"\.digest\s*\(|\bcreateHash\s*\(|\bcreateHmac\s*\(")
MAX_REPEATS = 40


def _repeat_counts(a: JsAnalysis) -> list[ChoiceRecord]:
    """Data spelled in how many blanks or invisible characters are written: ``" ".repeat(seed[0]
    & 3)`` appended to a message, where the count is computed from an identity (followed back
    through helpers and fields), or is bits of a digest (a hash's bits cut into a count). The
    repeated text must go into text the program builds (an indent or a padding to a width is
    computed from the text, not from a hash)."""
    out: list[ChoiceRecord] = []
    for m in list(prefiltered_finditer(_REPEAT_CALL, a.unit.data))[:MAX_REPEATS]:
        member = a.index.node_at(m.start() + 1, m.start() + 7).parent
        call = member.parent if member is not None else None
        if member is None or call is None or call.type != "call_expression":
            continue
        obj = member.child_by_field_name("object")
        blank = string_value(unwrap(obj)) if obj is not None else None
        if obj is not None and blank is None and unwrap(obj).type == "identifier":
            values = a.resolver.values(unwrap(obj)).items
            blank = values[0] if len(values) == 1 else None
        if not blank or len(blank) > 2 or not all(ch.isspace() or ch in INVISIBLE for ch in blank):
            continue
        args = call.child_by_field_name("arguments")
        count = args.named_children[0] if args is not None and args.named_child_count else None
        if count is None or not _hashlike_count(count):
            continue
        spelled = [source_of(s) for s in identity_sources(a, [count])]
        if not spelled and not (_bit_test(count, a) and _from_digest(a, count)):
            continue
        if not _sinks(a, call):
            continue
        out.append(
            ChoiceRecord(
                kind="encoding",
                evidence=evidence(a, call, comparisons=[]),
                variants=(policy.REPEAT_COUNT,),
                chars=tuple(dict.fromkeys(blank)),
                detail=describe(call, 60),
                encodes=tuple(dict.fromkeys(spelled)),
                bits=True,
                key=call.start_byte,
            )
        )
    return out


_COUNT_OPS = _BIT_OPS | {"%"}


def _hashlike_count(count: Node) -> bool:
    """A count that can carry data: bits or a remainder of something (``seed[0] & 3``, ``h %
    4``), or a helper's result (``tag()``); not a number, a name, an indent (``depth * 2``) or
    a width (``w - s.length``, ``Math.max(…)``)."""
    stack = [unwrap(count)]
    while stack:
        cur = unwrap(stack.pop())
        if cur.type == "binary_expression":
            op = cur.child_by_field_name("operator")
            if op is not None and text(op) in _COUNT_OPS:
                return True
            stack.extend(cur.named_children)
        elif cur.type == "call_expression":
            callee = cur.child_by_field_name("function")
            name = text(callee) if callee is not None else ""
            if not name.startswith("Math.") and "." not in name:
                return True
        elif cur.type in ("parenthesized_expression", "unary_expression"):
            stack.extend(cur.named_children)
    return False


def _from_digest(a: JsAnalysis, count: Node) -> bool:
    """A name ``count`` reads is bound to a cryptographic digest (``createHash(…)…digest()``)."""
    stack = [count]
    seen = 0
    while stack and seen < 30:
        cur = unwrap(stack.pop())
        seen += 1
        if cur.type == "identifier":
            for d in a.resolver.bindings(cur)[:2]:
                value = d.child_by_field_name("value") or d.child_by_field_name("right")
                if value is not None and _DIGEST.search(text(value)[:400]):
                    return True
        elif cur.type not in FUNCTION_TYPES:
            stack.extend(cur.named_children)
    return False


_CASE_LITERALS = re.compile(
    rb"""\?\s*(["'])([A-Za-z][\w-]{1,40})\1\s*:\s*(["'])([A-Za-z][\w-]{1,40})\3"""
)
MAX_CASE_TERNARIES = 40


def _case_ternaries(a: JsAnalysis) -> list[tuple[Node, bool]]:
    """Ternaries whose arms are one text in two letter cases: ``x.toUpperCase()`` and
    ``x.toLowerCase()``, or two literals equal but for case (``bit ? "X-Request-Id" :
    "x-request-id"``, a header name's casing; flagged ``True``)."""
    out: dict[int, tuple[Node, bool]] = {}
    for m in prefiltered_finditer(_CASE_CALL, a.unit.data):
        member = a.index.node_at(m.start() + 1, m.end() - 1).parent
        call = member.parent if member is not None else None
        ternary = call.parent if call is not None else None
        while ternary is not None and ternary.type == "parenthesized_expression":
            ternary = ternary.parent
        if call is None or ternary is None or ternary.type != "ternary_expression":
            continue
        arms = [
            unwrap(x)
            for f in ("consequence", "alternative")
            if (x := ternary.child_by_field_name(f))
        ]
        if len(arms) == 2 and _case_pair(arms):
            out.setdefault(ternary.start_byte, (ternary, False))
    for m in prefiltered_finditer(_CASE_LITERALS, a.unit.data):
        first, second = m.group(2), m.group(4)
        if first == second or first.lower() != second.lower():
            continue
        ternary = a.index.node_at(m.start(), m.start() + 1)
        if ternary.type != "ternary_expression":
            ternary = ternary.parent
        if ternary is not None and ternary.type == "ternary_expression":
            out.setdefault(ternary.start_byte, (ternary, True))
        if len(out) >= MAX_CASE_TERNARIES:
            break
    return list(out.values())


def _case_pair(arms: list[Node]) -> bool:
    """``x.toUpperCase()`` and ``x.toLowerCase()`` of the same ``x`` (either order)."""
    calls: dict[str, str] = {}
    for arm in arms:
        callee = arm.child_by_field_name("function") if arm.type == "call_expression" else None
        if callee is None or callee.type != "member_expression":
            return False
        prop, obj = callee.child_by_field_name("property"), callee.child_by_field_name("object")
        if prop is None or obj is None:
            return False
        calls[text(prop)] = text(obj)
    return any(up in calls and low in calls and calls[up] == calls[low] for up, low in _CASES)


def _element_of_list(cond: Node) -> bool:
    """``bits.map(b => b ? X : Y)``: the condition is each element of a list in turn, or that
    element compared with a binary digit (``n.toString(2).split("").map(d => d === "1" ? …)``)."""
    if cond.type == "binary_expression":
        op = cond.child_by_field_name("operator")
        sides = [cond.child_by_field_name("left"), cond.child_by_field_name("right")]
        if op is None or text(op) not in ("===", "==", "!==", "!=") or None in sides:
            return False
        digits = [s for s in sides if s is not None and text(s).strip("\"'`") in ("0", "1")]
        others = [s for s in sides if s is not None and s not in digits]
        if len(digits) != 1 or len(others) != 1:
            return False
        cond = unwrap(others[0])
    if cond.type != "identifier":
        return False
    fn = enclosing_function(cond)
    if fn is None or not is_callback(fn) or parameter_names(fn)[:1] != [text(cond)]:
        return False
    call = fn.parent.parent if fn.parent is not None else None
    callee = call.child_by_field_name("function") if call is not None else None
    prop = callee.child_by_field_name("property") if callee is not None else None
    return prop is not None and text(prop) in ("map", "flatMap", "forEach", "reduce")


def _member_reads(a: JsAnalysis, method: Node) -> list[Node]:
    """Where a class's getter is read (``this.space``) or its method called (``this.pick()``)."""
    key = method.child_by_field_name("name")
    body = method.parent
    if key is None or body is None or body.end_byte - body.start_byte > WIDE_SCOPE:
        return []
    getter = any(c.type == "get" for c in method.children)
    name = text(key).encode()
    out: list[Node] = []
    pattern = re.compile(rb"\bthis\s*\.\s*" + re.escape(name) + rb"(?![\w$])")
    for m in pattern.finditer(a.unit.data, body.start_byte, body.end_byte):
        member = a.index.node_at(m.end() - len(name), m.end()).parent
        if member is None or member.type != "member_expression":
            continue
        call = member.parent
        is_call = call is not None and call.type == "call_expression"
        if getter and not is_call:
            out.append(member)
        elif not getter and is_call and call is not None:
            out.append(call)
    return out[:10]


def _sink(a: JsAnalysis, node: Node) -> Sink:
    """Text the program builds (a template, a concatenation, a ``join``)."""
    return Sink("text", evidence(a, node, comparisons=[]))


def choice_records(a: JsAnalysis) -> list[ChoiceRecord]:
    """Every look-alike choice, separator change and covert mark of one file."""
    out: list[ChoiceRecord] = []
    literals = _strings(a)
    found = _choices(a, literals) + _table_choices(a, literals) + _list_choices(a, literals)
    for choice in found + _row_choices(a, literals):
        if not choice.deciders:
            choice.deciders = _selector_deciders(a, choice.selectors)
        choice.tainted = _taint(a, choice)
        spelled = identity_sources(a, choice.selectors) if not choice.tainted else []
        _name_arguments(a, choice)
        sinks = _sinks(a, choice.node)
        out.append(
            ChoiceRecord(
                kind="variants",
                evidence=evidence(a, choice.node, *sinks[:1], comparisons=choice.tainted),
                variants=tuple(v for v, _ in choice.variants),
                whens=tuple(w for _, w in choice.variants),
                sources=tuple(source_of(c.signal) for c in choice.tainted),
                bits=_bit_driven(a, choice),
                encodes=tuple(source_of(s) for s in spelled),
                remote=_decided_remotely(a, choice),
                sinks=tuple(_sink(a, s) for s in sinks),
                fields=_fields(a, choice.tainted),
                key=choice.node.start_byte,
                languages=tested_languages(a, choice.tainted),
            )
        )
    for change in _separator_changes(a):
        assert change.separator is not None
        cond = change.node.child_by_field_name("condition") or change.node
        sinks = _sinks(a, change.node)
        out.append(
            ChoiceRecord(
                kind="separator",
                evidence=evidence(a, change.node, *sinks[:1], comparisons=change.tainted),
                variants=change.separator,
                test=describe(cond, 60),
                sources=tuple(source_of(c.signal) for c in change.tainted),
                sinks=tuple(_sink(a, s) for s in sinks),
                fields=_fields(a, change.tainted),
                key=change.node.start_byte,
                languages=tested_languages(a, change.tainted),
            )
        )
    return out + mark_records(a, literals) + _case_flips(a) + _repeat_counts(a)


def _field_of(cmp: Comparison) -> str | None:
    """The object field a comparison's outcome is stored in (``{known: host === r …}``)."""
    cur = cmp.node
    while cur.parent is not None:
        parent = cur.parent
        if parent.type == "pair" and parent.child_by_field_name("value") == cur:
            key = parent.child_by_field_name("key")
            return text(key).strip("\"'") if key is not None else None
        if parent.type == "variable_declarator" and parent.child_by_field_name("value") == cur:
            name = parent.child_by_field_name("name")
            scope = scope_of(parent)
            for pair in _pairs_holding(scope, text(name) if name is not None else ""):
                return pair
            return None
        if parent.type in FUNCTION_TYPES and not is_callback(parent):
            return None
        cur = parent
    return None


def _pairs_holding(scope: Node, name: str) -> list[str]:
    """Keys of object fields in ``scope`` whose value is the variable ``name``."""
    out: list[str] = []
    stack = [scope]
    while stack and len(out) < 1:
        cur = stack.pop()
        for child in cur.named_children:
            if child.type == "pair":
                value = child.child_by_field_name("value")
                key = child.child_by_field_name("key")
                if value is not None and key is not None and text(value) == name:
                    out.append(text(key).strip("\"'"))
            elif child.type == "shorthand_property_identifier" and text(child) == name:
                out.append(name)
            if child.type not in FUNCTION_TYPES or is_callback(child):
                stack.append(child)
    return out


def _fields(a: JsAnalysis, tainted: list[Comparison]) -> tuple[FieldTest, ...]:
    """The named outcomes (``{known: host === r}``) the comparisons are stored in, and what each
    tests."""
    fields: dict[str, list[Comparison]] = {}
    for cmp in tainted:
        name = _field_of(cmp)
        if name:
            fields.setdefault(name, []).append(cmp)
    # Outcomes are followed from the first comparison of a chain (`t === a || t === b`): collect
    # its siblings feeding the same field.
    for name, cmps in fields.items():
        home = logical_function(cmps[0].node)
        for other in a.flow.comparisons:
            if other in cmps or other.signal.label != cmps[0].signal.label:
                continue
            if logical_function(other.node) == home and _field_of(other) == name:
                cmps.append(other)
    out = []
    for name, cmps in fields.items():
        vals = a.resolver.values(cmps[0].other)
        out.append(
            FieldTest(
                name=name,
                source=cmps[0].signal.label,
                contains={c.operator for c in cmps} == {"includes"},
                values=tuple(sorted({v for c in cmps for v in a.resolver.values(c.other).items})),
                hidden=len(vals.decoded[0].values) if vals.decoded else 0,
            )
        )
    return tuple(out)


def _name_arguments(a: JsAnalysis, choice: Choice) -> None:
    """Rewrite a chooser function's conditions with the arguments of its only call site."""
    name = function_name(choice.node) if choice.node.type.startswith("function") else None
    calls = a.index.calls(name) if name else []
    if len(calls) != 1:
        return
    mapping = parameter_map(choice.node, calls[0])
    if not mapping:
        return
    pattern = re.compile(r"(?<![\w$.])(" + "|".join(re.escape(p) for p in mapping) + r")(?![\w$])")
    choice.variants = [
        (value, pattern.sub(lambda m: f"({mapping[m.group(1)]})", when))
        for value, when in choice.variants
    ]


def parameter_map(fn: Node, call: Node) -> dict[str, str]:
    """Parameter name → argument source at one call site."""
    args = call.child_by_field_name("arguments")
    arg_nodes = args.named_children if args is not None else []
    return {p: text(x) for p, x in zip(parameter_names(fn), arg_nodes, strict=False) if p}
