"""Requests whose answer decides what the program does: a hand-rolled remote-config call.

``fetch(url, {body: JSON.stringify({user: {timeZone}})})`` whose JSON answer is kept
(``this.flags = await res.json()``) and then tested (``if (this.flags["agent.disabled"])``)
lets the server switch behaviour by what the request carried, with no test of it in the code:
the JavaScript counterpart of :mod:`agentxray.analyze.python.deciding`.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from agentxray.analyze.js.nodes import FUNCTION_TYPES, enclosing_function, text

REQUEST_CALLEE = re.compile(r"(?:^|\.)(?:fetch\w*|\w*[Rr]equest|post|put|patch|axios|got|ky)$")
"""Callees that send a request and answer it (``fetch``, ``this.fetchImpl``, ``axios.post``)."""
BODY_READS = re.compile(r"\.(?:json|text)\s*\(\s*\)|\.data\b|\.body\b")
"""How an answer's body is read: ``res.json()``, axios' ``res.data``."""
TARGETED_KINDS = frozenset({"timezone", "tz-offset", "country"})
"""What a server targets regions by. A locale alone is sent to pick a language far more often
than to target, so it does not count here (as in the Python front-end)."""
MAX_FUNCTION_BYTES = 20_000
_NAME = r"(?<![\w$.])({})(?![\w$])"
_TESTS = frozenset({"if_statement", "ternary_expression", "while_statement"})


SENDS = re.compile(r"(?:^|\.)(?:fetch|axios|got|ky|request|get|post|put|patch)$")
"""Calls that send a request inside a helper (``https.get``, ``http.request``, ``fetch``)."""
PARSES = re.compile(r"\bJSON\.parse\s*\(|\.(?:json|text)\s*\(\s*\)|\.data\b")
"""What a helper does to hand back the parsed answer rather than the response."""
_NETWORK_MODULES = re.compile(r"\b(?:https?|http2|undici|axios|got|node-fetch|ky)\b|\bfetch\s*\(")


def request_call(call: Node, helper: Node | None = None) -> bool:
    """Whether ``call`` sends a request whose answer the program can read: a request API by
    its name, or a call of a helper ``helper`` of the file that sends one (its summary)."""
    if call.type != "call_expression":
        return False
    callee = call.child_by_field_name("function")
    if callee is None:
        return False
    if REQUEST_CALLEE.search(text(callee)) is not None:
        return True
    return helper is not None and parsed_answer(helper) is not None


def parsed_answer(helper: Node) -> bool | None:
    """A helper's summary: ``None`` when it sends no request; ``True`` when it hands back the
    parsed answer (``resolve(JSON.parse(body))``, ``return (await fetch(u)).json()``), so
    that its call's value is the answer's body; ``False`` when it hands back the response."""
    if helper.end_byte - helper.start_byte > MAX_FUNCTION_BYTES:
        return None
    sends = False
    stack = [helper]
    while stack and not sends:
        node = stack.pop()
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            name = text(callee) if callee is not None else ""
            if "." in name:
                sends = bool(SENDS.search(name)) and bool(
                    _NETWORK_MODULES.search(name.rsplit(".", 1)[0])
                )
            else:
                sends = name in ("fetch", "axios", "got", "ky")
        stack.extend(node.named_children)
    if not sends:
        return None
    return PARSES.search(text(helper)) is not None


def answer_gate(call: Node, parsed: bool = False) -> Node | None:
    """The test the body of ``call``'s answer decides, if any: in the function making the
    request (through names bound from the response and from its body), or in a method of its
    class through a field set from the body (``this.flags = await res.json()``). ``parsed``:
    the call's value is the body already (a helper handing back the parsed answer)."""
    fn = enclosing_function(call)
    if fn is None or fn.end_byte - fn.start_byte > MAX_FUNCTION_BYTES:
        return None
    found = answer_names(call, parsed)
    if found is None:
        return None
    names, fields = found
    for test in _tests(fn):
        if _mentions(test, names) or any(_reads_field(test, f) for f in fields):
            return test.parent or test
    return _field_test(fn, fields)


