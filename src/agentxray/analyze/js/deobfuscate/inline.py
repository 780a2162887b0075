"""Evaluate string-array call sites in the isolate and build the edits that inline their strings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.deobfuscate.isolate import evaluate
from agentxray.analyze.js.deobfuscate.rewrite import Edit
from agentxray.analyze.js.deobfuscate.scope import Scopes
from agentxray.analyze.js.deobfuscate.sites import collect_sites, removal_edits
from agentxray.analyze.js.deobfuscate.stringarray import StringArray, find_string_arrays
from agentxray.analyze.js.deobfuscate.syntax import js_string

logger = logging.getLogger(__name__)

CHUNK = 1500
"""Expressions evaluated per isolate job (each job re-runs the array's setup)."""
JOB_TIMEOUT_S = 2.0
MAX_STRING_CHARS = 100_000

_EVALUATE = (
    "var __axr = [];\n"
    "function __axr_v(f) { try { var v = f(); __axr.push(typeof v === 'string' ? v : null); }"
    " catch (e) { __axr.push(null); } }\n"
)


@dataclass(frozen=True, slots=True)
class Inlined:
    """What decoding the string arrays of one text produced."""

    edits: tuple[Edit, ...]
    arrays: int
    """String arrays recognised (with decoders, or with reads decoded)."""
    replaced: int
    """Call sites replaced by their string."""
    distinct: int
    """Distinct strings recovered."""
    problems: tuple[str, ...]
    """Why some decoding failed, for a notice."""
    tables: tuple[tuple[int, tuple[str, ...]], ...] = ()
    """Per string array used: where its declaration starts in this text, and the strings its
    call sites decoded to (first use order)."""


def _jobs(sa: StringArray, data: bytes, expressions: list[str], tag: str) -> list[tuple[str, str]]:
    prelude = sa.prelude(data)
    jobs = []
    for n, start in enumerate(range(0, len(expressions), CHUNK)):
        body = "".join(
            f"__axr_v(function () {{ return {e}; }});\n" for e in expressions[start : start + CHUNK]
        )
        jobs.append((f"{tag}.{n}", f"{prelude}\n{_EVALUATE}{body}return __axr;"))
    return jobs


def inline_strings(root: Node, scopes: Scopes, typescript: bool, *, max_sites: int) -> Inlined:
    """Find string arrays, evaluate their decoders on every constant call, and inline the results."""
    data = scopes.data
    arrays, blocked = find_string_arrays(root, scopes, typescript)
    if not arrays:
        return Inlined((), 0, 0, 0, tuple(blocked))
    plans = []
    jobs: list[tuple[str, str]] = []
    budget = max_sites
    for i, sa in enumerate(arrays):
        found = collect_sites(sa, scopes, budget)
        budget -= len(found.sites)
        expressions = list(dict.fromkeys(s.expression for s in found.sites))
        plans.append((sa, found, expressions))
        jobs += _jobs(sa, data, expressions, str(i))
    outcomes = evaluate(jobs, timeout_s=JOB_TIMEOUT_S) if jobs else {}
    edits: list[Edit] = []
    problems: list[str] = list(blocked)
    replaced = used = 0
    distinct: set[str] = set()
    tables: list[tuple[int, tuple[str, ...]]] = []
    for i, (sa, found, expressions) in enumerate(plans):
        values: dict[str, str] = {}
        failed = False
        for n, start in enumerate(range(0, len(expressions), CHUNK)):
            outcome = outcomes.get(f"{i}.{n}")
            if outcome is None or outcome.error is not None or not isinstance(outcome.value, list):
                failed = True
                problems.append(
                    f"the decoders of string array {sa.array.name} failed: "
                    f"{outcome.error if outcome is not None else 'not run'}"
                )
                continue
            for expr, value in zip(expressions[start : start + CHUNK], outcome.value, strict=False):
                if isinstance(value, str) and len(value) <= MAX_STRING_CHARS:
                    values[expr] = value
        done: list[Node] = []
        for site in found.sites:
            value = values.get(site.expression)
            if value is None:
                continue
            edits.append(Edit.text(site.node.start_byte, site.node.end_byte, js_string(value)))
            done.append(site.node)
            distinct.add(value)
        replaced += len(done)
        # A recognised mechanism goes even when nothing calls it (its strings were split
        # into literals instead): the rotation alone would otherwise stay in the text.
        if done or (sa.decoders and not failed):
            used += 1
            edits += removal_edits(sa, found, done, scopes)
            strings = (values[s.expression] for s in found.sites if s.expression in values)
            tables.append((sa.array_decl.start_byte, tuple(dict.fromkeys(strings))))
        logger.debug(
            "string array %s: %d decoders, %d sites, %d inlined",
            sa.array.name,
            len(sa.decoders),
            len(found.sites),
            len(done),
        )
    return Inlined(tuple(edits), used, replaced, len(distinct), tuple(problems), tuple(tables))
