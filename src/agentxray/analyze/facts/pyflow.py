"""Python data flow for the rules: which sources reach which sink, and in which role.

The Python counterpart of :mod:`agentxray.analyze.facts.jsflow`, over the ``ast``. It adds
``exec`` command lines, paths spelled out for file reads (``Path.home() / ".kube" / "config"``,
``netrc.netrc()``), requests made through handles (``HTTPSConnection(…).request``,
``socket.create_connection(…).sendall``, sessions), DNS lookups and local helpers, then copies of
the source facts reaching each sink (see :data:`agentxray.rules.engine.FLOW`).
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from agentxray.analyze.facts.common import (
    NETWORK_COMMANDS,
    SECRET_FRAGMENT,
    SECRET_NAMES,
    STRING_ROLES,
    VERSIONISH,
)
from agentxray.analyze.facts.pyscope import (
    FILE_KEY,
    FILLS,
    FUNCTION_NODES,
    Scope,
    assignment,
    is_self,
    passed,
    span,
)
from agentxray.analyze.facts.pysinks import HANDLE_MAKERS, PySinks, Sink
from agentxray.model import Fact, Location
from agentxray.rules.engine import FLOW

logger = logging.getLogger(__name__)

OPAQUE_KINDS = frozenset({"file_read", "exec", "network_request"})
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")
"""An environment variable's name as programs spell their own (upper case)."""
CONFIG_PARSERS = frozenset({"ConfigParser", "RawConfigParser", "SafeConfigParser"})
"""``configparser`` classes whose ``read(path)`` fills the parser with the file."""
MAX_DEPTH = 3
MAX_VISITS = 3000
MAX_NESTING = 40
RESPONSE_META = frozenset({"status", "status_code", "ok", "reason", "headers", "code"})
"""Attributes of a response that say how the request went, not what the server sent."""
ONE_KEY = frozenset({"get", "pop", "setdefault", "getenv"})
"""Methods that read one key of a mapping."""
MAX_FILTER_LINES = 60
OWN_NAMES = frozenset({"__file__"})
DATA_BUILTINS = frozenset({"sorted", "filter", "min", "max", "print", "setattr", "isinstance"})
"""Builtins handed a function that give back (or keep) their data, not its results."""
ARCHIVE_MAKERS = frozenset({"tarfile.open", "tarfile.TarFile", "zipfile.ZipFile"})
"""Archives whose ``add``/``write`` put a file in."""
RUNS = frozenset({"code", "command"})
RUNS_GIVEN = frozenset({"run_in_executor", "submit", "to_thread", "apply_async", "run_sync"})
"""Calls that run the function they are handed and give back its result."""
TREE_WALKS = frozenset({"os.walk", "os.fwalk"})
"""Reads of a whole directory tree (the extractor's ``file_read`` of the root)."""
"""Roles of a sink that run what reaches them."""

Env = dict[tuple[int, int], tuple[ast.AST, "Env"]]


@dataclass
class Visit:
    """One question's budget and what it reached."""

    left: int = MAX_VISITS
    params: set[tuple[int, int]] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)


