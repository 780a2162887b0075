"""When a piece of Python code runs, in plain words, from the guards around it."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.python.comparisons import values_of
from agentxray.analyze.python.evaluate import Evaluator
from agentxray.analyze.python.flow import Flow
from agentxray.analyze.python.parse import FUNCTIONS, ModuleIndex

logger = logging.getLogger(__name__)

MAX_GUARDS = 4


class Describer:
    """Renders the guards (enclosing ``if``s, earlier early returns) of a node."""

    def __init__(self, index: ModuleIndex, flow: Flow, ev: Evaluator) -> None:
        self.index, self.flow, self.ev = index, flow, ev
        self._calls: dict[str, list[ast.Call]] | None = None

    def calls(self, name: str) -> list[ast.Call]:
        """Calls of a function by its name (``f()`` or ``self.f()``)."""
        if self._calls is None:
            self._calls = {}
            for n in self.index.nodes(ast.Call):
                if isinstance(n, ast.Call):
                    f = n.func
                    key = f.id if isinstance(f, ast.Name) else None
                    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                        key = f.attr if f.value.id in ("self", "cls") else None
                    if key is not None:
                        self._calls.setdefault(key, []).append(n)
        return self._calls.get(name, [])

    def activation(self, node: ast.AST) -> str:
        """``only when …``: guards of ``node`` in its function and, when the function itself is
        unguarded there, the guards every call site of it shares (a few calls up)."""
        return self.render(self.all_guards(node, 3))

    def render(self, guards: list[tuple[ast.expr, bool]]) -> str:
        """Guards in words: ``only when A and B``, or ``""``."""
        flat: list[tuple[ast.expr, bool]] = []
        for test, positive in guards:
            if positive and isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
                flat.extend((v, True) for v in test.values)
            else:
                flat.append((test, positive))
        words: list[str] = []
        for test, positive in flat:
            text = self.words(test, positive)
            if text and text not in words:
                words.append(text)
        words = [w for w in words if not _implied(w, words)]
        return "only when " + " and ".join(words[:MAX_GUARDS]) if words else ""

    def all_guards(self, node: ast.AST, depth: int) -> list[tuple[ast.expr, bool]]:
        """:meth:`guards`, preceded by the guards shared by the function's call sites."""
        own = self.guards(node)
        fn = self.index.function_of(node)
        if fn is None or depth <= 0:
            return own
        sites = [c for c in self.calls(fn.name)[:20] if self.index.function_of(c) is not fn]
        if not sites:
            return own
        lists = [self.all_guards(c, depth - 1) for c in sites]
        return shared_guards(lists) + own

    def guards(self, node: ast.AST) -> list[tuple[ast.expr, bool]]:
        """Tests that must hold (``True``) or fail (``False``) for ``node`` to run, outermost first."""
        out: list[tuple[ast.expr, bool]] = []
        child, cur = node, self.index.parent(node)
        while cur is not None and not isinstance(cur, (*FUNCTIONS, ast.Module, ast.Lambda)):
            if isinstance(cur, (ast.If, ast.While, ast.IfExp)) and child is not cur.test:
                in_body = child in cur.body if isinstance(cur.body, list) else child is cur.body
                out.append((cur.test, in_body))
            if isinstance(cur, ast.BoolOp) and isinstance(cur.op, ast.And):
                for v in cur.values:
                    if v is child:
                        break
                    out.append((v, True))
            body = getattr(cur, "body", None)
            if isinstance(body, list) and child in body:
                out.extend(_early_exits(body[: body.index(child)]))
            child, cur = cur, self.index.parent(cur)
        if cur is not None and not isinstance(cur, ast.Module):
            body = getattr(cur, "body", None)
            if isinstance(body, list) and child in body:
                out.extend(_early_exits(body[: body.index(child)]))
        return list(reversed(out))

    def words(self, test: ast.expr, positive: bool) -> str:
        """One guard as words (``ANTHROPIC_BASE_URL is set``)."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.words(test.operand, not positive)
        if isinstance(test, ast.BoolOp) and positive and isinstance(test.op, ast.And):
            return " and ".join(w for v in test.values if (w := self.words(v, True)))
        text = self._prefix_test(test, positive)
        if text:
            return text
        sigs = self.flow.signals(test)
        if sigs:
            return f"{_subject(sigs[0].label)} is {'set' if positive else 'not set'}"
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            text = self._comparison(test, positive)
            if text:
                return text
        src = " ".join(ast.unparse(test).split())
        src = src if len(src) <= 80 else src[:79] + "…"
        return f"`{src}`" if positive else f"not `{src}`"

    def _prefix_test(self, test: ast.expr, positive: bool) -> str:
        """``lang.startswith(("ru", "be"))`` → ``the locale (env:LANG) starts with ru, be``."""
        if not (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Attribute)
            and test.func.attr in ("startswith", "endswith")
            and test.args
        ):
            return ""
        sigs = self.flow.signals(test.func.value)
        vals = values_of(self.ev, self.index, test.args[0]) if sigs else None
        if not sigs or vals is None:
            return ""
        verb = "starts" if test.func.attr == "startswith" else "ends"
        shown = ", ".join(vals.items[:4]) + ("…" if len(vals.items) > 4 else "")
        label = sigs[0].label if sigs[0].kind != "endpoint" else _subject(sigs[0].label)
        return f"the {label} {verb if positive else 'does not ' + verb[:-1]} with {shown}"

    def _comparison(self, test: ast.Compare, positive: bool) -> str:
        left, right = test.left, test.comparators[0]
        sigs, other = self.flow.signals(left), right
        if not sigs:
            sigs, other = self.flow.signals(right), left
        if not sigs:
            return ""
        vals = values_of(self.ev, self.index, other)
        if vals is None:
            return ""
        op = type(test.ops[0])
        equal = op in (ast.Eq, ast.In, ast.Is)
        if not positive:
            equal = not equal
        shown = ", ".join(vals.items[:4]) + ("…" if len(vals.items) > 4 else "")
        sig = sigs[0]
        if sig.kind == "endpoint" and sig.host:
            which = "one of" if len(vals.items) > 1 else ""
            if equal:
                return f"{sig.source.removeprefix('env:')} is set to {which} {shown}".replace(
                    "  ", " "
                )
            return f"{sig.source.removeprefix('env:')} is set to a host other than {shown}"
        return f"the {sig.label} is {'' if equal else 'not '}{shown}"


def shared_guards(lists: list[list[tuple[ast.expr, bool]]]) -> list[tuple[ast.expr, bool]]:
    """The leading guards every list has in common (the same test, the same way round)."""
    common: list[tuple[ast.expr, bool]] = []
    for i, (test, positive) in enumerate(lists[0]):
        if all(len(x) > i and x[i][0] is test and x[i][1] == positive for x in lists[1:]):
            common.append((test, positive))
        else:
            break
    return common


def _implied(word: str, words: list[str]) -> bool:
    """``X is set`` says nothing more when another guard says ``X is set to …``."""
    if not word.endswith(" is set"):
        return False
    subject = word.removesuffix(" is set").removeprefix("the host of ")
    return any(w != word and w.startswith(f"{subject} is set to") for w in words)


def _subject(label: str) -> str:
    if label.startswith("host of env:"):
        return "the host of " + label.removeprefix("host of env:")
    return label.removeprefix("env:")


def _early_exits(stmts: list[ast.stmt]) -> list[tuple[ast.expr, bool]]:
    """``if not url: return`` before a statement guards it with ``url``."""
    out = []
    for stmt in stmts:
        if (
            isinstance(stmt, ast.If)
            and not stmt.orelse
            and stmt.body
            and isinstance(stmt.body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))
        ):
            out.append((stmt.test, False))
    return out
