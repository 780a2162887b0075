"""JavaScript data flow for the rules: which sources reach which sink, and in which role.

Runs after the prefilter's facts are collected. It adds the facts those imply (``exec`` command
lines, paths spelled out for file reads, requests made through aliases, request handles, DNS
queries, image pixels, local helpers that read files or make requests) and, for each sink, copies
of the source facts that reach it (see :data:`agentxray.rules.engine.FLOW`): a request's
destination, payload and headers; the code given to ``eval``; the conditions that gate an exit;
the target and content of a file write; a process's command line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from itertools import islice

from tree_sitter import Node

from agentxray.analyze.facts.common import (
    NETWORK_COMMANDS,
    SECRET_FRAGMENT,
    SECRET_NAMES,
    STANDARD_HEADERS,
    STRING_ROLES,
    VERSIONISH,
)
from agentxray.analyze.facts.jsscope import (
    FUNCTIONS,
    MAX_DISPATCH_BYTES,
    Binding,
    enclosing_function,
    parameters,
    strip,
    text,
    this_members,
)
from agentxray.analyze.facts.jssinks import (
    CLIENT_MODULES,
    CLIENT_VERBS,
    COPIES,
    EXIT_CALLS,
    FILE_OPS,
    SOCKET_MODULES,
    JsSinks,
    Sink,
    args_of,
    conditions,
    first_text,
)
from agentxray.analyze.facts.jsvalues import (
    OWN_SCRIPT,
    RESPONSE_META,
    Visit,
    module_table,
    returned,
)
from agentxray.analyze.js.nodes import prefiltered_finditer
from agentxray.model import Fact, Location
from agentxray.rules.engine import FLOW

logger = logging.getLogger(__name__)


MAX_FILTER_FUNCTION = 4000
MAX_MODULES = 2000
"""Modules of a bundle's module table searched for the calls of one exported function."""
MAX_PICKED = 64
"""Names of a list that a computed environment key is read from, at most."""
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")
"""An environment variable's name as programs spell their own (upper case)."""
RUNS = frozenset({"code", "command"})
MAX_NAME_HITS = 400
"""Occurrences of an exported name looked at for the importers' uses of it."""
_EVAL_OPTION = re.compile(r"\beval\s*:\s*(?:true|!0)")
_WORKER_SENDS = re.compile(
    r"\b(?:fetch\s*\(|https?\.(?:request|get)\s*\(|net\.connect\s*\(|"
    r"new\s+WebSocket\s*\(|\.(?:request|post|put)\s*\()"
)
"""Code a worker made from source text runs that sends a request."""
_DOWNLOADER = re.compile(r"^(curl|wget)\b")
_PROCESS_VALUE = re.compile(rb"\}\s*=\s*(?P<p>process)(?![\w$.\[])")
"""``} = process`` not followed by a member: a destructuring of the process object."""
HANDED_ON = RUNS | {"condition"}
"""Roles a helper's parameter hands on to each call of it: the code or command it runs, the
value it tests before exiting (``apply(cfg)`` doing ``cfg.revoked && process.exit(1)``)."""
"""Roles of a sink that run what reaches them."""

_PATTERN_TEST = re.compile(r"\.(test|match|search|exec)\(")
#: The head of a module in a bundle's module table: ``417:(t,e,r)=>`` or ``12: function (module,
#: exports, require)``; group 1 is the module's require (the key is checked on the tree).
_MODULE_HEAD = re.compile(  # (starts at the colon: a scan of 21 MB takes 0.13 s, not 0.65 s)
    rb":\s*(?:function\s*[\w$]*\s*)?\(\s*[\w$]+\s*,\s*[\w$]+\s*,\s*([\w$]+)\s*\)"
)
WRITE_FLAGS = re.compile(r"^[wa][xs]?$")
"""``fs.open`` flags that only write (``"a"``, ``"w"``, ``"wx"``; not ``"r"`` nor ``"a+"``)."""
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.")

WRITES = frozenset({"writeFile", "writeFileSync", "createWriteStream"})
LISTINGS = frozenset({"readdir", "readdirSync", "opendir", "opendirSync", "glob", "globSync"})
"""Calls that list a directory."""
EXTRACTS = re.compile(r"^\S*\b(tar\s+(-?[a-wyzA-Z]*x\S*|--extract)|bsdtar\s+-\S*x\S*|unzip)(\s|$)")
"""Command lines that unpack an archive into a directory."""
"""File writes whose target then holds what was written."""

OWN_LOCATIONS = frozenset(
    {"process.execPath", "process.argv0", "__dirname", "__filename", *OWN_SCRIPT}
)
"""Where the running program lives: a write whose target derives from these replaces it."""


