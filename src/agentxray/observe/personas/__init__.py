"""Personas: who the agent believes it runs for and which server it talks to, as data.

Built-ins live in ``builtin.yaml`` next to this file; users give YAML files (one persona or a
list) or the inline form ``tz=Asia/Shanghai;base_url=https://llm-gw.corp.test`` (a segment
without ``=`` names a built-in or file to start from). :func:`sandbox_setup` turns a persona into
the environment and sandbox layout of one run; :func:`recording_of` turns the run into text the
compare stage diffs.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentxray.errors import ConfigError, UsageError
from agentxray.model import Aspect, Persona, Recording

#: Keys of the inline form, besides ``env.NAME`` and ``flag.NAME``.
FIELDS = ("tz", "lang", "hostname", "user", "email", "base_url", "date", "proxy")

#: Where Debian's faketime package keeps the preload library.
FAKETIME_LIBS = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/lib64/faketime/libfaketime.so.1",
)
ZONEINFO = Path("/usr/share/zoneinfo")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FLAG = re.compile(r"^[A-Za-z0-9_.:/-]{1,200}$")
_TZ = re.compile(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+){0,2}$")
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63}){0,10}$")
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_LANG = re.compile(
    r"^[A-Za-z]{1,8}(_[A-Za-z]{2,3})?(\.[A-Za-z0-9-]+)?(@[a-z]+)?$|^C(\.UTF-8)?$|^POSIX$"
)


class PersonaFile(BaseModel):
    """A persona as written in YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    tz: str | None = None
    lang: str | None = None
    hostname: str | None = None
    user: str | None = None
    email: str | None = None
    base_url: str | None = None
    date: str | None = None
    proxy: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    flags: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.+-]+", value):
            raise ValueError("use letters, digits and _ . + - only")
        return value

    def persona(self) -> Persona:
        """The neutral :class:`Persona`, every field checked."""
        fields: dict[str, str] = {}
        for key in FIELDS:
            value = getattr(self, key)
            if value is not None:
                fields[key] = value
        fields.update({f"env.{k}": v for k, v in self.env.items()})
        fields.update({f"flag.{k}": v for k, v in self.flags.items()})
        for key, value in fields.items():
            check_field(key, value)
        return Persona(self.name, tuple(fields.items()), self.description)


def check_field(key: str, value: str) -> None:
    """Raise :class:`UsageError` when ``key=value`` is not a valid persona field."""

    def bad(why: str) -> UsageError:
        return UsageError(f"persona field {key}={value!r}: {why}")

    if key.startswith("env."):
        if not _NAME.match(key[4:]):
            raise bad("not an environment variable name")
        return
    if key.startswith("flag."):
        if not _FLAG.match(key[5:]):
            raise bad("not a feature-flag name")
        return
    if key not in FIELDS:
        raise UsageError(
            f"persona field {key!r} is unknown",
            hint=f"Fields: {', '.join(FIELDS)}, env.NAME, flag.NAME.",
        )
    if "\x00" in value or "\n" in value:
        raise bad("control characters are not allowed")
    if key == "tz":
        if not _TZ.match(value) or ".." in value or not (ZONEINFO / value).is_file():
            raise bad(f"no such time zone in {ZONEINFO}")
    elif key == "lang" and not _LANG.match(value):
        raise bad("not a locale name such as zh_CN.UTF-8")
    elif key == "hostname" and not _HOSTNAME.match(value):
        raise bad("not a host name")
    elif key == "user" and not _USER.match(value):
        raise bad("not a user name (lower-case letters, digits, _ and -)")
    elif key in ("base_url", "proxy"):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad("not an http(s) URL")
        if not _HOSTNAME.match(parts.hostname):
            raise bad("the host is not a host name")
    elif key == "date":
        parse_date(value, key)


