"""The four JavaScript detectors are registered with the analysis driver."""

from __future__ import annotations

from agentxray.analyze.registry import DETECTORS


def test_js_detectors_are_registered() -> None:
    names = {d.name for d in DETECTORS}
    assert {"js-geofence", "js-fingerprint", "js-obfuscated-data", "js-watermark"} <= names
    for d in DETECTORS:
        if d.name.startswith("js-"):
            assert d.kinds == {"javascript", "typescript"}
