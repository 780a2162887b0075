"""Python names resolved over the ``ast``: what each scope assigns, and paths and command lines
spelled out from constants.

One walk records, per function (and for the module), the values assigned to each name (flow
insensitive: every assignment counts), parameters, nested functions and ``global`` names, plus
writes that make a name carry data without an assignment: ``open(name, "wb")`` then
``f.write(data)``, ``urlretrieve(url, name)``, ``Path(name).write_bytes(data)``.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentxray.analyze.python.evaluate import Evaluator

logger = logging.getLogger(__name__)

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
SCOPE_NODES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
WRITE_MODES = frozenset("wax")
FILE_KEY = "\0file:"
"""Names under which a literal path's written contents are kept (``open("/tmp/x", "wb")``)."""
FILLS = frozenset(
    {"append", "extend", "add", "insert", "appendleft", "update", "setdefault"}
    | {"put", "put_nowait", "push", "extendleft"}
)
"""Methods that put their (last) argument into the container they are called on (lists, sets,
dicts, deques and queues alike: what is put in is what a later ``get``/``pop`` gives back)."""
BUILDS = ("add", "attach", "set", "write", "put", "push", "feed", "insert", "extend")
"""Verbs of the methods that put their arguments into the object they are called on, when
called for their effect (``msg.add_attachment(data)``, ``part.set_payload(raw)``,
``form.add_field("f", blob)``)."""
OWN_FILE = "__file__"
"""How a path built from the module's own location is spelled."""
SAME_PATH = frozenset({"expanduser", "resolve", "absolute"})
"""``Path`` methods that name the same file (``Path(__file__).resolve()``)."""
DIRECTORY_FILLS = frozenset({"copy", "copy2", "copyfile", "copytree", "move", "unpack_archive"})
MAX_ALTERNATIVES = 16
"""Paths of a loop over a literal collection spelled out (``{a,b,c}``) at most."""
CallSite = tuple[ast.Call, list[ast.AST], dict[str, ast.AST]]
"""A call of a local function: the call, its positional and its keyword arguments."""


ORDER_ONLY = frozenset({"sorted", "list", "tuple", "reversed", "set", "frozenset"})
"""Calls that give back the entries of what they are handed, in another order or container."""


def span(node: ast.AST) -> tuple[int, int]:
    """The span the Python extractor gives a node (line and column packed)."""
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0)
    end = (getattr(node, "end_lineno", line), getattr(node, "end_col_offset", col))
    return (line * 1_000_000 + col, end[0] * 1_000_000 + end[1])


def write_mode(call: ast.Call) -> bool:
    """Whether an ``open()`` call opens for writing (a literal mode with w, a or x)."""
    mode: ast.AST | None = call.args[1] if len(call.args) > 1 else None
    for kw in call.keywords:
        if kw.arg == "mode":
            mode = kw.value
    if not isinstance(mode, ast.Constant) or not isinstance(mode.value, str):
        return False
    return bool(WRITE_MODES & set(mode.value)) and "+" not in mode.value


@dataclass
class Param:
    """One parameter of a function."""

    function: ast.AST
    index: int
    default: ast.AST | None = None


@dataclass
class Scope:
    """Names bound in one function or the module."""

    node: ast.AST
    parent: Scope | None
    values: dict[str, list[ast.AST]] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)
    functions: dict[str, ast.AST] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    contents: dict[str, list[ast.AST]] = field(default_factory=dict)
    """Files copied or written into the directory a name holds (``shutil.copy(src, d / n)``)."""
    written: dict[str, list[ast.AST]] = field(default_factory=dict)
    """What is written to the file a name holds, or through the handle it holds."""

    def bind(self, name: str, value: ast.AST) -> None:
        """Record one value a name is given."""
        target = self.module() if name in self.globals else self
        target.values.setdefault(name, []).append(value)

    def module(self) -> Scope:
        """The module scope."""
        cur = self
        while cur.parent is not None:
            cur = cur.parent
        return cur


