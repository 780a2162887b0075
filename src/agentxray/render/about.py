"""Plain-language text about categories and severities shared by every renderer."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from agentxray.model import Category, Severity

logger = logging.getLogger(__name__)

#: Headline of each category, as a reader would say it.
CATEGORY_TITLES: dict[Category, str] = {
    "geofence": "Region-conditional behaviour",
    "fingerprint": "Identity- or provider-conditional behaviour",
    "obfuscated-data": "Hidden (obfuscated) data",
    "watermark": "Covert watermark in produced text",
    "telemetry": "Telemetry",
    "remote-control": "Remote control",
    "auto-update": "Self-update",
    "credential-access": "Credential access",
    "exfiltration": "Data exfiltration",
    "command-exec": "Command execution",
    "endpoint": "Network endpoint",
}

#: What a finding of each category means for the person running the agent.
CATEGORY_EXPLANATIONS: dict[Category, str] = {
    "geofence": (
        "The program checks where you are (timezone, UTC offset, locale, language or an "
        "IP-geolocation answer) against region-specific values and behaves differently there."
    ),
    "fingerprint": (
        "The program checks who you are or which provider you use (hostname, user name, machine "
        "id, configured API base URL or proxy) against specific values, or builds an identifier."
    ),
    "obfuscated-data": (
        "Values are deliberately hidden from a reader of the code (encoded or encrypted string "
        "tables decoded at run time). agentxray decoded them; the decoded values are shown."
    ),
    "watermark": (
        "Text the program produces or sends varies in invisible or look-alike characters "
        "depending on a condition: a covert channel that can tag your requests."
    ),
    "telemetry": (
        "Data about you, your machine or your session is sent to an analytics, logging, "
        "error-reporting or metrics service."
    ),
    "remote-control": (
        "A server can change the program's behaviour after installation: feature flags, kill "
        "switches, remote configuration, or code fetched from the network and run."
    ),
    "auto-update": "The program downloads a newer version of itself and installs or runs it.",
    "credential-access": (
        "The program reads secrets its task does not need: SSH keys, cloud credentials, "
        "keychains, browser profiles, other tools' tokens."
    ),
    "exfiltration": "Sensitive data (credentials, environment, files) flows into a network request.",
    "command-exec": (
        "The program starts processes or shells. Expected for a coding agent; informational "
        "unless combined with another category."
    ),
    "endpoint": "A network endpoint the program can contact: where your data can go.",
}

#: SARIF ``security-severity`` per severity (GitHub: ≥9 critical, ≥7 high, ≥4 medium, >0 low).
SECURITY_SEVERITY: dict[Severity, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}


def preview(values: Sequence[str], limit: int = 8, width: int = 60) -> str:
    """``"147 values: moonshot.ai, aliyuncs.com, …"``-style summary of a list of strings."""
    shown = [_short(v, width) for v in values[:limit]]
    text = ", ".join(shown)
    if len(values) > limit:
        text += f", … (+{len(values) - limit} more)"
    return text


def _short(value: str, width: int) -> str:
    """One-line, escaped, length-capped form of ``value`` for display."""
    if len(value) == 1 and ord(value) > 0x7E:
        shown = value if value.isprintable() else ""
        return f"{shown} U+{ord(value):04X}".strip()
    text = value.encode("unicode_escape").decode("ascii") if not value.isprintable() else value
    return text if len(text) <= width else text[: width - 1] + "…"
