"""Small functions, methods and lambdas of the analysed module interpreted statement by statement
over evaluated values (assignments, loops, conditions, appends, returns) — never executed."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.facts.pyscope import PyScopes
from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.evaluate import SELF_KEY, Evaluator, assign, iterate, truth
from agentxray.analyze.python.parse import ModuleIndex

logger = logging.getLogger(__name__)

Def = ast.FunctionDef | ast.AsyncFunctionDef
_MUTATORS = frozenset({"append", "extend", "insert"})
MAX_ITEMS = 1_000_000
"""Largest list a decoder function may build."""


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def _methods_named(index: ModuleIndex, name: str, owner: str | None) -> list[Def]:
    out = []
    for fn in index.functions.get(name, []):
        cls = index.parent(fn)
        if isinstance(cls, ast.ClassDef) and (owner is None or cls.name == owner):
            out.append(fn)
    return out


def _class_names(index: ModuleIndex) -> set[str]:
    return {c.name for c in index.nodes(ast.ClassDef) if isinstance(c, ast.ClassDef)}


def instance_class(index: ModuleIndex, name: ast.Name) -> str | None:
    """The local class a variable is an instance of (``c = Config()``), if bound once, or a
    parameter annotated with a local class (``def pick(sig: HostSignals)``)."""
    bound, _ = index.lookup(name.id, name)
    if not bound:
        return _annotated_class(index, name)
    if len(bound) != 1:
        return None
    value = bound[0]
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in _class_names(index)
    ):
        return value.func.id
    return None


def _annotated_class(index: ModuleIndex, name: ast.Name) -> str | None:
    fn = index.function_of(name)
    if fn is None:
        return None
    args = fn.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg != name.id or arg.annotation is None:
            continue
        ann = arg.annotation
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            label = ann.value
        elif isinstance(ann, ast.Name):
            label = ann.id
        else:
            return None
        return label if label in _class_names(index) else None
    return None


def callable_def(index: ModuleIndex, func: ast.AST) -> Def | None:
    """The one definition ``func`` calls: ``f``, ``self.f``, ``cls.f``, ``Class.f``,
    ``Class().f`` or ``obj.f`` for an instance of a local class."""
    if isinstance(func, ast.Name):
        defs = index.functions.get(func.id, [])
        return defs[0] if len(defs) == 1 else None
    if not isinstance(func, ast.Attribute):
        return None
    recv = func.value
    owner: str | None = None
    if isinstance(recv, ast.Name) and recv.id in ("self", "cls"):
        owner = None
    elif isinstance(recv, ast.Name) and recv.id in _class_names(index):
        owner = recv.id
    elif isinstance(recv, ast.Name):
        owner = instance_class(index, recv)
        if owner is None:
            return _typed_method(index, func)
    elif (
        isinstance(recv, ast.Call)
        and isinstance(recv.func, ast.Name)
        and recv.func.id in _class_names(index)
    ):
        owner = recv.func.id
    else:
        return _typed_method(index, func)
    defs = _methods_named(index, func.attr, owner)
    return defs[0] if len(defs) == 1 else None


def _scopes(index: ModuleIndex) -> PyScopes:
    if not isinstance(index.receivers, PyScopes):
        index.receivers = PyScopes(index.tree, lambda _node: None)
    return index.receivers


def receiver_class(index: ModuleIndex, node: ast.AST) -> ast.ClassDef | None:
    """The local class an expression is an instance of, by the rule layer's shared resolver
    (``PyScopes.class_of``): ``x = p or C()``, ``C.make()``, ``C().fluent()``, ``self.a``
    holding one…"""
    return _scopes(index).class_of(node)


def candidate_methods(index: ModuleIndex, func: ast.Attribute) -> list[Def]:
    """``x.m`` where ``x`` may be an instance of one of several local classes (``Clock =
    Fake if test else Host; Clock().m()``, ``a or b``): each such class's method ``m``."""
    classes: list[ast.ClassDef] = []
    _candidates(index, func.value, classes, 0)
    out: list[Def] = []
    for cls in dict.fromkeys(classes):
        out.extend(
            f
            for f in cls.body
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and f.name == func.attr
        )
    return out if len(out) > 1 else []