class PyScopes:
    """Scopes of one module, with a parent map for walking up from any node."""

    def __init__(self, tree: ast.Module, dotted: Callable[[ast.AST], str | None]) -> None:
        self.tree = tree
        self.dotted = dotted
        self.parents: dict[int, ast.AST] = {}
        self.scope_of_node: dict[int, Scope] = {}
        self.by_span: dict[tuple[int, int], list[ast.AST]] = {}
        self.module = Scope(tree, None)
        self._evaluator: Evaluator | None = None
        self.scope_of_node[id(tree)] = self.module
        self._fills: list[tuple[Scope, str, ast.AST]] = []
        self._builds: list[tuple[Scope, str, ast.AST]] = []
        self._classes: dict[int, ast.ClassDef | None] = {}
        self._pending: set[int] = set()
        self._cyclic = False
        self._fields: dict[int, dict[str, list[ast.AST]]] = {}
        self._definers: dict[str, list[ast.ClassDef]] | None = None
        self._callees: dict[int, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self._walk(tree, self.module)
        self._filled_containers()
        self.calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        self._opened_files()
        self._filled_parameters()

    def _opened_files(self) -> None:
        """``with open(path, "wb") as f: f.write(data)``: ``path`` carries the open call and
        what is written through ``f``."""
        for scope in list(self.scope_of_node.values()):
            for values in list(scope.values.values()):
                opens = [
                    v
                    for v in values
                    if isinstance(v, ast.Call)
                    and v.args
                    and (self.dotted(v.func) or "").rsplit(".", 1)[-1] in ("open", "fdopen")
                    and write_mode(v)
                ]
                for call in opens:
                    path = call.args[0]
                    names = _names(path)
                    # fd, path = mkstemp(): a descriptor opened is the file its twin names
                    names += [t for n in names for t in self._unpacked_with(scope, n)]
                    if isinstance(path, ast.Constant) and isinstance(path.value, str):
                        names = [FILE_KEY + path.value]  # the same literal path elsewhere
                    handles = [n for n, vs in scope.values.items() if any(v is call for v in vs)]
                    data = [d for h in handles for d in scope.written.get(h, [])]
                    for name in names:
                        for value in [call, *(v for v in values if v is not call)]:
                            (self.module if name.startswith(FILE_KEY) else scope).bind(name, value)
                        if not name.startswith(FILE_KEY):
                            scope.written.setdefault(name, []).extend(data)

    def _filled_containers(self) -> None:
        """``EVENTS.append(e)`` / ``CACHE[k] = v`` in a function that does not bind the name
        itself fills the container of the scope the name refers to (a module-level buffer
        filled by one function and sent by another)."""
        for scope, name, value in self._fills:
            own = name in scope.values or name in scope.params or name in scope.globals
            holder = scope if own else self.resolve(name, scope.parent or scope)
            (holder or scope).bind(name, value)
        for scope, name, value in self._builds:
            holder = self.resolve(name, scope)
            made = holder.values.get(name, []) if holder is not None else []
            if holder is not None and any(_constructed(v) for v in made):
                holder.bind(name, value)

    def _unpacked_with(self, scope: Scope, name: str) -> list[str]:
        """The other names unpacked from the same call as ``name`` (``fd, path = mkstemp()``)."""
        made = [v for v in scope.values.get(name, []) if isinstance(v, ast.Call)]
        return [
            other
            for other, values in scope.values.items()
            if other != name and any(v is m for v in values for m in made)
        ]

    def _walk(self, root: ast.AST, scope: Scope) -> None:
        stack: list[tuple[ast.AST, Scope]] = [(root, scope)]
        while stack:
            node, scope = stack.pop()
            inner = scope
            if isinstance(node, FUNCTION_NODES):
                if not isinstance(node, ast.Lambda):
                    scope.functions[node.name] = node
                inner = Scope(node, scope)
                self.scope_of_node[id(node)] = inner
                self._params(node, inner)
                # Declared before the walk reaches the assignments (children pop in reverse).
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Global):
                        inner.globals.update(sub.names)
            elif isinstance(node, ast.ClassDef):
                scope.functions[node.name] = node
            else:
                self._binds(node, scope)
            if isinstance(node, ast.expr | ast.stmt):
                self.by_span.setdefault(span(node), []).append(node)
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
                stack.append((child, inner))

    def _params(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: Scope
    ) -> None:
        args = fn.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.AST | None] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        for i, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
            scope.params[arg.arg] = Param(fn, i, default)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            scope.params[arg.arg] = Param(fn, -1, kw_default)

    def _binds(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in _names(target):
                    if isinstance(target, ast.Subscript):  # out[key] = value: out holds it
                        self._fills.append((scope, name, node.value))
                    else:
                        scope.bind(name, node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and node.value:
            for name in _names(node.target):
                scope.bind(name, node.value)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            for name in _names(node.target):
                scope.bind(name, node.iter)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            for name in _names(node.optional_vars):
                scope.bind(name, node.context_expr)
        elif isinstance(node, ast.Call):
            self._file_write(node, scope)
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in FILLS and node.args:
                for name in _names(func.value):  # out.append(x): the container now holds x
                    self._fills.append((scope, name, node.args[-1]))
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.attr.startswith(BUILDS)
                and isinstance(self.parents.get(id(node)), ast.Expr)
            ):  # msg.add_attachment(data, …): the object being built now holds data
                parts = [*node.args, *(k.value for k in node.keywords)]
                self._builds.extend((scope, func.value.id, part) for part in parts)

    def _file_write(self, call: ast.Call, scope: Scope) -> None:
        """Writes that make a name carry what is written: ``urlretrieve(url, name)``,
        ``Path(name).write_bytes(data)``, ``shutil.copyfileobj(src, f)``, ``f.write(data)``."""
        name = self.dotted(call.func) or ""
        last = name.rsplit(".", 1)[-1]
        if last == "urlretrieve" and len(call.args) > 1:
            for n in _names(call.args[1]):
                scope.bind(n, call)
            target = call.args[1]
            if isinstance(target, ast.Constant) and isinstance(target.value, str):
                self.module.bind(FILE_KEY + target.value, call)
            elif not isinstance(target, ast.Name):
                for n in _roots(target):  # urlretrieve(url, work / "x.tgz"): work holds it
                    scope.contents.setdefault(n, []).append(call)
        elif last in ("write_bytes", "write_text") and isinstance(call.func, ast.Attribute):
            receiver = call.func.value
            if isinstance(receiver, ast.Call) and receiver.args:
                receiver = receiver.args[0]  # Path(name).write_bytes(…)
            for n in _names(receiver):
                scope.bind(n, call)
                scope.written.setdefault(n, []).extend(call.args[:1])
        elif last in DIRECTORY_FILLS and len(call.args) > 1 and name.startswith("shutil."):
            for n in _roots(call.args[1]):
                scope.contents.setdefault(n, []).append(call)
        elif last == "extractall" and isinstance(call.func, ast.Attribute):
            dest = (
                call.args[0]
                if call.args
                else next((k.value for k in call.keywords if k.arg == "path"), None)
            )
            for n in _roots(dest) if dest is not None else []:
                scope.contents.setdefault(n, []).append(call)
        elif last in ("write", "writelines", "copyfileobj", "dump") and call.args:
            # json.dump(obj, fh), pickle.dump(…): a serializer writes its first argument there
            serial = last in ("copyfileobj", "dump")
            handle = call.args[1] if serial and len(call.args) > 1 else None
            if handle is None and isinstance(call.func, ast.Attribute):
                handle = call.func.value
            data = call.args[0]
            for n in _names(handle) if handle is not None else []:
                scope.bind(n, data)
                scope.written.setdefault(n, []).append(data)

    def _filled_parameters(self) -> None:
        """A helper that copies files into the directory its parameter names fills the
        directory its callers pass (``_stage(tmp)`` … ``git push`` in ``tmp``)."""
        for _round in range(2):
            for scope in list(self.scope_of_node.values()):
                fn = scope.node
                if not scope.contents or not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for pname, param in scope.params.items():
                    filled = [
                        c for n in self._aliases(scope, pname) for c in scope.contents.get(n, [])
                    ]
                    if not filled:
                        continue
                    for site, args, kwargs in self.call_sites(fn):
                        given = (
                            args[param.index] if 0 <= param.index < len(args) else kwargs.get(pname)
                        )
                        caller = self.scope_at(site)
                        for n in _roots(given) if given is not None else []:
                            have = caller.contents.setdefault(n, [])
                            have.extend(c for c in filled if c not in have)

    def _aliases(self, scope: Scope, name: str) -> list[str]:
        """``name`` and the local names bound to paths built from it (``d = Path(name)``)."""
        out = [name]
        for local, values in scope.values.items():
            if local != name and any(name in _roots(v) for v in values):
                out.append(local)
        return out

    # --- lookups -----------------------------------------------------------------------------

    def scope_at(self, node: ast.AST) -> Scope:
        """The innermost function (or the module) a node belongs to."""
        cur: ast.AST | None = self.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, SCOPE_NODES):
                return self.scope_of_node[id(cur)]
            cur = self.parents.get(id(cur))
        return self.module

    def resolve(self, name: str, at: Scope) -> Scope | None:
        """The scope a name read in ``at`` refers to."""
        cur: Scope | None = at
        if name in at.globals:
            return self.module
        while cur is not None:
            if name in cur.values or name in cur.params or name in cur.functions:
                return cur
            cur = cur.parent
        return None

    def function_named(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The local function a callee names (``self.m`` names a method of the class)."""
        if isinstance(node, ast.Attribute) and is_self(node.value):
            cls = self.parents.get(id(node))
            while cls is not None and not isinstance(cls, ast.ClassDef):
                cls = self.parents.get(id(cls))
            for item in cls.body if cls is not None else []:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    item.name == node.attr
                ):
                    return item
            return None
        if isinstance(node, ast.Attribute):
            cls = self.class_of(node.value)
            if cls is None:
                cls = self._only_definer(node)
            return _method(cls, node.attr) if cls is not None else None
        if not isinstance(node, ast.Name):
            return None
        scope = self.resolve(node.id, self.scope_at(node))
        fn = scope.functions.get(node.id) if scope is not None else None
        return fn if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) else None

    def callees(self, func: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """The local functions a callee may be: the one it names, or those a registry holds
        when the callee is looked up in one (``HANDLERS[kind](x)``, ``HANDLERS.get(kind)(x)``,
        ``for name, fn in CHECKS.items(): fn()``), the registry being a literal dict, list or
        tuple of functions, or a container filled with them (``CHECKS[name] = fn`` in a
        decorator fills it with every function the decorator is applied to)."""
        named = self.function_named(func)
        if named is not None:
            return [named]
        got = self._callees.get(id(func))
        if got is None:
            got = self._callees[id(func)] = self._dispatched(func, 0)
        return got

    def _dispatched(
        self, func: ast.AST, depth: int
    ) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        if depth > 4:
            return []
        if isinstance(func, ast.Subscript):  # REG[key]
            return self._registered(func.value, depth + 1)
        if (
            isinstance(func, ast.Call)
            and isinstance(func.func, ast.Attribute)
            and func.func.attr in ("get", "pop", "setdefault")
        ):  # REG.get(key)
            return self._registered(func.func.value, depth + 1)
        if not isinstance(func, ast.Name):
            return []
        scope = self.resolve(func.id, self.scope_at(func))
        if scope is None or func.id in scope.params:
            return []
        out: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for value in scope.values.get(func.id, []):
            parent = self.parents.get(id(value))
            looped = isinstance(parent, ast.For | ast.AsyncFor | ast.comprehension)
            if looped and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                if value.func.attr in ("items", "values") and not value.args:
                    out += self._registered(value.func.value, depth + 1)  # for k, fn in R.items()
            elif looped:
                out += self._registered(value, depth + 1)  # for fn in HOOKS
            elif isinstance(value, ast.Name):
                named = self.function_named(value)
                out += [named] if named is not None else self._dispatched(value, depth + 1)
            else:
                out += self._dispatched(value, depth + 1)  # h = REG.get(kind); h(x)
        return _unique(out)

    def _registered(
        self, container: ast.AST, depth: int
    ) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """The local functions a registry holds (see ``callees``)."""
        if not isinstance(container, ast.Name) or depth > 4:
            return []
        scope = self.resolve(container.id, self.scope_at(container))
        if scope is None:
            return []
        out: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for value in scope.values.get(container.id, []):
            items: list[ast.AST] = []
            if isinstance(value, ast.Dict):
                items = [v for v in value.values if v is not None]
            elif isinstance(value, ast.List | ast.Tuple | ast.Set):
                items = list(value.elts)
            else:
                items = [value]  # REG[name] = fn, REG.append(fn): the value put in
            for item in items:
                if isinstance(item, ast.Tuple) and item.elts:  # (name, fn) pairs: the function
                    item = item.elts[-1]
                if not isinstance(item, ast.Name):
                    continue
                named = self.function_named(item)
                if named is not None:
                    out.append(named)
                    continue
                home = self.resolve(item.id, self.scope_at(item))
                param = home.params.get(item.id) if home is not None else None
                if param is not None and isinstance(param.function, ast.FunctionDef):
                    out += self._decorated_with(param.function)
        return _unique(out)

    def _decorated_with(
        self, deco: ast.FunctionDef
    ) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """Functions a registering decorator is applied to: ``@deco`` or ``@factory(…)`` where
        the factory defines ``deco`` (``def check(name): def deco(fn): …; return deco``)."""
        outer = self.scope_of_node.get(id(deco))
        factory = outer.parent.node if outer is not None and outer.parent is not None else None
        out: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                named = self.function_named(target)
                if named is deco or (named is not None and named is factory):
                    out.append(node)
                    break
        return out

    def item_getter(self, node: ast.Subscript) -> ast.FunctionDef | None:
        """``store["key"]`` on an object of a local class defining ``__getitem__`` (typed by
        what is bound to it, or an untyped parameter and the module's only such class): the
        method that answers the lookup."""
        cls = self.class_of(node.value)
        if cls is None and isinstance(node.value, ast.Name):
            cls = self._only_definer(node.value, "__getitem__")
        method = _method(cls, "__getitem__") if cls is not None else None
        return method if isinstance(method, ast.FunctionDef) else None

    def _only_definer(self, node: ast.Attribute | ast.Name, attr: str = "") -> ast.ClassDef | None:
        """``counter.summary()`` on an untyped parameter: the module's only class defining a
        method of that name (not a dunder, unless asked for by ``attr``), when nothing else is
        bound to the parameter."""
        if isinstance(node, ast.Name):
            node = ast.copy_location(ast.Attribute(node, attr, ast.Load()), node)
        elif node.attr.startswith("__"):
            return None
        if not isinstance(node.value, ast.Name):
            return None
        scope = self.resolve(node.value.id, self.scope_at(node.value))
        param = scope.params.get(node.value.id) if scope is not None else None
        if scope is None or param is None or param.default is not None:
            return None
        if self._rebinds(scope.values.get(node.value.id, [])):
            return None
        fn = scope.node
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            every = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
            if any(a.arg == node.value.id and a.annotation is not None for a in every):
                return None  # typed with something that is not a local class
        if self._definers is None:
            self._definers = {}
            for cls in ast.walk(self.tree):
                if isinstance(cls, ast.ClassDef):
                    for item in cls.body:
                        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                            self._definers.setdefault(item.name, []).append(cls)
        owners = self._definers.get(node.attr, [])
        return owners[0] if len(owners) == 1 else None

    def class_of(self, node: ast.AST, depth: int = 0) -> ast.ClassDef | None:
        """The local class ``node`` names or is an instance of: ``Client``, ``Client()``,
        ``cls(…)`` in a classmethod, ``param or Client()`` / ``Client() if p is None else p``
        (the injected default), a fluent ``Client().with_x()`` whose method returns ``self``,
        ``self.client`` / ``obj.client`` holding one (set in any method), or a name bound only
        to instances of one local class (``STATS = Stats()``, ``ctx: Context``)."""
        if depth > 6:
            return None
        key = id(node)
        memo = key in self.parents or isinstance(node, ast.Module)
        if memo and key in self._classes:
            self._cyclic = self._cyclic or key in self._pending
            return self._classes[key]
        if memo:
            self._classes[key] = None  # a cycle (x = x or C()) resolves the other operands
            self._pending.add(key)
        found = self._class_of(node, depth)
        if memo:
            self._pending.discard(key)
            if self._cyclic and self._pending:
                del self._classes[key]  # provisional: it saw an unfinished node as None
            else:
                self._classes[key] = found
                self._cyclic = self._cyclic and bool(self._pending)
        return found

    def _class_of(self, node: ast.AST, depth: int) -> ast.ClassDef | None:
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                return self.class_of(node.func, depth + 1)
            if isinstance(node.func, ast.Attribute):  # Client().with_x(): a fluent method
                owner = self.class_of(node.func.value, depth + 1)
                method = _method(owner, node.func.attr) if owner is not None else None
                if owner is not None and method is not None:
                    return self._returned_class(owner, method, depth + 1)
            return None
        if isinstance(node, ast.BoolOp | ast.IfExp):
            parts = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
            return _one([self.class_of(p, depth + 1) for p in parts], unknown_ok=True)
        if isinstance(node, ast.Await):
            return self.class_of(node.value, depth + 1)
        if isinstance(node, ast.Attribute):
            owner = self.class_of(node.value, depth + 1)
            if owner is None or not isinstance(node.value, ast.Name | ast.Attribute | ast.Call):
                return None
            if isinstance(node.value, ast.Name) and owner is self.functions_class(node.value):
                if _enum_member(owner, node.attr):
                    return owner  # Tier.REGIONAL: an Enum's member is an instance of it
                return None  # Client.attr: a class attribute, not an instance's field
            return _one(
                [self.class_of(v, depth + 1) for v in self.attribute_values(owner, node.attr)]
            )
        if not isinstance(node, ast.Name):
            return None
        scope = self.resolve(node.id, self.scope_at(node))
        if scope is None:
            return None
        named = scope.functions.get(node.id)
        if isinstance(named, ast.ClassDef):
            return named
        values = self._rebinds(scope.values.get(node.id, []))
        classes: list[ast.ClassDef | None] = []
        param = scope.params.get(node.id)
        if param is not None:  # def upload(ctx: Context): an instance of a local class
            fn = scope.node
            enclosing = self.parents.get(id(fn))
            if param.index == 0 and isinstance(enclosing, ast.ClassDef) and _bound_method(fn):
                return enclosing  # self, or cls in a classmethod
            noted = self._annotated(scope, node.id)
            if noted is None and not values:
                return None
            classes.append(noted)
            if param.default is not None:
                classes.append(self.class_of(param.default, depth + 1))
            if values:  # re-bound in the body: client = client or Client()
                return _one(classes + [self._bound_class(node.id, v, depth) for v in values], True)
            return _one(classes)
        if not values:
            return None
        return _one([self._bound_class(node.id, v, depth) for v in values])

    def functions_class(self, node: ast.Name) -> ast.ClassDef | None:
        """The local class a name names (not an instance of it)."""
        scope = self.resolve(node.id, self.scope_at(node))
        named = scope.functions.get(node.id) if scope is not None else None
        return named if isinstance(named, ast.ClassDef) else None

    def _rebinds(self, values: list[ast.AST]) -> list[ast.AST]:
        """The values that can make a name an object: not what ``out.push(x)`` files into
        it, nor a literal."""
        typed = ast.Call | ast.BoolOp | ast.IfExp | ast.Name | ast.Await | ast.Attribute | ast.Tuple
        return [
            v
            for v in values
            if isinstance(v, typed) and not isinstance(self.parents.get(id(v)), ast.Call)
        ]

    def _bound_class(self, name: str, value: ast.AST, depth: int) -> ast.ClassDef | None:
        """The class of what one binding gives ``name``; ``a, b = A(), b or B()`` by position."""
        if isinstance(value, ast.Tuple):
            assign = self.parents.get(id(value))
            targets = assign.targets if isinstance(assign, ast.Assign) else []
            for t in targets:
                if isinstance(t, ast.Tuple) and len(t.elts) == len(value.elts):
                    for elt, part in zip(t.elts, value.elts, strict=True):
                        if isinstance(elt, ast.Name) and elt.id == name:
                            return self.class_of(part, depth + 1)
            return None
        if isinstance(value, ast.Call | ast.BoolOp | ast.IfExp | ast.Name | ast.Await):
            return self.class_of(value, depth + 1)
        if isinstance(value, ast.Attribute):
            return self.class_of(value, depth + 1)
        return None

    def _returned_class(
        self, owner: ast.ClassDef, method: ast.FunctionDef | ast.AsyncFunctionDef, depth: int
    ) -> ast.ClassDef | None:
        """The class a method's every ``return`` gives: ``self``, ``cls(…)``, ``Other()``."""
        found: list[ast.ClassDef | None] = []
        stack: list[ast.AST] = list(method.body)
        while stack:
            sub = stack.pop()
            if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                continue
            if isinstance(sub, ast.Return):
                if sub.value is None:
                    return None
                found.append(owner if is_self(sub.value) else self.class_of(sub.value, depth + 1))
            stack.extend(ast.iter_child_nodes(sub))
        return _one(found) if found else None

    def attribute_values(self, cls: ast.ClassDef, attr: str) -> list[ast.AST]:
        """What ``self.attr = …`` assigns in any method of ``cls`` (or its class body)."""
        table = self._fields.get(id(cls))
        if table is None:
            table = self._fields[id(cls)] = {}
            for sub in ast.walk(cls):
                assigned = assignment(sub)
                if assigned is None:
                    continue
                targets, value = assigned
                for t in targets:
                    if isinstance(t, ast.Attribute) and is_self(t.value):
                        table.setdefault(t.attr, []).append(value)
                    elif isinstance(t, ast.Name) and self.parents.get(id(sub)) is cls:
                        table.setdefault(t.id, []).append(value)
        return table.get(attr, [])

    def _annotated(self, scope: Scope, name: str) -> ast.ClassDef | None:
        """The local class a parameter is annotated with (``ctx: Context``, ``"Context"``)."""
        fn = scope.node
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        every = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        note = next((a.annotation for a in every if a.arg == name), None)
        if isinstance(note, ast.Constant) and isinstance(note.value, str):
            named = note.value
        elif isinstance(note, ast.Name):
            named = note.id
        else:
            return None
        owner = self.resolve(named, scope)
        found = owner.functions.get(named) if owner is not None else None
        return found if isinstance(found, ast.ClassDef) else None

    def _made(self, call: ast.Call) -> ast.ClassDef | None:
        if not isinstance(call.func, ast.Name):
            return None
        scope = self.resolve(call.func.id, self.scope_at(call))
        named = scope.functions.get(call.func.id) if scope is not None else None
        return named if isinstance(named, ast.ClassDef) else None

    def call_sites(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> list[tuple[ast.Call, list[ast.AST], dict[str, ast.AST]]]:
        """Calls of a local function with their arguments; ``Thread(target=f, args=(…))`` and
        ``runner(f, a, b)`` (a function handed over with the arguments it is to be called with)
        count as calls of ``f``."""
        out: list[CallSite] = []
        for node in self.calls:
            kwargs: dict[str, ast.AST] = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            if self.function_named(node.func) is fn or (
                isinstance(node.func, ast.Subscript | ast.Name | ast.Call)
                and fn in self.callees(node.func)
            ):
                out.append((node, passed(node, fn), kwargs))
            target = kwargs.get("target")
            if target is not None and self.function_named(target) is fn:
                args = kwargs.get("args")
                listed: list[ast.AST] = (
                    list(args.elts) if isinstance(args, ast.Tuple | ast.List) else []
                )
                out.append((node, listed, {}))
            for i, arg in enumerate(node.args):
                # runner(fn, a, b), pool.submit(fn, a), partial(fn, a), loop.call_soon(fn, a):
                # a function handed over with the arguments it is to be called with.
                if (
                    isinstance(arg, ast.Name | ast.Attribute)
                    and i + 1 < len(node.args)
                    and self.function_named(arg) is fn
                    and self.function_named(node.func) is not fn
                ):
                    handed = ast.Call(arg, node.args[i + 1 :], [])
                    out.append((node, passed(handed, fn), {}))
                    break
        return out

    # --- spelled values ----------------------------------------------------------------------

    def path(self, node: ast.AST, depth: int = 0) -> str:
        """The path an expression spells (``~/.kube/config``); ``*`` where unknown."""
        if depth > 10:
            return "*"
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else "*"
        if isinstance(node, ast.JoinedStr):
            return "".join(
                v.value
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
                else self.path(v.value, depth + 1)
                if isinstance(v, ast.FormattedValue)
                else "*"
                for v in node.values
            )
        if isinstance(node, ast.BinOp):
            left, right = self.path(node.left, depth + 1), self.path(node.right, depth + 1)
            if isinstance(node.op, ast.Div):
                return f"{left.rstrip('/')}/{right.lstrip('/')}"
            if isinstance(node.op, ast.Add):
                return left + right
            return "*"
        if isinstance(node, ast.Name):
            if node.id == OWN_FILE:
                return OWN_FILE
            scope = self.resolve(node.id, self.scope_at(node))
            if scope is None:
                return "*"
            param = scope.params.get(node.id)
            rebound = [  # root = Path(root or default): what the body re-binds it to first
                v for v in scope.values.get(node.id, []) if _ends_before(v, node)
            ]
            if param is not None and not rebound:
                return self.path(param.default, depth + 1) if param.default else "*"
            values = rebound if param is not None else scope.values.get(node.id, [])
            if not values:
                return "*"
            value = _nearest(values, node)
            if self._iterated(value):
                at = self._unpacked_at(node.id, value)
                if at is not None:  # for sub, name in ((".ssh", "id_rsa"), …): one position
                    return self._alternatives(value, depth + 1, at)
                spelled = self._alternatives(value, depth + 1)
                return spelled if spelled.strip("*/") else self._tested_name(node.id, value)
            return self.path(value, depth + 1)
        if isinstance(node, ast.Call):
            return self._path_call(node, depth)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return self.path(node.value, depth + 1) + "/.."
        if isinstance(node, ast.Attribute):  # self.home, CONFIG.root: what the field holds
            held = self._field_value(node, depth)
            return self.path(held, depth + 1) if held is not None else "*"
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # home or expanduser("~"): the default spells it when nothing is handed in
            sides = [self.path(v, depth + 1) for v in node.values]
            known = list(dict.fromkeys(p for p in sides if p != "*"))
            if len(known) == 1:
                return known[0]
            return "{" + ",".join(known) + "}" if 1 < len(known) <= MAX_ALTERNATIVES else "*"
        return "*"

    def _field_value(self, node: ast.Attribute, depth: int) -> ast.AST | None:
        """The one value a field or class attribute is given (``self.FILES`` of a class body
        tuple, ``self.home = Path(…)`` in ``__init__``), when its owner is a local class."""
        if depth > 6:
            return None
        owner = self.class_of(node.value, depth + 1)
        if owner is None:
            return None
        values = self.attribute_values(owner, node.attr)
        return values[0] if len(values) == 1 else None

    def _iterated(self, node: ast.AST) -> bool:
        """Whether ``node`` is the iterable of a loop (what its loop variable is bound to)."""
        parent = self.parents.get(id(node))
        return isinstance(parent, ast.For | ast.AsyncFor | ast.comprehension) and (
            parent.iter is node
        )

    def _tested_name(self, name: str, iterable: ast.AST) -> str:
        """The file name a loop's entries are tested to be (``fn == ".env"``,
        ``fn.startswith(".env")`` in ``for fn in files``): its fixed text, else ``*``."""
        loop = self.parents.get(id(iterable))
        if not isinstance(loop, ast.For | ast.AsyncFor | ast.comprehension):
            return "*"
        for sub in ast.walk(loop):
            literal: ast.AST | None = None
            if (
                isinstance(sub, ast.Compare)
                and isinstance(sub.left, ast.Name)
                and sub.left.id == name
                and isinstance(sub.ops[0], ast.In)
            ):  # fn in NAMES: one of the names listed
                listed = self._alternatives(sub.comparators[0], 1)
                if listed.startswith("{") and "/" not in listed:
                    return listed
            elif (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "endswith"
                and isinstance(sub.func.value, ast.Name)
                and sub.func.value.id == name
                and sub.args
            ):  # fn.endswith((".pem", ".key")): any name with that ending
                ends = self._alternatives(sub.args[0], 1)
                ends = self.path(sub.args[0]) if ends == "*" else ends
                if ends.strip("*") and "/" not in ends:
                    return "*" + ends
            if (
                isinstance(sub, ast.Compare)
                and isinstance(sub.left, ast.Name)
                and sub.left.id == name
                and isinstance(sub.ops[0], ast.Eq)
            ):
                literal = sub.comparators[0]
            elif (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "startswith"
                and isinstance(sub.func.value, ast.Name)
                and sub.func.value.id == name
                and sub.args
            ):
                literal = sub.args[0]
            if (
                isinstance(literal, ast.Constant)
                and isinstance(literal.value, str)
                and len(literal.value) >= 2
                and "/" not in literal.value
            ):
                return literal.value
        return "*"

    def walked(self, call: ast.Call) -> str:
        """The files an ``os.walk(root)`` loop picks out, by the test on its file names
        (``for fn in filenames: if fn in NAMES``): ``{.env,.pgpass}``, ``*.pem``; ``""``
        when the names are not tested against spelled values."""
        loop = self.parents.get(id(call))
        if (
            not isinstance(loop, ast.For | ast.AsyncFor | ast.comprehension)
            or loop.iter is not call
        ):
            return ""
        target = loop.target
        if not isinstance(target, ast.Tuple) or len(target.elts) < 3:
            return ""
        files = target.elts[2]
        if not isinstance(files, ast.Name):
            return ""
        body = loop if isinstance(loop, ast.For | ast.AsyncFor) else self.parents.get(id(loop))
        for sub in ast.walk(body) if body is not None else []:
            if (
                isinstance(sub, ast.For | ast.AsyncFor | ast.comprehension)
                and isinstance(sub.iter, ast.Name)
                and sub.iter.id == files.id
                and isinstance(sub.target, ast.Name)
            ):
                tested = self._tested_name(sub.target.id, sub.iter)
                if tested.strip("*"):
                    return tested
        return ""

    def _globbed(self, call: ast.Call, depth: int) -> str:
        """The paths a directory listing yields, spelled with its pattern:
        ``glob.glob("~/.ssh/id_*")``, ``(home / ".ssh").glob("id_*")``, ``d.iterdir()``."""
        func = call.func
        name = self.dotted(func) or ""
        if name in ("glob.glob", "glob.iglob") and call.args:
            return self.path(call.args[0], depth + 1)
        if not isinstance(func, ast.Attribute) or func.attr not in ("glob", "rglob", "iterdir"):
            return ""
        if func.attr == "iterdir":
            pattern = "*"
        else:
            word = self.string(call.args[0]) if call.args else None
            if word is None:
                return ""
            pattern = word if func.attr == "glob" else f"**/{word}"
        base = self.path(func.value, depth + 1)
        return f"{base.rstrip('/')}/{pattern}" if base.strip("*/.") else ""

    def _dict_items(self, call: ast.Call) -> list[tuple[ast.AST | None, ast.AST]]:
        """The entries of a dict literal whose ``.items()`` a call iterates."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr != "items" or call.args:
            return []
        table: ast.AST = func.value
        if isinstance(table, ast.Name):
            scope = self.resolve(table.id, self.scope_at(table))
            values = scope.values.get(table.id, []) if scope is not None else []
            table = values[0] if len(values) == 1 else table
        if not isinstance(table, ast.Dict):
            return []
        return list(zip(table.keys, table.values, strict=True))

    def _unpacked_at(self, name: str, iterable: ast.AST) -> int | None:
        """The position ``name`` takes in a loop target that unpacks each element
        (``for sub, name in rows``), else ``None``."""
        loop = self.parents.get(id(iterable))
        target = (
            loop.target if isinstance(loop, ast.For | ast.AsyncFor | ast.comprehension) else None
        )
        if not isinstance(target, ast.Tuple | ast.List):
            return None
        for i, elt in enumerate(target.elts):
            if isinstance(elt, ast.Name) and elt.id == name:
                return i
        return None

    def _alternatives(self, node: ast.AST, depth: int, at: int | None = None) -> str:
        """The paths a loop over a literal collection visits, as ``{a,b,c}`` (with ``at``, the
        element at that position of each row); ``*`` when the collection is not spelled out."""
        for _ in range(4):
            if (
                isinstance(node, ast.Call)
                and (self.dotted(node.func) or "") in ORDER_ONLY
                and len(node.args) == 1
            ):  # sorted(root.iterdir()), list(FILES): the same entries
                node = node.args[0]
                continue
            if isinstance(node, ast.Attribute):  # for rel in self.FILES: a class's tuple
                held = self._field_value(node, depth)
                if held is None:
                    return "*"
                node = held
                continue
            if not isinstance(node, ast.Name):
                break
            scope = self.resolve(node.id, self.scope_at(node))
            values = scope.values.get(node.id, []) if scope is not None else []
            if len(values) != 1:
                return "*"
            node = values[0]
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            return self.path(node.elt, depth + 1)  # [join(home, n) for n in (…)]: its element
        if isinstance(node, ast.Call) and at is not None:
            table = self._dict_items(node)  # for label, where in TABLE.items()
            picked = [k for k, _v in table] if at == 0 else [v for _k, v in table]
            spelled = [self.path(e, depth + 1) for e in picked[:MAX_ALTERNATIVES] if e is not None]
        elif isinstance(node, ast.Call):
            listed = self._globbed(node, depth)
            spelled = [listed] if listed else self._yielded(node, depth) or self._computed(node)
        elif not isinstance(node, ast.Tuple | ast.List | ast.Set) or not 0 < len(node.elts) <= (
            MAX_ALTERNATIVES
        ):
            return "*"
        elif at is not None:
            rows = [
                e.elts[at]
                for e in node.elts
                if isinstance(e, ast.Tuple | ast.List) and len(e.elts) > at
            ]
            spelled = [self.path(e, depth + 1) for e in rows if len(rows) == len(node.elts)]
        else:
            spelled = [self.path(e, depth + 1) for e in node.elts]
        if not spelled:
            return "*"
        return spelled[0] if len(spelled) == 1 else "{" + ",".join(spelled) + "}"

    def _yielded(self, call: ast.Call, depth: int) -> list[str]:
        """The paths a local function yields or returns, each spelled (a generator of candidate
        files per platform, ``yield from base.glob(…)``), when at least one is spelled."""
        fn = self.function_named(call.func)
        if fn is None or depth > 4:
            return []
        out: list[str] = []
        stack: list[ast.AST] = list(fn.body)
        while stack and len(out) < MAX_ALTERNATIVES:
            node = stack.pop(0)
            if isinstance(node, (*FUNCTION_NODES, ast.ClassDef)):
                continue
            value = node.value if isinstance(node, ast.Expr | ast.Return) else None
            if isinstance(value, ast.YieldFrom) or isinstance(node, ast.Return):
                inner = value.value if isinstance(value, ast.YieldFrom) else value
                if inner is not None:
                    out.append(self._alternatives(inner, depth + 1))
                continue
            if isinstance(value, ast.Yield) and value.value is not None:
                out.append(self.path(value.value, depth))
                continue
            if isinstance(node, ast.stmt):
                stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt))
                stack.extend(getattr(node, "handlers", []))
            elif isinstance(node, ast.ExceptHandler):
                stack.extend(node.body)
        return out if any(p.strip("*/.") for p in out) else []

    def _computed(self, call: ast.Call) -> list[str]:
        """The names a local helper computes from the module's literals (``_names()``
        rebuilding reversed pieces), by the safe evaluator; none when it needs more."""
        if self.function_named(call.func) is None:
            return []
        if not all(isinstance(a, ast.Constant) for a in call.args) or call.keywords:
            return []
        from agentxray.analyze.python.decoders import Unsupported
        from agentxray.analyze.python.evaluate import Evaluator
        from agentxray.analyze.python.parse import build_index

        if self._evaluator is None:
            self._evaluator = Evaluator(build_index(self.tree))
        try:
            value = self._evaluator.value(call)
        except (Unsupported, RecursionError, MemoryError):
            return []
        if not isinstance(value, list | tuple) or not 0 < len(value) <= MAX_ALTERNATIVES:
            return []
        return (
            [v for v in value if isinstance(v, str)]
            if all(isinstance(v, str) for v in value)
            else []
        )

    def _path_call(self, node: ast.Call, depth: int) -> str:
        name = self.dotted(node.func) or ""
        last = name.rsplit(".", 1)[-1]
        args = node.args
        if name.endswith("Path.home") or last == "gettempdir":
            return "~" if last == "home" else "/tmp"
        if last in SAME_PATH and isinstance(node.func, ast.Attribute) and not args:
            return self.path(node.func.value, depth + 1)  # Path(…).expanduser()
        if last == "dirname" and args:
            return self.path(args[0], depth + 1) + "/.."
        if last in ("Path", "PurePath") and len(args) > 1:  # Path(directory, name)
            parts = [self.path(a, depth + 1) for a in args]
            return "/".join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts))
        if last in ("expanduser", "abspath", "realpath", "normpath", "Path", "PurePath", "str"):
            return self.path(args[0], depth + 1) if args else ("." if last == "Path" else "*")
        if last in ("join", "joinpath") and (args or isinstance(node.func, ast.Attribute)):
            parts = [self._piece(a, depth + 1) for a in args]
            if last == "joinpath" and isinstance(node.func, ast.Attribute):
                parts.insert(0, self.path(node.func.value, depth + 1))
            return "/".join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts))
        if name in ("os.environ.get", "os.getenv") and len(args) > 1:
            return self.path(args[1], depth + 1)
        if name in ("os.getcwd", "pathlib.Path.cwd"):
            return "."
        return "*"

    def _piece(self, node: ast.AST, depth: int) -> str:
        """One argument of a path join; a starred one (``join(home, *parts)``) spells the
        segments of the tuple or list it names."""
        if not isinstance(node, ast.Starred):
            return self.path(node, depth)
        seq: ast.AST | None = node.value
        if isinstance(seq, ast.Name):
            scope = self.resolve(seq.id, self.scope_at(seq))
            param = scope.params.get(seq.id) if scope is not None else None
            values = scope.values.get(seq.id, []) if scope is not None else []
            seq = param.default if param is not None else values[0] if len(values) == 1 else None
        if not isinstance(seq, ast.Tuple | ast.List) or not seq.elts:
            return "*"
        return "/".join(self.path(e, depth + 1).strip("/") for e in seq.elts)

    def string(self, node: ast.AST, depth: int = 0) -> str | None:
        """A string constant (a literal or a module constant it names), else ``None``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):  # f"pass show {name}": the unknown parts as *
            return "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "*"
                for v in node.values
            )
        if isinstance(node, ast.Name) and depth < 4:
            scope = self.resolve(node.id, self.scope_at(node))
            values = scope.values.get(node.id, []) if scope is not None else []
            if len(values) == 1:
                return self.string(values[0], depth + 1)
        if isinstance(node, ast.Attribute) and (self.dotted(node) or "") == "sys.executable":
            return "python"
        return None

    def _word(self, node: ast.AST) -> str:
        """One argument of a command line; a path built from the program's own location is
        spelled (``git -C __file__/.. reset``)."""
        word = self.string(node)
        if word is not None:
            return word
        program = self._which(node)
        if program:
            return program
        spelled = self.path(node)
        return spelled if OWN_FILE in spelled else "*"

    def _which(self, node: ast.AST) -> str:
        """The program a ``shutil.which("dig")`` lookup (or a name holding one) finds."""
        if isinstance(node, ast.Name):
            scope = self.resolve(node.id, self.scope_at(node))
            values = scope.values.get(node.id, []) if scope is not None else []
            node = values[0] if len(values) == 1 else node
        if not isinstance(node, ast.Call) or not node.args:
            return ""
        if (self.dotted(node.func) or "") != "shutil.which":
            return ""
        return self.string(node.args[0]) or ""

    def site_command(self, inner: ast.Call, fn: ast.AST, site: ast.Call) -> str:
        """The command line a runner helper (``def _git(*args): run(["git", *args])``) runs
        when ``site`` calls it: its parameters replaced by what the site passes."""
        if not inner.args or not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            return ""
        first = inner.args[0]
        if not isinstance(first, ast.List | ast.Tuple):
            return ""
        positional = [a.arg for a in fn.args.args if a.arg not in ("self", "cls")]
        given = dict(zip(positional, site.args, strict=False))
        rest = site.args[len(positional) :]
        vararg = fn.args.vararg.arg if fn.args.vararg is not None else ""
        words: list[str] = []
        for e in first.elts:
            if isinstance(e, ast.Starred) and isinstance(e.value, ast.Name):
                if e.value.id == vararg:
                    words += [self.string(a) or "*" for a in rest]
                    continue
                passed_list = given.get(e.value.id)
                if isinstance(passed_list, ast.List | ast.Tuple):
                    words += [self.string(a) or "*" for a in passed_list.elts]
                    continue
            if isinstance(e, ast.Name) and e.id in given:
                words.append(self.string(given[e.id]) or "*")
                continue
            words.append(self._word(e))
        return " ".join(" ".join(words).split())

    def command(self, call: ast.Call) -> str:
        """The command line of a ``subprocess``/``os.system`` call: ``git credential fill``."""
        if not call.args:
            return "*"
        first = call.args[0]
        if isinstance(first, ast.Name):  # cmd = [sys.executable, "-m", "pip", …]; run(cmd)
            scope = self.resolve(first.id, self.scope_at(first))
            values = scope.values.get(first.id, []) if scope is not None else []
            if len(values) == 1 and isinstance(values[0], ast.List | ast.Tuple):
                first = values[0]
        if isinstance(first, ast.List | ast.Tuple):
            words = [self._word(e) for e in first.elts]
        else:
            words = [self.string(first) or "*"]
            words += [self.string(a) or "*" for a in call.args[1:]]
        return " ".join(" ".join(words).split())


