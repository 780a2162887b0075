"""Environment signals in Python: where code reads the user's region or identity."""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from agentxray.analyze.js.signals import env_kind
from agentxray.analyze.python.network import (
    GEO_HOSTS,
    GEO_KEYS,
    geo_service,
    http_request,
    url_host,
)
from agentxray.analyze.python.parse import ModuleIndex

logger = logging.getLogger(__name__)

__all__ = [
    "GEO_HOSTS",
    "GEO_KEYS",
    "HINTS",
    "IDENTITY_KINDS",
    "REGION_KINDS",
    "Signal",
    "chain",
    "direct_signal",
    "literal_str",
    "python_env_kind",
]

REGION_KINDS = frozenset({"timezone", "tz-offset", "locale", "country"})
IDENTITY_KINDS = frozenset(
    {"hostname", "username", "machine-id", "mac-address", "email", "ip-address"}
)
IDENTITY_KINDS |= {"endpoint", "repository"}

_CHAINS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p), kind, unit)
    for p, kind, unit in (
        (r"time\.tzname", "timezone", ""),
        (r"time\.(?:timezone|altzone)", "tz-offset", "seconds-west"),
        (r"time\.(?:localtime|gmtime)\(\)\.tm_gmtoff", "tz-offset", "seconds-east"),
        (r"time\.localtime\(\)\.tm_zone", "timezone", ""),
        (
            r"datetime\.datetime\.(?:now|today|fromtimestamp)\(\)\.astimezone\(\)"
            r"(?:\.tzinfo(?:\.tzname\(\)|\.key)?|\.tzname\(\))",
            "timezone",
            "",
        ),
        (
            r"datetime\.datetime\.(?:now|today|fromtimestamp)\(\)\.astimezone\(\)"
            r"(?:\.utcoffset\(\)|\.tzinfo\.utcoffset\(\))(?:\.total_seconds\(\))?",
            "tz-offset",
            "seconds-east",
        ),
        (r"datetime\.datetime\.(?:now|today)\(\)\.astimezone\(\)\.tzinfo\.zone", "timezone", ""),
        (r"tzlocal\.get_localzone(?:_name)?\(\)", "timezone", ""),
        (r"dateutil\.tz\.(?:tzlocal|gettz)\(\)", "timezone", ""),
        (r"pendulum\.(?:local_timezone\(\)|now\(\)\.timezone_name)", "timezone", ""),
        (r"locale\.(?:getlocale|getdefaultlocale|setlocale)\(\)", "locale", ""),
        (r"locale\.(?:getpreferredencoding|getencoding)\(\)", "locale", ""),
        (
            r"ctypes\.windll\.kernel32\.Get(?:User|System)Default(?:UI)?(?:Language|LCID)\(\)",
            "locale",
            "lcid",
        ),
        (r"(?:babel\.)?(?:core\.)?Locale\.default\(\)", "locale", ""),
        (r"babel\.(?:core\.)?default_locale\(\)", "locale", ""),
        (r"socket\.(?:gethostname|getfqdn)\(\)|platform\.node\(\)", "hostname", ""),
        (r"(?:os|platform)\.uname\(\)\.(?:nodename|node)", "hostname", ""),
        (r"getpass\.getuser\(\)|os\.getlogin\(\)", "username", ""),
        (r"pwd\.getpwuid\(\)\.pw_(?:name|gecos)|pwd\.getpwnam\(\)\.pw_name", "username", ""),
        (r"pathlib\.Path\.home\(\)(?:\.name)?|Path\.home\(\)(?:\.name)?", "username", ""),
        (r"uuid\.getnode\(\)|getmac\.get_mac_address\(\)", "mac-address", ""),
        (r"(?:openai|anthropic)\.(?:base_url|api_base)", "endpoint", ""),
        (
            r"(?:openai|anthropic)\.(?:\w+\.)?(?:OpenAI|AsyncOpenAI|Anthropic|AsyncAnthropic)"
            r"\(\)\.base_url",
            "endpoint",
            "",
        ),
        (r"geocoder\.ip\(\)", "ip-geo", ""),
    )
)
_ENV_READS = frozenset(
    {"os.environ.get", "os.getenv", "os.environ.__getitem__", "os.environ.setdefault"}
    | {"os.environb.get", "os.getenvb"}
)
_FILES = {
    "/etc/machine-id": "machine-id",
    "/var/lib/dbus/machine-id": "machine-id",
    "/sys/class/dmi/id/product_uuid": "machine-id",
    "/sys/class/dmi/id/product_serial": "machine-id",
    "/sys/class/dmi/id/board_serial": "machine-id",
    "/etc/hostname": "hostname",
    "/proc/sys/kernel/hostname": "hostname",
    "/etc/timezone": "timezone",
    "/etc/localtime": "timezone",
    "/etc/locale.conf": "locale",
    "/etc/default/locale": "locale",
}
"""Files whose content (or link target, for ``/etc/localtime``) is a signal."""
_MAC_FILE = re.compile(r"^/sys/class/net/[^/]*/address$")
_COMMANDS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p), kind, source)
    for p, kind, source in (
        (r"\bgit\b.*\bconfig\b.*\buser\.email\b", "email", "git config user.email"),
        (r"\bgit\b.*\bconfig\b.*\buser\.name\b", "username", "git config user.name"),
        (
            r"\bgit\b.*(?:\bremote\b.*(?:\bget-url\b|\s-v\b)|\bconfig\b.*\bremote\.[\w.-]+\.url\b"
            r"|\bls-remote\b.*--get-url\b)",
            "repository",
            "git remote URL",
        ),
        (r"^(?:/bin/)?hostname(?: -[fsA])?$|^uname -n$", "hostname", "hostname command"),
        (r"^(?:/usr/bin/)?whoami$|^id -un$", "username", "whoami command"),
        (r"IOPlatformUUID|IOPlatformSerialNumber|MachineGuid|csproduct", "machine-id", ""),
        (r"machine-id", "machine-id", "machine-id"),
        (r"\bAppleLocale\b|\bAppleLanguages\b", "locale", "macOS locale setting"),
        (r"-gettimezone|timedatectl|readlink.*localtime", "timezone", "system timezone"),
    )
)
HINTS = re.compile(
    "|".join(
        [
            r"environ|getenv|tzname|timezone|altzone|tm_gmtoff|tm_zone|astimezone|localzone",
            r"tzlocal|locale|gethostname|getfqdn|node|getuser|getlogin|getpw|getnode|uname",
            r"machine-id|machine_id|base_url|api_base|\bgit\b|hostname|whoami|/etc/|/sys/",
            r"country|Country|strftime|Path\.home|get_mac|geocoder|utcoffset|tzinfo|%Z|%z",
            r"requests|httpx|urllib|aiohttp|http\.client|IOPlatform|MachineGuid|pendulum",
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
    IP-geolocation answer), ``http`` (any HTTP response), ``http-json`` (its body),
    ``http-headers``, ``file`` (an open signal file; ``unit`` says what reading it gives),
    ``identifier`` (a hash of identity signals), ``param`` (a function parameter, when looking
    for what a function sends). ``repository`` is the git remote of the user's project (whose
    organisation it is)."""
    source: str
    """Where it is read: ``env:TZ``, ``time.timezone``, ``socket.gethostname()``…"""
    host: bool = False
    """The value is the host part of a URL read from ``source``."""
    unit: str = ""
    """For offsets: ``seconds-west`` (``time.timezone``), ``seconds-east``, ``minutes-east``,
    ``hours-west``…, or ``text`` (``+0800``); for ``file``: the kind its content is."""
    hops: tuple[str, ...] = ()
    """Helper functions the value passed through."""
    table: ast.expr | None = None
    """The value is the entry a constant dictionary (this expression) gives for the signal
    (``BANDS.get(offset)``): a value it is compared with stands for the keys mapping to it."""

    @property
    def label(self) -> str:
        """Short text for reports: ``timezone``, ``host of env:ANTHROPIC_BASE_URL``."""
        if self.kind == "endpoint":
            return f"host of {self.source}" if self.host else self.source
        if self.kind == "identifier":
            return f"hash of the {self.source}"
        if self.kind == "repository":
            return "git remote of the user's repository"
        if self.kind in ("http", "http-json", "http-headers", "ip-geo"):
            return f"answer of {self.source}"
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
    if upper == "NO_PROXY":
        return None
    if upper.endswith(("_HOST", "_API_BASE", "_ENDPOINT", "_PROXY", "_BASE", "_API_URL")):
        return "endpoint"
    if upper in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"):
        return "locale"
    if upper in ("USERDOMAIN", "USERDNSDOMAIN"):
        return "hostname"
    return None


def chain(index: ModuleIndex, node: ast.AST, depth: int = 0) -> str | None:
    """``datetime.datetime.now().astimezone().tzinfo``: attribute/call chain, imports resolved,
    and local aliases followed (``env = os.environ``; ``E.get`` after ``from os import environ
    as E``; ``client.base_url`` after ``client = OpenAI()``)."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Name):
            root = index.aliases.get(node.id)
            if root is None and depth < 3 and node.id not in ("self", "cls"):
                bound, _ = index.lookup(node.id, node)
                if len(bound) == 1 and isinstance(bound[0], (ast.Attribute, ast.Name, ast.Call)):
                    root = chain(index, bound[0], depth + 1)
            return (root or node.id) + "".join(reversed(parts))
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
        if chain(index, node.value) in ("os.environ", "os.environb"):
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


def file_kind(path: str) -> str | None:
    """What reading the file at ``path`` tells (``/etc/machine-id`` → ``machine-id``)."""
    if _MAC_FILE.match(path):
        return "mac-address"
    return _FILES.get(path)


def command_signal(words: list[str]) -> Signal | None:
    """What a command's output tells (``git config user.email`` → ``email``)."""
    line = " ".join(words)
    for pattern, kind, source in _COMMANDS:
        if pattern.search(line):
            return Signal(kind, source or line[:60])
    return None


def _call_signal(index: ModuleIndex, func: str, node: ast.Call, text_of: TextOf) -> Signal | None:
    first = (_url_prefix(node.args[0]) or text_of(node.args[0])) if node.args else None
    if func in ("open", "io.open", "pathlib.Path", "Path", "codecs.open") and first:
        kind = file_kind(first)
        if kind is not None:
            return Signal("file", first, unit=kind)
    if func == "socket.gethostbyname" and node.args:
        inner = chain(index, node.args[0]) or ""
        if inner in ("socket.gethostname()", "socket.getfqdn()", "platform.node()"):
            return Signal("ip-address", "local IP address")
    if func in ("os.readlink", "os.path.realpath") and first == "/etc/localtime":
        return Signal("timezone", f"{func}('/etc/localtime')")
    if func in ("time.strftime",) or func.endswith(".astimezone().strftime"):
        fmt = first or ""
        if fmt.strip() in ("%Z", "%z"):
            kind = "timezone" if fmt.strip() == "%Z" else "tz-offset"
            return Signal(
                kind, f"strftime('{fmt.strip()}')", unit="text" if kind != "timezone" else ""
            )
    url = http_request(index, node, text_of)
    if url is not None:
        if geo_service(url):
            return Signal("ip-geo", url_host(url) or url)
        return Signal("http", url_host(url) or "an HTTP endpoint")
    if func.startswith(("subprocess.", "os.popen", "os.system")) and node.args:
        words = command_words(node.args[0], text_of)
        return command_signal(words) if words else None
    return None


def command_words(arg: ast.AST, text_of: TextOf) -> list[str]:
    """The words of a command line: a list's items (``*args`` and parameters as ``text_of``
    gives them) or a string's words (as far as known: an f-string's literal start)."""
    if isinstance(arg, (ast.List, ast.Tuple)):
        return [w for e in arg.elts if (t := literal_str(e) or text_of(e)) for w in t.split()]
    text = text_of(arg) or _url_prefix(arg)
    return text.split() if text else []