class PyFlow(PySinks):
    """Adds implied facts and flow copies to one module's facts."""

    def __init__(
        self,
        vpath: str,
        tree: ast.Module,
        facts: list[Fact],
        dotted: Callable[[ast.AST], str | None],
    ) -> None:
        super().__init__(vpath, tree, facts, dotted)
        self._projected: set[tuple[object, ...]] = set()
        self._param_roles: dict[tuple[int, int], set[str]] = {}
        self._sink_params: dict[int, set[tuple[tuple[int, int], str]]] = {}
        self._synthetic: dict[tuple[int, int], Fact] = {}
        self._attributes: dict[int, dict[str, list[ast.AST]]] = {}
        self._nested = 0

    def run(self) -> None:
        """Add implied facts, then the copies of what reaches each sink."""
        self._resolve_paths()
        for f in list(self.facts):
            self._index(f)
        self._listed_reads()
        self._secret_filters()
        self._secret_picks()
        sinks: list[Sink] = []
        sinks += self._execs()
        sinks += self._requests()
        sinks += self._handles()
        sinks += self._codes_and_exits()
        sinks += self._raised_exits()
        sinks += self._file_ops()
        self._file_helpers()
        done: set[int] = set()
        for _round in range(2):
            sinks += self._helpers([s for s in sinks if s.fact.kind == "network_request"], done)
        sinks += self._runner_helpers(sinks)
        sinks += self._write_helpers(sinks)
        for sink in sinks:
            self._project_sink(sink)
        self._gates([s for s in sinks if s.fact.kind == "network_request"])

    def _project_sink(self, sink: Sink) -> None:
        for role, node in sink.roles:
            visit = Visit()
            labels = self.labels(node, visit)
            if role == "target":  # the path it spells, as a string (`*/core.py`)
                loc = Location(self.vpath, getattr(node, "lineno", 1), 1)
                labels.add(Fact("string", self.scopes.path(node), loc))
            self._project(sink.fact, role, labels)
            for key in visit.params:
                self._param_roles.setdefault(key, set()).add(role)
                self._sink_params.setdefault(id(sink.fact), set()).add((key, role))

    def _project(self, sink: Fact, role: str, labels: Iterable[Fact]) -> None:
        for label in labels:
            if label is sink or (label.kind == "string" and role not in STRING_ROLES):
                continue
            key = (
                id(sink),
                role,
                label.kind,
                label.value,
                label.location.line,
                label.location.column,
            )
            if key in self._projected:
                continue
            self._projected.add(key)
            self.facts.append(
                Fact(label.kind, label.value, label.location, FLOW + role, sink.scope, sink.span)
            )

    def labels(
        self, node: ast.AST, visit: Visit, env: Env | None = None, depth: int = 0
    ) -> set[Fact]:
        """Source facts whose values reach ``node``."""
        out: set[Fact] = set()
        self._walk(node, visit, env or {}, depth, out)
        return out

    def _descend(self, node: ast.AST, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        """A nested walk (a variable's value, a helper's return), bounded in depth."""
        if self._nested > MAX_NESTING:
            return
        self._nested += 1
        try:
            self._walk(node, visit, env, depth, out)
        finally:
            self._nested -= 1

    def _walk(self, node: ast.AST, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        stack = [node]
        while stack:
            node = stack.pop()
            if visit.left <= 0:
                return
            visit.left -= 1
            here = self.by_span.get(span(node), ()) if isinstance(node, ast.expr) else ()
            out.update(here)
            if isinstance(node, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(node, ast.Name):
                self._name(node, visit, env, depth, out)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                for value in self.scopes.module.values.get(FILE_KEY + node.value, []):
                    if id(value) not in visit.seen:
                        visit.seen.add(id(value))
                        self._descend(value, visit, env, depth, out)
            elif isinstance(node, ast.Call):
                fn = self.scopes.function_named(node.func)
                opaque = [f for f in here if f.kind in OPAQUE_KINDS and "()." not in f.value]
                if opaque and fn is None:
                    if any(f.kind == "file_read" for f in opaque):
                        self._written(node, visit, env, depth, out)
                    continue  # a file's contents are not its path; a response not its URL
                # A local helper that reads the file it is given returns what its own body
                # reads and collects too (a project scan returning the .env files it found).
                if fn is not None and opaque:
                    # A request helper stands for its requests at the call; what it returns
                    # besides the response (the path it saved a download to) flows on.
                    inner: set[Fact] = set()
                    self._returns(fn, node, visit, env, depth, inner)
                    out.update(f for f in inner if f.kind != "network_request")
                    continue
                if fn is not None:
                    self._returns(fn, node, visit, env, depth, out)
                    continue
                dispatched = self.scopes.callees(node.func)
                if dispatched:  # HANDLERS[kind](x), fn() over a registry: what each returns
                    for each in dispatched:
                        self._returns(each, node, visit, env, depth, out)
                    stack.extend(node.args)
                    continue
                if isinstance(node.func, ast.Name) and node.func.id == "vars" and node.args:
                    whole = ast.Attribute(node.args[0], "__dict__", ast.Load())
                    if is_self(node.args[0]):  # vars(self): every attribute the class assigns
                        for value in self._instance_values(node.args[0], "__dict__"):
                            self._descend(value, visit, env, depth, out)
                        continue
                    if self._held(whole, visit, env, depth, out):
                        continue  # vars(profile): every attribute the class assigns
                record = self._dataclass(node.func)
                if record is not None:
                    self._fields(record, visit, env, depth, out)
                if isinstance(node.func, ast.Attribute) and is_self(node.func.value):
                    # self._loader(): a callable held on the instance (a loader given to
                    # __init__, a partial) gives back what calling it gives
                    self._instance(node.func, visit, env, depth, out)
                if isinstance(node.func, ast.Attribute):
                    if node.func.attr in ONE_KEY and node.args:
                        self._narrowed(node.func.value, visit, env, depth, out)
                    else:
                        stack.append(node.func.value)
                stack.extend(node.args)
                stack.extend(kw.value for kw in node.keywords)
                self._ran(node, visit, env, depth, out)
            elif isinstance(node, ast.Attribute):
                if not is_self(node.value) and self._held(node, visit, env, depth, out):
                    continue
                meta = node.attr in RESPONSE_META
                self._narrowed(node.value, visit, env, depth, out, meta)
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    self._instance(node, visit, env, depth, out)
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                getter = self.scopes.item_getter(node)
                if getter is not None:  # store["flag"]: what the class's __getitem__ answers
                    lookup = ast.Call(ast.Attribute(node.value, "__getitem__"), [node.slice], [])
                    self._returns(getter, lookup, visit, env, depth, out)
                self._narrowed(node.value, visit, env, depth, out)
            elif isinstance(node, ast.Dict):
                stack.extend(v for v in node.values if v is not None)
                stack.extend(
                    k for k in node.keys if k is not None and not isinstance(k, ast.Constant)
                )
            elif isinstance(node, ast.DictComp | ast.ListComp | ast.SetComp | ast.GeneratorExp):
                elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
                stack.extend(elts)
                stack.extend(g.iter for g in node.generators)
            elif isinstance(node, ast.expr):
                stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))

    def _written(self, call: ast.Call, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        """A file the program wrote, read back (``open(path, "rb")``, ``Path(path).read_text()``,
        ``open(tmp.name)``), holds what was written to it."""
        target: ast.AST | None = call.args[0] if call.args else None
        if isinstance(call.func, ast.Attribute) and not isinstance(call.func.value, ast.Name):
            target = call.func.value  # Path(path).read_bytes()
            if isinstance(target, ast.Call) and target.args:
                target = target.args[0]
        elif isinstance(call.func, ast.Attribute) and call.func.attr.startswith("read"):
            target = call.func.value  # dest.read_text()
        while (
            isinstance(target, ast.Call)
            and target.args
            and (self.dotted(target.func) or "").rsplit(".", 1)[-1] in ("str", "fspath", "Path")
        ):
            target = target.args[0]  # sqlite3.connect(str(copy)): the file copy names
        if isinstance(target, ast.Attribute) and target.attr == "name":
            target = target.value  # tmp = NamedTemporaryFile(…); open(tmp.name)
        inside = False
        while isinstance(target, ast.BinOp) and isinstance(target.op, ast.Div):
            target, inside = target.left, True  # (tmp / "n").read_text(): a file in tmp
        if not isinstance(target, ast.Name):
            return
        scope = self.scopes.resolve(target.id, self.scopes.scope_at(target))
        if scope is None:
            return
        held = scope.contents.get(target.id, [])
        if not inside:  # what was written to the file, or copied over it (copy2(db, copy))
            held = [*scope.written.get(target.id, []), *held]
        for value in held:
            if id(value) not in visit.seen:
                visit.seen.add(id(value))
                self._descend(value, visit, env, depth, out)

    def _ran(self, call: ast.Call, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        """A call outside the module handed a local function by name (``run_in_executor(None,
        collect)``, ``pool.submit(collect)``, ``asyncio.to_thread(collect)``) gives back what it
        returns."""
        if isinstance(call.func, ast.Name) and call.func.id in DATA_BUILTINS:
            return
        runs = (self.dotted(call.func) or "").rsplit(".", 1)[-1] in RUNS_GIVEN
        for arg in call.args:
            fn = self.scopes.function_named(arg) if isinstance(arg, ast.Name) else None
            if fn is not None:
                self._returns(fn, ast.Call(arg, [], []), visit, env, depth, out)
            elif runs and isinstance(arg, ast.Attribute):
                self._called_reference(arg, out)  # run_in_executor(None, platform.node)

    def _called_reference(self, ref: ast.AST, out: set[Fact]) -> bool:
        """A library function handed over to be called (a dataclass field's factory, an
        executor's job): its result is what the call fact of ``name()`` would stand for."""
        name = self.dotted(ref) if isinstance(ref, ast.Attribute | ast.Name) else None
        if not name or "." not in name:
            return False
        key = span(ref)
        got = self._synthetic.get(key)
        if got is None:
            line = getattr(ref, "lineno", 1)
            loc = Location(self.vpath, line=line, column=getattr(ref, "col_offset", 0) + 1)
            got = self._synthetic[key] = Fact("call", name, loc, "", "", key)
        out.add(got)
        return True

    def _instance(
        self, node: ast.Attribute, visit: Visit, env: Env, depth: int, out: set[Fact]
    ) -> None:
        """``self.tags``: what the class assigns to the attribute (``self.tags = …`` in any
        method, a class-level value, a dataclass ``field(default_factory=…)``)."""
        key = hash(("instance", id(node)))
        if key in visit.seen:
            return
        visit.seen.add(key)
        try:
            getter = self._property(self.scopes.parents.get(id(node)), node.attr)
            if getter is not None:  # @property / @cached_property: the getter's return
                self._returns(getter, ast.Call(node, [], []), visit, env, depth, out)
            for value in self._instance_values(node):
                if isinstance(value, ast.Call) and value.func is not None:
                    factory = next(
                        (kw.value for kw in value.keywords if kw.arg == "default_factory"), None
                    )
                    if factory is not None:
                        fn = self.scopes.function_named(factory)
                        if fn is not None:
                            self._returns(fn, ast.Call(factory, [], []), visit, env, depth, out)
                        elif isinstance(factory, ast.Lambda):
                            self._descend(factory.body, visit, env, depth, out)
                        else:
                            self._called_reference(factory, out)
                        continue
                self._descend(value, visit, env, depth, out)
        finally:
            visit.seen.discard(key)

    def _dataclass(self, func: ast.AST) -> ast.ClassDef | None:
        """The local ``@dataclass`` a call constructs (its fields are the data it holds)."""
        if not isinstance(func, ast.Name):
            return None
        cls = self.scopes.class_of(func)
        if cls is None:
            return None
        for d in cls.decorator_list:
            target = d.func if isinstance(d, ast.Call) else d
            if (self.dotted(target) or "").rsplit(".", 1)[-1] == "dataclass":
                return cls
        return None

    def _fields(
        self, cls: ast.ClassDef, visit: Visit, env: Env, depth: int, out: set[Fact]
    ) -> None:
        """Default values of a dataclass's fields, ``field(default_factory=…)`` called."""
        key = hash(("fields", id(cls)))
        if key in visit.seen:
            return
        visit.seen.add(key)
        for item in cls.body:
            if not isinstance(item, ast.AnnAssign) or item.value is None:
                continue
            value = item.value
            if isinstance(value, ast.Call):
                factory = next(
                    (kw.value for kw in value.keywords if kw.arg == "default_factory"), None
                )
                if isinstance(factory, ast.Lambda):
                    self._descend(factory.body, visit, env, depth, out)
                    continue
                fn = self.scopes.function_named(factory) if factory is not None else None
                if fn is not None and factory is not None:
                    self._returns(fn, ast.Call(factory, [], []), visit, env, depth, out)
                    continue
                if factory is not None and self._called_reference(factory, out):
                    continue  # field(default_factory=socket.gethostname)
            self._descend(value, visit, env, depth, out)

    def _instance_values(self, node: ast.AST, attr: str | None = None) -> list[ast.AST]:
        """What the class around ``node`` assigns to ``attr`` (``node.attr`` by default)."""
        attr = attr if attr is not None else getattr(node, "attr", "")
        cls = self.scopes.parents.get(id(node))
        while cls is not None and not isinstance(cls, ast.ClassDef):
            cls = self.scopes.parents.get(id(cls))
        if cls is None:
            return []
        attributes = self._class_attributes(cls)
        if attr == "__dict__":  # self.__dict__: every attribute the class assigns
            return [v for vs in attributes.values() for v in vs]
        return attributes.get(attr, [])

    def _held(
        self, node: ast.Attribute, visit: Visit, env: Env, depth: int, out: set[Fact]
    ) -> bool:
        """``profile.aws`` / ``profile.__dict__`` on an instance of a local class made outside
        it: what the class assigns to that attribute, or to every attribute (``__dict__``)."""
        cls = self.scopes.class_of(node.value)
        if cls is None:
            return False
        key = hash(("held", id(cls), node.attr))
        if key in visit.seen:
            return True
        visit.seen.add(key)
        try:
            attributes = self._class_attributes(cls)
            getter = self._property(cls, node.attr)
            if getter is not None:
                self._returns(getter, ast.Call(node, [], []), visit, env, depth, out)
            if node.attr == "__dict__":
                values = [v for vs in attributes.values() for v in vs]
            else:
                values = attributes.get(node.attr, [])
            for value in values:
                self._descend(value, visit, env, depth, out)
        finally:
            visit.seen.discard(key)
        return True

    def _property(
        self, at: ast.AST | None, name: str
    ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The getter of property ``name`` (``@property``, ``@functools.cached_property``) of
        the class ``at`` is, or is in."""
        while at is not None and not isinstance(at, ast.ClassDef):
            at = self.scopes.parents.get(id(at))
        for item in at.body if at is not None else []:
            if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) or item.name != name:
                continue
            for d in item.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                if (self.dotted(target) or "").rsplit(".", 1)[-1].endswith("property"):
                    return item
        return None

    def _class_attributes(self, cls: ast.ClassDef) -> dict[str, list[ast.AST]]:
        """What each attribute of the class's instances is assigned, in any method."""
        cached = self._attributes.get(id(cls))
        if cached is None:
            cached = self._attributes[id(cls)] = {}
            for sub in ast.walk(cls):
                filled = _filled_attribute(sub)
                if filled is not None:  # self.queue.put(event): the attribute now holds it
                    cached.setdefault(filled[0], []).append(filled[1])
                    continue
                assigned = assignment(sub)
                if assigned is None:
                    continue
                targets, value = assigned
                for t in targets:
                    while isinstance(t, ast.Subscript):  # self.seen[key] = value
                        t = t.value
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
                        if t.value.id in ("self", "cls"):
                            cached.setdefault(t.attr, []).append(value)
                    elif isinstance(t, ast.Name) and self.scopes.parents.get(id(sub)) is cls:
                        cached.setdefault(t.id, []).append(value)
        return cached

    def _narrowed(
        self,
        node: ast.AST,
        visit: Visit,
        env: Env,
        depth: int,
        out: set[Fact],
        meta: bool = False,
    ) -> None:
        """What one key of ``node`` carries: ``environ["HOME"]`` is one variable, not all;
        ``r.status_code`` (``meta``) is how a request went, not data the server sent."""
        inner: set[Fact] = set()
        self._descend(node, visit, env, depth, inner)
        out.update(
            f for f in inner if not _whole_env(f) and not (meta and f.kind == "network_request")
        )

    def _name(self, node: ast.Name, visit: Visit, env: Env, depth: int, out: set[Fact]) -> None:
        if node.id in OWN_NAMES:
            out.add(self._synth(node, node.id))
            return
        scope = self.scopes.resolve(node.id, self.scopes.scope_at(node))
        if scope is None:
            return
        key = hash((id(scope), node.id))
        if key in visit.seen:
            return
        visit.seen.add(key)
        try:
            param = scope.params.get(node.id)
            if param is not None:
                bound = env.get((id(param.function), param.index))
                if bound is not None:
                    self._descend(bound[0], visit, bound[1], max(depth - 1, 0), out)
                else:
                    if param.default is not None:
                        self._descend(param.default, visit, env, depth, out)
                    visit.params.add((id(param.function), param.index))
            for value in [*scope.values.get(node.id, []), *scope.contents.get(node.id, [])]:
                self._descend(value, visit, env, depth, out)
        finally:
            visit.seen.discard(key)

    def _returns(
        self,
        fn: ast.FunctionDef | ast.AsyncFunctionDef,
        call: ast.Call,
        visit: Visit,
        env: Env,
        depth: int,
        out: set[Fact],
    ) -> None:
        if depth >= MAX_DEPTH or id(fn) in visit.seen:
            return
        visit.seen.add(id(fn))
        bound = dict(env)
        inner = self.scopes.scope_of_node[id(fn)]
        for i, arg in enumerate(passed(call, fn)):
            bound[(id(fn), i)] = (arg, env)
        for kw in call.keywords:
            param = inner.params.get(kw.arg or "")
            if param is not None:
                bound[(id(fn), param.index)] = (kw.value, env)
        for ret in _returned(fn):
            self._descend(ret, visit, bound, depth + 1, out)
        visit.seen.discard(id(fn))

    def _module_attributes(self) -> list[tuple[str, ast.AST]]:
        """``STATE.flags = value`` on an object held by a module name, anywhere in the file."""
        module = self.scopes.module
        out: list[tuple[str, ast.AST]] = []
        for node in ast.walk(self.scopes.tree):
            if not isinstance(node, ast.Assign):
                continue
            for t in node.targets:
                key = _state_key(t) if isinstance(t, ast.Attribute) else None
                if key is None:
                    continue
                base = key.split(".")[0]
                if self.scopes.resolve(base, self.scopes.scope_at(node)) is module:
                    out.append((key, node.value))
        return out

    def _returned_gates(self) -> None:
        """An answer a local helper fetched and returned (``flags = Client(i).evaluate()``)
        whose field the caller tests to reconfigure an object it was given or to stop the
        program (``if flags.get("off"): agent.disable_tool(…)``): a remote switch."""
        for node in ast.walk(self.scopes.tree):
            if not isinstance(node, ast.If | ast.While):
                continue
            home = self.scopes.scope_at(node)
            if isinstance(home.node, ast.Module) or not self._controls(node, home):
                continue
            for name in ast.walk(node.test):
                if not isinstance(name, ast.Name) or self.scopes.resolve(name.id, home) is not home:
                    continue
                field = self._field(name)
                if not field or field in RESPONSE_META or VERSIONISH.search(field):
                    continue
                answered = self._answered(name.id, home)
                if answered:
                    gate = self._fact("member", ast.unparse(node.test)[:200], node.test)
                    self._project(gate, "condition", answered)
                    break

    def _answered(self, name: str, home: Scope) -> list[Fact]:
        """The requests whose answer a local helper called into ``name`` returns."""
        out: list[Fact] = []
        for value in home.values.get(name, []):
            while isinstance(value, ast.Await):
                value = value.value
            if not isinstance(value, ast.Call):
                continue
            fn = self.scopes.function_named(value.func)
            if fn is None or fn is home.node:
                continue
            inner: set[Fact] = set()
            self._returns(fn, value, Visit(), {}, 0, inner)
            out += [f for f in inner if f.kind == "network_request"]
        return out

    def _controls(self, test: ast.If | ast.While, home: Scope) -> bool:
        """Whether a guarded block reconfigures an object the function was given (a call of
        its method, an attribute set on it) or stops the program."""
        for stmt in test.body:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Call):
                    name = self.dotted(sub.func) or ""
                    if name in ("sys.exit", "os._exit", "exit", "quit", "os.abort"):
                        return True
                    target: ast.AST | None = sub.func
                elif isinstance(sub, ast.Assign):
                    target = sub.targets[0]
                else:
                    continue
                owner = target.value if isinstance(target, ast.Attribute) else None
                if isinstance(owner, ast.Name) and owner.id in home.params and not is_self(owner):
                    return True
        return False

    def _made_client(self, value: ast.AST) -> bool:
        """A client, connection or setting made by a network library's class
        (``aiohttp.ClientSession()``, ``requests.Session()``, ``httpx.Timeout()``): what a test
        of it reads (``session.closed``) is the program's state, not a server's answer."""
        if not isinstance(value, ast.Call):
            return False
        name = self.dotted(value.func) or ""
        last = name.rsplit(".", 1)[-1]
        return name in HANDLE_MAKERS or (
            name.split(".", 1)[0] in _NETWORK_LIBRARIES
            and last[:1].isupper()
            and not last.endswith(("Request", "Response"))
        )

    def _instance_gates(self, sinks: list[Sink]) -> None:
        """A response kept on an instance (``self.flags = fetch_flags()``) and tested by
        another method of the class (``if self.flags.get("read_only")``): a remote switch."""
        for cls in ast.walk(self.scopes.tree):
            if not isinstance(cls, ast.ClassDef):
                continue
            remote: dict[str, list[Sink]] = {}
            tests: list[tuple[ast.expr, ast.Attribute]] = []
            for node in ast.walk(cls):
                if isinstance(node, ast.If | ast.IfExp | ast.While):
                    tests += [
                        (node.test, n)
                        for n in ast.walk(node.test)
                        if isinstance(n, ast.Attribute) and is_self(n.value)
                    ]
            for _node, attr in tests:
                if attr.attr in remote:
                    continue
                values = [v for v in self._instance_values(attr) if not self._made_client(v)]
                labels = {f for v in values for f in self.labels(v, Visit())}
                remote[attr.attr] = [s for s in sinks if s.fact in labels]
            for node, attr in tests:
                home = self.scopes.scope_at(node)
                origin = [s for s in remote.get(attr.attr, []) if s.inside is not home.node]
                field = self._field(attr)
                if not origin or not field or field in RESPONSE_META or VERSIONISH.search(field):
                    continue
                gate = self._fact("member", ast.unparse(node)[:200], node)
                self._project(gate, "condition", [s.fact for s in origin])

    def _field(self, name: ast.AST) -> str:
        """The field a test reads from stored state: ``flag`` in ``cfg["flag"]``,
        ``cfg.get("flag")`` or ``cfg.flag``; ``""`` when the state itself is tested."""
        parent = self.scopes.parents.get(id(name))
        if isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Constant):
            return str(parent.slice.value)
        if not isinstance(parent, ast.Attribute):
            return ""
        call = self.scopes.parents.get(id(parent))
        if parent.attr == "get" and isinstance(call, ast.Call) and call.args:
            first = call.args[0]
            return str(first.value) if isinstance(first, ast.Constant) else ""
        return parent.attr

    def _synth(self, node: ast.AST, name: str) -> Fact:
        key = span(node)
        got = self._synthetic.get(key)
        if got is None:
            line = getattr(node, "lineno", 1)
            loc = Location(self.vpath, line=line, column=getattr(node, "col_offset", 0) + 1)
            got = self._synthetic[key] = Fact("member", name, loc, "", "", key)
        return got

    def _resolve_paths(self) -> None:
        for i, f in enumerate(self.facts):
            if f.kind != "file_read":
                continue
            for call in self._calls(f):
                if isinstance(call.func, ast.Attribute) and call.func.attr in (
                    "read_text",
                    "read_bytes",
                ):
                    target: ast.AST = call.func.value
                elif call.args:
                    target = call.args[0]
                else:
                    continue
                spelled = self.scopes.path(target)
                picked = self.scopes.walked(call) if f.detail in TREE_WALKS else ""
                if picked:  # os.walk(root) keeping the files named in a list: those, anywhere
                    spelled = f"{spelled.rstrip('/') if spelled.strip('*/.') else '*'}/**/{picked}"
                if spelled.strip("*/.") and spelled != f.value:
                    self.facts[i] = Fact(f.kind, spelled, f.location, f.detail, f.scope, f.span)
                break
        for node in ast.walk(self.scopes.tree):
            if isinstance(node, ast.Call) and (self.dotted(node.func) or "") == "netrc.netrc":
                # netrc() reads ~/.netrc; a path the code does not spell out (requests tries a
                # list of candidates to log in to the host it calls) is left alone.
                where = self.scopes.path(node.args[0]) if node.args else "~/.netrc"
                if where.strip("*/."):
                    self._fact("file_read", where, node, "netrc.netrc")
            elif isinstance(node, ast.Call):
                self._parser_read(node)
                self._archived(node)
                self._handed_read(node)

    def _handed_read(self, call: ast.Call) -> None:
        """A file read handed over to be run (``run_in_executor(None, p.read_bytes)``,
        ``asyncio.to_thread(path.read_text)``, ``pool.submit(p.read_bytes)``): it reads the
        file there, as ``p.read_bytes()`` would."""
        if (self.dotted(call.func) or "").rsplit(".", 1)[-1] not in RUNS_GIVEN:
            return
        for arg in call.args:
            if isinstance(arg, ast.Attribute) and arg.attr in ("read_text", "read_bytes"):
                spelled = self.scopes.path(arg.value)
                where = spelled if spelled.strip("*/.") else ast.unparse(arg.value)
                self._fact("file_read", where, arg, arg.attr)

    def _parser_read(self, call: ast.Call) -> None:
        """``cp.read(path)`` on a ``configparser`` parser reads the file into ``cp``: a
        ``file_read`` of the path, and ``cp`` holds what was read from then on."""
        func = call.func
        if (
            not isinstance(func, ast.Attribute)
            or func.attr not in ("read", "read_file")
            or not isinstance(func.value, ast.Name)
            or not call.args
        ):
            return
        name = func.value.id
        scope = self.scopes.resolve(name, self.scopes.scope_at(call))
        values = scope.values.get(name, []) if scope is not None else []
        if not any(
            isinstance(v, ast.Call)
            and (self.dotted(v.func) or "").rsplit(".", 1)[-1] in CONFIG_PARSERS
            for v in values
        ):
            return
        assert scope is not None
        self._fact("file_read", self.scopes.path(call.args[0]), call, f"{name}.{func.attr}")
        scope.bind(name, call)

    def _archived(self, call: ast.Call) -> None:
        """``tar.add(path)`` / ``zf.write(path)`` on an archive being written, and
        ``shutil.make_archive(base, fmt, root_dir)``: the files put in are read, and the archive
        (its handle, the buffer or path it was opened on) holds them from then on."""
        func = call.func
        name = self.dotted(func) or ""
        if name == "shutil.make_archive":
            root = call.args[2] if len(call.args) > 2 else None
            root = next((k.value for k in call.keywords if k.arg == "root_dir"), root)
            if root is not None:
                self._fact("file_read", self.scopes.path(root), call, name)
            return
        if (
            not isinstance(func, ast.Attribute)
            or func.attr not in ("add", "write")
            or not isinstance(func.value, ast.Name)
            or not call.args
        ):
            return
        handle = func.value.id
        scope = self.scopes.resolve(handle, self.scopes.scope_at(call))
        values = scope.values.get(handle, []) if scope is not None else []
        maker = next(
            (
                v
                for v in values
                if isinstance(v, ast.Call) and (self.dotted(v.func) or "") in ARCHIVE_MAKERS
            ),
            None,
        )
        if maker is None or scope is None:
            return
        self._fact("file_read", self.scopes.path(call.args[0]), call, f"{handle}.{func.attr}")
        scope.bind(handle, call)
        given = [
            *maker.args[:1],
            *(k.value for k in maker.keywords if k.arg in ("fileobj", "file")),
        ]
        for target in given:
            if isinstance(target, ast.Name):
                holder = self.scopes.resolve(target.id, self.scopes.scope_at(target))
                if holder is not None:
                    holder.bind(target.id, call)
                    holder.written.setdefault(target.id, []).append(call)

    def _secret_picks(self) -> None:
        """``os.environ.get(name)`` (``os.getenv``, ``os.environ[name]``) where ``name`` takes
        the values of a list of variable names: an ``env_read`` of the secret-named ones,
        ``{AWS_SECRET_ACCESS_KEY,GITHUB_TOKEN}``, when the list names two or more."""
        for f in [f for f in self.facts if f.kind == "env_read" and f.value.isidentifier()]:
            for node in self.scopes.by_span.get(f.span or (0, 0), []):
                key = (
                    node.args[0]
                    if isinstance(node, ast.Call) and node.args
                    else node.slice
                    if isinstance(node, ast.Subscript)
                    else None
                )
                if not isinstance(key, ast.Name):
                    continue
                spelled = self.scopes.path(key)
                names = spelled[1:-1].split(",") if spelled.startswith("{") else []
                secret = [
                    n for n in dict.fromkeys(names) if ENV_NAME.match(n) and SECRET_NAMES.search(n)
                ]
                if len(secret) >= 2:
                    self._fact("env_read", "{" + ",".join(secret) + "}", node)
                break

    def _secret_filters(self) -> None:
        """The whole environment walked with a secret-naming test nearby: an ``env_read`` whose
        value is the pattern (``/(KEY|TOKEN|SECRET)/``)."""
        for f in [f for f in self.facts if f.kind == "env_read" and f.value == "*"]:
            nodes = [n for n in self.scopes.by_span.get(f.span or (0, 0), [])]
            if not nodes:
                continue
            scope = self.scopes.scope_at(nodes[0])
            fn = scope.node
            lines = getattr(fn, "end_lineno", 0) - getattr(fn, "lineno", 0)
            if isinstance(fn, ast.Module) or lines > MAX_FILTER_LINES:
                continue
            pattern = self._secret_pattern(fn)
            if pattern:
                self._fact("env_read", pattern, nodes[0])

    def _secret_pattern(self, fn: ast.AST) -> str:
        for node in ast.walk(fn):
            found = ""
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SECRET_FRAGMENT.match(node.value):
                    found = node.value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("search", "match", "fullmatch", "findall")
            ):
                found = self._regex_source(node.func.value, node)
            if found and SECRET_NAMES.search(found) and not self._negated(node):
                return found if found.startswith("/") else f"/{found}/"
        return ""

    def _regex_source(self, receiver: ast.AST, call: ast.Call) -> str:
        """The pattern of ``PATTERN.search(k)`` or ``re.search(r"…", k)``."""
        if (self.dotted(receiver) or "") == "re" and call.args:
            return self.scopes.string(call.args[0]) or ""
        if isinstance(receiver, ast.Name):
            scope = self.scopes.resolve(receiver.id, self.scopes.scope_at(receiver))
            for value in scope.values.get(receiver.id, []) if scope is not None else []:
                if not isinstance(value, ast.Call) or not value.args:
                    continue
                if (self.dotted(value.func) or "") == "re.compile":
                    return self.scopes.string(value.args[0]) or ""
        return ""

    def _negated(self, node: ast.AST) -> bool:
        parent = self.scopes.parents.get(id(node))
        return isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)

    def _file_helpers(self) -> None:
        """A function that reads the file its parameter names: its calls read that file."""
        for f in [f for f in self.facts if f.kind == "file_read"]:
            for call in self._calls(f):
                target = call.args[0] if call.args else None
                if isinstance(call.func, ast.Attribute) and f.detail.endswith(
                    ("read_text", "read_bytes")
                ):
                    target = call.func.value
                if not isinstance(target, ast.Name):
                    break
                scope = self.scopes.scope_at(call)
                pname = self._param_iterated(target.id, scope)
                param = scope.params.get(pname)
                fn = scope.node
                if param is None or not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    break
                at = f.value.find("/**/") if f.detail in TREE_WALKS else -1
                tail = f.value[at:] if at >= 0 else ""
                for site, args, kwargs in self.scopes.call_sites(fn):
                    given = args[param.index] if 0 <= param.index < len(args) else kwargs.get(pname)
                    if given is None:
                        continue
                    spelled = self.scopes.path(given)
                    known = bool(spelled.strip("*/."))
                    if tail:  # _collect(home) walking home for the names the helper keeps
                        value = (spelled.rstrip("/") if known else "*") + tail
                    elif known:
                        value = spelled
                    else:  # paths a listing found, handed on (tar.add(p) for p in paths)
                        value = self._listed(given) if pname != target.id else ""
                        value = value or ast.unparse(given)
                    self._fact("file_read", value, site, fn.name)
                break

    def _listed_reads(self) -> None:
        """A file read (an archive's ``add``/``write``, an ``open``) whose path the code does
        not spell but a directory walk found: it reads the files the walk picks out."""
        for f in [f for f in self.facts if f.kind == "file_read" and not f.value.strip("*/.")]:
            for call in self._calls(f):
                if call.args and f.detail not in TREE_WALKS:
                    listed = self._listed(call.args[0])
                    if listed:
                        self._fact("file_read", listed, call, f.detail)
                break

    def _param_iterated(self, name: str, scope: Scope) -> str:
        """``name`` itself, or the parameter a loop variable ``name`` iterates
        (``for p in paths``)."""
        if name in scope.params:
            return name
        values = scope.values.get(name, [])
        if len(values) == 1 and isinstance(values[0], ast.Name):
            parent = self.scopes.parents.get(id(values[0]))
            looped = isinstance(parent, ast.For | ast.AsyncFor) and parent.iter is values[0]
            if looped and values[0].id in scope.params:
                return values[0].id
        return name

    def _listed(self, given: ast.AST) -> str:
        """The spelled path of the files a directory walk found that reach ``given``."""
        found = sorted(
            f.value
            for f in self.labels(given, Visit())
            if f.kind == "file_read" and "/**/" in f.value and not f.detail.startswith(FLOW)
        )
        return found[0] if found else ""

    def _helpers(self, sinks: list[Sink], done: set[int]) -> list[Sink]:
        """A function that makes a request: its calls make it, with what reaches its inputs."""
        out: list[Sink] = []
        by_fn: dict[int, tuple[ast.AST, list[Sink]]] = {}
        for sink in sinks:
            if sink.inside is not None and id(sink.inside) not in done:
                by_fn.setdefault(id(sink.inside), (sink.inside, []))[1].append(sink)
        for fn_id, (fn, inner) in by_fn.items():
            done.add(fn_id)
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for s in inner:
                self._project_sink(s)
            destination = [r for s in inner for r in s.roles if r[0] == "destination"]
            for site, args, kwargs in self.scopes.call_sites(fn):
                name = self.dotted(site.func) or fn.name
                fact = self._fact("network_request", name, site, fn.name)
                roles: list[tuple[str, ast.AST]] = []
                scope = self.scopes.scope_of_node[id(fn)]
                for pname, param in scope.params.items():
                    given = args[param.index] if 0 <= param.index < len(args) else kwargs.get(pname)
                    for role in sorted(self._param_roles.get((id(fn), param.index), ())):
                        if given is None:
                            continue
                        # _get(base + "?" + urlencode(q)): the query string is sent, not dialled
                        split = self._url_roles(given) if role == "destination" else []
                        for part_role, part in split or [(role, given)]:
                            roles.append((part_role, part))
                            self._inherit(inner, (id(fn), param.index), part_role, part)
                out.append(Sink(fact, roles + destination, self._function_of(site)))
        return out

    def _inherit(self, inner: list[Sink], key: tuple[int, int], role: str, given: ast.AST) -> None:
        """The request inside a helper carries what its callers hand the parameter that reaches
        it: one request, judged whole (a credential file's content handed to ``send(body)`` makes
        the helper's own request exfiltration, not telemetry beside it)."""
        labels: set[Fact] | None = None
        for s in inner:
            if (key, role) in self._sink_params.get(id(s.fact), ()):
                if labels is None:
                    labels = self.labels(given, Visit())
                self._project(s.fact, role, labels)

    def _runner_helpers(self, sinks: list[Sink]) -> list[Sink]:
        """A function that runs code or a command its parameter gives (``run(code)`` doing
        ``exec(compile(code, …))``): each call of it runs what its argument carries."""
        out: list[Sink] = []
        by_fn: dict[int, tuple[ast.AST, list[Sink]]] = {}
        for sink in sinks:
            if sink.inside is None or not any(r[0] in RUNS for r in sink.roles):
                continue
            by_fn.setdefault(id(sink.inside), (sink.inside, []))[1].append(sink)
        for fn, inner in by_fn.values():
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for s in inner:
                self._project_sink(s)
            scope = self.scopes.scope_of_node[id(fn)]
            for site, args, kwargs in self.scopes.call_sites(fn):
                for s in inner:
                    roles: list[tuple[str, ast.AST]] = []
                    for pname, param in scope.params.items():
                        given = (
                            args[param.index] if 0 <= param.index < len(args) else kwargs.get(pname)
                        )
                        for role in sorted(self._param_roles.get((id(fn), param.index), ())):
                            if given is not None and role in RUNS:
                                roles.append((role, given))
                    spelled = self._site_command(s, fn, site)
                    if spelled and not roles:
                        roles = [("command", a) for a in site.args]
                    if roles:
                        value = spelled or s.fact.value
                        fact = self._fact(s.fact.kind, value, site, fn.name)
                        out.append(Sink(fact, roles, self._function_of(site)))
                        out.extend(self._network_command(site, roles))
        return out

    def _write_helpers(self, sinks: list[Sink]) -> list[Sink]:
        """A function that writes, moves or extracts what its parameters give
        (``def write(self, name, data): (self.root / name).write_bytes(data)``): each call of it
        is that file operation, with what the call hands those parameters and what the helper
        adds itself (its own directory as the target)."""
        out: list[Sink] = []
        for s in sinks:
            fn = s.inside
            if (
                s.fact.kind != "call"
                or not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
                or not any(r[0] in ("target", "content") for r in s.roles)
            ):
                continue
            self._project_sink(s)
            reached = self._sink_params.get(id(s.fact), set())
            if not reached:
                continue
            scope = self.scopes.scope_of_node[id(fn)]
            for site, args, kwargs in self.scopes.call_sites(fn):
                roles: list[tuple[str, ast.AST]] = []
                for pname, param in scope.params.items():
                    given = args[param.index] if 0 <= param.index < len(args) else kwargs.get(pname)
                    for key, role in sorted(reached):
                        if key == (id(fn), param.index) and given is not None:
                            roles.append((role, given))
                if roles:
                    fact = self._fact("call", s.fact.value, site, fn.name)
                    out.append(Sink(fact, roles + s.roles, self._function_of(site)))
        return out

    def _site_command(self, sink: Sink, fn: ast.AST, site: ast.Call) -> str:
        """The command line a runner helper's call runs, when the site makes it more
        specific than the helper's own (``_git("reset", "--hard")`` → ``git -C … reset
        --hard``); ``""`` otherwise."""
        if sink.fact.kind != "exec":
            return ""
        for inner in self._calls(sink.fact):
            spelled = self.scopes.site_command(inner, fn, site)
            known = [w for w in spelled.split() if w != "*"]
            if spelled != sink.fact.value and len(known) > 1:
                return spelled
        return ""

    def _network_command(self, site: ast.Call, roles: list[tuple[str, ast.AST]]) -> list[Sink]:
        """A runner helper given ``["git", "push", …]`` or ``["curl", …]``: a request that
        carries the call's other arguments too (the working tree pushed, the file posted)."""
        for role, given in roles:
            if role != "command" or not isinstance(given, ast.List | ast.Tuple):
                continue
            command = self.scopes.command(ast.Call(ast.Name("_", ast.Load()), [given], []))
            if not NETWORK_COMMANDS.match(command):
                continue
            fact = self._fact("network_request", command, site, command)
            parts: list[ast.AST] = [*site.args, *(k.value for k in site.keywords)]
            sent = [("payload", a) for a in parts]
            return [Sink(fact, sent, self._function_of(site))]
        return []

    def _gates(self, sinks: list[Sink]) -> None:
        """A response kept in module state and tested by another function: a remote switch."""
        module = self.scopes.module
        remote: dict[str, list[Sink]] = {}
        for name, values in module.values.items():
            for value in values:
                if self._made_client(value):
                    continue
                labels = self.labels(value, Visit())
                hits = [s for s in sinks if s.fact in labels]
                if hits:
                    remote.setdefault(name, []).extend(hits)
        for target, value in self._module_attributes():
            hits = [s for s in sinks if s.fact in self.labels(value, Visit())]
            if hits:
                remote.setdefault(target, []).extend(hits)
        self._instance_gates(sinks)
        self._returned_gates()
        if not remote:
            return
        for node in ast.walk(self.scopes.tree):
            if not isinstance(node, ast.If | ast.IfExp | ast.While):
                continue
            home = self.scopes.scope_at(node)
            if isinstance(home.node, ast.Module):
                continue
            for name_node in ast.walk(node.test):
                key = _state_key(name_node)
                if key is None or key not in remote:
                    continue
                base = key.split(".")[0]
                if self.scopes.resolve(base, home) is not module:
                    continue
                field = self._field(name_node)
                if not field or VERSIONISH.search(field):
                    continue
                origin = [s for s in remote[key] if s.inside is not home.node]
                if origin:
                    gate = self._fact("member", ast.unparse(node.test)[:200], node.test)
                    self._project(gate, "condition", [s.fact for s in origin])
                break