class JsFlow(JsSinks):
    """Adds implied facts and flow copies to one file's facts."""

    def __init__(self, vpath: str, data: bytes, root: Node, facts: list[Fact]) -> None:
        super().__init__(vpath, data, root, facts)
        self._projected: set[tuple[object, ...]] = set()
        self._param_roles: dict[tuple[int, int], set[str]] = {}
        self._sinks_done: set[int] = set()
        self._helpers_done: set[int] = set()
        self._new_sites: dict[str, list[int]] = {}
        """By class name: where ``new <name>`` ends in the file."""
        self._chaining: dict[tuple[int, int], set[str]] = {}
        """By class body (its bytes): the methods that return ``this``."""
        self._run_params: dict[int, set[int]] = {}
        self._exported_as: dict[int, set[str]] | None = None
        """By node id: the names the bundle's modules export it under (``_module_uses``)."""
        """By sink: functions whose parameters reach a role that runs (a handler's caller)."""
        self._returning: dict[int, bool] = {}
        """By function node id: whether what it returns carries a request's response."""

    def run(self) -> None:
        """Add implied facts, then the copies of what reaches each sink."""
        calls = [f for f in self.facts if f.kind == "call"]
        self._aliased_reads()
        self._form_uploads()
        self._resolve_paths()
        self._secret_filters()
        self._secret_picks()
        self._process_env_patterns()
        self._bundle_imports()
        self._write_opens()
        for f in list(self.facts):
            self.values.add_source(f)
        self._copies()
        self._dir_writes(calls)
        sinks: list[Sink] = []
        sinks += self._execs(calls)
        sinks += self._exec_aliases({s.fact.span for s in sinks})
        sinks += self._requests()
        sinks += self._aliased_requests(calls)
        sinks += self._dns()
        sinks += self._images()
        sinks += self._clients()
        sinks += self._kept_clients()
        sinks += self._worker_sends()
        sinks += self._shaped_requests()
        sinks += self._handles(sinks)
        sinks += self._codes(calls)
        sinks += self._exits(calls)
        sinks += self._handler_exits(calls)
        sinks += self._exit_codes()
        sinks += self._file_ops(calls)
        self._file_helpers()
        self._listing_helpers(calls)
        for _round in range(2):
            sinks += self._helpers([s for s in sinks if s.fact.kind == "network_request"])
        self._downloads([s for s in sinks if s.fact.kind == "call"])
        self._extractions([s for s in sinks if s.fact.kind == "exec"])
        # Deeper hand-offs (a write or a run two helpers away, through kept callbacks) in
        # files of the size member dispatch serves: in a bundle they cost time and say little.
        deeper = 2 if len(self.data) <= MAX_DISPATCH_BYTES else 0
        lifted = self._write_helpers([s for s in sinks if s.fact.kind == "call"]) if deeper else []
        for _round in range(deeper):  # a write two helpers deep: install(file) -> step.run(file)
            sinks += lifted
            lifted = self._write_helpers(lifted)
        sinks += lifted
        lifted = self._runner_helpers(sinks)
        for _round in range(deeper):  # a helper's caller may itself hand on what it is given
            sinks += lifted
            lifted = self._runner_helpers(lifted)
        sinks += lifted
        sinks += self._command_helper_requests([s for s in sinks if s.fact.kind == "exec"])
        for sink in sinks:
            self._project_sink(sink)
        self._gates([s for s in sinks if s.fact.kind == "network_request"])
        self._flag_lookups([s for s in sinks if s.fact.kind == "network_request"])

    def _project_sink(self, sink: Sink) -> None:
        """Copy what reaches each role of a sink onto it (once per sink)."""
        if id(sink) in self._sinks_done:
            return
        self._sinks_done.add(id(sink))
        target: set[Fact] | None = None
        for role, node in sorted(sink.roles, key=lambda r: r[0] == "content"):
            if role == "content" and not any(_own_location(f) for f in target or ()):
                continue  # what a write puts in place matters only where it replaces the program
            visit = Visit()
            labels = self.values.labels(node, visit)
            if role == "target":
                target = (target or set()) | labels
                labels.add(self._spelled(node))
            self._project(sink.fact, role, labels)
            for fn_start, index in visit.params:
                self._param_roles.setdefault((fn_start, index), set()).add(role)
                if role in HANDED_ON:
                    self._run_params.setdefault(id(sink), set()).add(fn_start)

    def _kept_clients(self) -> list[Sink]:
        """A client library kept in an instance field or handed in as a parameter's default
        (``constructor({ http = got } = {}) { this.http = http }``, ``this.http = opts.http ||
        axios``, ``function loader(http = axios)``): calls of the holder (``this.http(u)``) and
        of its verbs (``http.get(u)``) are requests; the injection point does not hide the
        client."""
        out: list[Sink] = []
        have = {f.span for f in self.facts if f.kind == "network_request"}
        holders: dict[int, tuple[Node, str]] = {}
        for b, name in self._module_bindings(CLIENT_MODULES | SOCKET_MODULES)[:50]:
            for occ in self.scopes.occurrences(b)[:100]:
                for use in self._holder_uses(occ):
                    holders.setdefault(use.id, (use, name))
        for use, name in list(holders.values())[:400]:
            up = use.parent
            call, callee, verb = up, use, ""
            if up is not None and up.type == "member_expression":
                verb_node = up.child_by_field_name("property")
                verb = text(self.data, verb_node) if verb_node is not None else ""
                if up.child_by_field_name("object") != use or verb not in CLIENT_VERBS:
                    continue
                call, callee = up.parent, up
            if call is None or call.type != "call_expression":
                continue
            if call.child_by_field_name("function") != callee:
                continue
            if (call.start_byte, call.end_byte) in have:
                continue
            have.add((call.start_byte, call.end_byte))
            value = f"{name}.{verb}" if verb else name
            fact = self._fact("network_request", value, call, first_text(self.data, call))
            out.append(Sink(fact, self._client_roles(verb, call), enclosing_function(call)))
        return out

    def _worker_sends(self) -> list[Sink]:
        """``w.postMessage(data)`` to a ``worker_threads`` worker made from source text
        (``new Worker(SRC, { eval: true })``) whose code makes a request: the message is what
        that request carries, as if the file sent it itself."""
        out: list[Sink] = []
        at, looked = self.data.find(b".postMessage("), 0
        while at != -1 and len(out) < 20 and looked < 200:
            looked += 1
            end = at + len(b".postMessage")
            at = self.data.find(b".postMessage(", end)
            prop = self.root.descendant_for_byte_range(end - len("postMessage"), end)
            member = prop.parent if prop is not None else None
            call = member.parent if member is not None else None
            if member is None or call is None or member.type != "member_expression":
                continue
            if call.type != "call_expression" or call.child_by_field_name("function") != member:
                continue
            obj = member.child_by_field_name("object")
            args = args_of(call)
            if (
                obj is None
                or not args
                or not any(self._sending_worker(v) for v in self._held_values(strip(obj)))
            ):
                continue
            sent = first_text(self.data, call)
            fact = self._fact("network_request", "Worker.postMessage", call, sent)
            out.append(Sink(fact, [("payload", args[0])], enclosing_function(call)))
        return out

    def _held_values(self, node: Node) -> list[Node]:
        """What an identifier or ``this.<f>`` is given (its initial value and assignments)."""
        if node.type == "identifier":
            b = self.scopes.binding(node)
            if b is None or b.kind not in ("var", "loop"):
                return []
            return ([b.value] if b.value is not None else []) + self.scopes.writes(b)[:8]
        prop = node.child_by_field_name("property") if node.type == "member_expression" else None
        obj = node.child_by_field_name("object") if prop is not None else None
        if obj is not None and prop is not None and obj.type == "this":
            return self.values._this_values(node, text(self.data, prop))[:8]
        return [node]

    def _sending_worker(self, value: Node) -> bool:
        """Whether an expression makes (or falls back to making) a worker from source text
        that sends a request."""
        stack = [strip(value)]
        while stack:
            node = stack.pop()
            if node.type == "binary_expression":  # w || new Worker(…)
                stack.extend(strip(c) for c in node.named_children)
                continue
            if node.type != "new_expression":
                continue
            ctor = node.child_by_field_name("constructor")
            args = args_of(node)
            name = (self.values.canonical(ctor) or text(self.data, ctor)) if ctor else ""
            if name.rsplit(".", 1)[-1] != "Worker" or len(args) < 2:
                continue
            options = text(self.data, args[1])
            source = self.values.string(args[0]) or ""
            if _EVAL_OPTION.search(options) and _WORKER_SENDS.search(source):
                return True
        return False

    def _holder_uses(self, occ: Node, depth: int = 0) -> list[Node]:
        """Where a value is used after it is stored in a ``this.<f>`` field (every
        ``this.<f>`` of the class) or given as a parameter's default (every use of the
        parameter, and the fields that parameter is stored in), also as the fallback of
        ``||``/``??``."""
        cur = occ
        parent = cur.parent
        while parent is not None and (
            parent.type == "parenthesized_expression"
            or (
                parent.type == "binary_expression"
                and text(self.data, parent.child_by_field_name("operator") or parent)
                in ("||", "??")
            )
        ):
            cur, parent = parent, parent.parent
        if parent is None or depth > 2:
            return []
        if parent.type == "assignment_expression" and parent.child_by_field_name("right") == cur:
            left = parent.child_by_field_name("left")
            obj = left.child_by_field_name("object") if left is not None else None
            prop = left.child_by_field_name("property") if left is not None else None
            if left is None or obj is None or prop is None or obj.type != "this":
                return []
            return this_members(self.data, left, text(self.data, prop))
        if parent.type not in ("assignment_pattern", "object_assignment_pattern"):
            return []
        if parent.child_by_field_name("right") != cur:
            return []
        name = parent.child_by_field_name("left")
        b = self.scopes.binding(name) if name is not None else None
        if b is None or b.kind != "param":
            return []
        out: list[Node] = []
        for use in self.scopes.occurrences(b)[:50]:
            if use != name:
                out += [use, *self._holder_uses(use, depth + 1)]
        return out

    def _exit_codes(self) -> list[Sink]:
        """``process.exitCode = n`` followed by a throw or a return ends the program as
        ``process.exit(n)`` does: a ``member`` fact at the assignment, with the conditions that
        decide it (``if (this.gates.halt) throw ((process.exitCode = 3), new Error(…))``)."""
        out: list[Sink] = []
        at = self.data.find(b"process.exitCode")
        while at != -1 and len(out) < 50:
            node = self.root.descendant_for_byte_range(at, at + 16)
            at = self.data.find(b"process.exitCode", at + 16)
            while node is not None and node.type != "member_expression":
                node = node.parent
            up = node.parent if node is not None else None
            if node is None or up is None or up.type != "assignment_expression":
                continue
            if up.child_by_field_name("left") != node:
                continue
            if self.values.canonical(node) != "process.exitCode":
                continue
            roles = [("condition", c) for c in conditions(self.data, up)]
            if roles:
                fact = self._fact("member", "process.exitCode", up)
                out.append(Sink(fact, roles, enclosing_function(up)))
        return out

    def _handler_exits(self, calls: list[Fact]) -> list[Sink]:
        """An exit that a named message decides: ``es.addEventListener("halt", (ev) =>
        this._onHalt(ev))`` with ``_onHalt`` calling ``process.exit`` runs when the server
        sends ``halt``, however unconditional the exit looks where it stands. The handler's
        argument (or, without one, the object it listens on) is the exit's condition; it counts
        only where it carries a response or a socket's data (a child process's or the
        process's own events carry none), and lifecycle events (error, close…) and every-message
        events (message, data) are not the server's choice."""
        out: list[Sink] = []
        for f in calls:
            if f.value.rsplit(".", 1)[-1] not in ("exit", "abort", "kill"):
                continue
            call = self._node(f)
            callee = call.child_by_field_name("function") if call is not None else None
            if call is None or callee is None or self.values.canonical(callee) not in EXIT_CALLS:
                continue
            fn = enclosing_function(call)
            if fn is None:
                continue
            delivered = _delivered(self.data, fn)
            if delivered is None:
                for site in self._call_sites(fn)[:20]:
                    outer = enclosing_function(site)
                    delivered = _delivered(self.data, outer) if outer is not None else None
                    if delivered is not None:
                        break
            if delivered is not None:
                out.append(Sink(f, [("condition", delivered)], fn))
        return out

    def _downloads(self, sinks: list[Sink]) -> None:
        """A file written from a response: the variable holding its path carries the request
        and the write from then on, also through a helper's parameter (``save(url, file)``)."""
        for sink in sinks:
            if sink.fact.value.rsplit(".", 1)[-1] not in WRITES:
                continue
            targets = [n for role, n in sink.roles if role == "target"]
            contents = [n for role, n in sink.roles if role == "content"]
            if not targets or not contents:
                continue
            got: set[Fact] = set()
            for node in contents:
                got |= self.values.labels(node, Visit())
            requests = {f for f in got if f.kind == "network_request"}
            if not requests:
                continue
            target = strip(targets[0])
            b = self.scopes.binding(target) if target.type == "identifier" else None
            if b is None:
                continue
            carried = requests | {sink.fact}
            if b.kind != "param":
                self.values.carry(b, carried)
                continue
            for site in self._call_sites(b.scope):
                # What the helper returns or resolves with is the downloaded file, and so is
                # the variable its caller named the file in.
                here = self.values.by_span.setdefault((site.start_byte, site.end_byte), [])
                here += [f for f in carried if f not in here]
                args = args_of(site)
                arg = strip(args[b.index]) if b.index < len(args) else None
                outer = (
                    self.scopes.binding(arg)
                    if arg is not None and arg.type == "identifier"
                    else None
                )
                if outer is not None:
                    self.values.carry(outer, carried)

    def _form_uploads(self) -> None:
        """A curl form or data argument naming a file (``f0=@${p}``, ``--data-binary @${p}``)
        reads that file into the request: a ``file_read`` of the path ``p`` spells."""
        at = self.data.find(b"@${")
        seen = 0
        while at != -1 and seen < 50:
            seen += 1
            before = self.data[max(at - 1, 0) : at]
            node = self.root.descendant_for_byte_range(at + 1, at + 3)
            while node is not None and node.type != "template_substitution":
                node = node.parent if node.type != "template_string" else None
            template = node.parent if node is not None else None
            if (
                node is not None
                and template is not None
                and node.named_children
                and (before == b"=" or template.start_byte == at - 1)
                and (before == b"=" or _curl_word(self.data, template))
            ):
                spelled = self.values.path(node.named_children[0])
                if "/" in spelled.strip("*/"):
                    self._fact("file_read", spelled, template, "curl @file")
            at = self.data.find(b"@${", at + 3)
        self._upload_words()

    def _upload_words(self) -> None:
        """A curl upload option's file given as an expression (``"-T", authFile()``,
        ``"--data-binary", "@" + p``): curl reads it into the request."""
        seen = 0
        for word in (b'"-T"', b"'-T'", b'"--upload-file"', b"'--upload-file'", b'"@" +', b"'@' +"):
            at = self.data.find(word)
            while at != -1 and seen < 50:
                seen += 1
                node = self.root.named_descendant_for_byte_range(at, at + len(word) - 1)
                joined = word.endswith(b"+")
                while node is not None and node.type != (
                    "binary_expression" if joined else "string"
                ):
                    node = node.parent
                given: Node | None = None
                if node is not None and not joined:
                    if node.parent is not None and node.parent.type == "array":
                        given = node.next_named_sibling
                elif node is not None and _curl_word(self.data, node):
                    given = node.child_by_field_name("right")
                if given is not None:
                    spelled = self.values.path(given)
                    if "/" in spelled.strip("*/"):
                        self._fact("file_read", spelled, given, "curl upload")
                at = self.data.find(word, at + len(word))

    def _extractions(self, sinks: list[Sink]) -> None:
        """An archive unpacked by a command (``tar -xzf a.tgz -C dir``, ``unzip a.zip -d dir``):
        the destination directory's variable carries what the archive carries from then on."""
        for sink in sinks:
            if not EXTRACTS.match(sink.fact.value):
                continue
            call = self._node(sink.fact)
            while call is not None and call.type != "call_expression":
                call = call.parent
            args = args_of(call) if call is not None else []
            words = [
                strip(w)
                for a in args[1:2]
                if strip(a).type == "array"
                for w in strip(a).named_children
            ]
            dest: Node | None = None
            for i, word in enumerate(words[:-1]):
                if text(self.data, word).strip("\"'`") in ("-C", "-d", "--directory"):
                    dest = words[i + 1]
            b = (
                self.scopes.binding(dest)
                if dest is not None and dest.type == "identifier"
                else None
            )
            if b is None:
                continue
            carried: set[Fact] = set()
            for word in words:
                if word is not dest:
                    carried |= self.values.labels(word, Visit())
            carried = {f for f in carried if f.kind in ("network_request", "call")}
            if any(f.kind == "network_request" for f in carried):
                self.values.carry(b, carried)

    def _spelled(self, node: Node) -> Fact:
        """The path a target expression spells, as a ``string`` (``*/cli.js``)."""
        row, col = node.start_point
        loc = Location(self.vpath, line=row + 1, column=col + 1, offset=node.start_byte)
        return Fact("string", self.values.path(node), loc)

    def _project(self, sink: Fact, role: str, labels: Iterable[Fact]) -> None:
        for label in labels:
            if label is sink or (label.kind == "string" and role not in STRING_ROLES):
                continue
            key = (id(sink), role, label.kind, label.value, label.location.offset)
            if key in self._projected:
                continue
            self._projected.add(key)
            self.facts.append(
                Fact(label.kind, label.value, label.location, FLOW + role, sink.scope, sink.span)
            )

    def _resolve_paths(self) -> None:
        for i, f in enumerate(self.facts):
            if f.kind != "file_read":
                continue
            call = self._node(f)
            first = args_of(call)[0] if call is not None and args_of(call) else None
            if first is None:
                continue
            spelled = self.values.path(first)
            if spelled.strip("*/.") and spelled != f.value:
                self.facts[i] = Fact(f.kind, spelled, f.location, f.detail, f.scope, f.span)

    def _copies(self) -> None:
        """A file copied aside and read there (``copyFile(store, tmp)``; ``readFile(tmp)``):
        the read of the copy reads the original."""
        for f in [f for f in self.facts if f.kind == "file_read"]:
            if f.detail.rsplit(".", 1)[-1] not in COPIES:
                continue
            call = self._node(f)
            args = args_of(call) if call is not None else []
            dest = strip(args[1]) if len(args) > 1 else None
            b = (
                self.scopes.binding(dest)
                if dest is not None and dest.type == "identifier"
                else None
            )
            for occ in self.scopes.occurrences(b) if b is not None else []:
                holder = occ.parent
                read = holder.parent if holder is not None and holder.type == "arguments" else None
                if read is None or holder is None or holder.named_children[0] != occ:
                    continue
                span = (read.start_byte, read.end_byte)
                if any(g.kind == "file_read" for g in self.values.by_span.get(span, ())):
                    self.values.by_span[span].append(f)

    def _secret_filters(self) -> None:
        """The whole environment filtered by a secret-naming pattern in the same small function:
        an ``env_read`` whose value is the pattern (``/(KEY|TOKEN|SECRET)/i``)."""
        for f in [f for f in self.facts if f.kind == "env_read" and f.value == "*"]:
            node = self._node(f)
            fn = enclosing_function(node) if node is not None else None
            if node is None or fn is None or fn.end_byte - fn.start_byte > MAX_FILTER_FUNCTION:
                continue
            body = text(self.data, fn)
            if not SECRET_NAMES.search(body) and not _PATTERN_TEST.search(body):
                continue
            pattern = self._secret_pattern(fn)
            if pattern:
                self._fact("env_read", pattern, node)

    def _process_env_patterns(self) -> None:
        """``const { env } = process`` (also ``{ env: e }``, ``let {env, argv} = process``): the name
        bound holds the whole environment, as ``process.env`` would; an ``env_read`` of ``*``
        where the pattern takes it (the pattern's other names are not the environment)."""
        for m in _PROCESS_VALUE.finditer(self.data):
            node = self.root.descendant_for_byte_range(m.start("p"), m.end("p"))
            up = node.parent if node is not None else None
            if node is None or node.type != "identifier" or up is None:
                continue
            if up.type == "variable_declarator" and up.child_by_field_name("value") == node:
                pattern = up.child_by_field_name("name")
            elif up.type == "assignment_expression" and up.child_by_field_name("right") == node:
                pattern = up.child_by_field_name("left")
            else:
                continue
            if pattern is None or pattern.type != "object_pattern":
                continue
            for child in pattern.named_children:
                target: Node | None = None
                if child.type == "shorthand_property_identifier_pattern":
                    target = child if text(self.data, child) == "env" else None
                elif child.type == "pair_pattern":
                    key = child.child_by_field_name("key")
                    if key is not None and text(self.data, key).strip("\"'") == "env":
                        target = child.child_by_field_name("value")
                if target is not None:
                    self._fact("env_read", "*", node, at=target)

    def _secret_picks(self) -> None:
        """``process.env[name]`` where ``name`` takes the values of a list of variable names
        (a loop over it, an element read at a computed index, names decoded into a table):
        an ``env_read`` of the secret-named ones, ``{AWS_SECRET_ACCESS_KEY,GITHUB_TOKEN}``,
        when the list names two or more."""
        for f in [f for f in self.facts if f.kind == "env_read" and f.value.startswith("[")]:
            node = self._node(f)
            index = node.child_by_field_name("index") if node is not None else None
            if node is None or index is None:
                continue
            names = [self.values.string(e) for e in self._key_elements(index)[:MAX_PICKED]]
            secret = [
                n
                for n in dict.fromkeys(names)
                if n is not None and ENV_NAME.match(n) and SECRET_NAMES.search(n)
            ]
            if len(secret) >= 2:
                self._fact("env_read", "{" + ",".join(secret) + "}", node)

    def _key_elements(self, node: Node, depth: int = 0) -> list[Node]:
        """The elements of the list a computed key takes its values from."""
        node = strip(node)
        if depth > 3:
            return []
        if node.type == "subscript_expression":  # NAMES[i], [..][i] with a computed index
            obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            if obj is None or index is None or strip(index).type in ("string", "number"):
                return []
            return self.values._elements(obj)
        if node.type != "identifier":
            return []
        b = self.scopes.binding(node)
        if b is None:
            return []
        if b.kind == "var" and b.value is not None:
            return self._key_elements(b.value, depth + 1)
        return self.values.iterated(node)  # for (const k of NAMES), NAMES.forEach((k) => …)

    def _secret_pattern(self, fn: Node) -> str:
        stack = [fn]
        while stack:
            node = stack.pop()
            kind = node.type
            if kind == "regex":
                found = text(self.data, node)
            elif kind == "identifier":
                b = self.scopes.binding(node)
                value = strip(b.value) if b is not None and b.value is not None else None
                found = (
                    text(self.data, value) if value is not None and value.type == "regex" else ""
                )
            elif kind == "string":
                found = text(self.data, node)[1:-1]
                found = found if SECRET_FRAGMENT.match(found) else ""
            else:
                stack.extend(node.named_children)
                continue
            if found and SECRET_NAMES.search(found) and not _negated(node):
                return found if found.startswith("/") else f"/{re.escape(found)}/"
        return ""

    def _call_sites(self, fn: Node) -> list[Node]:
        """Calls of a local function, through the name it is declared or assigned to, and of
        a method or function-valued property the file defines once, on any receiver that is
        no module or global (``this.transport.send(b)``, ``n.h(v)``)."""
        sites = self._local_call_sites(fn)
        if fn.type != "method_definition":  # a function value kept in a parameter or field
            sites += self.values.held_calls(fn)
        sites += self._module_sites(fn)
        unique = list({s.id: s for s in reversed(sites)}.values())[::-1]  # first of each
        seen = {s.id for s in unique}
        return unique + [s for s in self._dispatch_sites(fn) if s.id not in seen]

    def _module_sites(self, fn: Node) -> list[Node]:
        """Calls of a function another module of the bundle exports, through the importer's
        names for it: ``send(x)`` with ``var { send } = require_net()``, ``net.send(x)``,
        ``(0, import_net.send)(x)`` (esbuild), ``n(12).send(x)`` (webpack)."""
        sites: list[Node] = []
        for use in self._module_uses(fn):
            callee, up = use, use.parent
            if (
                (  # (0, import_net.send)(x)
                    up is not None
                    and up.type == "sequence_expression"
                    and strip(up) != up
                    and up.parent is not None
                )
                or (  # `await (0, m.send)(x)` read by the grammar as a call of `await`
                    up is not None
                    and up.type == "arguments"
                    and up.parent is not None
                    and text(self.data, up.parent.child_by_field_name("function") or up) == "await"
                    and [c.type for c in up.named_children][:1] == ["number"]
                )
            ):
                callee, up = up.parent, up.parent.parent
            if (
                up is not None
                and up.type == "call_expression"
                and up.child_by_field_name("function") == callee
            ):
                sites.append(up)
        return sites

    def _module_uses(self, fn: Node) -> list[Node]:
        """The importers' names (``send``, ``net.send``) that stand for ``fn``: each word of a
        name some module exports it under that the module machinery resolves to it."""
        modules = self.values.modules
        if self._exported_as is None:  # once per file: export names by the node they stand for
            self._exported_as = {}
            for mod in modules.modules().values():
                for name, value in mod.exported.items():
                    if name:
                        held = modules._resolve_local(mod, value)
                        self._exported_as.setdefault(held.id, set()).add(name)
        uses: list[Node] = []
        for name in sorted(self._exported_as.get(fn.id, ())):
            word = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?![\w$])")
            for m in islice(word.finditer(self.data), MAX_NAME_HITS):
                node = self.root.descendant_for_byte_range(m.start(), m.end())
                if node is None or node.type not in ("identifier", "property_identifier"):
                    continue
                if fn.start_byte <= node.start_byte < fn.end_byte:
                    continue
                if node.type == "property_identifier":
                    node = node.parent
                    if node is None or node.type != "member_expression":
                        continue
                if modules.definition(node) == fn:
                    uses.append(node)
                if len(uses) >= 200:
                    return uses
        return uses

    def _dispatch_sites(self, fn: Node) -> list[Node]:
        key: Node | None = None
        if fn.type == "method_definition":
            key = fn.child_by_field_name("name")
        elif fn.parent is not None and fn.parent.type == "pair":
            key = fn.parent.child_by_field_name("key")
        if key is None or key.type != "property_identifier":
            return []
        name = text(self.data, key)
        if self.scopes.member_named(name) != fn:
            return []
        needle = b"." + name.encode()
        sites: list[Node] = []
        at = self.data.find(needle)
        while at != -1 and len(sites) < 200:
            end = at + len(needle)
            at = self.data.find(needle, end)
            prop = self.root.descendant_for_byte_range(end - len(name), end)
            member = prop.parent if prop is not None else None
            call = member.parent if member is not None else None
            if (
                prop is None
                or member is None
                or call is None
                or prop.type != "property_identifier"
                or member.type != "member_expression"
                or call.type != "call_expression"
                or call.child_by_field_name("function") != member
            ):
                continue
            if self.values.function_of(member) == fn:
                sites.append(call)
        return sites

    def _local_call_sites(self, fn: Node) -> list[Node]:
        name: Node | None = None
        if fn.type in ("function_declaration", "generator_function_declaration"):
            name = fn.child_by_field_name("name")
        elif fn.type == "method_definition":
            return self._method_sites(fn)
        else:
            parent = fn.parent
            while parent is not None and parent.type == "parenthesized_expression":
                parent = parent.parent
            if parent is not None and parent.type == "pair":
                return self._table_sites(parent)
            if parent is not None and parent.type == "variable_declarator":
                name = parent.child_by_field_name("name")
            if parent is not None and parent.type == "assignment_expression":
                return self._export_sites(fn, parent)
            if (
                parent is not None
                and parent.type in ("call_expression", "return_statement", "arrow_function")
                and parameters(fn)
            ):
                return self._inline_sites(fn, parent)
        if name is None or name.type != "identifier":
            return []
        b = self.scopes.binding(name)
        if b is None:
            return []
        return self._calls_through(b)

    def _calls_through(self, b: Binding, limit: int | None = None) -> list[Node]:
        """Calls of what the variable ``b`` holds (``v(…)``), among its first ``limit`` uses."""
        calls: list[Node] = []
        for occ in self.scopes.occurrences(b)[:limit]:
            call = occ.parent
            if (
                call is not None
                and call.type == "call_expression"
                and call.child_by_field_name("function") == occ
            ):
                calls.append(call)
        return calls

    def _write_opens(self) -> None:
        """``open(path, "a")`` / ``openSync(path, "w")`` creates or appends, it does not read:
        such a call is no ``file_read`` (a sandbox touching the files it will protect)."""
        for f in [f for f in self.facts if f.kind == "file_read"]:
            if f.detail.rsplit(".", 1)[-1] not in ("open", "openSync"):
                continue
            call = self._node(f)
            args = args_of(call) if call is not None and call.type == "call_expression" else []
            flag = self.values.string(args[1]) if len(args) > 1 else None
            if flag and WRITE_FLAGS.match(flag):
                self.facts.remove(f)
                held = self.values.by_span.get(f.span) if f.span is not None else None
                if held is not None and f in held:
                    held.remove(f)

    def _bundle_imports(self) -> None:
        """``r("axios")`` in a module of a bundle's module table (webpack's ``{417: (t, e,
        r) => {…}}``), where ``r`` is the bundle's require: an ``import`` of that package."""
        found = 0
        for m in _MODULE_HEAD.finditer(self.data):
            found += 1
            if found > MAX_MODULES:
                break
            node = self.root.descendant_for_byte_range(m.start(1), m.end(1))
            fn = node.parent if node is not None else None
            while fn is not None and fn.type not in FUNCTIONS:
                fn = fn.parent if fn.type in ("formal_parameters", "identifier") else None
            if fn is None or node is None or module_table(fn) is None:
                continue
            loader = text(self.data, node)
            if loader == "require":
                continue  # the extractor reads require("x") already
            call_at = re.compile(re.escape(loader).encode() + rb"\(\s*[\"']")
            for c in call_at.finditer(self.data, fn.start_byte, fn.end_byte):
                if c.start() and self.data[c.start() - 1] in _NAME_BYTES:
                    continue
                callee = self.root.descendant_for_byte_range(c.start(), c.start() + len(loader))
                call = callee.parent if callee is not None else None
                if call is None or call.type != "call_expression" or callee is None:
                    continue
                bound = self.scopes.binding(callee)
                if bound is None or bound != self.scopes.binding(node):
                    continue
                args = args_of(call)
                name = self.values.string(args[0]) if len(args) == 1 else None
                if name and not name.startswith((".", "/")):
                    self._fact("import", name, call)

    def _export_sites(self, fn: Node, assignment: Node) -> list[Node]:
        """Calls of a function a bundle's module exports (``exports.post = function …``) from
        the other modules of the bundle (``const net = require(11); net.post(…)``)."""
        left = assignment.child_by_field_name("left")
        prop = left.child_by_field_name("property") if left is not None else None
        module = enclosing_function(assignment)
        table = module_table(module) if module is not None else None
        if prop is None or module is None or table is None:
            return []
        name = text(self.data, prop)
        if self.values.export_of(module, name) != fn:
            return []
        sites: list[Node] = []
        for pair in table.named_children[:MAX_MODULES]:
            other = pair.child_by_field_name("value") if pair.type == "pair" else None
            other = strip(other) if other is not None else None
            if other is None or other.type not in FUNCTIONS:
                continue
            for bindings in self.scopes.table(other).values():
                for b in bindings:
                    value = strip(b.value) if b.kind == "var" and b.value is not None else None
                    if value is None or value.type != "call_expression" or b.member:
                        continue
                    if self.values.bundle_module(value) != module:
                        continue
                    for occ in self.scopes.occurrences(b):
                        up = occ.parent
                        call = up.parent if up is not None else None
                        if (
                            up is not None
                            and up.type == "member_expression"
                            and up.child_by_field_name("object") == occ
                            and text(self.data, up.child_by_field_name("property") or up) == name
                            and call is not None
                            and call.type == "call_expression"
                            and call.child_by_field_name("function") == up
                        ):
                            sites.append(call)
        return sites

    def _table_sites(self, pair: Node) -> list[Node]:
        """Calls of a function kept in an object of handlers: ``table.run(…)``, and dispatch by
        a computed key (``table[msg.op]?.(…)``), which may call any of them."""
        key = pair.child_by_field_name("key") or pair.child_by_field_name("name")
        table = pair.parent  # a pair, or a method of the object (``{ run(m) {…} }``)
        holder = table.parent if table is not None else None
        if (
            key is not None
            and table is not None
            and holder is not None
            and holder.type in ("return_statement", "parenthesized_expression", "arrow_function")
        ):
            return self._returned_object_sites(table, text(self.data, key).strip("\"'"))
        if key is None or holder is None:
            return []
        refs: list[Node] = []
        if holder.type == "variable_declarator":
            ident = holder.child_by_field_name("name")
            b = self.scopes.binding(ident) if ident is not None else None
            refs = self.scopes.occurrences(b)[:200] if b is not None else []
        elif (
            holder.type == "assignment_expression" and holder.child_by_field_name("right") == table
        ):
            # this.handlers = {run: (m) => exec(m.cmd), …} in a constructor: this.handlers[k]
            left = holder.child_by_field_name("left")
            obj = left.child_by_field_name("object") if left is not None else None
            prop = left.child_by_field_name("property") if left is not None else None
            if left is None or obj is None or prop is None or text(self.data, obj) != "this":
                return []
            refs = this_members(self.data, holder, text(self.data, prop))
        name = text(self.data, key).strip("\"'")
        sites: list[Node] = []
        for occ in refs:
            up = occ.parent
            if up is None or up.child_by_field_name("object") != occ:
                continue
            if up.type == "member_expression":
                prop = up.child_by_field_name("property")
                if prop is None or text(self.data, prop) != name:
                    continue
            elif up.type != "subscript_expression":
                continue
            sites += self._called_value(up)
        return sites

    def _called_value(self, value: Node) -> list[Node]:
        """Calls of a function value: ``value(…)``, ``value.call(self, …)``, and through a
        constant it is first kept in (``const h = table[m.op]; h && h.call(this, m)``)."""
        sites: list[Node] = []
        up = value.parent
        if (
            up is not None
            and up.type == "variable_declarator"
            and up.child_by_field_name("value") == value
        ):
            ident = up.child_by_field_name("name")
            b = self.scopes.binding(ident) if ident is not None else None
            uses = self.scopes.occurrences(b)[:50] if b is not None else []
        else:
            uses = [value]
        for use in uses:
            call = use.parent
            prop = call.child_by_field_name("property") if call is not None else None
            if (
                call is not None
                and call.type == "member_expression"
                and prop is not None
                and text(self.data, prop) == "call"
            ):
                use, call = call, call.parent
            if (
                call is not None
                and call.type == "call_expression"
                and call.child_by_field_name("function") == use
            ):
                sites.append(call)
        return sites

    def _method_sites(self, method: Node) -> list[Node]:
        """Calls of a class's method through ``this`` in the same class (``this.#send(m)``)."""
        key = method.child_by_field_name("name")
        if key is not None and method.parent is not None and method.parent.type == "object":
            return self._table_sites(method)
        if key is None or method.parent is None or method.parent.type != "class_body":
            return []
        sites: list[Node] = []
        for member in this_members(self.data, method, text(self.data, key)):
            call = member.parent
            if (
                call is not None
                and call.type == "call_expression"
                and call.child_by_field_name("function") == member
            ):
                sites.append(call)
        return sites + self._instance_sites(method.parent, text(self.data, key))

    def _instance_sites(self, body: Node, name: str) -> list[Node]:
        """Calls of a class's method on its instances: ``ch.push(x)`` where ``ch`` holds
        ``new C(…)``, or ``new C(…).open()`` when the methods on the way return ``this``."""
        cls = body.parent
        holder = cls.parent if cls is not None else None
        ident = cls.child_by_field_name("name") if cls is not None else None
        if ident is None and holder is not None and holder.type == "variable_declarator":
            ident = holder.child_by_field_name("name")  # const C = class { … }
        if cls is None or ident is None or ident.type not in ("identifier", "type_identifier"):
            return []
        class_name = text(self.data, ident)
        chaining = self._chaining.get((body.start_byte, body.end_byte))
        if chaining is None:  # once per class, not once per method (4,055 walks in 2.1.197)
            chaining = self._chaining[(body.start_byte, body.end_byte)] = {
                text(self.data, k)
                for m in body.named_children
                if m.type == "method_definition"
                and (k := m.child_by_field_name("name")) is not None
                and _returns_this(m)
            }
        sites: list[Node] = []
        made_at = self._new_sites.get(class_name)
        if made_at is None:  # searched once per class name (a bundle has many methods)
            pattern = re.compile(rb"\bnew\s+" + re.escape(class_name.encode()) + rb"\b")
            # `new` found first (re walks 18 MB byte by byte for a leading \b: 0.14 s a search)
            found = prefiltered_finditer(pattern, self.data)
            made_at = [m.end() for m in islice(found, 200)]
            self._new_sites[class_name] = made_at
        for end in made_at:
            occ = self.root.descendant_for_byte_range(end - len(class_name), end)
            made = occ.parent if occ is not None else None
            if (
                occ is None
                or made is None
                or made.type != "new_expression"
                or made.child_by_field_name("constructor") != occ
                or not self._names_class(occ, cls)
            ):
                continue
            if len(sites) > 200:
                break
            instance = made
            while True:  # new C(…).open(): open returns this
                up = instance.parent
                call = up.parent if up is not None else None
                prop = up.child_by_field_name("property") if up is not None else None
                if (
                    up is None
                    or call is None
                    or prop is None
                    or up.type != "member_expression"
                    or call.type != "call_expression"
                    or call.child_by_field_name("function") != up
                ):
                    break
                if text(self.data, prop) == name:
                    sites.append(call)
                if text(self.data, prop) not in chaining:
                    break
                instance = call
            kept = self._kept_in(instance)
            sites += self._method_calls_on(kept, name) if kept is not None else []
        return sites

    def _method_calls_on(self, b: Binding, name: str) -> list[Node]:
        """Calls of the method ``name`` on the variable ``b`` (``v.name(…)``)."""
        calls: list[Node] = []
        for use in self.scopes.occurrences(b)[:200]:
            member = use.parent
            call = member.parent if member is not None else None
            prop = member.child_by_field_name("property") if member is not None else None
            if (
                member is not None
                and call is not None
                and prop is not None
                and member.type == "member_expression"
                and member.child_by_field_name("object") == use
                and call.type == "call_expression"
                and call.child_by_field_name("function") == member
                and text(self.data, prop) == name
            ):
                calls.append(call)
        return calls

    def _inline_sites(self, fn: Node, parent: Node) -> list[Node]:
        """Calls of a function expression with parameters that has no name: called where it
        stands (``(n => …)(x)``), or returned by a factory and called through what the
        factory's callers keep (``const send = sender(zone); send(x)``, ``sender(zone)(x)``)."""
        if parent.type == "call_expression":
            callee = parent.child_by_field_name("function")
            while callee is not None and callee.type == "parenthesized_expression":
                callee = callee.named_children[0] if callee.named_children else None
            return [parent] if callee == fn and args_of(parent) else []
        if parent.type == "return_statement":
            factory = enclosing_function(parent)
        elif parent.type == "arrow_function" and parent.child_by_field_name("body") is not None:
            factory = parent  # (zone) => (x) => …
        else:
            return []
        if factory is None or factory == fn:
            return []
        sites: list[Node] = []
        for made in self._call_sites(factory)[:50]:
            up = made.parent
            if up is not None and up.type == "call_expression":
                if up.child_by_field_name("function") == made:
                    sites.append(up)
                continue
            kept = self._kept_in(made)
            sites += self._calls_through(kept, 200) if kept is not None else []
        return sites

    def _returned_object_sites(self, obj: Node, name: str) -> list[Node]:
        """Calls of a method of an object a factory returns (``const ch = channel(u);
        ch.post(x)`` with ``function channel(u) { … return { post(x) { … } } }``), or of an
        object kept in a variable (``const api = { post(x) { … } }; api.post(x)``)."""
        holders: list[Binding] = []
        up = obj.parent
        while up is not None and up.type == "parenthesized_expression":
            up = up.parent
        if up is not None and up.type == "variable_declarator":
            kept = self._kept_in(obj)
            holders += [kept] if kept is not None else []
        elif up is not None and (
            up.type == "return_statement"
            or (up.type == "arrow_function" and up.child_by_field_name("body") is not None)
        ):
            factory = up if up.type == "arrow_function" else enclosing_function(up)
            for site in self._call_sites(factory)[:50] if factory is not None else []:
                kept = self._kept_in(site)
                holders += [kept] if kept is not None else []
        return [call for b in holders[:20] for call in self._method_calls_on(b, name)]

    def _names_class(self, ident: Node, cls: Node) -> bool:
        """Whether an identifier names the class ``cls`` (its declaration, or a constant
        holding the class expression), not another variable of that name."""
        b = self.scopes.binding(ident)
        if b is None:
            return cls.type == "class_declaration"
        return b.kind == "var" and b.value is not None and strip(b.value) == cls

    def _kept_in(self, value: Node) -> Binding | None:
        """The variable an expression is stored in as it is (``const ch = value``)."""
        parent = value.parent
        while parent is not None and parent.type in (
            "parenthesized_expression",
            "await_expression",
        ):
            value, parent = parent, parent.parent
        ident: Node | None = None
        if parent is not None and parent.type == "variable_declarator":
            ident = parent.child_by_field_name("name")
        elif parent is not None and parent.type == "assignment_expression":
            ident = parent.child_by_field_name("left")
        if ident is None or ident.type != "identifier":
            return None
        return self.scopes.binding(ident)

    def _file_helpers(self) -> None:
        """A function that reads the file its parameter names: its calls read that file."""
        for f in [f for f in self.facts if f.kind == "file_read"]:
            call = self._node(f)
            args = args_of(call) if call is not None else []
            first = strip(args[0]) if args else None
            if call is None or first is None or first.type != "identifier":
                continue
            b = self.scopes.binding(first)
            if b is None or b.kind != "param":
                continue
            for site in self._call_sites(b.scope):
                site_args = args_of(site)
                if b.index < len(site_args):
                    spelled = self.values.path(site_args[b.index])
                    value = spelled if spelled.strip("*/.") else text(self.data, site_args[b.index])
                    name = text(self.data, site.child_by_field_name("function") or site)
                    self._fact("file_read", value, site, name)

    def _listing_helpers(self, calls: list[Fact]) -> None:
        """A function that lists the directory its parameter names, or one made from it
        (a recursive walk; ``readdirSync(path.dirname(cwd))`` for ``cwd``, through local
        variables): its calls list that directory, so the caller's reads are of listed
        entries."""
        for f in calls:
            name = f.value.rsplit(".", 1)[-1]
            if name not in LISTINGS:
                continue
            call = self._node(f)
            args = args_of(call) if call is not None and call.type == "call_expression" else []
            first = strip(args[0]) if args else None
            fn = enclosing_function(call) if call is not None else None
            if first is None or fn is None:
                continue
            visit = Visit()
            self.values.labels(first, visit)
            if not any(start == fn.start_byte for start, _i in visit.params):
                continue
            helper = fn.child_by_field_name("name")
            if helper is None and fn.parent is not None and fn.parent.type == "variable_declarator":
                helper = fn.parent.child_by_field_name("name")
            label = text(self.data, helper) if helper is not None else "?"
            for site in self._call_sites(fn):
                if enclosing_function(site) != fn:
                    self._fact("call", f.value, site, f"{label}()")

    def _helpers(self, sinks: list[Sink]) -> list[Sink]:
        """A function that makes a request: its calls make it, with what reaches its inputs."""
        out: list[Sink] = []
        done = self._helpers_done
        by_fn: dict[int, tuple[Node, list[Sink]]] = {}
        for sink in sinks:
            fn = sink.inside
            for _level in range(3):  # the request may sit in a callback or a Promise executor
                if fn is None:
                    break
                if fn.id not in done:
                    by_fn.setdefault(fn.id, (fn, []))[1].append(sink)
                fn = enclosing_function(fn)
        for fn_id, (fn, inner) in by_fn.items():
            done.add(fn_id)
            for s in inner:
                self._project_sink(s)
            destination = [r for s in inner for r in s.roles if r[0] == "destination"]
            for site in self._call_sites(fn):
                callee = site.child_by_field_name("function")
                name = text(self.data, callee) if callee is not None else "?"
                fact = self._fact("network_request", name, site, first_text(self.data, site))
                if not self._returns_response(fn):
                    # a helper that sends and returns something else (the path it saved a
                    # download to, a count): its call is a request, its value no response
                    self.values.by_span[fact.span].remove(fact)  # type: ignore[index]
                roles: list[tuple[str, Node]] = []
                downloader = any(
                    s.fact.kind == "network_request" and _DOWNLOADER.match(s.fact.value)
                    for s in inner
                )
                for i, arg in enumerate(given_args(self.data, site, fn)):
                    for role in sorted(self._param_roles.get((fn.start_byte, i), ())):
                        # curl(["-o", file, url]) handing its words to execFile("curl", …)
                        words = self.tool_roles(arg) if downloader and role == "payload" else None
                        roles += words if words is not None else [(role, arg)]
                made = Sink(fact, roles + destination, enclosing_function(site))
                # What reaches it now tells which parameters of the functions around it
                # reach the request, before those functions' own calls are looked at.
                self._project_sink(made)
                out.append(made)
        return out

    def _returns_response(self, fn: Node) -> bool:
        """Whether what a function returns carries a request's response (``return (await
        fetch(u)).json()``, a Promise resolved in the request's callback), not only data of
        its own; a function that returns nothing carries none."""
        got = self._returning.get(fn.id)
        if got is None:
            got = any(
                f.kind == "network_request"
                for ret in returned(self.data, fn)[:20]
                for f in self.values.labels(ret, Visit())
            )
            self._returning[fn.id] = got
        return got

    def _write_helpers(self, sinks: list[Sink]) -> list[Sink]:
        """A function that writes, renames or copies the files its parameters name or the data
        they give (``swap(file)`` doing ``renameSync(file, this.target)``): a call of it does
        that write with its arguments, when what it hands over is a download or the program's
        own location (only then can it matter to a rule about replacing the program)."""
        out: list[Sink] = []
        for sink in sinks:
            name = sink.fact.value.rsplit(".", 1)[-1]
            fn = sink.inside
            if name not in FILE_OPS or fn is None or fn.type not in FUNCTIONS:
                continue
            self._project_sink(sink)
            params = range(len(parameters(fn)))
            got = {i: self._param_roles.get((fn.start_byte, i), set()) for i in params}
            reached = {i: r for i, r in got.items() if r & {"target", "content"}}
            if not reached:
                continue
            for site in self._call_sites(fn)[:20]:
                args = args_of(site)
                roles = [
                    (role, args[i])
                    for i, given in sorted(reached.items())
                    if i < len(args)
                    for role in sorted(given & {"target", "content"})
                ]
                carried = {f for _r, arg in roles for f in self.values.labels(arg, Visit())}
                if not any(f.kind == "network_request" or _own_location(f) for f in carried):
                    continue
                fact = self._fact("call", sink.fact.value, site, sink.fact.detail)
                out.append(Sink(fact, roles + list(sink.roles), enclosing_function(site)))
        return out

    def _runner_helpers(self, sinks: list[Sink]) -> list[Sink]:
        """A function that runs code or a command its parameter gives (``run(src)`` doing
        ``new Function(src)()``): each call of it runs what its argument carries."""
        out: list[Sink] = []
        by_fn: dict[int, tuple[Node, list[Sink]]] = {}
        for sink in sinks:
            if sink.inside is None or not any(r[0] in HANDED_ON for r in sink.roles):
                continue
            by_fn.setdefault(sink.inside.id, (sink.inside, []))[1].append(sink)
            # The code may come from a parameter of another function that hands it on (a
            # dispatcher calling the handler it looked up in a table).
            self._project_sink(sink)
            for start in sorted(self._run_params.get(id(sink), ()))[:8]:
                fn = self._function_at(start)
                if fn is not None and fn != sink.inside:
                    by_fn.setdefault(fn.id, (fn, []))[1].append(sink)
        for fn, inner in by_fn.values():
            for s in inner:
                self._project_sink(s)
            for site in self._call_sites(fn)[:50]:
                for s in inner:
                    roles = [
                        (role, arg)
                        for i, arg in enumerate(given_args(self.data, site, fn))
                        for role in sorted(self._param_roles.get((fn.start_byte, i), ()))
                        if role in RUNS or (role in HANDED_ON and not self._held(arg))
                    ]
                    if roles:
                        fact = self._fact(s.fact.kind, s.fact.value, site, s.fact.detail)
                        out.append(Sink(fact, roles, enclosing_function(site)))
        return out

    def _command_helper_requests(self, sinks: list[Sink]) -> list[Sink]:
        """A helper that runs a program with the arguments its caller gives (``git(dir,
        ["push", "mirror", b])`` doing ``execFileSync("git", args, {cwd: dir})``): a call whose
        command line then sends data (``git push``, ``curl``, ``scp``) is a request, its
        arguments (the directory pushed, the files sent) the payload."""
        out: list[Sink] = []
        for sink in sinks:
            call = self._node(sink.fact)
            while call is not None and call.type != "call_expression":
                call = call.parent
            fn = sink.inside
            if call is None or fn is None or NETWORK_COMMANDS.match(sink.fact.value):
                continue
            exec_args = args_of(call)
            if not exec_args or not parameters(fn):
                continue
            for site in self._call_sites(fn)[:100]:
                command = self._site_command(exec_args, fn, args_of(site))
                if not NETWORK_COMMANDS.match(command):
                    continue
                at = site.child_by_field_name("function") or site
                fact = self._fact("network_request", command, site, command, at=at)
                made = Sink(fact, [("payload", a) for a in args_of(site)], enclosing_function(site))
                out.append(made)
        return out

    def _site_command(self, exec_args: list[Node], fn: Node, given: list[Node]) -> str:
        """The command line a helper's ``exec`` call runs at one call of the helper: its
        parameters read as the arguments given there."""

        def given_for(node: Node) -> Node | None:
            node = strip(node)
            b = self.scopes.binding(node) if node.type == "identifier" else None
            if b is None or b.kind != "param" or b.scope != fn or b.member:
                return None
            return strip(given[b.index]) if b.index < len(given) else None

        head_node = given_for(exec_args[0]) or exec_args[0]
        words = [self.values.string(head_node) or "*"]
        rest = strip(exec_args[1]) if len(exec_args) > 1 else None
        if rest is not None and rest.type != "array":
            rest = given_for(rest)
        if rest is not None and rest.type == "array":
            for e in rest.named_children[:64]:
                words.append(self.values.string(given_for(e) or e) or "*")
        return " ".join(words)

    def _dir_writes(self, calls: list[Fact]) -> None:
        """A file written or copied into a directory (``writeFileSync(join(dir, "env.json"),
        data)``, ``copyFileSync(src, join(dir, "cfg"))``): the directory's variable carries
        what was put there (a repository later pushed, a folder later uploaded)."""
        for f in calls:
            name = f.value.rsplit(".", 1)[-1]
            if name in WRITES or name in ("appendFile", "appendFileSync"):
                at = 0
            elif name in COPIES:
                at = 1
            else:
                continue
            call = self._node(f)
            args = args_of(call) if call is not None and call.type == "call_expression" else []
            if call is None or len(args) <= at:
                continue
            b = self._directory_of(args[at])
            if b is None:
                continue
            if at == 0 and len(args) > 1:
                got = self.values.labels(args[1], Visit())
            else:
                got = set(self.values.by_span.get((call.start_byte, call.end_byte), ()))
            carried = {g for g in got if g.kind in ("env_read", "file_read", "exec")}
            if carried:
                self.values.carry(b, carried)

    def _directory_of(self, target: Node) -> Binding | None:
        """``dir`` in ``path.join(dir, "x")`` or `` `${dir}/x` ``: the variable holding the
        directory a file path lies in."""
        target = strip(target)
        first: Node | None = None
        if target.type == "call_expression":
            callee = target.child_by_field_name("function")
            name = self.values.canonical(callee) if callee is not None else None
            args = args_of(target)
            if name in ("path.join", "path.resolve", "path.posix.join") and len(args) > 1:
                first = strip(args[0])
        elif target.type == "template_string" and target.named_children:
            sub = target.named_children[0]
            if sub.type == "template_substitution" and sub.named_children:
                first = strip(sub.named_children[0])
        if first is None or first.type != "identifier":
            return None
        b = self.scopes.binding(first)
        return b if b is not None and b.kind in ("var", "param") else None

    def _held(self, arg: Node) -> bool:
        """A variable handed to a helper: its tests there are :meth:`_handed_gates`' (a test
        deciding an exit is reported where it is, not again at each call)."""
        arg = strip(arg)
        b = self.scopes.binding(arg) if arg.type == "identifier" else None
        return b is not None and b.kind == "var"

    def _flag_lookups(self, sinks: list[Sink]) -> None:
        """A class that keeps a response in a field and looks values up in it by name
        (``check(name) { return this.gates.get(name)?.value }``): each lookup of a constant
        name tested where the test stops the program or reconfigures an object it was given is
        a remotely set switch (``if (client.check("kill")) agent.disabled = true``)."""
        done: set[tuple[int, str]] = set()
        for sink in sinks:
            method = sink.inside
            while method is not None and method.type != "method_definition":
                method = enclosing_function(method)
            body = method.parent if method is not None else None
            if method is None or body is None or body.type != "class_body":
                continue
            for field in self._filled_fields(method, sink.fact):
                for lookup in body.named_children:
                    key = lookup.child_by_field_name("name")
                    name = text(self.data, key) if key is not None else ""
                    if lookup == method or not name or (body.id, name) in done:
                        continue
                    if name in _COLLECTION_METHODS or not self._looks_up(lookup, field):
                        continue
                    done.add((body.id, name))
                    for read in self._named_calls(name):
                        test = _guard(read)
                        if test is not None and self._controls(test, enclosing_function(test)):
                            gate = self._fact("member", text(self.data, read), read)
                            self._project(gate, "condition", [sink.fact])

    def _filled_fields(self, method: Node, request: Fact) -> list[str]:
        """Fields of ``this`` a method fills with what a request returned (``this.f = v``,
        ``this.f.set(k, v)``, ``this.f[k] = v``)."""
        out: list[str] = []
        needle = b"this."
        at = self.data.find(needle, method.start_byte, method.end_byte)
        while at != -1 and len(out) < 8:
            node = self.root.descendant_for_byte_range(at, at + 5)
            at = self.data.find(needle, at + 5, method.end_byte)
            while node is not None and node.type != "member_expression":
                node = node.parent
            prop = node.child_by_field_name("property") if node is not None else None
            up = node.parent if node is not None else None
            if node is None or prop is None or up is None:
                continue
            value: list[Node] = []
            if up.type == "assignment_expression" and up.child_by_field_name("left") == node:
                value = [up.child_by_field_name("right") or up]
            elif up.type in ("member_expression", "subscript_expression"):
                top = up.parent
                if top is not None and top.type == "assignment_expression":
                    value = [top.child_by_field_name("right") or top]
                elif top is not None and top.type == "call_expression":
                    verb = up.child_by_field_name("property")
                    if verb is not None and text(self.data, verb) in ("set", "push", "add"):
                        value = args_of(top)
            name = text(self.data, prop)
            if name in out:
                continue
            if any(request in self.values.labels(v, Visit()) for v in value):
                out.append(name)
        return out

    def _looks_up(self, method: Node, field: str) -> bool:
        """Whether a method returns ``this.<field>`` read at its first parameter's key
        (``this.f.get(name)``, ``this.f[name]``), directly or through a local."""
        params = parameters(method)
        first = params[0] if params else None
        if first is not None and first.type != "identifier":
            first = first.child_by_field_name("pattern")
        if first is None or first.type != "identifier":
            return False
        name = text(self.data, first)
        body = text(self.data, method)
        keyed = re.search(
            rf"this\.{re.escape(field)}(\.get\(\s*{name}\s*\)|\[\s*{name}\s*\])", body
        )
        return keyed is not None and "return" in body

    def _named_calls(self, name: str) -> list[Node]:
        """Calls ``x.<name>("constant", …)`` in the file."""
        out: list[Node] = []
        needle = f".{name}(".encode()
        at = self.data.find(needle)
        while at != -1 and len(out) < 50:
            node = self.root.descendant_for_byte_range(at + 1, at + len(needle) - 1)
            at = self.data.find(needle, at + 1)
            while node is not None and node.type != "call_expression":
                node = node.parent
            callee = node.child_by_field_name("function") if node is not None else None
            prop = callee.child_by_field_name("property") if callee is not None else None
            args = args_of(node) if node is not None else []
            if node is None or prop is None or text(self.data, prop) != name or not args:
                continue
            if args[0].type == "string":
                out.append(node)
        return out

    def _function_at(self, start: int) -> Node | None:
        """The function that starts at a byte offset."""
        node: Node | None = self.root.descendant_for_byte_range(start, start + 1)
        while node is not None and not (
            node.is_named and node.type in FUNCTIONS and node.start_byte == start
        ):  # (the `function` keyword token has the type of a function expression)
            node = node.parent if node.start_byte >= start else None
        return node

    def _gates(self, sinks: list[Sink]) -> None:
        """A response kept in state another function tests: a remotely set switch."""
        for sink in sinks:
            node = self._node(sink.fact)
            if node is None:
                continue
            home = enclosing_function(node)
            first = self._receiver(node)
            pending = [(first, "")] if first is not None else []
            seen: set[int] = set()
            while pending and len(seen) < 6:
                b, derived = pending.pop()
                if id(b) in seen:
                    continue
                seen.add(id(b))
                for occ in self.scopes.occurrences(b):
                    if self._handed_gates(sink.fact, occ, home):
                        continue
                    top, test = climb(occ)
                    if test is not None:
                        field = _field(self.data, occ) or derived
                        if (
                            field
                            and not VERSIONISH.search(field)
                            and (
                                not _nested(enclosing_function(test), home)
                                or self._overrides(test, b)
                            )
                        ):
                            gate = self._fact("member", text(self.data, top), top)
                            self._project(gate, "condition", [sink.fact])
                        continue
                    nxt = self._receiver(top)
                    if nxt is not None:
                        pending.append((nxt, derived))
                        continue
                    # flag = res.headers.get("x-variant") === "b": the flag is that field's test
                    compared = _compared(top)
                    nxt = self._receiver(compared) if compared is not None else None
                    field = _sent_field(self.data, occ)
                    if nxt is not None and field:
                        pending.append((nxt, field))

    def _handed_gates(self, request: Fact, occ: Node, home: Node | None) -> bool:
        """A response handed to a local function (or class) whose parameter, or the instance
        field it keeps it in, is tested where the test stops the program, reconfigures an
        object the function was given or picks one of two constants: a remotely set switch
        (``applyFlags(await getFlags(), runtime)`` testing ``flags.enabled === false``)."""
        holder = occ.parent
        call = holder.parent if holder is not None else None
        if holder is None or call is None or holder.type != "arguments":
            return False
        index = holder.named_children.index(occ) if occ in holder.named_children else -1
        target = self._callee_function(call)
        if target is None or index < 0 or _nested(target, home):
            return False
        params = [
            b
            for bs in self.scopes.table(target).values()
            for b in bs
            if b.kind == "param" and b.index == index and not b.member
        ]
        uses: list[Node] = []
        for b in params[:1]:
            for use in self.scopes.occurrences(b):
                field = _kept_in_field(use)
                if field is None:
                    uses.append(use)
                    continue
                prop = field.child_by_field_name("property")
                name = text(self.data, prop) if prop is not None else ""
                uses += [m for m in this_members(self.data, field, name) if m != field]
        for use in uses[:200]:
            test = _guard(use)
            if test is None or _nested(enclosing_function(test), home):
                continue
            field_name = _field(self.data, use)
            if not field_name or VERSIONISH.search(field_name) or ISSUED.search(field_name):
                continue
            read = use.parent if use.parent is not None else use
            if self._controls(test, enclosing_function(test)):
                gate = self._fact("member", text(self.data, read), read)
                self._project(gate, "condition", [request])
        return True

    def _callee_function(self, call: Node) -> Node | None:
        """The local function a call runs, or the constructor of a local class ``new`` makes."""
        if call.type == "call_expression":
            fn = call.child_by_field_name("function")
            return self.values.function_of(fn) if fn is not None else None
        if call.type != "new_expression":
            return None
        made = call.child_by_field_name("constructor")
        if made is None or made.type != "identifier":
            return None
        name = text(self.data, made)
        for top in self.root.named_children:
            cls = top.child_by_field_name("declaration") if top.type == "export_statement" else top
            if cls is None or cls.type != "class_declaration":
                continue
            ident, body = cls.child_by_field_name("name"), cls.child_by_field_name("body")
            if ident is None or body is None or text(self.data, ident) != name:
                continue
            for method in body.named_children:
                key = method.child_by_field_name("name")
                if (
                    method.type == "method_definition"
                    and key is not None
                    and (text(self.data, key) == "constructor")
                ):
                    return method
        return None

    def _controls(self, test: Node, fn: Node | None) -> bool:
        """Whether a test stops the program, writes into an object its function was given, or
        picks one of two constants (``cohort === "b" ? "alt" : "plain"``)."""
        if test.type == "ternary_expression":
            picks = [
                test.child_by_field_name("consequence"),
                test.child_by_field_name("alternative"),
            ]
            return all(p is not None and p.type in _CONSTANTS for p in picks)
        if test.type != "if_statement" or fn is None:
            return False
        given = {id(b) for bs in self.scopes.table(fn).values() for b in bs if b.kind == "param"}
        stack = [test.child_by_field_name("consequence"), test.child_by_field_name("alternative")]
        while stack:
            node = stack.pop()
            if node is None or node.type in FUNCTIONS:
                continue
            if node.type == "call_expression":
                callee = node.child_by_field_name("function")
                if callee is not None and self.values.canonical(callee) in EXIT_CALLS:
                    return True
            if node.type in ("assignment_expression", "augmented_assignment_expression"):
                left = node.child_by_field_name("left")
                root = left
                while root is not None and root.type in (
                    "member_expression",
                    "subscript_expression",
                ):
                    root = root.child_by_field_name("object")
                b = (
                    self.scopes.binding(root)
                    if root is not None and root.type == "identifier"
                    else None
                )
                if (
                    left is not None
                    and left != root
                    and b is not None
                    and id(b) in given
                    and not ISSUED.search(_words(text(self.data, node)))
                ):
                    return True
            stack.extend(node.named_children)
        return False

    def _overrides(self, test: Node, b: Binding) -> bool:
        """Whether a test of a response in the function that fetched it guards writing the
        response's values into an object the caller passed in (``if (cfg.prompt)
        agent.systemPrompt = cfg.prompt``): the server reconfigures the program."""
        if test.type != "if_statement":
            return False
        body = test.child_by_field_name("consequence")
        stack = [body] if body is not None else []
        while stack:
            node = stack.pop()
            if node.type in FUNCTIONS:
                continue
            if node.type == "assignment_expression":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                obj = left.child_by_field_name("object") if left is not None else None
                owner = (
                    self.scopes.binding(obj)
                    if obj is not None and obj.type == "identifier"
                    else None
                )
                if (
                    owner is not None
                    and owner.kind == "param"
                    and left is not None
                    and left.type == "member_expression"
                    and right is not None
                    and any(self.scopes.binding(i) is b for i in _identifiers(right))
                    and not ISSUED.search(_words(text(self.data, right)))
                ):
                    return True
            stack.extend(node.named_children)
        return False

    def _receiver(self, node: Node) -> Binding | None:
        """The variable an expression's value is stored in (through ``await``, ``.json()``)."""
        top, _test = climb(node)
        parent = top.parent
        ident: Node | None = None
        if parent is not None and parent.type == "variable_declarator":
            ident = parent.child_by_field_name("name")
        elif (
            parent is not None
            and parent.type == "assignment_expression"
            and parent.child_by_field_name("right") == top
        ):
            ident = parent.child_by_field_name("left")
        if ident is None or ident.type != "identifier":
            return None
        return self.scopes.binding(ident)