def _candidates(index: ModuleIndex, node: ast.AST, out: list[ast.ClassDef], depth: int) -> None:
    if depth > 4 or len(out) > 4:
        return
    one = receiver_class(index, node)
    if one is not None:
        out.append(one)
    elif isinstance(node, ast.IfExp):
        _candidates(index, node.body, out, depth + 1)
        _candidates(index, node.orelse, out, depth + 1)
    elif isinstance(node, ast.BoolOp):
        for v in node.values:
            _candidates(index, v, out, depth + 1)
    elif isinstance(node, ast.Call):
        _candidates(index, node.func, out, depth + 1)
    elif isinstance(node, ast.Name):
        for v in index.lookup(node.id, node)[0][:4]:
            _candidates(index, v, out, depth + 1)


def fields_of(index: ModuleIndex, cls: ast.ClassDef, attr: str) -> list[ast.expr]:
    """What ``self.attr = …`` assigns in any method of ``cls`` (or its class body)."""
    return [v for v in _scopes(index).attribute_values(cls, attr) if isinstance(v, ast.expr)]


def _typed_method(index: ModuleIndex, func: ast.Attribute) -> Def | None:
    """``self.clock.offset()``, ``client.send()`` with ``client = client or Client()``,
    ``Builder().step().run()``: the method of the class the shared receiver resolver of the
    rule layer gives (``PyScopes.class_of``)."""
    found = _scopes(index).function_named(func)
    if isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef) and isinstance(
        index.parent(found), ast.ClassDef
    ):
        return found
    return None


def _decorators(fn: Def) -> set[str]:
    names = set()
    for d in fn.decorator_list:
        if isinstance(d, ast.Name):
            names.add(d.id)
        elif isinstance(d, ast.Attribute):
            names.add(d.attr)
    return names


def takes_self(index: ModuleIndex, fn: Def) -> bool:
    """Whether calls through an instance or class pass an implicit first argument."""
    if not isinstance(index.parent(fn), ast.ClassDef) or "staticmethod" in _decorators(fn):
        return False
    return bool(fn.args.args)


def run_lambda(
    ev: Evaluator, fn: ast.Lambda, args: list[object], local: dict[str, object]
) -> object:
    """Apply a lambda to evaluated arguments (defaults of literal values supported)."""
    params = [a.arg for a in fn.args.args]
    defaults = fn.args.defaults
    if len(args) > len(params) or fn.args.vararg or fn.args.kwonlyargs:
        raise Unsupported("lambda arity")
    env = dict(local)
    first_default = len(params) - len(defaults)
    for i, p in enumerate(params):
        if i < len(args):
            env[p] = args[i]
        elif i >= first_default:
            env[p] = ev.eval(defaults[i - first_default], {})
        else:
            raise Unsupported("lambda arity")
    ev.depth += 5
    try:
        return ev.eval(fn.body, env)
    finally:
        ev.depth -= 5


def run_function(
    ev: Evaluator,
    fn: Def,
    args: list[object],
    bound: bool = False,
    state: dict[str, object] | None = None,
) -> object:
    """Interpret a small decoder function (assignments, loops, appends, returns); ``state``:
    the fields of the instance a method runs on (see :func:`constructed_state`)."""
    if bound and takes_self(ev.index, fn):
        args = [None, *args]  # ``self``/``cls``: attribute reads go through class constants
    params = fn.args.args
    defaults = fn.args.defaults
    if len(args) > len(params) or fn.args.vararg or fn.args.kwonlyargs:
        raise Unsupported("signature")
    env: dict[str, object] = {}
    first_default = len(params) - len(defaults)
    for i, p in enumerate(params):
        if i < len(args):
            env[p.arg] = args[i]
        elif i >= first_default:
            env[p.arg] = ev.eval(defaults[i - first_default], {})
        else:
            raise Unsupported("missing argument")
    if bound and takes_self(ev.index, fn):
        env.pop(params[0].arg, None)  # ``self.X`` resolves to the class attribute
        env.update(state or {})
        env.update(_initial_state(ev, fn, params[0].arg))
    env.update(_initial_globals(ev, fn))
    ev.depth += 10  # a call costs nesting budget, so recursion ends quickly
    try:
        _block(ev, fn.body, env)
    except _Return as ret:
        ev._mark(f"decoder {fn.name}()")
        return ret.value
    finally:
        ev.depth -= 10
    raise Unsupported("no return")


