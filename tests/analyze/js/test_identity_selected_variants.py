"""Look-alike renderings picked by a selector computed from who the user is (red team 7 class):
a list or map of variants (spaces, apostrophes, dashes) read at an index, or a ternary, whose
index or test is made from a host name, user name or e-mail however many steps lie between — a
hash kept in a field, bits cut into a list, a hand-written hash, a counter over the bits. The
benign look-alikes pick the same renderings by an option or the terminal width in files that
also read an identity."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

# A class: a hand-written FNV hash of host:user, two bits per separator, into a User-Agent.
CLASS_TABLE = """const os = require("os");
const GAPS = [" ", "\\u00a0", "\\u2009", "\\u200a"];
function mix(str) {
  let h = 2166136261;
  for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 16777619) >>> 0;
  return h;
}
class Agent {
  seed() { return mix(os.hostname() + "|" + os.userInfo().username); }
  header(parts) {
    let s = this.seed();
    let out = parts[0];
    for (const p of parts.slice(1)) { out += GAPS[s & 3] + p; s >>>= 2; }
    return { "user-agent": out };
  }
}
module.exports = { Agent };
"""

# A closure over a promise: the sha256 of the e-mail cut into bits, read by a counter; a map
# of apostrophes read at a key the bit picks.
CLOSURE_MAP = """import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
const email = () => new Promise((ok) => execFile("git", ["config", "user.email"], (e, out) => ok(e ? "" : out.trim())));
const APOS = { plain: "'", curly: "\\u2019" };
export async function makeStyler() {
  const digest = createHash("sha256").update(await email()).digest();
  const bits = [...digest].map((b) => b & 1);
  let k = 0;
  const next = () => bits[k++ % bits.length];
  return (text: string) => text.replace(/'/g, () => APOS[next() ? "curly" : "plain"]);
}
"""

# Minified: a list of dashes indexed by a byte of the md5 of the user name.
MINIFIED = """const c=require("crypto"),o=require("os");const DASHES=["-","\\u2010","\\u2011"];
function h(){return c.createHash("md5").update(o.userInfo().username).digest()}
module.exports=function(t){const d=h();let i=0;return t.replace(/-/g,()=>DASHES[d[i++%16]%3])};
"""

# Benign: the same kind of table, picked by an option or the terminal width, in files that
# also read the host name (for a log line).
BENIGN_OPTION = """const os = require("os");
const GAPS = [" ", "\\u00a0"];
function line(label, value, opts) {
  const gap = GAPS[opts.keepTogether ? 1 : 0];
  return `${os.hostname()}: ${label}${gap}${value}`;
}
module.exports = { line };
"""

BENIGN_WIDTH = """const os = require("os");
const DASH = ["-", "\\u2013"];
class Banner {
  constructor() { this.host = os.hostname(); this.cols = process.stdout.columns || 80; }
  render(title) {
    const d = DASH[this.cols > 100 ? 1 : 0];
    return `${title} ${d} ${this.host}`;
  }
}
module.exports = { Banner };
"""

# Letter case: the bits of a hand-written hash of the user name, kept in a field and handed
# out by a method, decide each word's case.
CASE_FIELD = """const os = require("os");
function fnv(s) { let h = 0x811c9dc5; for (const ch of s) { h ^= ch.charCodeAt(0); h = Math.imul(h, 16777619) >>> 0; } return h; }
class Caser {
  constructor() { this.h = fnv(os.userInfo().username); this.i = 0; }
  next() { return (this.h >>> (this.i++ % 32)) & 1; }
  apply(t) { return t.split(" ").map((w) => (this.next() ? w.toUpperCase() : w.toLowerCase())).join(" "); }
}
module.exports = { Caser };
"""

CASE_OPTION = """const os = require("os");
function title(t, opts) {
  const host = os.hostname();
  return host + ": " + t.split(" ").map((w) => (opts.shout ? w.toUpperCase() : w.toLowerCase())).join(" ");
}
module.exports = { title };
"""


def _marks(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == "watermark"]


def test_identity_hash_picks_space_in_header(run_all: RunDetectors) -> None:
    findings, _ = run_all(CLASS_TABLE.encode())
    assert _marks(findings) == [("js-watermark", 13)]
    mark = next(f for f in findings if f.category == "watermark")
    assert "hostname" in mark.signals
    assert mark.severity == "critical"


def test_identity_bits_through_closure_pick_apostrophe(run_all: RunDetectors) -> None:
    findings, _ = run_all(CLOSURE_MAP.encode(), "style.ts")
    assert _marks(findings) == [("js-watermark", 10)]
    assert "email" in next(f for f in findings if f.category == "watermark").signals


def test_minified_identity_index_picks_dash(run_all: RunDetectors) -> None:
    findings, _ = run_all(MINIFIED.encode())
    assert _marks(findings) == [("js-watermark", 3)]


def test_identity_hash_in_a_field_spelled_in_letter_case(run_all: RunDetectors) -> None:
    findings, _ = run_all(CASE_FIELD.encode())
    assert _marks(findings) == [("js-watermark", 6)]
    assert "letter case" in next(f.title for f in findings if f.category == "watermark")


def test_option_or_width_picking_variants_is_no_mark(run_all: RunDetectors) -> None:
    for source in (BENIGN_OPTION, BENIGN_WIDTH, CASE_OPTION):
        findings, _ = run_all(source.encode())
        assert _marks(findings) == []


# A switch over two bits of a hash of the host name, returning a space of a different kind.
SWITCH = """const os = require("os");
function h32(s) { let h = 7; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0; return h >>> 0; }
const seed = h32(os.hostname());
function gap(i) {
  switch ((seed >>> (i * 2)) & 3) {
    case 0: return " ";
    case 1: return "\\u00a0";
    case 2: return "\\u2009";
    default: return "\\u202f";
  }
}
function footer(words) { return words.map((w, i) => w + gap(i)).join(""); }
module.exports = { footer };
"""


def test_identity_bits_switching_spaces(run_all: RunDetectors) -> None:
    findings, _ = run_all(SWITCH.encode())
    assert _marks(findings) == [("js-watermark", 12)]


# Edits instead of choices: a `replace` that puts en dashes in, and a zero-width space appended,
# each under a test made from an identity's bits; the benign twin replaces on an option.
SUBSTITUTION = """const crypto = require("crypto");
const os = require("os");
class Formatter {
  constructor() {
    const d = crypto.createHash("sha1").update(os.hostname()).digest();
    this.bits = [...d].map((b) => b & 1);
    this.k = 0;
  }
  bit() { return this.bits[this.k++ % this.bits.length]; }
  body(t) {
    if (this.bit()) t = t.replace(/ - /g, " \\u2013 ");
    return t;
  }
}
module.exports = { Formatter };
"""

DECORATION = """import { createHash } from "node:crypto";
import { userInfo } from "node:os";
const seed = createHash("md5").update(userInfo().username).digest();
let n = 0;
const flag = () => (seed[n++ % seed.length] & 1) === 1;
export function sign(lines: string[]): string {
  return lines.map((l) => (flag() ? l + "\\u200b" : l)).join("\\n");
}
"""

SUBSTITUTION_OPTION = """const os = require("os");
function body(t, opts) {
  if (opts.typographic) t = t.replace(/ - /g, " \\u2013 ");
  return `${t}\\n-- sent from ${os.hostname()}`;
}
module.exports = { body };
"""


def test_identity_bits_deciding_a_replace(run_all: RunDetectors) -> None:
    findings, _ = run_all(SUBSTITUTION.encode())
    assert _marks(findings) == [("js-watermark", 11)]
    assert "hostname" in next(f for f in findings if f.category == "watermark").signals


def test_identity_bits_deciding_an_invisible_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(DECORATION.encode(), "sign.ts")
    assert _marks(findings) == [("js-watermark", 7)]


def test_option_deciding_a_replace_is_no_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(SUBSTITUTION_OPTION.encode())
    assert _marks(findings) == []
