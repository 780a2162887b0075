"""Installed commands: follow PATH, symlinks, shell and Node wrappers and npm's layout to the real program.

Nothing found is ever executed; wrappers are read as text (a few KiB at most).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

from agentxray.acquire.local import sha256_file, sniff_format
from agentxray.acquire.platforms import fallbacks, host_platform, platform_suffix, same_family
from agentxray.acquire.pyscript import python_entry
from agentxray.errors import TargetNotFound
from agentxray.model import Artifact, TargetSpec

logger = logging.getLogger(__name__)

MAX_HOPS = 8
_SCRIPT_MAX = 64 * 1024
_INTERPRETERS = re.compile(r"^(node|nodejs|bun|deno|python[\d.]*|sh|bash|env)(\.exe)?$")
_BASEDIR_REF = re.compile(r"""\$\{?basedir\}?/([^"'\s]+)""")
_SKIP_FILES = {"package.json", "README.md", "LICENSE", "LICENSE.md", "CHANGELOG.md"}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def package_root(path: Path) -> Path | None:
    """The npm package folder ``path`` lies in (nearest ``package.json`` below ``node_modules``)."""
    for parent in path.parents:
        if parent.name == "node_modules" or parent == parent.parent:
            return None
        if (parent / "package.json").is_file():
            return parent
    return None


def _installed(dep: str, root: Path) -> Path | None:
    """Where Node's resolution would find ``dep`` starting at package ``root``."""
    for base in (root, *root.parents):
        candidate = base / "node_modules" / dep
        if (candidate / "package.json").is_file():
            return candidate
    return None


def _platform_deps(root: Path, manifest: dict[str, Any]) -> dict[str, Path]:
    """Installed optional dependencies of the same family that are platform builds."""
    found: dict[str, Path] = {}
    optional = manifest.get("optionalDependencies")
    name = str(manifest.get("name", ""))
    if not isinstance(optional, dict):
        return found
    bins = manifest.get("bin")
    bin_names = tuple(str(k) for k in bins) if isinstance(bins, dict) else ()
    for dep, spec in optional.items():
        plat = platform_suffix(str(dep))
        target = str(spec)[4:].rpartition("@")[0] if str(spec).startswith("npm:") else ""
        if not plat or not same_family(name, str(dep), target, bin_names):
            continue
        where = _installed(str(dep), root)
        if where is not None:
            found[plat] = where
    return found


def _files_under(root: Path, *, limit: int) -> list[Path]:
    """Regular files below ``root`` (symlinks not followed), sorted, at most ``limit``."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if not path.is_symlink() and path.is_file():
                found.append(path)
            if len(found) >= limit:
                return found
    return found


def _program_in(pkg: Path, command: str, hint: str) -> Path | None:
    """The executable a platform package ships: its ``bin``, a file named like the command, or the largest."""
    manifest = _read_json(pkg / "package.json")
    bins = manifest.get("bin")
    if isinstance(bins, str):
        bins = {command: bins}
    if isinstance(bins, dict) and bins:
        rel = bins.get(command) or next(iter(bins.values()))
        target = (pkg / str(rel)).resolve()
        if target.is_file() and target.is_relative_to(pkg.resolve()):
            return target
    names = {command, hint, hint.removesuffix(".exe"), command + ".exe"}
    largest: tuple[int, Path | None] = (-1, None)
    for path in _files_under(pkg, limit=5000):
        if path.name in _SKIP_FILES:
            continue
        if path.name in names:
            return path
        size = path.stat().st_size
        if size > largest[0]:
            largest = (size, path)
    return largest[1]


def _follow_npm(real: Path, command: str, plat: str) -> Path | None:
    root = package_root(real)
    if root is None:
        return None
    builds = _platform_deps(root, _read_json(root / "package.json"))
    if not builds:
        return None
    choice = next((builds[p] for p in fallbacks(plat) if p in builds), None)
    if choice is None:
        choice = builds[sorted(builds)[0]]
        logger.warning("no %s build installed next to %s; using %s", plat, root, choice.name)
    return _program_in(choice, command, real.name)


def _exec_targets(text: str) -> list[Path]:
    """Absolute paths named on the script's ``exec`` lines."""
    found: list[Path] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("exec "):
            continue
        try:
            tokens = shlex.split(stripped, comments=True)
        except ValueError:
            continue
        found += [Path(tok) for tok in tokens[1:] if tok.startswith("/")]
    return found


def _follow_script(real: Path) -> Path | None:
    """The program a small shell wrapper execs, if it is one."""
    try:
        if real.stat().st_size > _SCRIPT_MAX:
            return None
        head = real.read_bytes()
    except OSError:
        return None
    if not head.startswith(b"#!") or b"\x00" in head:
        return None
    text = head.decode("utf-8", errors="replace")
    first = text.splitlines()[0]
    if re.search(r"\b(node|nodejs|bun|deno)\b", first):
        return None  # a JavaScript program itself (its package is checked separately)
    if not re.search(r"\b(sh|bash|dash|zsh|ksh)\b", first):
        return None
    candidates: list[Path] = [real.parent / str(m) for m in _BASEDIR_REF.findall(text)]
    candidates += _exec_targets(text)
    for candidate in reversed(candidates):
        if _INTERPRETERS.match(candidate.name):
            continue
        if candidate.is_file() and candidate.resolve() != real:
            return candidate
    return None


def resolve_command(
    name: str, *, path: str | None = None, platform: str | None = None
) -> tuple[Path, tuple[str, ...]]:
    """The real program behind command ``name`` and the chain of files that led there."""
    found = shutil.which(
        name, path=path if path is not None else os.environ.get("PATH", os.defpath)
    )
    if found is None:
        raise TargetNotFound(
            f"command {name!r} is not on PATH",
            hint="Install it, or point at the program's file or package instead.",
        )
    plat = platform or host_platform()
    chain = [found]
    current = Path(found)
    for _ in range(MAX_HOPS):
        real = current.resolve()
        if str(real) != chain[-1]:
            chain.append(str(real))
        nxt = _follow_npm(real, name, plat) or _follow_script(real)
        if nxt is None or nxt.resolve() == real:
            return real, tuple(chain)
        current = nxt
    logger.warning("stopped following %s after %d hops", name, MAX_HOPS)
    return current.resolve(), tuple(chain)


def acquire_command(spec: TargetSpec) -> Artifact:
    """Describe the program an installed command really runs."""
    program, chain = resolve_command(spec.name, platform=spec.platform)
    entry = python_entry(program, spec.name)
    if entry is not None:
        is_dir = entry.package.is_dir()
        return Artifact(
            spec=spec,
            path=entry.package,
            format="directory" if is_dir else "file",
            name=entry.distribution or entry.package.name,
            version=entry.version,
            sha256=None if is_dir else sha256_file(entry.package),
            via=(*chain, str(entry.package)),
        )
    root = package_root(program)
    manifest = _read_json(root / "package.json") if root else {}
    pkg_name = str(manifest.get("name") or "")
    version = str(manifest.get("version") or "") or None
    plat = platform_suffix(root.name) if root else None
    plat = plat or (platform_suffix(version) if version else None)
    return Artifact(
        spec=spec,
        path=program,
        format=sniff_format(program),
        name=pkg_name or program.name,
        version=version,
        platform=plat,
        sha256=sha256_file(program),
        via=chain,
    )
