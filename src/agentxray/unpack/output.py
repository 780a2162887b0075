"""The output folder: refuse to clobber foreign files, build in a sibling folder, then move in.

A run writes into a fresh hidden sibling ``.<name>.<random>.partial`` and moves its content into
the output folder only when it succeeded, so a failed run leaves no half-written output. The
output folder may be missing, empty, or an earlier agentxray output (which is replaced).
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

from agentxray.errors import UsageError
from agentxray.unpack.manifest import is_previous_output

logger = logging.getLogger(__name__)


def _check(dest: Path) -> None:
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        raise UsageError(f"the output {dest} exists and is not a folder")
    if any(dest.iterdir()) and not is_previous_output(dest):
        raise UsageError(
            f"the output folder {dest} is not empty and is not an earlier agentxray output",
            hint="Choose another -o folder or empty this one.",
        )


def prepare(dest: Path, source: Path | None = None) -> tuple[Path, Path]:
    """Check ``dest`` and make the work folder; returns (absolute dest, work folder).

    ``source`` is the artifact: when it is a folder, ``dest`` must not lie inside it (the walk
    would read its own output).
    """
    dest = Path(os.path.abspath(dest))
    if dest.is_symlink():
        dest = dest.resolve()
    if source is not None and source.is_dir():
        inside = source.resolve()
        if dest.resolve() == inside or inside in dest.resolve().parents:
            raise UsageError(
                f"the output folder {dest} is inside the folder being unpacked, {source}",
                hint="Choose an -o folder outside it.",
            )
    _check(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    return dest, work


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def install(work: Path, dest: Path) -> None:
    """Move the finished ``work`` folder's content into ``dest`` (replacing an earlier output)."""
    _check(dest)
    if dest.exists():
        for child in dest.iterdir():
            _remove(child)
    else:
        dest.mkdir()
    for child in work.iterdir():
        os.rename(child, dest / child.name)
    work.rmdir()
