"""JavaScript sinks for the data flow: requests (direct, aliased, handles, DNS, clients, image
pixels), code runners, exits, file writes and process starts, each with the expressions that reach
it in each role (see :mod:`agentxray.analyze.facts.jsflow`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.facts.common import FILE_READ_CALLS, NETWORK_COMMANDS
from agentxray.analyze.facts.jsscope import (
    FUNCTIONS,
    Binding,
    JsScopes,
    enclosing_function,
    module_name,
    strip,
    text,
    this_members,
    unquote,
)
from agentxray.analyze.facts.jsvalues import JsValues
from agentxray.analyze.js.nodes import prefiltered_finditer
from agentxray.model import Fact, FactKind, Location

logger = logging.getLogger(__name__)

EXEC_NAMES = frozenset(
    {"spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork", "execa"}
)

CODE_NAMES = frozenset({"eval", "Function", "runInNewContext", "runInThisContext", "runInContext"})

CODE_NAMES_MODULE = frozenset({"compileFunction", "Script", "SourceTextModule"})

EXIT_CALLS = frozenset({"process.exit", "process.abort", "process.kill"})

FILE_OPS = {
    # name: (index of the file replaced, index of what is put there or -1)
    "writeFile": (0, 1),
    "writeFileSync": (0, 1),
    "createWriteStream": (0, -1),
    "rename": (1, 0),
    "renameSync": (1, 0),
    "copyFile": (1, 0),
    "copyFileSync": (1, 0),
    "cp": (1, 0),
    "cpSync": (1, 0),
    "symlink": (1, 0),
    "symlinkSync": (1, 0),
}

COPIES = frozenset({"copyFile", "copyFileSync", "cp", "cpSync"})
"""File copies: what they copy is read."""

HTTP_MODULES = frozenset({"http", "https"})

CLIENT_MODULES = frozenset({"axios", "got", "ky", "node-fetch", "undici", "superagent", "needle"})

SOCKET_MODULES = frozenset(
    {
        "ws",
        "isomorphic-ws",
        "socket.io-client",
        "reconnecting-websocket",
        # Server-sent event streams: what the server pushes arrives in their handlers.
        "eventsource",
        "reconnecting-eventsource",
    }
)

CLIENT_FACTORIES = frozenset({"create", "extend"})
"""Client calls that make a configured instance (``axios.create``, ``got.extend``)."""

CLIENT_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "request"})

SOCKET_MAKERS = frozenset({"connect", "createConnection", "Socket", "createSocket"})
"""``net``/``tls``/``dgram`` calls that open a socket (``dgram.createSocket("udp4")``)."""

HANDLE_SENDS = frozenset({"write", "end", "send"})

DESTINATION_KEYS = frozenset({"host", "hostname", "path", "port", "url", "baseURL", "protocol"})

_SENT_KEY = re.compile(rb"[{,]\s*[\"']?(body|json|form|payload)[\"']?\s*:")
"""An options object's key that sends what it holds (the candidates of a request's shape)."""
_SENT_WORD = re.compile(rb"body|json|form|payload")
_SPACE = frozenset(b" \t\n\r\f\v")  # what \s matches in a bytes pattern


def sent_keys(data: bytes) -> Iterator[re.Match[bytes]]:
    """The matches of ``_SENT_KEY.finditer(data)``, found from their key word: a pattern led by
    a character class makes ``re`` try every byte (0.12 s on an 18 MB bundle); the words are
    found by one vectorised search and the match is tried at the ``{``/``,`` before each. A
    match holds no ``{`` or ``,`` but its first byte, so matches never overlap and each is
    found from its own word."""
    for word in prefiltered_finditer(_SENT_WORD, data):
        at = word.start() - 1
        if at >= 0 and data[at] in b"\"'":
            at -= 1
        while at >= 0 and data[at] in _SPACE:
            at -= 1
        if at >= 0 and data[at] in b"{,":
            m = _SENT_KEY.match(data, at)
            if m is not None and m.start(1) == word.start():
                yield m


MAX_SHAPED = 200
"""Request-shaped calls taken from one file, at most."""

PAYLOAD_KEYS = frozenset(
    {"body", "data", "json", "form", "searchParams", "query", "qs", "params", "payload"}
)


DNS_QUERIES = re.compile(
    r"^(lookup|lookupService|reverse|resolve(4|6|Any|Caa|Cname|Mx|Naptr|Ns|Ptr|Soa|Srv|Txt)?)$"
)

_URL_HEAD = re.compile(rb"(?!file:|node:)[a-z][a-z0-9+.-]*:")
"""The start of a specifier that names a URL, not a file of the package."""

_WORDISH = frozenset(
    bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$."
)


@dataclass
class Sink:
    """A fact that copies attach to, and the expressions that reach it in each role."""

    fact: Fact
    roles: list[tuple[str, Node]]
    inside: Node | None = None
    """The function the sink sits in (helpers: its parameters reach the sink)."""


class JsSinks:
    """Finds the sinks of one file and adds the facts they imply."""

    def __init__(self, vpath: str, data: bytes, root: Node, facts: list[Fact]) -> None:
        self.vpath = vpath
        self.data = data
        self.root = root
        self.facts = facts
        self.scopes = JsScopes(data, root)
        self.values = JsValues(vpath, data, self.scopes, ())
        self.imports = {
            f.value.removeprefix("node:").split("/")[0] for f in facts if f.kind == "import"
        }

    def _fact(
        self, kind: FactKind, value: str, node: Node, detail: str = "", at: Node | None = None
    ) -> Fact:
        where = at or node
        row, col = where.start_point
        scope = enclosing_function(node)
        fact = Fact(
            kind,
            value[:2000],
            Location(self.vpath, line=row + 1, column=col + 1, offset=where.start_byte),
            detail[:200],
            f"fn@{scope.start_byte}" if scope is not None else "",
            (node.start_byte, node.end_byte),
        )
        self.facts.append(fact)
        self.values.add_source(fact)
        return fact

    def _node(self, fact: Fact) -> Node | None:
        if fact.span is None:
            return None
        got = self.root.descendant_for_byte_range(fact.span[0], fact.span[1])
        while got is not None and (got.start_byte, got.end_byte) != fact.span:
            if got.start_byte < fact.span[0] or got.end_byte > fact.span[1]:
                return None
            got = got.parent
        return got

    def _aliased_reads(self) -> None:
        """File reads through imported names: ``import {readFile as r} from "fs/promises"``;
        a copy reads its source too (a credential store copied aside, then read)."""
        have = {f.span for f in self.facts if f.kind == "file_read"}
        for call, name in self._module_calls(frozenset({"fs"})):
            last = name.rsplit(".", 1)[-1]
            if (last not in FILE_READ_CALLS and last not in COPIES) or not args_of(call):
                continue
            if (call.start_byte, call.end_byte) in have:
                continue
            have.add((call.start_byte, call.end_byte))
            self._fact("file_read", text(self.data, args_of(call)[0]), call, name)

    def _execs(self, calls: list[Fact]) -> list[Sink]:
        out: list[Sink] = []
        for f in calls:
            name = f.value.rsplit(".", 1)[-1]
            if name not in EXEC_NAMES:
                continue
            call = self._node(f)
            if call is None or call.type != "call_expression":
                continue
            fn = call.child_by_field_name("function")
            canonical = self.values.canonical(fn) if fn is not None else None
            if canonical is not None and canonical != name:  # imported, or a module member
                if not canonical.startswith(("child_process", "execa")):
                    continue
            elif name in ("exec", "fork"):
                continue  # RegExp.prototype.exec, cluster.fork…
            out += self._exec_sinks(call, f)
        return out

    def _exec_sinks(self, call: Node, existing: Fact | None = None) -> list[Sink]:
        """An ``exec`` fact for a command line with a known word (its command role attaches to
        the call fact when nothing is known), and a request for ``git push``, ``curl``…"""
        command = self.values.command(call)
        at = _callee_at(call)
        inside = enclosing_function(call)
        known = any(word != "*" for word in command.split())
        fact = self._fact("exec", command, call, at=at) if known or existing is None else existing
        sinks = [Sink(fact, [("command", a) for a in self._command_args(call)], inside)]
        if sends(command):
            request = self._fact("network_request", command, call, command, at=at)
            roles = []
            for a in args_of(call):
                words = self.tool_roles(a) if _DOWNLOADERS.match(command) else None
                roles += words if words is not None else [("payload", a)]
            roles += [("payload", a) for a in self._stdin_writes(call)]
            sinks.append(Sink(request, roles, inside))
        return sinks

    def tool_roles(self, argv: Node) -> list[tuple[str, Node]] | None:
        """Roles of the words of a ``curl``/``wget`` argument list written as an array: a
        bare word is a URL (its query the payload), the values of ``-d``, ``-F``, ``-H``,
        ``-T``, ``--data…`` are sent, those of ``-o``, ``-w``, ``-X``… stay local, anything
        else (a spread list, a computed word) may be sent. None when ``argv`` is no array."""
        argv = strip(argv)
        if argv.type != "array":
            return None
        roles: list[tuple[str, Node]] = []
        after = ""
        for word in argv.named_children[:64]:
            spelled = self.values.string(word) if word.type != "spread_element" else None
            if after:
                if after in _SENT_OPTIONS:
                    roles.append(("header" if after in ("-H", "--header") else "payload", word))
                after = ""
                continue
            if spelled is not None and spelled.startswith("-"):
                flag = spelled.split("=", 1)[0]
                if "=" in spelled or (len(flag) > 2 and not flag.startswith("--")):
                    if flag in _SENT_OPTIONS or flag[:2] in _SENT_OPTIONS:
                        roles.append(("payload", word))  # -dx=1, --data=@file
                elif flag in _SENT_OPTIONS or flag in _LOCAL_OPTIONS:
                    after = flag
                continue
            computed = spelled is None and word.type not in _URL_SHAPES
            if word.type == "spread_element" or computed:
                roles.append(("payload", word))
                continue
            roles += self._url_roles(word)
        return roles

    def _command_args(self, call: Node) -> list[Node]:
        """The arguments of a process start that make its command: all of them but the ``env``
        of an options object (``spawn(process.execPath, argv, {env: {...process.env, V:
        version}})``): variables handed to the child are its data, not what runs."""
        out: list[Node] = []
        for arg in args_of(call):
            if arg.type != "object":
                out.append(arg)
                continue
            for member in arg.named_children:
                key = member.child_by_field_name("key") if member.type == "pair" else member
                name = text(self.data, key).strip("\"'") if key is not None else ""
                if name == "env" and member.type in ("pair", "shorthand_property_identifier"):
                    continue
                value = member.child_by_field_name("value") if member.type == "pair" else None
                out.append(value if value is not None else member)
        return out

    def _stdin_writes(self, call: Node) -> list[Node]:
        """What is written to a started process's standard input (``p.stdin.write(x)``,
        ``spawn(…).stdin.end(x)``): ``curl --data-binary @-`` sends it."""
        out: list[Node] = []
        for use in self._handle_uses(call)[:50]:
            prop = use.child_by_field_name("property")
            up = use.parent
            if prop is None or up is None or text(self.data, prop) != "stdin":
                continue
            if up.type != "member_expression" or up.child_by_field_name("object") != use:
                continue
            method = up.child_by_field_name("property")
            sent = up.parent
            if method is None or sent is None or sent.type != "call_expression":
                continue
            if text(self.data, method) in HANDLE_SENDS:
                out += [a for a in args_of(sent) if strip(a).type not in FUNCTIONS]
        return out

    def _exec_aliases(self, done: set[tuple[int, int] | None]) -> list[Sink]:
        """Calls through top-level aliases: ``e = promisify(execFile)``; ``e("security", …)``."""
        if "child_process" not in self.imports:
            return []
        out: list[Sink] = []
        for bindings in self.scopes.table(self.root).values():
            for b in bindings:
                if b.kind == "import" and b.module != "child_process":
                    continue
                if b.kind == "var":
                    value = strip(b.value) if b.value is not None else None
                    if value is None or value.type != "call_expression":
                        continue
                    if value.end_byte - value.start_byte > 300:
                        continue
                elif b.kind != "import":
                    continue
                if b.kind == "var" and b.value is not None:
                    name = self.values.canonical(b.value)
                else:
                    name = f"{b.module}.{b.member}" if b.member else b.module
                if not name or not name.startswith("child_process."):
                    continue
                if name.rsplit(".", 1)[-1] not in EXEC_NAMES:
                    continue
                for occ in self.scopes.occurrences(b):
                    call = occ.parent
                    if call is None or call.type != "call_expression":
                        continue
                    if call.child_by_field_name("function") != occ:
                        continue
                    if (call.start_byte, call.end_byte) in done:
                        continue
                    done.add((call.start_byte, call.end_byte))
                    out += self._exec_sinks(call)
        return out

    def _request_roles(self, name: str, call: Node) -> list[tuple[str, Node]]:
        args = args_of(call)
        roles: list[tuple[str, Node]] = []
        if not args:
            return roles
        if name == "sendBeacon":
            roles += self._url_roles(args[0])
            roles += [("payload", a) for a in args[1:]]
            return roles
        first = strip(args[0])
        if first.type == "object":
            roles += self._option_roles(first)
        else:
            roles += self._url_roles(first)
        for extra in args[1:]:
            if strip(extra).type not in FUNCTIONS:
                roles += self._option_roles(extra)
        return roles

    def _url_roles(self, node: Node, depth: int = 0) -> list[tuple[str, Node]]:
        """A URL expression: what precedes ``?`` is the destination, the query is payload."""
        node = strip(node)
        if node.type == "new_expression" and depth < 3:
            made = node.child_by_field_name("constructor")
            if made is not None and text(self.data, made) == "Request":
                # fetch(new Request(url, {method, body})): the request object's own roles
                return self._request_roles("fetch", node)
        if node.type == "identifier" and depth < 3:
            b = self.scopes.binding(node)
            if b is not None and b.kind == "var" and b.value is not None:
                value = strip(b.value)
                made = value.child_by_field_name("constructor")
                if made is not None and text(self.data, made) == "Request":
                    return self._url_roles(value, depth + 1)
                asked = [r for r in self._url_roles(b.value, depth + 1) if r[0] == "payload"]
                return [("destination", node), *asked]
        parts: list[Node] = []
        if node.type == "template_string":
            parts = list(node.named_children)
        elif node.type == "binary_expression":
            parts = _concatenated(self.data, node)
        if not parts:
            return [("destination", node)]
        roles: list[tuple[str, Node]] = [("destination", node)]
        query = False
        for part in parts:
            if part.type in ("string_fragment", "string"):
                query = query or "?" in text(self.data, part)
                continue
            inner = part.named_children[0] if part.type == "template_substitution" else part
            if inner is not None and query:
                roles.append(("payload", inner))
        return _dedupe(roles)

    def _option_roles(self, node: Node) -> list[tuple[str, Node]]:
        node = strip(node)
        if node.type != "object":
            return [("payload", node)]
        roles: list[tuple[str, Node]] = []
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                if key is None or value is None:
                    continue
                name = text(self.data, key).strip("\"'")
                if name == "headers":
                    roles.append(("header", value))
                elif name in DESTINATION_KEYS:
                    roles += self._url_roles(value)
                elif name in PAYLOAD_KEYS:
                    roles.append(("payload", value))
            elif child.type in ("spread_element", "shorthand_property_identifier"):
                roles.append(("payload", child))
        return roles

    def _requests(self) -> list[Sink]:
        out: list[Sink] = []
        for f in [f for f in self.facts if f.kind == "network_request"]:
            call = self._node(f)
            if call is None or call.type not in ("call_expression", "new_expression"):
                continue
            name = f.value.rsplit(".", 1)[-1].removeprefix("new ")
            out.append(Sink(f, self._request_roles(name, call), enclosing_function(call)))
        return out

    def _aliased_requests(self, calls: list[Fact]) -> list[Sink]:
        """``a.request(…)``/``a.get(…)`` when ``a = require("https")``."""
        out: list[Sink] = []
        have = {f.span for f in self.facts if f.kind == "network_request"}
        for f in calls:
            name = f.value.rsplit(".", 1)[-1]
            if name not in ("request", "get") or f.span in have:
                continue
            call = self._node(f)
            fn = call.child_by_field_name("function") if call is not None else None
            if call is None or fn is None:
                continue
            canonical = self.values.canonical(fn) or ""
            if canonical.split(".", 1)[0] not in HTTP_MODULES:
                continue
            fact = self._fact("network_request", canonical, call, f.detail)
            have.add(fact.span)
            out.append(Sink(fact, self._request_roles(name, call), enclosing_function(call)))
        for call, name in self._module_calls(HTTP_MODULES):
            if (call.start_byte, call.end_byte) in have:
                continue
            if name.rsplit(".", 1)[-1] not in ("get", "request"):
                continue
            fact = self._fact("network_request", name, call, first_text(self.data, call))
            have.add(fact.span)
            out.append(Sink(fact, self._request_roles("request", call), enclosing_function(call)))
        return out

    def _dns(self) -> list[Sink]:
        """DNS queries: the name asked for carries data to whoever serves the zone (also
        through aliases: ``R = promisify(dns.resolve4)``)."""
        out: list[Sink] = []
        calls = self._module_calls(frozenset({"dns"}))
        if "dns" in self.imports:
            calls += self._alias_calls("dns.")
        for call, name in calls:
            if name.rsplit(".", 1)[-1] == "Resolver":
                # new dns.promises.Resolver(opts): its instance asks too (r.resolveTxt(name))
                for use in self._handle_uses(call):
                    prop, sent = use.child_by_field_name("property"), use.parent
                    if prop is None or sent is None or sent.type != "call_expression":
                        continue
                    if DNS_QUERIES.match(text(self.data, prop)):
                        out.append(self._dns_sink(f"{name}().{text(self.data, prop)}", sent))
                continue
            if not DNS_QUERIES.match(name.rsplit(".", 1)[-1]):
                continue
            out.append(self._dns_sink(name, call))
        return out

    def _dns_sink(self, name: str, call: Node) -> Sink:
        """A DNS query: the name asked for is both where it goes and what it carries."""
        fact = self._fact("network_request", name, call, first_text(self.data, call))
        args = args_of(call)
        roles = [("payload", args[0]), ("destination", args[0])] if args else []
        return Sink(fact, roles, enclosing_function(call))

    def _alias_calls(self, prefix: str) -> list[tuple[Node, str]]:
        """Calls through top-level variables bound to a module's function (``R =
        promisify(d.resolve4)``, ``q = d.resolve.bind(d)``), with the canonical name."""
        out: list[tuple[Node, str]] = []
        for bindings in self.scopes.table(self.root).values():
            for b in bindings:
                value = strip(b.value) if b.kind == "var" and b.value is not None else None
                if value is None or value.type not in ("call_expression", "member_expression"):
                    continue
                if value.end_byte - value.start_byte > 300:
                    continue
                name = self.values.canonical(value) or ""
                if not name.startswith(prefix):
                    continue
                for occ in self.scopes.occurrences(b):
                    call = occ.parent
                    if (
                        call is not None
                        and call.type == "call_expression"
                        and call.child_by_field_name("function") == occ
                    ):
                        out.append((call, name))
        return out

    def _module_calls(self, modules: frozenset[str]) -> list[tuple[Node, str]]:
        """Calls and ``new`` of what an import of one of ``modules`` binds, with the canonical
        callee: ``(h.request(…), "https.request")``, ``(d.resolve4(…), "dns.promises.resolve4")``."""
        out = self._inline_module_calls(modules)
        for b, base in self._module_bindings(modules):
            for occ in self.scopes.occurrences(b):
                name, cur = base, occ
                for _ in range(3):
                    parent = cur.parent
                    if parent is None:
                        break
                    if parent.type == "await_expression" and _awaited_callee(parent):
                        cur, parent = parent, parent.parent  # TypeScript: (await a.b)<T>(x)
                        assert parent is not None
                    if parent.type in ("call_expression", "new_expression"):
                        fn = parent.child_by_field_name("function")
                        fn = fn or parent.child_by_field_name("constructor")
                        if fn == cur:
                            out.append((parent, name))
                        break
                    if parent.type == "subscript_expression":  # d["res" + "olve4"](…)
                        index = parent.child_by_field_name("index")
                        key = self.values.constant(index) if index is not None else None
                        if parent.child_by_field_name("object") != cur or not isinstance(key, str):
                            break
                        name, cur = f"{name}.{key}", parent
                        continue
                    if parent.type != "member_expression":
                        break
                    prop = parent.child_by_field_name("property")
                    if parent.child_by_field_name("object") != cur or prop is None:
                        break
                    name, cur = f"{name}.{text(self.data, prop)}", parent
        return out

    def _inline_module_calls(self, modules: frozenset[str]) -> list[tuple[Node, str]]:
        """Calls of a member of a module required where it is used, bound to no name:
        ``require("net").connect(port, host)``, ``(await import("tls")).connect(o)``."""
        out: list[tuple[Node, str]] = []
        for f in self.facts:
            if f.kind != "import" or module_name(f.value).split(".", 1)[0] not in modules:
                continue
            node = self._node(f)
            if node is None or node.type not in ("call_expression", "await_expression"):
                continue
            cur, name = node, module_name(f.value)
            while cur.parent is not None and cur.parent.type in (
                "parenthesized_expression",
                "await_expression",
            ):
                cur = cur.parent
            member = cur.parent
            prop = member.child_by_field_name("property") if member is not None else None
            call = member.parent if member is not None else None
            if (
                member is None
                or prop is None
                or call is None
                or member.type != "member_expression"
                or member.child_by_field_name("object") != cur
                or call.type not in ("call_expression", "new_expression")
            ):
                continue
            callee = call.child_by_field_name("function") or call.child_by_field_name("constructor")
            if callee == member:
                out.append((call, f"{name}.{text(self.data, prop)}"))
        return out

    def _module_bindings(self, modules: frozenset[str]) -> list[tuple[Binding, str]]:
        """Names bound to one of ``modules`` (or a member of it), from the file's imports."""
        out: list[tuple[Binding, str]] = []
        for f in self.facts:
            if f.kind != "import":
                continue
            module = module_name(f.value)
            package = f.value.removeprefix("node:").split("/", 1)[0]
            if module.split(".", 1)[0] not in modules and package not in modules:
                continue  # (a package with a dot in its name: socket.io-client)
            node = self._node(f)
            if node is None:
                continue
            if node.type == "import_statement":
                for ident in _pattern_names(node):
                    b = self.scopes.binding(ident)
                    if b is not None:
                        out.append((b, f"{b.module}.{b.member}" if b.member else b.module))
                continue
            member, cur = "", node
            parent = cur.parent
            while parent is not None and parent.type in (
                "member_expression",
                "parenthesized_expression",
                "await_expression",
                "arguments",
                "call_expression",
            ):
                if parent.type == "member_expression":
                    prop = parent.child_by_field_name("property")
                    if parent.child_by_field_name("object") != cur or prop is None:
                        break
                    member = f"{member}.{text(self.data, prop)}"
                elif parent.type == "arguments" and len(parent.named_children) != 1:
                    break
                cur, parent = parent, parent.parent
            while parent is not None and _fallback_of(parent, cur):
                cur, parent = parent, parent.parent  # X || require("m"), c ? X : require("m")
            target: Node | None = None
            if parent is not None and parent.type == "variable_declarator":
                target = parent.child_by_field_name("name")
            elif parent is not None and parent.type == "assignment_expression":
                target = parent.child_by_field_name("left")
            if target is None:
                continue
            for ident in _pattern_names(target):
                b = self.scopes.binding(ident)
                if b is not None and b.kind == "import":
                    out.append((b, f"{b.module}.{b.member}" if b.member else b.module))
                elif b is not None:
                    out.append((b, module + member))
        return out

    def _images(self) -> list[Sink]:
        """``img.src = url`` on a new ``Image`` or ``<img>``: a request to that URL."""
        out: list[Sink] = []
        for at in _finds(
            self.data, (b"new Image", b'createElement("img")', b"createElement('img')")
        ):
            node = self.root.descendant_for_byte_range(at, at + 3)
            while node is not None and node.type not in ("new_expression", "call_expression"):
                node = node.parent
            if node is None:
                continue
            for target in self._handle_uses(node):
                up = target.parent
                prop = target.child_by_field_name("property")
                if (
                    up is None
                    or prop is None
                    or text(self.data, prop) != "src"
                    or up.type != "assignment_expression"
                    or up.child_by_field_name("left") != target
                ):
                    continue
                right = up.child_by_field_name("right")
                if right is None:
                    continue
                fact = self._fact("network_request", "Image.src", up, text(self.data, right))
                roles = [("payload", right), *self._url_roles(right)]
                out.append(Sink(fact, roles, enclosing_function(up)))
        return out

    def _shaped_requests(self) -> list[Sink]:
        """Calls shaped like a request whatever the callee is called: an absolute http(s) URL
        and an options object that sends something (``this.http(URL, {method: "POST", body})``
        where ``this.http`` holds undici's ``request`` handed in by a caller, a client kept in
        a variable or injected). The name of the function is not evidence; the shape is."""
        have = {f.span for f in self.facts if f.kind == "network_request"}
        out: list[Sink] = []
        for at in sent_keys(self.data):
            pair = self.root.descendant_for_byte_range(at.start(1), at.end(1))
            while pair is not None and pair.type not in ("pair", "program"):
                pair = pair.parent
            options = pair.parent if pair is not None and pair.type == "pair" else None
            args = options.parent if options is not None else None
            call = args.parent if args is not None and args.type == "arguments" else None
            if call is None or call.type not in ("call_expression", "new_expression"):
                continue
            span = (call.start_byte, call.end_byte)
            given = args_of(call)
            if span in have or len(given) < 2 or strip(given[-1]) != options:
                continue
            if not _absolute_url(self.values.constant(given[0])):
                continue
            have.add(span)
            callee = call.child_by_field_name("function") or call.child_by_field_name("constructor")
            name = text(self.data, callee)[:80] if callee is not None else "?"
            fact = self._fact("network_request", name, call, first_text(self.data, call))
            roles = self._url_roles(given[0]) + self._option_roles(options)
            out.append(Sink(fact, roles, enclosing_function(call)))
            if len(out) >= MAX_SHAPED:
                break
        return out

    def _clients(self) -> list[Sink]:
        """Calls of an HTTP or WebSocket client library: ``axios.post(url, data)``,
        ``got(url, opts)``, ``new WS(url)``."""
        out: list[Sink] = []
        for call, name in self._module_calls(CLIENT_MODULES | SOCKET_MODULES):
            method = name.rsplit(".", 1)[-1] if "." in name else ""
            roles = self._client_roles(method, call)
            fact = self._fact("network_request", name, call, first_text(self.data, call))
            out.append(Sink(fact, roles, enclosing_function(call)))
            if method not in CLIENT_FACTORIES:
                continue
            # An instance: api = axios.create({baseURL}); api.post("/x", data).
            base = [r for r in roles if r[0] in ("destination", "header")]
            for use in self._handle_uses(call):
                prop = use.child_by_field_name("property")
                sent = use.parent
                if prop is None or sent is None or sent.type != "call_expression":
                    continue
                verb = text(self.data, prop)
                if verb not in CLIENT_VERBS:
                    continue
                value = f"{name}().{verb}"
                made = self._fact("network_request", value, sent, first_text(self.data, sent))
                roles = self._client_roles(verb, sent) + base
                out.append(Sink(made, roles, enclosing_function(sent)))
        return out

    def _client_roles(self, method: str, call: Node) -> list[tuple[str, Node]]:
        """Roles of a client call's arguments: ``(url, data, options)`` for post/put/patch,
        ``(url, options)`` or ``(options)`` otherwise."""
        args = args_of(call)
        roles: list[tuple[str, Node]] = []
        if args:
            first = strip(args[0])
            roles += self._option_roles(first) if first.type == "object" else self._url_roles(first)
            rest = args[1:]
            if method in ("post", "put", "patch") and rest:
                roles.append(("payload", rest[0]))
                rest = rest[1:]
            roles += [r for a in rest for r in self._option_roles(a)]
        return roles

    def _handles(self, sinks: list[Sink]) -> list[Sink]:
        """``req.write(x)``, ``req.end(x)``, ``ws.send(x)`` on a request, socket or WebSocket."""
        out: list[Sink] = []
        creators = [s for s in sinks if s.fact.kind == "network_request"]
        for call, name in self._module_calls(frozenset({"net", "tls", "dgram", "http2"})):
            if name.rsplit(".", 1)[-1] in SOCKET_MAKERS:
                fact = self._fact("network_request", name, call, first_text(self.data, call))
                creators.append(Sink(fact, [("destination", a) for a in args_of(call)]))
        made = {id(s) for s in sinks}
        for creator in creators:
            node = self._node(creator.fact)
            if node is None or node.type not in ("call_expression", "new_expression"):
                continue
            destination = [r for r in creator.roles if r[0] == "destination"]
            # A stream piped into the request or socket is what it sends:
            # src.pipe(gzip).pipe(req), pipeline(src, gzip, req, cb).
            piped = [("payload", n) for n in self.scopes._piped_into(node)[:20] if not _written(n)]
            if piped:
                creator.roles += piped
                if id(creator) not in made:
                    made.add(id(creator))
                    out.append(creator)
            for use in self._handle_uses(node):
                prop = use.child_by_field_name("property")
                sent = use.parent
                if prop is None or sent is None or sent.type != "call_expression":
                    continue
                method = text(self.data, prop)
                if method == "open" and args_of(sent)[1:]:
                    creator.roles += self._url_roles(args_of(sent)[1])
                    continue
                if method == "request" and creator.fact.value.startswith("http2."):
                    # an HTTP/2 session's stream: client.request(headers), then req.end(body)
                    value = f"{creator.fact.value}.request"
                    fact = self._fact("network_request", value, sent, first_text(self.data, sent))
                    roles = [("header", a) for a in args_of(sent)[:1]]
                    creators.append(Sink(fact, roles + destination, enclosing_function(sent)))
                    out.append(creators[-1])
                    continue
                if method not in HANDLE_SENDS or not args_of(sent):
                    continue
                value = f"{creator.fact.value}.{method}"
                fact = self._fact("network_request", value, sent, first_text(self.data, sent))
                roles = [("payload", a) for a in args_of(sent) if strip(a).type not in FUNCTIONS]
                out.append(Sink(fact, roles + destination, enclosing_function(sent)))
        return out

    def _call_sites(self, fn: Node) -> list[Node]:
        """Calls of a local function (the data flow finds them; none without it)."""
        return []

    def _handle_uses(self, creation: Node, depth: int = 0) -> list[Node]:
        """Member expressions on what a creating call returns: ``x.send`` for ``x = new W()``,
        ``new Image().src``; also on what the calls of a function that returns the handle
        return (``_socket() { return this.s || (this.s = dgram.createSocket("udp4")) }``,
        then ``this._socket().send(b)``)."""
        uses = self._direct_uses(creation)
        if depth < 2:
            fn = enclosing_function(creation)
            if _small(fn) and fn is not None and self._returns_handle(fn, creation):
                for site in self._call_sites(fn)[:100]:
                    uses += self._handle_uses(site, depth + 1)
            promise = self._resolved_with(creation) if _small(fn) else None
            fn = enclosing_function(promise) if promise is not None else None
            if (
                promise is not None
                and _small(fn)
                and fn is not None
                and self._returns_handle(fn, promise)
            ):
                for site in self._call_sites(fn)[:100]:
                    uses += self._handle_uses(site, depth + 1)
        return uses

    def _resolved_with(self, creation: Node) -> Node | None:
        """The ``new Promise(…)`` whose executor resolves with the handle ``creation`` makes
        (``new Promise((ok) => { const s = net.connect(p, h, () => ok(s)); })``)."""
        kept = _kept_as(creation)
        executor = enclosing_function(creation)
        for _ in range(3):
            if executor is None:
                return None
            holder = executor.parent
            made = holder.parent if holder is not None and holder.type == "arguments" else None
            callee = made.child_by_field_name("constructor") if made is not None else None
            if made is not None and callee is not None and text(self.data, callee) == "Promise":
                break
            executor = enclosing_function(executor)
        else:
            return None
        params = executor.child_by_field_name("parameters")
        first = params.named_children[0] if params is not None and params.named_children else None
        if first is None and executor.child_by_field_name("parameter") is not None:
            first = executor.child_by_field_name("parameter")  # ok => …
        if first is None or first.type not in ("identifier", "required_parameter"):
            return None
        name = text(self.data, first.child_by_field_name("pattern") or first)
        needle = f"{name}(".encode()
        at = self.data.find(needle, executor.start_byte, executor.end_byte)
        while at != -1:
            node = self.root.descendant_for_byte_range(at, at + len(name))
            call = node.parent if node is not None else None
            given = args_of(call) if call is not None and call.type == "call_expression" else []
            if call is not None and call.child_by_field_name("function") == node and given:
                arg = strip(given[0])
                if arg.id == creation.id or (kept is not None and text(self.data, arg) == kept):
                    return made
            at = self.data.find(needle, at + len(needle))
        return None

    def _returns_handle(self, fn: Node, creation: Node) -> bool:
        """Whether ``fn`` returns the handle ``creation`` makes, or the variable or field it is
        kept in (through ``||``, ``??``, ternaries and comma sequences)."""
        held = {creation.id}
        kept = _kept_as(creation)
        body = fn.child_by_field_name("body")
        if body is None:
            return False
        returned: list[Node] = []
        if body.type != "statement_block":
            returned.append(body)
        stack = list(body.named_children) if body.type == "statement_block" else []
        while stack:
            node = stack.pop()
            if node.type in FUNCTIONS or node.type == "class_declaration":
                continue
            if node.type == "return_statement":
                returned += node.named_children[:1]
                continue
            stack.extend(node.named_children)
        while returned:
            node = strip(returned.pop())
            if node.id in held or (kept is not None and text(self.data, node) == kept):
                return True
            if node.type == "sequence_expression" and node.named_children:
                returned.append(node.named_children[-1])
            elif node.type == "ternary_expression":
                returned += [
                    n
                    for n in (
                        node.child_by_field_name("consequence"),
                        node.child_by_field_name("alternative"),
                    )
                    if n is not None
                ]
            elif _defaulting(node) or node.type == "assignment_expression":
                right = node.child_by_field_name("right")
                left = node.child_by_field_name("left")
                returned += [n for n in (left, right) if n is not None]
        return False

    def _direct_uses(self, creation: Node) -> list[Node]:
        parent = creation.parent
        if parent is not None and parent.type == "member_expression":
            return [parent]
        # A handle made once and kept is one too: ``sock = sock || dgram.createSocket("udp4")``,
        # ``ws ??= new WebSocket(u)``, ``c = ready ? c : net.connect(p)``.
        while parent is not None and (
            parent.type in ("await_expression", "parenthesized_expression", "ternary_expression")
            or _defaulting(parent)
        ):
            parent = parent.parent
        ident: Node | None = None
        if parent is not None and parent.type == "variable_declarator":
            ident = parent.child_by_field_name("name")
        elif parent is not None and parent.type in (
            "assignment_expression",
            "augmented_assignment_expression",
        ):
            ident = parent.child_by_field_name("left")
        if ident is not None and ident.type == "member_expression":
            return self._field_uses(ident)
        if ident is None or ident.type != "identifier":
            return []
        b = self.scopes.binding(ident)
        if b is None:
            return []
        uses = []
        for occ in self.scopes.occurrences(b):
            up = occ.parent
            if (
                up is not None
                and up.type == "member_expression"
                and up.child_by_field_name("object") == occ
            ):
                uses.append(up)
        return uses

    def _field_uses(self, field: Node) -> list[Node]:
        """Member expressions on an instance field a creation is stored in: ``this.sock.send``
        anywhere in the class for ``this.sock = new WebSocket(u)``."""
        obj, prop = field.child_by_field_name("object"), field.child_by_field_name("property")
        if obj is None or prop is None or obj.type != "this":
            return []
        uses: list[Node] = []
        for node in this_members(self.data, field, text(self.data, prop)):
            up = node.parent
            if (
                node != field
                and up is not None
                and up.type == "member_expression"
                and up.child_by_field_name("object") == node
            ):
                uses.append(up)
        return uses

    def _codes(self, calls: list[Fact]) -> list[Sink]:
        """``eval``/``new Function``/``vm.run*``/``import(expr)``: the code they run."""
        out: list[Sink] = []
        for f in calls:
            name = f.value.rsplit(".", 1)[-1].removeprefix("new ")
            if name not in CODE_NAMES and name not in CODE_NAMES_MODULE:
                continue
            call = self._node(f)
            if call is None:
                continue
            args = args_of(call)
            if name in ("runInContext", "runInNewContext", "runInThisContext", "compileFunction"):
                args = args[:1]
            out.append(Sink(f, [("code", a) for a in args], enclosing_function(call)))
        for at in _finds(self.data, (b"import(",)):
            if at and self.data[at - 1 : at] in _WORDISH:
                continue
            node = self.root.named_descendant_for_byte_range(at, at + 6)
            call = node.parent if node is not None else None
            if call is None or call.type != "call_expression":
                continue
            if node is not None and call.child_by_field_name("function") != node:
                continue
            # A literal specifier is an import fact's; one that starts with a URL scheme and goes
            # on computed (import("data:text/javascript," + code)) loads what it is built from;
            # a computed local path (import(`./locales/${lang}.js`)) loads a shipped module.
            spec = args_of(call)
            if spec and self.data[spec[0].start_byte : spec[0].start_byte + 1] in b"\"'`":
                head = self.data[spec[0].start_byte + 1 : spec[0].start_byte + 40]
                if unquote(self.data, spec[0]) is not None or not _URL_HEAD.match(head):
                    continue
            fact = self._fact("call", "import", call, first_text(self.data, call))
            out.append(Sink(fact, [("code", a) for a in args_of(call)], enclosing_function(call)))
        for at in _finds(self.data, (b"require(",)):
            # require() of a computed path loads whatever file that path names as code.
            after = self.data[at + 8 : at + 9]
            if after in (b'"', b"'", b")") or (at and self.data[at - 1 : at] in _WORDISH):
                continue
            node = self.root.named_descendant_for_byte_range(at, at + 7)
            call = node.parent if node is not None else None
            if call is None or call.type != "call_expression" or node is None:
                continue
            args = args_of(call)
            if call.child_by_field_name("function") != node or len(args) != 1:
                continue
            if unquote(self.data, args[0]) is not None:
                continue
            fact = self._fact("call", "require", call, first_text(self.data, call), at=node)
            out.append(Sink(fact, [("code", args[0])], enclosing_function(call)))
        for at in _finds(self.data, (b",eval)(", b", eval)(")):
            node = self.root.descendant_for_byte_range(at + 1, at + 2)
            while node is not None and node.type != "call_expression":
                node = node.parent
            if node is None or any(f.span == (node.start_byte, node.end_byte) for f in calls):
                continue
            fact = self._fact("call", "eval", node, first_text(self.data, node))
            out.append(Sink(fact, [("code", a) for a in args_of(node)], enclosing_function(node)))
        return out

    def _exits(self, calls: list[Fact]) -> list[Sink]:
        """``process.exit()``: the conditions that decide whether it runs."""
        out: list[Sink] = []
        for f in calls:
            if f.value.rsplit(".", 1)[-1] not in ("exit", "abort", "kill"):
                continue
            call = self._node(f)
            fn = call.child_by_field_name("function") if call is not None else None
            if call is None or fn is None or self.values.canonical(fn) not in EXIT_CALLS:
                continue
            roles = [("condition", c) for c in conditions(self.data, call)]
            if roles:
                out.append(Sink(f, roles, enclosing_function(call)))
        return out

    def _file_ops(self, calls: list[Fact]) -> list[Sink]:
        out: list[Sink] = []
        for f in calls:
            name = f.value.rsplit(".", 1)[-1]
            spec = FILE_OPS.get(name)
            call = self._node(f) if spec is not None else None
            if spec is None or call is None:
                continue
            args = args_of(call)
            roles: list[tuple[str, Node]] = []
            literal = self.values.string(args[spec[0]]) if spec[0] < len(args) else None
            if literal and name in ("writeFile", "writeFileSync", "createWriteStream"):
                self.values.files.setdefault(literal, []).append(call)
            if spec[0] < len(args):
                roles.append(("target", args[spec[0]]))
            if 0 <= spec[1] < len(args):
                roles.append(("content", args[spec[1]]))
            if name == "createWriteStream":
                roles += [("content", n) for n in self.scopes._piped_into(call)]
            out.append(Sink(f, roles, enclosing_function(call)))
        return out


