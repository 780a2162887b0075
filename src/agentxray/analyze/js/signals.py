"""Environment signals in JavaScript: where code reads the user's region or identity."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from tree_sitter import Node

from agentxray.analyze.js.nodes import (
    FUNCTION_TYPES,
    WIDE_SCOPE,
    NameIndex,
    enclosing_function,
    parameter_names,
    prefiltered_finditer,
    scope_of,
    string_value,
    text,
)

logger = logging.getLogger(__name__)

REGION_KINDS = frozenset({"timezone", "tz-offset", "locale", "country"})
IDENTITY_KINDS = frozenset(
    {"hostname", "username", "machine-id", "endpoint", "email", "mac", "api-key", "repository"}
)

# One literal-prefixed pattern each: re finds literal prefixes fast, alternations it scans slowly.
PREFILTERS = tuple(
    re.compile(p)
    for p in (
        rb"resolvedOptions(?:\?\.)?\(\)",
        rb"timeZoneName\b",
        rb"getLocaleCountryCode\(\)",
        rb"getSystemLocale\(\)",
        rb"getPreferredSystemLanguages\(\)",
        rb"osLocale(?:Sync)?\(",
        rb"getTimezoneOffset\(\)",
        rb"process\.env(?:\.[A-Za-z_]\w*|\[\s*[\"'][A-Za-z_]\w*[\"']\s*\]|(?=\s*[;,)\n]))",
        rb"navigator\.languages?\b",
        rb"navigator(?=\s*[;,:)}\]|&?]|\s*$)",
        rb"hostname\(\)",
        rb"userInfo\((?:\)|(?=\s*\{))",  # `userInfo()`, `userInfo({ encoding: "utf8" })`
        rb"machine-id",
        rb"IOPlatformUUID",
        rb"MachineGuid",
        rb"product_uuid",
        rb"machineId(?:Sync)?\(",
        rb"networkInterfaces\(\)",
        rb"user\.email",
        # The output of a command naming the user or host: `execFile("hostname", ["-f"])`,
        # `execSync("whoami")`, `id -un`, `git config user.name`.
        rb"[\"'`](?:hostname|whoami|id -un|uname -n)(?=[\"'`]| -)",
        rb"user\.name[\"'`]",
        # The zone or locale a system tool prints: `timedatectl show -p Timezone`, `tzutil /g`,
        # `defaults read -g AppleLocale`; the zone file `/etc/localtime` (a link into zoneinfo).
        rb"[\"'`](?:timedatectl|tzutil|defaults read -g Apple(?:Locale|Languages))(?=[\"'`]| )",
        rb"/etc/(?:localtime|timezone)\b",
        # The git remote: `git remote get-url origin`, `git config --get remote.origin.url`.
        rb"get-url\b",
        rb"remote\.origin\.url\b",
        rb"\.to(?:Time)?String\(\)",
        # The end of a country header's name in any spelling (`CF-IPCountry`, `x-country-code`):
        # the whole literal is read back from the tree.
        rb"[Cc](?:ountry|OUNTRY)(?:-[Cc]ode|-CODE)?[\"'`]",
        rb"country(?:_?[cC]ode|_?[nN]ame)?\b",
        rb"apiKey\b",
        rb"api_key\b",
        rb"apikey\b",
        rb"authToken\b",
    )
)
MAX_KEY_READS = 24
"""API-key reads followed per file (the first ones, in file order)."""
DATE_SCOPE_LIMIT = 100_000
"""``d.toString()`` is a zone name only when ``d`` is seen to hold a Date in a function this big."""
GEO_FIELDS = frozenset({"country_code", "countryCode", "country", "country_name", "countryName"})
"""Fields of an IP-geolocation answer that name the user's country."""
RESPONSE_MARKS = (b".json()", b"fetch(", b"JSON.parse(", b"request(", b"axios")
"""Text showing a value came from a network response."""
_IDENT_OR_DOT = frozenset(
    bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$."
)
_OS_MODULE = re.compile(rb"[\"'](?:node:)?os[\"']")


def _imports_os(data: bytes) -> bool:
    return _OS_MODULE.search(data) is not None


_ENV = re.compile(rb"process\.env(?:\.|\[\s*[\"'])([A-Za-z_]\w*)")


@dataclass(frozen=True, slots=True)
class Signal:
    """An environment value: what it is and where it comes from."""

    kind: str
    """``timezone``, ``tz-offset``, ``locale``, ``hostname``, ``username``, ``machine-id``,
    ``endpoint`` (a configured API base URL, host or proxy), or an intermediate kind:
    ``intl-options`` (resolvedOptions() object), ``user-info``, ``url`` (a URL object)."""
    source: str
    """Where it is read: ``env:TZ``, ``Intl.DateTimeFormat().resolvedOptions().timeZone``…"""
    host: bool = False
    """The value is the host part of a URL read from ``source``."""
    scale: float = 1.0
    """For ``tz-offset``: the value is getTimezoneOffset() / scale (``/ -60`` gives hours east)."""

    @property
    def label(self) -> str:
        """Short text for reports: ``timezone``, ``host of env:ANTHROPIC_BASE_URL``."""
        if self.kind == "endpoint":
            return f"host of {self.source}" if self.host else self.source
        if self.source.startswith("env:"):
            return f"{self.kind} ({self.source})"
        return self.kind


