"""JavaScript and TypeScript files go to the one behaviour detector, registered with the driver."""

from __future__ import annotations

from agentxray.analyze.registry import DETECTORS


def test_js_files_go_to_the_behaviour_detector() -> None:
    names = {d.name: d for d in DETECTORS}
    assert {"javascript", "typescript"} <= names["behaviour"].kinds
    assert not any(n.startswith(("js-geofence", "py-geofence")) for n in names)