def climb(node: Node) -> tuple[Node, Node | None]:
    """Up through member reads, calls on the value, ``await`` and parentheses; returns the top
    and, when that top is tested by a condition, the test."""
    cur = node
    while True:
        parent = cur.parent
        if parent is None:
            return cur, None
        kind = parent.type
        if kind in ("await_expression", "parenthesized_expression", "non_null_expression"):
            cur = parent
        elif kind == "arguments" and _awaited(parent) and parent.parent is not None:
            cur = parent.parent  # `await (x).json()` parsed as a call of `await`
        elif kind in ("member_expression", "subscript_expression"):
            if parent.child_by_field_name("object") != cur:
                return cur, None
            cur = parent
        elif (
            kind == "call_expression" and parent.child_by_field_name("function") == cur
        ) or kind == "unary_expression":
            cur = parent
        elif kind in ("if_statement", "while_statement", "ternary_expression"):
            if parent.child_by_field_name("condition") == cur:
                return cur, parent
            return cur, None
        elif kind == "binary_expression" and parent.child_by_field_name("left") == cur:
            op = parent.child_by_field_name("operator")
            if op is not None and op.type in ("&&", "||"):
                return cur, parent
            return cur, None
        else:
            return cur, None


_CONSTANTS = frozenset({"string", "number", "true", "false", "null"})