def parse_date(value: str, what: str = "date") -> datetime.datetime:
    """``2026-11-26`` (noon UTC) or ``2026-11-26T08:30:00`` (UTC) as an aware datetime."""
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"persona field {what}={value!r}: not a date such as 2026-11-26") from None
    if len(value) <= 10:
        parsed = parsed.replace(hour=12)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


# -- loading -----------------------------------------------------------------------------------


def _parse_many(text: str, origin: str) -> list[Persona]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"persona file {origin}: not valid YAML: {exc}") from exc
    items = data if isinstance(data, list) else [data]
    out = []
    for n, item in enumerate(items):
        try:
            out.append(PersonaFile.model_validate(item).persona())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"persona file {origin}: entry {n}: {where}: {first['msg']}") from exc
    return out


def builtin_personas() -> dict[str, Persona]:
    """The built-in personas by name."""
    text = (resources.files("agentxray.observe.personas") / "builtin.yaml").read_text("utf-8")
    return {p.name: p for p in _parse_many(text, "builtin.yaml")}


def _named(name: str) -> list[Persona]:
    builtins = builtin_personas()
    if name in builtins:
        return [builtins[name]]
    path = Path(name)
    if path.is_file():
        return _parse_many(path.read_text(encoding="utf-8"), str(path))
    raise UsageError(
        f"no persona named {name!r}",
        hint=f"Built-in personas: {', '.join(sorted(builtins))}; or a YAML file, or the inline "
        "form tz=Asia/Shanghai;base_url=https://llm-gw.corp.test.",
    )


def parse_persona(text: str) -> list[Persona]:
    """``--persona`` value: a built-in name, a YAML file (maybe several personas), or the inline
    form ``[base;]key=value;…`` whose name is the text itself unless it sets ``name=``."""
    if "=" not in text and ";" not in text:
        return _named(text.strip())
    fields: dict[str, str] = {}
    name = ""
    description = ""
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            bases = _named(key)
            if len(bases) != 1:
                raise UsageError(f"--persona {text!r}: {key} holds {len(bases)} personas, not one")
            fields.update(bases[0].as_dict())
            description = bases[0].description
            continue
        if key == "name":
            name = value
            continue
        check_field(key, value)
        fields[key] = value
    return [Persona(name or text, tuple(fields.items()), description)]


# -- one run ---------------------------------------------------------------------------------


def faketime_library() -> str | None:
    """The libfaketime preload library, when the faketime package is installed."""
    return next((p for p in FAKETIME_LIBS if Path(p).is_file()), None)


def default_clock(now: datetime.datetime | None = None) -> datetime.datetime:
    """The fixed clock every persona of a probe shares unless it sets ``date``: today, noon UTC
    (inside the run CA's validity, so TLS still works)."""
    now = now or datetime.datetime.now(datetime.UTC)
    return now.replace(hour=12, minute=0, second=0, microsecond=0)


def check_clock(when: datetime.datetime, now: datetime.datetime | None = None) -> None:
    """The fixed clock must lie inside the run CA's validity (from a day ago to 30 days on)."""
    now = now or datetime.datetime.now(datetime.UTC)
    if not now - datetime.timedelta(hours=23) <= when <= now + datetime.timedelta(days=29):
        raise UsageError(
            f"the fixed clock {when:%Y-%m-%d %H:%M} UTC is outside the run certificate's validity",
            hint="Pick a date between yesterday and four weeks from now; the agent would "
            "refuse the mock's certificate otherwise.",
        )


@dataclass(frozen=True, slots=True)
class RunSetup:
    """What one persona changes in a contained run."""

    env: dict[str, str]
    layout: dict[str, object]
    api_host: str | None


def api_host_of(persona: Persona) -> str | None:
    """The host of the persona's base URL (a path in it is not served: the mock answers at /)."""
    base = persona.get("base_url")
    if not base:
        return None
    parts = urlsplit(base)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port and parts.port != 443 else host