def constructed_state(ev: Evaluator, recv: ast.expr, fn: Def) -> dict[str, object]:
    """The fields ``__init__`` gives the instance a method is called on, when that instance is
    made once from evaluable arguments (``codec = Codec(0x21)`` … ``codec.decode(blob)``:
    ``self.key`` is 0x21): each ``self.attr = …`` of the constructor's own body, evaluated
    with its parameters bound to the call's arguments (fields that do not evaluate are left
    out)."""
    cls = ev.index.parent(fn)
    if isinstance(recv, ast.Name):
        bound, _ = ev.index.lookup(recv.id, recv)
        recv = bound[0] if len(bound) == 1 else recv
    if not (
        isinstance(cls, ast.ClassDef)
        and isinstance(recv, ast.Call)
        and isinstance(recv.func, ast.Name)
        and recv.func.id == cls.name
    ):
        return {}
    init = next(
        (i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None
    )
    if init is None or not init.args.args or init.args.vararg or init.args.kwarg:
        return {}
    me, *params = [a.arg for a in init.args.args]
    passed: dict[str, ast.expr] = dict(zip(params, recv.args, strict=False))
    passed.update({k.arg: k.value for k in recv.keywords if k.arg in params})
    defaults = dict(
        zip(params[len(params) - len(init.args.defaults) :], init.args.defaults, strict=True)
    )
    env: dict[str, object] = {}
    for name in params:
        expr = passed.get(name, defaults.get(name))
        try:
            if expr is not None and not isinstance(expr, ast.Starred):
                env[name] = ev.eval(expr, {})
        except _EVAL_ERRORS:
            continue
    state: dict[str, object] = {}
    for stmt in init.body:
        target = (
            stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
        )
        if not (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == me
        ):
            continue
        assert isinstance(stmt, ast.Assign)
        try:
            state[SELF_KEY + target.attr] = ev.eval(stmt.value, dict(env))
        except _EVAL_ERRORS:
            continue
    return state


_EVAL_ERRORS = (
    Unsupported,
    ValueError,
    TypeError,
    LookupError,
    ArithmeticError,
    RecursionError,
)


def _block(ev: Evaluator, body: list[ast.stmt], env: dict[str, object]) -> None:
    for stmt in body:
        ev._tick()
        _statement(ev, stmt, env)


def _statement(ev: Evaluator, stmt: ast.stmt, env: dict[str, object]) -> None:
    if isinstance(stmt, (ast.Pass, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)) or (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
    ):
        return
    if isinstance(stmt, ast.Return):
        raise _Return(ev.eval(stmt.value, env) if stmt.value is not None else None)
    if isinstance(stmt, ast.Assign):
        value = ev.eval(stmt.value, env)
        for target in stmt.targets:
            _store(ev, target, value, env)
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        _store(ev, stmt.target, ev.eval(stmt.value, env), env)
    elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, (ast.Name, ast.Subscript)):
        load = _as_load(stmt.target)
        fake = ast.copy_location(ast.BinOp(left=load, op=stmt.op, right=stmt.value), stmt)
        _store(ev, stmt.target, ev.eval(fake, env), env)
    elif isinstance(stmt, ast.For) and not stmt.orelse:
        for item in iterate(ev.eval(stmt.iter, env)):
            ev._tick()
            assign(stmt.target, item, env)
            try:
                _block(ev, stmt.body, env)
            except _Break:
                break
            except _Continue:
                continue
    elif isinstance(stmt, ast.While) and not stmt.orelse:
        while truth(ev.eval(stmt.test, env)):
            ev._tick()
            try:
                _block(ev, stmt.body, env)
            except _Break:
                break
            except _Continue:
                continue
    elif isinstance(stmt, ast.If):
        _block(ev, stmt.body if truth(ev.eval(stmt.test, env)) else stmt.orelse, env)
    elif isinstance(stmt, ast.Break):
        raise _Break
    elif isinstance(stmt, ast.Continue):
        raise _Continue
    elif not (isinstance(stmt, ast.Expr) and _mutate(ev, stmt.value, env)):
        raise Unsupported(type(stmt).__name__)


