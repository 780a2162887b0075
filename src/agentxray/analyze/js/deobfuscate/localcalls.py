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
MAX_NUMBER_ARGS = 512
"""A call whose arguments are all number literals (char codes, running deltas) may have this many."""
MAX_ZERO_ARG_FUNCTION_BYTES = 4_000
"""A function called without arguments is evaluated only when small (a decoder, not a program)."""
MAX_STRING_CHARS = 100_000
JOB_TIMEOUT_S = 2.0
#: A function evaluated for its calls must look like it computes text: one of these inside its
#: slice (char codes, alphabets, bit twiddling, slicing a stored string).
_DECODING = re.compile(
    rb"fromCharCode|fromCodePoint|charCodeAt|codePointAt|indexOf|TextDecoder|atob|<<|>>|\^|"
    rb"\.slice\(|\.substr|\.split\(|\.reverse\(|parseInt"
)
#: Outside obfuscator output (hand-written decoders in ordinary code) the slice must hold a
#: primitive that turns stored data into text, not just string handling: char codes, base64 or
#: hex decoding, TextDecoder, XOR.
_STRONG = re.compile(
    rb"fromCharCode|fromCodePoint|atob\(|TextDecoder|[\w\])]\s*\^\s*[\w(\[]|\^=|"
    # an encoding named as the last argument of a call (``Buffer.from(s, "base64")``), not a
    # word in a list (a grammar's keywords) nor the target of ``toString``/``digest``
    rb",\s*[\"'](?:base64(?:url)?|hex)[\"']\s*\)"
)
_CONSTRUCTS = re.compile(rb"Function|\beval\b")
"""Code built from text (``Function``, ``eval``, aliases included): unpacked whatever decodes it."""


def may_decode_by_hand(data: bytes) -> bool:
    """Whether strict mode (:func:`local_call_edits` outside obfuscator output) can find anything
    in ``data``: every slice it evaluates must hold a :data:`_STRONG` primitive, which is then in
    the file too, or build code with ``Function``/``eval``. A cheap test before a parse: most
    modules of a bundle that mention ``atob`` or a ``"hex"`` word have neither."""
    return _STRONG.search(data) is not None or _CONSTRUCTS.search(data) is not None


#: Code whose value changes from run to run is not a constant of the file.
_NONDETERMINISTIC = re.compile(
    rb"Math\.random|\bDate\b|performance\.|\bcrypto\b|getRandom|\bIntl\b|toLocale|"
    rb"\bnavigator\b|\bprocess\b"
)
_QUOTED = re.compile(rb"([\"'])(?:\\.|(?!\1).)*\1")


def _environmental(code: bytes) -> bool:
    """Whether code (its string literals aside) reads the clock, randomness or the host."""
    return _NONDETERMINISTIC.search(_QUOTED.sub(b"''", code)) is not None


