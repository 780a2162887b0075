"""The stage entry point end to end: env-configured registries on loopback, the cache, the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentxray.acquire import Cache, acquire, parse_spec
from agentxray.acquire.npmconfig import load_npm_config
from agentxray.acquire.pypi import pip_index_url
from agentxray.cli.main import main

from .fakeregistry import FakeRegistry


@pytest.fixture
def configured(
    served: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeRegistry]:
    """npm and pip pointed at the loopback registry through their own environment variables."""
    monkeypatch.setenv("npm_config_registry", served.base)
    monkeypatch.setenv("PIP_INDEX_URL", served.base + "simple/")
    monkeypatch.setenv("AGENTXRAY_CACHE_DIR", str(tmp_path / "cache"))
    load_npm_config.cache_clear()
    pip_index_url.cache_clear()
    yield served
    load_npm_config.cache_clear()
    pip_index_url.cache_clear()


def test_npm_through_npm_config_env(configured: FakeRegistry) -> None:
    data = configured.publish("@acme/tool", "1.2.3")
    art = acquire(parse_spec("npm:@acme/tool@^1"))
    assert art.version == "1.2.3" and art.path.read_bytes() == data
    assert Path(str(art.path)).is_relative_to(Cache().root)


def test_pypi_through_pip_index_env(configured: FakeRegistry) -> None:
    configured.publish_wheel("agent-tool", "1.0.0", "agent_tool-1.0.0-py3-none-any.whl")
    art = acquire(parse_spec("pypi:agent-tool"))
    assert (art.format, art.version) == ("wheel", "1.0.0")


def test_cache_cli_ls_and_clear(
    configured: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    configured.publish("tool", "1.0.0")
    acquire(parse_spec("npm:tool"))
    assert main(["cache", "ls"]) == 0
    out = capsys.readouterr().out
    assert "1 entries" in out and "tool@1.0.0" in out
    assert main(["cache", "ls", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [e["name"] for e in listing["entries"]] == ["tool"]
    assert main(["cache", "clear"]) == 0
    assert "cleared" in capsys.readouterr().out
    assert Cache().ls() == []


def test_cli_error_is_one_line(
    configured: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    from agentxray.errors import TargetNotFound

    with pytest.raises(TargetNotFound) as info:
        acquire(parse_spec("npm:missing"))
    assert "\n" not in info.value.diagnostics()