def env_kind(name: str) -> str | None:
    """What an environment variable tells about the user, if anything."""
    upper = name.upper()
    if upper == "TZ":
        return "timezone"
    if upper in ("LANG", "LANGUAGE") or upper.startswith("LC_"):
        return "locale"
    if upper in ("USER", "USERNAME", "LOGNAME"):
        return "username"
    if upper in ("HOSTNAME", "COMPUTERNAME"):
        return "hostname"
    if upper in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        return "endpoint"
    if upper.endswith(("BASE_URL", "BASEURL", "API_URL", "API_HOST", "API_BASE", "_ENDPOINT")):
        return "endpoint"
    if upper in ("EMAIL", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        return "email"
    if upper.endswith(("_API_KEY", "_AUTH_TOKEN")):
        return "api-key"
    return None


_OS_BINDING = re.compile(rb"\{([^{}]*)\}\s*(?:from\s*|=\s*require\(\s*)[\"'](?:node:)?$")


def _os_aliases(data: bytes) -> dict[str, str]:
    """Local names bound to ``os`` members (``import {hostname as h} from "os"``, ``require``)."""
    out: dict[str, str] = {}
    for m in re.finditer(rb"os[\"']", data):  # literal prefix; the binding is read backwards
        if data[m.start() - 1 : m.start()] not in (b'"', b"'", b":"):
            continue
        window = data[max(0, m.start() - 400) : m.start()]
        binding = _OS_BINDING.search(window)
        if binding is None:
            continue
        for part in binding.group(1).decode(errors="replace").split(","):
            bits = [b.strip() for b in re.split(r"\bas\b|:", part)]
            if bits and bits[0] in OS_CALLS:
                out[bits[-1] or bits[0]] = bits[0]
    return out


OS_CALLS = {
    "hostname": ("hostname", "os.hostname()"),
    "userInfo": ("user-info", "os.userInfo()"),
    "networkInterfaces": ("network-interfaces", "os.networkInterfaces()"),
}
"""``os`` functions whose result tells who or where the user is."""


_ALIAS_PASS = frozenset({"parenthesized_expression", "ternary_expression", "binary_expression"})
NAVIGATOR_LOCALE = frozenset({"language", "languages"})


def _navigator_alias(index: NameIndex, node: Node) -> list[tuple[Node, str]]:
    """``const nav = typeof navigator !== "undefined" ? navigator : {}``: reads of
    ``nav.language(s)`` are reads of the browser's language list."""
    value = node
    if (
        value.parent is not None
        and value.parent.type == "member_expression"
        and value.parent.child_by_field_name("property") == value
    ):
        value = value.parent  # `window.navigator`, `globalThis.navigator`
    while value.parent is not None and value.parent.type in _ALIAS_PASS:
        parent = value.parent
        if parent.type == "ternary_expression" and parent.child_by_field_name("condition") == value:
            return []
        op = parent.child_by_field_name("operator")
        if parent.type == "binary_expression" and (
            op is None or text(op) not in ("||", "??", "&&")
        ):
            return []
        value = parent
    decl = value.parent
    if (
        decl is None
        or decl.type != "variable_declarator"
        or decl.child_by_field_name("value") != value
    ):
        return []
    name = decl.child_by_field_name("name")
    if name is None or name.type != "identifier":
        return []
    scope = scope_of(decl)
    if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(text(name)) <= 2:
        return []  # a minified name at a bundle's top level: its uses are other variables
    out = []
    for use in index.identifiers(text(name), scope.start_byte, scope.end_byte)[:40]:
        member = use.parent
        if member is None or member.type != "member_expression" or use == name:
            continue
        prop = member.child_by_field_name("property")
        object_ = member.child_by_field_name("object")
        if object_ == use and prop is not None and text(prop) in NAVIGATOR_LOCALE:
            out.append((member, text(prop)))
    return out


def _climb_member(node: Node, prop: str) -> Node | None:
    cur: Node | None = node
    while cur is not None and cur.type not in ("member_expression", "subscript_expression"):
        cur = cur.parent
    while cur is not None and cur.type in ("member_expression", "subscript_expression"):
        p = cur.child_by_field_name("property") or cur.child_by_field_name("index")
        if p is not None and text(p).strip("\"'") == prop:
            return cur
        cur = cur.parent
    return None


def _call_of(node: Node) -> Node | None:
    cur: Node | None = node
    while cur is not None and cur.type != "call_expression":
        cur = cur.parent
    return cur


def _destructured(index: NameIndex, offset: int) -> list[tuple[Node, Signal]]:
    """``const { TZ, LANG: lang } = process.env``: every use of the bound names is a read."""
    node = index.node_at(offset, offset + len(b"process.env"))
    decl = node.parent
    if decl is None or decl.type != "variable_declarator":
        return []
    pattern = decl.child_by_field_name("name")
    if pattern is None or pattern.type != "object_pattern":
        return []
    out: list[tuple[Node, Signal]] = []
    scope = scope_of(decl)
    for prop in pattern.named_children:
        if prop.type == "shorthand_property_identifier_pattern":
            key, local = text(prop), prop
        elif prop.type == "pair_pattern":
            k, v = prop.child_by_field_name("key"), prop.child_by_field_name("value")
            if k is None or v is None or v.type != "identifier":
                continue
            key, local = text(k), v
        else:
            continue
        kind = env_kind(key)
        if kind is None:
            continue
        for use in index.identifiers(text(local), scope.start_byte, scope.end_byte):
            if use.start_byte != local.start_byte:
                out.append((use, Signal(kind, f"env:{key}")))
    return out


def find_signals(index: NameIndex, data: bytes) -> list[tuple[Node, Signal]]:
    """Expression nodes whose value is an environment signal, found by a literal prefilter."""
    out: list[tuple[Node, Signal]] = []
    keys = 0
    hits = (m for p in PREFILTERS for m in prefiltered_finditer(p, data))  # as p.finditer
    matches = sorted(hits, key=lambda m: m.start())
    for m in matches:
        token = m.group()
        found: tuple[Node | None, Signal] | None = None
        env: tuple[str, str] | None = None
        if token == b"process.env":
            env_node = index.node_at(m.start(), m.start() + len(b"process.env"))
            if env_node.type == "member_expression":
                out.append((env_node, Signal("env-object", "process.env")))
            continue
        if token.startswith(b"process.env"):
            em = _ENV.match(token)
            name = em.group(1).decode() if em else ""
            kind = env_kind(name)
            if kind is None:
                continue
            env = (name, kind)
        node = index.node_at(m.start(), m.start() + 1)
        if env is not None:
            found = (_climb_member(node, env[0]), Signal(env[1], f"env:{env[0]}"))
        elif token.startswith(b"resolvedOptions"):
            call = _call_of(index.node_at(m.start(), m.start() + len(b"resolvedOptions")))
            found = (call, Signal("intl-options", "Intl.DateTimeFormat().resolvedOptions()"))
        elif token.endswith(b"()") and token[:-2] in _DESKTOP_LOCALE:
            kind, source = _DESKTOP_LOCALE[token[:-2]]
            found = (_call_of(index.node_at(m.start(), m.end() - 2)), Signal(kind, source))
        elif token.startswith(b"osLocale"):
            before = data[m.start() - 1 : m.start()] if m.start() else b""
            if before not in _IDENT_OR_DOT:
                call = _call_of(index.node_at(m.start(), m.end() - 1))
                found = (call, Signal("locale", "os-locale"))
        elif token == b"timeZoneName":
            found = (_zone_name_text(node), Signal("timezone", "the zone name in formatted dates"))
        elif token.startswith(b"getTimezoneOffset"):
            call = _call_of(index.node_at(m.start(), m.end() - 2))
            found = (call, Signal("tz-offset", "Date.prototype.getTimezoneOffset()"))
        elif token == b"navigator":
            out.extend(
                (n, Signal("locale", f"navigator.{p}")) for n, p in _navigator_alias(index, node)
            )
            continue
        elif token.startswith(b"navigator"):
            prop = token.split(b".")[1].decode()
            found = (_climb_member(node, prop), Signal("locale", f"navigator.{prop}"))
        elif token == b"hostname()":
            before = data[m.start() - 1 : m.start()] if m.start() else b""
            bare = before not in _IDENT_OR_DOT
            if before == b"." or (bare and _imports_os(data)):
                call = _call_of(index.node_at(m.start(), m.end() - 2))
                found = (call, Signal("hostname", "os.hostname()"))
        elif token in (b"userInfo()", b"userInfo("):
            if token == b"userInfo(" and not _imports_os(data):
                continue  # an options object: another API's userInfo({ … }) unless os is used
            call = _call_of(node)
            found = (call, Signal("user-info", "os.userInfo()"))
        elif token == b"networkInterfaces()":
            call = _call_of(index.node_at(m.start(), m.end() - 2))
            found = (call, Signal("network-interfaces", "os.networkInterfaces()"))
        elif token == b"user.email":
            found = (_command_call(node), Signal("email", "git config user.email"))
        elif token[:1] in (b'"', b"'", b"`") or token.startswith(b"user.name"):
            found = _command_output(data, index, node, token)
        elif token.startswith(b"/etc/"):
            # `readlinkSync("/etc/localtime")`, `readFile("/etc/timezone")`, or a command
            # reading it (`readlink /etc/localtime`), the path written there or handed to it.
            sig = Signal("timezone", token.decode())
            call = _command_call(node)
            if call is not None and not _runs(index, call):
                call = None
            if call is None:
                call = _call_of(node)
                call = call if call is not None and _reads(call) else None
            if call is None:
                out.extend((c, sig) for c in held_reads(index, node) if _reads(c))
            if call is not None:
                found = (call, sig)
        elif token in (b"get-url", b"remote.origin.url"):
            found = (_command_call(node), Signal("repository", "git remote get-url origin"))
        elif token.startswith(b".to"):
            found = (
                _date_string(index, m.start() + 1),
                Signal("timezone", "the zone name in Date#toString()"),
            )
        elif token[-1:] in (b'"', b"'", b"`"):
            header = _header_name(node)
            if header is None:
                continue
            sig = Signal("country", f"response header {header}")
            read = _header_read(node)
            if read is None:
                # The name kept in a constant or a list of header names tried in turn.
                out.extend((r, sig) for r in _header_reads_by_name(index, node))
            found = (read, sig)
        elif token in _KEY_NAMES:
            keys += 1
            if keys > MAX_KEY_READS:
                continue  # a bundle reads its key in hundreds of places; prefix lists sit near few
            found = (_key_holder(node), Signal("api-key", f"the API key ({token.decode()})"))
        elif token.lstrip(b".") in _GEO_BYTES:
            found = (_geo_field(index, data, m), Signal("country", "IP-geolocation answer"))
        elif token in _MACHINE_ID_MARKS:
            # A file read or a command whose text names the machine identifier, the path
            # written in the call or handed to it by a list, a loop or a constant.
            sig = Signal("machine-id", _MACHINE_ID_MARKS[token])
            call = _command_call(node)
            if call is None:
                call = _call_of(node)
                call = call if call is not None and _reads(call) else None
            if call is None:
                out.extend((c, sig) for c in held_reads(index, node) if _reads(c))
            if call is not None:
                found = (call, sig)
        elif token.startswith(b"machineId"):
            before = data[m.start() - 1 : m.start()] if m.start() else b""
            if before not in _IDENT_OR_DOT or before == b".":
                call = _call_of(index.node_at(m.start(), m.end() - 1))
                found = (call, Signal("machine-id", "node-machine-id"))
        if found is not None and found[0] is not None:
            if found[0].type in ("identifier", "shorthand_property_identifier_pattern"):
                out.extend((use, found[1]) for use in _pattern_uses(index, found[0]))
            else:
                out.append((found[0], found[1]))
    for local, member in _os_aliases(data).items():
        kind, source = OS_CALLS[member]
        out.extend((call, Signal(kind, source)) for call in index.calls(local))
    for call, member in _os_references(index, data):
        kind, source = OS_CALLS[member]
        out.append((call, Signal(kind, source)))
    return out


_OS_REFERENCE = re.compile(rb"os\.(hostname|userInfo|networkInterfaces)(?![\w$]|\s*\()")


def _os_references(index: NameIndex, data: bytes) -> list[tuple[Node, str]]:
    """``hostFn = os.hostname`` (a default parameter, a variable): the function itself handed on
    under another name; each call of that name in its scope is a read."""
    out: list[tuple[Node, str]] = []
    for m in _OS_REFERENCE.finditer(data):
        if m.start() and data[m.start() - 1 : m.start()] in _IDENT_OR_DOT:
            continue
        member: Node | None = index.node_at(m.start(), m.end())
        while member is not None and member.type != "member_expression":
            member = member.parent
        holder = member.parent if member is not None else None
        if holder is None:
            continue
        if holder.type == "assignment_pattern" and holder.child_by_field_name("right") == member:
            local, scope = holder.child_by_field_name("left"), enclosing_function(holder)
        elif holder.type == "variable_declarator" and holder.child_by_field_name("value") == member:
            local, scope = holder.child_by_field_name("name"), scope_of(holder)
        else:
            continue
        if local is None or local.type != "identifier" or scope is None:
            continue
        out.extend(
            (call, m.group(1).decode())
            for call in index.calls(text(local))
            if scope.start_byte <= call.start_byte < scope.end_byte
        )
    return out


_DESKTOP_LOCALE = {
    b"getLocaleCountryCode": ("country", "Electron app.getLocaleCountryCode()"),
    b"getSystemLocale": ("locale", "Electron app.getSystemLocale()"),
    b"getPreferredSystemLanguages": ("locale", "Electron app.getPreferredSystemLanguages()"),
}
"""Desktop-runtime calls that return the operating system's locale or country."""
_MACHINE_ID_MARKS = {
    b"machine-id": "/etc/machine-id",
    b"IOPlatformUUID": "the macOS hardware UUID (IOPlatformUUID)",
    b"MachineGuid": "the Windows MachineGuid",
    b"product_uuid": "the DMI product UUID",
}
_GEO_BYTES = frozenset(f.encode() for f in GEO_FIELDS)
_KEY_NAMES = frozenset({b"apiKey", b"api_key", b"apikey", b"authToken"})


def _key_holder(node: Node) -> Node | None:
    """Where an API key named ``apiKey`` is read: a member, a destructured or plain parameter."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "member_expression" and parent.child_by_field_name("property") == node:
        return parent
    if parent.type == "pair_pattern" and parent.child_by_field_name("key") == node:
        local = parent.child_by_field_name("value")
        if local is not None and local.type == "assignment_pattern":
            local = local.child_by_field_name("left")
        return local if local is not None and local.type == "identifier" else None
    if node.type == "shorthand_property_identifier_pattern":
        return node
    if node.type == "identifier" and parent.type in ("formal_parameters", "assignment_pattern"):
        return node
    return None


def _pattern_uses(index: NameIndex, local: Node) -> list[Node]:
    """Uses of a name bound by a destructuring pattern, in the scope declaring it."""
    name = text(local)
    scope = scope_of(local)
    if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(name) <= 2:
        return []  # a minified name at a bundle's top level: its uses are other variables
    return [
        use
        for use in index.identifiers(name, scope.start_byte, scope.end_byte)
        if use.start_byte != local.start_byte
    ] + [
        n
        for n in index.shorthands(name, scope.start_byte, scope.end_byte)
        if n.start_byte != local.start_byte
    ]


_COMMANDS = {
    b"hostname": ("hostname", "the hostname command"),
    b"uname -n": ("hostname", "the uname -n command"),
    b"whoami": ("username", "the whoami command"),
    b"id -un": ("username", "the id -un command"),
    b"user.name": ("username", "git config user.name"),
    b"timedatectl": ("timezone", "the timedatectl command"),
    b"tzutil": ("timezone", "the tzutil command"),
    b"defaults read -g AppleLocale": ("locale", "the macOS AppleLocale setting"),
    b"defaults read -g AppleLanguages": ("locale", "the macOS AppleLanguages setting"),
}
"""Commands printing who the user is or which machine this is."""


def _command_output(
    data: bytes, index: NameIndex, node: Node, token: bytes
) -> tuple[Node | None, Signal] | None:
    """The output of a command naming the user or the host, when the string is the command a
    process-running call runs (its first word, or ``git config user.name``)."""
    word = token.strip(b"\"'`")
    if word not in _COMMANDS:
        return None
    while node.type not in ("string", "template_string") and node.parent is not None:
        node = node.parent
    value = string_value(node) or ""
    if word == b"user.name":
        if "config" not in text(node.parent or node):
            return None
    elif value.split(" ")[0] != word.decode().split(" ")[0] or not value.startswith(word.decode()):
        return None
    call = _command_call(node)
    args = node.parent
    if word != b"user.name" and (
        args is None or args.type != "arguments" or args.named_children[0] != node
    ):
        return None  # the command run, not an argument of another one
    if call is None or not _runs(index, call):
        return None
    kind, source = _COMMANDS[word]
    return call, Signal(kind, source)


def _runs(index: NameIndex, call: Node) -> bool:
    """A call running a process: ``exec``/``spawn`` in its callee, or a name bound to one
    (``const run = promisify(execFile)``)."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return False
    if re.search(r"exec|spawn", text(callee), re.I):
        return True
    if callee.type != "identifier":
        return False
    for d in index.definitions(text(callee))[:4]:
        value = d.child_by_field_name("value") or d.child_by_field_name("right")
        if value is not None and re.search(r"exec|spawn", text(value)[:200], re.I):
            return True
    # a helper running what it is handed: `function s(t) { return p.execSync(t, …) }`
    fn = index.function_named(text(callee))
    return fn is not None and _runs_parameter(fn)


def _runs_parameter(fn: Node) -> bool:
    """``fn`` hands its first parameter to an ``exec``/``spawn`` call (as the command, or as
    an argument of a shell: ``execFileSync("/bin/sh", ["-c", cmd])``)."""
    params = parameter_names(fn)
    if not params or not params[0] or fn.end_byte - fn.start_byte > 2000:
        return False
    name = re.escape(params[0])
    pattern = re.compile(r"(?:exec|spawn)\w*\s*\([^()]*?(?<![\w$.])" + name + r"(?![\w$])", re.I)
    return pattern.search(text(fn)) is not None


def _reads(call: Node) -> bool:
    """A call reading a file or running a command, by its callee's name."""
    callee = text(call.child_by_field_name("function") or call)
    return "read" in callee or "exec" in callee or "spawn" in callee


_ITERATIONS = frozenset({"map", "flatMap", "forEach", "find", "some", "filter", "reduce"})
MAX_HELD = 12
"""Calls looked at per literal handed on by a list or a constant."""


def held_reads(index: NameIndex, node: Node) -> list[Node]:
    """The calls a string literal's value reaches as an argument, when it is not written in the
    call itself: an element of a list a ``for…of`` loop or an iteration callback ranges over
    (``for (const p of ["/etc/machine-id", …]) readFile(p)``, ``PATHS.find((p) => …)``), or a
    constant holding the literal or the list (``const MID = "/etc/machine-id"``). The value is
    the same whichever way it is spelled; what the calls do is for the caller to judge."""
    while node.type not in ("string", "template_string") and node.parent is not None:
        node = node.parent
    value = node
    while value.parent is not None and value.parent.type in ("array", "parenthesized_expression"):
        value = value.parent
    listed = value is not node
    holder = value.parent
    if holder is None:
        return []
    carriers: list[tuple[Node, str]] = []  # (scope, name): where the value is seen under a name
    if holder.type == "variable_declarator" and holder.child_by_field_name("value") == value:
        name = holder.child_by_field_name("name")
        scope = scope_of(holder)
        if name is None or name.type != "identifier":
            return []
        if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(text(name)) <= 2:
            return []  # a minified name at a bundle's top level: its uses are other variables
        uses = [
            u
            for u in index.identifiers(text(name), scope.start_byte, scope.end_byte)[:MAX_HELD]
            if u != name
        ]
        if not listed:
            return [c for u in uses if (c := _argument_of(u)) is not None]
        for use in uses:
            carriers.extend(_element_names(use))
    elif listed:
        carriers.extend(_element_names(value))
    out: list[Node] = []
    for where, element in carriers[:4]:
        for use in index.identifiers(element, where.start_byte, where.end_byte)[:MAX_HELD]:
            call = _argument_of(use)
            if call is not None and call not in out:
                out.append(call)
    return out


def _element_names(listed: Node) -> list[tuple[Node, str]]:
    """The names a list's elements take: a ``for…of`` variable (in the loop), an iteration
    callback's first parameter (in the callback)."""
    parent = listed.parent
    if parent is None:
        return []
    if parent.type == "for_in_statement" and parent.child_by_field_name("right") == listed:
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            return [(parent, text(left))]
        return []
    if parent.type == "member_expression" and parent.child_by_field_name("object") == listed:
        prop = parent.child_by_field_name("property")
        call = parent.parent
        args = call.child_by_field_name("arguments") if call is not None else None
        if prop is None or text(prop) not in _ITERATIONS or args is None:
            return []
        cb = args.named_children[0] if args.named_child_count else None
        if cb is not None and cb.type in FUNCTION_TYPES:
            params = parameter_names(cb)
            if params and params[0]:
                return [(cb, params[0])]
    return []


def _argument_of(use: Node) -> Node | None:
    """The call ``use`` is an argument of (``readFile(p, "utf8")``, ``readFile(`${p}`)``)."""
    cur = use
    while cur.parent is not None and cur.parent.type in (
        "template_substitution",
        "template_string",
        "parenthesized_expression",
    ):
        cur = cur.parent
    args = cur.parent
    if args is None or args.type != "arguments" or args.parent is None:
        return None
    return args.parent if args.parent.type == "call_expression" else None


def _command_call(node: Node) -> Node | None:
    """The call running the command line that holds ``node`` (``git config user.email``).

    The command text itself says what runs, so any callee counts (``execSync`` under an alias,
    a ``run`` helper): the call whose arguments hold the string.
    """
    cur = node.parent
    while cur is not None and cur.type not in ("arguments", "program"):
        if cur.type not in ("string", "template_string", "array", "binary_expression"):
            return None
        cur = cur.parent
    return cur.parent if cur is not None and cur.type == "arguments" else None


def _date_string(index: NameIndex, offset: int) -> Node | None:
    """``d.toString()`` where ``d`` is a ``Date`` (``new Date()``, a parameter defaulting to one)."""
    prop = index.node_at(offset, offset + 2)
    member = prop.parent
    if member is None or member.type != "member_expression":
        return None
    obj = member.child_by_field_name("object")
    call = member.parent
    if obj is None or call is None or call.type != "call_expression":
        return None
    if _is_date(index, obj):
        return call
    return None


def _is_date(index: NameIndex, obj: Node) -> bool:
    src = text(obj)
    if src.startswith("new Date") or src.startswith("(new Date"):
        return True
    if obj.type != "identifier":
        return False
    scope = scope_of(obj)
    if scope.end_byte - scope.start_byte > DATE_SCOPE_LIMIT:
        return False  # a bundle's top level: too wide to look for the Date it holds
    for ident in index.identifiers(src, scope.start_byte, obj.start_byte):
        parent = ident.parent
        if parent is None:
            continue
        if parent.type in ("assignment_pattern", "variable_declarator"):
            value = parent.child_by_field_name("right") or parent.child_by_field_name("value")
            if value is not None and text(value).startswith("new Date"):
                return True
    return False


def _header_read(node: Node) -> Node | None:
    """``headers.get("cf-ipcountry")`` or ``headers["cf-ipcountry"]`` around a header name."""
    while node.type != "string" and node.parent is not None:
        node = node.parent
    parent = node.parent
    if parent is not None and parent.type == "arguments":
        return parent.parent
    if parent is not None and parent.type == "subscript_expression":
        return parent
    return None


COUNTRY_HEADERS = frozenset(
    {
        "cf-ipcountry",
        "x-vercel-ip-country",
        "cloudfront-viewer-country",
        "x-appengine-country",
        "x-country-code",
        "x-geo-country",
        "x-client-country",
        "fastly-geo-country",
        "x-nf-country",
        "x-forwarded-country",
        "x-country",
        "akamai-country",
        "x-akamai-edgescape-country",
        "x-azure-clientcountry",
    }
)
"""Response and request headers in which CDNs and edge platforms put the client's country."""


_ZONE_TEXT_CALLS = frozenset({"toLocaleString", "toLocaleTimeString", "toLocaleDateString"})


def _zone_name_text(key: Node) -> Node | None:
    """A date formatted with ``{timeZoneName}`` in the user's own zone: text naming the zone.

    ``d.toLocaleString("en-US", {timeZoneName: "long"})`` and ``new Intl.DateTimeFormat(…,
    {timeZoneName}).format(d)``; with an explicit ``timeZone`` the zone is not the user's.
    """
    pair = key.parent
    obj = pair.parent if pair is not None else None
    if obj is None or obj.type != "object" or b"timeZone:" in (obj.text or b"").replace(b" ", b""):
        return None
    if b'"timeZone"' in (obj.text or b"") or b"'timeZone'" in (obj.text or b""):
        return None
    args = obj.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    if call is None:
        return None
    if call.type == "call_expression":
        callee = call.child_by_field_name("function")
        prop = callee.child_by_field_name("property") if callee is not None else None
        return call if prop is not None and text(prop) in _ZONE_TEXT_CALLS else None
    if call.type == "new_expression" and text(call.child_by_field_name("constructor") or call) in (
        "Intl.DateTimeFormat",
        "DateTimeFormat",
    ):
        member = call.parent
        while member is not None and member.type == "parenthesized_expression":
            member = member.parent
        prop = member.child_by_field_name("property") if member is not None else None
        outer = member.parent if member is not None else None
        if prop is not None and text(prop) == "format" and outer is not None:
            return outer if outer.type == "call_expression" else None
    return None


def _header_name(node: Node) -> str | None:
    """The country header a string literal names (lower case), if it names one."""
    while node.type not in ("string", "template_string") and node.parent is not None:
        node = node.parent
    value = string_value(node)
    name = value.strip().lower() if value is not None else None
    return name if name in COUNTRY_HEADERS else None


def _header_reads_by_name(index: NameIndex, node: Node) -> list[Node]:
    """Header reads whose name comes from a constant or a list holding the header name.

    ``const H = ["cf-ipcountry", …]; for (const h of H) req.headers.get(h)``, ``H.map(h =>
    headers[h])``, ``const C = "cf-ipcountry"; headers.get(C)``.
    """
    while node.type != "string" and node.parent is not None:
        node = node.parent
    holder = node.parent
    while holder is not None and holder.type in ("array", "as_expression", "satisfies_expression"):
        node, holder = holder, holder.parent
    if holder is None or holder.type != "variable_declarator":
        return []
    name = holder.child_by_field_name("name")
    if name is None or name.type != "identifier":
        return []
    listed = node.type != "string"
    scope = scope_of(holder)
    if scope.end_byte - scope.start_byte > WIDE_SCOPE and len(text(name)) <= 2:
        return []
    keys: list[Node] = []
    for use in index.identifiers(text(name), scope.start_byte, scope.end_byte)[:20]:
        if use == name or use.parent is None:
            continue
        parent = use.parent
        if not listed:
            keys.append(use)
        elif parent.type == "for_in_statement" and parent.child_by_field_name("right") == use:
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                keys.extend(_loop_uses(index, parent, text(left)))
        elif parent.type == "member_expression" and parent.child_by_field_name("object") == use:
            call = parent.parent
            args = call.child_by_field_name("arguments") if call is not None else None
            cb = args.named_children[0] if args is not None and args.named_child_count else None
            if cb is not None and cb.type in FUNCTION_TYPES:
                params = parameter_names(cb)
                if params and params[0]:
                    keys.extend(_loop_uses(index, cb, params[0]))
    reads = []
    for key in keys:
        holder_of_key = key.parent
        if holder_of_key is None:
            continue
        parent = holder_of_key
        if parent.type == "subscript_expression" and parent.child_by_field_name("index") == key:
            if "eader" in text(parent.child_by_field_name("object") or parent):
                reads.append(parent)
        elif parent.type == "arguments" and parent.named_children[0] == key:
            call = parent.parent
            callee = call.child_by_field_name("function") if call is not None else None
            if (
                call is not None
                and callee is not None
                and re.search(r"eaders?\??\.get$|getHeader$|\.header$", text(callee))
            ):
                reads.append(call)
    return reads


def _loop_uses(index: NameIndex, scope: Node, name: str) -> list[Node]:
    return [
        u
        for u in index.identifiers(name, scope.start_byte, scope.end_byte)[:20]
        if u.parent is not None
        and u.parent.type != "for_in_statement"
        and u.parent.type != "formal_parameters"
    ]


def _geo_field(index: NameIndex, data: bytes, m: re.Match[bytes]) -> Node | None:
    """A country field read from a value that came from a network response."""
    start = m.start() + (1 if m.group().startswith(b".") else 0)
    node = index.node_at(start, m.end())
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "member_expression" and parent.child_by_field_name("property") == node:
        obj = parent.child_by_field_name("object")
        if obj is not None and _from_response(index, obj):
            return parent
        return None
    if parent.type in ("pair_pattern", "object_pattern") or node.type == (
        "shorthand_property_identifier_pattern"
    ):
        pattern = parent if parent.type == "object_pattern" else parent.parent
        decl = pattern.parent if pattern is not None else None
        if decl is not None and decl.type in ("formal_parameters", "assignment_pattern"):
            # `.then(({ country }) => …)` on a response.
            if not _response_callback(decl):
                return None
        else:
            if decl is None or decl.type != "variable_declarator":
                return None
            value = decl.child_by_field_name("value")
            if value is None or not any(mark in text(value).encode() for mark in RESPONSE_MARKS):
                return None
        local = parent.child_by_field_name("value") if parent.type == "pair_pattern" else node
        if local is not None and local.type == "assignment_pattern":
            local = local.child_by_field_name("left")
        return local
    return None


def _response_callback(params: Node) -> bool:
    """``params`` belong to a callback of ``.then`` on a chain that holds a network response."""
    fn = params.parent
    while fn is not None and fn.type not in FUNCTION_TYPES:
        fn = fn.parent
    args = fn.parent if fn is not None else None
    call = args.parent if args is not None and args.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is None or callee.type != "member_expression":
        return False
    prop = callee.child_by_field_name("property")
    receiver = callee.child_by_field_name("object")
    if prop is None or receiver is None or text(prop) != "then":
        return False
    return any(mark in text(receiver).encode() for mark in RESPONSE_MARKS)


def _from_response(index: NameIndex, obj: Node) -> bool:
    """Whether an expression's value (or its variable's) was read from a network response."""
    src = text(obj).encode()
    if any(mark in src for mark in RESPONSE_MARKS):
        return True
    if obj.type != "identifier":
        return False
    fn = scope_of(obj)
    if fn.type in FUNCTION_TYPES and text(obj) in parameter_names(fn):
        params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
        return params is not None and _response_callback(params)
    for d in index.definitions(text(obj))[:4]:
        value = d.child_by_field_name("value") or d.child_by_field_name("right")
        if value is not None and any(mark in text(value).encode() for mark in RESPONSE_MARKS):
            return True
        if value is not None and _helper_response(index, value):
            return True
    return False


HELPER_BYTES = 4000
"""A helper is read for response marks only up to this size (a fetch wrapper, not a module)."""
_CHAIN_PASS = frozenset({"catch", "finally"})


def _helper_response(index: NameIndex, value: Node) -> bool:
    """``await getJSON(url)``, ``await this.locate()``: the value a function of this file returns,
    when that function reads a network response (``https.get`` + ``JSON.parse``, ``res.json()``)."""
    node = value
    while True:
        if node.type in ("await_expression", "parenthesized_expression", "as_expression"):
            node = node.named_children[0] if node.named_child_count else node
            if node.type in ("await_expression", "parenthesized_expression", "as_expression"):
                continue
        if node.type != "call_expression":
            return False
        callee = node.child_by_field_name("function")
        if callee is None:
            return False
        prop = (
            callee.child_by_field_name("property") if callee.type == "member_expression" else None
        )
        receiver = callee.child_by_field_name("object") if prop is not None else None
        if prop is not None and receiver is not None and text(prop) in _CHAIN_PASS:
            node = receiver  # `getJSON(url).catch(() => ({}))`: still getJSON's answer
            continue
        break
    if callee.type == "identifier":
        helpers = [f for _, f in zip(range(4), index.functions_named(text(callee)), strict=False)]
    elif prop is not None and receiver is not None and receiver.type == "this":
        helpers = _methods_named(index, text(prop))
    else:
        return False
    return any(
        f.end_byte - f.start_byte <= HELPER_BYTES
        and any(mark in (f.text or b"") for mark in RESPONSE_MARKS)
        for f in helpers
    )


def _methods_named(index: NameIndex, name: str) -> list[Node]:
    """Class and object methods called ``name`` (at most four)."""
    out: list[Node] = []
    for m in re.finditer(re.escape(name.encode()) + rb"\s*\(", index.data):
        node = index.node_at(m.start(), m.start() + len(name.encode()))
        parent = node.parent
        if (
            node.type == "property_identifier"
            and parent is not None
            and parent.type == "method_definition"
            and parent.child_by_field_name("name") == node
        ):
            out.append(parent)
            if len(out) >= 4:
                break
    return out
