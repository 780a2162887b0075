"""Data flow of environment signals in a Python module: through variables, loops and
comprehensions, helper functions, methods, properties and lambdas and their returns (with the
values their call sites pass), attributes, containers and caches, and simple transformations, to
the expressions that carry them."""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import replace

from agentxray.analyze.python.arguments import (
    Callee,
    Local,
    builds_text_from_parameters,
    inside,
    literal_arguments,
)
from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.evaluate import Evaluator
from agentxray.analyze.python.interpret import (
    callable_def,
    candidate_methods,
    fields_of,
    instance_class,
    receiver_class,
)
from agentxray.analyze.python.items import LOADS, stored_values
from agentxray.analyze.python.network import GEO_KEYS, response_read
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex
from agentxray.analyze.python.signals import (
    Signal,
    direct_signal,
    literal_str,
    python_env_kind,
)
from agentxray.analyze.python.transforms import (
    INTERMEDIATE,
    KEEP_ATTRS,
    STICKY,
    body,
    geo,
    identifier,
    is_identity,
    loop_source,
    method,
    returns,
    scaled,
    subscript,
    yields,
)

logger = logging.getLogger(__name__)

MAX_HOPS = 5
_HOST_ATTRS = frozenset({"hostname", "netloc", "host"})
_URL_PARSERS = frozenset(
    {"urllib.parse.urlparse", "urllib.parse.urlsplit", "httpx.URL", "yarl.URL", "furl.furl"}
    | {"urlparse.urlparse", "urllib3.util.parse_url"}
)
_FIELDS = frozenset(
    {"dataclasses.field", "attr.ib", "attr.attrib", "attrs.field", "attr.field"}
    | {"pydantic.Field", "pydantic.fields.Field"}
)
_HASHERS: tuple[str, ...] = (
    "hashlib.",
    "uuid.uuid3",
    "uuid.uuid5",
    "hmac.new",
    "hmac.digest",
    "zlib.crc32",
    "zlib.adler32",
    "binascii.crc32",
    "mmh3.",
    "xxhash.",
)
"""Functions whose result derived from identity signals is an identifier (hashes)."""
_SERIALISERS = frozenset(
    {"json.dumps", "urllib.parse.urlencode", "urllib.parse.quote", "orjson.dumps", "dict"}
    | {"ujson.dumps", "pickle.dumps", "bytes", "str.encode", "msgpack.packb", "yaml.dump"}
    | {"yaml.safe_dump", "copy.copy", "copy.deepcopy", "urllib.parse.quote_plus"}
)
_PASS = frozenset(
    {"str", "repr", "list", "tuple", "set", "frozenset", "sorted", "next", "iter", "int"}
    | {"float", "round", "reversed", "typing.cast", "cast", "os.fsdecode", "os.fspath"}
    | {"babel.Locale.parse", "babel.core.Locale.parse", "babel.Locale", "babel.core.Locale"}
    | {"codecs.lookup", "format", "hex", "ord", "bin"}
)
_NUMERIC_IDS = frozenset({"mac-address", "identifier"})
"""Identity signals that are numbers (or bytes of a digest), kept through bit shifts and
masks (the bits of a hashed machine id)."""
_SDK_CLIENT = re.compile(r"(?:^|\.)(?:Async)?(?:Azure)?(?:OpenAI|Anthropic|AnthropicBedrock)$")
_JSON_LOADS = frozenset({"json.loads", "json.load", "orjson.loads", "ujson.loads"})
Params = dict[str, tuple[Signal, ...]]


