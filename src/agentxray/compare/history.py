"""Reports of consecutive versions → one lineage per finding: first, last, gaps.

Consecutive reports are paired with :func:`compare` (by id, then by evidence), so a finding
whose id changes between releases stays one line. A finding that vanished and comes back later
— the same id, or the same rule with agreeing evidence — continues its old lineage with a gap
recorded: "removed in 2.1.198, back in 2.1.240" is exactly what a researcher looks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agentxray.compare.versions import MATCH_THRESHOLD, VALUE_IDENTITY, compare, similarity
from agentxray.model import Finding, Report
from agentxray.model.history import Lineage


@dataclass(eq=False)  # identity, not field equality: two lines may look alike
class _Line:
    finding: Finding
    present_in: list[str]
    ids: list[str]
    gaps: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, version: str, finding: Finding, previous: str | None) -> None:
        if previous is not None and self.present_in[-1] != previous:
            self.gaps.append((self.present_in[-1], version))
        self.finding = finding
        self.present_in.append(version)
        if finding.id not in self.ids:
            self.ids.append(finding.id)


def timeline(reports: Sequence[tuple[str, Report]]) -> tuple[Lineage, ...]:
    """One lineage per finding over ``reports`` (version, report), given oldest first."""
    lines: list[_Line] = []
    active: dict[int, _Line] = {}  # id(finding in the previous report) → its line
    previous: tuple[str, Report] | None = None
    for version, report in reports:
        now: dict[int, _Line] = {}
        if previous is None:
            for f in report.findings:
                first = _Line(f, [version], [f.id])
                lines.append(first)
                now[id(f)] = first
        else:
            prev_version, prev_report = previous
            delta = compare(prev_report, report)
            # unchanged findings are the new report's objects; find their old twins by id
            old_by_id = {f.id: f for f in prev_report.findings}
            pairs = [(old_by_id.get(f.id), f) for f in delta.unchanged]
            pairs += [(c.before, c.after) for c in (*delta.changed, *delta.renamed)]
            for before, after in pairs:
                carried = active.get(id(before))
                if carried is not None:
                    carried.extend(version, after, prev_version)
                    now[id(after)] = carried
            live = {id(ln) for ln in (*now.values(), *active.values())}
            dormant = [ln for ln in lines if id(ln) not in live]
            for f in delta.added:
                revived = _revive(f, dormant)
                if revived is not None:
                    dormant.remove(revived)
                    revived.extend(version, f, prev_version)
                    now[id(f)] = revived
                else:
                    fresh = _Line(f, [version], [f.id])
                    lines.append(fresh)
                    now[id(f)] = fresh
        active = now
        previous = (version, report)
    return tuple(
        Lineage(ln.finding, tuple(ln.present_in), tuple(ln.ids), tuple(ln.gaps)) for ln in lines
    )


def _revive(finding: Finding, dormant: list[_Line]) -> _Line | None:
    """The vanished lineage ``finding`` continues, if any: same id, else agreeing evidence."""
    for line in dormant:
        if finding.id in line.ids:
            return line
    if finding.category in VALUE_IDENTITY:
        return None
    best: tuple[float, _Line] | None = None
    for line in dormant:
        if line.finding.rule != finding.rule:
            continue
        score = similarity(line.finding, finding)
        if score >= MATCH_THRESHOLD and (best is None or score > best[0]):
            best = (score, line)
    return best[1] if best else None
