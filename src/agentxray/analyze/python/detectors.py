"""The Python detectors for geofence, fingerprint, obfuscated data and watermarks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import ClassVar

from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.analyze.python.analysis import analyse
from agentxray.analyze.python.identity import identity_findings
from agentxray.analyze.python.obfuscated import obfuscation_findings
from agentxray.analyze.python.parse import AST_KEY
from agentxray.analyze.python.region import region_findings
from agentxray.analyze.python.targeting import targeting_findings
from agentxray.analyze.python.watermark import watermark_findings
from agentxray.model import Category, FileKind, Finding, Notice

logger = logging.getLogger(__name__)

PY_KINDS: frozenset[FileKind] = frozenset({"python"})
_FINDINGS_KEY = "agentxray.analyze.python.findings"


def py_findings(unit: SourceUnit) -> dict[Category, list[Finding]] | Notice | None:
    """All four categories for one file, computed once per unit.

    ``None`` when the file does not parse (the Python rules detector reports that); a notice
    when it nests too deeply to analyse.
    """
    cached = unit.context.get(_FINDINGS_KEY)
    if isinstance(cached, (dict, Notice)):
        return cached
    try:
        a = analyse(unit)
        geofences = region_findings(a) + targeting_findings(a)
        fingerprints, compared = identity_findings(a)
        compared.update(v for f in geofences for v in f.decoded)
        compared.update(a.flow.hidden)
        out: dict[Category, list[Finding]] | Notice = {
            "geofence": geofences,
            "fingerprint": fingerprints,
            "obfuscated-data": obfuscation_findings(a, compared),
            "watermark": watermark_findings(a),
        }
    except (SyntaxError, ValueError):
        return None
    except (RecursionError, MemoryError):
        if isinstance(unit.context.get(AST_KEY), BaseException):
            return None  # did not parse: the Python rules detector says so
        out = Notice(
            "analysis-skipped",
            "py-detectors: the module nests too deeply to follow its data flow",
            unit.entry.vpath,
        )
    unit.context[_FINDINGS_KEY] = out
    return out


class _PyCategoryDetector(Detector):
    category: ClassVar[Category]
    kinds = PY_KINDS

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        found = py_findings(unit)
        if found is None:
            return []
        if isinstance(found, Notice):
            return [found] if self.category == "geofence" else []
        return list(found[self.category])


class PyGeofenceDetector(_PyCategoryDetector):
    """Region signals (timezone, UTC offset, locale, IP country) compared with regional values."""

    name = "py-geofence"
    category = "geofence"


class PyFingerprintDetector(_PyCategoryDetector):
    """Identity signals (API base URL host, hostname, user, machine id) checked or hashed."""

    name = "py-fingerprint"
    category = "fingerprint"


class PyObfuscatedDataDetector(_PyCategoryDetector):
    """Encoded literals decoded by a pure evaluator (never executed); reports decoded values."""

    name = "py-obfuscated-data"
    category = "obfuscated-data"


class PyWatermarkDetector(_PyCategoryDetector):
    """Look-alike text variants chosen by a condition and written into produced text."""

    name = "py-watermark"
    category = "watermark"


PY_DETECTORS: tuple[type[Detector], ...] = (
    PyGeofenceDetector,
    PyFingerprintDetector,
    PyObfuscatedDataDetector,
    PyWatermarkDetector,
)