class Flow:
    """Which signals an expression carries, computed on demand and memoised."""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self._ev = Evaluator(index)
        self.hidden: set[str] = set()
        """Decoded strings used as signal names or URLs (hidden data deciding what is read)."""
        self._memo: dict[tuple[int, int, str], tuple[Signal, ...]] = {}
        self._active: set[tuple[int, int, str]] = set()
        self.depth = 0
        self._calls: list[tuple[Callee, Local, str]] = []
        """Helpers being followed from a call site, with the values it passes (innermost last)."""
        self._builds: dict[int, bool] = {}
        self.classes = [c for c in index.nodes(ast.ClassDef) if isinstance(c, ast.ClassDef)]
        self._member_values: dict[int, list[ast.expr]] = {}
        self._partials: dict[tuple[str, int], ast.Call] = {}
        self._fills: dict[tuple[int, str], list[ast.expr]] | None = None
        """Calls of ``functools.partial`` objects, spelled out (kept alive: ids are keys)."""

    def signals(self, node: ast.AST, params: Params | None = None) -> tuple[Signal, ...]:
        """The signals ``node``'s value derives from (``params``: signals of the parameters)."""
        key = (id(node), id(params) if params else 0, self._calls[-1][2] if self._calls else "")
        if key in self._memo:
            return self._memo[key]
        if key in self._active or self.depth > 60:
            return ()
        self._active.add(key)
        self.depth += 1
        try:
            out = tuple(dict.fromkeys(self._signals(node, params or {})))
        finally:
            self.depth -= 1
            self._active.discard(key)
        if not params:
            self._memo[key] = out
        return out

    def _signals(self, node: ast.AST, params: Params) -> list[Signal]:
        direct = direct_signal(self.index, node, self._text)
        if direct is not None:
            return [direct]
        if isinstance(node, ast.Name):
            return self._name(node, params)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, params)
        if isinstance(node, ast.Subscript):
            found = subscript(self.signals(node.value, params), node)
            return found or self._stored(node.value, node.slice) or self._entry(node, params)
        if isinstance(node, ast.Call):
            return self._call(node, params)
        if isinstance(node, ast.BoolOp):
            return [s for v in node.values for s in self.signals(v, params)]
        if isinstance(node, ast.IfExp):
            return [*self.signals(node.body, params), *self.signals(node.orelse, params)]
        if isinstance(node, (ast.Await, ast.NamedExpr, ast.Starred, ast.FormattedValue)):
            return list(self.signals(node.value, params))
        if isinstance(node, ast.JoinedStr):
            return self._sticky(node.values, params)
        if isinstance(node, ast.BinOp):
            return self._binop(node, params)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return [scaled(s, -1) for s in self.signals(node.operand, params)]
        if isinstance(node, ast.Dict):
            return self._sticky(node.values, params)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [s for e in node.elts for s in self.signals(e, params)]
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return list(self.signals(node.elt, params))
        if isinstance(node, ast.DictComp):
            return self._sticky([node.key, node.value], params)
        return []

    def _sticky(self, parts: list[ast.expr], params: Params) -> list[Signal]:
        return [s for v in parts for s in self.signals(v, params) if s.kind in STICKY]

    def _text(self, node: ast.AST) -> str | None:
        """A literal string, or the string the safe evaluator decodes (hidden env names, URLs,
        text built from what a call site passed); for a loop variable over literal names, the
        first name that is a signal; words (a command line, ``*args``) joined by spaces."""
        text = literal_str(node)
        if text is not None or (isinstance(node, ast.Name) and node.id in ("self", "cls")):
            return text
        if isinstance(node, ast.Starred):
            node = node.value
        target = loop_source(self.index, node)
        try:
            value = self._ev.value(target if target is not None else node, self._local(node))
        except (Unsupported, RecursionError, MemoryError):
            return None
        if target is not None and isinstance(value, list):
            names = [v for v in value if isinstance(v, str)]
            value = next((n for n in names if python_env_kind(n)), names[0] if names else None)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            value = " ".join(str(v) for v in value)
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if not isinstance(value, str):
            return None
        if self._ev.methods:
            self.hidden.add(value)
        return value

    def _local(self, node: ast.AST) -> Local | None:
        """The values the current call site passes, when ``node`` is in that helper."""
        if self._calls and inside(self.index, node, self._calls[-1][0]):
            return self._calls[-1][1]
        return None

    def _stored(self, container: ast.expr, key: ast.expr | None) -> list[Signal]:
        """Signals of the values a cache read (``cache[k]``, ``cache.get(k)``) gives back."""
        return [s for v in stored_values(self.index, container, key) for s in self.signals(v)]

    def _name(self, node: ast.Name, params: Params) -> list[Signal]:
        if node.id in params:
            return list(params[node.id])
        source = loop_source(self.index, node)
        if source is not None:
            return list(self.signals(source, params))
        exprs, scope = self.index.lookup(node.id, node)
        out = [s for e in exprs[:8] for s in self.signals(e, params if exprs else None)]
        if exprs and any(self._container(e) for e in exprs):
            filled = self._filled().get((id(scope), node.id), [])
            out.extend(s for e in filled[:8] for s in self.signals(e, params or None))
        if not out and exprs:
            out = self._hash_updates(node, exprs)
        return out

    def carried(self, node: ast.expr) -> tuple[Signal, ...]:
        """The signals of ``node``, or for a parameter of a local function, of what the
        module's calls of it pass (a helper that encodes its argument)."""
        return self.signals(node) or tuple(self.passed(node))

    def passed(self, node: ast.expr) -> list[Signal]:
        """For a parameter of a local function (``nibble`` in ``def tag(nibble)``), the
        signals of what the module's calls of that function pass for it (``tag(b >> 4)``)."""
        if not isinstance(node, ast.Name):
            return []
        fn = self.index.function_of(node)
        if not isinstance(fn, FUNCTIONS) or self.index.lookup(node.id, node)[0]:
            return []
        names = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
        if node.id not in names and node.id not in [a.arg for a in fn.args.kwonlyargs]:
            return []
        bound = isinstance(self.index.parent(fn), ast.ClassDef) and names[:1] in (["self"], ["cls"])
        position = names.index(node.id) - bound if node.id in names else -1
        out: list[Signal] = []
        for call in self.index.nodes(ast.Call):
            assert isinstance(call, ast.Call)
            func = call.func
            named = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if named != fn.name or callable_def(self.index, func) is not fn:
                continue
            args = [k.value for k in call.keywords if k.arg == node.id]
            if 0 <= position < len(call.args) and not isinstance(call.args[position], ast.Starred):
                args.append(call.args[position])
            out.extend(s for a in args for s in self.signals(a))
        return list(dict.fromkeys(out))

    def _holder(self, node: ast.expr) -> bool:
        """A name bound once to a container or holder made in the module (``[]``,
        ``ContextVar(…)``, ``Queue()``)."""
        if not isinstance(node, ast.Name):
            return False
        exprs, _ = self.index.lookup(node.id, node)
        return len(exprs) == 1 and self._container(exprs[0])

    def _container(self, node: ast.expr) -> bool:
        """A list or set made empty or from literals (``[]``, ``set()``, ``deque()``)."""
        if isinstance(node, ast.Call):
            return _func_name(self.index, node.func) in _CONTAINERS
        return isinstance(node, (ast.List, ast.Set))

    def _filled(self) -> dict[tuple[int, str], list[ast.expr]]:
        """What is put into each local container after it is made (``parts.append(x)``,
        ``seen.add(x)``, ``out.extend(xs)``, ``out.insert(0, x)``, ``parts += [x]``), by the
        scope and name of the container."""
        if self._fills is None:
            self._fills = {}
            for call in self.index.nodes(ast.Call, ast.AugAssign):
                holder: ast.expr
                if isinstance(call, ast.AugAssign):
                    holder, values = call.target, [call.value]
                    if not isinstance(call.op, (ast.Add, ast.BitOr)):
                        continue
                elif isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
                    if call.func.attr not in _FILLS or not call.args:
                        continue
                    holder, values = call.func.value, [call.args[-1]]
                else:
                    continue
                if isinstance(holder, ast.Name):
                    _, scope = self.index.lookup(holder.id, holder)
                    self._fills.setdefault((id(scope), holder.id), []).extend(values)
                elif isinstance(holder, ast.Attribute) and is_self_name(holder.value):
                    home = self._class_around(holder)  # self.parts.append(x): a field
                    if home is not None:
                        self._fills.setdefault((id(home), "." + holder.attr), []).extend(values)
        return self._fills

    def _class_around(self, node: ast.AST) -> ast.ClassDef | None:
        home = self.index.parent(node)
        while home is not None and not isinstance(home, ast.ClassDef):
            home = self.index.parent(home)
        return home if isinstance(home, ast.ClassDef) else None

    def _hash_updates(self, node: ast.Name, exprs: list[ast.expr]) -> list[Signal]:
        """``h = hashlib.sha256(); h.update(host.encode())``: the identities fed to ``h``."""
        if not any(
            isinstance(e, ast.Call) and _func_name(self.index, e.func).startswith(_HASHERS)
            for e in exprs
        ):
            return []
        scope = self.index.scope_of(node)
        found: list[Signal] = []
        for n in ast.walk(scope):
            if (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "update"
                and isinstance(n.func.value, ast.Name)
                and n.func.value.id == node.id
            ):
                found.extend(s for a in n.args for s in self.signals(a) if is_identity(s))
        return identifier(found)

    def _attribute(self, node: ast.Attribute, params: Params) -> list[Signal]:
        if node.attr in ("base_url", "api_base"):
            sdk = self._sdk_client(node.value)
            if sdk is not None:
                return [Signal("endpoint", f"{sdk}().{node.attr}")]
        base = self.signals(node.value, params)
        out: list[Signal] = []
        for s in base:
            if node.attr in _HOST_ATTRS and s.kind in ("url", "endpoint"):
                out.append(Signal("endpoint", s.source, host=True, hops=s.hops))
            elif s.kind in ("ip-geo", "http-json") and node.attr in GEO_KEYS:
                out.append(geo(s, node.attr))
            elif s.kind == "locale" and node.attr == "territory":
                out.append(Signal("country", f"territory of {s.source}", hops=s.hops))
            elif s.kind == "http" and node.attr == "headers":
                out.append(replace(s, kind="http-headers"))
            elif s.kind in ("http", "ip-geo") and response_read(node.attr):
                out.append(replace(s, kind="http-json" if s.kind == "http" else s.kind))
            elif (
                (node.attr in KEEP_ATTRS and s.kind in ("timezone", "locale", "country"))
                or (node.attr in ("stdout", "output") and s.kind not in INTERMEDIATE)
                or (node.attr in ("hex", "int", "bytes", "urn") and s.kind == "identifier")
                or (node.attr in ("seconds",) and s.kind == "tz-offset")
                or (node.attr in ("language", "script") and s.kind == "locale")
                or s.kind == "param"
            ):
                out.append(s)
        if not base and self.classes:
            out.extend(self._member(node))
        return out

    def _sdk_client(self, node: ast.AST) -> str | None:
        """The model SDK client class ``node`` is an instance of (``self.client =
        anthropic.Anthropic()``), whose ``base_url`` is the configured API host."""
        exprs: list[ast.expr] = []
        if isinstance(node, ast.Name):
            exprs = self.index.lookup(node.id, node)[0]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("self", "cls"):
                exprs = self.index.attributes.get(node.attr, [])
        elif isinstance(node, ast.Call):
            exprs = [node]
        for e in exprs[:4]:
            if isinstance(e, ast.Call):
                name = _func_name(self.index, e.func)
                if name.split(".")[0] in ("openai", "anthropic") and _SDK_CLIENT.search(name):
                    return name
        return None

    def _member(self, node: ast.Attribute) -> list[Signal]:
        """``self.x`` assigned anywhere, a class attribute, or a ``@property`` (read through
        ``self``, the class, an instance or ``Class()``)."""
        owner = node.value.id if isinstance(node.value, ast.Name) else ""
        if isinstance(node.value, ast.Name) and owner not in ("self", "cls"):
            owner = instance_class(self.index, node.value) or owner
        classes = [c for c in self.classes if owner in ("self", "cls") or c.name == owner]
        exprs: list[ast.expr] = [
            e for c in classes for e in self.index.bindings.get((id(c), node.attr), [])
        ]
        if owner in ("self", "cls"):
            exprs.extend(self.index.attributes.get(node.attr, []))
            home = self.index.parent(node)
            while home is not None and not isinstance(home, ast.ClassDef):
                home = self.index.parent(home)
            if isinstance(home, ast.ClassDef):
                exprs.extend(self._constructed(home, node.attr))
        elif classes:
            exprs.extend(self._instance_stores(owner, node.attr))
            exprs.extend(e for c in classes for e in self._constructed(c, node.attr))
        if owner not in ("self", "cls"):
            typed = receiver_class(self.index, node.value)
            if typed is not None and typed.name != owner:
                exprs.extend(self._fields(typed, node.attr))
            elif typed is not None:
                exprs.extend(fields_of(self.index, typed, node.attr))
        self._member_values[id(node)] = exprs[:8]
        out = [s for e in exprs[:8] for s in self.signals(e)]
        if any(self._container(e) for e in exprs[:8]):  # a field filled by its class's methods
            home = (
                self._class_around(node)
                if owner in ("self", "cls")
                else receiver_class(self.index, node.value)
            )
            filled = self._filled().get((id(home), "." + node.attr), []) if home else []
            out.extend(s for e in filled[:8] for s in self.signals(e))
        fn = callable_def(self.index, node)
        if fn is not None and any(
            (isinstance(d, ast.Name) and d.id in ("property", "cached_property"))
            or (isinstance(d, ast.Attribute) and d.attr == "cached_property")
            for d in fn.decorator_list
        ):
            out.extend(self._returns_of(fn, [], fn.name))
        return out

    def _fields(self, cls: ast.ClassDef, attr: str) -> list[ast.expr]:
        """What an instance of ``cls`` holds in ``attr``: its class attribute, what any of its
        methods stores, what the module's ``C(…)`` calls pass for it."""
        exprs = list(self.index.bindings.get((id(cls), attr), []))
        exprs.extend(fields_of(self.index, cls, attr))
        exprs.extend(self._constructed(cls, attr))
        return list(dict.fromkeys(exprs))

    def _member_item(self, container: ast.expr, key: ast.expr) -> list[Signal]:
        """``obj.attr.get("k")`` where ``obj.attr`` was assigned a dict literal with key "k"."""
        if not isinstance(container, ast.Attribute) or not isinstance(key, ast.Constant):
            return []
        self.signals(container)
        out: list[Signal] = []
        for d in self._member_values.get(id(container), []):
            if not isinstance(d, ast.Dict):
                continue
            for k, v in zip(d.keys, d.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == key.value:
                    out.extend(self.signals(v))
        return out

    def _entry(self, node: ast.Subscript | ast.Call, params: Params) -> list[Signal]:
        """``TABLE[sig]`` / ``TABLE.get(sig)`` of a constant dictionary: the signal, marked with
        the table (what the entry is compared with stands for the keys that map to it)."""
        if isinstance(node, ast.Subscript):
            table, key = node.value, node.slice
        else:
            assert isinstance(node.func, ast.Attribute)
            table, key = node.func.value, node.args[0]
        if not isinstance(table, (ast.Name, ast.Attribute)) or isinstance(key, ast.Constant):
            return []
        found = [s for s in self.signals(key, params) if s.kind not in INTERMEDIATE]
        if not found or self.signals(table, params) or entries(self._ev, table) is None:
            return []
        return [replace(s, table=table) for s in found if s.table is None]

    def _partial(self, call: ast.Call) -> ast.Call | None:
        """``get = functools.partial(requests.get, URL)`` … ``get()``: the call it stands for,
        ``requests.get(URL)``, with the arguments of both."""
        if not isinstance(call.func, ast.Name):
            return None
        bound, _ = self.index.lookup(call.func.id, call.func)
        made = bound[0] if len(bound) == 1 else None
        if not (
            isinstance(made, ast.Call)
            and _func_name(self.index, made.func) == "functools.partial"
            and made.args
        ):
            return None
        key = ("partial", id(call))
        cached = self._partials.get(key)
        if cached is None:
            cached = ast.Call(
                made.args[0], [*made.args[1:], *call.args], [*made.keywords, *call.keywords]
            )
            ast.copy_location(cached, call)
            self._partials[key] = cached
        return cached

    def _constructed(self, cls: ast.ClassDef, attr: str) -> list[ast.expr]:
        """What the module's ``C(…)`` calls pass for field ``attr``: by keyword, or by position
        among a dataclass's fields or ``__init__``'s parameters that it keeps as ``self.attr``."""
        fields = [
            i.target.id
            for i in cls.body
            if isinstance(i, ast.AnnAssign) and isinstance(i.target, ast.Name)
        ]
        init = next(
            (i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None
        )
        if init is not None:
            fields = [a.arg for a in init.args.args[1:]]
            kept = {
                t.attr
                for n in ast.walk(init)
                if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name)
                for t in n.targets
                if isinstance(t, ast.Attribute) and is_self_name(t.value) and t.attr == n.value.id
            }
            if attr not in kept:
                return []
        out: list[ast.expr] = []
        for call in self.index.nodes(ast.Call):
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and (
                    call.func.id == cls.name
                    or (call.func.id == "cls" and receiver_class(self.index, call) is cls)
                )
            ):
                continue
            out.extend(k.value for k in call.keywords if k.arg == attr)
            if attr in fields and fields.index(attr) < len(call.args):
                out.append(call.args[fields.index(attr)])
        return out[:8]

    def _instance_stores(self, owner: str, attr: str) -> list[ast.expr]:
        """Values stored into ``attr`` of an instance of local class ``owner`` from outside it
        (``settings.edge = {...}`` with ``settings: Settings``)."""
        out: list[ast.expr] = []
        for assign in self.index.nodes(ast.Assign):
            if not isinstance(assign, ast.Assign):
                continue
            for t in assign.targets:
                if (
                    isinstance(t, ast.Attribute)
                    and t.attr == attr
                    and isinstance(t.value, ast.Name)
                    and t.value.id not in ("self", "cls")
                    and instance_class(self.index, t.value) == owner
                ):
                    out.append(assign.value)
        return out

    def _call(self, node: ast.Call, params: Params) -> list[Signal]:
        bound = self._partial(node)
        if bound is not None:
            return list(self.signals(bound, params))
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.signals(func.value, params)
            if base and func.attr == "result" and _future(self.index, func.value):
                return list(base)  # pool.submit(lookup).result(): what lookup returned
            if base and func.attr in _TAKES and not node.args and self._holder(func.value):
                return [s for s in base if s.kind not in INTERMEDIATE]  # what was put into it
            if base:
                return method(base, func.attr, node)
            if func.attr in LOADS and node.args:
                found = self._stored(func.value, node.args[0])
                found.extend(self._member_item(func.value, node.args[0]))
                if func.attr == "setdefault" and len(node.args) == 2:
                    found.extend(self.signals(node.args[1], params))
                if found:
                    return found
                if func.attr == "get":
                    return self._entry(node, params)
            if func.attr in ("join", "format") and isinstance(func.value, ast.Constant):
                return self._sticky([*node.args, *(k.value for k in node.keywords)], params)
        name = _func_name(self.index, func)
        if name in _FIELDS:
            return self._factory(node)
        args = [self.signals(a, params) for a in node.args]
        if name in _JSON_LOADS and args:
            return [body(s) for s in args[0] if s.kind in (*INTERMEDIATE, *STICKY)]
        if name in _URL_PARSERS:
            return [
                Signal("url", s.source, hops=s.hops) if s.kind == "endpoint" else s
                for s in (args[0] if args else ())
            ]
        if name in _PASS or name.startswith("builtins."):
            return [s for s in (args[0] if args else ()) if s.kind not in INTERMEDIATE]
        if name in _SERIALISERS:
            kws = [self.signals(k.value, params) for k in node.keywords]
            return [s for a in (*args, *kws) for s in a if s.kind in STICKY]
        if name.startswith(_HASHERS):
            kws = [self.signals(k.value, params) for k in node.keywords]
            found = [s for a in (*args, *kws) for s in a if is_identity(s) or s.kind == "param"]
            return [s for s in found if s.kind == "param"] + identifier(found)
        return self._summary(node, args)

    def _factory(self, node: ast.Call) -> list[Signal]:
        """A dataclass/attrs/pydantic field's value: what its ``default_factory`` returns,
        else its ``default``."""
        for kw in node.keywords:
            if kw.arg in ("default_factory", "factory"):
                f = kw.value
                if isinstance(f, ast.Lambda):
                    return list(self.signals(f.body))
                fn = callable_def(self.index, f)
                if isinstance(fn, (*FUNCTIONS, ast.Lambda)):
                    return self._returns_of(fn, [], getattr(fn, "name", ""))
            elif kw.arg == "default":
                return list(self.signals(kw.value))
        return []

    def _binop(self, node: ast.BinOp, params: Params) -> list[Signal]:
        left, right = self.signals(node.left, params), self.signals(node.right, params)
        if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mult)):
            offsets = [s for s in left if s.kind == "tz-offset"]
            factor = self._number(node.right)
            if offsets and factor:
                scale = 1 / factor if not isinstance(node.op, ast.Mult) else factor
                return [scaled(s, scale) for s in offsets]
            return []
        if isinstance(node.op, (ast.RShift, ast.BitAnd)):
            # the vendor prefix of a MAC address (``node >> 24``, ``node & 0xFFFFFF000000``)
            return [s for s in left if s.kind in _NUMERIC_IDS]
        if isinstance(node.op, ast.Mod) and isinstance(node.left, (ast.Constant, ast.JoinedStr)):
            return [s for s in right if s.kind in STICKY]
        if isinstance(node.op, (ast.Add, ast.Mod)):
            return [s for s in (*left, *right) if s.kind in STICKY]
        return []

    def _number(self, node: ast.AST) -> float | None:
        try:
            value = self._ev.value(node)
        except (Unsupported, RecursionError, MemoryError):
            return None
        return float(value) if isinstance(value, (int, float)) and value else None

    def _summary(self, call: ast.Call, args: list[tuple[Signal, ...]]) -> list[Signal]:
        """Signals a local helper function (or method, or lambda) returns, with the call's
        argument signals bound (and its argument values, when the helper builds text from
        them)."""
        if self.depth > MAX_HOPS * 6:
            return []
        func = call.func
        fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None = callable_def(
            self.index, func
        )
        name = fn.name if isinstance(fn, FUNCTIONS) else ""
        if fn is None and isinstance(func, ast.Name):
            bound, _ = self.index.lookup(func.id, func)
            if len(bound) == 1 and isinstance(bound[0], ast.Lambda):
                fn, name = bound[0], func.id
        if fn is None and isinstance(func, ast.Attribute):
            methods = candidate_methods(self.index, func)  # one of several classes' methods
            if methods:
                return [s for m in methods for s in self._returns_of(m, args, m.name)]
        if fn is None:
            return self._ran(call, name)
        passed = self._passed(fn, call)
        if not passed:
            return self._returns_of(fn, args, name)
        self._calls.append((fn, passed, f"{id(fn)}:{hash(repr(sorted(passed.items(), key=str)))}"))
        try:
            return self._returns_of(fn, args, name)
        finally:
            self._calls.pop()

    def _ran(self, call: ast.Call, name: str) -> list[Signal]:
        """A call outside the module handed a local function (``loop.run_in_executor(None,
        lookup)``, ``asyncio.to_thread(lookup)``, ``pool.submit(lookup)``) or a local coroutine
        (``asyncio.wait_for(where(), 5)``) gives back what that function returns; not the
        builtins that give back their data (``sorted(xs, key=f)``, ``filter(f, xs)``)."""
        if isinstance(call.func, ast.Name) and call.func.id in _DATA_BUILTINS:
            return []
        out: list[Signal] = []
        for arg in call.args:
            ran = (
                callable_def(self.index, arg) if isinstance(arg, ast.Name | ast.Attribute) else None
            )
            if isinstance(ran, FUNCTIONS):
                out.extend(self._returns_of(ran, [], ran.name))
            elif isinstance(arg, ast.Lambda):
                out.extend(self._returns_of(arg, [], "<lambda>"))
            elif isinstance(arg, ast.Call) and isinstance(
                callable_def(self.index, arg.func), ast.AsyncFunctionDef
            ):
                out.extend(self.signals(arg))
        return out

    def _passed(self, fn: Callee, call: ast.Call) -> Local:
        """The values ``call`` gives ``fn``'s parameters, if ``fn`` builds text from them."""
        builds = self._builds.get(id(fn))
        if builds is None:
            builds = self._builds[id(fn)] = builds_text_from_parameters(fn)
        if not builds or len(self._calls) > MAX_HOPS:
            return {}
        return literal_arguments(self.index, self._ev, fn, call, self._local(call))

    def _returns_of(
        self,
        fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
        args: list[tuple[Signal, ...]],
        name: str,
    ) -> list[Signal]:
        names = [a.arg for a in fn.args.args if a.arg not in ("self", "cls")]
        bound: Params = {n: a for n, a in zip(names, args, strict=False) if a}
        out: list[Signal] = []
        values: list[ast.expr | None] = [r.value for r in returns(fn)]
        values.extend(y.value for y in yields(fn))
        for value in values:
            if value is not None:
                out.extend(s.via(name) for s in self.signals(value, bound or None))
        return out


