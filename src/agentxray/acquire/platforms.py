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
_VARIANT = r"(?:baseline-)?(?:musl|gnu|glibc|android|msvc)|baseline"
PLATFORM_RE = re.compile(
    r"(?P<os>" + "|".join(NODE_OS) + r")-(?P<cpu>" + "|".join(NODE_CPU) + r")"
    r"(?:-(?P<variant>" + _VARIANT + r"))?"
)
#: A package or version name ending with a platform, e.g. ``claude-code-linux-x64-musl``;
#: ``windows`` is accepted for ``win32`` (some publishers spell it so).
PLATFORM_SUFFIX_RE = re.compile(
    r"[-./](?P<plat>(?P<os>"
    + "|".join((*NODE_OS, "windows"))
    + r")-(?:"
    + "|".join(NODE_CPU)
    + r")(?:-(?:"
    + _VARIANT
    + r"))?)$"
)


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


def split_platform(name: str) -> tuple[str, str] | None:
    """(base name, platform) of a name ending with a platform: ``opencode-windows-x64`` →
    (``opencode``, ``win32-x64``); None when it does not end with one."""
    match = PLATFORM_SUFFIX_RE.search(name)
    if match is None:
        return None
    plat = match.group("plat")
    if match.group("os") == "windows":
        plat = "win32" + plat[len("windows") :]
    return name[: match.start()], plat


def platform_suffix(name: str) -> str | None:
    """The platform a package or version name ends with, if any."""
    split = split_platform(name)
    return split[1] if split else None


def same_family(top: str, dep: str, target: str = "", bins: tuple[str, ...] = ()) -> bool:
    """Whether optional dependency ``dep`` (aliasing ``target``) is a platform build of ``top``.

    ``@anthropic-ai/claude-code-linux-x64`` is one of ``@anthropic-ai/claude-code``,
    ``@esbuild/linux-x64`` one of ``esbuild``, ``opencode-linux-x64`` one of ``opencode-ai``
    (whose command is ``opencode``); ``@img/sharp-linux-x64``, an image library some versions
    depend on, is not one of ``@anthropic-ai/claude-code``.
    """
    split = split_platform(dep)
    if split is None:
        return False
    base = split[0].rstrip("-./")
    bare_top = top.rsplit("/", 1)[-1]
    bare_base = base.rsplit("/", 1)[-1]
    if target == top or base in (top, "@" + bare_top):
        return True
    same_scope = top.partition("/")[0] == base.partition("/")[0] if "/" in top else "/" not in base
    return (
        same_scope
        and bool(bare_base)
        and (bare_base in bins or bare_top.startswith(bare_base + "-"))
    )


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
