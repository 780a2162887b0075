"""Python sinks for the data flow: requests (calls, handles, sessions, sockets, DNS), code
runners, exits, file writes and process starts, each with the expressions that reach it in each
role (see :mod:`agentxray.analyze.facts.pyflow`)."""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable
from dataclasses import dataclass

from agentxray.analyze.facts.common import NETWORK_COMMANDS
from agentxray.analyze.facts.pyscope import (
    FUNCTION_NODES,
    OWN_FILE,
    PyScopes,
    assignment,
    span,
    write_mode,
)
from agentxray.model import Fact, FactKind, Location

logger = logging.getLogger(__name__)

SOURCE_KINDS = frozenset(
    {"env_read", "file_read", "network_request", "url", "exec", "member", "call", "string"}
)
EXEC_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.Popen",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        "pty.spawn",
    }
)
EXIT_CALLS = frozenset({"sys.exit", "os._exit", "os.abort", "exit", "quit"})
CODE_CALLS = frozenset({"builtins.exec", "builtins.eval", "compile"})
DESERIALIZERS = frozenset(
    {"pickle.loads", "pickle.load", "marshal.loads", "marshal.load", "dill.loads", "dill.load"}
    | {"cloudpickle.loads", "cloudpickle.load", "yaml.unsafe_load", "types.FunctionType"}
)
"""Calls that turn bytes into running code: unpickling runs what the pickle says, a marshalled
code object called is a function of the sender's."""
LOADS = {  # name: index of the argument naming the code loaded
    "runpy.run_path": 0,
    "importlib.import_module": 0,
    "importlib.util.spec_from_file_location": 1,
    "importlib.machinery.SourceFileLoader": 1,
}
FILE_OPS = {  # name: (index of the file replaced, index of what is put there)
    "os.replace": (1, 0),
    "os.rename": (1, 0),
    "shutil.move": (1, 0),
    "shutil.copy": (1, 0),
    "shutil.copy2": (1, 0),
    "shutil.copyfile": (1, 0),
}
HANDLE_MAKERS = (
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
    "socket.create_connection",
    "socket.socket",
    "ssl.wrap_socket",
    "requests.Session",
    "requests.session",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "urllib3.PoolManager",
    "smtplib.SMTP",
    "smtplib.SMTP_SSL",
    "ftplib.FTP",
    "websocket.create_connection",
    "websockets.connect",
    "asyncio.open_connection",
)
NETWORK_MODULES = (
    "socket",
    "ssl",
    "http.client",
    "requests",
    "httpx",
    "aiohttp",
    "urllib3",
    "smtplib",
    "ftplib",
    "imaplib",
    "poplib",
    "nntplib",
    "telnetlib",
    "websocket",
    "websockets",
    "paramiko",
    "asyncssh",
    "xmlrpc.client",
    "paho.mqtt.client",
    "pika",
)
"""Modules whose classes (and ``connect``-like functions) make a connection or client to a
remote host: a handle made by one is a network handle whatever the class is called
(``ftplib.FTP_TLS``, ``imaplib.IMAP4_SSL``, ``poplib.POP3``, ``paramiko.SSHClient``)."""
HANDLE_FUNCTIONS = frozenset(
    {"connect", "create_connection", "open_connection", "session", "wrap_socket", "client"}
)
NOT_HANDLES = ("Error", "Exception", "Request", "Response", "Timeout", "Limits", "Auth")
"""Classes of those modules that are values, not connections."""
STREAM_MAKERS = frozenset({"asyncio.open_connection"})
"""Makers of a (reader, writer) pair: the writer's ``write`` sends."""
CLIENT_MODULES = frozenset({"requests", "httpx"})
"""Modules whose functions are requests (a parameter defaulting to one is a client)."""
HANDLE_SENDS = frozenset(
    {
        "request",
        "send",
        "sendall",
        "sendto",
        "post",
        "put",
        "patch",
        "get",
        "delete",
        "urlopen",
        "sendmail",
        "send_message",
        "storbinary",
        "putrequest",
    }
    | {"storlines", "append", "publish", "basic_publish", "sendfile", "putfo", "upload"}
    | {"send_bytes", "send_str", "send_json", "send_text", "send_string", "send_multipart"}
)
CARRIES_ALL = frozenset(
    {"send", "sendall", "sendto", "sendmail", "send_message", "write", "writelines"}
    | {"storbinary", "storlines", "append", "publish", "basic_publish", "sendfile", "putfo"}
    | {"upload", "send_bytes", "send_str", "send_json", "send_text", "send_string"}
    | {"send_multipart"}
)
"""Methods of a handle whose every argument is data sent (a mail, a stored file, a message);
the HTTP verbs take a URL first."""