_COLLECTION_METHODS = frozenset(
    {"get", "set", "has", "add", "delete", "find", "includes", "push", "map", "filter", "at"}
)
"""Method names a name-keyed flag lookup is not told apart by (every Map has them)."""

_TEST_PARTS = frozenset(
    {
        "member_expression",
        "subscript_expression",
        "await_expression",
        "parenthesized_expression",
        "non_null_expression",
        "unary_expression",
        "binary_expression",
    }
)


_LISTENS = frozenset({"on", "once", "addEventListener", "addListener", "prependListener"})
"""Methods that install an event handler: ``(event name, handler)``."""

_UNCHOSEN_EVENTS = re.compile(
    r"^(on)?(error|close|closed|end|finish|exit|open|opened|connect|connected|ready|listening|"
    r"disconnect|disconnected|timeout|abort|aborted|drain|reconnect\w*|ping|pong|upgrade|"
    r"connect_error|connect_timeout|unexpected[-_]response|redirect|heartbeat|keepalive|"
    r"message|data|response|readable|chunk|line)$",
    re.IGNORECASE,
)
"""Events that happen on every connection or every message: the server does not choose them
(a named event such as ``halt`` or ``shutdown`` is its choice)."""


def _delivered(data: bytes, fn: Node) -> Node | None:
    """What a named event handler receives: its first parameter, or the object it listens on
    when it takes none (``es.addEventListener("halt", () => …)``); ``None`` when ``fn`` is not
    installed as the handler of an event the sender chooses."""
    holder = fn.parent
    while holder is not None and holder.type == "parenthesized_expression":
        holder = holder.parent
    receiver: Node | None = None
    if holder is not None and holder.type == "arguments" and holder.parent is not None:
        args = holder.named_children
        callee = holder.parent.child_by_field_name("function")
        prop = callee.child_by_field_name("property") if callee is not None else None
        if (
            callee is None
            or prop is None
            or text(data, prop) not in _LISTENS
            or len(args) < 2
            or args[1] != fn
            or args[0].type != "string"
        ):
            return None
        event = text(data, args[0]).strip("\"'")
        receiver = callee.child_by_field_name("object")
    elif holder is not None and holder.type == "assignment_expression":
        left = holder.child_by_field_name("left")
        prop = left.child_by_field_name("property") if left is not None else None
        if left is None or prop is None or left.type != "member_expression":
            return None
        event = text(data, prop)
        if not event.startswith("on") or len(event) < 5:
            return None
        receiver = left.child_by_field_name("object")
    else:
        return None
    if not event or _UNCHOSEN_EVENTS.match(event):
        return None
    params = parameters(fn)
    first = params[0] if params else None
    if first is not None and first.type != "identifier":
        first = first.child_by_field_name("pattern")  # TypeScript: (ev: MessageEvent) => …
    return first if first is not None and first.type == "identifier" else receiver


