"""npm acquisition against a fake registry: versions, tags, ranges, integrity, platform builds."""

from __future__ import annotations

import hashlib
import tarfile

import pytest

from agentxray.acquire.cache import Cache
from agentxray.acquire.npm import NpmSource, resolve_version
from agentxray.acquire.npmconfig import NpmConfig
from agentxray.acquire.spec import parse_spec
from agentxray.errors import IntegrityError, RegistryError, TargetNotFound, UsageError

from .fakeregistry import FakeRegistry

PLATFORMS = ("linux-x64", "linux-arm64", "linux-x64-musl", "darwin-arm64", "win32-x64")


def source(registry: FakeRegistry, cache: Cache, **scopes: str) -> NpmSource:
    config = NpmConfig(registry=registry.base, scopes=scopes)
    return NpmSource(registry.client(), cache, config)


def get(registry: FakeRegistry, cache: Cache, text: str, platform: str | None = "linux-x64"):
    return source(registry, cache).acquire(parse_spec(text, platform=platform))


def member_names(path) -> list[str]:
    with tarfile.open(path) as tar:
        return tar.getnames()


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (None, "1.3.0"),
        ("latest", "1.3.0"),
        ("next", "2.0.0-beta.1"),
        ("1.2.3", "1.2.3"),
        ("v1.2.3", "1.2.3"),
        ("^1.2.0", "1.3.0"),
        ("~1.2.0", "1.2.4"),
        ("1.x", "1.3.0"),
        (">=1.2.4 <1.3", "1.2.4"),
        ("2.0.0-beta.1", "2.0.0-beta.1"),
        ("1.2.3 || ^2.0.0-0", "2.0.0-beta.1"),
    ],
)
def test_resolve_version_follows_npm_semantics(wanted: str | None, expected: str) -> None:
    doc = {
        "dist-tags": {"latest": "1.3.0", "next": "2.0.0-beta.1"},
        "versions": {v: {} for v in ("1.2.3", "1.2.4", "1.3.0", "1.4.0-rc.1", "2.0.0-beta.1")},
    }
    assert resolve_version("pkg", doc, wanted) == expected


def test_resolve_version_prefers_latest_when_it_satisfies() -> None:
    doc = {"dist-tags": {"latest": "1.2.0"}, "versions": {"1.2.0": {}, "1.9.0": {}}}
    assert resolve_version("pkg", doc, "^1.0.0") == "1.2.0"


