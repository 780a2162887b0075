"""Agent profiles: data files saying how to start each known agent headless against a mock API."""

from __future__ import annotations

import json
import logging
import posixpath
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentxray.errors import ConfigError
from agentxray.observe.config_file import builtin_yaml_names, load_yaml_model, parse_yaml_model

logger = logging.getLogger(__name__)

#: The model API dialects the mock speaks (``agentxray.observe.mockapi``).
DialectName = Literal["anthropic", "openai-chat", "openai-responses", "gemini"]
#: Placeholders filled in ``argv``, ``env`` and ``files`` when the agent is started.
PLACEHOLDERS = ("program", "interpreter", "prompt", "base_url", "home", "workspace")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class AgentProfile(BaseModel):
    """How to run one agent non-interactively with a prompt, pointed at the mock model API."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Profile name (``claude-code``, ``codex``, ``gemini-cli``): lower case, digits, dashes."""
    description: str = ""
    """One line about the agent."""
    packages: list[str] = Field(min_length=1)
    """Package names this profile fits (the wrapper and its platform builds)."""
    default_spec: str
    """The pinned package spec used when none is given (``npm:NAME@VERSION``)."""
    program: str = Field(min_length=1)
    """Path suffix of the file to run inside the unpacked package (``package/claude``)."""
    interpreter: str | None = None
    """Command that runs ``program`` (``node``), found on the host's PATH; ``None`` for binaries."""
    dialect: DialectName
    """Model API dialect it speaks; decides the default model host."""
    api_host: str | None = None
    """Host the agent is told its API lives at (``{base_url}`` is ``https://<api_host>``);
    default: the dialect's usual host (``api.anthropic.com``, ``api.openai.com``…)."""
    hosts: list[str] = Field(default_factory=list)
    """Further hosts the mock answers as the agent's own API in the sandbox (token exchange,
    endpoint discovery, a second model host); every other host is recorded and refused."""
    argv: list[str] = Field(min_length=1)
    """Command line; placeholders ``{program}``, ``{interpreter}``, ``{prompt}``, ``{base_url}``,
    ``{home}``, ``{workspace}``."""
    env: dict[str, str] = Field(default_factory=dict)
    """Environment on top of PATH, HOME, TZ, LANG (same placeholders)."""
    files: dict[str, str] = Field(default_factory=dict)
    """Files to create under the fresh HOME (relative path → text, same placeholders)."""
    dirs: list[str] = Field(default_factory=list)
    """Directories to create under the fresh HOME."""
    ca_env: list[str] = Field(default_factory=list)
    """Variables that make the agent trust an extra CA file (the sandbox's CA bundle)."""
    host_only_env: list[str] = Field(default_factory=list)
    """Names in ``env`` set only when the agent runs on the host (``--no-sandbox``): they quiet
    traffic that would leave the machine there. In the sandbox, where that traffic is answered
    and recorded, they are left out so the agent runs with its own defaults."""

    @field_validator("api_host")
    @classmethod
    def _api_host(cls, value: str | None) -> str | None:
        if value is not None and not _HOST.match(value):
            raise ValueError(f"{value!r} is not a host name (no scheme, port or path)")
        return value

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        bad = [h for h in value if not _HOST.match(h)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a host name (no scheme, port or path)")
        return value

    @field_validator("files", "dirs")
    @classmethod
    def _inside_home(cls, value: Any) -> Any:
        for rel in value:
            norm = posixpath.normpath(rel)
            if posixpath.isabs(rel) or norm == ".." or norm.startswith("../") or norm == ".":
                raise ValueError(f"{rel!r} must be a path inside HOME (relative, no '..')")
        return value

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not _ENV_NAME.match(k)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not an environment variable name")
        return value

    @field_validator("ca_env")
    @classmethod
    def _ca_names(cls, value: list[str]) -> list[str]:
        bad = [k for k in value if not _ENV_NAME.match(k)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not an environment variable name")
        return value


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


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a profile file, as shipped (``profiles/profile.schema.json``)."""
    text = (resources.files("agentxray.observe") / "profiles" / "profile.schema.json").read_text(
        encoding="utf-8"
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def generated_schema() -> dict[str, Any]:
    """The JSON Schema made from :class:`AgentProfile` (what the shipped file must equal)."""
    schema = AgentProfile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://agentxray.dev/schemas/agent-profile.schema.json"
    schema["title"] = "agentxray agent profile"
    return schema


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a profile file."""

    level: Literal["error", "warning"]
    """``error``: the profile cannot run as written; ``warning``: it runs but likely misbehaves."""
    where: str
    """The field (``argv``, ``env.OPENAI_BASE_URL``…), or ``-`` for the whole file."""
    message: str
    """What is wrong and what to do."""


def lint_profile(text: str) -> list[Problem]:
    """Every problem of profile YAML ``text``: schema errors first (all of them), then checks the
    schema cannot express (the prompt reaches the agent, placeholders exist, the CA is trusted)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [Problem("error", "-", f"not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return [Problem("error", "-", "a profile is a YAML mapping of fields")]
    import jsonschema

    validator = jsonschema.Draft202012Validator(profile_schema())
    out = [
        Problem("error", ".".join(str(p) for p in err.absolute_path) or "-", err.message)
        for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    try:
        profile = AgentProfile.model_validate(data)
    except ValidationError as exc:
        if not out:  # what the schema cannot say (host names, paths inside HOME…)
            out += [
                Problem("error", ".".join(str(p) for p in e["loc"]) or "-", e["msg"])
                for e in exc.errors()
            ]
        return out
    return out + _semantic(profile)


def _semantic(profile: AgentProfile) -> list[Problem]:
    out: list[Problem] = []
    texts = {
        **{f"argv.{i}": a for i, a in enumerate(profile.argv)},
        **{f"env.{k}": v for k, v in profile.env.items()},
        **{f"files.{k}": v for k, v in profile.files.items()},
    }
    for where, value in texts.items():
        for name in _PLACEHOLDER.findall(value):
            if name not in PLACEHOLDERS:
                out.append(
                    Problem(
                        "error",
                        where,
                        f"unknown placeholder {{{name}}}; known: "
                        + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
                    )
                )
    used = "".join(texts.values())
    if "{prompt}" not in "".join(profile.argv) + "".join(profile.env.values()):
        out.append(
            Problem("error", "argv", "the prompt never reaches the agent: put {prompt} in argv")
        )
    if profile.interpreter is not None and profile.argv[0] != "{interpreter}":
        out.append(
            Problem("warning", "argv.0", "with an interpreter, argv usually starts {interpreter}")
        )
    if profile.interpreter is None and profile.argv[0] != "{program}":
        out.append(Problem("warning", "argv.0", "without an interpreter, argv starts {program}"))
    if "{program}" not in "".join(profile.argv):
        out.append(Problem("error", "argv", "{program} (the unpacked agent) is not in argv"))
    if "{base_url}" not in used and profile.api_host is None and not profile.hosts:
        out.append(
            Problem(
                "warning",
                "env",
                "the agent is never given {base_url}: it must reach its model API under the "
                "dialect's default host, or the mock never sees a model call",
            )
        )
    if not profile.ca_env:
        out.append(
            Problem(
                "warning",
                "ca_env",
                "no CA variable: agents that ship their own CA list (Node: NODE_EXTRA_CA_CERTS) "
                "refuse the sandbox's certificate",
            )
        )
    elif profile.interpreter == "node" and "NODE_EXTRA_CA_CERTS" not in profile.ca_env:
        out.append(Problem("warning", "ca_env", "a Node.js agent needs NODE_EXTRA_CA_CERTS"))
    for var in profile.host_only_env:
        if var not in profile.env:
            out.append(Problem("error", "host_only_env", f"{var!r} is not set in env"))
    name = _spec_name(profile.default_spec)
    if name is not None and name not in profile.packages:
        out.append(
            Problem("error", "default_spec", f"{name!r} is not one of packages {profile.packages}")
        )
    return out


def _spec_name(spec: str) -> str | None:
    """The package name of an ``npm:``/``pypi:`` spec, else ``None``."""
    kind, _, rest = spec.partition(":")
    if kind == "npm":
        at = rest.rfind("@")
        return rest[:at] if at > 0 else rest
    if kind == "pypi":
        return re.split(r"[=<>!~\[ ]", rest, maxsplit=1)[0]
    return None
