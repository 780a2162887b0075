"""Local targets: a directory, an archive, an ``.asar``, a source file or an executable on disk."""

from __future__ import annotations

import hashlib
import logging
import re
import tarfile
from pathlib import Path

from agentxray.errors import TargetError, TargetNotFound
from agentxray.model import Artifact, ArtifactFormat, TargetSpec

logger = logging.getLogger(__name__)

_SDIST_NAME = re.compile(r"^[A-Za-z0-9][\w.]*-\d[\w.+!-]*\.tar\.gz$")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in large blocks by hashlib's C code."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _tar_format(path: Path) -> ArtifactFormat:
    """``npm-tarball`` when the first member lives under ``package/``; ``sdist`` for a Python sdist."""
    first = ""
    try:
        with tarfile.open(path, "r:*") as archive:
            member = archive.next()
            first = member.name if member is not None else ""
    except (tarfile.TarError, OSError, EOFError) as exc:
        logger.debug("cannot peek into %s: %s", path, exc)
    if first.startswith(("package/", "./package/")):
        return "npm-tarball"
    if _SDIST_NAME.match(path.name):
        return "sdist"
    return "npm-tarball"


def sniff_format(path: Path) -> ArtifactFormat:
    """The container format of a local file, from its name and its first bytes."""
    name = path.name.lower()
    with open(path, "rb") as handle:
        head = handle.read(16)
    if name.endswith(".whl"):
        return "wheel"
    if name.endswith(".asar"):
        return "asar"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if name.endswith((".zip", ".vsix", ".jar", ".xpi", ".crx")):
        return "zip"
    if head.startswith(b"\x1f\x8b") or name.endswith((".tgz", ".tar.gz", ".tar")):
        return _tar_format(path)
    return "file"


def acquire_path(spec: TargetSpec) -> Artifact:
    """Describe a file or directory the user pointed at."""
    path = Path(spec.name).expanduser()
    if not path.exists():
        if path.is_symlink():  # exists() follows the link: broken, or a loop (ELOOP)
            raise TargetNotFound(
                f"{spec.name} is a symbolic link that leads nowhere (broken or a loop)",
                hint="Point at the file or folder itself.",
            )
        hint = "Check the path."
        if ":" not in spec.name and "/" not in spec.name:
            hint = (
                f"Did you mean npm:{spec.name}, pypi:{spec.name} or cmd:{spec.name}? "
                "Plain names are taken as paths."
            )
        raise TargetNotFound(f"no such file or directory: {spec.name}", hint=hint)
    path = path.resolve()
    if path.is_dir():
        return Artifact(spec=spec, path=path, format="directory", name=path.name)
    if not path.is_file():
        raise TargetNotFound(f"{spec.name} is neither a regular file nor a directory")
    try:
        fmt = sniff_format(path)
        digest = sha256_file(path)
    except PermissionError:
        raise TargetNotFound(f"cannot read {spec.name}: permission denied") from None
    except OSError as exc:  # e.g. EIO from a failing disk or a special file like /proc/self/mem
        raise TargetError(f"cannot read {spec.name}: {exc.strerror or exc}") from None
    return Artifact(spec=spec, path=path, format=fmt, name=path.name, sha256=digest)
