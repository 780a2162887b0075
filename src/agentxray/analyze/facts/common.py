"""Helpers shared by the fact extractors: known API names, locations and prefilter patterns."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from agentxray.model import Location

URL_BYTES = re.compile(rb"(?:https?|wss?)://[^\s\"'`<>\\{}|^]*")
URL_TEXT = re.compile(r"(?:https?|wss?)://[^\s\"'`<>\\{}|^]*")
TRAILING = ".,;:)]!?*"

#: Call names that read files (value of the fact: the path expression).
FILE_READ_CALLS = frozenset(
    {"readFile", "readFileSync", "createReadStream", "readFileAsync", "file", "open"}
)
#: Callees (last segment) that make network requests in JavaScript.
JS_NETWORK_CALLS = frozenset(
    {"fetch", "sendBeacon", "request", "XMLHttpRequest", "WebSocket", "EventSource"}
)
#: Fixed call names every JS extraction looks for, whatever the rules ask.
JS_FIXED_CALLS = frozenset(
    {
        "readFile",
        "readFileSync",
        "createReadStream",
        "fetch",
        "sendBeacon",
        "request",
        "XMLHttpRequest",
        "WebSocket",
        "EventSource",
        "eval",
        "Function",
        "spawn",
        "spawnSync",
        "execSync",
        "execFile",
        "execFileSync",
        # Writes and copies into a directory: what they put there travels with it.
        "writeFile",
        "writeFileSync",
        "appendFile",
        "appendFileSync",
        "copyFile",
        "copyFileSync",
    }
)


_DNS = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)$")
_IPV4 = re.compile(r"^(?:\d{1,3}\.){3}\d{1,3}$")


def host_of(url: str) -> str:
    """The lower-case host of a URL when it is a complete DNS name or IP address, else ``""``.

    Template fragments (``https://bedrock.${region}…`` cut to ``bedrock.``), regex sources
    (``https://(?:…``) and placeholders (``http://x``) have no real host and are not endpoints.
    """
    rest = url.split("://", 1)[-1]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    if authority.startswith("["):
        host = authority[1:].split("]", 1)[0] if "]" in authority else ""
        return host.lower() if host and ":" in host else ""
    host = authority.split(":", 1)[0].lower().rstrip(".")
    return host if _IPV4.match(host) or _DNS.match(host) else ""


def clean_url(raw: str) -> str:
    """Cut a URL at a template hole and drop trailing punctuation; ``""`` for a fragment.

    A URL whose host ends in a dot with nothing after it (``https://portal.sso.`` before a
    ``{Region}`` hole, ``http://ns.adobe.`` cut from a longer string) is a piece of a name
    built elsewhere, not an address: it has no host of its own.
    """
    for stop in ("$", "%s", "{"):
        cut = raw.find(stop)
        if cut != -1:
            raw = raw[:cut]
    rest = raw.split("://", 1)[-1]
    if rest.endswith(".") and not re.search(r"[/?#]", rest):
        return ""
    return raw.rstrip(TRAILING)


def literal_alternation(words: Iterable[str]) -> bytes:
    """A regex alternation of escaped literals, longest first (so prefixes do not win)."""
    ordered = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return b"|".join(re.escape(w.encode()) for w in ordered)


class LineIndex:
    """Byte offset → 1-based (line, column) in one file, by binary search over line starts."""

    def __init__(self, data: bytes) -> None:
        self.starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]

    def location(self, vpath: str, offset: int) -> Location:
        """A :class:`Location` for a byte offset."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return Location(vpath, line=i + 1, column=offset - self.starts[i] + 1, offset=offset)


# --- data-flow policy shared by the JavaScript and Python extractors -----------------------------

STRING_ROLES = frozenset({"destination", "target"})
"""Roles string literals are carried in: where a request goes (an API path), what a write
replaces (a file name); elsewhere a literal is not data about anyone."""
NETWORK_COMMANDS = re.compile(
    r"^(git\s+push|curl|wget|nc|ncat|scp|rsync|dig|nslookup|drill|kdig)\b"
)
"""Command lines that send data over the network: their arguments are a request's payload
(the name a DNS lookup tool asks for reaches whoever serves the zone; its answer is theirs)."""
PROSE_WINDOW = 160
"""Characters looked at either side of a URL to tell a sentence from a bare address."""
_PROSE = re.compile(r"[A-Za-z]{2,}[,.:;!?]?\s+\(?[A-Za-z]{2,}")
_FLAG = re.compile(r"(?:^|\s)--?[A-Za-z]")


def in_prose(before: str, after: str) -> bool:
    """True when a URL sits inside a sentence (``before`` and ``after`` it in one string).

    ``"Please use expo/fetch: https://docs.expo.dev/…"`` or ``"…described in
    https://tools.ietf.org/html/rfc7515"``: a message or help text the program prints, with a
    link for the reader; not an address the program requests. A command line (``curl -d @f
    https://…``) is not prose: its URL is contacted.
    """
    outside = f"{before} {after}"
    if NETWORK_COMMANDS.match(before.lstrip()) or _FLAG.search(outside):
        return False
    return _PROSE.search(outside) is not None


SECRET_NAMES = re.compile(r"(?i)(?<![a-z])(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)")
"""Words of a pattern that picks secret variables out of the environment."""
SECRET_FRAGMENT = re.compile(
    r"^(_[A-Z_]*(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)S?|(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)S?_?)$"
)
"""A string literal that names a class of secret variables (``_TOKEN``), not one variable."""
VERSIONISH = re.compile(r"(?i)version|latest|release|tag|etag|updated|modified|date|time|expir")
"""Fields of a stored response that describe it (an update check), not switches it sets."""


STANDARD_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "etag",
        "last-modified",
        "cache-control",
        "location",
        "retry-after",
        "date",
        "server",
        "age",
        "expires",
        "vary",
        "link",
        "www-authenticate",
        "x-ratelimit-remaining",
        "x-request-id",
    }
)
"""Headers that describe the transfer; a custom header's value is what the server decides."""
