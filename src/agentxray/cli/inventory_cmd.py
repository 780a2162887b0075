"""``agentxray inventory``: the coding agents installed on this machine, their real programs, and
what the store knows about their releases.

Looked at, never run: npm's global packages, every command on ``PATH`` (``~/.local/bin``,
``/usr/local/bin``, Homebrew…) and ``/opt/*/bin``, VS Code / Cursor / Windsurf extensions, and
editor app installs. Commands are followed to the program they really run (``cmd:``
resolution); the store's reports of other releases say where findings are known.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentxray.errors import AgentXrayError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KnownAgent:
    """How one coding agent shows itself on a machine."""

    name: str
    npm: tuple[str, ...] = ()
    pypi: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    """Folder names of app installs (``/opt/cursor``, ``~/Applications/Cursor*.AppImage``)."""


#: The agents looked for. Command names are only those no other common tool uses.
KNOWN: tuple[KnownAgent, ...] = (
    KnownAgent(
        "Claude Code", ("@anthropic-ai/claude-code",), commands=("claude",),
        extensions=("anthropic.claude-code",),
    ),
    KnownAgent("Codex CLI", ("@openai/codex",), commands=("codex",), extensions=("openai.chatgpt",)),
    KnownAgent(
        "Gemini CLI", ("@google/gemini-cli",), commands=("gemini",),
        extensions=("google.geminicodeassist",),
    ),
    KnownAgent(
        "GitHub Copilot", ("@github/copilot",), commands=("copilot",),
        extensions=("github.copilot", "github.copilot-chat"),
    ),
    KnownAgent("Qwen Code", ("@qwen-code/qwen-code",), commands=("qwen",)),
    KnownAgent("opencode", ("opencode-ai",), commands=("opencode",)),
    KnownAgent("aider", pypi=("aider-chat",), commands=("aider",)),
    KnownAgent("Cursor", commands=("cursor-agent",), apps=("cursor",)),
    KnownAgent("Windsurf", apps=("windsurf",)),
    KnownAgent("Amp", ("@sourcegraph/amp",), commands=("amp",)),
    KnownAgent("Crush", ("@charmland/crush",), commands=("crush",)),
    KnownAgent("Cline", extensions=("saoudrizwan.claude-dev",)),
    KnownAgent("Roo Code", extensions=("rooveterinaryinc.roo-cline",)),
    KnownAgent("Continue", extensions=("continue.continue",)),
)  # fmt: skip

#: Extension folders of VS Code and its forks, under HOME.
EXTENSION_DIRS = (
    ".vscode/extensions", ".vscode-server/extensions", ".vscode-insiders/extensions",
    ".vscode-oss/extensions", ".cursor/extensions", ".cursor-server/extensions",
    ".windsurf/extensions",
)  # fmt: skip
#: Where system-wide installs of programs and apps go.
OPT = Path("/opt")
_EXTENSION = re.compile(r"^([a-z0-9-]+\.[a-z0-9-]+)-(\d+\.\d+[^-]*)(?:-([a-z0-9-]+))?$")


@dataclass(slots=True)
class Installed:
    """One install of a known agent."""

    agent: str
    kind: str
    """``npm-global``, ``command``, ``extension`` or ``app``."""
    package: str
    """Package, extension id or app folder name."""
    version: str | None
    where: str
    """What was found (the package folder, the command on PATH, the extension folder)."""
    program: str | None = None
    """The real program it runs (commands and npm packages: ``cmd:`` resolution)."""
    via: list[str] = field(default_factory=list)
    """Other places the same install was seen (its command on PATH…)."""
    releases: list[dict[str, Any]] = field(default_factory=list)
    """Stored reports of this package: version, findings, severities, relation to this one."""


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def npm_global_roots() -> list[Path]:
    """Where npm keeps global packages here: ``npm root -g`` and the usual prefixes."""
    roots: list[Path] = []
    npm = shutil.which("npm")
    if npm is not None:
        try:
            done = subprocess.run(
                [npm, "root", "-g"], capture_output=True, text=True, timeout=20, check=False
            )
            if done.returncode == 0 and done.stdout.strip():
                roots.append(Path(done.stdout.strip()))
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.info("npm root -g failed: %s", exc)
    prefix = os.environ.get("NPM_CONFIG_PREFIX")
    extra = [Path(prefix) / "lib/node_modules"] if prefix else []
    extra += [
        Path("/usr/lib/node_modules"),
        Path("/usr/local/lib/node_modules"),
        Path("/opt/homebrew/lib/node_modules"),
        Path.home() / ".npm-global/lib/node_modules",
    ]
    return list(dict.fromkeys(p for p in [*roots, *extra] if p.is_dir()))


def _resolve(command: str, path: str) -> tuple[str | None, str | None, str | None, list[str]]:
    """(real program, package name, version, chain) of ``command`` on ``path``; never runs it."""
    from agentxray.acquire.command import package_root, resolve_command
    from agentxray.acquire.pyscript import python_entry

    try:
        program, chain = resolve_command(command, path=path)
    except AgentXrayError:
        return None, None, None, []
    entry = python_entry(program, command)
    if entry is not None:  # a pip console script: the program is the package it imports
        name = re.sub(r"[-_.]+", "-", entry.distribution).lower() if entry.distribution else None
        return str(entry.package), name, entry.version, [*chain, str(entry.package)]
    root = package_root(program)
    manifest = _json(root / "package.json") if root else {}
    return str(program), manifest.get("name"), manifest.get("version"), list(chain)


def discover(
    *,
    home: Path,
    path: str,
    npm_roots: Sequence[Path],
    opt: Path = OPT,
) -> list[Installed]:
    """Every install of a :data:`KNOWN` agent under these places."""
    found: list[Installed] = []
    by_program: dict[str, Installed] = {}
    bins = [str(r.parent.parent / "bin") for r in npm_roots]
    opt_bins = [str(p) for g in ("*/bin", "*/*/bin") for p in sorted(opt.glob(g))]
    folders: dict[Path, str] = {}  # one entry per real folder (/bin is /usr/bin on merged-/usr)
    for folder in [*path.split(os.pathsep), *bins, *opt_bins]:
        if folder and Path(folder).is_dir():
            folders.setdefault(Path(folder).resolve(), folder)
    search = os.pathsep.join(folders.values())
    for agent in KNOWN:
        for root in npm_roots:
            for name in agent.npm:
                pkg = root / name
                manifest = _json(pkg / "package.json")
                if not manifest:
                    continue
                item = Installed(agent.name, "npm-global", name, manifest.get("version"), str(pkg))
                bins_of = manifest.get("bin")
                cmd = next(iter(bins_of), None) if isinstance(bins_of, dict) else None
                cmd = cmd or (agent.commands[0] if agent.commands else None)
                if cmd:
                    item.program = _resolve(cmd, str(root.parent.parent / "bin"))[0]
                found.append(item)
                if item.program:
                    by_program[item.program] = item
        for command in agent.commands:
            for folder in search.split(os.pathsep):
                if not folder or not (Path(folder) / command).exists():
                    continue
                program, package, version, chain = _resolve(command, folder)
                if program is None:
                    continue
                if program in by_program:
                    seen = by_program[program]
                    if chain[0] != seen.where and chain[0] not in seen.via:
                        seen.via.append(chain[0])
                    continue
                item = Installed(
                    agent.name, "command", package or command, version, chain[0], program
                )
                item.via = chain[1:-1]
                found.append(item)
                by_program[program] = item
        found += _extensions(agent, home)
        found += _apps(agent, home, opt)
    return found


def _extensions(agent: KnownAgent, home: Path) -> list[Installed]:
    out = []
    for rel in EXTENSION_DIRS:
        folder = home / rel
        if not agent.extensions or not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            m = _EXTENSION.match(entry.name.lower())
            if m is None or m.group(1) not in agent.extensions:
                continue
            manifest = _json(entry / "package.json")
            version = manifest.get("version") or m.group(2)
            out.append(Installed(agent.name, "extension", m.group(1), version, str(entry)))
    return out


def _apps(agent: KnownAgent, home: Path, opt: Path) -> list[Installed]:
    out = []
    for app in agent.apps:
        candidates = [opt / app, opt / app.title(), Path("/usr/share") / app]
        images = home / "Applications"
        if images.is_dir():
            candidates += [p for p in images.iterdir() if p.name.lower().startswith(app)]
        for path in candidates:
            if path.exists():
                manifest = _json(path / "resources/app/package.json")
                out.append(Installed(agent.name, "app", app, manifest.get("version"), str(path)))
    return out


def _version_key(version: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def attach_releases(items: Sequence[Installed], store: Any) -> None:
    """Fill each install's ``releases`` from the store's reports of its package."""
    from agentxray.store.reports import list_reports

    for item in items:
        if item.kind not in ("npm-global", "command"):
            continue
        rows = []
        for row in list_reports(store, package=item.package):
            if row.status != "ok" or not row.document:
                continue
            try:
                findings = json.loads(row.document).get("findings") or []
            except ValueError:
                continue
            severities: dict[str, int] = {}
            for f in findings:
                sev = str(f.get("severity", "?")) if isinstance(f, dict) else "?"
                severities[sev] = severities.get(sev, 0) + 1
            relation = "this"
            if item.version and row.version != item.version:
                newer = _version_key(row.version) > _version_key(item.version)
                relation = "newer" if newer else "older"
            rows.append(
                {"version": row.version, "relation": relation, "findings": len(findings),
                 "severities": severities}
            )  # fmt: skip
        item.releases = sorted(rows, key=lambda r: _version_key(r["version"]))


def register(sub: Any) -> None:
    """Add the ``inventory`` parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "inventory",
        help="list the coding agents installed on this machine and their real programs",
        description="Find the coding agents installed here (npm global packages, commands on "
        "PATH and in /opt, VS Code/Cursor extensions, app installs) without running them; "
        "follow each command to its real program and say which releases the store has "
        "findings for. Exit 0.",
    )
    p.add_argument("--store", help="the store (default: $AGENTXRAY_STORE or the usual one)")
    p.add_argument("--format", choices=("terminal", "json"), default="terminal")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``agentxray inventory``."""
    items = discover(
        home=Path.home(),
        path=os.environ.get("PATH", os.defpath),
        npm_roots=npm_global_roots(),
        opt=OPT,
    )
    from agentxray.store import default_store_path

    where = args.store or str(default_store_path())
    store_note = f"store: {where}"
    if "://" in where or Path(where).is_file():
        from agentxray.store.reports import open_store

        store = open_store(where)
        try:
            attach_releases(items, store)
        finally:
            store.close()
    else:
        store_note += " (none yet: `agentxray history npm:PKG` fills it)"
    if args.format == "json":
        doc = {
            "schema": "agentxray.inventory/1",
            "store": where,
            "agents": [asdict(i) for i in items],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    print(f"{len(items)} agent install(s) found; {store_note}")
    for item in items:
        print(f"{item.agent}  {item.package} {item.version or '?'}  [{item.kind}]")
        print(f"  found:   {item.where}" + (f" (also {', '.join(item.via)})" if item.via else ""))
        if item.program and item.program != item.where:
            print(f"  program: {item.program}")
        with_findings = [r for r in item.releases if r["findings"]]
        if with_findings:
            shown = ", ".join(
                f"{r['version']} ({r['relation']}: {r['findings']} findings"
                + "".join(f", {n} {s}" for s, n in sorted(r["severities"].items()))
                + ")"
                for r in with_findings[-6:]
            )
            print(f"  stored releases with findings: {shown}")
        elif item.releases:
            print(f"  stored releases: {len(item.releases)}, none with findings")
    return 0