def _as_load(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return ast.copy_location(ast.Name(id=target.id, ctx=ast.Load()), target)
    assert isinstance(target, ast.Subscript)
    return ast.copy_location(
        ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load()), target
    )


def _initial_state(ev: Evaluator, fn: Def, me: str) -> dict[str, object]:
    """The instance attributes a method sets itself (a lazily filled cache: ``if self._x is
    None: self._x = …``), with the constant the constructor starts them at: the state of the
    first call."""
    own = {
        t.attr
        for sub in ast.walk(fn)
        if isinstance(sub, ast.Assign)
        for t in sub.targets
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == me
    }
    cls = ev.index.parent(fn)
    init = next(
        (
            item
            for item in getattr(cls, "body", [])
            if isinstance(item, ast.FunctionDef) and item.name == "__init__" and item.args.args
        ),
        None,
    )
    out: dict[str, object] = {}
    for item in getattr(cls, "body", []) if own else []:  # _cache = None in the class body
        if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant):
            for t in item.targets:
                if isinstance(t, ast.Name) and t.id in own:
                    out[SELF_KEY + t.id] = item.value.value
    if init is None or not own:
        return out
    this = init.args.args[0].arg
    for sub in ast.walk(init):
        if not isinstance(sub, ast.Assign) or not isinstance(sub.value, ast.Constant):
            continue
        for t in sub.targets:
            owner = t.value if isinstance(t, ast.Attribute) else None
            if isinstance(owner, ast.Name) and owner.id == this and getattr(t, "attr", "") in own:
                out[SELF_KEY + getattr(t, "attr", "")] = sub.value.value
    return out


def _initial_globals(ev: Evaluator, fn: Def) -> dict[str, object]:
    """Module names a function declares ``global`` and assigns (``if _CACHE is None: _CACHE =
    …``), at the constant the module starts them at: the state of the first call."""
    declared = {n for sub in ast.walk(fn) if isinstance(sub, ast.Global) for n in sub.names}
    out: dict[str, object] = {}
    for name in declared:
        start = [
            stmt.value
            for stmt in ev.index.tree.body
            if isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
        ]
        if len(start) == 1 and isinstance(start[0], ast.Constant):
            out[name] = start[0].value
    return out


def _store(ev: Evaluator, target: ast.expr, value: object, env: dict[str, object]) -> None:
    attr = target.attr if isinstance(target, ast.Attribute) else ""
    if attr and SELF_KEY + attr in env and isinstance(getattr(target, "value", None), ast.Name):
        env[SELF_KEY + attr] = value  # self._cache = value: this call's state
        return
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        container = env.get(target.value.id)
        key = ev.eval(target.slice, env)
        if isinstance(container, dict) and not isinstance(key, list):
            container[key] = value
            ev._tick()
            return
        if (
            isinstance(container, list)
            and type(key) is int
            and -len(container) <= key < len(container)
        ):
            container[key] = value
            return
        raise Unsupported("item assignment")
    assign(target, value, env)


def _mutate(ev: Evaluator, node: ast.expr, env: dict[str, object]) -> bool:
    """``out.append(x)``, ``out.extend(xs)``, ``out.insert(i, x)`` on a local list."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _MUTATORS
        and isinstance(node.func.value, ast.Name)
    ):
        return False
    target = env.get(node.func.value.id)
    if not isinstance(target, list):
        raise Unsupported("mutation of a non-list")
    args = [ev.eval(a, env) for a in node.args]
    if node.func.attr == "append" and len(args) == 1:
        target.append(args[0])
    elif node.func.attr == "extend" and len(args) == 1:
        items = iterate(args[0])
        ev._tick(len(items))
        target.extend(items)
    elif node.func.attr == "insert" and len(args) == 2 and type(args[0]) is int:
        target.insert(args[0], args[1])
    else:
        raise Unsupported("mutation")
    if len(target) > MAX_ITEMS:
        raise Unsupported("list over the size cap")
    return True