def conditions(data: bytes, node: Node) -> list[Node]:
    """The tests that decide whether ``node`` runs, up to its function."""
    out: list[Node] = []
    cur = node
    while cur.parent is not None and cur.type not in FUNCTIONS:
        parent = cur.parent
        kind = parent.type
        if kind in ("if_statement", "ternary_expression"):
            cond = parent.child_by_field_name("condition")
            if cond is not None and cond != cur:
                out.append(cond)
        elif kind == "else_clause" and parent.parent is not None:
            cond = parent.parent.child_by_field_name("condition")
            if cond is not None:
                out.append(cond)
        elif kind == "binary_expression" and parent.child_by_field_name("right") == cur:
            op = parent.child_by_field_name("operator")
            left = parent.child_by_field_name("left")
            if op is not None and left is not None and op.type in ("&&", "||"):
                out.append(left)
        cur = parent
    return out


def _callee_at(call: Node) -> Node:
    """Where a call's fact is located: the callee's name (``spawn`` in ``cp.spawn(…)``)."""
    fn = call.child_by_field_name("function")
    if fn is not None and fn.type == "member_expression":
        prop = fn.child_by_field_name("property")
        return prop if prop is not None else fn
    return fn if fn is not None else call


_SHELL_WRAP = re.compile(
    r"^(?:\S*[/\\])?(?:(?:ba|z|da|a)?sh(?:\s+-\w+)*\s+-\w*c|cmd(?:\.exe)?\s+/[cCkK]"
    r"|(?:powershell|pwsh)(?:\.exe)?(?:\s+-\w+)*\s+-(?:c|command|Command))\s+[\"']?"
)
"""A shell that runs the command line it is given (``sh -c "…"``, ``cmd /c``, ``pwsh -c``)."""
_TOOL_DIR = re.compile(r"^(?:env\s+(?:\w+=\S*\s+)*)?(?:\S*/(?=\w))?")
"""A command's directory (``/usr/bin/curl``) or an ``env X=1`` prefix."""
MORE_NETWORK_COMMANDS = re.compile(
    r"^(ssh|sftp|ftp|tftp|socat|telnet|openssl\s+s_client|aws\s+s3\s+(cp|mv|sync)"
    r"|gsutil\s+(-m\s+)?(cp|mv|rsync)|rclone\s+(copy|copyto|sync|move)"
    r"|Invoke-(WebRequest|RestMethod)|iwr|irm)\b"
)
"""Other command lines that carry data to a host (uploads, remote shells, raw sockets)."""


