"""Platform names as npm packages spell them (``linux-x64``, ``darwin-arm64``, ``linux-x64-musl``…)."""

from __future__ import annotations

import glob
import logging
import platform
import re
import sys
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)

_OS = {"linux": "linux", "darwin": "darwin", "win32": "win32", "cygwin": "win32"}
_CPU = {
    "x86_64": "x64",
    "amd64": "x64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "ia32",
    "i686": "ia32",
    "x86": "ia32",
    "armv7l": "arm",
    "armv6l": "arm",
    "ppc64le": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loong64",
}
NODE_OS = ("linux", "darwin", "win32", "freebsd", "openbsd", "netbsd", "sunos", "aix", "android")
NODE_CPU = ("x64", "arm64", "ia32", "arm", "ppc64", "s390x", "riscv64", "loong64", "mips64el")
PLATFORM_RE = re.compile(
    r"(?P<os>" + "|".join(NODE_OS) + r")-(?P<cpu>" + "|".join(NODE_CPU) + r")"
    r"(?:-(?P<variant>musl|gnu|glibc|android|msvc|baseline))?"
)
#: A package or version name ending with a platform, e.g. ``claude-code-linux-x64-musl``.
PLATFORM_SUFFIX_RE = re.compile(r"[-.](" + PLATFORM_RE.pattern + r")$")


def is_musl() -> bool:
    """Whether this Linux host's C library is musl."""
    if not sys.platform.startswith("linux"):
        return False
    libc, _ = platform.libc_ver()
    if libc == "glibc":
        return False
    return bool(glob.glob("/lib/ld-musl-*.so.1"))


def host_platform() -> str:
    """This machine in npm's terms, e.g. ``linux-x64`` or ``linux-arm64-musl``."""
    os_name = _OS.get(sys.platform, sys.platform)
    if os_name.startswith("freebsd"):
        os_name = "freebsd"
    machine = platform.machine().lower()
    cpu = _CPU.get(machine, machine)
    name = f"{os_name}-{cpu}"
    return name + "-musl" if is_musl() else name


def valid_platform(text: str) -> bool:
    """Whether ``text`` is a platform name such as ``darwin-arm64``."""
    return PLATFORM_RE.fullmatch(text) is not None


def platform_suffix(name: str) -> str | None:
    """The platform a package or version name ends with, if any."""
    match = PLATFORM_SUFFIX_RE.search(name)
    return match.group(1) if match else None


def manifest_allows(manifest: Mapping[str, Any], plat: str) -> bool:
    """Whether a manifest's ``os``/``cpu`` fields (npm semantics, ``!`` negates) admit ``plat``."""
    match = PLATFORM_RE.fullmatch(plat)
    if match is None:
        return True
    for field_name, value in (("os", match.group("os")), ("cpu", match.group("cpu"))):
        allowed = manifest.get(field_name)
        if not isinstance(allowed, list) or not allowed:
            continue
        entries = [str(a) for a in allowed]
        if f"!{value}" in entries:
            return False
        positives = [a for a in entries if not a.startswith("!")]
        if positives and value not in positives:
            return False
    return True


def fallbacks(plat: str) -> tuple[str, ...]:
    """``plat`` then looser variants (``linux-x64-musl`` → ``linux-x64``)."""
    match = PLATFORM_RE.fullmatch(plat)
    if match is None or not match.group("variant"):
        return (plat,)
    return (plat, f"{match.group('os')}-{match.group('cpu')}")