def assignment(node: ast.AST) -> tuple[list[ast.expr], ast.expr] | None:
    """The targets and the value of ``a = b = v`` or ``a: T = v``; None for anything else."""
    if isinstance(node, ast.Assign):
        return node.targets, node.value
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return [node.target], node.value
    return None


def is_self(node: ast.AST) -> bool:
    """Whether an expression is a method's ``self`` or ``cls``."""
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _one(classes: list[ast.ClassDef | None], unknown_ok: bool = False) -> ast.ClassDef | None:
    """The one class every typed value has; with ``unknown_ok`` untyped values (an injected
    parameter, a cycle) do not count against it."""
    known = {id(c): c for c in classes if c is not None}
    if len(known) != 1 or (not unknown_ok and None in classes):
        return None
    return next(iter(known.values()))


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for item in cls.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
            return item
    return None


def _bound_method(fn: ast.AST) -> bool:
    """A method called through an instance or its class gets ``self``/``cls`` first."""
    if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    decorators = {d.id for d in fn.decorator_list if isinstance(d, ast.Name)}
    return "staticmethod" not in decorators


def passed(call: ast.Call, fn: ast.AST) -> list[ast.AST]:
    """A call's positional arguments by parameter index: ``self.m(x)`` (or ``obj.m(x)``)
    passes ``self`` first."""
    args: list[ast.AST] = list(call.args)
    if isinstance(call.func, ast.Attribute) and (is_self(call.func.value) or _bound_method(fn)):
        params = fn.args.args if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) else []
        if params and params[0].arg in ("self", "cls"):
            args.insert(0, call.func.value)
    return args


ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"})


