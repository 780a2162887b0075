"""The known-hosts table: what a URL or an API path is for (model API, telemetry, flags…)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pydantic import TypeAdapter, ValidationError

from agentxray.errors import ConfigError
from agentxray.rules.schema import HostEntry

logger = logging.getLogger(__name__)

_URL = re.compile(
    r"^[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::\d*)?([^?#]*)", re.I
)

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, in C where libyaml is there (every run loads the rule packs and this
table: about 4x faster than the pure-Python loader)."""


@dataclass(frozen=True, slots=True)
class Classification:
    """What the table says about one URL or path."""

    purpose: str
    """One of :data:`agentxray.rules.schema.Purpose`."""
    name: str
    """The service, e.g. ``Datadog intake``."""
    ignore: bool = False
    """True for non-endpoints (namespaces, placeholders, loopback)."""


def split_url(url: str) -> tuple[str, str]:
    """``(host, path)`` of a URL, lower-case host; ``("", "")`` when it has no host."""
    m = _URL.match(url)
    if not m:
        return "", ""
    return m.group(1).lower().strip("[]"), m.group(2) or ""


class HostTable:
    """Classify hosts and paths by the most specific matching row."""

    def __init__(self, entries: tuple[HostEntry, ...]) -> None:
        self.entries = entries
        # Most specific first: host + path, then host alone, then path alone; longer first.
        self._ordered = sorted(entries, key=_specificity)
        # Row positions by host, and those without one: a host is compared only with the rows
        # naming one of its dot-suffixes (2 million distinct hosts took a minute row by row).
        self._by_host: dict[str, list[int]] = {}
        self._hostless: list[int] = []
        for at, entry in enumerate(self._ordered):
            if entry.host is None:
                self._hostless.append(at)
            else:
                self._by_host.setdefault(entry.host, []).append(at)
        self._memo: dict[tuple[str, str], Classification | None] = {}
        self._paths: dict[tuple[str, str], Classification | None] = {}

    def classify_url(self, url: str) -> Classification | None:
        """The purpose of a URL, or ``None`` when unknown."""
        host, path = split_url(url)
        return self.classify(host, path) if host else None

    def classify(self, host: str, path: str) -> Classification | None:
        """The purpose of ``host`` + ``path``; path-only rows apply to any host."""
        key = (host, path)
        if key not in self._memo:
            self._memo[key] = self._classify(host, path)
        return self._memo[key]

    def _candidates(self, host: str) -> list[HostEntry]:
        """The rows that may match ``host``, in specificity order."""
        labels = host.split(".")
        positions = list(self._hostless)
        for n in range(len(labels)):
            positions += self._by_host.get(".".join(labels[n:]), ())
        return [self._ordered[at] for at in sorted(positions)]

    def _classify(self, host: str, path: str) -> Classification | None:
        first = host.split(".", 1)[0]
        for entry in self._candidates(host):
            if entry.label is not None:
                if first == entry.label and host.count(".") >= 2:  # a subdomain, not the site
                    return Classification(entry.purpose, entry.name, entry.ignore)
                continue
            if entry.host is not None and not _host_matches(host, entry.host):
                continue
            if entry.path is not None and not path.startswith(entry.path):
                continue
            if entry.host is None and not path:
                continue
            if _website(host, path, entry):
                return Classification("docs", f"{entry.name} website")
            return Classification(entry.purpose, entry.name, entry.ignore)
        return None

    def classify_path(self, path: str) -> Classification | None:
        """The purpose of a bare API path such as ``/api/v2/logs`` (path-only rows)."""
        key = ("", path)
        if key not in self._paths:
            self._paths[key] = self._classify_path(path)
        return self._paths[key]

    def _classify_path(self, path: str) -> Classification | None:
        for entry in self._ordered:
            if entry.path is not None and entry.host is None and path.startswith(entry.path):
                return Classification(entry.purpose, entry.name, entry.ignore)
        return None

    def service_hosts(self) -> tuple[str, ...]:
        """Hosts of telemetry, error-reporting and flag services (needles for bare host names)."""
        return tuple(
            e.host
            for e in self.entries
            if e.host is not None and not e.ignore and e.purpose in _SERVICE_PURPOSES
        )

    def path_prefixes(self) -> tuple[str, ...]:
        """Literal prefixes of the path-only rows (prefilter needles for strings)."""
        return tuple(e.path for e in self.entries if e.host is None and e.path)


def _specificity(entry: HostEntry) -> tuple[int, int, int]:
    rank = 0 if entry.host and entry.path else 1 if entry.host else 2 if entry.label else 3
    return rank, -len(entry.host or ""), -len(entry.path or "")


#: Purposes of services whose bare site root is their public website, not the service.
_SERVICE_PURPOSES = frozenset({"telemetry", "error-reporting", "feature-flags"})


def _website(host: str, path: str, entry: HostEntry) -> bool:
    """``https://launchdarkly.com`` (a vendor's home page, e.g. in a list of third parties).

    A service's SDK talks to a subdomain (``app.launchdarkly.com``) or a path under it; the bare
    registered domain with no path is the vendor's web site, not a flag or telemetry endpoint.
    """
    return (
        entry.purpose in _SERVICE_PURPOSES
        and entry.host is not None
        and entry.path is None
        and entry.host.count(".") == 1
        and host in (entry.host, "www." + entry.host)
        and path in ("", "/")
    )


def _host_matches(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


def load_table(text: str, origin: str) -> HostTable:
    """Parse and validate a hosts table; raises :class:`ConfigError`."""
    return _table(_parse_table(text, origin), origin)


def _parse_table(text: str, origin: str) -> object:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid hosts table {origin}: {exc}".splitlines()[0]) from exc


def _table(raw: object, origin: str) -> HostTable:
    try:
        entries = TypeAdapter(tuple[HostEntry, ...]).validate_python(raw or ())
    except ValidationError as exc:
        raise ConfigError(f"invalid hosts table {origin}: {exc}".splitlines()[0]) from exc
    return HostTable(entries)


@cache
def default_hosts() -> HostTable:
    """The table shipped with agentxray (``rules/data/hosts.yml``); its parsed YAML is kept in
    the cache like the rule packs' (:func:`agentxray.rules.loader.load_parsed`)."""
    from agentxray.rules.loader import load_parsed

    origin = "agentxray.rules/data/hosts.yml"
    text = resources.files("agentxray.rules").joinpath("data/hosts.yml").read_text("utf-8")
    return load_parsed([(origin, text)], _parse_table, lambda raws: _table(raws[origin], origin))
