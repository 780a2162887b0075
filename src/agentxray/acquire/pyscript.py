"""Python console scripts (pip's entry-point wrappers): find the installed package they run.

Read as text only: nothing is imported, so no code of the target runs.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

_SCRIPT_MAX = 16 * 1024
_FROM_IMPORT = re.compile(r"^from ([A-Za-z_]\w*)(?:\.[\w.]+)? import \w+", re.MULTILINE)
_SHEBANG = re.compile(r"^#!\s*(\S+)(?:\s+(\S+))?")


@dataclass(frozen=True, slots=True)
class PythonEntry:
    """The package behind a console script."""

    package: Path
    """The import package's folder (or its single module file) in site-packages."""
    distribution: str | None
    """Distribution name from the ``.dist-info`` declaring the command, when found."""
    version: str | None
    """Its version."""


def _interpreter(first_line: str) -> Path | None:
    match = _SHEBANG.match(first_line)
    if match is None:
        return None
    prog, arg = match.group(1), match.group(2)
    if Path(prog).name == "env" and arg:
        found = shutil.which(arg)
        return Path(found) if found else None
    return Path(prog) if "python" in Path(prog).name else None


def _site_dirs(interpreter: Path) -> list[Path]:
    roots = [interpreter.parent.parent]  # a venv's root, without resolving its python symlink
    with contextlib.suppress(OSError):
        roots.append(interpreter.resolve().parent.parent)
    roots += [Path.home() / ".local", Path("/usr/local"), Path("/usr")]
    dirs: list[Path] = []
    for root in dict.fromkeys(roots):
        for pattern in (
            "lib/python3*/site-packages",
            "lib/python3*/dist-packages",
            "lib/python3/dist-packages",
        ):
            dirs += sorted(root.glob(pattern))
    return dirs


def _distribution(site: Path, command: str) -> tuple[str | None, str | None]:
    pattern = re.compile(rf"^\s*{re.escape(command)}\s*=", re.MULTILINE)
    for info in sorted(site.glob("*.dist-info")):
        try:
            text = (info / "entry_points.txt").read_text("utf-8", errors="replace")
        except OSError:
            continue
        if pattern.search(text):
            name, _, version = info.name.removesuffix(".dist-info").partition("-")
            return name, version or None
    return None, None


def python_entry(script: Path, command: str) -> PythonEntry | None:
    """The installed package a pip console script imports its entry point from, if it is one."""
    try:
        if script.stat().st_size > _SCRIPT_MAX:
            return None
        text = script.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None
    if not text.startswith("#!") or "\x00" in text:
        return None
    interpreter = _interpreter(text.splitlines()[0])
    module = _FROM_IMPORT.search(text)
    if interpreter is None or module is None:
        return None
    top = module.group(1)
    for site in _site_dirs(interpreter):
        for candidate in (site / top, site / f"{top}.py"):
            if candidate.exists() and not candidate.is_symlink():
                name, version = _distribution(site, command)
                return PythonEntry(candidate, name, version)
    logger.info("%s imports %s, which is not in any site-packages found", script, top)
    return None