def _enum_member(cls: ast.ClassDef, attr: str) -> bool:
    """Whether ``cls.attr`` is a member of an ``enum`` class (a plain assignment in its body)."""
    bases = {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in cls.bases}
    if not bases & ENUM_BASES or attr.startswith("_"):
        return False
    return any(
        isinstance(item, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == attr for t in item.targets)
        for item in cls.body
    )


def _unique(
    fns: list[ast.FunctionDef | ast.AsyncFunctionDef],
) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    seen: set[int] = set()
    return [f for f in fns if not (id(f) in seen or seen.add(id(f)))]  # type: ignore[func-returns-value]


def _nearest(values: list[ast.AST], use: ast.AST) -> ast.AST:
    """The value bound closest before ``use`` in the source (the last one when none is)."""
    where = _position(use)
    before = [v for v in values if _position(v) <= where]
    return max(before, key=_position) if before else values[-1]


def _ends_before(value: ast.AST, use: ast.AST) -> bool:
    """Whether ``value`` ends before ``use`` starts (a binding the use sees, not its own)."""
    end = (getattr(value, "end_lineno", None) or 0, getattr(value, "end_col_offset", None) or 0)
    return end <= _position(use)


def _position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _roots(node: ast.AST, depth: int = 0) -> list[str]:
    """The names a path expression is built on: ``d`` in ``d / "x"``, ``Path(d)``,
    ``os.path.join(d, n)``, ``d.joinpath(n)``."""
    if depth > 8:
        return []
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.Add):
        return _roots(node.left, depth + 1)
    if isinstance(node, ast.Call):
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if last == "joinpath" and isinstance(func, ast.Attribute):
            return _roots(func.value, depth + 1)
        if last in ("join", "Path", "PurePath", "str", "abspath", "expanduser") and node.args:
            return _roots(node.args[0], depth + 1)
    return []


def _names(target: ast.AST | None, depth: int = 0) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Subscript):
        inner = target.value
        while isinstance(inner, ast.Subscript) and depth < 20:  # out[a][b] = value
            inner, depth = inner.value, depth + 1
        if isinstance(inner, ast.Name):
            return [inner.id]  # out[key] = value: the container now holds the value
    if isinstance(target, ast.Tuple | ast.List | ast.Starred) and depth < 20:
        elts = target.elts if isinstance(target, ast.Tuple | ast.List) else [target.value]
        return [n for e in elts for n in _names(e, depth + 1)]
    return []


def _constructed(value: ast.AST) -> bool:
    """Whether a value is an object made by a class (``EmailMessage()``, ``mod.Form()``)."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name[:1].isupper()
