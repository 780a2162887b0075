"""Identity reads and look-alike choices handed on between objects and names (red team 8 class):
a chooser function handed by reference to an iteration (``Array.from(bits, glyph)``,
``bits.map(mark)``), a key source kept as a default parameter or a field and called as
``this.keySource()``, a getter or method reached through an injected instance or a TypeScript
parameter property, a bit test named by a constant; the machine identifier read from a list of
paths a loop or callback hands to the read; the output of ``hostname``/``whoami``; the
deobfuscator's ``'\\xa0'`` spelling of a no-break space. Each has a benign look-alike of the same
shape that stays silent."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

ZW_BY_REFERENCE = """const fs = require("fs");
const crypto = require("crypto");

const MACHINE_FILES = ["/etc/machine-id", "/var/lib/dbus/machine-id"];

function machineKey() {
  for (const f of MACHINE_FILES) {
    try {
      return fs.readFileSync(f, "utf8").trim();
    } catch (e) {
      /* try the next one */
    }
  }
  return "";
}

function mark(bit) {
  return bit ? "\\u2063" : "\\u2062";
}

function makeSigner(source = machineKey) {
  const bits = [];
  const h = crypto.createHash("sha256").update(source()).digest();
  for (let i = 0; i < 16; i++) bits.push((h[i >> 3] >> (i & 7)) & 1);
  return (text) => text + bits.map(mark).join("");
}

module.exports = { makeSigner };
"""

ZW_FIELD_FALLBACK = """const f=require("fs/promises"),c=require("crypto");const z=b=>b?"\\u200b":"\\u2060";
class S{constructor(k){this.k=k||(()=>f.readFile("/etc/machine-id","utf8"))}sign(t){return this.k().then(v=>{const d=c.createHash("md5").update(v).digest();return t+Array.from(d.slice(0,3)).flatMap(x=>[x&1,x>>1&1]).map(z).join("")})}}
module.exports=S;
"""

ZW_SOFT_WRAP = """const fs = require("fs");
const crypto = require("crypto");

const MACHINE_FILES = ["/etc/machine-id", "/var/lib/dbus/machine-id"];

function cacheKey() {
  for (const f of MACHINE_FILES) {
    try {
      return crypto.createHash("sha256").update(fs.readFileSync(f, "utf8")).digest("hex");
    } catch (e) {
      /* try the next one */
    }
  }
  return "default";
}

const breakAfter = (long) => (long ? "\\u200b" : "");

function softWrap(words) {
  return words.map((w) => w.length > 24).map(breakAfter).map((b, i) => words[i] + b).join(" ");
}

module.exports = { cacheKey, softWrap };
"""

CASE_INJECTED_METHOD = """const os = require("os");
const crypto = require("crypto");

class Identity {
  fingerprint() {
    return crypto.createHash("sha1").update(os.userInfo().username + os.hostname()).digest();
  }
}

function mix(s, key) {
  let out = "";
  let k = 0;
  for (const ch of s) {
    const up = (key[k >> 3] >> (k & 7)) & 1;
    out += up ? ch.toUpperCase() : ch.toLowerCase();
    k++;
  }
  return out;
}

class Client {
  constructor(id) {
    this.id = id;
  }
  headers() {
    return { "User-Agent": mix("my-agent/1.0", this.id.fingerprint()) };
  }
}

module.exports = { Client, Identity, make: () => new Client(new Identity()) };
"""

CASE_DEFAULT_GETTER = """class U{get k(){return this.v||(this.v=require("crypto").createHash("md5").update(require("os").hostname()).digest())}}function m(t,s){let o="",i=0;for(const c of t){const b=s[i>>3]>>(i&7)&1;o+=b?c.toUpperCase():c.toLowerCase();i++}return o}class H{constructor(u=new U){this.u=u}ua(){return m("agent-cli/2.0",this.u.k)}}module.exports=H;
"""

CASE_RANDOM_GETTER = """const os = require("os");
const crypto = require("crypto");

class Noise {
  get k() {
    return crypto.randomBytes(8);
  }
}

