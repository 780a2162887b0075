"""HTTP in Python code: requests that return a response (whose JSON or headers may name the
user's country), client objects (sessions, connections) and calls that send data out."""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Callable

from agentxray.analyze.python.interpret import fields_of, receiver_class
from agentxray.analyze.python.parse import ModuleIndex

logger = logging.getLogger(__name__)

GEO_HOSTS = (
    "ipinfo.io",
    "ip-api.com",
    "ipapi.co",
    "ipapi.com",
    "ipwho.is",
    "ipwhois.app",
    "ipwhois.io",
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
    "ipstack.com",
    "iplocation.net",
    "myip.com",
    "ip.sb",
    "ipapi.is",
    "ipinfo.in",
    "geoplugin.net",
    "keycdn.com",
)
"""IP-geolocation services: their JSON answers name the caller's country."""
GEO_KEYS = {
    "country": "country",
    "countryCode": "country",
    "country_code": "country",
    "country_code2": "country",
    "country_code_iso3": "country",
    "countryName": "country",
    "country_name": "country",
    "country_iso": "country",
    "timezone": "timezone",
    "time_zone": "timezone",
}
"""Keys of IP-geolocation answers and what they name."""
COUNTRY_KEYS = frozenset(k for k, v in GEO_KEYS.items() if v == "country")
"""Keys that name a country in any HTTP JSON answer (not only an IP-geolocation service's)."""
_HEADER_COUNTRY = re.compile(r"country|geo-?ip|ip-?geo", re.I)
_HEADER_ZONE = re.compile(r"time-?zone|\btz\b", re.I)
_HTTP_MODULES = ("requests.", "httpx.", "aiohttp.", "urllib3.", "niquests.", "treq.")
_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "request", "options"})
_VERBS_OUT = _VERBS | {"send", "stream", "fetch", "urlopen", "open", "sendall", "sendto"}
_CLIENTS = frozenset(
    {"requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient"}
    | {"aiohttp.ClientSession", "urllib3.PoolManager", "urllib.request.build_opener"}
    | {"http.client.HTTPSConnection", "http.client.HTTPConnection", "niquests.Session"}
    | {"websocket.create_connection", "websockets.connect", "socket.create_connection"}
    | {"socket.socket"}
)
"""Constructors of objects whose ``get``/``post``/``request``/``send`` methods go out."""
_RESPONSE_READS = frozenset({"json", "read", "text", "content", "decode", "readall", "body"})

TextOf = Callable[[ast.AST], "str | None"]


def url_host(url: str) -> str:
    """``https://Host:8/x`` → ``host``; ``""`` when ``url`` names none."""
    rest = re.sub(r"^[a-zA-Z][\w+.-]*://", "", url.strip())
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1].split(":")[0]
    return host.lower() if "." in host else ""


def geo_service(url: str) -> bool:
    """Whether ``url`` names an IP-geolocation service."""
    host = url_host(url)
    return any(host == h or host.endswith("." + h) for h in GEO_HOSTS)