def _guard(node: Node) -> Node | None:
    """The ``if``, ``while`` or ternary whose condition reads ``node`` (through member reads,
    comparisons and ``&&``/``||``), else ``None``."""
    cur = node
    for _ in range(12):
        parent = cur.parent
        if parent is None:
            return None
        if parent.type in ("if_statement", "while_statement", "ternary_expression"):
            return parent if parent.child_by_field_name("condition") == cur else None
        if parent.type in ("member_expression", "subscript_expression"):
            if parent.child_by_field_name("object") != cur:
                return None
        elif parent.type == "call_expression":
            if parent.child_by_field_name("function") != cur:
                return None
        elif parent.type not in _TEST_PARTS:
            return None
        cur = parent
    return None


def _kept_in_field(use: Node) -> Node | None:
    """``this.f`` when a parameter is stored there (``this.f = p`` or ``this.f = p || {}``)."""
    cur = use
    parent = cur.parent
    if parent is not None and parent.type == "binary_expression":
        op = parent.child_by_field_name("operator")
        if op is None or op.type not in ("||", "??") or parent.child_by_field_name("left") != cur:
            return None
        cur, parent = parent, parent.parent
    if parent is None or parent.type != "assignment_expression":
        return None
    left = parent.child_by_field_name("left")
    if parent.child_by_field_name("right") != cur or left is None:
        return None
    obj = left.child_by_field_name("object") if left.type == "member_expression" else None
    return left if obj is not None and obj.type == "this" else None


