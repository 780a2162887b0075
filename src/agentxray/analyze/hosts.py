"""Host names named by literal values, shared by the JavaScript and Python identity detectors."""

from __future__ import annotations

import ipaddress
import logging

logger = logging.getLogger(__name__)


def hostlike(value: str, not_identity: frozenset[str]) -> str | None:
    """The host a literal names (``https://x.example/v1`` → ``x.example``), else ``None``.

    IP addresses, values without a dot or with a space, and the language's placeholder values
    (``not_identity``: ``localhost``, ``null``…) name no host.
    """
    v = value.strip().lower().lstrip(".")
    if "://" in v:
        v = v.split("://", 1)[1].split("/", 1)[0]
    if not v or "." not in v or " " in v or v in not_identity:
        return None
    try:
        ipaddress.ip_address(v)
        return None
    except ValueError:
        return v