_DOWNLOADERS = re.compile(r"^(curl|wget)\b")
_URL_SHAPES = frozenset({"template_string", "binary_expression", "identifier"})
_SENT_OPTIONS = frozenset(
    {
        "-d",
        "--data",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "--json",
        "-F",
        "--form",
        "--form-string",
        "-H",
        "--header",
        "-T",
        "--upload-file",
        "-u",
        "--user",
        "-A",
        "--user-agent",
        "-e",
        "--referer",
        "-b",
        "--cookie",
        "--post-data",
        "--post-file",
        "--body-data",
        "--body-file",
    }
)
"""Options of ``curl``/``wget`` whose value goes to the server."""
_LOCAL_OPTIONS = frozenset(
    {
        "-o",
        "--output",
        "--output-document",
        "-w",
        "--write-out",
        "-X",
        "--request",
        "-m",
        "--max-time",
        "--connect-timeout",
        "--retry",
        "-K",
        "--config",
        "-P",
        "--directory-prefix",
        "--tries",
        "--timeout",
        "--max-redirs",
        "-r",
        "--range",
        "--cacert",
        "--cert",
        "--key",
        "-E",
        "-c",
        "--cookie-jar",
        "-D",
        "--dump-header",
    }
)
"""Options whose value stays on the machine (where the answer is written, how long to wait)."""


