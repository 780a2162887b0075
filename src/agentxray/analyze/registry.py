"""The detectors the analysis driver runs, registered explicitly in one greppable tuple."""

from __future__ import annotations

import logging

from agentxray.analyze.interface import Detector
from agentxray.analyze.js.detectors import (
    FingerprintDetector,
    GeofenceDetector,
    ObfuscatedDataDetector,
    WatermarkDetector,
)
from agentxray.analyze.js.launcher import LauncherDetector
from agentxray.analyze.python.detectors import (
    PyFingerprintDetector,
    PyGeofenceDetector,
    PyObfuscatedDataDetector,
    PyWatermarkDetector,
)
from agentxray.analyze.rules_detector import (
    JsRulesDetector,
    PythonRulesDetector,
    StringsRulesDetector,
)

logger = logging.getLogger(__name__)

#: Every detector run by :func:`agentxray.analyze.analyze`, in a stable order. Detector modules
#: add their instances here (one import and one entry each).
DETECTORS: tuple[Detector, ...] = (
    JsRulesDetector(),
    PythonRulesDetector(),
    StringsRulesDetector(),
    GeofenceDetector(),
    FingerprintDetector(),
    ObfuscatedDataDetector(),
    WatermarkDetector(),
    LauncherDetector(),
    PyGeofenceDetector(),
    PyFingerprintDetector(),
    PyObfuscatedDataDetector(),
    PyWatermarkDetector(),
)
