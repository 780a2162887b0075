"""A locale test whose every branch picks an entry of a table of translations is no geofence
(issue 7, precision): categories.md lists "choosing a translation catalog by locale" under what
geofence is NOT, whatever territory the tag names (``zh-TW`` versus ``zh-CN`` is Traditional
versus Simplified Chinese). A table of translations is keyed by language tags and its entries
hold the same message keys. A territory test that also does something else in its branch, or
that picks from a table of settings, stays a geofence.
"""

from __future__ import annotations

import hashlib

import pytest

from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.interface import SourceUnit
from agentxray.model import FileEntry, FileKind, Finding

_KINDS: dict[str, FileKind] = {".js": "javascript", ".ts": "typescript"}


def _geofences(code: str, vpath: str) -> set[tuple[str, int]]:
    data = code.encode()
    kind = _KINDS[vpath[vpath.rfind(".") :]]
    entry = FileEntry(
        vpath=vpath, kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    found = BehaviourDetector().run(SourceUnit(entry, data))
    return {
        (f.rule, f.location.line)
        for f in found
        if isinstance(f, Finding) and f.category == "geofence"
    }


_TABLE = """\
const MESSAGES = {
  en: { hello: "Hello there", bye: "See you soon", wait: "Please wait" },
  "zh-CN": { hello: "你好", bye: "再见", wait: "请稍候" },
  "zh-TW": { hello: "你好", bye: "再見", wait: "請稍候" },
  ru: { hello: "Привет", bye: "До встречи", wait: "Подождите" },
};
"""

BENIGN = {
    # A function with an early return of the looked-up entry, then a territory regex.
    "pick_function.ts": _TABLE
    + """\
export function pick(tag: string) {
  if (MESSAGES[tag]) return MESSAGES[tag];
  const lang = tag.split("-")[0];
  if (lang === "zh") return /-(TW|HK|Hant)/i.test(tag) ? MESSAGES["zh-TW"] : MESSAGES["zh-CN"];
  return MESSAGES.en;
}
export const t = pick((process.env.LANG || "en").split(".")[0].replace("_", "-"));
""",
    # A closure with nested ternaries and a `||` fallback entry.
    "closure.js": _TABLE
    + """\
const makeT = () => {
  const tag = (process.env.LANG || Intl.DateTimeFormat().resolvedOptions().locale || "en")
    .split(".")[0].replace("_", "-");
  const table = tag.startsWith("zh")
    ? (tag.endsWith("TW") || tag.endsWith("HK") ? MESSAGES["zh-TW"] : MESSAGES["zh-CN"])
    : MESSAGES[tag] || MESSAGES.en;
  return (k) => table[k] || k;
};
module.exports = { makeT };
""",
}

GEOFENCES = {
    # The same table, but the territory test also switches a mode on.
    "mode_beside.js": (
        _TABLE
        + """\
function pick(tag) {
  if (/-(CN|HK)$/.test(tag)) {
    process.env.AGENT_SAFE_MODE = "1";
    return MESSAGES["zh-CN"];
  }
  return MESSAGES[tag] || MESSAGES.en;
}
const lang = (process.env.LANG || "en").split(".")[0].replace("_", "-");
module.exports = { t: pick(lang) };
""",
        8,
    ),
    # A table keyed by locale whose entries are settings, not translations.
    "settings_table.js": (
        """\
const PLANS = {
  "zh-CN": { endpoint: "https://cn.example-agent.dev", limit: 10 },
  "en-US": { endpoint: "https://api.example-agent.dev", limit: 100 },
};
const tag = (process.env.LANG || "en").split(".")[0].replace("_", "-");
const plan = tag.endsWith("CN") ? PLANS["zh-CN"] : PLANS["en-US"];
module.exports = { plan };
""",
        6,
    ),
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_translation_table_pick_is_no_geofence(name: str) -> None:
    assert _geofences(BENIGN[name], name) == set()


@pytest.mark.parametrize("name", sorted(GEOFENCES))
def test_territory_test_with_other_outcome_is_a_geofence(name: str) -> None:
    code, line = GEOFENCES[name]
    assert ("js-geofence", line) in _geofences(code, name)