_NUM = rb"-?\d+(?:\s*[-+*/%]\s*\d+)*"
_PAYLOAD = re.compile(rb"([\"'`])((?:\\.|(?!\1).){8,}?)\1|(?:" + _NUM + rb"\s*,\s*){3,}" + _NUM)
"""Literal data a decoder works on: a string of 8+ characters or a list of numbers (char codes
written as arithmetic, ``9*11+5``, included)."""
#: Array methods whose callback's first parameter runs over the elements and whose result does
#: not hand the elements back (``find`` and ``filter`` would return the decoded element instead).
_OVER_ELEMENTS = frozenset({"some", "every", "forEach", "findIndex", "map"})
#: Methods that read a constant list through a decoder: ``TABLE.map(unpack)``.
_LIST_READS = frozenset({"map", "flatMap", "join", "reduce", "find", "filter"})
_MUTATORS = frozenset(
    {"push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin"}
)
_TS_TYPES = frozenset(
    {"type_annotation", "type_arguments", "type_parameters", "accessibility_modifier"}
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
    # a generator's values (``for (const w of words(GROUPS))``), at most 500 of them
    "function __axr_it(v) { if (Object.prototype.toString.call(v) !== '[object Generator]')"
    " return v; var out = []; for (var x of v) { if (out.length >= 500) return null;"
    " out.push(x); } return out; }\n"
    "function __axr_v(f) { try { var v = __axr_it(f()); __axr.push(__axr_ok(v) ? v : null); }"
    " catch (e) { __axr.push(null); } }\n"
)
_MEMBER_CALLS = (
    "(call_expression function: (member_expression object: [(array) (identifier)] @object)"
    " arguments: (arguments) @args) @call"
)
_MEMBER_READS = (
    "(member_expression object: (identifier) @object property: (property_identifier)) @read"
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
    values: tuple[str, ...] = ()
    """The strings the decoders produced (unpacked code included), in order, once each."""


def local_call_edits(
    root: Node, scopes: Scopes, typescript: bool, *, strict: bool = False
) -> LocalCalls:
    """Edits replacing constant calls of the file's decoder functions by their strings.

    ``strict``: the file is not obfuscator output (a hand-written decoder in ordinary code): a
    slice is evaluated only when it holds a real decoding primitive, literal data to decode and
    nothing that differs from run to run.
    """
    edits, unpacked, packed = _unpack_function_constructors(root, scopes, typescript)
    groups: dict[int, tuple[Binding, Node, list[Node]]] = {}
    over: list[tuple[Node, list[Binding], list[Node]]] = []
    seen_callbacks: set[int] = set()
    tables: dict[int, tuple[Binding, Node, Binding, list[Node]]] = {}
    count = 0
    for match in captures(root, _CALLS, typescript).get("call", []):
        callee = match.child_by_field_name("function")
        args = match.child_by_field_name("arguments")
        if callee is None or args is None:
            continue
        binding = scopes.resolve(callee)
        fn = _function_of(binding, scopes)
        if fn is None or binding is None:
            continue
        if not _constant_call(args, fn, scopes, strict):
            table = _table_reader(fn, scopes) if args.named_child_count == 1 else None
            if table is not None:
                tables.setdefault(id(binding), (binding, fn, table, []))[3].append(match)
                continue
            element = _element_call(match, args, scopes)
            if element is not None and element[1].start_byte not in seen_callbacks:
                seen_callbacks.add(element[1].start_byte)
                over.append((element[0], element[2], [match]))
            continue
        entry = groups.setdefault(id(binding), (binding, fn, []))
        entry[2].append(match)
        count += 1
        if count >= MAX_CALLS:
            break
    # a call nested in another evaluated call (or in a ``Function``/``eval`` construction that
    # is unpacked whole) is decided by the outer one: one edit, no overlap
    spans = [(c.start_byte, c.end_byte) for _, _, cs in groups.values() for c in cs]
    # only a construction evaluated whole decides its nested calls: ``new Function(dec("…"),
    # dec("…"), source)`` with ``source`` known at run time keeps its decoded parameter names
    packed = [p for p in packed if _closed_parts(p[2], scopes, typescript)]
    spans += [(c.start_byte, c.end_byte) for c, _, _ in packed]
    for key, (_binding, _fn, calls) in list(groups.items()):
        calls[:] = [
            c
            for c in calls
            if not any(
                s <= c.start_byte and c.end_byte <= e and (s, e) != (c.start_byte, c.end_byte)
                for s, e in spans
            )
        ]
        if not calls:
            del groups[key]
    jobs: list[tuple[str, str]] = []
    plans: list[_Plan] = []
    problems: list[str] = []

    def admit(code: str) -> bool:
        raw = code.encode()
        if _environmental(raw):
            return False  # the value depends on where or when it runs
        if not strict:
            return _DECODING.search(raw) is not None
        return (
            _STRONG.search(raw) is not None
            and sum(len(m.group()) for m in _PAYLOAD.finditer(raw)) >= MIN_PAYLOAD
        )

    def job(tag: str, prelude: str, exprs: list[str]) -> None:
        body = "".join(f"__axr_v(function () {{ return {e}; }});\n" for e in exprs)
        jobs.append((tag, f"{prelude}\n{_EVALUATE}{body}return __axr;"))

    for n, call in enumerate(captures(root, _MEMBER_CALLS, typescript).get("call", [])):
        # ``["Puvan …", …].map(rot)``, ``TABLE.map(unpack)``: a constant list passed through the
        # file's own function.
        obj = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if obj is None or args is None or not 0 < args.named_child_count <= MAX_ARGS:
            continue
        array = obj.child_by_field_name("object")
        method = obj.child_by_field_name("property")
        if array is None or method is None:
            continue
        if array.type == "identifier":
            if _text(scopes, method) not in _LIST_READS or not _constant_list(array, scopes):
                continue
        elif not _constant_array(array):
            continue
        if not all(
            _constant(a, scopes) or _function_of(scopes.resolve(a), scopes) is not None
            for a in args.named_children
        ):
            continue
        sliced = _Slice(scopes, typescript)
        expr = sliced.rewrite(call)
        prelude = sliced.source()
        if expr is None or prelude is None or not admit(prelude + expr):
            continue
        job(f"lm{n}", prelude, [expr])
        plans.append(_Plan(f"lm{n}", call, [call]))
    for n, (array, chain, calls) in enumerate(over[:MAX_CALLEES]):
        # ``[0, 1, 2].some((i) => dec(i) === z)``: the decoder over the list's elements; a
        # decoder composed of several functions (``LIST.some((r) => text(units(r)) === h)``)
        # is called as composed.
        sliced = _Slice(scopes, typescript)
        aliases = [sliced.add(b) for b in chain]
        items = sliced.rewrite(array)
        prelude = sliced.source()
        if None in aliases or items is None or prelude is None or not admit(prelude + items):
            continue
        composed = "__x"
        for alias in aliases:
            composed = f"{alias}({composed})"
        job(f"le{n}", prelude, [f"{items}.map(function (__x) {{ return {composed}; }})"])
        plans.append(_Plan(f"le{n}", array, calls, kind="elements", depth=len(chain)))
    for n, (binding, fn, calls) in enumerate(list(groups.values())[:MAX_CALLEES]):
        sliced = _Slice(scopes, typescript)
        alias = sliced.add(binding)
        if alias is None or not sliced.ok:
            continue
        exprs: list[str] = []
        for call in calls:
            args = call.child_by_field_name("arguments")
            assert args is not None
            arg_text = sliced.rewrite(args)
            exprs.append("undefined" if arg_text is None else f"{alias}{arg_text}")
        prelude = sliced.source()  # arguments may have added constants
        if prelude is None or not admit(prelude + "".join(exprs)):
            continue
        job(f"lc{n}", prelude, exprs)
        plans.append(_Plan(f"lc{n}", fn, calls))
    for n, (binding, fn, table, calls) in enumerate(list(tables.values())[:MAX_CALLEES]):
        # ``reveal(i)`` in a loop, where ``reveal`` decodes ``T[i]`` of a constant list ``T``:
        # the call is the decoded list read at ``i``.
        sliced = _Slice(scopes, typescript)
        alias = sliced.add(binding)
        items = sliced.add(table)
        prelude = sliced.source()
        if alias is None or items is None or prelude is None or not admit(prelude):
            continue
        job(f"lt{n}", prelude, [f"{items}.map(function (_, __i) {{ return {alias}(__i); }})"])
        plans.append(_Plan(f"lt{n}", fn, calls, kind="table", rows=_rows(table, scopes)))
    for n, (binding, reads) in enumerate(_proxy_reads(root, scopes, typescript)[:MAX_CALLEES]):
        # ``S.host`` of ``const S = new Proxy(TABLE, {get(t, k) {… decode t[k] …}})``.
        sliced = _Slice(scopes, typescript)
        alias = sliced.add(binding)
        prelude = sliced.source()
        if alias is None or prelude is None or not admit(prelude):
            continue
        props = [r.child_by_field_name("property") for r in reads]
        job(f"lp{n}", prelude, [f"{alias}.{_text(scopes, p)}" for p in props if p is not None])
        plans.append(_Plan(f"lp{n}", _single_value(binding, scopes) or reads[0], reads))
    for n, (call, params, parts) in enumerate(packed[:MAX_CALLEES]):
        # ``new F("require", src)`` where ``F = Function`` and ``src`` decodes at run time.
        sliced = _Slice(scopes, typescript)
        texts = [sliced.rewrite(p) for p in parts]
        prelude = sliced.source()
        if prelude is None or any(t is None for t in texts):
            continue
        if _environmental((prelude + "".join(map(str, texts))).encode()):
            continue
        job(f"lf{n}", prelude, [f"[{', '.join(str(t) for t in texts)}]"])
        plans.append(_Plan(f"lf{n}", call, [call], kind="function", params=params))
    outcomes = evaluate(jobs, timeout_s=JOB_TIMEOUT_S) if jobs else {}
    replaced = functions = 0
    first: int | None = None
    distinct: set[str] = set()
    values: list[str] = []
    for plan in plans:
        outcome = outcomes.get(plan.tag)
        if outcome is None or outcome.error is not None or not isinstance(outcome.value, list):
            problems.append(
                f"a decoder function's calls could not be evaluated: "
                f"{outcome.error if outcome is not None else 'not run'}"
            )
            continue
        done = 0
        if plan.kind == "elements":
            found = _elements_edits(plan, outcome.value, scopes)
            if found is not None:
                edits.extend(found[0])
                values.extend(found[1])
                done = 1
        elif plan.kind == "table":
            items = outcome.value[0] if outcome.value else None
            if (
                isinstance(items, list)
                and sum(len(v) for v in items) <= MAX_STRING_CHARS
                # a row that shows in its own value is visible text dressed up, not data decoded
                and not any(r and r in str(v) for r, v in zip(plan.rows, items, strict=False))
            ):
                listed = f"[{', '.join(js_string(str(v)) for v in items)}]"
                for call in plan.calls:
                    args = call.child_by_field_name("arguments")
                    assert args is not None
                    arg = args.named_children[0]
                    edits.append(
                        Edit(
                            call.start_byte,
                            call.end_byte,
                            (
                                f"{listed}[".encode("utf-8", "surrogatepass"),
                                Copy(arg.start_byte, arg.end_byte),
                                b"]",
                            ),
                        )
                    )
                values.extend(str(v) for v in items)
                done = len(plan.calls)
        elif plan.kind == "function":
            code = _function_code(plan.params, outcome.value[0] if outcome.value else None)
            if code is not None:
                edits.append(Edit.text(plan.fn.start_byte, plan.fn.end_byte, code))
                values.append(code)
                unpacked += 1
                first = plan.fn.start_byte if first is None else min(first, plan.fn.start_byte)
            continue
        else:
            for call, value in zip(plan.calls, outcome.value, strict=False):
                if isinstance(value, str) and len(value) <= MAX_STRING_CHARS:
                    edits.append(Edit.text(call.start_byte, call.end_byte, js_string(value)))
                    values.append(value)
                    done += 1
                elif isinstance(value, list) and sum(len(v) for v in value) <= MAX_STRING_CHARS:
                    items = ", ".join(js_string(str(v)) for v in value)
                    edits.append(Edit.text(call.start_byte, call.end_byte, f"[{items}]"))
                    values.extend(str(v) for v in value)
                    done += 1
        if done:
            functions += 1
            replaced += done
            first = plan.fn.start_byte if first is None else min(first, plan.fn.start_byte)
    distinct.update(values)
    logger.debug("local calls: %d replaced in %d functions", replaced, functions)
    return LocalCalls(
        tuple(edits),
        replaced,
        len(distinct),
        functions,
        unpacked,
        tuple(problems),
        first,
        tuple(dict.fromkeys(values)),
    )


MIN_PAYLOAD = 8


@dataclass(slots=True)
class _Plan:
    """Where one evaluated job's values go."""

    tag: str
    fn: Node
    """The decoder (or the site) the values are reported at."""
    calls: list[Node]
    kind: str = "calls"
    """``calls``: each value replaces its call; ``elements``: the list value replaces a constant
    list and the decoder's calls on its elements become the element; ``function``: the strings
    are a ``Function`` constructor's arguments."""
    params: int = 0
    rows: tuple[str, ...] = ()
    """``table``: the list's string rows as written."""
    depth: int = 1
    """``elements``: the functions composed into the decoder (``text(units(x))``: two)."""


def _rows(table: Binding, scopes: Scopes) -> tuple[str, ...]:
    value = _single_value(table, scopes)
    if value is not None and value.type in ("as_expression", "satisfies_expression"):
        value = value.named_children[0]
    if value is None:
        return ()
    return tuple(
        (string_value(c) or "") if c.type == "string" else "" for c in value.named_children
    )


def _text(scopes: Scopes, node: Node) -> str:
    return scopes.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _constant_call(args: Node, fn: Node, scopes: Scopes, named: bool = False) -> bool:
    """Arguments that make the call a constant: a few constants, many number literals (char
    codes, running deltas), or none at all for a small function that takes none. ``named``
    (hand-written decoders): also names of constant data and calls of the file's functions on
    them (``text(unmask(unhex(SRC)))``)."""
    n = args.named_child_count
    if n == 0:
        params = fn.child_by_field_name("parameters")
        return (
            (params is None or params.named_child_count == 0)
            and fn.type != "method_definition"
            and fn.end_byte - fn.start_byte <= MAX_ZERO_ARG_FUNCTION_BYTES
        )
    if n > MAX_ARGS:
        return n <= MAX_NUMBER_ARGS and all(
            a.type == "number" or (a.type == "unary_expression" and _constant(a, scopes))
            for a in args.named_children
        )
    return all(_constant(a, scopes, int(named)) for a in args.named_children)


def _element_call(
    call: Node, args: Node, scopes: Scopes
) -> tuple[Node, Node, list[Binding]] | None:
    """``(list, callback, decoders)`` when ``call`` is ``dec(x)`` with ``x`` the first parameter
    of a callback running over a constant list (``[0, 1].some((x) => dec(x) === z)``, or a name
    bound to one) and used only as the argument of such calls. ``decoders``: the file's
    functions applied to ``x``, innermost first (``text(units(x))`` composes two)."""
    if args.named_child_count != 1 or args.named_children[0].type != "identifier":
        return None
    param = scopes.resolve(args.named_children[0])
    if param is None or param.kind != "function":
        return None
    callback = param.scope
    if callback.type not in ("arrow_function", "function_expression"):
        return None
    first = _first_parameter(callback)
    if first is None or first.start_byte != param.name_node.start_byte:
        return None
    holder = callback.parent
    outer = holder.parent if holder is not None and holder.type == "arguments" else None
    member = outer.child_by_field_name("function") if outer is not None else None
    if member is None or member.type != "member_expression" or holder is None:
        return None
    if holder.named_children[0] != callback:
        return None
    method = member.child_by_field_name("property")
    array = member.child_by_field_name("object")
    if method is None or array is None or _text(scopes, method) not in _OVER_ELEMENTS:
        return None
    if not (
        _constant_array(array) or (array.type == "identifier" and _constant_list(array, scopes))
    ):
        return None
    chain = _composed(call, scopes)
    if not chain:
        return None
    names = [b.name for _, b in chain]
    for ref in scopes.references(param):
        if ref == param.name_node:
            continue
        parent = ref.parent
        use = parent.parent if parent is not None else None
        if (
            parent is None
            or parent.type != "arguments"
            or parent.named_child_count != 1
            or use is None
            or use.type != "call_expression"
        ):
            return None
        if [b.name for _, b in _composed(use, scopes)] != names:
            return None
    return array, callback, [b for _, b in chain]


MAX_COMPOSED = 4
"""Decoder functions applied one to the other's result (``text(units(x))``), at most."""


def _composed(call: Node, scopes: Scopes) -> list[tuple[Node, Binding]]:
    """``call`` and the calls of the file's functions wrapped around it as their only argument,
    innermost first, each with the function's binding; empty when ``call`` calls no function of
    the file."""
    out: list[tuple[Node, Binding]] = []
    cur: Node | None = call
    while cur is not None and cur.type == "call_expression" and len(out) < MAX_COMPOSED:
        callee = cur.child_by_field_name("function")
        binding = (
            scopes.resolve(callee) if callee is not None and callee.type == "identifier" else None
        )
        if binding is None or _function_of(binding, scopes) is None:
            break
        out.append((cur, binding))
        holder = cur.parent
        if holder is None or holder.type != "arguments" or holder.named_child_count != 1:
            break
        cur = holder.parent
    return out


def _table_reader(fn: Node, scopes: Scopes) -> Binding | None:
    """The constant list a one-parameter function reads at its parameter (``T[i]``) and uses
    the parameter for nothing else, or None."""
    params = fn.child_by_field_name("parameters")
    first = _first_parameter(fn)
    if first is None or (params is not None and params.named_child_count != 1):
        return None
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    param = scopes.resolve_name(_text(scopes, first), body.start_byte + 1)
    if param is None or param.name_node != first:
        return None
    table: Binding | None = None
    for ref in scopes.references(param):
        if ref == param.name_node:
            continue
        parent = ref.parent
        if parent is None or parent.type != "subscript_expression":
            return None
        obj = parent.child_by_field_name("object")
        if parent.child_by_field_name("index") != ref or obj is None or obj.type != "identifier":
            return None
        found = scopes.resolve(obj)
        if found is None or (table is not None and found is not table):
            return None
        if not _constant_list(obj, scopes):
            return None
        table = found
    return table


def _first_parameter(fn: Node) -> Node | None:
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return single
    params = fn.child_by_field_name("parameters")
    if params is None or not params.named_child_count:
        return None
    first = params.named_children[0]
    if first.type in ("required_parameter", "optional_parameter"):
        first = first.child_by_field_name("pattern") or first
    return first if first.type == "identifier" else None


def _elements_edits(
    plan: _Plan, value: list[object], scopes: Scopes
) -> tuple[list[Edit], list[str]] | None:
    """The list's elements replaced by the decoder's values, its calls by their argument."""
    items = value[0] if value else None
    listed: Node | None = plan.fn
    if plan.fn.type == "identifier":
        listed = _single_value(scopes.resolve(plan.fn), scopes)
        if listed is not None and listed.type in ("as_expression", "satisfies_expression"):
            listed = listed.named_children[0]
    if (
        listed is None
        or not isinstance(items, list)
        or len(items) != listed.named_child_count
        or not all(isinstance(v, str) for v in items)
    ):
        return None
    strings = [str(v) for v in items]
    if sum(len(v) for v in strings) > MAX_STRING_CHARS:
        return None
    sources = [string_value(c) if c.type == "string" else None for c in listed.named_children]
    if any(s is not None and _restated(s, v) for s, v in zip(sources, strings, strict=True)):
        return None  # visible rows encoded or abbreviated, not hidden text decoded
    edits = [
        Edit.text(
            plan.fn.start_byte, plan.fn.end_byte, f"[{', '.join(js_string(v) for v in strings)}]"
        )
    ]
    for call in _calls_on_parameter(plan.calls[0], scopes):
        args = call.child_by_field_name("arguments")
        if args is None:
            return None
        arg = args.named_children[0]
        outer = call
        for _ in range(plan.depth - 1):  # the composed decoder's outermost call
            above = outer.parent.parent if outer.parent is not None else None
            if above is None or above.type != "call_expression":
                return None
            outer = above
        edits.append(Edit(outer.start_byte, outer.end_byte, (Copy(arg.start_byte, arg.end_byte),)))
    return edits, strings


def _restated(source: str, value: str) -> bool:
    """Whether ``value`` restates the string ``source`` rather than decoding it: an encoding
    (hex, base64 and escapes are longer than their text; decoding shrinks or keeps the length)
    or an abbreviation (its letters are picked from the source in order: ``[Pr]`` of
    ``Pending review``)."""
    if len(value) > len(source):
        return True
    rest = iter(source)
    return all(ch in rest for ch in value if ch.isalnum())


def _calls_on_parameter(call: Node, scopes: Scopes) -> list[Node]:
    """Every ``dec(x)`` of the callback parameter ``x`` that ``call`` is one of."""
    args = call.child_by_field_name("arguments")
    param = scopes.resolve(args.named_children[0]) if args is not None else None
    if param is None:
        return []
    out: list[Node] = []
    for ref in scopes.references(param):
        if ref != param.name_node and ref.parent is not None and ref.parent.parent is not None:
            out.append(ref.parent.parent)
    return out


def _constant_list(ident: Node, scopes: Scopes) -> bool:
    """A name bound once to a constant list that nothing changes (no element writes, no
    mutating methods)."""
    binding = scopes.resolve(ident)
    value = _single_value(binding, scopes)
    if value is not None and value.type in ("as_expression", "satisfies_expression"):
        value = value.named_children[0]  # ``[…] as const``
    if binding is None or value is None or not _constant_array(value):
        return False
    for ref in scopes.references(binding):
        parent = ref.parent
        if parent is None or ref == binding.name_node:
            continue
        if parent.type == "subscript_expression" and parent.child_by_field_name("object") == ref:
            above = parent.parent
            if (
                above is not None
                and above.type
                in ("assignment_expression", "augmented_assignment_expression", "update_expression")
                and above.child_by_field_name("left") in (parent, None)
            ):
                return False
        if parent.type == "member_expression":
            prop = parent.child_by_field_name("property")
            if prop is not None and _text(scopes, prop) in _MUTATORS:
                return False
    return True


def _proxy_reads(root: Node, scopes: Scopes, typescript: bool) -> list[tuple[Binding, list[Node]]]:
    """Property reads of a constant ``new Proxy(table, handler)``, by binding."""
    found: dict[int, tuple[Binding, list[Node]]] = {}
    if b"Proxy" not in (root.text or b""):
        return []  # no proxy, no reads of one: skip the walk over every member read
    for read in captures(root, _MEMBER_READS, typescript).get("read", []):
        obj = read.child_by_field_name("object")
        parent = read.parent
        if obj is None or parent is None:
            continue
        if parent.type == "call_expression" and parent.child_by_field_name("function") == read:
            continue
        if (
            parent.type
            in ("assignment_expression", "augmented_assignment_expression", "update_expression")
            and parent.child_by_field_name("left") in (read, None)
        ) or parent.type == "unary_expression":
            continue
        binding = scopes.resolve(obj)
        if binding is None:
            continue
        if id(binding) not in found:
            value = _single_value(binding, scopes)
            ctor = value.child_by_field_name("constructor") if value is not None else None
            if (
                value is None
                or value.type != "new_expression"
                or ctor is None
                or _text(scopes, ctor) != "Proxy"
                or scopes.resolve(ctor) is not None
            ):
                continue
            found[id(binding)] = (binding, [])
        reads = found[id(binding)][1]
        if len(reads) < MAX_CALLS:
            reads.append(read)
    return list(found.values())


EVAL = -1
"""The parameter count given for ``eval(code)``: the code becomes a function called in place."""


def _function_code(params: int, value: object) -> str | None:
    """``(function anonymous(a, b) {…})`` of a ``Function`` constructor's evaluated arguments;
    ``(function anonymous() {…})()`` of ``eval``'s."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return None
    texts = [str(v) for v in value]
    if params == EVAL:
        if len(texts) != 1 or len(texts[0]) > MAX_STRING_CHARS:
            return None
        return f"(function anonymous() {{\n{texts[0]}\n}})()"
    if (
        len(texts) != params
        or len(texts[-1]) > MAX_STRING_CHARS
        or _GLOBAL_THIS.fullmatch(texts[-1])
    ):
        return None
    names = [p.strip() for p in ",".join(texts[:-1]).split(",") if p.strip()]
    if not all(re.fullmatch(r"[A-Za-z_$][\w$]*", p) for p in names):
        return None
    return f"(function anonymous({', '.join(names)}) {{\n{texts[-1]}\n}})"


def _constant_array(node: Node, depth: int = 0) -> bool:
    """An array literal of literals (strings, numbers…, lists of them) only."""
    return (
        node.type == "array"
        and node.named_child_count > 0
        and all(
            c.type in _CONSTANT_LEAVES
            or (c.type == "unary_expression")
            or (depth < 2 and _constant_array(c, depth + 1))
            for c in node.named_children
        )
    )


def _constant(node: Node, scopes: Scopes, depth: int = 0) -> bool:
    """A literal, arithmetic on literals, or an element of a constant array of the file; as a
    call's argument (``depth`` > 0) also a name bound to a constant string or list, or a call of
    the file's own function on such constants."""
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
    if kind == "identifier" and depth:
        # a name bound once to a literal string or to a list nothing changes (``unhex(SRC)``,
        # ``words(GROUPS)``), as the argument of a call
        binding = scopes.resolve(node)
        value = _single_value(binding, scopes)
        if value is None:
            return False
        if value.type == "string":
            return string_value(value) is not None
        return _constant_list(node, scopes)
    if kind == "call_expression" and depth and depth < 4:
        # a decoder's call on constants inside another's: ``text(unmask(unhex(SRC)))``
        callee, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if callee is None or args is None or callee.type != "identifier":
            return False
        fn = _function_of(scopes.resolve(callee), scopes)
        return (
            fn is not None
            and 0 < args.named_child_count <= MAX_ARGS
            and all(_constant(a, scopes, depth + 1) for a in args.named_children)
        )
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
        and parent.type in ("function_declaration", "generator_function_declaration")
        and (parent.child_by_field_name("name") == binding.name_node)
    ):
        return parent
    value = _single_value(binding, scopes)
    if value is not None and value.type in FUNCTIONS:
        return value
    if value is not None and _closure_factory(value):
        return value
    return None


