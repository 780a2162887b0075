"""Python facts from the standard library's ``ast``: imports, calls (aliases resolved), env reads,
file reads, network requests, URLs and strings. Docstrings are documentation and yield no URLs."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.facts.common import PROSE_WINDOW, URL_TEXT, clean_url, host_of, in_prose
from agentxray.analyze.facts.pyflow import PyFlow
from agentxray.analyze.facts.pyscope import write_mode
from agentxray.model import Fact, FactKind, Location

logger = logging.getLogger(__name__)

NETWORK_PREFIXES = (
    "requests.",
    "httpx.",
    "urllib.request.urlopen",
    "urllib.request.Request",
    "aiohttp.",
    "http.client.",
    "urllib3.",
)
FILE_READS = frozenset({"open", "io.open", "builtins.open", "os.open", "sqlite3.connect"})
"""Calls that open the file their first argument names (a database file too: another program's
``state.vscdb`` or ``Cookies`` opened with ``sqlite3.connect`` is read)."""
FILE_READ_METHODS = frozenset({"read_text", "read_bytes"})
FILE_WRITE_METHODS = frozenset({"write_text", "write_bytes"})
COPIES = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree"})
"""Copies read the file (or tree) their first argument names."""
TREE_WALKS = frozenset({"os.walk", "os.fwalk"})
"""Walks of a directory tree: what they yield are the files read (archived, uploaded, indexed)
under the directory their first argument names."""
WHOLE_ENV_CALLS = frozenset(
    {"os.environ.copy", "os.environ.items", "os.environ.keys", "os.environ.values"}
)
"""Calls that hand over the whole environment (an ``env_read`` of ``*``)."""
CODE_BUILTINS = frozenset({"exec", "eval"})
"""Builtins that run code: recorded as ``builtins.exec`` so rules cannot confuse them with JS names."""
MAX_VALUE = 2000


def extract_python(vpath: str, source: str) -> list[Fact]:
    """All facts of one module; raises :class:`SyntaxError` when it does not parse."""
    return extract_python_tree(vpath, ast.parse(source, filename=vpath))


def extract_python_tree(vpath: str, tree: ast.Module) -> list[Fact]:
    """All facts of an already parsed module (e.g. the tree shared through ``unit.context``)."""
    visitor = _Visitor(vpath)
    visitor.visit(tree)
    PyFlow(vpath, tree, visitor.facts, visitor.dotted).run()
    return visitor.facts


class _Visitor(ast.NodeVisitor):
    def __init__(self, vpath: str) -> None:
        self.vpath = vpath
        self.facts: list[Fact] = []
        self.aliases: dict[str, str] = {}
        self.scope: list[str] = []
        self.docstrings: set[int] = set()

    def _add(self, kind: FactKind, value: str, node: ast.AST, detail: str = "") -> None:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        end = (getattr(node, "end_lineno", line), getattr(node, "end_col_offset", col))
        loc = Location(self.vpath, line=line, column=col + 1)
        # Spans for Python are (line, col) packed as line * 1e6 + col, enough for containment.
        span = (line * 1_000_000 + col, end[0] * 1_000_000 + end[1])
        self.facts.append(
            Fact(kind, value[:MAX_VALUE], loc, detail[:200], ".".join(self.scope), span)
        )

    def _body(self, node: ast.AST) -> None:
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                self.docstrings.add(id(value))

    def visit_Module(self, node: ast.Module) -> None:
        self._body(node)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self._body(node)
        self.scope.append(f"{node.name}@{node.lineno}")
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function
    visit_ClassDef = _function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.aliases[(alias.asname or alias.name).split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )
            self._add("import", alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:  # a module of the same package, not a dependency
            module = "." * node.level + module
        else:
            self._add("import", module, node)
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def dotted(self, node: ast.AST) -> str | None:
        """``a.b.c`` for a chain of names, with the first name resolved through imports."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            if isinstance(node, ast.Call) and parts:
                inner = self.dotted(node.func)
                return f"{inner}().{'.'.join(reversed(parts))}" if inner else None
            return None
        if not parts and node.id in CODE_BUILTINS and node.id not in self.aliases:
            return f"builtins.{node.id}"
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def visit_Call(self, node: ast.Call) -> None:
        name = self.dotted(node.func)
        if name is not None:
            first = node.args[0] if node.args else None
            detail = _literal(first) if first is not None else ""
            self._add("call", name, node, detail)
            if name.startswith(NETWORK_PREFIXES):
                self._add("network_request", name, node, detail)
            reads = name in COPIES or name in TREE_WALKS
            reads = reads or (name in FILE_READS and not write_mode(node))
            if reads and first is not None:
                self._add("file_read", detail, node, name)
            elif name.rsplit(".", 1)[-1] in FILE_READ_METHODS and isinstance(
                node.func, ast.Attribute
            ):
                self._add("file_read", ast.unparse(node.func.value), node, name)
            if name in ("os.getenv", "os.environ.get") and first is not None:
                self._add("env_read", detail, node)
            elif name in WHOLE_ENV_CALLS:
                self._add("env_read", "*", node)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in FILE_READ_METHODS:
            # (Path.home() / ".kube" / "config").read_bytes(): no dotted name, still a read
            self._add("file_read", ast.unparse(node.func.value), node, node.func.attr)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in FILE_WRITE_METHODS:
            # (self.root / (name + ".py")).write_bytes(data): no dotted name, still a write
            receiver = ast.unparse(node.func.value)[:80]
            self._add(
                "call",
                f"({receiver}).{node.func.attr}",
                node,
                _literal(node.args[0]) if node.args else "",
            )
        if name is None or "()" in name:
            self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            if kw.arg:
                self._add("property", kw.arg, kw, _literal(kw.value))
            self.visit(kw.value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self.dotted(node.value) == "os.environ" and isinstance(node.ctx, ast.Load):
            self._add("env_read", _literal(node.slice), node)
            self.visit(node.slice)
            return
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = self.dotted(node)
        if name is None or "()" in name:
            self.generic_visit(node)
        elif name == "os.environ":
            self._add("env_read", "*", node)
        else:
            self._add("member", name, node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self._add("property", key.value, key, _literal(value))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str) or id(node) in self.docstrings:
            return
        self._add("string", node.value, node)
        for m in URL_TEXT.finditer(node.value):
            url = clean_url(m.group())
            host = host_of(url)
            near = PROSE_WINDOW
            if in_prose(
                node.value[max(0, m.start() - near) : m.start()],
                node.value[m.end() : m.end() + near],
            ):
                continue
            if host:
                self._add("url", url, node, host.lower())


def _literal(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ast.unparse(node)
