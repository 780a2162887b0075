"""Region signals handed to feature-flag SDKs as targeting attributes: the flag server can switch
features by region without any region check being visible in the code (a ``geofence``)."""

from __future__ import annotations

import ast
import logging

from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.deciding import deciding_requests
from agentxray.analyze.python.report import (
    describe,
    fn_label,
    helper_path,
    location,
    snippet,
    stable_id,
)
from agentxray.analyze.python.signals import REGION_KINDS, Signal
from agentxray.model import Finding

logger = logging.getLogger(__name__)

RULE = "py-geofence"
SDK_MODULES = frozenset(
    {"growthbook", "ldclient", "statsig", "posthog", "UnleashClient", "flagsmith", "optimizely"}
)
"""Python feature-flag / remote-config SDKs (import roots)."""
TARGETING_METHODS = frozenset(
    {"set_attributes", "feature_enabled", "get_feature_flag", "get_all_flags", "is_enabled"}
    | {"get_identity_flags", "create_user_context", "set", "check_gate", "get_config"}
    | {"get_experiment", "decide", "activate", "get_variation", "identify"}
)
"""Methods of those SDKs that take attributes, traits or properties of the user."""
MAX_ARG_NODES = 400


def _sdk_call(a: PyAnalysis, node: ast.Call, sdk_names: set[str]) -> bool:
    name = a.ev.dotted(node.func) or ""
    root = name.split(".")[0]
    if root in SDK_MODULES:
        return True
    if isinstance(node.func, ast.Attribute) and node.func.attr in TARGETING_METHODS:
        return True
    return isinstance(node.func, ast.Name) and node.func.id in sdk_names


def targeting_findings(a: PyAnalysis) -> list[Finding]:
    """One ``geofence`` (high) per region signal passed into a feature-flag SDK call."""
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for request, gate, signals in deciding_requests(a):
        out.append(_deciding_finding(a, request, gate, signals))
    sdk_names = {
        local for local, path in a.index.aliases.items() if path.split(".")[0] in SDK_MODULES
    }
    if not sdk_names:
        return out
    for node in a.index.nodes(ast.Call):
        if not isinstance(node, ast.Call) or not _sdk_call(a, node, sdk_names):
            continue
        for sig in _region_signals(a, node):
            if (sig.kind, sig.source) not in seen:
                seen.add((sig.kind, sig.source))
                out.append(_finding(a, node, sig))
    return out


def _region_signals(a: PyAnalysis, call: ast.Call) -> list[Signal]:
    found: list[Signal] = []
    parts: list[ast.AST] = [*call.args, *(k.value for k in call.keywords)]
    budget = MAX_ARG_NODES
    for part in parts:
        for sub in ast.walk(part):
            budget -= 1
            if budget < 0:
                return found
            if isinstance(sub, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)):
                found.extend(s for s in a.flow.signals(sub) if s.kind in REGION_KINDS)
    return list(dict.fromkeys(found))


def _finding(a: PyAnalysis, node: ast.Call, sig: Signal) -> Finding:
    condition = a.describer.activation(node)
    label = fn_label(a.index, node)
    message = (
        f"{label[:1].upper()}{label[1:]} reads the user's {sig.kind} ({sig.source})"
        f"{helper_path(sig.hops)} and hands it to a feature-flag SDK as a targeting attribute "
        f"(`{describe(node, 80)}`). The flag server can then switch features by region "
        "without any region check being visible in the code."
        + (f" Active {condition}." if condition else "")
    )
    return Finding(
        id=stable_id(RULE, "targeting", sig.kind, sig.source),
        rule=RULE,
        category="geofence",
        severity="high",
        title=f"The user's {sig.kind} is sent to a feature-flag service as a targeting attribute",
        location=location(a.vpath, node),
        message=message,
        snippet=snippet(a.index, a.unit.text, node),
        signals=tuple(dict.fromkeys([sig.kind, sig.source])),
        condition=condition,
    )


def _deciding_finding(
    a: PyAnalysis, request: ast.Call, gate: ast.AST, signals: list[Signal]
) -> Finding:
    condition = a.describer.activation(request)
    label = fn_label(a.index, request)
    test = getattr(gate, "test", gate)
    kinds = " and ".join(dict.fromkeys(s.kind for s in signals))
    read = "; ".join(f"{s.kind} ({s.source}){helper_path(s.hops)}" for s in signals)
    message = (
        f"{label[:1].upper()}{label[1:]} reads the user's {read}"
        f" and sends it in a request (`{describe(request, 80)}`) whose "
        f"answer then decides what the program does (`{describe(test, 60)}`). The server can "
        "switch behaviour by region without any region check being visible in the code."
        + (f" Active {condition}." if condition else "")
    )
    return Finding(
        id=stable_id(RULE, "remote decision", *(f"{s.kind}:{s.source}" for s in signals)),
        rule=RULE,
        category="geofence",
        severity="high",
        title=f"The user's {kinds} is sent to a server whose answer decides behaviour",
        location=location(a.vpath, request),
        message=message,
        related=(location(a.vpath, gate),),
        snippet=snippet(a.index, a.unit.text, request, gate),
        signals=tuple(dict.fromkeys(x for s in signals for x in (s.kind, s.source))),
        condition=condition,
    )
