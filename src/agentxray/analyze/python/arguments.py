"""What a call site passes to a local helper, as values: the text a helper builds from its
parameters (``subprocess.run(["git", *args])`` called as ``_git("config", "user.email")``, an
environment name, a URL) is only known there."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.evaluate import Evaluator
from agentxray.analyze.python.interpret import takes_self
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex

logger = logging.getLogger(__name__)

Callee = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
Local = dict[str, object]


def parameter_names(fn: Callee) -> set[str]:
    """Every parameter of ``fn`` (positional, ``*args``, keyword-only, ``**kwargs``)."""
    a = fn.args
    names = [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    names += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
    return set(names)


def builds_text_from_parameters(fn: Callee) -> bool:
    """Whether ``fn`` passes a parameter (or text made from one) to a call: only then can the
    call site's values tell what the helper reads."""
    params = parameter_names(fn) - {"self", "cls"}
    if not params:
        return False
    for node in ast.walk(fn):  # ``for p in paths``: the loop variable stands for the parameter
        if isinstance(node, (ast.For, ast.comprehension)) and any(
            isinstance(n, ast.Name) and n.id in params for n in ast.walk(node.iter)
        ):
            params |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            for arg in (*node.args, *(k.value for k in node.keywords)):
                if any(isinstance(n, ast.Name) and n.id in params for n in ast.walk(arg)):
                    return True
    return False


def inside(index: ModuleIndex, node: ast.AST, fn: ast.AST) -> bool:
    """Whether ``node`` is part of ``fn``'s body."""
    cur: ast.AST | None = node
    while cur is not None:
        if cur is fn:
            return True
        cur = index.parent(cur)
    return False


def literal_arguments(
    index: ModuleIndex, ev: Evaluator, fn: Callee, call: ast.Call, local: Local | None = None
) -> Local:
    """The values of ``fn``'s parameters that ``call`` passes and the safe evaluator knows
    (literals, constants, decoded text; ``local``: the caller's own known parameters), and
    literal defaults of those it does not pass. ``*args`` gets the list of extra positionals."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    if isinstance(fn, FUNCTIONS) and isinstance(call.func, ast.Attribute) and takes_self(index, fn):
        positional = positional[1:]
    out: Local = {}
    pairs = [
        *zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=False),
        *((p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None),
    ]
    for param, default in pairs:
        _put(ev, out, param.arg, default, None)
    args = call.args
    starred = next((i for i, x in enumerate(args) if isinstance(x, ast.Starred)), len(args))
    for param, arg in zip(positional, args[:starred], strict=False):
        _put(ev, out, param.arg, arg, local)
    extra = args[len(positional) : starred]
    if a.vararg is not None and starred == len(args):
        values = [_value(ev, x, local) for x in extra]
        if all(v is not _UNKNOWN for v in values):
            out[a.vararg.arg] = values
    named = {p.arg for p in (*positional, *a.kwonlyargs)}
    for k in call.keywords:
        if k.arg in named:
            _put(ev, out, k.arg, k.value, local)
    return out


_UNKNOWN = object()


def _value(ev: Evaluator, node: ast.expr, local: Local | None) -> object:
    try:
        return ev.value(node, local)
    except (Unsupported, RecursionError, MemoryError):
        return _UNKNOWN


def _put(ev: Evaluator, out: Local, name: str, node: ast.expr, local: Local | None) -> None:
    value = _value(ev, node, local)
    if value is _UNKNOWN:
        out.pop(name, None)
    else:
        out[name] = value
