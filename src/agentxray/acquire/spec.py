"""Parse what the user typed (``npm:…``, ``pypi:…``, ``cmd:…`` or a path) into a TargetSpec."""

from __future__ import annotations

import difflib
import logging
import re
from pathlib import Path

from agentxray.acquire.platforms import valid_platform
from agentxray.errors import UsageError
from agentxray.model import TargetSpec

logger = logging.getLogger(__name__)

_NPM_NAME = re.compile(r"^(?:@[a-z0-9][\w.~-]*/)?[a-z0-9][\w.~-]*$", re.IGNORECASE)
_PYPI_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_CMD_NAME = re.compile(r"^[^/\s\x00]+$")
_PYPI_EXTRA = re.compile(r"\[[^\]]*\]")


def parse_spec(text: str, *, platform: str | None = None) -> TargetSpec:
    """``npm:NAME[@VERSION|@TAG|@RANGE]``, ``pypi:NAME[==VERSION]``, ``cmd:NAME`` or a local path."""
    raw = text.strip()
    if not raw:
        raise UsageError("empty target", hint="Give npm:NAME, pypi:NAME, cmd:NAME or a path.")
    if platform is not None and not valid_platform(platform):
        raise UsageError(
            f"unknown platform {platform!r}",
            hint="Use os-cpu as npm spells them, e.g. linux-x64, linux-arm64, darwin-arm64, win32-x64.",
        )
    scheme, sep, rest = raw.partition(":")
    if sep and scheme == "npm":
        return _npm(raw, rest.strip(), platform)
    if sep and scheme == "pypi":
        return _pypi(raw, rest.strip(), platform)
    if sep and scheme == "cmd":
        name = rest.strip()
        if not _CMD_NAME.match(name):
            raise UsageError(f"bad command name in {raw!r}", hint="Use cmd:NAME, e.g. cmd:claude.")
        return TargetSpec(raw=raw, kind="command", name=name, platform=platform)
    if sep and _SCHEME.match(scheme) and not Path(raw).exists():
        raise _unknown_scheme(raw, scheme, rest)
    return TargetSpec(raw=raw, kind="path", name=raw, platform=platform)


#: The schemes a target may start with.
SCHEMES = ("npm", "pypi", "cmd")
#: Words people type for a scheme, and the scheme they mean.
_SCHEME_ALIASES = {
    "node": "npm",
    "npmjs": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "pip": "pypi",
    "py": "pypi",
    "pypy": "pypi",
    "python": "pypi",
    "pip3": "pypi",
    "command": "cmd",
    "bin": "cmd",
    "exe": "cmd",
    "which": "cmd",
}
#: What a scheme looks like: two or more letters (one letter is a Windows drive, ``C:\x``).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+$")


def suggest_scheme(scheme: str) -> str | None:
    """The scheme ``scheme`` is probably a typo or another name of (``npn`` → ``npm``), if any."""
    word = scheme.lower()
    if word in SCHEMES:
        return word
    if word in _SCHEME_ALIASES:
        return _SCHEME_ALIASES[word]
    close = difflib.get_close_matches(word, [*SCHEMES, *_SCHEME_ALIASES], n=1, cutoff=0.6)
    if close:
        return _SCHEME_ALIASES.get(close[0], close[0])
    # One edit away on a three-letter scheme (``nmp``, ``cmf``) scores 0.67 above, but a
    # swapped pair in a short word can score lower: try the transpositions too.
    for i in range(len(word) - 1):
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if swapped in SCHEMES:
            return swapped
    return None


def _unknown_scheme(raw: str, scheme: str, rest: str) -> UsageError:
    """The error for ``scheme:rest`` when ``scheme`` is not one agentxray knows."""
    if scheme.lower() in ("http", "https", "ftp", "git", "ssh"):
        return UsageError(
            f"URLs are not targets: {raw!r}",
            hint="Download the file and give its path, or name the package (npm:NAME, pypi:NAME).",
        )
    usage = "Targets are npm:NAME, pypi:NAME, cmd:NAME or a path."
    guess = suggest_scheme(scheme)
    hint = f"Did you mean {guess}:{rest}? {usage}" if guess else usage
    return UsageError(f"unknown target scheme {scheme + ':'!r} in {raw!r}", hint=hint)


def _npm(raw: str, rest: str, platform: str | None) -> TargetSpec:
    at = rest.find("@", 1)  # a leading @ starts a scope, not a version
    name, version = (rest, None) if at < 0 else (rest[:at], rest[at + 1 :].strip() or None)
    if not _NPM_NAME.match(name):
        raise UsageError(
            f"bad npm package name in {raw!r}",
            hint="Use npm:NAME or npm:@scope/name, optionally @VERSION, @TAG or @RANGE.",
        )
    return TargetSpec(raw=raw, kind="npm", name=name, version=version, platform=platform)


def _pypi(raw: str, rest: str, platform: str | None) -> TargetSpec:
    name, sep, version = rest.partition("==")
    name = _PYPI_EXTRA.sub("", name).strip()
    if any(op in name for op in ("<", ">", "~=", "!=", "@")) or not _PYPI_NAME.match(name):
        raise UsageError(
            f"bad PyPI target {raw!r}",
            hint="Use pypi:NAME or pypi:NAME==VERSION (exact versions only).",
        )
    version = version.strip()
    if sep and not version:
        raise UsageError(f"missing version after == in {raw!r}", hint="Use pypi:NAME==VERSION.")
    return TargetSpec(raw=raw, kind="pypi", name=name, version=version or None, platform=platform)