def _sent_field(data: bytes, occ: Node) -> str:
    """The field of a response a test reads when it is data the server chose: a body field or
    a custom header (``res.headers.get("x-variant")``), not the status or a transfer header."""
    field = _field(data, occ)
    if field != "headers":
        return "" if field in RESPONSE_META else field
    getter = occ.parent.parent if occ.parent is not None else None
    call = getter.parent if getter is not None else None
    prop = getter.child_by_field_name("property") if getter is not None else None
    if call is None or prop is None or call.type != "call_expression" or text(data, prop) != "get":
        return ""
    args = args_of(call)
    name = text(data, args[0]).strip("\"'`").lower() if args else ""
    return name if name and name not in STANDARD_HEADERS else ""


def _compared(node: Node) -> Node | None:
    """The equality test ``node`` is one side of, against a literal (``v === "b7"``)."""
    parent = node.parent
    if parent is None or parent.type != "binary_expression":
        return None
    op = parent.child_by_field_name("operator")
    if op is None or op.type not in ("===", "==", "!==", "!="):
        return None
    left, right = parent.child_by_field_name("left"), parent.child_by_field_name("right")
    other = right if left == node else left
    if other is None or other.type not in ("string", "number", "true", "false"):
        return None
    return parent


def _curl_word(data: bytes, template: Node) -> bool:
    """Whether the word before a template in its array is a curl data option."""
    prev = template.prev_named_sibling
    return prev is not None and text(data, prev).strip("\"'`") in (
        "-d",
        "--data",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "-T",
        "--upload-file",
    )


