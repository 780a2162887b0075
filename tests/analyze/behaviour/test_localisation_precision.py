"""Two benign classes beside geofences and watermarks (issue 7, precision), and their twins.

1. A language test that sets the tested language's own typography (CLDR punctuation, quotes and
   spaces: French narrow no-break space before ``!?;:``, German „quotes“, Spanish ¿, Japanese
   、, Arabic ،) is localisation: neither a geofence nor a watermark. A glyph the tested
   language does not use (a zero-width space, a look-alike apostrophe), or one chosen by a zone
   or host test, still is.
2. A membership test whose branches only show the tested list of zones, with the user's own
   zone added or first (a world clock), is no region rule; one that picks a model or an
   endpoint is.
"""

from __future__ import annotations

import hashlib

import pytest

from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.regions.orthography import language_glyphs, orthographic
from agentxray.model import FileEntry, FileKind, Finding

_KINDS: dict[str, FileKind] = {".js": "javascript", ".ts": "typescript", ".py": "python"}


def _findings(code: str, vpath: str) -> list[Finding]:
    data = code.encode()
    kind = _KINDS[vpath[vpath.rfind(".") :]]
    entry = FileEntry(
        vpath=vpath, kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    unit = SourceUnit(entry, data)
    return [f for f in BehaviourDetector().run(unit) if isinstance(f, Finding)]


def _hits(code: str, vpath: str) -> set[tuple[str, int]]:
    return {
        (f.rule, f.location.line)
        for f in _findings(code, vpath)
        if f.category in ("geofence", "watermark")
    }


# --- class 1: a language's own typography ------------------------------------------------------

TYPOGRAPHY = {
    "french_nnbsp.js": """\
function formatMessage(text) {
  const lang = (navigator.language || "en").slice(0, 2);
  if (lang === "fr") text = text.replace(/ ([:;!?])/g, "\\u202f$1");
  return text;
}
document.getElementById("msg").textContent = formatMessage("Bonjour : voici le rapport !");
""",
    "german_quotes.js": """\
const lang = navigator.language;
export function quote(text) {
  if (lang.startsWith("de")) return "\\u201e" + text + "\\u201c";
  return "\\u201c" + text + "\\u201d";
}
""",
    "spanish_question.ts": """\
const locale: string = Intl.DateTimeFormat().resolvedOptions().locale;
export function ask(question: string): string {
  let shown = question;
  if (locale.startsWith("es")) shown = "\\u00bf" + shown;
  return shown;
}
""",
    "japanese_list.ts": """\
export function joinItems(items: string[]): string {
  const lang = navigator.language;
  const sep = lang === "ja" ? "\\u3001" : ", ";
  return items.join(sep) + (lang === "ja" ? "\\u3002" : ".");
}
""",
    "arabic_comma.js": """\
function listText(parts) {
  const lang = navigator.language;
  if (lang === "ar") return parts.join("\\u060c ");
  return parts.join(", ");
}
console.log(listText(["a", "b"]));
""",
    "french_prompt.py": """\
import locale
import re


def system_prompt(text: str) -> str:
    lang = (locale.getlocale()[0] or "en_US")[:2]
    if lang == "fr":
        text = re.sub(r" ([:;!?])", "\\u202f\\\\1", text)
    return "Reply in the user's language. " + text
""",
    "german_quotes.py": """\
import os


def quoted(text: str) -> str:
    lang = os.environ.get("LANG", "en_US.UTF-8")
    if lang.startswith("de"):
        return "\\u201e" + text + "\\u201c"
    return "\\u201c" + text + "\\u201d"
""",
}


@pytest.mark.parametrize("name", sorted(TYPOGRAPHY))
def test_a_language_s_own_typography_is_localisation(name: str) -> None:
    assert _hits(TYPOGRAPHY[name], name) == set()


MARKS = {
    # The Claude Code shape: an apostrophe variant chosen by a zone test.
    "zone_apostrophe.js": (
        """\
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
const mark = tz === "Asia/Shanghai" ? "\\u2019" : "'";
console.log(`It${mark}s ready`);
""",
        {("js-geofence", 2), ("js-watermark", 3)},
    ),
    # An invisible character chosen by a language test: no orthography writes one.
    "french_zero_width.js": (
        """\
function formatMessage(text) {
  const lang = (navigator.language || "en").slice(0, 2);
  if (lang === "fr") text = text.replace(/ ([:;!?])/g, "\\u200b $1");
  return text;
}
document.getElementById("msg").textContent = formatMessage("Bonjour : voici !");
""",
        {("js-geofence", 3), ("js-watermark", 3)},
    ),
    # The English apostrophe's look-alike for a Chinese locale (Chinese quotes with ’ too).
    "chinese_apostrophe.js": (
        """\
const lang = Intl.DateTimeFormat().resolvedOptions().locale;
export function label(text) {
  if (lang.startsWith("zh")) text = text.replace(/'/g, "\\u2019");
  return `> ${text}`;
}
""",
        {("js-watermark", 3)},
    ),
    # A narrow no-break space for a language whose typography does not use it.
    "english_nnbsp.ts": (
        """\
const lang: string = navigator.language;
export function tag(text: string): string {
  if (lang === "en") text = text.replace(/ ([:;!?])/g, "\\u202f$1");
  return text;
}
""",
        {("js-watermark", 3)},
    ),
    "french_zero_width.py": (
        """\
import locale


def system_prompt(text: str) -> str:
    lang = (locale.getlocale()[0] or "en_US")[:2]
    if lang == "fr":
        text = text.replace(" ", "\\u200b ")
    return "Reply in the user's language. " + text
""",
        {("py-geofence", 6), ("py-watermark", 8)},
    ),
}


@pytest.mark.parametrize("name", sorted(MARKS))
def test_a_glyph_the_tested_language_does_not_use_is_a_mark(name: str) -> None:
    code, expected = MARKS[name]
    assert expected <= _hits(code, name)


def test_orthography_comes_from_cldr() -> None:
    assert "\u202f" in language_glyphs("fr") and "\u202f" not in language_glyphs("en")
    assert {"\u201e", "\u201c"} <= language_glyphs("de-CH")
    assert {"\u00bf", "\u00a1"} <= language_glyphs("es_ES.UTF-8")
    assert "\u3001" in language_glyphs("ja") and "\u060c" in language_glyphs("ar")
    # Invisible format characters are nobody's typography; an unknown tag has none.
    assert not orthographic("\u200e", ["ar"]) and not orthographic("\u200b", ["fr"])
    assert language_glyphs("xx") == frozenset() and not orthographic("\u202f", [])
    # Every tested language must use the glyph.
    assert orthographic("\u202f", ["fr"]) and not orthographic("\u202f", ["fr", "en"])
    # A glyph English also uses is the stuff of look-alike marks: alone it is no typography.
    assert "\u2019" in language_glyphs("zh") and not orthographic("\u2019", ["zh"])
    assert orthographic("\u201e\u201c", ["de"]) and not orthographic("\u201c", ["de"])


# --- class 2: a world clock --------------------------------------------------------------------

WORLD_CLOCKS = {
    "world_clock.js": """\
const ZONES = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo"];
export function worldClock() {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = ZONES.includes(tz) ? ZONES : [tz, ...ZONES];
  return zones.map((z) => ({ zone: z, mine: z === tz, time: new Date().toLocaleTimeString("en-US", { timeZone: z }) }));
}
""",
    "world_clock_unshift.ts": """\
const CLOCKS: string[] = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo"];
export function clocks(): string[] {
  const { timeZone } = Intl.DateTimeFormat().resolvedOptions();
  const shown = [...CLOCKS];
  if (!shown.includes(timeZone)) shown.unshift(timeZone);
  return shown;
}
""",
    "world_clock_concat.js": """\
const CLOCKS = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo"];
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
const rows = CLOCKS.includes(tz) ? CLOCKS : [tz].concat(CLOCKS);
for (const z of rows) console.log(z === tz ? "*" : " ", z);
""",
    "world_clock.py": """\
import datetime
import os
from zoneinfo import ZoneInfo

CLOCKS = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo"]


def world_clock() -> None:
    local = os.environ.get("TZ", "UTC")
    zones = CLOCKS if local in CLOCKS else [local, *CLOCKS]
    for z in zones:
        mark = "*" if z == local else " "
        print(mark, z, datetime.datetime.now(ZoneInfo(z)).strftime("%H:%M"))
""",
    "world_clock_insert.py": """\
import os

CLOCKS = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo"]


def shown_zones() -> list[str]:
    local = os.environ.get("TZ", "UTC")
    shown = list(CLOCKS)
    if local not in shown:
        shown.insert(0, local)
    return shown
""",
}


@pytest.mark.parametrize("name", sorted(WORLD_CLOCKS))
def test_a_world_clock_showing_its_zones_is_no_region_rule(name: str) -> None:
    assert _hits(WORLD_CLOCKS[name], name) == set()


ZONE_RULES = {
    "zone_model.js": (
        """\
const ZONES = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo"];
export function model() {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return ZONES.includes(tz) ? "small-model" : "large-model";
}
""",
        ("js-geofence", 4),
    ),
    "zone_endpoint.ts": (
        """\
const CLOCKS: string[] = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo"];
let endpoint = "https://api.example.com";
export function clocks(): string[] {
  const { timeZone } = Intl.DateTimeFormat().resolvedOptions();
  const shown = [...CLOCKS];
  if (!shown.includes(timeZone)) shown.unshift(timeZone);
  else endpoint = "https://mirror.example.com";
  return shown;
}
""",
        ("js-geofence", 6),
    ),
    "zone_prompt.py": (
        """\
import os

CLOCKS = ["America/New_York", "Europe/London", "Asia/Shanghai", "Asia/Tokyo"]


def prompt() -> str:
    local = os.environ.get("TZ", "UTC")
    extra = "Answer briefly." if local in CLOCKS else ""
    return "You are a helpful assistant. " + extra
""",
        ("py-geofence", 8),
    ),
}


@pytest.mark.parametrize("name", sorted(ZONE_RULES))
def test_a_zone_membership_deciding_behaviour_stays_a_geofence(name: str) -> None:
    code, expected = ZONE_RULES[name]
    assert expected in _hits(code, name)