def sends(command: str) -> bool:
    """Whether a command line sends its arguments over the network: a network tool, also
    behind a directory, ``env`` or a shell that runs it (``sh -c "curl -d @- …"``)."""
    for _ in range(3):
        command = _TOOL_DIR.sub("", command.lstrip())
        if NETWORK_COMMANDS.match(command) or MORE_NETWORK_COMMANDS.match(command):
            return True
        unwrapped = _SHELL_WRAP.sub("", command)
        if unwrapped == command:
            return False
        command = unwrapped
    return False


MAX_HANDLE_FUNCTION = 20_000
"""Bytes of a function looked at for a handle it returns (not a bundle's module wrapper)."""


def _small(fn: Node | None) -> bool:
    return fn is not None and fn.end_byte - fn.start_byte <= MAX_HANDLE_FUNCTION


def _written(arg: Node) -> bool:
    """Whether an argument is given to a ``write``/``end`` call (a handle's own send)."""
    holder = arg.parent
    call = holder.parent if holder is not None and holder.type == "arguments" else None
    fn = call.child_by_field_name("function") if call is not None else None
    prop = fn.child_by_field_name("property") if fn is not None else None
    return prop is not None and prop.text in (b"write", b"end")


def _kept_as(creation: Node) -> str | None:
    """The text of the variable or ``this`` field a creation is assigned to, if any."""
    parent = creation.parent
    while parent is not None and (
        parent.type in ("await_expression", "parenthesized_expression", "ternary_expression")
        or _defaulting(parent)
    ):
        parent = parent.parent
    target: Node | None = None
    if parent is not None and parent.type == "variable_declarator":
        target = parent.child_by_field_name("name")
    elif parent is not None and parent.type in (
        "assignment_expression",
        "augmented_assignment_expression",
    ):
        target = parent.child_by_field_name("left")
    if target is None or target.type not in ("identifier", "member_expression"):
        return None
    return target.text.decode("utf-8", "replace") if target.text is not None else None


