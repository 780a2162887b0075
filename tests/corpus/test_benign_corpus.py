"""Precision: honest code (real popular packages and hand-written cases) stays silent.

Each entry names the false positive it pins, like guarddog's benign corpus. The categories that
must stay silent are the ones that accuse: ``geofence``, ``fingerprint``, ``watermark`` and
``obfuscated-data``. Telemetry, endpoints and command execution may be reported: they are true.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.model import Report
from agentxray.pipeline import audit

HERE = Path(__file__).parent
ACCUSING = frozenset({"geofence", "fingerprint", "watermark", "obfuscated-data"})

#: (target, the false positive it pins). Versions are pinned so the corpus does not drift.
PACKAGES: list[tuple[str, str]] = [
    (
        "npm:luxon@3.7.2",
        "resolvedOptions().timeZone, IANA zone names and offsets used to format dates in the "
        "user's own zone",
    ),
    ("npm:date-fns-tz@3.2.0", "getTimezoneOffset arithmetic and zone-name parsing"),
    ("npm:intl-messageformat@12.1.5", "plural/select rules chosen by locale (translation)"),
    ("npm:@sentry/node@11.12.0", "error-reporting SDK reading host and OS context (telemetry)"),
    ("npm:lodash@4.18.1", "Unicode tables (ZWJ, combining marks) and char-code helpers"),
    (
        "npm:moment-timezone@0.6.6",
        "a packed, base60-encoded timezone database including Asia/Shanghai and Asia/Urumqi",
    ),
    ("npm:i18next@27.1.5", "language detection from navigator.language picking a catalog"),
    ("npm:dayjs@1.11.23", "locale files with CJK date formats and separators"),
    ("npm:countries-and-timezones@3.10.0", "country ↔ timezone table (CN ↔ Asia/Shanghai)"),
    ("npm:@segment/analytics-node@3.1.0", "analytics SDK sending context (telemetry only)"),
    ("npm:moment@2.30.1", "130 locale files: CJK date formats, separators, curly quotes"),
    ("npm:emoji-regex@10.4.0", "emoji ZWJ sequences and variation selectors in a regex"),
    (
        "npm:@growthbook/growthbook@1.6.5",
        "the feature-flag SDK itself: attributes and targeting conditions are its job, not a "
        "region check of ours (remote-control, not geofence)",
    ),
    (
        "npm:javascript-obfuscator@4.1.1",
        "the obfuscator's own source: templates of string-array, base64 and RC4 decoders that "
        "hide nothing",
    ),
    (
        "npm:highlight.js@11.11.1",
        "keyword lists split and rejoined into regexes, in 190 language grammars (not hidden data)",
    ),
    ("npm:pako@2.1.0", "a deflate/inflate implementation: char codes, base64, string tables"),
    ("npm:js-base64@3.7.8", "a base64 library: encode/decode helpers called with literals"),
    (
        "npm:libphonenumber-js@1.12.10",
        "country codes compared everywhere, for phone numbers the user typed (not the user's "
        "own country)",
    ),
    ("npm:i18n-iso-countries@7.14.0", "country names in 80 languages keyed by ISO code"),
    ("npm:posthog-node@5.9.2", "an analytics SDK used as documented (telemetry only)"),
    (
        "npm:playwright-core@1.62.1",
        "a bundled hash of the user name that only names per-user sockets and a Windows pipe "
        "(makeSocketPath), and emoji patterns; sent nowhere",
    ),
    ("pypi:pytz==2026.6", "the Olson database as Python data and zone-name lookups"),
    ("pypi:python-dateutil==2.9.0.post0", "tz handling: tzlocal, offsets, zone files"),
    ("pypi:babel==2.19.0", "CLDR locale and territory data and locale negotiation"),
]

HANDWRITTEN = sorted((HERE / "handwritten").iterdir())


def accusations(report: Report) -> list[str]:
    return [
        f"{f.category} {f.rule} {f.location.artifact}:{f.location.line} {f.title}"
        for f in report.findings
        if f.category in ACCUSING
    ]


def pinned(path: Path) -> str:
    """The first comment line of a hand-written case: what it pins."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.lstrip("/# ").startswith("Pins:"), f"{path.name} must say what it pins"
    return first


@pytest.mark.parametrize("path", HANDWRITTEN, ids=[p.name for p in HANDWRITTEN])
def test_handwritten_benign_case_is_silent(path: Path) -> None:
    pinned(path)
    report = audit(str(path))
    assert [a.kind for a in report.artifacts] == [
        "python" if path.suffix == ".py" else "javascript"
    ]
    assert accusations(report) == []


def test_control_case_fires() -> None:
    """The corpus is only meaningful if the same run flags the real pattern."""
    report = audit(str(HERE / "positive/tz_apostrophe_watermark.js"))
    categories = {f.category for f in report.findings}
    assert {"geofence", "watermark"} <= categories, accusations(report)


@pytest.mark.online
@pytest.mark.parametrize(("spec", "pins"), PACKAGES, ids=[p[0] for p in PACKAGES])
def test_popular_package_is_silent(spec: str, pins: str) -> None:
    report = audit(spec)
    analysed = [a for a in report.artifacts if a.kind in ("javascript", "typescript", "python")]
    assert analysed, f"{spec}: nothing was analysed"
    assert accusations(report) == [], f"{spec} should be silent ({pins})"