def dotted(index: ModuleIndex, node: ast.AST) -> str | None:
    """``a.b.c`` with the first name resolved through imports."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(index.aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def client_object(index: ModuleIndex, node: ast.AST, depth: int = 0) -> str | None:
    """The constructor of a network client ``node`` holds (a session, connection, socket)."""
    if depth > 3:
        return None
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, (ast.BoolOp, ast.IfExp)):  # client or httpx.Client(): the default
        parts = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
        return next((f for p in parts if (f := client_object(index, p, depth + 1))), None)
    if isinstance(node, ast.Call):
        name = dotted(index, node.func) or ""
        if name in _CLIENTS:
            return name
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("__enter__", "__aenter__"):
            return client_object(index, node.func.value, depth + 1)
        return None
    if isinstance(node, ast.Name):
        bound, _ = index.lookup(node.id, node)
        for value in bound[:4]:
            found = client_object(index, value, depth + 1)
            if found:
                return found
        default = _parameter_default(index, node)
        if default is not None:  # ``def report(e, session=requests)``: the module or a client
            module = dotted(index, default) or ""
            if f"{module}.".startswith(_HTTP_MODULES) and "." not in module:
                return module
            return client_object(index, default, depth + 1)
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("self", "cls")
    ):
        for value in index.attributes.get(node.attr, [])[:4]:
            found = client_object(index, value, depth + 1)
            if found:
                return found
    elif isinstance(node, ast.Attribute):  # events.client, self.api.session: a typed holder
        owner = receiver_class(index, node.value)
        for value in fields_of(index, owner, node.attr)[:4] if owner is not None else []:
            found = client_object(index, value, depth + 1)
            if found:
                return found
    return None


def _parameter_default(index: ModuleIndex, name: ast.Name) -> ast.expr | None:
    """The default value of the parameter ``name`` of the function around it, if any."""
    fn = index.function_of(name)
    if fn is None:
        return None
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    pairs = list(
        zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    )
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d]
    return next((d for a, d in pairs if a.arg == name.id), None)


def _request_url(index: ModuleIndex, node: ast.AST, text_of: TextOf) -> str:
    """The URL a request is made to: a literal, an f-string's literal start, a
    ``urllib.request.Request`` object's first argument, or what the evaluator makes of it."""
    if isinstance(node, ast.Name):
        bound, _ = index.lookup(node.id, node)
        value = bound[0] if len(bound) == 1 else None
        if isinstance(value, ast.Call) and value.args and _is_request_object(index, value):
            return _request_url(index, value.args[0], text_of)
    if isinstance(node, ast.Call) and dotted(index, node.func) == "urllib.request.Request":
        return _request_url(index, node.args[0], text_of) if node.args else ""
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    text = text_of(node)
    return text or ""


def http_request(index: ModuleIndex, node: ast.Call, text_of: TextOf) -> str | None:
    """For a call that returns an HTTP response, the URL it asks (``""`` if unknown)."""
    name = dotted(index, node.func) or ""
    is_request = (name.startswith(_HTTP_MODULES) and name.rsplit(".", 1)[-1] in _VERBS) or name in (
        "urllib.request.urlopen",
        "urllib3.request",
    )
    if not is_request and isinstance(node.func, ast.Attribute):
        client = client_object(index, node.func.value)
        is_request = client is not None and node.func.attr in _VERBS | {"urlopen", "open"}
        if client is not None and node.func.attr == "getresponse":
            return ""
    if not is_request:
        return None
    url_node = node.args[0] if node.args else None
    if name.endswith(".request") or (
        isinstance(node.func, ast.Attribute) and node.func.attr == "request"
    ):
        url_node = node.args[1] if len(node.args) > 1 else None
    for k in node.keywords:
        if k.arg in ("url", "fullurl"):
            url_node = k.value
    return _request_url(index, url_node, text_of) if url_node is not None else ""


def network_send(index: ModuleIndex, node: ast.Call) -> str | None:
    """For a call that sends data over the network, its name (``requests.post``,
    ``conn.request``, ``sock.sendall``, ``urllib.request.Request``); else ``None``."""
    name = dotted(index, node.func) or ""
    if name.startswith(_HTTP_MODULES) and name.rsplit(".", 1)[-1] in _VERBS_OUT:
        return name
    if name in ("urllib.request.urlopen", "urllib.request.Request", "urllib3.request"):
        return name
    if name.startswith(("http.client.", "socket.", "websocket.", "websockets.")) and (
        name.rsplit(".", 1)[-1] in _VERBS_OUT
    ):
        return name
    func = node.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr in _VERBS_OUT
        and client_object(index, func.value)
    ):
        return name or func.attr
    return None


def _is_request_object(index: ModuleIndex, node: ast.Call) -> bool:
    return dotted(index, node.func) == "urllib.request.Request"


def header_kind(name: str) -> str | None:
    """What a response header names about the caller (``cf-ipcountry`` → ``country``)."""
    if _HEADER_COUNTRY.search(name):
        return "country"
    if _HEADER_ZONE.search(name):
        return "timezone"
    return None


def response_read(attr: str) -> bool:
    """Whether ``response.attr`` (or ``.attr()``) gives the response body."""
    return attr in _RESPONSE_READS
