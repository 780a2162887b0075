"""A live run's events become facts for the rule engine, and findings in the report's categories."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from agentxray.model import Category, Event, Fact, FactKind, Finding, Location, Severity
from agentxray.observe.honeytokens import Hit, Honeypot
from agentxray.rules import default_rules
from agentxray.rules.engine import Engine
from agentxray.rules.hosts import split_url
from agentxray.rules.loader import leaves
from agentxray.rules.report import to_finding
from agentxray.rules.schema import Rule

logger = logging.getLogger(__name__)

LIVE_FACTS: frozenset[FactKind] = frozenset({"file_read", "exec", "url", "network_request"})
"""The fact kinds a run yields: files read, processes started, URLs and requests."""
RULE_HONEYTOKEN = "run-honeytoken"
RULE_DOWNLOAD_EXEC = "run-download-exec"
RULE_ENVIRONMENT = "run-environment-sent"
MIN_SIGNAL = 4
"""Environment values shorter than this are too common to count when found in a payload."""


def run_location(run_id: str, event: Event) -> Location:
    """Where a live finding is: the run (``run:<id>``) and the event's ``seq`` as its line."""
    return Location(artifact=f"run:{run_id}", line=event.seq)


def mask(secret: str) -> str:
    """A secret shown without giving it away: its first characters and its length."""
    head = secret.splitlines()[0] if "\n" in secret else secret
    return f"{head[:8]}… ({len(secret)} characters)"


def hit_event(pot: Honeypot, hit: Hit, source: Event, seq: int) -> Event:
    """The ``honeytoken`` event for ``hit`` found in the egress ``source`` (an ``http``, ``dns``
    or ``connect`` event): destination from the source, ``path`` the token's file, ``detail``
    its kind, masked value and encoding; ``expected`` when the provider's own model host."""
    host = source.host or split_url(source.url or "")[0]
    token = hit.token
    detail = f"{token.kind} {mask(token.value)} in {hit.where} ({hit.encoding})"
    if host and pot.expected(token, host):
        detail += "; expected: the provider's own key sent to its model host"
    return Event(
        seq=seq,
        kind="honeytoken",
        time=source.time,
        host=host or None,
        port=source.port,
        method=source.method,
        url=source.url,
        path=token.file,
        blocked=source.blocked,
        detail=detail,
    )


def facts(events: Sequence[Event], run_id: str) -> list[Fact]:
    """The facts of a run: reads as ``file_read``, processes as ``exec``, requests as ``url`` and
    ``network_request``, names resolved but never requested as ``url`` (``dns://name``); the
    scope is the process (``pid:42``), so "in the same function" means "in the same process"."""
    out: list[Fact] = []
    requested: set[str] = set()
    for e in events:
        if e.kind == "http" and e.host:
            requested.add(e.host.lower())
    for e in events:
        loc = run_location(run_id, e)
        scope = f"pid:{e.pid}" if e.pid is not None else ""
        if e.kind == "file" and e.access == "read" and e.path:
            out.append(Fact("file_read", e.path, loc, e.process or "", scope))
        elif e.kind == "exec" and (e.argv or e.path):
            line = " ".join(e.argv) if e.argv else e.path or ""
            out.append(Fact("exec", line, loc, e.path or "", scope))
        elif e.kind == "http" and (e.url or e.host):
            url = e.url or f"https://{e.host}/"
            host = e.host or split_url(url)[0]
            out.append(Fact("url", url, loc, host, scope))
            out.append(Fact("network_request", f"{e.method or 'GET'} {url}", loc, host, scope))
        elif e.kind == "dns" and e.host and e.host.lower().rstrip(".") not in requested:
            host = e.host.lower().rstrip(".")
            requested.add(host)
            out.append(Fact("url", f"dns://{host}", loc, host, scope))
    return out


def live_rules(rules: Sequence[Rule]) -> list[Rule]:
    """The rules that can hold over a run's facts: some leaf of a live fact kind, none needing
    a value the extractors' data flow carried (runs have no such copies), one per category and
    live pattern."""
    out = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for rule in rules:
        pats = list(leaves(rule.match))
        if any(p.reaches is not None for p in pats):
            continue
        live = tuple(sorted(p.model_dump_json() for p in pats if p.fact in LIVE_FACTS))
        # Rules that differ only in what they see in source (one per language) see the same
        # thing in a run: the first one speaks for all.
        if live and (rule.category, live) not in seen:
            seen.add((rule.category, live))
            out.append(rule)
    return out


