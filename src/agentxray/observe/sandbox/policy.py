"""Egress policy: which hosts the resolver and the recorder let the agent reach.

``audit`` lets nothing leave and answers every request itself (model hosts by the mock, others
with a recorded 503); ``strict`` also lets nothing leave but treats every host other than the
model API's as a violation: its name does not resolve and its connections are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PolicyName = Literal["audit", "strict"]
POLICIES: tuple[PolicyName, ...] = ("audit", "strict")

#: The model API hosts the mock answers under their real names, by dialect (the names the mock's
#: dialects and the profiles use); the first is the one an agent is given as its API base.
MODEL_HOSTS: dict[str, tuple[str, ...]] = {
    "anthropic": ("api.anthropic.com",),
    "openai-responses": ("api.openai.com", "chatgpt.com"),
    "openai-chat": ("api.openai.com",),
    "gemini": ("generativelanguage.googleapis.com",),
}


def model_hosts(dialect: str | None = None) -> frozenset[str]:
    """Model hosts of ``dialect``, or of every dialect (also for a dialect not listed)."""
    if dialect is None or dialect not in MODEL_HOSTS:
        return frozenset(h for hosts in MODEL_HOSTS.values() for h in hosts)
    return frozenset(MODEL_HOSTS[dialect])


def api_host(dialect: str | None) -> str:
    """The host an agent of ``dialect`` is told its model API lives at."""
    return MODEL_HOSTS.get(dialect or "", MODEL_HOSTS["anthropic"])[0]


@dataclass(frozen=True, slots=True)
class Policy:
    """What the run allows."""

    name: PolicyName = "audit"
    model: frozenset[str] = frozenset()
    """Hosts answered by the mock model API."""

    def is_model(self, host: str | None) -> bool:
        """Whether ``host`` is served by the mock."""
        return host is not None and host.lower().rstrip(".") in self.model

    def allows(self, host: str | None) -> bool:
        """Whether the agent may talk to ``host`` (it is answered, never forwarded)."""
        return self.name == "audit" or self.is_model(host)
