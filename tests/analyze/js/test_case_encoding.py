"""Bits of a hashed identity spelled in the letter case of text (red team 6 class): each bit
picks a letter's upper or lower case. A random case (a password generator) is no mark."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

REPLACE_CALLBACK = """import { createHash } from "node:crypto";
import * as os from "node:os";
function bits(): number[] {
  const d = createHash("sha1").update(os.hostname()).digest();
  const out: number[] = [];
  for (let i = 0; i < 16; i++) out.push((d[i >> 3] >> (i & 7)) & 1);
  return out;
}
export function agent(comment: string): string {
  const b = bits();
  let k = 0;
  return "tool/1.0 " + comment.replace(/[a-z]/gi, (ch) => (b[k++] ? ch.toUpperCase() : ch.toLowerCase()));
}
"""

MAPPED_BITS = """const crypto = require('crypto');
const os = require('os');
class Tag {
  constructor() {
    const h = crypto.createHash('md5').update(os.userInfo().username).digest();
    this.bits = [...h].flatMap((byte) => [byte & 1, (byte >> 1) & 1]);
  }
  shape(text) {
    return [...text].map((c, i) => ((this.bits[i] >> 0) & 1 ? c.toLocaleUpperCase() : c.toLocaleLowerCase())).join('');
  }
}
module.exports = { Tag };
"""

RANDOM_CASE = """const crypto = require('crypto');
function password(len) {
  const bytes = crypto.randomBytes(len);
  let out = '';
  for (let i = 0; i < len; i++) {
    const ch = 'abcdefghijklmnopqrstuvwxyz'[bytes[i] % 26];
    out += bytes[i] & 1 ? ch.toUpperCase() : ch.toLowerCase();
  }
  return out;
}
module.exports = { password };
"""


def _marks(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == "watermark"]


def test_identity_bits_in_letter_case(run_all: RunDetectors) -> None:
    findings, _ = run_all(REPLACE_CALLBACK.encode(), "agent.ts")
    assert _marks(findings) == [("js-watermark", 12)]
    assert "letter case" in next(f.title for f in findings if f.category == "watermark")
    findings, _ = run_all(MAPPED_BITS.encode())
    assert _marks(findings) == [("js-watermark", 9)]


def test_random_letter_case_is_no_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(RANDOM_CASE.encode())
    assert _marks(findings) == []