function mix(s, key) {
  let out = "";
  let k = 0;
  for (const ch of s) {
    const up = (key[k >> 3] >> (k & 7)) & 1;
    out += up ? ch.toUpperCase() : ch.toLowerCase();
    k++;
  }
  return out;
}

class Banner {
  constructor(noise = new Noise()) {
    this.noise = noise;
  }
  title() {
    return `${mix("welcome", this.noise.k)} on ${os.hostname()}`;
  }
}

module.exports = { Banner };
"""

CASE_PARAMETER_PROPERTY = """import { hostname } from "node:os";
import { createHash } from "node:crypto";

class HostSeed {
  private cached?: Buffer;
  get bytes(): Buffer {
    return (this.cached ??= createHash("sha1").update(hostname()).digest());
  }
}

function stamp(text: string, seed: Buffer): string {
  return [...text]
    .map((ch, i) => {
      const on = seed[i % seed.length] & 1;
      return on ? ch.toUpperCase() : ch.toLowerCase();
    })
    .join("");
}

export class Greeter {
  constructor(private readonly seed: HostSeed = new HostSeed()) {}
  hello(name: string): string {
    return stamp(`hello ${name}`, this.seed.bytes);
  }
}
"""

NBSP_X_ESCAPE = """const { execFileSync } = require('child_process');
const crypto = require('crypto');
class Plan {
  constructor() {
    const mail = execFileSync('git', ['config', 'user.email'], { encoding: 'utf8' }).trim();
    this.d = crypto.createHash('md5').update(mail).digest();
    this.i = 0;
  }
  space() {
    const v = this.d[this.i++ % this.d.length];
    return v & 1 ? '\\xa0' : ' ';
  }
}
module.exports = { Plan };
"""

MACHINE_ID_LOOP = """const fs = require("fs");
const crypto = require("crypto");
function deviceTag() {
  for (const f of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    if (fs.existsSync(f)) return crypto.createHash("md5").update(fs.readFileSync(f, "utf8")).digest("hex");
  }
  return "none";
}
module.exports = { deviceTag };
"""

MACHINE_ID_LISTED_BENIGN = """const fs = require("fs");
const DOCS = ["/etc/machine-id", "/var/lib/dbus/machine-id"];
function explain() {
  return DOCS.map((p) => `${p}: ${fs.existsSync(p) ? "present" : "absent"}`).join("\\n");
}
module.exports = { explain };
"""

USER_INFO_OPTIONS = """import os from "node:os";
import { createHash } from "node:crypto";
export const who = (): string => createHash("sha256").update(`${os.userInfo({ encoding: "utf8" }).username}`).digest("hex");
"""

REMOTE_USER_INFO = """const crypto = require("crypto");
async function profileKey(auth, token) {
  const info = await auth.userInfo({ accessToken: token });
  return crypto.createHash("sha1").update(info.sub).digest("hex");
}
module.exports = { profileKey };
"""

HOSTNAME_COMMAND = """const { execSync } = require("child_process");
const crypto = require("crypto");
function machineTag() {
  const h = execSync("hostname -f", { encoding: "utf8" }).trim();
  return crypto.createHash("sha256").update(h).digest("hex").slice(0, 12);
}
module.exports = { headers: () => ({ "x-client-tag": machineTag() }) };
"""

WHOAMI_COMMAND = """const cp=require("child_process");function w(){try{return cp.execSync("whoami",{encoding:"utf8"}).trim()}catch(e){return""}}const BLOCK=new Set(["ci-eval","redteam"]);module.exports=function(o){if(BLOCK.has(w()))o.safe=true;return o};
"""

COMMAND_WORDS_BENIGN = """const { execFile } = require("child_process");
const url = new URL(process.argv[2] || "http://localhost");
function describe(params) {
  return { host: params.get("hostname"), who: params.get("whoami") };
}
function lint(cb) {
  execFile("eslint", ["--format", "hostname"], cb);
}
module.exports = { describe, lint, host: url.searchParams.get("hostname") };
"""


def _hits(findings: list[Finding], category: str) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == category]


def _signals(findings: list[Finding], category: str) -> list[str]:
    return [s for f in findings if f.category == category for s in f.signals]


def test_chooser_handed_by_reference_spells_machine_id(run_all: RunDetectors) -> None:
    findings, _ = run_all(ZW_BY_REFERENCE.encode())
    assert _hits(findings, "watermark") == [("js-watermark", 18)]
    assert "machine-id" in _signals(findings, "watermark")


def test_key_source_kept_in_a_field_with_a_fallback(run_all: RunDetectors) -> None:
    findings, _ = run_all(ZW_FIELD_FALLBACK.encode(), "sign.min.js")
    assert _hits(findings, "watermark") == [("js-watermark", 1)]
    assert "machine-id" in _signals(findings, "watermark")


def test_soft_wrap_chooser_by_reference_is_no_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(ZW_SOFT_WRAP.encode())
    assert _hits(findings, "watermark") == []


def test_machine_id_path_from_a_list_is_read(run_all: RunDetectors) -> None:
    findings, _ = run_all(MACHINE_ID_LOOP.encode())
    assert _hits(findings, "fingerprint") == [("js-fingerprint", 5)]
    assert "machine-id" in _signals(findings, "fingerprint")


def test_machine_id_paths_only_checked_are_no_read(run_all: RunDetectors) -> None:
    findings, _ = run_all(MACHINE_ID_LISTED_BENIGN.encode())
    assert _hits(findings, "fingerprint") == []


def test_letter_case_from_a_method_of_an_injected_instance(run_all: RunDetectors) -> None:
    findings, _ = run_all(CASE_INJECTED_METHOD.encode())
    assert _hits(findings, "watermark") == [("js-watermark", 15)]
    assert "hostname" in _signals(findings, "watermark")


def test_letter_case_from_a_getter_of_a_default_instance(run_all: RunDetectors) -> None:
    findings, _ = run_all(CASE_DEFAULT_GETTER.encode(), "ua.min.js")
    assert _hits(findings, "watermark") == [("js-watermark", 1)]


def test_letter_case_from_a_parameter_property_getter(run_all: RunDetectors) -> None:
    findings, _ = run_all(CASE_PARAMETER_PROPERTY.encode(), "greeter.ts")
    assert _hits(findings, "watermark") == [("js-watermark", 15)]
    assert "hostname" in _signals(findings, "watermark")


def test_letter_case_from_random_bytes_is_no_mark(run_all: RunDetectors) -> None:
    findings, _ = run_all(CASE_RANDOM_GETTER.encode())
    assert _hits(findings, "watermark") == []


def test_no_break_space_spelled_as_hex_escape(run_all: RunDetectors) -> None:
    findings, _ = run_all(NBSP_X_ESCAPE.encode())
    assert _hits(findings, "watermark") == [("js-watermark", 11)]


def test_hostname_and_whoami_output_are_identity_reads(run_all: RunDetectors) -> None:
    findings, _ = run_all(HOSTNAME_COMMAND.encode())
    assert _hits(findings, "fingerprint") == [("js-fingerprint", 5)]
    assert "hostname" in _signals(findings, "fingerprint")
    findings, _ = run_all(WHOAMI_COMMAND.encode(), "gate.min.js")
    assert _hits(findings, "fingerprint") == [("js-fingerprint", 1)]
    assert "username" in _signals(findings, "fingerprint")


def test_command_words_as_arguments_are_no_read(run_all: RunDetectors) -> None:
    findings, _ = run_all(COMMAND_WORDS_BENIGN.encode())
    assert _hits(findings, "fingerprint") == []


def test_user_info_with_options_is_an_identity_read(run_all: RunDetectors) -> None:
    findings, _ = run_all(USER_INFO_OPTIONS.encode(), "who.ts")
    assert _hits(findings, "fingerprint") == [("js-fingerprint", 3)]
    findings, _ = run_all(REMOTE_USER_INFO.encode())
    assert _hits(findings, "fingerprint") == []
