"""npm configuration: npmrc parsing, precedence, scoped registries and credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.acquire.npmconfig import NpmConfig, build_config, files_config, parse_npmrc
from agentxray.errors import RegistryError


def test_parse_npmrc_expands_env_and_skips_comments() -> None:
    text = """
    ; comment
    # comment
    registry = https://npm.corp.example/
    @corp:registry="https://npm.corp.example/corp/"
    //npm.corp.example/:_authToken=${TOKEN}
    junk line
    """
    values = parse_npmrc(text, env={"TOKEN": "s3cret"})
    assert values == {
        "registry": "https://npm.corp.example/",
        "@corp:registry": "https://npm.corp.example/corp/",
        "//npm.corp.example/:_authToken": "s3cret",
    }


def test_files_config_precedence(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    (prefix / "etc").mkdir(parents=True)
    (prefix / "etc" / "npmrc").write_text(
        "registry=https://global.example/\n@a:registry=https://a/\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    (home / ".npmrc").write_text("registry=https://user.example/\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".npmrc").write_text("@b:registry=https://b/\n")
    env = {"HOME": str(home)}
    merged = files_config(cwd=project, env=env, prefix=prefix)
    assert merged["registry"] == "https://user.example/"
    assert (merged["@a:registry"], merged["@b:registry"]) == ("https://a/", "https://b/")
    env["npm_config_registry"] = "https://env.example"
    assert files_config(cwd=project, env=env, prefix=prefix)["registry"] == "https://env.example"


def test_build_config_npm_cli_wins_for_registries_files_give_auth() -> None:
    cli = {
        "registry": "https://cli.example",
        "@x:registry": "https://x.example/",
        "//h/:_authToken": "(protected)",
    }
    files = {"registry": "https://file.example/", "//cli.example/:_authToken": "tok"}
    config = build_config(cli, files)
    assert config.registry == "https://cli.example/"
    assert config.registry_for("@x/pkg") == "https://x.example/"
    assert config.registry_for("@y/pkg") == "https://cli.example/"
    assert config.registry_for("plain") == "https://cli.example/"
    assert config.headers_for("https://cli.example/plain") == {"Authorization": "Bearer tok"}
    assert config.headers_for("https://elsewhere.example/plain") == {}


def test_without_npm_and_config_the_error_is_clear() -> None:
    with pytest.raises(RegistryError) as info:
        build_config(None, {})
    assert "npm_config_registry" in info.value.diagnostics()


def test_auth_longest_prefix_and_basic() -> None:
    config = NpmConfig(
        registry="https://r.example/npm/",
        auth={
            "//r.example/:_authToken": "host-wide",
            "//r.example/npm/:_authToken": "path-specific",
            "//basic.example/:username": "me",
            "//basic.example/:_password": "cGFzcw==",  # "pass"
        },
    )
    assert config.headers_for("https://r.example/npm/pkg") == {
        "Authorization": "Bearer path-specific"
    }
    assert config.headers_for("https://r.example/other") == {"Authorization": "Bearer host-wide"}
    assert config.headers_for("https://basic.example/pkg") == {
        "Authorization": "Basic bWU6cGFzcw=="
    }
