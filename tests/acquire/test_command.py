"""``cmd:NAME`` resolution on hand-made installs: symlinks, shell and Node wrappers, npm layouts.

Every fake program would create ``ran`` next to itself if executed: resolution must only read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentxray.acquire.command import acquire_command, resolve_command
from agentxray.acquire.spec import parse_spec
from agentxray.errors import TargetNotFound

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57


def write(path: Path, data: bytes | str, mode: int = 0o755) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(mode)
    return path


def trap(path: Path) -> str:
    return f'#!/bin/sh\ntouch "{path.parent}/ran"\n'


def package(root: Path, manifest: dict[str, object]) -> None:
    write(root / "package.json", json.dumps(manifest), 0o644)


def claude_style(
    prefix: Path, *, hoisted: bool = False, platforms: tuple[str, ...] = ("linux-x64",)
) -> Path:
    """npm -g --ignore-scripts layout of a wrapper whose bin is a placeholder stub."""
    wrapper = prefix / "lib" / "node_modules" / "@acme" / "agent"
    optional = {f"@acme/agent-{p}": "1.0.0" for p in ("linux-x64", "darwin-arm64", "win32-x64")}
    optional["@img/sharp-linux-x64"] = "^0.34"
    package(
        wrapper,
        {
            "name": "@acme/agent",
            "version": "1.0.0",
            "bin": {"agent": "bin/agent.exe"},
            "optionalDependencies": optional,
        },
    )
    stub = write(
        wrapper / "bin" / "agent.exe",
        trap(wrapper / "bin" / "agent.exe") + 'echo "not installed"\n',
    )
    base = prefix / "lib" / "node_modules" if hoisted else wrapper / "node_modules"
    for plat in platforms:
        build = base / "@acme" / f"agent-{plat}"
        package(
            build, {"name": f"@acme/agent-{plat}", "version": "1.0.0", "os": [plat.split("-")[0]]}
        )
        write(build / "agent", ELF + plat.encode())
        write(build / "README.md", "readme", 0o644)
    sharp = base / "@img" / "sharp-linux-x64"
    package(sharp, {"name": "@img/sharp-linux-x64", "version": "0.34.2"})
    write(sharp / "lib" / "sharp.node", ELF + b"sharp" * 100)
    (prefix / "bin").mkdir(parents=True, exist_ok=True)
    os.symlink("../lib/node_modules/@acme/agent/bin/agent.exe", prefix / "bin" / "agent")
    return stub


@pytest.mark.parametrize("hoisted", [False, True])
def test_npm_wrapper_resolves_to_platform_binary(tmp_path: Path, hoisted: bool) -> None:
    claude_style(tmp_path, hoisted=hoisted)
    program, chain = resolve_command("agent", path=str(tmp_path / "bin"), platform="linux-x64")
    assert program.name == "agent" and program.parent.name == "agent-linux-x64"
    assert chain[0] == str(tmp_path / "bin" / "agent")
    assert chain[1].endswith("@acme/agent/bin/agent.exe")
    assert chain[-1] == str(program)
    assert not list(tmp_path.rglob("ran"))


def test_npm_wrapper_picks_requested_platform_when_installed(tmp_path: Path) -> None:
    claude_style(tmp_path, platforms=("linux-x64", "darwin-arm64"))
    program, _ = resolve_command("agent", path=str(tmp_path / "bin"), platform="darwin-arm64")
    assert program.parent.name == "agent-darwin-arm64"


def test_cmd_shim_shell_wrapper_to_node_script(tmp_path: Path) -> None:
    pkg = tmp_path / "lib" / "node_modules" / "tool"
    package(
        pkg,
        {
            "name": "tool",
            "version": "2.1.91",
            "optionalDependencies": {"@img/sharp-linux-x64": "1"},
        },
    )
    cli = write(pkg / "cli.js", "#!/usr/bin/env node\nrequire('fs').writeFileSync('ran','')\n")
    shim = (
        '#!/bin/sh\nbasedir=$(dirname "$(echo "$0" | sed -e \'s,\\\\,/,g\')")\n'
        'if [ -x "$basedir/node" ]; then\n'
        '  exec "$basedir/node"  "$basedir/../lib/node_modules/tool/cli.js" "$@"\n'
        "else\n"
        '  exec node  "$basedir/../lib/node_modules/tool/cli.js" "$@"\nfi\n'
    )
    write(tmp_path / "bin" / "tool", shim)
    write(tmp_path / "bin" / "node", trap(tmp_path / "bin" / "node"))
    program, chain = resolve_command("tool", path=str(tmp_path / "bin"))
    assert program == cli.resolve()
    assert len(chain) == 2


def test_codex_style_alias_platform_package(tmp_path: Path) -> None:
    pkg = tmp_path / "lib" / "node_modules" / "@acme" / "cx"
    package(
        pkg,
        {
            "name": "@acme/cx",
            "version": "1.0.0",
            "bin": {"cx": "bin/cx.js"},
            "optionalDependencies": {"@acme/cx-linux-x64": "npm:@acme/cx@1.0.0-linux-x64"},
        },
    )
    write(pkg / "bin" / "cx.js", "#!/usr/bin/env node\n// launcher\n")
    build = pkg / "node_modules" / "@acme" / "cx-linux-x64"
    package(build, {"name": "@acme/cx", "version": "1.0.0-linux-x64"})
    binary = write(build / "vendor" / "x86_64-unknown-linux-musl" / "cx" / "cx", ELF)
    write(build / "vendor" / "x86_64-unknown-linux-musl" / "path" / "rg", ELF * 100)
    (tmp_path / "bin").mkdir()
    os.symlink("../lib/node_modules/@acme/cx/bin/cx.js", tmp_path / "bin" / "cx")
    program, _ = resolve_command("cx", path=str(tmp_path / "bin"), platform="linux-x64")
    assert program == binary.resolve()


def test_shell_wrapper_exec_absolute(tmp_path: Path) -> None:
    real = write(tmp_path / "opt" / "agent" / "agent-bin", ELF)
    write(tmp_path / "bin" / "agent", f'#!/bin/bash\nexec "{real}" "$@"\n')
    program, chain = resolve_command("agent", path=str(tmp_path / "bin"))
    assert program == real.resolve() and chain[-1] == str(real.resolve())


def test_self_referencing_wrapper_stops(tmp_path: Path) -> None:
    script = write(tmp_path / "bin" / "loop", '#!/bin/sh\nexec "$basedir/loop" "$@"\n')
    program, _ = resolve_command("loop", path=str(tmp_path / "bin"))
    assert program == script.resolve()


def test_missing_command(tmp_path: Path) -> None:
    with pytest.raises(TargetNotFound, match="not on PATH"):
        resolve_command("no-such-agent", path=str(tmp_path))


def test_acquire_command_describes_platform_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claude_style(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    art = acquire_command(parse_spec("cmd:agent", platform="linux-x64"))
    assert (art.name, art.version, art.platform, art.format) == (
        "@acme/agent-linux-x64",
        "1.0.0",
        "linux-x64",
        "file",
    )
    assert art.sha256 is not None and art.via[0] == str(tmp_path / "bin" / "agent")
    assert not list(tmp_path.rglob("ran"))


def test_hostile_wrapper_text_is_read_quickly(tmp_path: Path) -> None:
    import time

    body = "#!/bin/sh\nexec " + '"a" ' * 15000 + "\n" + "exec 'unterminated\n"
    write(tmp_path / "bin" / "evil", body[:60000])
    start = time.monotonic()
    program, _ = resolve_command("evil", path=str(tmp_path / "bin"))
    assert time.monotonic() - start < 2
    assert program.name == "evil"


def test_symlink_loops_in_platform_package_are_not_followed(tmp_path: Path) -> None:
    claude_style(tmp_path)
    build = tmp_path / "lib/node_modules/@acme/agent/node_modules/@acme/agent-linux-x64"
    (build / "agent").unlink()
    write(build / "dist" / "agent-real", ELF * 10)
    os.symlink("..", build / "dist" / "loop")
    program, _ = resolve_command("agent", path=str(tmp_path / "bin"), platform="linux-x64")
    assert program == (build / "dist" / "agent-real").resolve()


def test_python_console_script_resolves_to_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = tmp_path / "venv"
    python = write(venv / "bin" / "python", trap(venv / "bin" / "python"))
    site = venv / "lib" / "python3.11" / "site-packages"
    write(site / "aider" / "main.py", "def main():\n    open('ran', 'w')\n", 0o644)
    write(site / "aider" / "__init__.py", "open('ran', 'w')\n", 0o644)
    write(
        site / "aider_chat-0.86.2.dist-info" / "entry_points.txt",
        "[console_scripts]\naider = aider.main:main\n",
        0o644,
    )
    script = (
        f"#!{python}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom aider.main import main\n"
        "if __name__ == '__main__':\n    sys.exit(main())\n"
    )
    write(venv / "bin" / "aider", script)
    monkeypatch.setenv("PATH", str(venv / "bin"))
    art = acquire_command(parse_spec("cmd:aider"))
    assert (art.path, art.format, art.name, art.version) == (
        site / "aider",
        "directory",
        "aider_chat",
        "0.86.2",
    )
    assert art.via[-2:] == (str(venv / "bin" / "aider"), str(site / "aider"))
    assert not list(tmp_path.rglob("ran"))
