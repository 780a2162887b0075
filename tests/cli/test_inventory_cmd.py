"""`agentxray inventory` finds installed agents in a machine tree written here, never running them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentxray.cli.inventory_cmd import attach_releases, discover
from agentxray.cli.main import main
from agentxray.store.reports import open_store, put_report


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, Path]:
    """npm's global prefix with Copilot CLI (wrapper + linux-x64 build) and lodash, its bin
    link, a PATH folder with a pip-style script that is no agent, and editor extensions."""
    prefix = tmp_path / "prefix"
    root = prefix / "lib" / "node_modules"
    wrapper = root / "@github" / "copilot"
    _write(
        wrapper / "package.json",
        json.dumps(
            {
                "name": "@github/copilot",
                "version": "1.0.102",
                "bin": {"copilot": "npm-loader.js"},
                "optionalDependencies": {"@github/copilot-linux-x64": "1.0.102"},
            }
        ),
    )
    # The loader must never run: it would leave this file behind.
    loader = "#!/usr/bin/env node\nrequire('fs').writeFileSync('RAN', '')\n"
    _write(wrapper / "npm-loader.js", loader, 0o755)
    build = wrapper / "node_modules" / "@github" / "copilot-linux-x64"
    _write(
        build / "package.json",
        json.dumps({"name": "@github/copilot-linux-x64", "version": "1.0.102", "os": ["linux"]}),
    )
    _write(build / "copilot", "\x7fELF not really\n", 0o755)
    _write(root / "lodash" / "package.json", json.dumps({"name": "lodash", "version": "4.17.21"}))
    (prefix / "bin").mkdir()
    (prefix / "bin" / "copilot").symlink_to("../lib/node_modules/@github/copilot/npm-loader.js")
    path = tmp_path / "path"
    _write(path / "codex-notes", "#!/bin/sh\necho notes\n", 0o755)  # not an agent
    home = tmp_path / "home"
    ext = home / ".cursor" / "extensions"
    _write(
        ext / "anthropic.claude-code-2.1.197-linux-x64" / "package.json", '{"version": "2.1.197"}'
    )
    _write(ext / "ms-python.python-2025.1.0" / "package.json", '{"version": "2025.1.0"}')
    return {"home": home, "path": path, "root": root, "opt": tmp_path / "opt", "build": build}


def test_discover_finds_npm_agent_and_extension_only(machine: dict[str, Path]) -> None:
    items = discover(
        home=machine["home"],
        path=str(machine["path"]),
        npm_roots=[machine["root"]],
        opt=machine["opt"],
    )
    assert [(i.agent, i.kind, i.package, i.version) for i in items] == [
        ("Claude Code", "extension", "anthropic.claude-code", "2.1.197"),
        ("GitHub Copilot", "npm-global", "@github/copilot", "1.0.102"),
    ]
    (copilot,) = [i for i in items if i.kind == "npm-global"]
    # Followed from the wrapper's bin through npm's layout to the platform build's program.
    assert copilot.program == str(machine["build"] / "copilot")
    assert not (machine["root"] / "@github" / "copilot" / "RAN").exists()


def test_a_command_on_path_is_one_install_with_its_npm_package(machine: dict[str, Path]) -> None:
    bin_dir = machine["root"].parent.parent / "bin"
    items = discover(
        home=machine["home"],
        path=f"{machine['path']}:{bin_dir}",
        npm_roots=[machine["root"]],
        opt=machine["opt"],
    )
    copilots = [i for i in items if i.agent == "GitHub Copilot"]
    assert len(copilots) == 1 and copilots[0].via == [str(bin_dir / "copilot")]


def test_opt_installs_are_found(machine: dict[str, Path]) -> None:
    _write(machine["opt"] / "tools" / "crush" / "bin" / "crush", "\x7fELF\n", 0o755)
    items = discover(
        home=machine["home"], path=str(machine["path"]), npm_roots=[], opt=machine["opt"]
    )
    (crush,) = [i for i in items if i.kind == "command"]
    assert crush.agent == "Crush" and crush.program is not None
    assert crush.program.endswith("/opt/tools/crush/bin/crush")


def test_store_releases_with_findings(machine: dict[str, Path], tmp_path: Path) -> None:
    store = open_store(tmp_path / "agentxray.sqlite")
    doc = {"findings": [{"severity": "critical"}, {"severity": "high"}]}
    for version, document in (("1.0.90", doc), ("1.0.102", {"findings": []}), ("1.0.110", doc)):
        put_report(
            store, package="@github/copilot", version=version, platform="linux-x64",
            analyzer="a1", document=json.dumps(document),
        )  # fmt: skip
    items = discover(home=machine["home"], path="", npm_roots=[machine["root"]], opt=machine["opt"])
    attach_releases(items, store)
    store.close()
    (copilot,) = [i for i in items if i.kind == "npm-global"]
    assert [(r["version"], r["relation"], r["findings"]) for r in copilot.releases] == [
        ("1.0.90", "older", 2),
        ("1.0.102", "this", 0),
        ("1.0.110", "newer", 2),
    ]
    assert copilot.releases[0]["severities"] == {"critical": 1, "high": 1}


def test_inventory_command_json(
    machine: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import agentxray.cli.inventory_cmd as inv

    monkeypatch.setenv("HOME", str(machine["home"]))
    monkeypatch.setenv("PATH", str(machine["path"]))
    monkeypatch.setattr(inv, "npm_global_roots", lambda: [machine["root"]])
    monkeypatch.setattr(inv, "OPT", machine["opt"])
    store = machine["home"] / "none.sqlite"
    assert main(["inventory", "--format", "json", "--store", str(store)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "agentxray.inventory/1"
    assert {a["package"] for a in doc["agents"]} == {"@github/copilot", "anthropic.claude-code"}
    assert not store.exists()  # looking never creates a store


def test_a_pip_console_script_resolves_to_its_package(machine: dict[str, Path]) -> None:
    # A venv under /opt (as pipx and `python -m venv` make): bin/aider imports aider.main.
    venv = machine["opt"] / "agents" / "aider"
    site = venv / "lib" / "python3.11" / "site-packages"
    _write(site / "aider" / "__init__.py", "")
    info = site / "aider_chat-0.86.2.dist-info"
    _write(info / "entry_points.txt", "[console_scripts]\naider = aider.main:main\n")
    _write(venv / "bin" / "python", "", 0o755)
    script = f"#!{venv}/bin/python\nimport sys\nfrom aider.main import main\nsys.exit(main())\n"
    _write(venv / "bin" / "aider", script, 0o755)
    items = discover(home=machine["home"], path="", npm_roots=[], opt=machine["opt"])
    (aider,) = [i for i in items if i.kind == "command"]
    assert (aider.agent, aider.package, aider.version) == ("aider", "aider-chat", "0.86.2")
    assert aider.program == str(site / "aider")