def test_resolve_version_no_match_names_dist_tags() -> None:
    doc = {"dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {}}}
    with pytest.raises(TargetNotFound) as info:
        resolve_version("pkg", doc, "^3")
    assert "latest=1.0.0" in info.value.diagnostics()


def test_resolve_version_rejects_garbage() -> None:
    doc = {"dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {}}}
    with pytest.raises((UsageError, TargetNotFound)):
        resolve_version("pkg", doc, "not a @@ range ><")


def test_scoped_package_latest_downloads_and_verifies(registry: FakeRegistry, cache: Cache) -> None:
    data = registry.publish("@acme/tool", "1.0.0")
    art = get(registry, cache, "npm:@acme/tool")
    assert (art.name, art.version, art.format) == ("@acme/tool", "1.0.0", "npm-tarball")
    assert art.path.read_bytes() == data
    assert art.sha256 == hashlib.sha256(data).hexdigest()
    assert art.integrity is not None and art.integrity.startswith("sha512-")
    assert art.source_url == registry.base + "@acme/tool/-/tool-1.0.0.tgz"
    assert art.via == () and art.platform is None
    assert registry.requests[0] == "/@acme%2Ftool"
    assert "application/vnd.npm.install-v1+json" in registry.accepts[0]


def test_dist_tag_and_range(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish("tool", "1.0.0")
    registry.publish("tool", "1.5.0")
    registry.publish("tool", "2.0.0", tags=("next",))
    assert get(registry, cache, "npm:tool@next").version == "2.0.0"
    assert get(registry, cache, "npm:tool@^1.1").version == "1.5.0"
    assert get(registry, cache, "npm:tool@1.0.0").version == "1.0.0"


def test_bad_integrity_raises_and_stores_nothing(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish("evil", "1.0.0", integrity=registry_sri(b"something else"))
    with pytest.raises(IntegrityError) as info:
        get(registry, cache, "npm:evil@1.0.0")
    assert "sha512" in info.value.diagnostics()
    assert cache.ls() == []
    assert list((cache.root / "tmp").iterdir()) == []


def registry_sri(data: bytes) -> str:
    from .fakeregistry import sri

    return sri(data)


def test_sha1_shasum_fallback(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish("old", "0.1.0", shasum_only=True)
    art = get(registry, cache, "npm:old")
    assert art.integrity is not None and art.integrity.startswith("sha1:")


def test_second_acquire_uses_cache(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish("tool", "1.0.0")
    first = get(registry, cache, "npm:tool@1.0.0")
    second = get(registry, cache, "npm:tool@1.0.0")
    assert first.path == second.path
    assert len(registry.downloads()) == 1


def test_missing_package_is_target_not_found(registry: FakeRegistry, cache: Cache) -> None:
    with pytest.raises(TargetNotFound) as info:
        get(registry, cache, "npm:@nobody/nothing")
    assert "404" in info.value.diagnostics()


def test_bad_json_is_registry_error(registry: FakeRegistry, cache: Cache) -> None:
    registry.broken["broken"] = (200, b"<html>oops</html>")
    with pytest.raises(RegistryError, match="valid JSON"):
        get(registry, cache, "npm:broken")


def test_server_error_is_registry_error(registry: FakeRegistry, cache: Cache) -> None:
    registry.broken["down"] = (503, b"{}")
    with pytest.raises(RegistryError, match="503"):
        get(registry, cache, "npm:down")


def test_unreachable_registry_is_one_line_registry_error(cache: Cache) -> None:
    dead = FakeRegistry(base="http://127.0.0.1:9/")
    src = NpmSource(
        __import__("httpx").Client(timeout=2), cache, NpmConfig(registry="http://127.0.0.1:9/")
    )
    with pytest.raises(RegistryError) as info:
        src.acquire(parse_spec("npm:tool"))
    assert "\n" not in info.value.diagnostics()
    assert dead.requests == []


def test_scoped_registry_is_used_for_its_scope(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish("@corp/agent", "3.0.0")
    config = NpmConfig(registry="http://127.0.0.1:9/", scopes={"@corp": registry.base})
    art = NpmSource(registry.client(), cache, config).acquire(parse_spec("npm:@corp/agent"))
    assert art.version == "3.0.0"


def publish_wrapper(registry: FakeRegistry, version: str = "2.1.200") -> None:
    """A Claude-Code-style wrapper: platform builds as optional dependencies, plus a decoy."""
    optional = {f"@acme/agent-{p}": version for p in PLATFORMS}
    optional["@img/sharp-linux-x64"] = "^0.34.2"  # an unrelated platform package: never followed
    registry.publish(
        "@acme/agent",
        version,
        manifest={"bin": {"agent": "bin/agent.exe"}, "optionalDependencies": optional},
        files={"bin/agent.exe": b"echo placeholder\n"},
    )
    for plat in PLATFORMS:
        os_name, cpu = plat.split("-")[:2]
        registry.publish(
            f"@acme/agent-{plat}",
            version,
            manifest={"os": [os_name], "cpu": [cpu]},
            files={"agent": f"binary for {plat}".encode()},
        )


@pytest.mark.parametrize("platform", ["linux-x64", "darwin-arm64", "win32-x64", "linux-x64-musl"])
def test_wrapper_follows_platform_optional_dependency(
    registry: FakeRegistry, cache: Cache, platform: str
) -> None:
    publish_wrapper(registry)
    art = get(registry, cache, "npm:@acme/agent@2.1.200", platform=platform)
    assert art.name == f"@acme/agent-{platform}"
    assert art.platform == platform
    assert art.via == ("@acme/agent@2.1.200", f"@acme/agent-{platform}@2.1.200")
    assert "package/agent" in member_names(art.path)


def test_wrapper_without_requested_platform_lists_available(
    registry: FakeRegistry, cache: Cache
) -> None:
    publish_wrapper(registry)
    with pytest.raises(TargetNotFound) as info:
        get(registry, cache, "npm:@acme/agent", platform="freebsd-x64")
    assert "darwin-arm64" in info.value.diagnostics()


def test_musl_falls_back_to_glibc_build(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish(
        "solo", "1.0.0", manifest={"optionalDependencies": {"solo-linux-arm64": "1.0.0"}}
    )
    registry.publish("solo-linux-arm64", "1.0.0", manifest={"os": ["linux"], "cpu": ["arm64"]})
    assert get(registry, cache, "npm:solo", platform="linux-arm64-musl").name == "solo-linux-arm64"


def test_platform_build_with_contradicting_os_cpu_is_refused(
    registry: FakeRegistry, cache: Cache
) -> None:
    registry.publish(
        "liar", "1.0.0", manifest={"optionalDependencies": {"liar-linux-x64": "1.0.0"}}
    )
    registry.publish("liar-linux-x64", "1.0.0", manifest={"os": ["darwin"], "cpu": ["arm64"]})
    with pytest.raises(RegistryError, match="os/cpu"):
        get(registry, cache, "npm:liar")


def test_plain_package_with_unrelated_platform_deps_is_the_main_tarball(
    registry: FakeRegistry, cache: Cache
) -> None:
    registry.publish(
        "@acme/agent",
        "2.1.91",
        manifest={"optionalDependencies": {"@img/sharp-linux-x64": "^0.34.2"}},
        files={"cli.js": b"console.log(1)\n"},
    )
    art = get(registry, cache, "npm:@acme/agent@2.1.91", platform="darwin-arm64")
    assert (art.name, art.version, art.platform, art.via) == ("@acme/agent", "2.1.91", None, ())
    assert "package/cli.js" in member_names(art.path)


def test_codex_style_platform_versions_via_alias(registry: FakeRegistry, cache: Cache) -> None:
    optional = {f"@acme/cx-{p}": f"npm:@acme/cx@0.9.0-{p}" for p in ("linux-x64", "darwin-arm64")}
    registry.publish("@acme/cx", "0.9.0", manifest={"optionalDependencies": optional})
    for plat in ("linux-x64", "darwin-arm64"):
        os_name, cpu = plat.split("-")
        registry.publish("@acme/cx", f"0.9.0-{plat}", manifest={"os": [os_name], "cpu": [cpu]})
    registry.packuments["@acme/cx"]["dist-tags"]["latest"] = "0.9.0"
    art = get(registry, cache, "npm:@acme/cx")
    assert (art.name, art.version, art.platform) == ("@acme/cx", "0.9.0-linux-x64", "linux-x64")
    assert art.via == ("@acme/cx@0.9.0", "@acme/cx@0.9.0-linux-x64")


def test_codex_style_platform_versions_without_optional_deps(
    registry: FakeRegistry, cache: Cache
) -> None:
    registry.publish("cx", "1.0.0", files={"bin/cx.js": b"// launcher\n"})
    registry.publish("cx", "1.0.0-win32-x64", manifest={"os": ["win32"], "cpu": ["x64"]})
    registry.packuments["cx"]["dist-tags"]["latest"] = "1.0.0"
    art = get(registry, cache, "npm:cx", platform="win32-x64")
    assert (art.version, art.platform) == ("1.0.0-win32-x64", "win32-x64")


def test_asking_for_the_platform_package_directly(registry: FakeRegistry, cache: Cache) -> None:
    publish_wrapper(registry)
    art = get(registry, cache, "npm:@acme/agent-darwin-arm64@2.1.200", platform=None)
    assert (art.name, art.platform, art.via) == ("@acme/agent-darwin-arm64", "darwin-arm64", ())


def test_tarball_auth_header_sent_for_matching_registry(
    registry: FakeRegistry, cache: Cache
) -> None:
    registry.publish("private", "1.0.0")
    seen: list[str | None] = []
    transport = registry.transport()

    import httpx

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return transport.handle_request(request)

    host = registry.base.split("//", 1)[1]
    config = NpmConfig(registry=registry.base, auth={f"//{host}:_authToken": "tok123"})
    NpmSource(httpx.Client(transport=httpx.MockTransport(spy)), cache, config).acquire(
        parse_spec("npm:private")
    )
    assert seen == ["Bearer tok123", "Bearer tok123"]


@pytest.mark.parametrize("url", ["ht!tp://bad url", "ftp://registry.test/x.tgz", "http://[::1"])
def test_hostile_tarball_urls_are_registry_errors(
    registry: FakeRegistry, cache: Cache, url: str
) -> None:
    registry.publish("odd", "1.0.0")
    registry.packuments["odd"]["versions"]["1.0.0"]["dist"]["tarball"] = url
    with pytest.raises(RegistryError) as info:
        get(registry, cache, "npm:odd")
    assert "\n" not in info.value.diagnostics()


def test_missing_tarball_is_target_not_found(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish("gone", "1.0.0")
    registry.blobs.clear()
    with pytest.raises(TargetNotFound, match="404"):
        get(registry, cache, "npm:gone")


@pytest.mark.parametrize(
    "doc",
    [[], {"versions": []}, {"dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": "x"}}],
)
def test_malformed_packuments_are_registry_errors(
    registry: FakeRegistry, cache: Cache, doc: object
) -> None:
    registry.broken["weird"] = (200, __import__("json").dumps(doc).encode())
    with pytest.raises(RegistryError):
        get(registry, cache, "npm:weird")


def test_unreachable_registry_falls_back_to_stale_metadata_and_cached_tarball(
    registry: FakeRegistry, tmp_path
) -> None:
    import httpx

    cache = Cache(tmp_path / "c", meta_ttl=0)
    registry.publish("tool", "1.0.0")
    first = get(registry, cache, "npm:tool@1.0.0")

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    offline = NpmSource(
        httpx.Client(transport=httpx.MockTransport(down)), cache, NpmConfig(registry=registry.base)
    )
    assert offline.acquire(parse_spec("npm:tool@1.0.0")).path == first.path


def test_metadata_is_cached_briefly(registry: FakeRegistry, cache: Cache) -> None:
    registry.publish("tool", "1.0.0")
    get(registry, cache, "npm:tool")
    get(registry, cache, "npm:tool")
    assert registry.requests.count("/tool") == 1
    short = Cache(cache.root, meta_ttl=0)
    get(registry, short, "npm:tool")
    assert registry.requests.count("/tool") == 2


def test_opencode_style_windows_spelling_and_command_named_family(
    registry: FakeRegistry, cache: Cache
) -> None:
    optional = {f"oc-{p}": "1.0.0" for p in ("linux-x64", "linux-x64-baseline", "windows-x64")}
    optional["@lydell/node-pty-win32-x64"] = "1.1.0"
    registry.publish(
        "oc-ai", "1.0.0", manifest={"bin": {"oc": "bin/oc.exe"}, "optionalDependencies": optional}
    )
    for plat in ("linux-x64", "linux-x64-baseline", "windows-x64"):
        os_name = "win32" if plat.startswith("windows") else "linux"
        registry.publish(f"oc-{plat}", "1.0.0", manifest={"os": [os_name], "cpu": ["x64"]})
    assert get(registry, cache, "npm:oc-ai", platform="win32-x64").name == "oc-windows-x64"
    assert get(registry, cache, "npm:oc-ai", platform="linux-x64").name == "oc-linux-x64"