def sandbox_setup(
    persona: Persona, folder: Path, clock: datetime.datetime | None, home: Path
) -> RunSetup:
    """Environment and layout changes of one run as ``persona``; files go under ``folder``.

    ``clock`` is the fixed clock (the persona's ``date`` wins); ``home`` gets a ``.gitconfig``
    when the persona has a user or e-mail.
    """
    folder.mkdir(parents=True, exist_ok=True)
    env: dict[str, str] = {}
    layout: dict[str, object] = {}
    files: dict[str, Path] = {}
    tz = persona.get("tz")
    if tz:
        env["TZ"] = tz
        files["/etc/localtime"] = (ZONEINFO / tz).resolve()
        zone_file = folder / "timezone"
        zone_file.write_text(tz + "\n", encoding="utf-8")
        files["/etc/timezone"] = zone_file
    lang = persona.get("lang")
    if lang:
        env["LANG"] = lang
        env["LANGUAGE"] = lang.split(".", 1)[0]
    hostname = persona.get("hostname")
    if hostname:
        layout["hostname"] = hostname
        env["HOSTNAME"] = hostname
    user = persona.get("user")
    email = persona.get("email")
    if user:
        layout["user"] = user
        env["USER"] = env["LOGNAME"] = user
    if user or email:
        who = user or (email or "").split("@", 1)[0]
        env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = who
        if email:
            env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = email
        home.mkdir(parents=True, exist_ok=True)
        (home / ".gitconfig").write_text(
            f"[user]\n\tname = {who}\n" + (f"\temail = {email}\n" if email else ""),
            encoding="utf-8",
        )
    proxy = persona.get("proxy")
    if proxy:
        for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY"):
            env[name] = proxy
    date = persona.get("date")
    when = parse_date(date) if date else clock
    if when is not None:
        check_clock(when)
        library = faketime_library()
        if library is None:
            raise UsageError(
                "a fixed clock needs libfaketime, which is not installed",
                hint="Install the Debian package faketime, or pass --no-fixed-clock.",
            )
        offset = when.timestamp() - time.time()
        env["LD_PRELOAD"] = library
        env["FAKETIME"] = f"{offset:+.0f}"
        env["DONT_FAKE_MONOTONIC"] = "1"
    for key, value in persona.fields:
        if key.startswith("env."):
            env[key[4:]] = value
    # Only bind over files the image has (bubblewrap cannot create them under a read-only /);
    # a link (Debian's /etc/localtime -> /usr/share/zoneinfo/Etc/UTC) is replaced at its target.
    files = {
        str(Path(inside).resolve()): host for inside, host in files.items() if Path(inside).exists()
    }
    if files:
        layout["files"] = files
    return RunSetup(env=env, layout=layout, api_host=api_host_of(persona))


# -- recording -------------------------------------------------------------------------------

#: Feature-flag services: host or path pieces, and the service's name.
FLAG_SERVICES = (
    ("growthbook", "GrowthBook"),
    ("/api/features/", "GrowthBook"),
    ("/api/eval/", "GrowthBook"),
    ("statsig", "Statsig"),
    ("featuregates.org", "Statsig"),
    ("featureassets.org", "Statsig"),
    ("/v1/initialize", "Statsig"),
    ("/v1/check_gate", "Statsig"),
    ("launchdarkly", "LaunchDarkly"),
    ("/sdk/evalx/", "LaunchDarkly"),
    ("/msdk/evalx/", "LaunchDarkly"),
    ("configcat", "ConfigCat"),
    ("flagsmith", "Flagsmith"),
    ("/api/v1/flags", "Flagsmith"),
    ("/decide/", "PostHog"),
    ("/client/features", "Unleash"),
    ("/api/frontend", "Unleash"),
)
_FLAG_KEYS = ("gateName", "gate_name", "configName", "flag", "flagKey", "feature", "featureKey")


def flag_service(where: str) -> str | None:
    """The feature-flag service a host or URL belongs to, if it is one."""
    low = where.lower()
    return next((name for piece, name in FLAG_SERVICES if piece in low), None)