def _returns_this(method: Node) -> bool:
    """Whether a method returns ``this`` (``return this``, ``return this.x = v, this``)."""
    body = method.child_by_field_name("body")
    stack = list(body.named_children) if body is not None else []
    while stack:
        node = stack.pop()
        if node.type in FUNCTIONS:
            continue
        if node.type == "return_statement" and node.named_children:
            value = strip(node.named_children[0])
            while value.type == "sequence_expression" and value.named_children:
                value = strip(value.named_children[-1])
            if value.type == "this":
                return True
        stack.extend(node.named_children)
    return False


def _own_location(fact: Fact) -> bool:
    return fact.kind == "member" and fact.value in OWN_LOCATIONS


def _field(data: bytes, occ: Node) -> str:
    """The field a test reads from stored state: ``safe_mode`` in ``cfg.safe_mode``,
    ``cfg["safe_mode"]`` or ``cfg.get("safe_mode")``; ``""`` when the state itself is tested."""
    parent = occ.parent
    if parent is None or parent.child_by_field_name("object") != occ:
        return ""
    if parent.type == "subscript_expression":
        index = parent.child_by_field_name("index")
        return text(data, index).strip("\"'`") if index is not None else ""
    prop = parent.child_by_field_name("property")
    if parent.type != "member_expression" or prop is None:
        return ""
    name = text(data, prop)
    call = parent.parent
    if name in ("get", "has") and call is not None and call.type == "call_expression":
        args = args_of(call)
        return text(data, args[0]).strip("\"'`") if args else ""
    return name


