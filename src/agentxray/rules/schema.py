"""The closed schema of rule files and of the known-hosts table (pydantic, unknown keys refused)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agentxray.model import Category, Confidence, FactKind, Severity

RULE_ID = re.compile(r"^AXR-[A-Z]{2,4}-\d{3}$")
"""Rule ids: ``AXR-<category code>-<number>``; stable, never reused (see ``retired.yml``)."""

Language = Literal["javascript", "typescript", "python", "strings"]
Purpose = Literal[
    "model-api",
    "telemetry",
    "error-reporting",
    "feature-flags",
    "updates",
    "auth",
    "package-registry",
    "cloud-metadata",
    "docs",
    "other",
]
Role = Literal[
    "payload", "header", "destination", "condition", "code", "command", "target", "content"
]
"""How a value reaches a sink (see :data:`agentxray.rules.engine.FLOW`): ``payload`` the data a
network request sends (body, query string, beacon data, a DNS name), ``header`` its headers,
``destination`` its URL or host, ``condition`` a test that decides whether the sink runs (an
exit, a feature), ``code`` the code given to ``eval``/``Function``/``vm``/``import()``,
``command`` a process's command line, ``target`` the file a write, rename or copy replaces and
``content`` what it writes there."""
MATCHERS = ("equals", "any_of", "contains", "startswith", "regex", "host", "purpose", "name")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FactPattern(_Closed):
    """A leaf: facts of one kind whose value satisfies exactly one matcher."""

    fact: FactKind
    equals: str | None = None
    any_of: tuple[str, ...] | None = None
    contains: str | None = None
    startswith: str | None = None
    regex: str | None = None
    host: tuple[str, ...] | None = None
    """Host suffixes: ``datadoghq.com`` matches ``http-intake.logs.datadoghq.com``."""
    purpose: tuple[Purpose, ...] | None = None
    """Purposes from the known-hosts table (URLs by host and path, strings by path)."""
    name: tuple[str, ...] | None = None
    """Last dotted segment of the value (``cp.spawn`` has name ``spawn``)."""
    needles: tuple[str, ...] = ()
    """Literals one of which every matching value contains (the fast prefilter for ``regex``)."""
    in_list: bool | None = None
    """``False``: only string literals that are not elements of an array literal (entries of a
    deny-list or allow-list name paths and hosts without using them); ``True``: only elements."""
    reaches: tuple[Role, ...] | None = None
    """Only facts the extractors' data flow carried into a sink in one of these roles (a
    credential file's contents reaching a request's payload through variables and helpers).
    Without it a pattern sees only the facts where they occur, never those carried copies."""

    @model_validator(mode="after")
    def _one_matcher(self) -> FactPattern:
        used = [m for m in MATCHERS if getattr(self, m) is not None]
        if len(used) > 1:
            raise ValueError(f"a fact pattern takes at most one matcher, got {used}")
        if self.regex is not None:
            re.compile(self.regex)
        return self


class Flow(_Closed):
    """Taint-like pair: a source fact and a sink fact in the same scope (or the source inside)."""

    source: Expr
    sink: Expr
    inside: bool = False
    """Require the source's span to lie inside the sink's span (an argument of the call). The
    source expression is then evaluated once per sink over the facts inside it, so ``all`` and
    ``not`` speak of one request (``not`` a model-API destination of *that* request)."""


class Expr(_Closed):
    """A match expression: exactly one of ``all``, ``any``, ``not``, ``flow`` or a fact pattern."""

    all: tuple[Expr, ...] | None = None
    any: tuple[Expr, ...] | None = None
    not_: Expr | None = Field(default=None, alias="not")
    flow: Flow | None = None
    fact: FactPattern | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _leaf(cls, data: object) -> object:
        if isinstance(data, dict) and "fact" in data and not isinstance(data["fact"], dict):
            return {"fact": data}
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Expr:
        used = [k for k in ("all", "any", "not_", "flow", "fact") if getattr(self, k) is not None]
        if len(used) != 1:
            raise ValueError(
                f"an expression takes exactly one of all/any/not/flow/fact, got {used}"
            )
        return self


class RuleDoc(_Closed):
    """The rule's documentation page, ruff style."""

    what: str
    why: str
    example: str
    instead: str
    references: tuple[str, ...] = ()


class Rule(_Closed):
    """One rule: an id, what it reports, on which languages, and its match expression."""

    id: str
    category: Category
    severity: Severity
    confidence: Confidence = "high"
    title: str
    message: str
    """Plain-language text; ``{values}`` is replaced by the matched values."""
    languages: tuple[Language, ...]
    scope: Literal["file", "function"] = "file"
    report: Literal["once", "each"] = "once"
    """``once``: one finding per scope; ``each``: one finding per distinct key of the evidence."""
    group_by: Literal["value", "detail"] = "value"
    """With ``report: each``: group evidence by fact value or by detail (a URL's host)."""
    match: Expr
    doc: RuleDoc

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError(f"rule id {value!r} does not look like AXR-ABC-001")
        return value


class HostEntry(_Closed):
    """One row of the known-hosts table."""

    host: str | None = None
    """Host suffix; ``None`` for a path-only entry (strings like ``/api/v2/logs``)."""
    path: str | None = None
    """Path prefix, when the purpose depends on it."""
    label: str | None = None
    """First DNS label of an otherwise unknown host (``telemetry`` in ``telemetry.acme.dev``)."""
    purpose: Purpose
    name: str
    """What it is, e.g. ``Datadog log intake``."""
    ignore: bool = False
    """Not an endpoint at all (XML namespaces, documentation placeholders, loopback)."""

    @model_validator(mode="after")
    def _host_or_path(self) -> HostEntry:
        if self.host is None and self.path is None and self.label is None:
            raise ValueError("a host entry needs a host, a label or a path")
        if self.label is not None and (self.host is not None or self.path is not None):
            raise ValueError("a label entry takes no host or path")
        return self


Flow.model_rebuild()
Expr.model_rebuild()
