"""Rules as data: YAML rule packs over facts, their schema, loader, engine, linter and docs.

``schema`` (closed pydantic models) → ``loader`` (core pack as package data, third-party packs
from the ``agentxray.rulepacks`` entry-point group) → ``engine`` (match expressions over
:class:`agentxray.model.Fact`, per file or function) → ``report`` (matches to findings);
``hosts`` classifies endpoints from ``data/hosts.yml``; ``lint`` and ``docs`` keep the rules
honest and documented. Extractors that produce facts live in :mod:`agentxray.analyze.facts`.
"""

from __future__ import annotations

from agentxray.rules.engine import Engine, RuleMatch
from agentxray.rules.loader import RuleSet, default_rules, load_rules

__all__ = ["Engine", "RuleMatch", "RuleSet", "default_rules", "load_rules"]
