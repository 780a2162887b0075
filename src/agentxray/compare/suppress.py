"""Suppressions: findings a person has reviewed and accepted, each with a required reason.

They live in a file the *user* owns (``.agentxray-ignore.yaml`` in the directory the scan runs
from, or ``--ignore-file``), never in the scanned code: the scanned agent is the party under
audit, and an inline ``// agentxray-ignore`` comment in its bundle would let it hide its own
geofence. Comments in scanned code are therefore not honoured.

The file is a YAML list; each entry names a finding ``id`` or a ``rule`` (optionally narrowed
to virtual paths matching a ``path`` glob) and gives a ``reason``::

    - id: "geofence:5f3a9c0d11e2b7a4"
      reason: "reviewed 2026-12-07: region list only picks the docs mirror"
    - rule: AXR-END-001
      path: "*!strings/*"
      reason: "endpoint inventory of native strings is reviewed by hand"
"""

from __future__ import annotations

import dataclasses
import fnmatch
from pathlib import Path

import yaml

from agentxray.errors import ConfigError
from agentxray.model import Finding, Notice, Report

#: The suppressions file looked for in the current directory when none is given.
DEFAULT_IGNORE_FILE = ".agentxray-ignore.yaml"


@dataclasses.dataclass(frozen=True, slots=True)
class Suppression:
    """One accepted finding (by id) or class of findings (by rule and path glob)."""

    reason: str
    """Why it is accepted; required, shown in the report's notices."""
    id: str | None = None
    """A finding id, as printed by ``scan`` (``rule … · id …``)."""
    rule: str | None = None
    """A rule id (``AXR-END-001``) or a built-in detector's rule name."""
    path: str | None = None
    """A glob over the finding's virtual path (``fnmatch`` syntax), with ``rule``."""

    def matches(self, finding: Finding) -> bool:
        """True when this entry accepts ``finding``."""
        if self.id is not None:
            return finding.id == self.id or finding.id.split("#", 1)[0] == self.id
        if self.rule is not None and finding.rule != self.rule:
            return False
        return self.path is None or fnmatch.fnmatchcase(finding.location.artifact, self.path)


def load_suppressions(path: Path) -> tuple[Suppression, ...]:
    """Parse and check the suppressions file at ``path``; raises :class:`ConfigError`."""
    hint = f"Each entry of {path.name} needs `id:` or `rule:` and a non-empty `reason:`."
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read suppressions {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"suppressions {path} is not valid YAML ({first})") from exc
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"suppressions {path} must be a YAML list", hint=hint)
    out: list[Suppression] = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict) or set(item) - {"id", "rule", "path", "reason"}:
            raise ConfigError(f"suppressions {path}: entry {n} has unknown keys", hint=hint)
        values = {k: str(v).strip() for k, v in item.items() if v is not None}
        if not values.get("reason"):
            raise ConfigError(f"suppressions {path}: entry {n} has no reason", hint=hint)
        if not values.get("id") and not values.get("rule"):
            raise ConfigError(f"suppressions {path}: entry {n} names no id or rule", hint=hint)
        if values.get("path") and values.get("id"):
            raise ConfigError(f"suppressions {path}: entry {n} has both id and path", hint=hint)
        out.append(
            Suppression(values["reason"], values.get("id"), values.get("rule"), values.get("path"))
        )
    return tuple(out)


def apply_suppressions(
    report: Report, suppressions: tuple[Suppression, ...], origin: str
) -> Report:
    """``report`` without the accepted findings; each one, and each unused entry, a notice."""
    kept: list[Finding] = []
    notices: list[Notice] = []
    used: set[int] = set()
    for finding in report.findings:
        hit = next((i for i, s in enumerate(suppressions) if s.matches(finding)), None)
        if hit is None:
            kept.append(finding)
            continue
        used.add(hit)
        notices.append(
            Notice(
                "suppressed",
                f"{finding.id} ({finding.severity}) suppressed by {origin}: "
                f"{suppressions[hit].reason}",
                finding.location.artifact,
                "info",
            )
        )
    for i, entry in enumerate(suppressions):
        if i not in used:
            what = entry.id or f"rule {entry.rule}" + (f" at {entry.path}" if entry.path else "")
            notices.append(
                Notice(
                    "suppression-unused",
                    f"{origin} entry {i + 1} ({what}) matched nothing",
                    None,
                    "info",
                )
            )
    return dataclasses.replace(report, findings=tuple(kept), notices=(*report.notices, *notices))
