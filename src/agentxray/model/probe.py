"""A probe: the same agent run as different personas, recorded as text and compared."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Where a difference can be, as the report schema's ``differences[].where`` names it.
WHERES = (
    "model_request.system",
    "model_request.messages",
    "model_request.tools",
    "model_request.headers",
    "egress",
    "files",
    "processes",
    "output",
    "exit",
)


@dataclass(frozen=True, slots=True)
class Persona:
    """Who the agent believes it runs for and which server it talks to.

    ``fields`` are ``key → value`` in the inline form's vocabulary: ``tz``, ``lang``, ``hostname``,
    ``user``, ``email``, ``base_url``, ``date``, ``proxy``, ``env.NAME``, ``flag.NAME``.
    """

    name: str
    fields: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of field ``key``."""
        return dict(self.fields).get(key, default)

    def as_dict(self) -> dict[str, str]:
        """The fields as a dict (for the report's ``run.persona``)."""
        return dict(self.fields)


@dataclass(frozen=True, slots=True)
class Aspect:
    """One observed thing of one run, as text (a set of items is sorted lines)."""

    where: str
    """One of :data:`WHERES`."""
    key: str
    """Which one: ``0 POST /v1/messages`` for a model request, a host for egress, ``""``."""
    text: str
    lines_are_set: bool = False
    """The lines are a set (files, processes, hosts): order carries no meaning."""


@dataclass(frozen=True, slots=True)
class Recording:
    """What one run of one persona showed, stage-neutral (built by observe, compared by compare)."""

    persona: str
    repeat: int
    aspects: tuple[Aspect, ...]
    run_id: str = ""
    duration_s: float = 0.0
    flags: tuple[str, ...] = ()
    """Feature-flag names the agent asked a flag service about, in order of first request."""


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where two personas' runs differ once repeat-to-repeat noise is removed."""

    personas: tuple[str, str]
    where: str
    key: str
    before: str
    """The differing lines of the first persona (``""`` when it had none)."""
    after: str
    code_points: tuple[str, ...] = ()
    """Changed characters, ``U+0027 APOSTROPHE -> U+02B9 MODIFIER LETTER PRIME`` (×count)."""
    notes: tuple[str, ...] = ()
    """Format changes called out: ``date format 2026-11-26 → 2026/11/26``."""
    fields: tuple[str, ...] = ()
    """The persona fields this difference is attributed to."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """A whole probe: personas, their recordings, the learned noise and the differences."""

    target: str
    personas: tuple[Persona, ...]
    recordings: tuple[Recording, ...]
    differences: tuple[Difference, ...] = ()
    noise: tuple[str, ...] = field(default=())
    """What was learned as noise, one readable line each (``files: token after 'backup .'``)."""
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What a probe showed about one static finding (the schema's ``finding.confirmation``)."""

    finding: str
    """The finding's id."""
    status: str
    """``confirmed``, ``not-observed`` or ``not-reachable-offline``."""
    evidence: str = ""
    run: str = ""
