"""Where a string array is used: decoder calls through aliases and wrappers, and its removal."""

from __future__ import annotations

import logging
from bisect import bisect_right
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.remove import delete_statement, remove_declarators
from agentxray.analyze.js.deobfuscate.rewrite import Edit
from agentxray.analyze.js.deobfuscate.scope import Binding, Scopes
from agentxray.analyze.js.deobfuscate.stringarray import StringArray, inside
from agentxray.analyze.js.deobfuscate.syntax import FUNCTIONS
from agentxray.analyze.js.deobfuscate.wrappers import Chains, Wrapper, call_arguments

logger = logging.getLogger(__name__)


def _text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


@dataclass(frozen=True, slots=True)
class _Cover:
    """The union of many byte ranges, for fast containment tests."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, nodes: tuple[Node, ...]) -> _Cover:
        merged: list[list[int]] = []
        for start, end in sorted((n.start_byte, n.end_byte) for n in nodes):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(tuple(m[0] for m in merged), tuple(m[1] for m in merged))

    def covers(self, node: Node) -> bool:
        """Whether ``node`` lies within the union."""
        i = bisect_right(self.starts, node.start_byte) - 1
        return i >= 0 and node.end_byte <= self.ends[i]


@dataclass(frozen=True, slots=True)
class Site:
    """An expression whose value the string array gives: replaced by that value."""

    node: Node
    expression: str
    """What to evaluate in the isolate (a decoder call or an array read with constant arguments)."""


@dataclass(frozen=True, slots=True)
class Sites:
    """The call sites of one string array, and the aliases and wrappers they go through."""

    sites: tuple[Site, ...]
    links: tuple[tuple[Binding, Node], ...]
    """Alias and wrapper bindings with their declarations."""


def _wrapper_of(call: Node, chains: Chains) -> Binding | None:
    """The binding of the wrapper function whose body is ``return call``, if any."""
    parent = call.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None:
        return None
    fn = None
    if parent.type == "arrow_function":
        fn = parent
    elif parent.type == "return_statement":
        block = parent.parent
        if block is not None and block.type == "statement_block":
            fn = block.parent
    if fn is None or fn.type not in FUNCTIONS:
        return None
    name = fn.child_by_field_name("name") if fn.type == "function_declaration" else None
    if name is None and fn.parent is not None and fn.parent.type == "variable_declarator":
        name = fn.parent.child_by_field_name("name")
    if name is None or name.type != "identifier":
        return None
    binding = chains.scopes.resolve(name)
    if binding is None:
        return None
    link = chains.link(binding)
    return binding if isinstance(link, Wrapper) and link.call == call else None


def collect_sites(sa: StringArray, scopes: Scopes, max_sites: int) -> Sites:
    """Every call of a decoder (directly or through aliases and wrappers) with constant arguments."""
    data = scopes.data
    chains = Chains(scopes, frozenset(id(d) for d in sa.decoders))
    owned = sa.owned()
    sites: list[Site] = []
    links: dict[int, tuple[Binding, Node]] = {}
    queue = list(sa.decoders)
    seen = {id(b) for b in queue}
    while queue and len(sites) < max_sites:
        binding = queue.pop()
        for ref in scopes.references(binding):
            if ref == binding.name_node or inside(ref, owned):
                continue
            parent = ref.parent
            if parent is None:
                continue
            if parent.type == "call_expression" and parent.child_by_field_name("function") == ref:
                wrapper = _wrapper_of(parent, chains)
                if wrapper is not None:
                    if id(wrapper) not in seen:
                        seen.add(id(wrapper))
                        queue.append(wrapper)
                        link = chains.link(wrapper)
                        assert link is not None
                        links[id(wrapper)] = (wrapper, link.decl)
                    continue
                args = call_arguments(data, parent, {})
                folded = None if args is None else chains.fold(binding, args)
                if folded is not None:
                    decoder, final = folded
                    sites.append(Site(parent, f"{decoder.name}({', '.join(final)})"))
            elif (
                parent.type == "variable_declarator" and parent.child_by_field_name("value") == ref
            ):
                name = parent.child_by_field_name("name")
                alias = scopes.resolve(name) if name is not None else None
                if alias is not None and id(alias) not in seen and chains.link(alias) is not None:
                    seen.add(id(alias))
                    queue.append(alias)
                    links[id(alias)] = (alias, parent)
    if sa.is_variable:
        for ref in scopes.references(sa.array):
            parent = ref.parent
            if (
                parent is not None
                and parent.type == "subscript_expression"
                and parent.child_by_field_name("object") == ref
                and not inside(ref, owned)
            ):
                index = parent.child_by_field_name("index")
                if index is not None and index.type == "number":
                    sites.append(Site(parent, f"{sa.array.name}[{_text(data, index)}]"))
    return Sites(tuple(sites[:max_sites]), tuple(links.values()))


def removal_edits(
    sa: StringArray, sites: Sites, replaced: list[Node], scopes: Scopes
) -> list[Edit]:
    """Edits deleting the mechanism (array, decoders, rotation, wrappers) once nothing uses it."""
    group: dict[int, tuple[Binding, Node]] = {id(sa.array): (sa.array, sa.array_decl)}
    for b, d in zip(sa.decoders, sa.decoder_decls, strict=True):
        group[id(b)] = (b, d)
    for b, d in sites.links:
        group[id(b)] = (b, d)
    covered = _Cover.of(tuple(replaced) + tuple(s.node for s in sa.setup))
    alive: set[int] = set()
    changed = True
    while changed:
        changed = False
        dead = _Cover.of(tuple(d for k, (_, d) in group.items() if k not in alive))
        for key, (b, _decl) in group.items():
            if key in alive:
                continue
            for ref in scopes.references(b):
                if ref == b.name_node or covered.covers(ref) or dead.covers(ref):
                    continue
                alive.add(key)
                changed = True
                break
    core = [id(sa.array), *(id(d) for d in sa.decoders)]
    remove_core = not any(k in alive for k in core)
    doomed = [d for k, (_, d) in group.items() if k not in alive and (remove_core or k not in core)]
    edits = [delete_statement(d) for d in doomed if d.type != "variable_declarator"]
    edits += remove_declarators([d for d in doomed if d.type == "variable_declarator"])
    if remove_core:
        edits += [s.removal() for s in sa.setup]
    return edits