def _closure_factory(node: Node) -> bool:
    """``(() => { const data = …; return () => decode(data); })()``: a function made by a
    function called at once without arguments that returns one (a decoder closed over its data)."""
    if node.type != "call_expression":
        return False
    args = node.child_by_field_name("arguments")
    fn = node.child_by_field_name("function")
    while fn is not None and fn.type == "parenthesized_expression" and fn.named_child_count == 1:
        fn = fn.named_children[0]
    if args is None or args.named_child_count or fn is None or fn.type not in FUNCTIONS:
        return False
    body = fn.child_by_field_name("body")
    if body is None:
        return False
    if body.type in FUNCTIONS:
        return True
    last = (
        body.named_children[-1] if body.type == "statement_block" and body.named_children else None
    )
    value = (
        last.named_children[0]
        if last is not None and last.type == "return_statement" and last.named_children
        else None
    )
    return value is not None and value.type in FUNCTIONS


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


def _lazy_writes(binding: Binding, scopes: Scopes) -> list[Node] | None:
    """The writes of a cache declared empty (``let c;``, ``= null``) and filled only inside
    functions; None for anything else."""
    decl = binding.name_node.parent
    if (
        decl is None
        or decl.type != "variable_declarator"
        or decl.child_by_field_name("name") != binding.name_node
    ):
        return None
    value = decl.child_by_field_name("value")
    if value is not None and _text(scopes, value) not in ("null", "undefined", "void 0"):
        return None
    writes = list(dict.fromkeys(_writes(binding, scopes)))
    if not writes or any(
        _nearest_function(w) == -1 or not _guarded(w, binding.name, scopes) for w in writes
    ):
        return None
    return writes


