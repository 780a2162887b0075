"""Agent profiles: data files saying how to start each known agent headless against a mock API."""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field

from agentxray.errors import ConfigError
from agentxray.observe.config_file import builtin_yaml_names, load_yaml_model, parse_yaml_model

logger = logging.getLogger(__name__)


class AgentProfile(BaseModel):
    """How to run one agent non-interactively with a prompt, pointed at the mock model API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """Profile name (``claude-code``, ``codex``, ``gemini-cli``)."""
    description: str = ""
    """One line about the agent."""
    packages: list[str] = Field(min_length=1)
    """Package names this profile fits (the wrapper and its platform builds)."""
    default_spec: str
    """The pinned package spec used when none is given."""
    program: str
    """Path suffix of the file to run inside the unpacked package (``package/claude``)."""
    interpreter: str | None = None
    """Command that runs ``program`` (``node``), found on the host's PATH; ``None`` for binaries."""
    dialect: str
    """Model API dialect it speaks (``anthropic``, ``openai-chat``, ``openai-responses``,
    ``gemini``); decides the default model host."""
    api_host: str | None = None
    """Host the agent is told its API lives at (``{base_url}`` is ``https://<api_host>``);
    default: the dialect's usual host (``api.anthropic.com``, ``api.openai.com``…)."""
    hosts: list[str] = Field(default_factory=list)
    """Further hosts the mock answers as the agent's own API in the sandbox (token exchange,
    endpoint discovery, a second model host); every other host is recorded and refused."""
    argv: list[str] = Field(min_length=1)
    """Command line; placeholders ``{program}``, ``{interpreter}``, ``{prompt}``, ``{base_url}``, ``{home}``."""
    env: dict[str, str] = Field(default_factory=dict)
    """Environment on top of PATH, HOME, TZ, LANG and the dead-end proxy (same placeholders)."""
    files: dict[str, str] = Field(default_factory=dict)
    """Files to create under the fresh HOME (relative path → text)."""
    dirs: list[str] = Field(default_factory=list)
    """Directories to create under the fresh HOME."""
    ca_env: list[str] = Field(default_factory=list)
    """Variables that make the agent trust an extra CA file (for the mock's ``--tls``)."""
    host_only_env: list[str] = Field(default_factory=list)
    """Names in ``env`` set only when the agent runs on the host (``--no-sandbox``): they quiet
    traffic that would leave the machine there. In the sandbox, where that traffic is answered
    and recorded, they are left out so the agent runs with its own defaults."""


def profile_names() -> list[str]:
    """Names of the built-in profiles."""
    return builtin_yaml_names("profiles")


def load_profile(name_or_path: str) -> AgentProfile:
    """A built-in profile by name, or one read from a YAML file."""
    return load_yaml_model(AgentProfile, name_or_path, what="agent profile", folder="profiles")


def parse_profile(text: str, origin: str) -> AgentProfile:
    """Validate profile YAML ``text``."""
    return parse_yaml_model(AgentProfile, text, origin, what="agent profile")


def profile_for_package(package: str) -> AgentProfile:
    """The built-in profile whose ``packages`` include ``package``."""
    for name in profile_names():
        profile = load_profile(name)
        if package in profile.packages:
            return profile
    raise ConfigError(
        f"no agent profile knows package {package!r}",
        hint=f"Pick one with --profile ({', '.join(profile_names())}) or write a profile file.",
    )
