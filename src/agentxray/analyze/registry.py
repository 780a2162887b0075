"""The detectors the analysis driver runs, registered explicitly in one greppable tuple."""

from __future__ import annotations

import logging

from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.interface import Detector
from agentxray.analyze.js.launcher import LauncherDetector
from agentxray.analyze.rules_detector import (
    JsRecordRulesDetector,
    JsRulesDetector,
    PythonRulesDetector,
    StringsRulesDetector,
)

logger = logging.getLogger(__name__)

#: Every detector run by :func:`agentxray.analyze.analyze`, in a stable order. Detector modules
#: add their instances here (one import and one entry each).
DETECTORS: tuple[Detector, ...] = (
    JsRulesDetector(records=False),
    PythonRulesDetector(),
    StringsRulesDetector(),
    BehaviourDetector(),
    JsRecordRulesDetector(),
    LauncherDetector(),
)