def _guarded(write: Node, name: str, scopes: Scopes) -> bool:
    """A write that happens once: ``c ||= …``, ``c ?? (c = …)``, ``if (!c) { c = … }`` (a cache
    filled on first use; a counter bumped on every call is state, not a constant)."""
    if write.type == "augmented_assignment_expression":
        op = write.child_by_field_name("operator")
        return op is not None and _text(scopes, op) in ("||=", "??=")
    if write.type != "assignment_expression":
        return False
    cur = write.parent
    while cur is not None and cur.type not in FUNCTIONS:
        if cur.type == "if_statement" or (
            cur.type == "binary_expression"
            and (op := cur.child_by_field_name("operator")) is not None
            and _text(scopes, op) in ("||", "??")
        ):
            test = cur.child_by_field_name("condition") or cur.child_by_field_name("left")
            if test is not None and re.search(
                rf"(?<![\w$.]){re.escape(name)}(?![\w$])", _text(scopes, test)
            ):
                return True
        cur = cur.parent
    return False


def _type_cuts(node: Node) -> list[tuple[int, int, str]]:
    """TypeScript-only syntax inside ``node`` to drop so that the isolate (JavaScript) runs it."""
    cuts: list[tuple[int, int, str]] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        t = cur.type
        if t in _TS_TYPES:
            cuts.append((cur.start_byte, cur.end_byte, ""))
            continue
        if t in ("as_expression", "satisfies_expression") and cur.named_child_count:
            inner = cur.named_children[0]
            cuts.append((inner.end_byte, cur.end_byte, ""))
            stack.append(inner)
            continue
        if t == "non_null_expression" and cur.named_child_count:
            inner = cur.named_children[0]
            cuts.append((inner.end_byte, cur.end_byte, ""))
            stack.append(inner)
            continue
        stack.extend(cur.named_children)
    return cuts


