"""The rules engine's member dispatch: ``x.m()`` / ``x.g`` on a receiver other than ``this``
resolve to the file's one method or getter of that name when the receiver holds the file's
own object (a field, ``new C()``, ``p || new C()``), never for a module, a global or an untyped
parameter."""

from __future__ import annotations

import pytest
from tree_sitter import Node

from agentxray.analyze.facts import jsscope
from agentxray.analyze.facts.jsscope import JsScopes
from agentxray.analyze.js.parse import parse_js

SRC = b"""
const ws = require("ws");
class Reader { load() { return 1; } get size() { return 2; } }
class Twin1 { go() {} }
class Twin2 { go() {} }
const table = { relay: (x) => x };
class Host {
  constructor(r) { this.reader = r; }
  a() { return this.reader.load(); }
}
function b(p) { const r = p || new Reader(); return r.load(); }
function c(p) { return p.load(); }
function d() { return ws.load(); }
function e() { return table.relay(1) + new Reader().go(); }
"""


def _members(node: Node) -> list[Node]:
    out = [node] if node.type == "member_expression" else []
    for child in node.named_children:
        out += _members(child)
    return out


def _receivers(scopes: JsScopes) -> dict[str, bool]:
    got: dict[str, bool] = {}
    for member in _members(scopes.root):
        obj = member.child_by_field_name("object")
        assert obj is not None
        got[scopes.data[member.start_byte : member.end_byte].decode()] = scopes.dispatchable(obj)
    return got


def test_members_are_found_once_and_twins_are_ambiguous() -> None:
    tree = parse_js(SRC)
    scopes = JsScopes(SRC, tree.root_node)
    load, size = scopes.member_named("load"), scopes.member_named("size")
    assert load is not None and load.start_point[0] == 2
    assert size is not None and size.type == "method_definition"
    relay = scopes.member_named("relay")
    assert relay is not None and relay.type == "arrow_function"
    assert scopes.member_named("go") is None  # two classes define it
    assert scopes.member_named("constructor") is None


def test_receivers_that_hold_own_objects() -> None:
    tree = parse_js(SRC)
    got = _receivers(JsScopes(SRC, tree.root_node))
    assert got["this.reader.load"] is True  # a field
    assert got["r.load"] is True  # p || new Reader()
    assert got["table.relay"] is True  # an object literal
    assert got["p.load"] is False  # an untyped parameter
    assert got["ws.load"] is False  # a module
    assert got["this.reader"] is False  # this itself: its own class


def test_large_files_are_not_dispatched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsscope, "MAX_DISPATCH_BYTES", 10)
    tree = parse_js(SRC)
    assert JsScopes(SRC, tree.root_node).member_named("load") is None