_FILLS = frozenset({"append", "extend", "add", "insert", "appendleft", "set", "put", "put_nowait"})
"""Methods that put their (last) argument into the container they are called on."""
_CONTAINERS = frozenset(
    {"list", "set", "collections.deque", "deque", "bytearray", "contextvars.ContextVar"}
    | {"queue.Queue", "queue.SimpleQueue", "queue.LifoQueue", "asyncio.Queue"}
)
"""Containers and holders a value is put into and read back from (``var.set(v)``/``var.get()``,
``q.put(v)``/``q.get()``)."""
_TAKES = frozenset({"get", "get_nowait", "pop", "popleft"})
_DATA_BUILTINS = frozenset({"sorted", "filter", "min", "max", "print", "setattr", "isinstance"})
"""Builtins handed a function that give back (or keep) their data, not its results."""


def entries(ev: Evaluator, table: ast.expr) -> dict[object, object] | None:
    """The constant dictionary ``table`` evaluates to (a literal bound to a name or a class
    attribute), or None."""
    if isinstance(table, ast.Name):
        bound, _ = ev.index.lookup(table.id, table)
        if len(bound) != 1 or not isinstance(bound[0], (ast.Dict, ast.DictComp, ast.Call)):
            return None
    try:
        value = ev.value(table)
    except (Unsupported, RecursionError, MemoryError):
        return None
    return value if isinstance(value, dict) and value else None


def is_self_name(node: ast.AST) -> bool:
    """A method's ``self`` (or ``cls``)."""
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _future(index: ModuleIndex, node: ast.expr) -> bool:
    """A call outside the module handed a local function: the future its result comes from."""
    return (
        isinstance(node, ast.Call)
        and callable_def(index, node.func) is None
        and any(isinstance(callable_def(index, a), FUNCTIONS) for a in node.args)
    )


def _func_name(index: ModuleIndex, func: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return ""
    parts.append(index.aliases.get(func.id, func.id))
    return ".".join(reversed(parts))