def flag_names(body: bytes) -> list[str]:
    """Flag names a request to a flag service names (``gateName``, ``forcedFeatures`` keys…)."""
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return []
    out: list[str] = []

    def walk(obj: Any, depth: int) -> None:
        if depth > 6:
            return
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k in _FLAG_KEYS and isinstance(v, str):
                    out.append(v)
                elif k in ("forcedFeatures", "features", "gates", "flags") and isinstance(
                    v, dict | list
                ):
                    out.extend(str(x) for x in (v if isinstance(v, list) else v.keys()))
                else:
                    walk(v, depth + 1)
        elif isinstance(obj, list):
            for x in obj[:500]:
                walk(x, depth + 1)

    walk(data, 0)
    return [n for n in dict.fromkeys(out) if _FLAG.match(n)]


def targeting(body: bytes) -> list[str]:
    """Names of the attributes a flag request sends for targeting (``attributes``, ``user``,
    ``context``): what the vendor can switch behaviour on."""
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(data, dict):
        return []
    for key in ("attributes", "user", "context"):
        value = data.get(key)
        if isinstance(value, dict):
            return sorted(str(k) for k in value)[:40]
    return []


def _texts(obj: Any, out: list[str], depth: int = 0) -> None:
    """Text of a request body part, in order (``text`` and string ``content`` values)."""
    if depth > 20:
        return
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, list):
        for x in obj:
            _texts(x, out, depth + 1)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("text", "content", "parts", "input", "instructions", "output"):
                _texts(v, out, depth + 1)


def _messages_text(messages: Any) -> str:
    lines = []
    for m in messages if isinstance(messages, list) else [messages]:
        role = m.get("role", "") if isinstance(m, dict) else ""
        parts: list[str] = []
        _texts(m, parts)
        lines.append(f"[{role}]\n" + "\n".join(parts))
    return "\n".join(lines)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1)


def _tools_text(tools: Any) -> str:
    """Tools as text: each tool's name, its description with its own line breaks, then the
    rest (the input schema) as indented JSON, so a changed word is a changed line."""
    out = []
    for tool in tools if isinstance(tools, list) else [tools]:
        if not isinstance(tool, dict):
            out.append(_dumps(tool))
            continue
        rest = {k: v for k, v in tool.items() if k not in ("name", "description")}
        out.append(f"## {tool.get('name', '')}\n{tool.get('description', '')}\n{_dumps(rest)}")
    return "\n".join(out)


def _body_text(body: bytes) -> str:
    """A request body as text; JSON indented (one value a line), so a changed id is one line."""
    text = body.decode("utf-8", "replace")
    try:
        return _dumps(json.loads(text)) if text.strip()[:1] in ("{", "[") else text
    except ValueError:
        return text


def _model_aspects(key: str, body: dict[str, Any], headers: list[str]) -> list[Aspect]:
    system: list[str] = []
    _texts(body.get("system", body.get("systemInstruction", body.get("instructions", ""))), system)
    messages = body.get("messages", body.get("contents", body.get("input", [])))
    rest = {
        k: v
        for k, v in body.items()
        if k not in ("system", "systemInstruction", "instructions", "messages", "contents",
                     "input", "tools")
    }  # fmt: skip
    return [
        Aspect("model_request.system", key, "\n".join(system)),
        Aspect("model_request.messages", key, _messages_text(messages)),
        Aspect("model_request.tools", key, _tools_text(body.get("tools", []))),
        Aspect("model_request.headers", key, "\n".join([*headers, *_dumps(rest).splitlines()])),
    ]


