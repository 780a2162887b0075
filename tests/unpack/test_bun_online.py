"""BunUnpacker on the real Claude Code and opencode Bun executables from the npm registry."""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_sink import Emitted, FakeSink, blob_at

from agentxray.model import Artifact
from agentxray.unpack.bun import BunUnpacker
from agentxray.unpack.bun_container import locate_fast, locate_lief

pytestmark = pytest.mark.online

CLAUDE = "npm:@anthropic-ai/claude-code@2.1.197"


@pytest.fixture(scope="module")
def executable(
    real_artifact: Callable[..., Artifact], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str | None, str], Path]:
    """Factory: the executable ``member`` pulled out of an acquired npm tarball (cached per run)."""
    memo: dict[tuple[str, str | None], Path] = {}

    def get(spec: str, platform: str | None, member: str) -> Path:
        if (spec, platform) not in memo:
            artifact = real_artifact(spec, platform=platform)
            out = tmp_path_factory.mktemp("bun")
            with tarfile.open(artifact.path) as tar:
                info = tar.getmember(member)
                source = tar.extractfile(info)
                assert source is not None
                target = out / Path(member).name
                with target.open("wb") as sink:
                    while chunk := source.read(1 << 22):
                        sink.write(chunk)
            memo[(spec, platform)] = target
        return memo[(spec, platform)]

    return get


def unpack(path: Path) -> tuple[FakeSink, dict[str, Emitted]]:
    sink = FakeSink()
    unpacker = BunUnpacker()
    blob = blob_at(path)
    assert unpacker.matches(blob)
    unpacker.extract(blob, sink)
    return sink, sink.by_name()


def check_cli(got: dict[str, Emitted], name: str) -> Emitted:
    cli = got[name]
    assert cli.kind == "javascript"
    assert b"Asia/Urumqi" in cli.data
    assert b"// Version: 2.1.197\n" in cli.data[:2000]
    assert "entry point" in (cli.note or "")
    jsc = got[name + ".jsc"]
    assert (jsc.kind, jsc.write) == ("bytecode", False)
    assert len(jsc.data) > 100_000_000
    return cli


def test_linux_x64(executable: Callable[..., Path]) -> None:
    path = executable(CLAUDE, "linux-x64", "package/claude")
    region = locate_fast(path)
    assert region == locate_lief(path)
    assert (
        region is not None and region.start == 0x05238000 and region.end == 0x05238000 + 0x097E029A
    )
    sink, got = unpack(path)
    cli = check_cli(got, "/$bunfs/root/src/entrypoints/cli.js")
    assert len(cli.data) == 18_097_818
    assert cli.offset is not None
    with path.open("rb") as f:
        f.seek(cli.offset)
        assert f.read(len(cli.data)) == cli.data
    assert got["/$bunfs/root/image-processor.node"].kind == "native"
    assert got["/$bunfs/root/audio-capture.node"].data.startswith(b"\x7fELF")
    assert got["/$bunfs/root/audio-capture.js"].kind == "javascript"
    assert sink.notices == []


def test_darwin_arm64_macho(executable: Callable[..., Path]) -> None:
    path = executable(CLAUDE, "darwin-arm64", "package/claude")
    region = locate_fast(path)
    assert region == locate_lief(path)
    assert region is not None and region.container == "Mach-O section __BUN,__bun"
    _, got = unpack(path)
    check_cli(got, "/$bunfs/root/src/entrypoints/cli.js")
    # The macOS build carries computer-use modules the Linux one lacks.
    assert got["/$bunfs/root/computer-use-swift.js"].kind == "javascript"
    assert got["/$bunfs/root/computer-use-input.node"].data.startswith(b"\xca\xfe\xba\xbe")
    assert got["/$bunfs/root/url-handler.node"].kind == "native"


def test_win32_x64_pe(executable: Callable[..., Path]) -> None:
    path = executable(CLAUDE, "win32-x64", "package/claude.exe")
    region = locate_fast(path)
    assert region == locate_lief(path)
    assert region is not None and region.container == "PE section .bun"
    _, got = unpack(path)
    check_cli(got, "B:/~BUN/root/src/entrypoints/cli.js")
    assert got["B:/~BUN/root/image-processor.node"].data.startswith(b"MZ")
    assert all(name.startswith("B:/~BUN/root/") for name in got)


def test_code_split_build_2_1_332(executable: Callable[..., Path]) -> None:
    """Bun 1.4 build: thousands of bytecode chunks, zstd and UTF-16 assets, baked-in exec argv."""
    path = executable("npm:@anthropic-ai/claude-code@2.1.332", "linux-x64", "package/claude")
    sink, got = unpack(path)
    entry = got["/$bunfs/root/cli"]
    assert entry.kind == "javascript" and "entry point" in (entry.note or "")
    chunks = [n for n in got if n.startswith("/$bunfs/root/chunk-") and n.endswith(".js")]
    assert len(chunks) > 3000
    assert got["/$bunfs/root/chunk-anqebcfg.js"].data.startswith(b"// @bun @bytecode\n")
    jsc = got["/$bunfs/root/chunk-anqebcfg.js.jsc"]
    assert 0 < len(jsc.data) < 10_000_000  # its own slice of the shared bytecode area
    skill = got["/$bunfs/root/SKILL-558b9a0c.md"]
    assert skill.kind == "text" and skill.offset is None
    assert "zstd-decompressed" in (skill.note or "")
    assert not any(name.endswith(".zst") for name in got)
    utf16 = got["/$bunfs/root/anti-patterns-evn314kn.md"]
    assert utf16.data.startswith(b"# Anti-patterns") and b"\0" not in utf16.data
    assert [code for code, _, _ in sink.notices] == ["bun-exec-argv"]


def test_old_bun_appended_graph_opencode(executable: Callable[..., Path]) -> None:
    """opencode 0.1.174 was built by Bun 1.2: graph appended to the ELF, 36-byte records."""
    path = executable("npm:opencode-linux-x64@0.1.174", None, "package/bin/opencode")
    region = locate_fast(path)
    assert region is not None and region.container.startswith("appended")
    _, got = unpack(path)
    assert got["/$bunfs/root/opencode"].data.startswith(b"// @bun\n")
    assert "entry point" in (got["/$bunfs/root/opencode"].note or "")
    assert got["/$bunfs/root/dist/opencode-linux-x64/bin/tui.js"].kind == "javascript"
    assert got["/$bunfs/root/tui-dyj7z0ww."].kind == "native"  # the Go TUI binary


def test_unpack_end_to_end(real_artifact: Callable[..., Artifact], tmp_path: Path) -> None:
    """Through the dispatcher: the tarball holds the executable, which holds the module graph."""
    from agentxray.unpack import unpack

    tree = unpack(real_artifact(CLAUDE, platform="linux-x64"), tmp_path / "out")
    by_vpath = {entry.vpath: entry for entry in tree.files}
    cli = by_vpath[
        "claude-code-linux-x64-2.1.197.tgz!package/claude!/$bunfs/root/src/entrypoints/cli.js"
    ]
    assert (cli.kind, cli.size, cli.offset) == (
        "javascript",
        18_097_818,
        0x05238000 + 8 + 139_193_984,
    )
    assert cli.container == "claude-code-linux-x64-2.1.197.tgz!package/claude"
    path = tree.path_of(cli)
    assert path is not None and b"Asia/Urumqi" in path.read_bytes()
    jsc = by_vpath[cli.vpath + ".jsc"]
    assert (jsc.kind, jsc.relpath, jsc.size) == ("bytecode", None, 139_193_792)