def _defaulting(node: Node) -> bool:
    """``a || b`` / ``a ?? b``: the value is one of its operands."""
    if node.type != "binary_expression":
        return False
    op = node.child_by_field_name("operator")
    return op is not None and op.type in ("||", "??")


def _finds(data: bytes, needles: tuple[bytes, ...]) -> list[int]:
    """Offsets of every occurrence of the needles (``bytes.find`` beats a regex on 18 MB)."""
    out: list[int] = []
    for needle in needles:
        at = data.find(needle)
        while at != -1 and len(out) < 10_000:
            out.append(at)
            at = data.find(needle, at + 1)
    return sorted(out)


def _fallback_of(parent: Node, arm: Node) -> bool:
    """``arm`` is an alternative of ``parent`` (``c ? a : b``, ``a || b``, ``a ?? b``), so a
    name bound to ``parent`` may hold it."""
    if parent.type == "ternary_expression":
        return arm != parent.child_by_field_name("condition")
    if parent.type in ("binary_expression", "parenthesized_expression"):
        op = parent.child_by_field_name("operator")
        return parent.type == "parenthesized_expression" or (
            op is not None and op.type in ("||", "??")
        )
    return False


def _pattern_names(node: Node) -> list[Node]:
    """Identifiers a declaration pattern or an import statement binds."""
    out: list[Node] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type in ("identifier", "shorthand_property_identifier_pattern"):
            parent = cur.parent
            if parent is not None and parent.type == "import_specifier":
                alias = parent.child_by_field_name("alias")
                if alias is not None and alias != cur:
                    continue
            out.append(cur)
        elif cur.type == "pair_pattern":
            value = cur.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif cur.type in ("string", "property_identifier"):
            continue
        else:
            stack.extend(cur.named_children)
    return out