def _nearest_function(node: Node) -> int:
    cur = node.parent
    while cur is not None and cur.type not in FUNCTIONS:
        cur = cur.parent
    return -1 if cur is None else cur.start_byte


class _Slice:
    """A function and everything it reaches, each binding under a fresh name."""

    def __init__(self, scopes: Scopes, typescript: bool = False) -> None:
        self.scopes = scopes
        self.typescript = typescript
        self.lazy: list[Node] = []
        """Writes of lazily filled caches (``let c; function d(i) { c ||= …; }``): each must
        lie in a function of the slice."""
        self.bodies: list[Node] = []
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
            self.bodies.append(fn)
            code = self.rewrite(fn, own=binding)
            if code is None:
                self.ok = False
                return None
            if fn.type in ("function_declaration", "generator_function_declaration"):
                self.functions.append(code)
            else:
                self.functions.append(f"var {alias} = {code};")
        else:
            value = _single_value(binding, self.scopes)
            lazy = _lazy_writes(binding, self.scopes) if value is None else None
            if lazy is not None:
                self.lazy.extend(lazy)
                self.values.append(f"var {alias};")
                self._pending.discard(key)
                return alias
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
        if self.typescript:
            cuts += _type_cuts(node)
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
        if not all(
            any(b.start_byte <= w.start_byte < b.end_byte for b in self.bodies) for w in self.lazy
        ):
            return None  # a cache written by code outside the slice: its value is not known
        # Functions first (declarations hoist; a value's initialiser may call one), then values
        # in the order they were reached, dependencies before dependants.
        return "\n".join([*self.functions, *self.values])


