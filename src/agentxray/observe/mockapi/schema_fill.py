"""Makes a small JSON value that satisfies a request's response schema (structured side requests)."""

from __future__ import annotations

import json
from typing import Any

#: Preferred enum choices: agents ask "who speaks next?" or "which model?" in side requests.
_PREFERRED = ("user", "flash", "false", "no")


def _value(schema: dict[str, Any], depth: int) -> Any:
    if depth > 8:
        return None
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return next((e for e in enum if str(e).lower() in _PREFERRED), enum[0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    kind = str(kind).lower() if kind else ("object" if "properties" in schema else "string")
    if kind == "object":
        props = schema.get("properties") or {}
        return {k: _value(v, depth + 1) for k, v in props.items() if isinstance(v, dict)}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        low = schema.get("minimum")
        return low if isinstance(low, int | float) else 1
    if kind == "boolean":
        return False
    return "agentxray mock"


def fill_json(schema: dict[str, Any]) -> str:
    """JSON text of a minimal value valid under ``schema`` (enums, objects, scalars)."""
    return json.dumps(_value(schema, 0))