_NETWORK_LIBRARIES = frozenset(n.split(".", 1)[0] for n in HANDLE_MAKERS) - {"asyncio"}
"""Top-level modules of the network clients (``aiohttp``, ``requests``, ``httpx``, ``http``…)."""


def _state_key(node: ast.AST) -> str | None:
    """``flags`` for a module name, ``STATE.flags`` for an attribute of a module object."""
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and not is_self(node.value)
    ):
        return f"{node.value.id}.{node.attr}"
    return None


def _filled_attribute(node: ast.AST) -> tuple[str, ast.AST] | None:
    """``self.buffer.append(rec)`` (``self.q.put_nowait(e)``, ``self.seen[k].add(x)``): the
    instance attribute filled and the value put in."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in FILLS
        and node.args
    ):
        return None
    target = node.func.value
    while isinstance(target, ast.Subscript):
        target = target.value
    if isinstance(target, ast.Attribute) and is_self(target.value):
        return target.attr, node.args[-1]
    return None


def _whole_env(fact: Fact) -> bool:
    return fact.kind == "env_read" and (fact.value == "*" or fact.value.startswith("/"))


def _returned(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (*FUNCTION_NODES, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            out.append(node.value)
        elif (  # a generator's values: `for line in self._lines()` iterates what it yields
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Yield | ast.YieldFrom)
            and node.value.value is not None
        ):
            out.append(node.value.value)
        elif isinstance(node, ast.stmt):
            stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt))
            stack.extend(h for h in getattr(node, "handlers", []))
        elif isinstance(node, ast.ExceptHandler):
            stack.extend(node.body)
    return out
