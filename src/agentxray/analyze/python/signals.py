"""Environment signals in Python: where code reads the user's region or identity."""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from agentxray.analyze.js.signals import env_kind
from agentxray.analyze.python.parse import ModuleIndex

logger = logging.getLogger(__name__)

REGION_KINDS = frozenset({"timezone", "tz-offset", "locale", "country"})
IDENTITY_KINDS = frozenset({"hostname", "username", "machine-id", "mac-address", "email"})
IDENTITY_KINDS |= {"endpoint"}

_CHAINS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p), kind, unit)
    for p, kind, unit in (
        (r"time\.tzname", "timezone", ""),
        (r"time\.(?:timezone|altzone)", "tz-offset", "seconds-west"),
        (r"time\.localtime\(\)\.tm_gmtoff", "tz-offset", "seconds-east"),
        (r"time\.localtime\(\)\.tm_zone", "timezone", ""),
        (
            r"datetime\.datetime\.(?:now|today)\(\)\.astimezone\(\)"
            r"(?:\.tzinfo(?:\.tzname\(\)|\.key)?|\.tzname\(\))",
            "timezone",
            "",
        ),
        (
            r"datetime\.datetime\.(?:now|today)\(\)\.astimezone\(\)\.utcoffset\(\)"
            r"(?:\.total_seconds\(\))?",
            "tz-offset",
            "seconds-east",
        ),
        (r"tzlocal\.get_localzone(?:_name)?\(\)", "timezone", ""),
        (r"dateutil\.tz\.tzlocal\(\)", "timezone", ""),
        (r"locale\.(?:getlocale|getdefaultlocale|setlocale)\(\)", "locale", ""),
        (r"socket\.(?:gethostname|getfqdn)\(\)|platform\.node\(\)", "hostname", ""),
        (r"(?:os|platform)\.uname\(\)\.(?:nodename|node)", "hostname", ""),
        (r"getpass\.getuser\(\)|os\.getlogin\(\)|pwd\.getpwuid\(\)\.pw_name", "username", ""),
        (r"uuid\.getnode\(\)", "mac-address", ""),
        (r"openai\.(?:base_url|api_base)", "endpoint", ""),
    )
)
_ENV_READS = frozenset({"os.environ.get", "os.getenv", "os.environ.__getitem__"})
GEO_HOSTS = (
    "ipinfo.io",
    "ip-api.com",
    "ipapi.co",
    "ipwho.is",
    "ipwhois.app",
    "ipgeolocation.io",
    "geojs.io",
    "country.is",
    "ipdata.co",
    "ipregistry.co",
    "ip2location.io",
    "db-ip.com",
    "geolocation-db.com",
    "freegeoip.app",
    "extreme-ip-lookup.com",
    "ifconfig.co",
)
"""IP-geolocation services: their JSON answers name the caller's country."""
GEO_KEYS = {
    "country": "country",
    "countryCode": "country",
    "country_code": "country",
    "country_code2": "country",
    "countryName": "country",
    "country_name": "country",
    "timezone": "timezone",
    "time_zone": "timezone",
}
_MACHINE_ID = ("/etc/machine-id", "/var/lib/dbus/machine-id")
HINTS = re.compile(
    "|".join(
        [
            r"environ|getenv|tzname|timezone|altzone|tm_gmtoff|tm_zone|astimezone|localzone",
            r"tzlocal|locale|gethostname|getfqdn|node|getuser|getlogin|getpwuid|getnode",
            r"machine-id|base_url|api_base|\bgit\b",
            *(re.escape(h) for h in GEO_HOSTS),
        ]
    )
)
"""Words without which a module reads no signal (a fast prefilter before the data flow)."""


