"""npm's own configuration: which registry serves a package and which credentials go with it.

Asks ``npm config list --json`` once (so npm's precedence rules apply: env ``npm_config_*``,
project, user and global npmrc, scoped ``@scope:registry``); credentials, which npm redacts there,
come from the same npmrc files read directly. Without npm, the npmrc files and environment are read
with npm's precedence.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from agentxray.errors import RegistryError

logger = logging.getLogger(__name__)

_ENV_REF = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True, slots=True)
class NpmConfig:
    """The parts of npm's configuration that acquire needs."""

    registry: str
    """Default registry URL, ending with ``/``."""
    scopes: Mapping[str, str] = field(default_factory=dict)
    """``@scope`` → registry URL for scoped packages."""
    auth: Mapping[str, str] = field(default_factory=dict)
    """Nerf-darted credential keys (``//host/path/:_authToken`` …) → values."""
    cafile: str | None = None
    """Extra CA bundle npm is configured with."""

    def registry_for(self, name: str) -> str:
        """The registry serving package ``name``."""
        if name.startswith("@") and "/" in name:
            scoped = self.scopes.get(name.split("/", 1)[0])
            if scoped:
                return _slash(scoped)
        return self.registry

    def headers_for(self, url: str) -> dict[str, str]:
        """The Authorization header npm would send to ``url`` (longest matching nerf-dart)."""
        parts = urlsplit(url)
        path = parts.path or "/"
        best: tuple[int, dict[str, str]] = (-1, {})
        for key, value in self.auth.items():
            prefix, _, kind = key.rpartition(":")
            if not prefix.startswith("//"):
                continue
            nerf = urlsplit("x:" + prefix)
            if nerf.netloc != parts.netloc or not path.startswith(nerf.path or "/"):
                continue
            header = _header(kind, value, prefix, self.auth)
            if header and len(prefix) > best[0]:
                best = (len(prefix), header)
        return best[1]


def _header(kind: str, value: str, prefix: str, auth: Mapping[str, str]) -> dict[str, str]:
    if kind == "_authToken":
        return {"Authorization": f"Bearer {value}"}
    if kind == "_auth":
        return {"Authorization": f"Basic {value}"}
    if kind == "username":
        password = auth.get(prefix + ":_password")
        if password:
            try:
                plain = base64.b64decode(password).decode("utf-8")
            except ValueError:
                return {}
            token = base64.b64encode(f"{value}:{plain}".encode()).decode("ascii")
            return {"Authorization": f"Basic {token}"}
    return {}


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def parse_npmrc(text: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Key/value pairs of an ``.npmrc`` (ini without sections), ``${VAR}`` expanded."""
    environ = os.environ if env is None else env
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = _ENV_REF.sub(lambda m: environ.get(m.group(1), ""), value)
    return values


def _read_npmrc(path: Path) -> dict[str, str]:
    try:
        return parse_npmrc(path.read_text("utf-8", errors="replace"))
    except OSError:
        return {}


def _env_config(env: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in env.items():
        if key.lower().startswith("npm_config_") and value:
            found[key[len("npm_config_") :].lower().replace("_", "-")] = value
    return found


def _default_prefix() -> Path | None:
    node = shutil.which("node")
    return Path(node).resolve().parent.parent if node else None


def files_config(
    *, cwd: Path | None = None, env: Mapping[str, str] | None = None, prefix: Path | None = None
) -> dict[str, str]:
    """Merged settings from npmrc files and ``npm_config_*`` variables, highest precedence last."""
    environ = os.environ if env is None else env
    merged: dict[str, str] = {}
    env_values = _env_config(environ)
    base = prefix or (Path(env_values["prefix"]) if "prefix" in env_values else _default_prefix())
    global_rc = env_values.get("globalconfig") or (str(base / "etc" / "npmrc") if base else "")
    user_rc = env_values.get("userconfig") or str(Path(environ.get("HOME", "~")) / ".npmrc")
    layers = [Path(global_rc) if global_rc else None, Path(user_rc).expanduser()]
    layers.append((cwd or Path.cwd()) / ".npmrc")
    for path in layers:
        if path is not None and path.is_file():
            merged.update(_read_npmrc(path))
    merged.update(env_values)
    return merged


def _from_npm_cli() -> dict[str, str] | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    try:
        proc = subprocess.run(
            [npm, "config", "list", "--json"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        data = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        logger.debug("npm config list failed: %s", exc)
        return None
    if not isinstance(data, dict):
        return None
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def build_config(cli: Mapping[str, str] | None, files: Mapping[str, str]) -> NpmConfig:
    """Combine npm's answer (authoritative for registries) with npmrc files (for credentials)."""
    settings = dict(files)
    if cli:
        settings.update({k: v for k, v in cli.items() if v and v != "(protected)"})
    registry = settings.get("registry")
    if not registry:
        raise RegistryError(
            "no npm registry is configured and npm is not installed",
            hint="Install npm or set npm_config_registry to your registry's URL.",
        )
    scopes = {
        key.split(":", 1)[0]: _slash(value)
        for key, value in settings.items()
        if key.startswith("@") and key.endswith(":registry") and value
    }
    auth = {k: v for k, v in files.items() if k.startswith("//") and ":" in k}
    return NpmConfig(
        registry=_slash(registry), scopes=scopes, auth=auth, cafile=settings.get("cafile") or None
    )


@functools.cache
def load_npm_config() -> NpmConfig:
    """This machine's npm configuration (computed once per process)."""
    cli = _from_npm_cli()
    prefix = Path(cli["prefix"]) if cli and cli.get("prefix") else None
    config = build_config(cli, files_config(prefix=prefix))
    logger.debug("npm registry %s, scoped %s", config.registry, dict(config.scopes))
    return config
