"""Baselines: keep only the findings an earlier report (JSON or SARIF) did not already have.

Finding ids are stable across runs and, where the code is the same, across versions (the id is
a digest of the rule and the normalised evidence, not of offsets), so an id seen before is the
same finding seen again.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError
from agentxray.model import Notice, Report

#: The SARIF ``partialFingerprints`` key carrying the finding id (as ``render.sarif`` writes it).
SARIF_FINGERPRINT_KEY = "agentxrayFindingId/v1"


def _ids_from(document: Any) -> set[str] | None:
    """Finding ids of an agentxray JSON report or SARIF log; ``None`` when it is neither."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("findings"), list):
        return {f["id"] for f in document["findings"] if isinstance(f, dict) and "id" in f}
    if isinstance(document.get("runs"), list):
        ids: set[str] = set()
        for run in document["runs"]:
            for result in run.get("results", []) if isinstance(run, dict) else []:
                prints = result.get("partialFingerprints", {}) if isinstance(result, dict) else {}
                if isinstance(prints, dict) and SARIF_FINGERPRINT_KEY in prints:
                    ids.add(str(prints[SARIF_FINGERPRINT_KEY]))
        return ids
    return None


def load_baseline(path: Path) -> frozenset[str]:
    """The finding ids of the report at ``path`` (``scan --format json`` or ``sarif``)."""
    hint = "Give a report written by `agentxray scan --format json -o FILE` (or sarif)."
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc.strerror}", hint=hint) from exc
    except ValueError as exc:
        raise UsageError(f"baseline {path} is not JSON ({exc})", hint=hint) from exc
    ids = _ids_from(document)
    if ids is None:
        raise UsageError(f"baseline {path} is not an agentxray JSON report or SARIF log", hint=hint)
    return frozenset(ids)


def apply_baseline(report: Report, known: frozenset[str], origin: str) -> Report:
    """``report`` without the findings whose id is in ``known``; a notice says how many left."""
    new = tuple(f for f in report.findings if f.id not in known)
    dropped = len(report.findings) - len(new)
    notice = Notice(
        "baseline",
        f"{dropped} of {len(report.findings)} findings are already in the baseline {origin} and "
        f"not shown; {len(new)} new",
        None,
        "info",
    )
    return dataclasses.replace(report, findings=new, notices=(*report.notices, notice))