def network_maker(name: str) -> bool:
    """Whether a call of ``name`` makes a network handle: a listed maker, or a class (or a
    ``connect``-like function) of a network module."""
    if name in HANDLE_MAKERS:
        return True
    module, _, last = name.rpartition(".")
    if not any(module == m or module.startswith(m + ".") for m in NETWORK_MODULES):
        return False
    if last in HANDLE_FUNCTIONS:
        return True
    return last[:1].isupper() and not last.endswith(NOT_HANDLES)


SOCKET_SENDS = frozenset({"send", "sendall", "sendto"})
SOCKET_MODULES = ("socket.", "ssl.", "websocket.", "websockets.")
DNS_CALLS = frozenset(
    {
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.getaddrinfo",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "dns.resolver.Resolver().resolve",
    }
)
PAYLOAD_KEYWORDS = frozenset({"data", "json", "files", "params", "content", "body", "msg"})
HEADER_KEYWORDS = frozenset({"headers", "auth", "cookies"})
DESTINATION_KEYWORDS = frozenset({"url", "host", "address"})


@dataclass
class Sink:
    """A fact that copies attach to, and the expressions that reach it in each role."""

    fact: Fact
    roles: list[tuple[str, ast.AST]]
    inside: ast.AST | None = None


def _added(node: ast.AST) -> list[ast.AST]:
    """The operands of a chain of ``+`` (``a + "?" + b`` is ``[a, "?", b]``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _added(node.left) + _added(node.right)
    return [node]


def _operands(value: ast.AST) -> list[ast.AST]:
    """What a binding may hold: each side of ``client or Client()`` and of
    ``Client() if client is None else client``, awaited values as the value."""
    while isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.BoolOp):
        return [v for part in value.values for v in _operands(part)]
    if isinstance(value, ast.IfExp):
        return _operands(value.body) + _operands(value.orelse)
    return [value]


class PySinks:
    """Finds the sinks of one module and adds the facts they imply."""

    def __init__(
        self,
        vpath: str,
        tree: ast.Module,
        facts: list[Fact],
        dotted: Callable[[ast.AST], str | None],
    ) -> None:
        self.vpath = vpath
        self.facts = facts
        self.dotted = dotted
        self.scopes = PyScopes(tree, dotted)
        self.by_span: dict[tuple[int, int], list[Fact]] = {}

    def _fact(self, kind: FactKind, value: str, node: ast.AST, detail: str = "") -> Fact:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        fact = Fact(
            kind,
            value[:2000],
            Location(self.vpath, line=line, column=col + 1),
            detail[:200],
            self._scope_name(node),
            span(node),
        )
        self.facts.append(fact)
        self._index(fact)
        return fact

    def _scope_name(self, node: ast.AST) -> str:
        """The extractor's scope key: ``Class@3.method@7``."""
        names: list[str] = []
        cur = self.scopes.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.append(f"{cur.name}@{cur.lineno}")
            cur = self.scopes.parents.get(id(cur))
        return ".".join(reversed(names))

    def _index(self, fact: Fact) -> None:
        if fact.span is not None and fact.kind in SOURCE_KINDS:
            self.by_span.setdefault(fact.span, []).append(fact)

    def _calls(self, fact: Fact) -> list[ast.Call]:
        if fact.span is None:
            return []
        return [n for n in self.scopes.by_span.get(fact.span, []) if isinstance(n, ast.Call)]

    def _function_of(self, node: ast.AST) -> ast.AST | None:
        scope = self.scopes.scope_at(node)
        return None if isinstance(scope.node, ast.Module) else scope.node

    def _execs(self) -> list[Sink]:
        out: list[Sink] = []
        for f in [f for f in self.facts if f.kind == "call"]:
            if f.value not in EXEC_CALLS and not f.value.startswith("os.exec"):
                continue
            for call in self._calls(f):
                command = self._in_directory(self.scopes.command(call), call)
                known = any(word != "*" for word in command.split())
                fact = self._fact("exec", command, call) if known else f
                roles: list[tuple[str, ast.AST]] = [("command", a) for a in call.args]
                inside = self._function_of(call)
                network = self._request_command(call, command)
                if network:
                    request = self._fact("network_request", network, call, network)
                    sent: list[tuple[str, ast.AST]] = [("payload", a) for a in call.args]
                    # the directory a `git push` or `curl -T .` runs in is what it sends
                    sent += [("payload", k.value) for k in call.keywords if k.arg == "cwd"]
                    out.append(Sink(request, sent, inside))
                out.append(Sink(fact, roles, inside))
                break
        return out

    def _request_command(self, call: ast.Call, command: str) -> str:
        """The command line that makes a request, also when the argument list is a variable
        given one of several lists (``cmd = [dig, "TXT", name]`` or ``["nslookup", …]``)."""
        if NETWORK_COMMANDS.match(command):
            return command
        first = call.args[0] if call.args else None
        if not isinstance(first, ast.Name):
            return ""
        scope = self.scopes.resolve(first.id, self.scopes.scope_at(first))
        for value in (scope.values.get(first.id, []) if scope is not None else [])[:4]:
            if isinstance(value, ast.List | ast.Tuple):
                spelled = self.scopes.command(ast.Call(ast.Name("_", ast.Load()), [value], []))
                if NETWORK_COMMANDS.match(spelled):
                    return spelled
        return ""

    def _in_directory(self, command: str, call: ast.Call) -> str:
        """``git …`` run with ``cwd=`` the program's own directory, spelled ``git -C dir …``."""
        cwd = next((k.value for k in call.keywords if k.arg == "cwd"), None)
        if cwd is None or not command.startswith("git "):
            return command
        where = self.scopes.path(cwd)
        return f"git -C {where} {command[4:]}" if OWN_FILE in where else command

    def _call_roles(self, name: str, call: ast.Call) -> list[tuple[str, ast.AST]]:
        """Roles of a request call's arguments (requests/httpx/urllib style)."""
        last = name.rsplit(".", 1)[-1]
        args = list(call.args)
        roles: list[tuple[str, ast.AST]] = []
        if last == "request" and len(args) > 1 and _is_method(args[0]):
            args = args[1:]  # request("POST", url, …)
        if last == "urlopen" and args:
            made = self._request_object(args[0])
            if made is not None:
                roles += self._call_roles("Request", made)
            else:
                roles += self._url_roles(args[0])
            roles += [("payload", a) for a in args[1:2]]
        elif args:
            roles += self._url_roles(args[0])
            if last in ("Request", "post", "put", "patch", "request", "send", "sendall", "sendto"):
                roles += [("payload", a) for a in args[1:2]]
            if last in ("Request", "request"):
                roles += [("header", a) for a in args[2:3]]
        for kw in call.keywords:
            if kw.arg in PAYLOAD_KEYWORDS:
                roles.append(("payload", kw.value))
            elif kw.arg in HEADER_KEYWORDS:
                roles.append(("header", kw.value))
            elif kw.arg in DESTINATION_KEYWORDS:
                roles += self._url_roles(kw.value)
        return roles

    def _request_object(self, node: ast.AST) -> ast.Call | None:
        """The ``Request(…)`` a name or expression stands for."""
        if isinstance(node, ast.Call) and (self.dotted(node.func) or "").endswith("Request"):
            return node
        if isinstance(node, ast.Name):
            scope = self.scopes.resolve(node.id, self.scopes.scope_at(node))
            for value in scope.values.get(node.id, []) if scope is not None else []:
                if isinstance(value, ast.Call) and (self.dotted(value.func) or "").endswith(
                    "Request"
                ):
                    return value
        return None

    def _url_roles(self, node: ast.AST) -> list[tuple[str, ast.AST]]:
        """A URL: what precedes ``?`` is the destination, the query string is payload."""
        roles: list[tuple[str, ast.AST]] = [("destination", node)]
        if isinstance(node, ast.JoinedStr):
            query = False
            for v in node.values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    query = query or "?" in v.value
                elif isinstance(v, ast.FormattedValue) and query:
                    roles.append(("payload", v.value))
        elif isinstance(node, ast.Tuple) and node.elts:  # (host, port)
            roles = [("destination", node.elts[0])]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            # base + "?" + urlencode(params): what follows the "?" is the query string
            parts = _added(node)
            for at, part in enumerate(parts):
                if isinstance(part, ast.Constant) and "?" in str(part.value):
                    roles = [("destination", p) for p in parts[:at]]
                    roles += [("payload", p) for p in parts[at + 1 :]]
                    break
        return roles

    def _requests(self) -> list[Sink]:
        out: list[Sink] = []
        for f in [f for f in self.facts if f.kind == "network_request"]:
            if "()." in f.value:
                continue  # urlopen(…).read: the request is the inner call
            for call in self._calls(f):
                out.append(Sink(f, self._call_roles(f.value, call), self._function_of(call)))
                break
        for f in [f for f in self.facts if f.kind == "call"]:
            dns = f.value in DNS_CALLS
            fetch = f.value.endswith("urlretrieve")
            if not dns and not fetch:
                continue
            for call in self._calls(f):
                fact = self._fact("network_request", f.value, call, f.detail)
                first: list[ast.AST] = list(call.args[:1])
                roles = [("payload", a) for a in first] + [("destination", a) for a in first]
                if fetch:
                    roles = self._url_roles(call.args[0]) if call.args else []
                out.append(Sink(fact, roles, self._function_of(call)))
                break
        return out

    def _handles(self) -> list[Sink]:
        """``conn.request(…)``, ``sock.sendall(…)``, ``session.post(…)`` on a handle made by a
        connection or session constructor (assigned, or bound by ``with … as``)."""
        out: list[Sink] = []
        for node in ast.walk(self.scopes.tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            method = node.func.attr
            receiver = node.func.value
            stream = method in ("write", "writelines")
            if method not in HANDLE_SENDS and not stream:
                continue
            if isinstance(receiver, ast.Name):
                maker = self._maker(receiver, wrapped=method in SOCKET_SENDS)
            elif isinstance(receiver, ast.Attribute):
                maker = self._attribute_maker(receiver)
            else:
                continue
            if maker is None:
                continue
            made_by = self.dotted(maker.func) or ""
            if stream and made_by not in STREAM_MAKERS:
                continue
            value = f"{made_by}().{method}"
            fact = self._fact("network_request", value, node, _first(node))
            roles = self._call_roles(method, node)
            if method in CARRIES_ALL:
                roles = [("payload", a) for a in node.args] + [
                    r for r in roles if r[0] != "destination"
                ]
            roles += [r for a in maker.args[:1] for r in self._url_roles(a)]
            out.append(Sink(fact, roles, self._function_of(node)))
        return out

    def _attribute_maker(self, attr: ast.Attribute) -> ast.Call | None:
        """The constructor call behind ``self.sock``: an assignment to ``self.sock`` in the
        class, or a class-level field (``sock = field(default_factory=lambda: socket(…))``)."""
        if not isinstance(attr.value, ast.Name) or attr.value.id not in ("self", "cls"):
            return None
        cls = self.scopes.parents.get(id(attr))
        while cls is not None and not isinstance(cls, ast.ClassDef):
            cls = self.scopes.parents.get(id(cls))
        if cls is None:
            return None
        for node in ast.walk(cls):
            assigned = assignment(node)
            if assigned is None:
                continue
            targets, value = assigned
            named = any(
                (isinstance(t, ast.Attribute) and t.attr == attr.attr)
                or (isinstance(t, ast.Name) and t.id == attr.attr)
                for t in targets
            )
            if not named:
                continue
            for sub in ast.walk(value):
                if isinstance(sub, ast.Call) and network_maker(self.dotted(sub.func) or ""):
                    return sub
        return None

    def _maker(self, name: ast.Name, wrapped: bool = False, depth: int = 0) -> ast.Call | None:
        """The constructor call behind the handle ``name`` holds; with ``wrapped``, also through
        a wrapper given a socket (``tls = ctx.wrap_socket(raw)``, ``Framed(sock)``): bytes
        sent through the wrapper leave through the socket it wraps."""
        scope = self.scopes.resolve(name.id, self.scopes.scope_at(name))
        param = scope.params.get(name.id) if scope is not None else None
        if param is not None and param.default is not None:
            # def report(e, session=requests): session.post(…) — the module is the default
            default = param.default
            if isinstance(default, ast.expr) and (self.dotted(default) or "") in CLIENT_MODULES:
                return ast.Call(default, [], [])
            if isinstance(default, ast.Call) and network_maker(self.dotted(default.func) or ""):
                return default
        bound = scope.values.get(name.id, []) if scope is not None else []
        for value in [v for b in bound for v in _operands(b)]:
            if (
                isinstance(value, ast.expr)
                and (self.dotted(value) or "") in CLIENT_MODULES
                and not (isinstance(value, ast.Name) and value.id == name.id)
            ):
                return ast.Call(value, [], [])  # session = session or requests
            if isinstance(value, ast.Call) and network_maker(self.dotted(value.func) or ""):
                return value
            if wrapped and depth < 3 and isinstance(value, ast.Call):
                for arg in value.args:
                    inner = self._maker(arg, True, depth + 1) if isinstance(arg, ast.Name) else None
                    if isinstance(arg, ast.Call):  # Framed(socket.create_connection(…))
                        inner = arg
                    made_by = self.dotted(inner.func) or "" if inner is not None else ""
                    if inner is not None and made_by.startswith(SOCKET_MODULES):
                        return inner
        return None

    def _codes_and_exits(self) -> list[Sink]:
        out: list[Sink] = []
        for f in [f for f in self.facts if f.kind == "call"]:
            code_call = f.value in CODE_CALLS or f.value in DESERIALIZERS
            at = LOADS.get(f.value, 0 if code_call else None)
            code = at is not None
            if not code and f.value not in EXIT_CALLS:
                continue
            for call in self._calls(f):
                if at is not None:
                    given = call.args[at : at + 1] or [
                        k.value for k in call.keywords if k.arg in ("location", "path")
                    ]
                    out.append(Sink(f, [("code", a) for a in given], self._function_of(call)))
                else:
                    roles = [("condition", c) for c in self._conditions(call)]
                    if roles:
                        out.append(Sink(f, roles, self._function_of(call)))
                break
        return out

    def _raised_exits(self) -> list[Sink]:
        """``raise SystemExit(…)``: an exit, decided by the tests around it."""
        out: list[Sink] = []
        for node in ast.walk(self.scopes.tree):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if not isinstance(exc, ast.Name) or exc.id not in ("SystemExit", "KeyboardInterrupt"):
                continue
            roles = [("condition", c) for c in self._conditions(node)]
            if roles:
                fact = self._fact("call", "SystemExit", node)
                out.append(Sink(fact, roles, self._function_of(node)))
        return out

    def _conditions(self, node: ast.AST) -> list[ast.AST]:
        """The tests that decide whether ``node`` runs, up to its function."""
        out: list[ast.AST] = []
        cur = node
        parent = self.scopes.parents.get(id(cur))
        while parent is not None and not isinstance(parent, (*FUNCTION_NODES, ast.Module)):
            if isinstance(parent, ast.If | ast.IfExp | ast.While) and cur is not parent.test:
                out.append(parent.test)
            elif isinstance(parent, ast.BoolOp):
                index = next((i for i, v in enumerate(parent.values) if v is cur), 0)
                out.extend(parent.values[:index])
            cur, parent = parent, self.scopes.parents.get(id(parent))
        return out + [t for c in out for t in self._truth_methods(c)]

    def _truth_methods(self, test: ast.AST) -> list[ast.AST]:
        """``if gate:`` on an object whose class defines ``__bool__`` (or ``__len__``) runs
        that method: the test is decided by what it returns (``KILL = Gate("kill_switch")``
        answering from a fetched rule set)."""
        out: list[ast.AST] = []
        stack = [test]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.BoolOp):
                stack.extend(node.values)
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                stack.append(node.operand)
            elif isinstance(node, ast.Name | ast.Attribute):
                cls = self.scopes.class_of(node)
                for item in cls.body if cls is not None else []:
                    if isinstance(item, ast.FunctionDef) and item.name in ("__bool__", "__len__"):
                        call = ast.Call(ast.Attribute(node, item.name, ast.Load()), [], [])
                        out.append(ast.copy_location(call, node))
                        break
        return out

    def _file_ops(self) -> list[Sink]:
        out: list[Sink] = []
        for f in [f for f in self.facts if f.kind == "call"]:
            last = f.value.rsplit(".", 1)[-1]
            spec = FILE_OPS.get(f.value)
            for call in self._calls(f):
                roles: list[tuple[str, ast.AST]] = []
                if spec is not None:
                    if spec[0] < len(call.args):
                        roles.append(("target", call.args[spec[0]]))
                    if spec[1] < len(call.args):
                        roles.append(("content", call.args[spec[1]]))
                elif last == "open" and call.args and write_mode(call):
                    roles.append(("target", call.args[0]))
                    roles += [("content", v) for v in self._written_through(call)]
                elif last in ("write_bytes", "write_text") and isinstance(call.func, ast.Attribute):
                    roles.append(("target", call.func.value))
                    roles += [("content", a) for a in call.args[:1]]
                elif last in ("extractall", "extract") and isinstance(call.func, ast.Attribute):
                    # archive.extractall(dest): the archive's members are put in dest
                    where = call.args[-1] if call.args else _keyword(call, "path")
                    if last == "extract" and len(call.args) < 2:
                        where = _keyword(call, "path")
                    if where is not None:
                        roles += [("target", where), ("content", call.func.value)]
                elif f.value == "shutil.unpack_archive" and len(call.args) > 1:
                    roles += [("target", call.args[1]), ("content", call.args[0])]
                if roles:
                    out.append(Sink(f, roles, self._function_of(call)))
                break
        return out

    def _written_through(self, opened: ast.Call) -> list[ast.AST]:
        """What is written into the handle an ``open()`` call returns."""
        parent = self.scopes.parents.get(id(opened))
        names: list[str] = []
        if isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
            names.append(parent.optional_vars.id)
        elif isinstance(parent, ast.Assign):
            names += [t.id for t in parent.targets if isinstance(t, ast.Name)]
        scope = self.scopes.scope_at(opened)
        return [v for n in names for v in scope.values.get(n, []) if v is not opened]


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_method(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and str(node.value).upper() in (
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "HEAD",
        "OPTIONS",
    )


def _first(call: ast.Call) -> str:
    return ast.unparse(call.args[0])[:200] if call.args else ""
