"""Marks in new dimensions (red team 9 classes): a homoglyph table of ``[plain, look-alike]``
pairs whose column bits of data pick; look-alikes picked by a value that a method, a helper or a
getter computes from a region signal (the selector followed to what decides it); blanks or
invisible characters repeated a number of times computed from an identity or a digest's bits.
Each has a benign look-alike: the same table or repeat picked by an option, an indent or a
width."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _marks(findings: list[Finding]) -> list[tuple[str, int]]:
    return sorted((f.rule, f.location.line) for f in findings if f.category == "watermark")


# A homoglyph table read at a computed row; a bit of a hash of the host name picks the column.
HOMOGLYPH_INDEX = """const os = require("os");
const crypto = require("crypto");
const SWAP = [["a", "\\u0430"], ["o", "\\u043e"], ["c", "\\u0441"]];
class Marker {
  constructor() { this.d = crypto.createHash("md5").update(os.hostname()).digest(); this.k = 0; }
  mark(text) {
    return text.split("").map((ch) => {
      const i = "aoc".indexOf(ch);
      if (i < 0) return ch;
      const row = SWAP[i];
      const bit = (this.d[this.k >> 3] >> (this.k++ & 7)) & 1;
      return bit ? row[1] : row[0];
    }).join("");
  }
}
module.exports = { Marker };
"""

# The same class of table walked with for…of; bits of the user name's sha1 pick each swap.
HOMOGLYPH_LOOP = """import { createHash } from "node:crypto";
import { userInfo } from "node:os";
const TABLE = [["e", "\\u0435"], ["p", "\\u0440"], ["x", "\\u0445"]];
export function stamp(body: string): string {
  const h = createHash("sha1").update(userInfo().username).digest();
  let out = body, n = 0;
  for (const g of TABLE) {
    out = out.split(g[0]).join((h[0] >> n++) & 1 ? g[1] : g[0]);
  }
  return "Answer: " + out;
}
"""

# Benign: a transliteration table picked by a user's option (display), no bits, no signal.
HOMOGLYPH_OPTION = """const os = require("os");
const PAIRS = [["a", "\\u0430"], ["e", "\\u0435"], ["o", "\\u043e"]];
function translit(text, opts) {
  let out = "";
  for (const ch of text) {
    const pair = PAIRS.find((p) => p[0] === ch);
    out += pair ? (opts.cyrillic ? pair[1] : pair[0]) : ch;
  }
  return os.hostname() + ": " + out;
}
module.exports = { translit };
"""


def test_homoglyph_table_column_picked_by_bits(run_all: RunDetectors) -> None:
    findings, _ = run_all(HOMOGLYPH_INDEX.encode())
    assert _marks(findings) == [("js-watermark", 12)]
    findings, _ = run_all(HOMOGLYPH_LOOP.encode(), "stamp.ts")
    assert _marks(findings) == [("js-watermark", 8)]


def test_homoglyph_table_picked_by_an_option_is_no_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(HOMOGLYPH_OPTION.encode())
    assert _marks(findings) == []


# A helper function returns a style object chosen by the time zone; the apostrophe is picked by
# a field of that object.
STYLE_HELPER = """function pickStyle() {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return tz === "Asia/Shanghai" || tz === "Asia/Tokyo" ? { apos: "curly" } : { apos: "plain" };
}
function finish(text) {
  const style = pickStyle();
  return text.replace(/'/g, style.apos === "curly" ? "\\u2019" : "'");
}
module.exports = { finish };
"""

# A class's getter compares the UTC offset; the dash is picked by that getter through a field.
STYLE_GETTER = """class Formatter {
  constructor() { this.off = new Date().getTimezoneOffset(); }
  get far() { return this.off === -480 || this.off === -540; }
  mode() { return this.far ? "alt" : "std"; }
  line(a, b) {
    const m = this.mode();
    const dash = m === "alt" ? "\\u2011" : "-";
    return `${a}${dash}${b}`;
  }
}
module.exports = { Formatter };
"""

# Benign: the same helper shape, the style chosen by the user's setting.
STYLE_SETTING = """function pickStyle(settings) {
  return settings.smartQuotes ? { apos: "curly" } : { apos: "plain" };
}
function finish(text, settings) {
  const style = pickStyle(settings);
  return text.replace(/'/g, style.apos === "curly" ? "\\u2019" : "'");
}
module.exports = { finish };
"""


def test_selector_followed_to_region_decision(run_all: RunDetectors) -> None:
    findings, _ = run_all(STYLE_HELPER.encode())
    assert _marks(findings) == [("js-watermark", 7)]
    assert "timezone" in next(f for f in findings if f.category == "watermark").signals
    findings, _ = run_all(STYLE_GETTER.encode())
    assert _marks(findings) == [("js-watermark", 8)]


def test_selector_decided_by_a_setting_is_no_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(STYLE_SETTING.encode())
    assert _marks(findings) == []


# Zero-width spaces repeated by a count a helper computes from the host name's hash.
REPEAT_HELPER = """const os = require("os");
const crypto = require("crypto");
const ZW = "\\u200b";
function tag() { return crypto.createHash("md5").update(os.hostname()).digest()[0] % 4; }
function sign(message) { return message + ZW.repeat(tag()); }
module.exports = { sign };
"""

# Trailing spaces repeated by bits of a digest of the API key, appended to the message.
REPEAT_DIGEST = """import { createHash } from "node:crypto";
export function body(key: string, text: string): string {
  const seed = createHash("sha256").update(key.slice(-8)).digest();
  const pad = " ".repeat(seed[1] & 3);
  return JSON.stringify({ prompt: text + pad });
}
"""

# Benign: an indent and a padding to a width.
REPEAT_INDENT = """const os = require("os");
function render(lines, depth, width) {
  const host = os.hostname();
  return lines.map((l) => " ".repeat(depth * 2) + l + " ".repeat(Math.max(0, width - l.length)) + host).join("\\n");
}
module.exports = { render };
"""


def test_repeat_count_from_identity_or_digest(run_all: RunDetectors) -> None:
    findings, _ = run_all(REPEAT_HELPER.encode())
    assert _marks(findings) == [("js-watermark", 5)]
    mark = next(f for f in findings if f.category == "watermark")
    assert "hostname" in mark.signals
    findings, _ = run_all(REPEAT_DIGEST.encode(), "body.ts")
    assert _marks(findings) == [("js-watermark", 4)]


def test_indent_or_width_padding_is_no_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(REPEAT_INDENT.encode())
    assert _marks(findings) == []


# A header name's letter case picked by a bit of a hash of the user name, through a helper.
HEADER_CASE = """const os = require("os");
const crypto = require("crypto");
function seat() { return crypto.createHash("sha1").update(os.userInfo().username).digest(); }
function headers(token) {
  const name = (seat()[3] >> 2) & 1 ? "X-Client-Id" : "x-client-id";
  return { authorization: "Bearer " + token, [name]: "cli" };
}
module.exports = { headers };
"""

# Benign: the same casing picked by an option, in a file that also reads the user name.
HEADER_OPTION = """const os = require("os");
function headers(token, opts) {
  const name = opts.legacy ? "X-Client-Id" : "x-client-id";
  return { authorization: "Bearer " + token, [name]: os.userInfo().username };
}
module.exports = { headers };
"""


def test_header_name_case_picked_by_identity_bits(run_all: RunDetectors) -> None:
    findings, _ = run_all(HEADER_CASE.encode())
    assert _marks(findings) == [("js-watermark", 5)]
    assert "letter case" in next(f.title for f in findings if f.category == "watermark")


def test_header_name_case_picked_by_option_is_no_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(HEADER_OPTION.encode())
    assert _marks(findings) == []