def _awaited_callee(node: Node) -> bool:
    """Whether an ``await`` is a call's callee, as TypeScript parses ``await a.b<T>(x)``."""
    up = node.parent
    return (
        up is not None
        and up.type == "call_expression"
        and up.child_by_field_name("function") == node
        and up.child_by_field_name("type_arguments") is not None
    )


def args_of(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return list(args.named_children) if args is not None else []


def first_text(data: bytes, call: Node) -> str:
    args = args_of(call)
    return text(data, args[0])[:200] if args else ""


def _concatenated(data: bytes, node: Node) -> list[Node]:
    """Operands of a ``+`` chain, left to right."""
    out: list[Node] = []
    stack = [node]
    while stack and len(out) < 200:
        cur = strip(stack.pop())
        op = cur.child_by_field_name("operator")
        if cur.type != "binary_expression" or op is None or text(data, op) != "+":
            out.append(cur)
            continue
        left, right = cur.child_by_field_name("left"), cur.child_by_field_name("right")
        stack += [side for side in (right, left) if side is not None]
    return out


def _dedupe(roles: list[tuple[str, Node]]) -> list[tuple[str, Node]]:
    seen: set[tuple[str, int]] = set()
    out = []
    for role, node in roles:
        if (role, node.id) not in seen:
            seen.add((role, node.id))
            out.append((role, node))
    return out


def _absolute_url(value: object) -> bool:
    """An absolute http(s) URL with a host (a folded constant)."""
    return isinstance(value, str) and re.match(r"https?://[\w.-]+\.\w", value) is not None