def recording_of(
    persona: str,
    repeat: int,
    *,
    exchanges: Any,
    events: Any,
    stdout: str,
    stderr: str,
    exit_code: int | None,
    run_paths: dict[str, str],
    run_id: str = "",
    duration_s: float = 0.0,
) -> Recording:
    """One run as text aspects. ``run_paths`` (host path → placeholder) are replaced first:
    a run's own folders are known, not noise to learn."""

    def clean(text: str) -> str:
        for path, placeholder in sorted(run_paths.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(path, placeholder)
        return text

    aspects: list[Aspect] = []
    counts: dict[str, int] = {}
    flags: list[str] = []
    for ex in exchanges:
        headers = dict(ex.request_headers)
        host = headers.get("host", "")
        path = ex.target.split("?", 1)[0]
        service = flag_service(f"{host}{ex.target}")
        if service is not None:
            flags.extend(flag_names(ex.request_body))
            attrs = targeting(ex.request_body)
            sent = f" (targeting: {', '.join(attrs)})" if attrs else ""
            flags.append(f"[{service} {ex.method} {host}{path}{sent}]")
        if ex.dialect and (ex.system or ex.first_user or ex.turn is not None):
            try:
                body = json.loads(ex.request_body or b"{}")
            except (ValueError, UnicodeDecodeError):
                body = {}
            if isinstance(body, dict):
                n = counts.get(path, 0)
                counts[path] = n + 1
                shown = [  # the host is the persona's; the length follows the body
                    f"{k}: {v}"
                    for k, v in sorted(ex.request_headers)
                    if k.lower() not in ("host", "content-length")
                ]
                key = f"{ex.method} {path} #{n}"
                for a in _model_aspects(key, body, shown):
                    aspects.append(Aspect(a.where, a.key, clean(a.text)))
                continue
        key = f"{host} {ex.method} {path}"
        body_text = _body_text(ex.request_body)
        # A body is a set of lines: batches (event logs) hold the same events in any order.
        aspects.append(Aspect("egress", key, clean(f"{ex.target}\n{body_text}"), True))
    hosts: set[str] = set()
    files: set[str] = set()
    procs: set[str] = set()
    for e in events:
        if e.kind in ("dns", "connect", "http", "tls-refused") and e.host:
            hosts.add(f"{e.kind} {e.host}" + (f":{e.port}" if e.port else ""))
        elif e.kind == "file" and e.path:
            if e.access == "touched" and _PROC_PID.match(e.path):
                continue  # a look at a process's /proc entry: when one exists is timing
            files.add(clean(f"{_ACCESS.get(e.access or '', e.access or '')} {_pids(e.path)}"))
        elif e.kind == "exec":
            argv = " ".join(e.argv) if e.argv else (e.path or e.process or "")
            procs.add(clean(argv))
    aspects += [
        Aspect("egress", "hosts", "\n".join(sorted(hosts)), lines_are_set=True),
        Aspect("files", "", "\n".join(sorted(files)), lines_are_set=True),
        Aspect("processes", "", "\n".join(sorted(procs)), lines_are_set=True),
        Aspect("output", "stdout", clean(stdout)),
        Aspect("output", "stderr", clean(stderr)),
        Aspect("exit", "", "killed at the timeout" if exit_code is None else str(exit_code)),
    ]
    return Recording(
        persona=persona,
        repeat=repeat,
        aspects=tuple(aspects),
        run_id=run_id,
        duration_s=duration_s,
        flags=tuple(dict.fromkeys(flags)),
    )


#: Whether a file the agent writes existed a moment before depends on the timing of its own
#: processes (a session file one of them creates first): written is written.
_ACCESS = {"created": "written"}
_PROC_PID = re.compile(r"^/proc/\d+(?=/|$)")


def _pids(path: str) -> str:
    """``/proc/1234/stat`` → ``/proc/⟨pid⟩/stat``: process ids are the kernel's, not the agent's."""
    return _PROC_PID.sub("/proc/\u27e8pid\u27e9", path)


# -- personas from a static scan ---------------------------------------------------------------

_HOSTLIKE = re.compile(
    r"^(?=.{3,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
)
_KEYWORD = re.compile(r"^[a-z][a-z0-9-]{2,40}$")
_LOCALE = re.compile(r"^([a-z]{2,3})[-_]([A-Z]{2})$")
#: Baseline of a probe built from a scan: a neutral company gateway, UTC, plain locale.
SCAN_BASELINE = (("base_url", "https://llm-gw.corp.test"), ("tz", "Etc/UTC"), ("lang", "C.UTF-8"))


def host_for(value: str) -> str | None:
    """An API host a decoded value stands for: a domain as ``api.<domain>`` (a host with more
    labels as it is), a bare keyword as ``api.<keyword>.com``; ``None`` for anything else."""
    low = value.strip().lower().lstrip(".")
    if low.startswith(("http://", "https://")):
        low = urlsplit(low).hostname or ""
    if _HOSTLIKE.match(low):
        return low if low.count(".") >= 2 else f"api.{low}"
    if _KEYWORD.match(low):
        return f"api.{low}.com"
    return None


def _host_cases(values: list[str]) -> list[str]:
    """Hosts that walk a host check's decision table: lists compared with one host are domains
    (matched by suffix) and bare keywords (matched as substrings); try a domain no keyword is
    in, a keyword no domain holds, and a domain that holds a keyword, then the rest in order."""
    domains = [v.lower().lstrip(".") for v in values if "." in v and host_for(v)]
    keywords = [v.lower() for v in values if "." not in v and _KEYWORD.match(v.lower())]

    def matches_domain(host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in domains)

    cases: list[str] = []
    only_domain = next((d for d in domains if not any(k in d for k in keywords)), None)
    only_keyword = next(
        (
            k
            for k in keywords
            if not matches_domain(f"api.{k}.com") and not any(k in d for d in domains)
        ),
        None,
    )
    both = next((d for d in domains if any(k in d for k in keywords)), None)
    for value in (only_domain, only_keyword, both, *domains, *keywords):
        host = host_for(value) if value else None
        if host and _HOSTNAME.match(host) and host not in cases:
            cases.append(host)
    return cases


def personas_from_findings(
    findings: Any, limit: int = 6
) -> tuple[list[Persona], dict[str, list[str]]]:
    """Personas that put a scan's findings to the test, the baseline first, and for each
    persona the ids of the findings it tests.

    Zones and locales compared in ``geofence`` findings become ``tz``/``lang`` personas; the
    hosts and keywords of ``fingerprint`` and ``obfuscated-data`` findings (decoded lists)
    become ``base_url`` personas chosen to walk the check's decision table
    (:func:`_host_cases`), up to ``limit`` personas in all.
    """
    base = Persona("scan-baseline", SCAN_BASELINE, "neutral gateway, UTC")
    made: dict[str, tuple[Persona, list[str]]] = {}

    def add(field_name: str, value: str, finding_ids: list[str]) -> None:
        name = f"{field_name}={value}"
        if name in made:
            made[name][1].extend(i for i in finding_ids if i not in made[name][1])
        elif len(made) < limit - 1:
            fields = dict(SCAN_BASELINE)
            fields[field_name] = value
            made[name] = (Persona(name, tuple(fields.items())), list(finding_ids))

    host_values: list[str] = []
    host_findings: list[Any] = []
    for f in findings:
        values = [*f.values, *f.decoded]
        if f.category == "geofence":
            zones = [v for v in values if _TZ.match(v) and "/" in v and (ZONEINFO / v).is_file()]
            for zone in zones[:1]:
                add("tz", zone, [f.id])
            for v in values:
                m = _LOCALE.match(v)
                if m:
                    add("lang", f"{m.group(1)}_{m.group(2)}.UTF-8", [f.id])
                    break
        elif f.category in ("fingerprint", "obfuscated-data"):
            host_values += [v for v in values if v not in host_values]
            host_findings.append(f)
    for host in _host_cases(host_values):
        if host == "llm-gw.corp.test":
            continue
        ids = [
            f.id
            for f in host_findings
            if any(host_for(v) == host or v.lower() in host for v in [*f.values, *f.decoded])
        ]
        add("base_url", f"https://{host}", ids)
    personas = [base, *(p for p, _ in made.values())]
    tests = {p.name: ids for p, ids in made.values()}
    return personas, tests