def answer_names(call: Node, parsed: bool = False) -> tuple[set[str], set[str]] | None:
    """The local names and the ``this`` fields ``call``'s answer body is bound to in the
    function making the request."""
    fn = enclosing_function(call)
    if fn is None or fn.end_byte - fn.start_byte > MAX_FUNCTION_BYTES:
        return None
    response: set[str] = set()
    body: set[str] = set()
    fields: set[str] = set()
    holder = _bound_to(call)
    if holder is not None:
        response.add(holder)
    # Names and fields bound from the answer, until nothing new is bound.
    assignments = list(_assignments(fn))
    changed = True
    while changed:
        changed = False
        for target, value in assignments:
            if call.start_byte <= value.start_byte and value.end_byte <= call.end_byte:
                continue
            from_call = value.start_byte <= call.start_byte and call.end_byte <= value.end_byte
            src = text(value).replace(text(call), "") if from_call else text(value)
            reads_body = bool(BODY_READS.search(src)) and (from_call or _mentions(src, response))
            reads_body = reads_body or (parsed and from_call)
            derived = _mentions(src, body) or (from_call and reads_body)
            if reads_body or derived:
                new_body = target not in body
                if target.startswith("this."):
                    fields.add(target[5:])
                body.add(target)
                changed |= new_body
            elif (from_call or _mentions(src, response)) and target not in response:
                response.add(target)
                changed = True
    return {b for b in body if not b.startswith("this.")}, fields


def _bound_to(call: Node) -> str | None:
    node = call
    while node.parent is not None and (
        node.parent.type in ("await_expression", "parenthesized_expression", "as_expression")
        or awaited_yield(node.parent)
    ):
        node = node.parent
    parent = node.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return text(name) if name is not None and name.type == "identifier" else None
    return None


def _assignments(fn: Node) -> list[tuple[str, Node]]:
    """(target, value) of the declarations and assignments in ``fn`` (nested callbacks too)."""
    out: list[tuple[str, Node]] = []
    stack = [fn]
    while stack:
        node = stack.pop()
        if node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None and name.type == "identifier":
                out.append((text(name), value))
        elif node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if (
                left is not None
                and right is not None
                and (left.type == "identifier" or text(left).startswith("this."))
            ):
                out.append((text(left), right))
        stack.extend(reversed(node.named_children))
    return out


def _mentions(src: str | Node, names: set[str]) -> bool:
    if not names:
        return False
    source = src if isinstance(src, str) else text(src)
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    return re.search(_NAME.format(alternatives), source) is not None


def _reads_field(test: Node, field: str) -> bool:
    return re.search(r"\bthis\s*\.\s*" + re.escape(field) + r"(?![\w$])", text(test)) is not None


def _tests(scope: Node) -> list[Node]:
    """The conditions of the tests in ``scope`` (nested functions excluded)."""
    out: list[Node] = []
    stack = list(scope.named_children)
    while stack:
        node = stack.pop()
        if (node.type in FUNCTION_TYPES or node.type == "method_definition") and not (
            _async_body(node)
        ):
            continue  # a down-levelled async body (`__awaiter(…, function* () {…})`) is kept
        if node.type in _TESTS:
            cond = node.child_by_field_name("condition")
            if cond is not None:
                out.append(cond)
        stack.extend(node.named_children)
    return out


def _field_test(fn: Node, fields: set[str]) -> Node | None:
    """A test on ``this.<field>`` in another method of ``fn``'s class."""
    if not fields:
        return None
    body = fn.parent
    while body is not None and body.type != "class_body":
        body = body.parent
    if body is None or body.end_byte - body.start_byte > MAX_FUNCTION_BYTES * 4:
        return None
    for method in body.named_children:
        if method.type != "method_definition" or method == fn:
            continue
        block = method.child_by_field_name("body")
        for test in _tests(block) if block is not None else []:
            if any(_reads_field(test, f) for f in fields):
                return test.parent or test
    return None


def _async_body(fn: Node) -> bool:
    """A generator function handed to a call: the body of a down-levelled async function."""
    return (
        fn.type == "generator_function" and fn.parent is not None and fn.parent.type == "arguments"
    )


def awaited_yield(node: Node) -> bool:
    """A ``yield v`` that is an ``await v``: in a generator function handed to a call as its
    body (tsc ``__awaiter(this, void 0, void 0, function* () {…})``, esbuild ``__async(this,
    null, function* () {…})``, ``co(function* () {…})``); ``yield* g`` is no await."""
    if node.type != "yield_expression" or any(c.type == "*" for c in node.children):
        return False
    fn = node.parent
    while fn is not None and fn.type not in FUNCTION_TYPES:
        fn = fn.parent
    return fn is not None and _async_body(fn)
