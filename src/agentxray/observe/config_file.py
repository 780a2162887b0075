"""Built-in or user YAML files validated into pydantic models (scenarios, agent profiles)."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from agentxray.errors import ConfigError

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def builtin_yaml(folder: str) -> resources.abc.Traversable:
    """The package folder ``agentxray/observe/<folder>`` holding the built-in YAML files."""
    return resources.files("agentxray.observe") / folder


def builtin_yaml_names(folder: str) -> list[str]:
    """Names (without ``.yaml``) of the built-in files in ``folder``."""
    return sorted(p.name[:-5] for p in builtin_yaml(folder).iterdir() if p.name.endswith(".yaml"))


def load_yaml_model(model: type[M], name_or_path: str, *, what: str, folder: str) -> M:
    """A built-in file of ``folder`` by name, or a YAML file path, validated as ``model``.

    ``what`` names the kind of file in errors (``scenario``); ``folder`` is also how the hint
    names the built-in ones (``Built-in scenarios: …``).
    """
    names = builtin_yaml_names(folder)
    if name_or_path in names:
        text = (builtin_yaml(folder) / f"{name_or_path}.yaml").read_text(encoding="utf-8")
        return parse_yaml_model(model, text, name_or_path, what=what)
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError(
            f"no {what} named {name_or_path!r}",
            hint=f"Built-in {folder}: {', '.join(names)}; or give a YAML file path.",
        )
    return parse_yaml_model(model, path.read_text(encoding="utf-8"), str(path), what=what)


def parse_yaml_model(model: type[M], text: str, origin: str, *, what: str) -> M:
    """Validate YAML ``text`` as ``model``; errors name ``what`` and ``origin`` and the field."""
    try:
        return model.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{what} {origin}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{what} {origin}: {where}: {first['msg']}") from exc
