"""JavaScript names resolved through the tree-sitter tree: bindings, later writes, module members.

The data flow (:mod:`agentxray.analyze.facts.jsflow`) asks what an identifier holds. A binding is
found by walking up to the nearest function (or the program) whose declarations name it; the
tables are built lazily, per scope, by walking statements only (never expressions), so that an
18 MB bundle costs what its few analysed functions cost. Later writes (``x = v``, ``x.push(v)``,
``x.k = v``, ``writeFile(x, v)``) are found by a text search for the name inside the binding's
scope, bounded by :data:`MAX_SCAN` bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tree_sitter import Node

from agentxray.analyze.js.nodes import FUNCTION_TYPES, literal_matches

FUNCTIONS = FUNCTION_TYPES
MAX_SCAN = 1 << 20
"""Largest scope (bytes) searched for later writes and uses of a name."""
MAX_TABLE = 200_000
"""Statements walked per scope table."""
MAX_OCCURRENCES = 200
"""Occurrences of a name examined per search."""
_CONTAINERS = frozenset(
    {
        "statement_block",
        "if_statement",
        "else_clause",
        "try_statement",
        "catch_clause",
        "finally_clause",
        "while_statement",
        "do_statement",
        "for_statement",
        "for_in_statement",
        "labeled_statement",
        "switch_statement",
        "switch_body",
        "switch_case",
        "switch_default",
        "export_statement",
        "program",
    }
)
_DECLARATIONS = frozenset({"lexical_declaration", "variable_declaration"})
GLOBALS = frozenset(
    {
        "process",
        "Object",
        "JSON",
        "Buffer",
        "Promise",
        "Array",
        "Math",
        "String",
        "Number",
        "Boolean",
        "Date",
        "Error",
        "TypeError",
        "Symbol",
        "Map",
        "Set",
        "WeakMap",
        "RegExp",
        "console",
        "globalThis",
        "window",
        "document",
        "navigator",
        "require",
        "module",
        "exports",
        "undefined",
        "fetch",
        "URL",
        "URLSearchParams",
        "encodeURIComponent",
        "decodeURIComponent",
        "parseInt",
        "parseFloat",
        "setTimeout",
        "clearTimeout",
        "TextDecoder",
        "TextEncoder",
        "Uint8Array",
        "Reflect",
        "Proxy",
        "AbortSignal",
        "AbortController",
        "Blob",
        "Headers",
        "Request",
        "Response",
        "atob",
        "btoa",
        "__dirname",
        "__filename",
    }
)
"""Globals looked up by name, not through the scope chain."""
MUTATORS = frozenset({"push", "unshift", "set", "add", "append", "splice", "concat", "assign"})
"""Methods that put their arguments into the object they are called on (an array, a set or
map, a ``FormData``/``URLSearchParams``/``Headers`` being filled)."""
FILE_WRITES = frozenset({"writeFile", "writeFileSync", "appendFile", "appendFileSync"})


@dataclass(frozen=True, slots=True, eq=False)
class Binding:
    """One declared name."""

    name: str
    scope: Node
    """The function or program whose body the name is visible in."""
    kind: str
    """``var``, ``param``, ``function``, ``import``, ``loop`` or ``catch``."""
    value: Node | None = None
    """Initializer, iterable (``loop``) or the function (``function``)."""
    module: str = ""
    """For imports and ``require``: the module (``os``); ``member`` then names what was taken."""
    member: str = ""
    index: int = -1
    """For parameters: the position."""


def text(data: bytes, node: Node) -> str:
    """The source text of a node."""
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def unquote(data: bytes, node: Node) -> str | None:
    """The value of a plain string literal (no substitutions), else ``None``."""
    if node.type == "string":
        return text(data, node)[1:-1]
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return text(data, node)[1:-1]
    return None


NODE_BUILTINS = frozenset(
    {
        "child_process",
        "crypto",
        "dgram",
        "dns",
        "fs",
        "fs/promises",
        "http",
        "http2",
        "https",
        "net",
        "os",
        "tls",
        "vm",
        "zlib",
    }
)
"""Node built-in modules whose members the rules follow (what a bundle's ``require`` loads)."""


def module_name(raw: str) -> str:
    """``node:fs/promises`` → ``fs.promises``."""
    return raw.removeprefix("node:").replace("/", ".")


def _fallback_arms(node: Node) -> tuple[Node, ...]:
    """The alternatives of ``c ? a : b`` or ``a || b`` / ``a ?? b`` (none for other nodes)."""
    if node.type == "ternary_expression":
        a, b = node.child_by_field_name("consequence"), node.child_by_field_name("alternative")
        return tuple(x for x in (a, b) if x is not None)
    if node.type == "binary_expression":
        op = node.child_by_field_name("operator")
        if op is not None and op.type in ("||", "??"):
            a, b = node.child_by_field_name("left"), node.child_by_field_name("right")
            return tuple(x for x in (a, b) if x is not None)
    return ()


def strip(node: Node) -> Node:
    """Through parentheses, ``await``, TypeScript ``as``/``!`` and ``satisfies``."""
    while (
        node.type
        in (
            "parenthesized_expression",
            "await_expression",
            "as_expression",
            "non_null_expression",
            "satisfies_expression",
        )
        or (node.type == "call_expression" and _await_call(node))
        or _indirect(node)
    ):
        if node.type == "sequence_expression":  # (0, fs.readFileSync): the bundlers' call
            node = node.named_children[-1]
            continue
        inner = node.named_children[0] if node.named_children else None
        if inner is not None and inner.type == "identifier":  # await(x): the arguments
            args = node.child_by_field_name("arguments")
            inner = args.named_children[0] if args is not None else None
        if inner is None:
            break
        node = inner
    return node


def _indirect(node: Node) -> bool:
    """``0, f`` in ``(0, f)(x)``, ``(0, m.run)``: esbuild's, tsc's and babel's way to call an
    imported function without a receiver; its value is the last expression."""
    kids = node.named_children if node.type == "sequence_expression" else []
    return len(kids) == 2 and kids[0].type == "number"


def _await_call(node: Node) -> bool:
    """Minified ``await(new C).m()`` that the grammar reads as a call of a function named
    ``await``: it is an ``await`` of its one argument."""
    if node.type != "call_expression":
        return False
    fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    return (
        fn is not None
        and fn.type == "identifier"
        and fn.text == b"await"
        and args is not None
        and args.type == "arguments"
        and len(args.named_children) == 1
    )


def enclosing_function(node: Node) -> Node | None:
    """The nearest function around a node."""
    cur = node.parent
    while cur is not None:
        if cur.type in FUNCTIONS:
            return cur
        cur = cur.parent
    return None


def function_body(fn: Node) -> Node | None:
    """The body of a function node."""
    return fn.child_by_field_name("body")


def parameters(fn: Node) -> list[Node]:
    """Parameter nodes of a function, in order."""
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return [single]
    params = fn.child_by_field_name("parameters")
    return list(params.named_children) if params is not None else []


@cache
def _word(name: str) -> re.Pattern[bytes]:
    return re.compile(rb"(?<![\w$.])" + re.escape(name.encode()) + rb"(?![\w$])")


@cache
def _writing(name: str) -> re.Pattern[bytes]:
    """Occurrences of a name that may write into it: ``x =``, ``x +=``, ``x.k =``,
    ``x[k] =``, ``x.push(``, ``writeFile(x,``, ``assign(x,``, ``createWriteStream(x``."""
    word = re.escape(name.encode())
    after = (
        rb"(?P<name>"
        + word
        + rb")(?![\w$])\s*(?:[-+*/|&?]{0,3}=(?![=>])|\.\s*(?:[\w$]+\s*=(?!=)|(?:"
    )
    after += (
        b"|".join(m.encode() for m in sorted(MUTATORS)) + rb")\s*\()|\[[^\]\n]{0,80}\]\s*=(?!=))"
    )
    into = rb"(?:" + b"|".join(
        w.encode() for w in sorted(FILE_WRITES | {"assign", "createWriteStream"})
    )
    into += rb")\s*\(\s*(?P<into>" + word + rb")(?![\w$])"
    return re.compile(rb"(?<![\w$.])" + after + rb"|" + into)


_WORD_END = re.compile(rb"(?![\w$])")
_NOT_BEFORE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.")
_SPACE = frozenset(b" \t\n\r\f\v")
_WRITE_AFTER = re.compile(
    rb"(?![\w$])\s*(?:[-+*/|&?]{0,3}=(?![=>])|\.\s*(?:[\w$]+\s*=(?!=)|(?:"
    + b"|".join(m.encode() for m in sorted(MUTATORS))
    + rb")\s*\()|\[(?:[^\[\]\n]|\[[^\[\]\n]{0,40}\]){0,80}\]\s*=(?!=))"
)
_WRITE_CALLS = tuple(w.encode() for w in sorted(FILE_WRITES | {"assign", "createWriteStream"}))
_FAST_FROM = 1024
"""From this range length on, :func:`word_starts` searches the literal: already 5-10x faster at
a few KB, and a module of a split bundle is searched thousands of times per scan."""


def _span(node: Node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


def word_starts(data: bytes, name: str, start: int, end: int) -> list[int]:
    """Starts of ``_word(name).finditer(data, start, end)``; a big range is searched for the
    literal (vectorised) and the look-behind checked here, since a pattern that begins with a
    look-behind is scanned by ``re`` byte by byte (1 MiB of scope: 90 ms; 8 KB: 0.17 ms)."""
    if end - start < _FAST_FROM:
        return [m.start() for m in _word(name).finditer(data, start, end)]
    found = literal_matches(data, name.encode(), _WORD_END, start, end)
    return [q for q in found if not q or data[q - 1] not in _NOT_BEFORE]


def write_sites(data: bytes, name: str, start: int, end: int) -> list[int]:
    """Starts of the identifier in ``_writing(name).finditer(data, start, end)`` (group
    ``name`` or ``into``) without compiling a pattern per name (1 ms each, 500 names in a
    bundle): each word occurrence is tested for what follows (``x =``, ``x.push(``…) and for
    a write call around it (``writeFile(x``), and matches are taken in order without overlap,
    as ``finditer`` takes them."""
    size = len(name.encode())
    found: list[tuple[int, int, int, int]] = []  # (match start, alternative, match end, name)
    for q in word_starts(data, name, start, end):
        after = _WRITE_AFTER.match(data, q + size, end)
        if after is not None:
            found.append((q, 0, after.end(), q))
        r = q
        while r > start and data[r - 1] in _SPACE:
            r -= 1
        if r > start and data[r - 1] == 0x28:  # "("
            w = r - 1
            while w > start and data[w - 1] in _SPACE:
                w -= 1
            for call in _WRITE_CALLS:
                if w - len(call) >= start and data[w - len(call) : w] == call:
                    found.append((w - len(call), 1, q + size, q))
                    break
    found.sort()
    out: list[int] = []
    resume = start
    for at, _alternative, stop, q in found:
        if at >= resume:
            out.append(q)
            resume = stop
    return out


MAX_DISPATCH_BYTES = 1_000_000
# a name followed by ( or by : and a function: candidates for a method or a property holding one
_DEFINED = re.compile(
    rb"([A-Za-z_$][\w$]*)\s*(?:\(|:\s*(?:async\b\s*)?(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>))"
)


class JsScopes:
    """Binding lookup over one tree, with per-scope tables built on demand."""

    def __init__(self, data: bytes, root: Node) -> None:
        self.data = data
        self.root = root
        self._tables: dict[int, dict[str, list[Binding]]] = {}
        self._writes: dict[int, list[Node]] = {}
        self._bound: dict[int, Binding | None] = {}
        self._chains: dict[int, list[Node]] = {}
        self._members: dict[str, list[Node]] | None = None

    def binding(self, ident: Node) -> Binding | None:
        """The declaration an identifier refers to (``None``: a global or unknown)."""
        key = ident.id
        if key in self._bound:
            return self._bound[key]
        found = self._bound[key] = self._lookup(ident)
        return found

    def _lookup(self, ident: Node) -> Binding | None:
        name = text(self.data, ident)
        if name in GLOBALS:
            return None  # never renamed by minifiers, and shadowing them is rare
        cur: Node | None = ident.parent
        while cur is not None and cur.type not in FUNCTIONS and cur.type != "program":
            cur = cur.parent
        if cur is None:
            return None
        for scope in self.chain(cur):
            declared = self.table(scope).get(name, ())
            for b in declared:
                # for (const e of xs) inside a function with its own `e`: the loop's e
                if b.kind == "loop" and _in_loop(ident, b):
                    return b
            if len(declared) > 1:
                # a const/let of an inner block shadows the function's own name there
                # (terser: `write(e){for(…){const e=s.join(this.root,n); writeFile(e,…)}}`)
                inner = [(blk, b) for b in declared if (blk := _lexical_block(b)) is not None]
                inside = [
                    (blk, b)
                    for blk, b in inner
                    if blk.start_byte <= ident.start_byte < blk.end_byte
                ]
                if inside:
                    return min(inside, key=lambda p: p[0].end_byte - p[0].start_byte)[1]
                declared = [b for b in declared if all(b is not o for _blk, o in inner)]
            for b in declared:
                if b.kind == "loop" and not _in_block(ident, b):
                    continue  # for (const t of …) is seen only inside its loop
                if b.kind == "catch" and not _in_catch(ident, b):
                    continue  # catch (e) { … } names its error only inside the clause
                return b
        return None

    def members(self) -> dict[str, list[Node]]:
        """The methods, getters and function-valued properties of the file's classes and
        object literals, by name (``send(x) {…}``, ``get info() {…}``, ``send: (x) => …``;
        setters and constructors left out). Empty for a file above ``MAX_DISPATCH_BYTES``:
        in a bundle a bare method name says nothing about which object it belongs to."""
        if self._members is not None:
            return self._members
        found: dict[str, list[Node]] = {}
        self._members = found
        if len(self.data) > MAX_DISPATCH_BYTES:
            return found
        for m in _DEFINED.finditer(self.data):
            node = self.root.descendant_for_byte_range(m.start(1), m.end(1))
            parent = node.parent if node is not None else None
            if node is None or parent is None or node.type != "property_identifier":
                continue
            name = m.group(1).decode("latin-1")
            if parent.type == "method_definition" and parent.child_by_field_name("name") == node:
                if name != "constructor" and not any(c.type == "set" for c in parent.children[:3]):
                    found.setdefault(name, []).append(parent)
            elif parent.type == "pair" and parent.child_by_field_name("key") == node:
                value = parent.child_by_field_name("value")
                if value is not None and strip(value).type in FUNCTIONS:
                    found.setdefault(name, []).append(strip(value))
        return found

    def member_named(self, name: str) -> Node | None:
        """The one method, getter or function-valued property the file defines under
        ``name`` (``None`` when there is none or more than one)."""
        got = self.members().get(name, ())
        return got[0] if len(got) == 1 else None

    def dispatchable(self, receiver: Node) -> bool:
        """Whether a member call's receiver holds one of the file's own objects: a field
        (``this.transport``, what the constructor was handed), ``new C()``, an object literal,
        or a variable or parameter made from one (``const v = new C()``, ``p || new C()``,
        ``p ?? new C()``, ``(p = new C()) =>``); not a global, a module, an untyped parameter."""
        receiver = strip(receiver)
        hops = 0
        while receiver.type in ("member_expression", "call_expression", "subscript_expression"):
            inner = receiver.child_by_field_name("object") or receiver.child_by_field_name(
                "function"
            )
            if inner is None:
                return False
            receiver, hops = strip(inner), hops + 1
        if receiver.type == "this":
            return hops > 0
        if receiver.type in ("new_expression", "object"):
            return True
        if receiver.type != "identifier":
            return False
        b = self.binding(receiver)
        return b is not None and b.kind in ("var", "param") and _made_here(b.value)

    def chain(self, scope: Node) -> list[Node]:
        """A function and the functions around it, out to the program (cached per function)."""
        got = self._chains.get(scope.id)
        if got is not None:
            return got
        pending = [scope]
        cur = scope.parent
        while cur is not None:
            if cur.type in FUNCTIONS or cur.type == "program":
                known = self._chains.get(cur.id)
                if known is not None:
                    got = known
                    break
                pending.append(cur)
            cur = cur.parent
        got = got or []
        for node in reversed(pending):
            got = [node, *got]
            self._chains[node.id] = got
        return got

    def table(self, scope: Node) -> dict[str, list[Binding]]:
        """Names declared in one function (parameters and body) or the program."""
        key = scope.start_byte * 7 + (scope.type == "program")
        got = self._tables.get(key)
        if got is None:
            got = self._tables[key] = self._build(scope)
        return got

    def _build(self, scope: Node) -> dict[str, list[Binding]]:
        out: dict[str, list[Binding]] = {}
        if scope.type != "program":
            for i, param in enumerate(parameters(scope)):
                for name, member, default in self._names(param):
                    out.setdefault(name, []).append(
                        Binding(name, scope, "param", default, member=member, index=i)
                    )
            body = function_body(scope)
            if body is None or body.type != "statement_block":
                return out
            stack = list(reversed(body.named_children))
        else:
            stack = list(reversed(scope.named_children))
        walked = 0
        while stack and walked < MAX_TABLE:
            node = stack.pop()
            walked += 1
            kind = node.type
            if kind in _DECLARATIONS:
                for decl in node.named_children:
                    if decl.type == "variable_declarator":
                        self._declare(out, scope, decl)
            elif kind in ("function_declaration", "generator_function_declaration"):
                ident = node.child_by_field_name("name")
                if ident is not None:
                    b = Binding(text(self.data, ident), scope, "function", node)
                    out.setdefault(b.name, []).append(b)
            elif kind == "import_statement":
                self._imports(out, scope, node)
            elif kind == "for_in_statement":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is not None and left.type == "array_pattern":
                    # for (const [name, file] of pairs): each name takes one position of an element
                    for i, part in enumerate(left.named_children):
                        for name, _member, _d in self._names(part):
                            b = Binding(name, scope, "loop", right, member=f"[{i}]")
                            out.setdefault(name, []).append(b)
                elif left is not None:
                    # for (const { dir, file } of rows): each name takes one key of an element
                    for name, taken, _d in self._names(left):
                        b = Binding(name, scope, "loop", right, member=taken)
                        out.setdefault(name, []).append(b)
                body = node.child_by_field_name("body")
                if body is not None:
                    stack.append(body)
            elif kind == "catch_clause":
                caught = node.child_by_field_name("parameter")
                if caught is not None:
                    for name, _member, _d in self._names(caught):
                        out.setdefault(name, []).append(Binding(name, scope, "catch", caught))
                stack.extend(reversed(node.named_children))
            elif kind in _CONTAINERS:
                stack.extend(reversed(node.named_children))
        return out

    def _declare(self, out: dict[str, list[Binding]], scope: Node, decl: Node) -> None:
        pattern, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
        if pattern is None:
            return
        module, member = self.required(value) if value is not None else ("", "")
        for name, taken, _default in self._names(pattern):
            if module:
                sub = ".".join(p for p in (member, taken) if p)
                b = Binding(name, scope, "import", value, module, sub)
            else:
                b = Binding(name, scope, "var", value, member=taken)
            out.setdefault(name, []).append(b)

    def required(self, value: Node) -> tuple[str, str]:
        """``(module, member)`` when ``value`` is ``require("m")``, ``require("m").x`` or an
        ``await import("m")``; ``("", "")`` otherwise. A fallback between a global (or another
        value) and one module — ``typeof X !== "undefined" ? X : require("m")``,
        ``globalThis.X || require("m")``, ``p ?? require("m")`` — is that module: the arms
        are meant to be the same API, and the module arm is the one the code names."""
        value = strip(value)
        arms = _fallback_arms(value)
        if arms:
            found = {self.required(arm) for arm in arms} - {("", "")}
            return found.pop() if len(found) == 1 else ("", "")
        member = ""
        if value.type == "member_expression":
            prop = value.child_by_field_name("property")
            obj = value.child_by_field_name("object")
            if prop is None or obj is None:
                return "", ""
            member, value = text(self.data, prop), strip(obj)
        if value.type != "call_expression":
            return "", ""
        fn, args = value.child_by_field_name("function"), value.child_by_field_name("arguments")
        if fn is None or args is None:
            return "", ""
        first = args.named_children[0] if args.named_children else None
        literal = unquote(self.data, first) if first is not None else None
        if not literal:
            return "", ""
        if text(self.data, fn) not in ("require", "import") and not self._bundle_require(
            fn, literal
        ):
            return "", ""
        return module_name(literal), member

    def _bundle_require(self, fn: Node, literal: str) -> bool:
        """A bundle's own ``require`` handed to each module (``function(e,t,r){var
        n=r("https")}``): a parameter called with the name of a Node built-in module."""
        if fn.type != "identifier" or literal.removeprefix("node:") not in NODE_BUILTINS:
            return False
        name = text(self.data, fn)
        scope = enclosing_function(fn)
        while scope is not None:  # syntactic: the scope tables are being built from this
            if any(text(self.data, p) == name for p in parameters(scope)):
                return True
            scope = enclosing_function(scope)
        return False

    def _imports(self, out: dict[str, list[Binding]], scope: Node, node: Node) -> None:
        source = node.child_by_field_name("source")
        literal = unquote(self.data, source) if source is not None else None
        if not literal:
            return
        module = module_name(literal)
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":  # default import: the module itself
                    b = Binding(text(self.data, part), scope, "import", None, module)
                    out.setdefault(b.name, []).append(b)
                elif part.type == "namespace_import":
                    for ident in part.named_children:
                        b = Binding(text(self.data, ident), scope, "import", None, module)
                        out.setdefault(b.name, []).append(b)
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        if spec.type != "import_specifier":
                            continue
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias") or name
                        if name is None or alias is None:
                            continue
                        member = text(self.data, name).strip("\"'")
                        b = Binding(text(self.data, alias), scope, "import", None, module, member)
                        out.setdefault(b.name, []).append(b)

    def _names(
        self, pattern: Node, member: str = "", depth: int = 0
    ) -> list[tuple[str, str, Node | None]]:
        """``(name, member taken, default value)`` for each name a pattern binds."""
        kind = pattern.type
        if depth > 20:
            return []
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            name = text(self.data, pattern)
            return [(name, member or (name if kind != "identifier" else ""), None)]
        if kind in ("required_parameter", "optional_parameter"):
            inner = pattern.child_by_field_name("pattern")
            default = pattern.child_by_field_name("value")
            found = self._names(inner, member, depth + 1) if inner is not None else []
            return [(n, m, default) for n, m, _d in found]
        if kind in ("assignment_pattern", "object_assignment_pattern"):
            left, right = pattern.child_by_field_name("left"), pattern.child_by_field_name("right")
            found = self._names(left, member, depth + 1) if left is not None else []
            return [(n, m, d or right) for n, m, d in found]
        if kind == "pair_pattern":
            key, value = pattern.child_by_field_name("key"), pattern.child_by_field_name("value")
            if key is None or value is None:
                return []
            return self._names(value, text(self.data, key).strip("\"'"), depth + 1)
        if kind in ("object_pattern", "array_pattern", "rest_pattern"):
            return [
                n for child in pattern.named_children for n in self._names(child, member, depth + 1)
            ]
        return []

    def occurrences(self, b: Binding, pattern: re.Pattern[bytes] | None = None) -> list[Node]:
        """Identifiers in the binding's scope that refer to it (bounded); with ``pattern``, only
        those where it matches (group ``name`` or ``into`` is the identifier)."""
        scope = b.scope
        if scope.end_byte - scope.start_byte > MAX_SCAN:
            return []
        if pattern is None:
            return self._referring(b, word_starts(self.data, b.name, *_span(scope)))
        found = pattern.finditer(self.data, scope.start_byte, scope.end_byte)
        return self._referring(
            b, [m.start("name") if m.group("name") else m.start("into") for m in found]
        )

    def _referring(self, b: Binding, starts: list[int]) -> list[Node]:
        """The identifiers at ``starts`` that refer to ``b``, the first MAX_OCCURRENCES."""
        size = len(b.name.encode())
        out: list[Node] = []
        for start in starts:
            node = self.root.descendant_for_byte_range(start, start + size)
            if node is None or node.type not in ("identifier", "shorthand_property_identifier"):
                continue
            if self.binding(node) is b:
                out.append(node)
            if len(out) >= MAX_OCCURRENCES:
                break
        return out

    def writes(self, b: Binding) -> list[Node]:
        """Values written into the name after its declaration (assignments, pushes, files)."""
        key = id(b)
        got = self._writes.get(key)
        if got is None:
            # ``occurrences(b, _writing(b.name))``, without compiling a pattern per name.
            written: list[Node] = []
            if b.scope.end_byte - b.scope.start_byte <= MAX_SCAN:
                written = self._referring(b, write_sites(self.data, b.name, *_span(b.scope)))
            got = self._writes[key] = [v for n in written for v in self._written(n)]
        return got

    def _written(self, ident: Node) -> list[Node]:
        parent = ident.parent
        if parent is None:
            return []
        kind = parent.type
        if kind in ("assignment_expression", "augmented_assignment_expression"):
            right = parent.child_by_field_name("right")
            if parent.child_by_field_name("left") == ident and right is not None:
                return [right]
            return []
        if kind in ("member_expression", "subscript_expression"):
            if parent.child_by_field_name("object") != ident:
                return []
            up = parent.parent
            if up is None:
                return []
            if up.type == "assignment_expression" and up.child_by_field_name("left") == parent:
                right = up.child_by_field_name("right")
                return [right] if right is not None else []
            prop = parent.child_by_field_name("property")
            if (
                up.type == "call_expression"
                and prop is not None
                and text(self.data, prop) in MUTATORS
            ):
                args = up.child_by_field_name("arguments")
                return list(args.named_children) if args is not None else []
            return []
        if kind == "arguments":
            call = parent.parent
            fn = call.child_by_field_name("function") if call is not None else None
            if fn is None or call is None:
                return []
            name = text(self.data, fn).rsplit(".", 1)[-1]
            given: list[Node] = parent.named_children
            if name in FILE_WRITES and given and given[0] == ident and len(given) > 1:
                return [call, given[1]]
            if name == "assign" and given and given[0] == ident:
                return given[1:]
            if name == "createWriteStream" and given and given[0] == ident:
                return [call, *self._piped_into(call)]
        return []

    def _piped_into(self, stream: Node) -> list[Node]:
        """What is piped into a write stream: ``pipeline(src, …, ws)`` or ``src.pipe(ws)``, also
        through the variable it is kept in (``out = createWriteStream(f); res.pipe(out)``, and
        ``out.write(chunk)``)."""
        parent = stream.parent
        if parent is not None and parent.type == "variable_declarator":
            ident = parent.child_by_field_name("name")
            b = self.binding(ident) if ident is not None and ident.type == "identifier" else None
            out: list[Node] = []
            for occ in self.occurrences(b) if b is not None else []:
                if occ == ident:
                    continue
                up = occ.parent
                if (
                    up is not None
                    and up.type == "member_expression"
                    and up.child_by_field_name("object") == occ
                    and (prop := up.child_by_field_name("property")) is not None
                    and text(self.data, prop) in ("write", "end")
                    and up.parent is not None
                    and up.parent.type == "call_expression"
                ):
                    args = up.parent.child_by_field_name("arguments")
                    out += list(args.named_children[:1]) if args is not None else []
                elif up is not None and up.type != "variable_declarator":
                    # (a declaration again - `var out` twice, `var b = out` - is no pipe;
                    # following it would recurse without end)
                    out += self._piped_into(occ)
            return out
        holder = stream.parent
        if holder is None or holder.type != "arguments":
            return []
        call = holder.parent
        fn = call.child_by_field_name("function") if call is not None else None
        if fn is None:
            return []
        name = text(self.data, fn).rsplit(".", 1)[-1]
        if name == "pipeline":
            return [a for a in holder.named_children if a != stream]
        if name == "pipe" and fn.type == "member_expression":
            obj = fn.child_by_field_name("object")
            return [obj] if obj is not None else []
        return []


def _made_here(value: Node | None) -> bool:
    """Whether a value is an instance or object literal made in the file, or falls back to
    one (``p || new C()``)."""
    if value is None:
        return False
    value = strip(value)
    if value.type == "await_expression" and value.named_children:
        value = strip(value.named_children[0])
    if value.type in ("new_expression", "object"):
        return True
    if value.type == "binary_expression":
        op = value.child_by_field_name("operator")
        right = value.child_by_field_name("right")
        if op is not None and op.type in ("||", "??") and right is not None:
            return _made_here(right)
    return False


def _lexical_block(b: Binding) -> Node | None:
    """The inner block a ``const``/``let`` is declared in (``None``: a ``var``, a name of the
    function's own body or the program, or no initializer to find the declaration by)."""
    if b.kind != "var" or b.value is None:
        return None
    decl = b.value.parent
    statement = decl.parent if decl is not None else None
    block = statement.parent if statement is not None else None
    if (
        decl is None
        or decl.type != "variable_declarator"
        or statement is None
        or statement.type != "lexical_declaration"
        or block is None
        or block.type != "statement_block"
        or block.parent is None
        or block.parent.type in FUNCTIONS
        or block.parent.type == "class_static_block"
    ):
        return None
    return block


def _in_block(ident: Node, b: Binding) -> bool:
    """Whether an identifier lies where a loop variable is visible: inside its ``for`` when
    it is declared with ``const``/``let`` (minified code reuses one-letter names)."""
    loop = b.value.parent if b.value is not None else None
    if loop is None or loop.type != "for_in_statement":
        return True
    kind = loop.child_by_field_name("kind")
    if kind is None or kind.type not in ("const", "let"):
        return True
    return loop.start_byte <= ident.start_byte < loop.end_byte


def _in_catch(ident: Node, b: Binding) -> bool:
    """Whether an identifier lies in the ``catch`` clause that binds ``b``."""
    clause = b.value.parent if b.value is not None else None
    return clause is None or clause.start_byte <= ident.start_byte < clause.end_byte


def _in_loop(ident: Node, b: Binding) -> bool:
    """Whether an identifier lies in the ``for`` that declares ``b`` with ``const``/``let``,
    where ``b`` shadows a name of the function around it."""
    loop = b.value.parent if b.value is not None else None
    kind = loop.child_by_field_name("kind") if loop is not None else None
    return (
        loop is not None
        and loop.type == "for_in_statement"
        and kind is not None
        and kind.type in ("const", "let")
        and loop.start_byte <= ident.start_byte < loop.end_byte
    )


_MEMBER_CHARS = frozenset(
    bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$."
)


def this_members(data: bytes, inside: Node, name: str) -> list[Node]:
    """``this.<name>`` member expressions in the class body around ``inside`` (found by a byte
    search, so a large class costs no walk)."""
    cls = inside.parent
    while cls is not None and cls.type not in ("class_body", "program"):
        cls = cls.parent
    if cls is None or cls.type != "class_body":
        return []
    needle = f"this.{name}".encode()
    out: list[Node] = []
    at = data.find(needle, cls.start_byte, cls.end_byte)
    while at != -1 and len(out) < 200:
        end = at + len(needle)
        if data[end : end + 1] not in _MEMBER_CHARS or data[end : end + 1] == b".":
            node = cls.descendant_for_byte_range(at, end)
            while node is not None and node.type != "member_expression":
                node = node.parent if node.end_byte <= end else None
            if node is not None and (node.start_byte, node.end_byte) == (at, end):
                out.append(node)
        at = data.find(needle, end, cls.end_byte)
    return out