def _awaited(args: Node) -> bool:
    """Whether an argument list is tree-sitter's reading of ``await (x)`` as a call."""
    call = args.parent
    fn = call.child_by_field_name("function") if call is not None else None
    return fn is not None and fn.type == "identifier" and fn.text == b"await"


def _negated(node: Node) -> bool:
    """Whether a pattern's test is negated (``!re.test(k)``: secrets are left out)."""
    cur = node
    for _ in range(4):
        parent = cur.parent
        if parent is None:
            return False
        if parent.type == "unary_expression" and text_of(parent).startswith("!"):
            return True
        cur = parent
    return False


def text_of(node: Node) -> str:
    """The text of a node (from the tree's own copy of the source)."""
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


ISSUED = re.compile(r"\b(secret|token|password|passwd|credentials?|key)\b")
"""Words of a field holding a credential the server issues (an OAuth registration's
``client_secret``, a token exchange's ``access_token``): keeping it is authentication."""


def _words(expr: str) -> str:
    """The words of an expression's names, lower-case (``reg.clientSecret`` →
    ``reg client secret``)."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", expr).replace("_", " ").lower()


def _identifiers(node: Node) -> list[Node]:
    """The identifiers in an expression (not in nested functions), bounded."""
    out: list[Node] = []
    stack = [node]
    while stack and len(out) < 50:
        cur = stack.pop()
        if cur.type == "identifier":
            out.append(cur)
        elif cur.type not in FUNCTIONS:
            stack.extend(cur.named_children)
    return out


def _nested(fn: Node | None, home: Node | None) -> bool:
    """Whether ``fn`` is ``home`` or a function inside it (a callback of the same code)."""
    if fn is None or home is None:
        return fn is home
    cur: Node | None = fn
    while cur is not None:
        if cur == home:
            return True
        cur = enclosing_function(cur)
    return False


def given_args(data: bytes, site: Node, fn: Node) -> list[Node]:
    """The arguments a call of ``fn`` hands to its parameters: those of ``f(a, b)``, and of
    ``f.call(self, a, b)`` without its first (the receiver) unless ``fn`` is itself named
    ``call`` (``client.call(method, params)``)."""
    args = args_of(site)
    callee = site.child_by_field_name("function")
    prop = callee.child_by_field_name("property") if callee is not None else None
    if callee is None or callee.type != "member_expression" or prop is None:
        return args
    if text(data, prop) != "call":
        return args
    key = fn.child_by_field_name("name") if fn.type == "method_definition" else None
    if key is None and fn.parent is not None and fn.parent.type == "pair":
        key = fn.parent.child_by_field_name("key")
    if key is not None and text(data, key).strip("\"'") == "call":
        return args
    return args[1:]