def run_findings(
    events: Sequence[Event],
    run_id: str,
    *,
    model_hosts: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
    payloads: Mapping[int, bytes] | None = None,
    engine: Engine | None = None,
) -> list[Finding]:
    """Findings of one run, most severe first.

    ``model_hosts`` are the agent's own model API hosts; ``environment`` the run's identifying
    values by signal (``hostname``, ``user``, ``timezone``…) and ``payloads`` request bodies by
    the ``seq`` of their ``http`` event, for telling telemetry that carries them.
    """
    if engine is None:
        engine = Engine(live_rules(default_rules().rules))
    models = {h.lower() for h in model_hosts}
    out: list[Finding] = []
    out += _rule_findings(engine, events, run_id)
    out += _honeytoken_findings(events, run_id)
    out += _download_exec_findings(events, run_id, engine, models)
    out += _environment_findings(events, run_id, engine, models, environment, payloads)
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    return sorted(out, key=lambda f: (rank[f.severity], f.category, f.id))


def _readers(events: Sequence[Event], path: str) -> list[Event]:
    return [e for e in events if e.kind == "file" and e.path == path and e.access == "read"]


def _who(readers: Sequence[Event]) -> str:
    names = dict.fromkeys(f"{e.process or 'a process'} (pid {e.pid})" for e in readers)
    return ", ".join(list(names)[:4])


def _rule_findings(engine: Engine, events: Sequence[Event], run_id: str) -> list[Finding]:
    out = []
    by_seq = {e.seq: e for e in events}
    for match in engine.run(facts(events, run_id)):
        finding = to_finding(engine, match, "run")
        if match.rule.category == "credential-access":
            readers = [by_seq[f.location.line] for f in match.evidence if f.location.line]
            if readers:
                finding = replace(
                    finding, message=f"{finding.message} Read during the run by {_who(readers)}."
                )
        out.append(finding)
    return out


def _finding(
    rule: str,
    category: Category,
    severity: Severity,
    title: str,
    message: str,
    key: str,
    where: Location,
    related: Sequence[Location] = (),
    values: Sequence[str] = (),
    signals: Sequence[str] = (),
) -> Finding:
    digest = hashlib.sha256(f"{rule}\0{key}".encode()).hexdigest()[:16]
    return Finding(
        id=f"{rule}-{digest}",
        rule=rule,
        category=category,
        severity=severity,
        title=title,
        location=where,
        message=message,
        related=tuple(dict.fromkeys(r for r in related if r != where)),
        values=tuple(values),
        signals=tuple(signals),
    )


def _honeytoken_findings(events: Sequence[Event], run_id: str) -> list[Finding]:
    """One ``exfiltration`` finding per planted secret and destination (expected ones left out)."""
    grouped: dict[tuple[str, str, str], list[Event]] = {}
    for e in events:
        if e.kind == "honeytoken" and "; expected:" not in (e.detail or ""):
            # The detail starts with the token's kind (hit_event's and the sandbox's wording).
            kind = (e.detail or "secret").split(" ", 1)[0]
            grouped.setdefault((kind, e.path or "", e.host or e.url or "?"), []).append(e)
    out = []
    for (kind, file, host), hits in grouped.items():
        first = hits[0]
        readers = [r for r in _readers(events, file) if r.seq < first.seq] or _readers(events, file)
        who = (
            f"read by {_who(readers)}" if readers else "no traced process was seen reading the file"
        )
        blocked = all(h.blocked for h in hits)
        outcome = "The policy blocked the request." if blocked else "It left the sandbox."
        out.append(
            _finding(
                RULE_HONEYTOKEN,
                "exfiltration",
                "high",
                "Planted secret sent out",
                f"The {kind} planted in {file} was sent to {host}"
                f" ({len(hits)} time{'s' if len(hits) > 1 else ''}); {who}. {outcome}",
                f"{kind}\0{file}\0{host}",
                run_location(run_id, first),
                [run_location(run_id, r) for r in readers]
                + [run_location(run_id, h) for h in hits],
                [
                    *dict.fromkeys(h.detail or kind for h in hits[:3]),
                    f"file {file}",
                    f"destination {host}",
                    *(f"process {_who([r])}" for r in readers[:3]),
                ],
            )
        )
    return out


