"""Environment signals in JavaScript: where code reads the user's region or identity."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.nodes import NameIndex, scope_of, text

logger = logging.getLogger(__name__)

REGION_KINDS = frozenset({"timezone", "tz-offset", "locale"})
IDENTITY_KINDS = frozenset({"hostname", "username", "machine-id", "endpoint"})

# One literal-prefixed pattern each: re finds literal prefixes fast, alternations it scans slowly.
PREFILTERS = tuple(
    re.compile(p)
    for p in (
        rb"resolvedOptions\(\)",
        rb"getTimezoneOffset\(\)",
        rb"process\.env(?:\.[A-Za-z_]\w*|\[\s*[\"'][A-Za-z_]\w*[\"']\s*\]|(?=\s*[;,)\n]))",
        rb"navigator\.languages?\b",
        rb"hostname\(\)",
        rb"userInfo\(\)",
        rb"machine-id",
    )
)
_IDENT_OR_DOT = frozenset(
    bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$."
)
_OS_MODULE = re.compile(rb"[\"'](?:node:)?os[\"']")


def _imports_os(data: bytes) -> bool:
    return _OS_MODULE.search(data) is not None


_ENV = re.compile(rb"process\.env(?:\.|\[\s*[\"'])([A-Za-z_]\w*)")


@dataclass(frozen=True, slots=True)
class Signal:
    """An environment value: what it is and where it comes from."""

    kind: str
    """``timezone``, ``tz-offset``, ``locale``, ``hostname``, ``username``, ``machine-id``,
    ``endpoint`` (a configured API base URL, host or proxy), or an intermediate kind:
    ``intl-options`` (resolvedOptions() object), ``user-info``, ``url`` (a URL object)."""
    source: str
    """Where it is read: ``env:TZ``, ``Intl.DateTimeFormat().resolvedOptions().timeZone``…"""
    host: bool = False
    """The value is the host part of a URL read from ``source``."""
    scale: float = 1.0
    """For ``tz-offset``: the value is getTimezoneOffset() / scale (``/ -60`` gives hours east)."""

    @property
    def label(self) -> str:
        """Short text for reports: ``timezone``, ``host of env:ANTHROPIC_BASE_URL``."""
        if self.kind == "endpoint":
            return f"host of {self.source}" if self.host else self.source
        if self.source.startswith("env:"):
            return f"{self.kind} ({self.source})"
        return self.kind


def env_kind(name: str) -> str | None:
    """What an environment variable tells about the user, if anything."""
    upper = name.upper()
    if upper == "TZ":
        return "timezone"
    if upper in ("LANG", "LANGUAGE") or upper.startswith("LC_"):
        return "locale"
    if upper in ("USER", "USERNAME", "LOGNAME"):
        return "username"
    if upper in ("HOSTNAME", "COMPUTERNAME"):
        return "hostname"
    if upper in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        return "endpoint"
    if upper.endswith(("BASE_URL", "BASEURL", "API_URL", "API_HOST", "API_BASE")):
        return "endpoint"
    return None


def _climb_member(node: Node, prop: str) -> Node | None:
    cur: Node | None = node
    while cur is not None and cur.type not in ("member_expression", "subscript_expression"):
        cur = cur.parent
    while cur is not None and cur.type in ("member_expression", "subscript_expression"):
        p = cur.child_by_field_name("property") or cur.child_by_field_name("index")
        if p is not None and text(p).strip("\"'") == prop:
            return cur
        cur = cur.parent
    return None


def _call_of(node: Node) -> Node | None:
    cur: Node | None = node
    while cur is not None and cur.type != "call_expression":
        cur = cur.parent
    return cur


def _destructured(index: NameIndex, offset: int) -> list[tuple[Node, Signal]]:
    """``const { TZ, LANG: lang } = process.env``: every use of the bound names is a read."""
    node = index.node_at(offset, offset + len(b"process.env"))
    decl = node.parent
    if decl is None or decl.type != "variable_declarator":
        return []
    pattern = decl.child_by_field_name("name")
    if pattern is None or pattern.type != "object_pattern":
        return []
    out: list[tuple[Node, Signal]] = []
    scope = scope_of(decl)
    for prop in pattern.named_children:
        if prop.type == "shorthand_property_identifier_pattern":
            key, local = text(prop), prop
        elif prop.type == "pair_pattern":
            k, v = prop.child_by_field_name("key"), prop.child_by_field_name("value")
            if k is None or v is None or v.type != "identifier":
                continue
            key, local = text(k), v
        else:
            continue
        kind = env_kind(key)
        if kind is None:
            continue
        for use in index.identifiers(text(local), scope.start_byte, scope.end_byte):
            if use.start_byte != local.start_byte:
                out.append((use, Signal(kind, f"env:{key}")))
    return out


def find_signals(index: NameIndex, data: bytes) -> list[tuple[Node, Signal]]:
    """Expression nodes whose value is an environment signal, found by a literal prefilter."""
    out: list[tuple[Node, Signal]] = []
    matches = sorted((m for p in PREFILTERS for m in p.finditer(data)), key=lambda m: m.start())
    for m in matches:
        token = m.group()
        found: tuple[Node | None, Signal] | None = None
        env: tuple[str, str] | None = None
        if token == b"process.env":
            out.extend(_destructured(index, m.start()))
            continue
        if token.startswith(b"process.env"):
            em = _ENV.match(token)
            name = em.group(1).decode() if em else ""
            kind = env_kind(name)
            if kind is None:
                continue
            env = (name, kind)
        node = index.node_at(m.start(), m.start() + 1)
        if env is not None:
            found = (_climb_member(node, env[0]), Signal(env[1], f"env:{env[0]}"))
        elif token.startswith(b"resolvedOptions"):
            call = _call_of(index.node_at(m.start(), m.end() - 2))
            found = (call, Signal("intl-options", "Intl.DateTimeFormat().resolvedOptions()"))
        elif token.startswith(b"getTimezoneOffset"):
            call = _call_of(index.node_at(m.start(), m.end() - 2))
            found = (call, Signal("tz-offset", "Date.prototype.getTimezoneOffset()"))
        elif token.startswith(b"navigator"):
            prop = token.split(b".")[1].decode()
            found = (_climb_member(node, prop), Signal("locale", f"navigator.{prop}"))
        elif token == b"hostname()":
            before = data[m.start() - 1 : m.start()] if m.start() else b""
            bare = before not in _IDENT_OR_DOT
            if before == b"." or (bare and _imports_os(data)):
                call = _call_of(index.node_at(m.start(), m.end() - 2))
                found = (call, Signal("hostname", "os.hostname()"))
        elif token == b"userInfo()":
            call = _call_of(node)
            found = (call, Signal("user-info", "os.userInfo()"))
        elif token == b"machine-id":
            call = _call_of(node)
            if call is not None and "read" in text(call.child_by_field_name("function") or call):
                found = (call, Signal("machine-id", "/etc/machine-id"))
        if found is not None and found[0] is not None:
            out.append((found[0], found[1]))
    return out