_GLOBAL_THIS = re.compile(r"\s*return\s+this\s*;?\s*")


def _unpack_function_constructors(
    root: Node, scopes: Scopes, typescript: bool
) -> tuple[list[Edit], int, list[tuple[Node, int, list[Node]]]]:
    """``Function("a", "return a")`` → ``(function anonymous(a) {return a})``, for literals.

    Also returned: the constructions whose arguments are not all literals (``new F("x", src)``
    with ``F = Function`` and ``src`` decoded at run time), to evaluate in the isolate.
    """
    edits: list[Edit] = []
    packed: list[tuple[Node, int, list[Node]]] = []
    if _CONSTRUCTS.search(root.text or b"") is None:
        return edits, 0, packed  # neither Function nor eval is named: nothing builds code
    for call in captures(root, _FUNCTION_CALLS, typescript).get("call", []):
        ctor = call.child_by_field_name("function") or call.child_by_field_name("constructor")
        args = call.child_by_field_name("arguments")
        if ctor is None or args is None or args.named_child_count == 0:
            continue
        direct_eval = (
            call.type == "call_expression"
            and _text(scopes, ctor) == "eval"
            and scopes.resolve(ctor) is None
            and args.named_child_count == 1
        )
        if not direct_eval and not _is_function_constructor(ctor, scopes):
            continue  # a local named Function is not the constructor
        values = [string_value(a) if a.type == "string" else None for a in args.named_children]
        if direct_eval:
            # ``eval(decode(P))``: the code runs where it stands (a function there reads the
            # same names); its value is not what matters here, what it does is.
            if values[0] is None:
                packed.append((call, EVAL, list(args.named_children)))
            elif (code := _function_code(EVAL, values)) is not None:
                edits.append(Edit.text(call.start_byte, call.end_byte, code))
            continue
        if any(v is None for v in values):
            if len(packed) < MAX_CALLEES and all(
                a.type != "spread_element" for a in args.named_children
            ):
                packed.append((call, args.named_child_count, list(args.named_children)))
            continue
        texts = [v for v in values if v is not None]
        if _GLOBAL_THIS.fullmatch(texts[-1]):
            continue  # the polyfills' way to find the global object, not packed code
        params = [p.strip() for p in ",".join(texts[:-1]).split(",") if p.strip()]
        if not all(re.fullmatch(r"[A-Za-z_$][\w$]*", p) for p in params):
            continue
        code = f"(function anonymous({', '.join(params)}) {{\n{texts[-1]}\n}})"
        edits.append(Edit.text(call.start_byte, call.end_byte, code))
    return edits, len(edits), packed


def _closed_parts(parts: list[Node], scopes: Scopes, typescript: bool) -> bool:
    """Whether every argument of a ``Function``/``eval`` construction is a closed slice."""
    sliced = _Slice(scopes, typescript)
    texts = [sliced.rewrite(p) for p in parts]
    return sliced.source() is not None and all(t is not None for t in texts)


def _is_function_constructor(ctor: Node, scopes: Scopes) -> bool:
    """``Function`` (the global), or a name bound once to it (``const F = Function``)."""
    if ctor.type != "identifier":
        return False
    binding = scopes.resolve(ctor)
    if binding is None:
        return _text(scopes, ctor) == "Function"
    value = _single_value(binding, scopes)
    return (
        value is not None
        and value.type == "identifier"
        and _text(scopes, value) == "Function"
        and scopes.resolve(value) is None
    )


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
