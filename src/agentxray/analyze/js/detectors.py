"""The JavaScript detectors for geofence, fingerprint, obfuscated data and watermarks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import ClassVar

from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.analyze.js.analysis import analyse
from agentxray.analyze.js.deobfuscate.report import obfuscation_findings
from agentxray.analyze.js.region import identity_findings, region_findings
from agentxray.analyze.js.watermark import watermark_findings
from agentxray.model import Category, FileKind, Finding, Notice

logger = logging.getLogger(__name__)

JS_KINDS: frozenset[FileKind] = frozenset({"javascript", "typescript"})
_FINDINGS_KEY = "agentxray.analyze.js.findings"


def js_findings(unit: SourceUnit) -> dict[Category, list[Finding]]:
    """All four categories for one file, computed once per unit."""
    cached = unit.context.get(_FINDINGS_KEY)
    if isinstance(cached, dict):
        return cached
    a = analyse(unit)
    fingerprints, compared = identity_findings(a)
    out: dict[Category, list[Finding]] = {
        "geofence": region_findings(a),
        "fingerprint": fingerprints,
        "obfuscated-data": obfuscation_findings(a, compared),
        "watermark": watermark_findings(a),
    }
    unit.context[_FINDINGS_KEY] = out
    return out


class _JsCategoryDetector(Detector):
    category: ClassVar[Category]
    kinds = JS_KINDS

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        found: list[Finding | Notice] = list(js_findings(unit)[self.category])
        if self.category == "obfuscated-data":
            found.extend(analyse(unit).notices)
        return found


class GeofenceDetector(_JsCategoryDetector):
    """Region signals (timezone, UTC offset, locale) compared with region-specific values."""

    name = "js-geofence"
    category = "geofence"


class FingerprintDetector(_JsCategoryDetector):
    """Identity signals (API base URL host, hostname, user, machine id) checked against lists."""

    name = "js-fingerprint"
    category = "fingerprint"


class ObfuscatedDataDetector(_JsCategoryDetector):
    """Decoders of hidden strings, evaluated in a sandboxed isolate; reports decoded values."""

    name = "js-obfuscated-data"
    category = "obfuscated-data"


class WatermarkDetector(_JsCategoryDetector):
    """Look-alike text variants chosen by a condition and written into produced text."""

    name = "js-watermark"
    category = "watermark"


JS_DETECTORS: tuple[type[Detector], ...] = (
    GeofenceDetector,
    FingerprintDetector,
    ObfuscatedDataDetector,
    WatermarkDetector,
)
