"""PyPI acquisition through a PEP 691 index: version choice, file choice, hash checks, pip config."""

from __future__ import annotations

import pytest

from agentxray.acquire import pypi
from agentxray.acquire.cache import Cache
from agentxray.acquire.pypi import PypiSource
from agentxray.acquire.spec import parse_spec
from agentxray.errors import IntegrityError, RegistryError, TargetNotFound

from .fakeregistry import FakeRegistry


def get(registry: FakeRegistry, cache: Cache, text: str):
    return PypiSource(registry.client(), cache, registry.base + "simple/").acquire(parse_spec(text))


def publish_release_set(registry: FakeRegistry) -> None:
    registry.publish_wheel("agent-tool", "1.0.0", "agent_tool-1.0.0-py3-none-any.whl")
    registry.publish_wheel(
        "agent-tool", "1.1.0", "agent_tool-1.1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    )
    registry.publish_wheel("agent-tool", "1.1.0", "agent_tool-1.1.0-py3-none-any.whl")
    registry.publish_wheel("agent-tool", "1.1.0", "agent_tool-1.1.0.tar.gz")
    registry.publish_wheel("agent-tool", "2.0.0rc1", "agent_tool-2.0.0rc1-py3-none-any.whl")
    registry.publish_wheel("agent-tool", "1.2.0", "agent_tool-1.2.0-py3-none-any.whl", yanked=True)


def test_latest_final_pure_wheel(registry: FakeRegistry, cache: Cache) -> None:
    publish_release_set(registry)
    art = get(registry, cache, "pypi:Agent_Tool")
    assert (art.name, art.version, art.format) == ("agent-tool", "1.1.0", "wheel")
    assert art.via == ("agent_tool-1.1.0-py3-none-any.whl",)
    assert art.source_url == registry.base + "files/agent_tool-1.1.0-py3-none-any.whl"
    assert art.integrity == f"sha256:{art.sha256}"
    assert registry.requests[0] == "/simple/agent-tool/"
    assert registry.accepts[0].startswith("application/vnd.pypi.simple.v1+json,")


def test_exact_version(registry: FakeRegistry, cache: Cache) -> None:
    publish_release_set(registry)
    assert get(registry, cache, "pypi:agent-tool==1.0.0").version == "1.0.0"
    assert get(registry, cache, "pypi:agent-tool==2.0.0rc1").version == "2.0.0rc1"
    with pytest.raises(TargetNotFound, match=r"no release 9\.9"):
        get(registry, cache, "pypi:agent-tool==9.9")


def test_sdist_when_no_wheel(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish_wheel("old-tool", "0.1", "old_tool-0.1.tar.gz")
    registry.publish_wheel("old-tool", "0.1", "old_tool-0.1-cp27-cp27mu-linux_i686.whl")
    art = get(registry, cache, "pypi:old-tool")
    assert (art.format, art.via) == ("sdist", ("old_tool-0.1.tar.gz",))


def test_hash_mismatch_is_integrity_error(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish_wheel("bad", "1.0", "bad-1.0-py3-none-any.whl", bad_hash=True)
    with pytest.raises(IntegrityError):
        get(registry, cache, "pypi:bad")
    assert cache.ls() == []


def test_unknown_project(registry: FakeRegistry, cache: Cache) -> None:
    with pytest.raises(TargetNotFound, match="404"):
        get(registry, cache, "pypi:nothing-here")


def test_file_index_is_refused_clearly(cache: Cache, registry: FakeRegistry) -> None:
    src = PypiSource(registry.client(), cache, "file:///opt/pypi/simple/")
    with pytest.raises(RegistryError, match="not an HTTP"):
        src.acquire(parse_spec("pypi:x"))


def test_index_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    pypi.pip_index_url.cache_clear()
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    try:
        assert pypi.pip_index_url() == "https://mirror.example/simple/"
    finally:
        pypi.pip_index_url.cache_clear()
    settings = {"global.index-url": "https://g/simple/", "install.index-url": "https://i/simple/"}
    assert pypi._index_from_settings(settings) == "https://i/simple/"
    assert pypi._index_from_settings({"global.extra-index-url": "file:///x"}) is None


def test_files_with_unusable_urls_are_skipped(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish_wheel("tool", "1.0", "tool-1.0-py3-none-any.whl")
    registry.publish_wheel("tool", "2.0", "tool-2.0-py3-none-any.whl")
    registry.pypi["tool"]["files"][1]["url"] = "file:///etc/passwd"
    art = get(registry, cache, "pypi:tool")
    assert art.version == "1.0"


def test_pep503_html_index_is_understood(registry: FakeRegistry, cache: Cache) -> None:
    data = registry.publish_wheel("tool", "1.0", "tool-1.0-py3-none-any.whl")
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    html = (
        "<!DOCTYPE html><html><body>"
        f'<a href="../../files/tool-1.0-py3-none-any.whl#sha256={digest}">tool-1.0-py3-none-any.whl</a>'
        '<a href="../../files/tool-2.0-py3-none-any.whl#sha256=00" data-yanked="">tool-2.0-py3-none-any.whl</a>'
        "</body></html>"
    )
    registry.broken["simple/tool/"] = (200, html.encode())
    art = get(registry, cache, "pypi:tool")
    assert (art.version, art.sha256) == ("1.0", digest)
