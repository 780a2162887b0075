"""The sandbox ``agentxray run`` starts agents in: contained by bubblewrap, in a network namespace
with no route out, where every connection, DNS query and packet reaches our recorder.

``netns`` holds the namespace, ``dns`` resolves every name to a fake address, ``recorder``
answers TCP (TLS interception, the mock model API under its real name), ``packets`` logs what
nothing answers, ``bwrap`` builds the containment, ``sandbox`` puts them together.
"""

from agentxray.observe.sandbox.netns import SandboxUnavailable, preflight
from agentxray.observe.sandbox.policy import POLICIES, Policy, model_hosts
from agentxray.observe.sandbox.sandbox import PROXY_URL, Contained, Sandbox

__all__ = [
    "POLICIES",
    "PROXY_URL",
    "Contained",
    "Policy",
    "Sandbox",
    "SandboxUnavailable",
    "model_hosts",
    "preflight",
]