def _non_model(engine: Engine, e: Event, models: set[str]) -> bool:
    """Whether a request went somewhere other than the model API: by the known-hosts table's
    purpose for the host and path (event logging on the model host is not the model API),
    else by the agent's model hosts."""
    host, path = (e.host or split_url(e.url or "")[0]).lower(), split_url(e.url or "")[1]
    if not host:
        return False
    known = engine.hosts.classify(host, path)
    if known is not None and not known.ignore:
        return known.purpose != "model-api"
    return host not in models


def _download_exec_findings(
    events: Sequence[Event], run_id: str, engine: Engine, models: set[str]
) -> list[Finding]:
    """A file written after a download from a non-model host, outside the workspace, and then
    run: the run installed or started code it fetched (``auto-update``)."""
    out = []
    downloads = [
        e for e in events
        if e.kind == "http" and (e.bytes_received or 0) > 0 and _non_model(engine, e, models)
    ]  # fmt: skip
    written: dict[str, Event] = {}
    for e in events:
        if e.kind == "file" and e.access in ("written", "created") and e.path:
            written.setdefault(e.path, e)
    for e in events:
        if e.kind != "exec" or e.path not in written:
            continue
        write = written[e.path]
        if write.seq > e.seq or not (e.path.startswith(("/", "~"))):
            continue  # run before it was written, or a workspace file the task made
        before = [d for d in downloads if d.seq < write.seq]
        if not before:
            continue
        source = before[-1]
        url = source.url or source.host or "?"
        out.append(
            _finding(
                RULE_DOWNLOAD_EXEC,
                "auto-update",
                "medium",
                "Downloaded file written and run",
                f"After downloading from {url}, {write.process or 'a process'} wrote {e.path}"
                f" and {e.process or 'it'} was then run"
                + (f" as `{' '.join(e.argv)}`" if e.argv else "")
                + ": code fetched during the run was installed or started.",
                e.path,
                run_location(run_id, e),
                [run_location(run_id, source), run_location(run_id, write)],
                [f"download {url}", f"file {e.path}", f"command `{' '.join(e.argv or ())}`"],
            )
        )
    return out


def _whole(value: str) -> re.Pattern[str]:
    """``value`` as a whole word: the user ``amorgan`` is not in the host ``amorgan-laptop``,
    but is in ``/home/amorgan/src``."""
    return re.compile(rf"(?<![\w.-]){re.escape(value)}(?![\w-]|\.\w)")


def _environment_findings(
    events: Sequence[Event],
    run_id: str,
    engine: Engine,
    models: set[str],
    environment: Mapping[str, str] | None,
    payloads: Mapping[int, bytes] | None,
) -> list[Finding]:
    """Requests to hosts other than the model API whose payload carries the run's identifying
    values (host name, user, timezone…): ``telemetry`` naming which ones, per host."""
    if not environment or not payloads:
        return []
    wanted = {k: v for k, v in environment.items() if len(v) >= MIN_SIGNAL}
    per_host: dict[str, tuple[list[Event], set[str]]] = {}
    for e in events:
        body = payloads.get(e.seq)
        if e.kind != "http" or not body or not _non_model(engine, e, models):
            continue
        text = body.decode("utf-8", "replace")
        found = {k for k, v in wanted.items() if _whole(v).search(text)}
        if found:
            entry = per_host.setdefault((e.host or split_url(e.url or "")[0]), ([], set()))
            entry[0].append(e)
            entry[1].update(found)
    out = []
    for host, (sent, signals) in per_host.items():
        names = sorted(signals)
        out.append(
            _finding(
                RULE_ENVIRONMENT,
                "telemetry",
                "low",
                "Machine, user or session details sent to a non-model endpoint",
                f"Requests to {host} carried the run's {', '.join(names)}"
                f" ({len(sent)} request{'s' if len(sent) > 1 else ''}).",
                host,
                run_location(run_id, sent[0]),
                [run_location(run_id, e) for e in sent[1:]],
                [sent[0].url or host, *(f"{n}: {wanted[n]}" for n in names)],
                names,
            )
        )
    return out