@dataclass(frozen=True, slots=True)
class Signal:
    """An environment value: what it is and where it comes from."""

    kind: str
    """A region or identity kind, or an intermediate: ``url`` (parsed URL), ``ip-geo`` (an
    IP-geolocation answer), ``machine-id-file``, ``process`` (a subprocess result),
    ``identifier`` (a hash of identity signals)."""
    source: str
    """Where it is read: ``env:TZ``, ``time.timezone``, ``socket.gethostname()``…"""
    host: bool = False
    """The value is the host part of a URL read from ``source``."""
    unit: str = ""
    """For offsets: ``seconds-west`` (``time.timezone``) or ``seconds-east``."""
    hops: tuple[str, ...] = ()
    """Helper functions the value passed through."""

    @property
    def label(self) -> str:
        """Short text for reports: ``timezone``, ``host of env:ANTHROPIC_BASE_URL``."""
        if self.kind == "endpoint":
            return f"host of {self.source}" if self.host else self.source
        if self.source.startswith("env:"):
            return f"{self.kind} ({self.source})"
        return self.kind

    def via(self, name: str) -> Signal:
        """The same signal, having passed through function ``name``."""
        return replace(self, hops=(*self.hops, name)) if name not in self.hops else self


def python_env_kind(name: str) -> str | None:
    """The JS side's env-name classification, plus Python SDK spellings (``*_HOST``, proxies)."""
    kind = env_kind(name)
    if kind is not None:
        return kind
    upper = name.upper()
    if upper.endswith(("_HOST", "_API_BASE", "_ENDPOINT")) or upper in ("NO_PROXY",):
        return "endpoint" if upper != "NO_PROXY" else None
    return None


def chain(index: ModuleIndex, node: ast.AST) -> str | None:
    """``datetime.datetime.now().astimezone().tzinfo``: attribute/call chain, imports resolved."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Name):
            root = index.aliases.get(node.id, node.id)
            return root + "".join(reversed(parts))
        else:
            return None


def literal_str(node: ast.AST | None) -> str | None:
    """The value of a string constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


TextOf = Callable[[ast.AST], "str | None"]


def direct_signal(
    index: ModuleIndex, node: ast.AST, text_of: TextOf = literal_str
) -> Signal | None:
    """The signal ``node`` reads by itself (no data flow); ``text_of`` gives the string an
    argument stands for (a literal, or a value the safe evaluator decodes)."""
    if isinstance(node, ast.Subscript):
        if chain(index, node.value) == "os.environ":
            return _env(text_of(node.slice))
        return None
    if not isinstance(node, (ast.Attribute, ast.Call)):
        return None
    text = chain(index, node)
    if text is None:
        return None
    if isinstance(node, ast.Call):
        func = chain(index, node.func) or ""
        if func in _ENV_READS and node.args:
            return _env(text_of(node.args[0]))
        special = _call_signal(index, func, node, text_of)
        if special is not None:
            return special
    for pattern, kind, unit in _CHAINS:
        if pattern.fullmatch(text):
            return Signal(kind, _source(text), unit=unit)
    return None


def _env(name: str | None) -> Signal | None:
    kind = python_env_kind(name) if name else None
    return Signal(kind, f"env:{name}") if kind and name else None


def _source(text: str) -> str:
    return text.replace("datetime.datetime.", "datetime.")


def _url_prefix(node: ast.AST | None) -> str | None:
    """A literal URL, or the literal start of an f-string URL."""
    if isinstance(node, ast.JoinedStr) and node.values:
        return literal_str(node.values[0])
    return literal_str(node)


def _call_signal(index: ModuleIndex, func: str, node: ast.Call, text_of: TextOf) -> Signal | None:
    first = (_url_prefix(node.args[0]) or text_of(node.args[0])) if node.args else None
    if func in ("open", "io.open", "pathlib.Path", "Path") and first in _MACHINE_ID:
        return Signal("machine-id-file", first or "")
    if func.startswith(("requests.", "httpx.", "urllib.request.urlopen", "aiohttp.")) and first:
        host = re.sub(r"^\w+://", "", first).split("/", 1)[0].split(":")[0].lower()
        if any(host == h or host.endswith("." + h) for h in GEO_HOSTS):
            return Signal("ip-geo", host)
    if func.startswith(("subprocess.", "os.popen")) and node.args:
        arg = node.args[0]
        words: list[str] = []
        if isinstance(arg, (ast.List, ast.Tuple)):
            words = [w for e in arg.elts if (w := literal_str(e))]
        elif first:
            words = first.split()
        if "config" in words and any(w in ("user.email", "user.name") for w in words):
            kind = "email" if "user.email" in words else "username"
            return Signal(kind, "git config " + ("user.email" if kind == "email" else "user.name"))
    return None
