"""JavaScript/TypeScript facts: a literal prefilter finds candidates, the tree-sitter tree explains them.

Walking every node of an 18 MB bundle in Python is too slow, and even one tree-sitter query with
a ``#match?`` predicate over the whole tree costs about a second there. So one Aho-Corasick pass
over the bytes (``ahocorasick_rs``, in Rust; fixed API names plus the literals the loaded rules
ask for) finds candidate offsets in about 50 ms, and each candidate is resolved locally with
``descendant_for_byte_range`` and a few ``parent`` steps. URLs and needles inside comments are
ignored: a link in a comment is documentation, not an endpoint. Imports of the bundle's own
modules (``./chunk-x.js``) are not dependencies and yield no fact.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from ahocorasick_rs import BytesAhoCorasick
from tree_sitter import Node

from agentxray.analyze.facts.common import (
    FILE_READ_CALLS,
    JS_FIXED_CALLS,
    JS_NETWORK_CALLS,
    PROSE_WINDOW,
    URL_BYTES,
    clean_url,
    host_of,
    in_prose,
)
from agentxray.analyze.facts.jsflow import JsFlow
from agentxray.analyze.facts.jsliteral import KNOWN, literal_facts
from agentxray.analyze.facts.jsscope import FUNCTIONS
from agentxray.analyze.facts.jssinks import EXEC_NAMES
from agentxray.analyze.interface import SourceUnit
from agentxray.model import Fact, FactKind, Location
from agentxray.rules.engine import LIST_ITEM

logger = logging.getLogger(__name__)

_ASSIGNMENTS = ("assignment_expression", "augmented_assignment_expression")
STRINGS = frozenset({"string", "template_string"})
MAX_VALUE = 2000
MAX_HITS = 400_000
"""Candidates resolved per file; a crafted file with millions of ``fetch(`` stops here."""
TRUNCATED = "rules.facts-truncated"
CANDIDATES = "rules.candidates"
"""``unit.context`` key of ``(needles, candidates)`` found by a wider pass over the bytes (the
driver's prefilter, :mod:`agentxray.analyze.js.prefilter`, whose automaton holds these probes
and every behaviour pattern): reused when the needles are this extractor's."""
"""``unit.context`` key set (to the hit count) when a file had more candidates than that."""
MAX_DETAIL = 200


class JsFactExtractor:
    """Turns one JS/TS unit into facts; build once per rule set, reuse for every file."""

    def __init__(self, needles: dict[FactKind, frozenset[str]]) -> None:
        calls = JS_FIXED_CALLS | needles.get("call", frozenset())
        self.probes: list[tuple[str, bytes, re.Pattern[bytes] | None]] = [
            ("url", b"://", None),
            ("env", b"process.env", _WORD_END),
            ("env", b"Bun.env", _WORD_END),
            ("imp", b"require", _IMPORT_TAIL),
            ("imp", b"from", _FROM_TAIL),
            ("imp", b"import", _IMPORT_TAIL),
        ]
        self.probes += [("call", n.encode(), _CALL_TAIL) for n in sorted(calls)]
        self.probes += [
            ("prop", n.encode(), _PROP_TAIL) for n in sorted(needles.get("property", ()))
        ]
        self.probes += [
            ("member", n.encode(), _WORD_END) for n in sorted(needles.get("member", ()))
        ]
        self.probes += [("str", n.encode(), None) for n in sorted(needles.get("string", ()))]
        self.needles = tuple(needle for _f, needle, _t in self.probes)
        self._automaton = BytesAhoCorasick(list(self.needles))

    def candidates(
        self, data: bytes, found: Iterable[tuple[int, int, int]] | None = None
    ) -> list[tuple[int, int, str]]:
        """``(start, end, family)`` of every prefilter hit: one Aho-Corasick pass over the bytes,
        or ``found``, the ``(probe index, start, end)`` matches of :attr:`needles` that a wider
        pass made (overlapping, as this one)."""
        hits: list[tuple[int, int, str]] = []
        if found is None:
            found = self._automaton.find_matches_as_indexes(data, overlapping=True)
        for index, i, j in found:
            family, _needle, tail = self.probes[index]
            before = _IDENT if family in ("env", "imp", "member") else _WORD
            if (
                family not in ("str", "url")
                and i > 0
                and data[i - 1] in before
                and not data.endswith(b"...", 0, i)  # ...process.env is a read
            ):
                continue
            if family == "url":
                m = _SCHEME.search(data, max(0, i - 5), i)
                if m is not None and (m.start() == 0 or data[m.start() - 1] not in _IDENT):
                    hits.append((m.start(), j, family))
            elif tail is None:
                hits.append((i, j, family))
            else:
                t = tail.match(data, j)
                if t is None or (family == "imp" and data[t.end() : t.end() + 1] in b"./"):
                    continue  # not a call/import, or a module of the same bundle
                hits.append((i, t.end(), family))
        hits.sort()
        return hits

    def extract(self, unit: SourceUnit) -> list[Fact]:
        """All facts of one file, in source order of their prefilter hits."""
        data = unit.data
        known = unit.context.pop(CANDIDATES, None)
        reused = isinstance(known, tuple) and known[0] == self.needles
        if reused:
            hits: list[tuple[int, int, str]] = known[1]  # type: ignore[index]
        else:
            hits = self.candidates(data)
        if not hits:
            return []
        if len(hits) > MAX_HITS:
            logger.info("%s: %d prefilter hits, keeping %d", unit.entry.vpath, len(hits), MAX_HITS)
            unit.context[TRUNCATED] = len(hits)
            hits = hits[:MAX_HITS]
        root = unit.js_tree.root_node
        known_facts = unit.context.pop(KNOWN, None)
        if unit.literal_only:  # the parse was given up (a notice says why) or not needed
            if reused and isinstance(known_facts, list) and TRUNCATED not in unit.context:
                return known_facts  # made by the prefilter from these very candidates
            return literal_facts(unit.entry.vpath, data, hits)
        out = _Collector(unit.entry.vpath, data, root)
        for start, end, family in hits:
            if family == "url":
                out.url(start)
            elif family == "env":
                out.env(start, end)
            elif family == "imp":
                out.import_(end - 1)
            elif family == "call":
                out.call(start, data[start:end].split(b"<", 1)[0].rstrip(b"() \t\n\r").decode())
            elif family == "prop":
                out.prop(start, data[start:end].rstrip(b": \t\n\r").strip(b"\"'").decode())
            elif family == "member":
                out.member(start, end)
            else:
                out.string(start, end)
        JsFlow(unit.entry.vpath, data, root, out.facts).run()
        return out.facts


_IDENT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.")
_WORD = _IDENT - frozenset(b".")
_SCHEME = re.compile(rb"(?:https?|wss?)$")
_WORD_END = re.compile(rb"(?![\w$])")
#: ``(`` after a called name, also after TypeScript type arguments (``axios.post<Reply>(``).
#: Also the bundlers' indirect call ``(0, fs.renameSync)(a, b)`` (esbuild, tsc, babel).
_CALL_TAIL = re.compile(
    rb"\s*(?:<[^()<>;\n]{0,200}(?:<[^()<>;\n]{0,200}>[^()<>;\n]{0,100})*>\s*)?(?:\)\s*)?\("
)
_PROP_TAIL = re.compile(rb"[\"']?\s*:")
_FROM_TAIL = re.compile(rb"\s*[\"'`]")
_IMPORT_TAIL = re.compile(rb"\s*\(?\s*[\"'`]")


class _Collector:
    """Resolves candidate offsets against the tree and accumulates facts."""

    def __init__(self, vpath: str, data: bytes, root: Node) -> None:
        self.vpath = vpath
        self.data = data
        self.root = root
        self.facts: list[Fact] = []
        self._seen_strings: set[int] = set()

    def _add(
        self, kind: FactKind, value: str, node: Node, detail: str = "", at: Node | None = None
    ) -> None:
        where = at or node
        row, col = where.start_point
        loc = Location(self.vpath, line=row + 1, column=col + 1, offset=where.start_byte)
        self.facts.append(
            Fact(
                kind,
                value[:MAX_VALUE],
                loc,
                detail[:MAX_DETAIL],
                _scope(node),
                (node.start_byte, node.end_byte),
            )
        )

    def _text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def _string_node(self, start: int, end: int) -> Node | None:
        node: Node | None = self.root.descendant_for_byte_range(start, end)
        for _ in range(3):
            if node is None or node.type in STRINGS:
                return node
            if node.type in ("comment", "regex_pattern", "regex", "program"):
                return None
            node = node.parent
        return None

    def url(self, start: int) -> None:
        node = self._string_node(start, start + 3)
        if node is None:
            return
        m = URL_BYTES.match(self.data, start, node.end_byte)
        if m is None:
            return
        url = clean_url(m.group().decode("utf-8", "replace"))
        host = host_of(url)
        near = PROSE_WINDOW  # prose is local: a bounded look either side, whatever the string
        before = self.data[max(node.start_byte + 1, start - near) : start]
        after = self.data[m.end() : min(node.end_byte - 1, m.end() + near)]
        if host and not in_prose(
            before.decode("utf-8", "replace"), after.decode("utf-8", "replace")
        ):
            self._add("url", url, node, host)

    def string(self, start: int, end: int) -> None:
        node = self._string_node(start, end)
        if node is None or node.start_byte in self._seen_strings:
            return
        self._seen_strings.add(node.start_byte)
        in_list = node.parent is not None and node.parent.type == "array"
        self._add("string", self._text(node)[1:-1], node, LIST_ITEM if in_list else "")

    def env(self, start: int, end: int) -> None:
        node = self.root.descendant_for_byte_range(start, end)
        if node is None or node.type != "member_expression":
            return
        parent = node.parent
        name = "*"
        target = node
        if parent is not None and parent.child_by_field_name("object") == node:
            if parent.type == "member_expression":
                prop = parent.child_by_field_name("property")
                name, target = (self._text(prop), parent) if prop is not None else ("*", node)
            elif parent.type == "subscript_expression":
                index = parent.child_by_field_name("index")
                if index is not None and index.type == "string":
                    name, target = self._text(index)[1:-1], parent
                elif index is not None:
                    # process.env[keyVar]: one variable whose name is computed, not the whole
                    # environment (that is process.env itself iterated, spread or serialised).
                    name, target = f"[{self._text(index)[:60]}]", parent
        up = target.parent
        if (
            up is not None
            and up.type
            in (
                "assignment_expression",
                "augmented_assignment_expression",
            )
            and up.child_by_field_name("left") == target
        ):
            return  # a write, not a read
        if name == "*" and _child_environment(self.data, target):
            return  # handed to a child process as its environment, not read as data
        if name == "*" and up is not None and up.type == "variable_declarator":
            pattern = up.child_by_field_name("name")
            if pattern is not None and pattern.type == "object_pattern":
                names = self._destructured(pattern)
                for key in names or ["*"]:
                    self._add("env_read", key, target)
                return
        self._add("env_read", name, target)

    def _destructured(self, pattern: Node) -> list[str]:
        """Names taken by ``const {A, B: b} = process.env``; ``*`` for a ``...rest``."""
        names: list[str] = []
        for child in pattern.named_children:
            if child.type == "shorthand_property_identifier_pattern":
                names.append(self._text(child))
            elif child.type == "pair_pattern":
                key = child.child_by_field_name("key")
                if key is not None:
                    names.append(self._text(key).strip("\"'"))
            elif child.type == "object_assignment_pattern":
                left = child.child_by_field_name("left")
                if left is not None:
                    names.append(self._text(left))
            elif child.type == "rest_pattern":
                names.append("*")
        return names

    def import_(self, quote: int) -> None:
        if self.data[quote + 1 : quote + 2] in (b".", b"/"):
            return  # a module of the same bundle (./chunk-x.js, /$bunfs/root/…), not a dependency
        node = self._string_node(quote, quote + 1)
        if node is None or node.type != "string":
            return
        parent = node.parent
        if parent is not None and parent.type == "arguments":
            call = parent.parent
            fn = call.child_by_field_name("function") if call is not None else None
            if fn is None or self._text(fn) not in ("require", "import"):
                return
            node_at = call
        elif parent is not None and parent.type in ("import_statement", "export_statement"):
            node_at = parent
        else:
            return
        assert node_at is not None
        self._add("import", self._text(node)[1:-1], node_at, at=node)

    def call(self, start: int, name: str) -> None:
        ident = self.root.descendant_for_byte_range(start, start + len(name))
        if ident is None or ident.type not in ("identifier", "property_identifier"):
            return
        parent = ident.parent
        if parent is None:
            return
        callee = name
        call: Node | None = None
        head: Node = ident  # the callee node: TypeScript parses `await f<T>(x)` as (await f)<T>(x)
        if parent.type == "await_expression" and _awaited_call(parent) is not parent:
            head, parent = parent, _awaited_call(parent)
        if parent.type == "member_expression" and parent.child_by_field_name("property") == ident:
            text = self._text(parent)
            callee = text if len(text) <= 80 and "\n" not in text and "(" not in text else name
            head, call = _indirect(parent)
            if (
                call is not None
                and call.type == "await_expression"
                and _awaited_call(call) is not call
            ):
                head, call = call, _awaited_call(call)
            if call is not None and call.type == "new_expression":
                if call.child_by_field_name("constructor") != head:
                    return
                callee = "new " + callee  # new vm.Script(code)
            elif call is None or call.child_by_field_name("function") != head:
                return
        elif parent.type == "call_expression" and parent.child_by_field_name("function") == head:
            call = parent
        elif parent.type == "sequence_expression":
            head, call = _indirect(ident)  # (0, spawn)(cmd)
            if call is None or call.type != "call_expression":
                return
            if call.child_by_field_name("function") != head:
                return
        elif parent.type == "new_expression" and parent.child_by_field_name("constructor") == ident:
            call, callee = parent, "new " + name
        else:
            return
        args = call.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        detail = self._text(first) if first is not None else ""
        if first is not None and first.type == "string":
            detail = detail[1:-1]
        self._add("call", callee, call, detail, at=ident)
        if name in JS_NETWORK_CALLS and (
            name != "request" or callee.split(".")[0] in ("http", "https")
        ):
            self._add("network_request", callee, call, detail, at=ident)
        if name in FILE_READ_CALLS and first is not None:
            self._add("file_read", detail, call, callee, at=ident)

    def prop(self, start: int, name: str) -> None:
        key = self.root.descendant_for_byte_range(start, start + 1)
        if key is None:
            return
        if key.type == "string_fragment" and key.parent is not None:
            key = key.parent
        pair = key.parent
        if pair is None or pair.type != "pair" or pair.child_by_field_name("key") != key:
            return
        value = pair.child_by_field_name("value")
        self._add("property", name, pair, self._text(value) if value is not None else "", at=key)

    def member(self, start: int, end: int) -> None:
        node = self.root.descendant_for_byte_range(start, end)
        if node is not None and node.type == "member_expression":
            self._add("member", self._text(node), node)


def _indirect(head: Node) -> tuple[Node, Node | None]:
    """``(head, its parent)``, or for the bundlers' indirect call ``(0, fs.renameSync)(a, b)``
    the parenthesized sequence that ends in ``head`` and the call it is the callee of."""
    up = head.parent
    if (
        up is not None
        and up.type == "sequence_expression"
        and up.named_children
        and up.named_children[-1] == head
        and up.parent is not None
        and up.parent.type == "parenthesized_expression"
        and up.parent.parent is not None
        and up.parent.parent.type == "call_expression"
        and up.parent.parent.child_by_field_name("function") == up.parent
    ):
        return up.parent, up.parent.parent
    return head, up


def _child_environment(data: bytes, target: Node) -> bool:
    """Whether ``process.env`` is the ``env`` option of a call that starts a process
    (``execFileSync("git", args, {env: {...process.env, GIT_TERMINAL_PROMPT: "0"}})``): the child
    inherits the environment; nothing reads or sends it. The same option of a request body
    (``body: JSON.stringify({env: process.env})``) is data and stays a read."""
    holder = target.parent
    if holder is not None and holder.type == "spread_element":
        holder = holder.parent.parent if holder.parent is not None else None
    if holder is None or holder.type != "pair":
        return False
    key = holder.child_by_field_name("key")
    if key is None or data[key.start_byte : key.end_byte].strip(b"'\"") != b"env":
        return False
    options, args = holder.parent, holder.parent.parent if holder.parent is not None else None
    if options is None or options.type != "object" or args is None or args.type != "arguments":
        return False
    call = args.parent
    fn = call.child_by_field_name("function") if call is not None else None
    if fn is None:
        return False
    callee = data[fn.start_byte : fn.end_byte].decode(errors="replace")
    return callee.rsplit(".", 1)[-1] in EXEC_NAMES


def _awaited_call(node: Node) -> Node:
    """The call an ``await`` is the callee of, as TypeScript parses ``await a.b<T>(x)``
    (``(await a.b)<T>(x)``); else the ``await`` itself."""
    up = node.parent
    if (
        up is not None
        and up.type == "call_expression"
        and up.child_by_field_name("function") == node
        and up.child_by_field_name("type_arguments") is not None
    ):
        return up
    return node


def _scope(node: Node) -> str:
    """Key of the nearest enclosing function (its start byte), ``""`` at top level."""
    cur = node.parent
    while cur is not None:
        if cur.type in FUNCTIONS:
            return f"fn@{cur.start_byte}"
        cur = cur.parent
    return ""
