"""The behaviour layer's value flow between objects (issue 7): a value reaches a comparison
through a member of the file's own objects on a receiver other than ``this`` (a getter read on
an injected collaborator, a method called on an untyped parameter or a local instance, an
object literal's function), a function handed to a constructor and called from a field, an
event emitter (``emit`` → the listener's parameter), and a region value put into a request's
query whose answer, kept in a field and read back through a method, decides a test. Each
mechanism has two idioms that must fire and a look-alike that must stay silent."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _found(findings: list[Finding], category: str) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == category]


# -- a getter read on an injected collaborator (receiver: an untyped constructor parameter) --
GETTER = """
class HostEnv {
  constructor() { this.cached = null; }
  get region() {
    if (this.cached === null) {
      this.cached = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    }
    return this.cached;
  }
}

class Planner {
  constructor(env) { this.env = env; }
  limit() {
    return ["Asia/Dhaka", "Asia/Karachi"].includes(this.env.region) ? 1 : 9;
  }
}
module.exports = { HostEnv, Planner };
"""


def test_getter_read_on_injected_collaborator(run_all: RunDetectors) -> None:
    findings, _ = run_all(GETTER.encode())
    assert _found(findings, "geofence") == [("js-geofence", 15)]


# The same in minified code: an object literal's function called on a parameter.
LITERAL = (
    "const probe={whereNow:()=>Intl.DateTimeFormat().resolvedOptions().timeZone};"
    'function pick(s){const z=s.whereNow();if(z==="Europe/Minsk"||z==="Asia/Tehran")return 0;'
    "return 1}\nmodule.exports={probe,pick};\n"
)


def test_literal_function_called_on_parameter(run_all: RunDetectors) -> None:
    findings, _ = run_all(LITERAL.encode())
    assert _found(findings, "geofence") == [("js-geofence", 1)]


def test_getter_read_but_only_printed(run_all: RunDetectors) -> None:
    src = GETTER.replace(
        'return ["Asia/Dhaka", "Asia/Karachi"].includes(this.env.region) ? 1 : 9;',
        'return "zone " + this.env.region;',
    )
    findings, _ = run_all(src.encode())
    assert _found(findings, "geofence") == []


# -- an argument handed to a method of a local instance --------------------------------------
ARGUMENT = """
class Gate {
  check(zone) {
    if (zone === "Europe/Moscow") return false;
    return true;
  }
}
const gate = new Gate();
exports.open = gate.check(Intl.DateTimeFormat().resolvedOptions().timeZone);
"""


def test_argument_into_method_of_local_instance(run_all: RunDetectors) -> None:
    findings, _ = run_all(ARGUMENT.encode())
    assert _found(findings, "geofence") == [("js-geofence", 4)]


def test_argument_into_method_that_only_logs(run_all: RunDetectors) -> None:
    src = ARGUMENT.replace(
        'if (zone === "Europe/Moscow") return false;', 'console.log("zone", zone);'
    )
    findings, _ = run_all(src.encode())
    assert _found(findings, "geofence") == []


# -- a function handed on as a value and called from a field or a parameter -----------------
HANDED = """
const zoneOf = async () => Intl.DateTimeFormat().resolvedOptions().timeZone;

class Router {
  constructor(source) { this.source = source; }
  async route() {
    const zone = await this.source();
    return new Set(["Asia/Tehran", "Europe/Moscow"]).has(zone) ? "fallback" : "main";
  }
}
module.exports = new Router(zoneOf);
"""


def test_function_value_kept_in_field(run_all: RunDetectors) -> None:
    findings, _ = run_all(HANDED.encode())
    assert _found(findings, "geofence") == [("js-geofence", 8)]


CALLBACK = """
function readZone() { return Intl.DateTimeFormat().resolvedOptions().timeZone; }
function withZone(get) {
  const z = get();
  if (z.startsWith("Asia/Shanghai")) { return "slow"; }
  return "fast";
}
exports.mode = withZone(readZone);
"""


def test_function_value_called_through_parameter(run_all: RunDetectors) -> None:
    findings, _ = run_all(CALLBACK.encode())
    assert _found(findings, "geofence") == [("js-geofence", 5)]


def test_function_value_kept_but_only_shown(run_all: RunDetectors) -> None:
    src = HANDED.replace(
        'return new Set(["Asia/Tehran", "Europe/Moscow"]).has(zone) ? "fallback" : "main";',
        "return `zone: ${zone}`;",
    )
    findings, _ = run_all(src.encode())
    assert _found(findings, "geofence") == []


# -- an event emitter: `emit` hands the value (or the instance holding it) to listeners ------
EMITTED = """
const os = require("os");
const { EventEmitter } = require("events");
const bus = new EventEmitter();
class Context {
  constructor() { this.user = null; }
  collect() {
    this.user = os.userInfo().username;
    bus.emit("ready", this);
    return this;
  }
}
const REVIEWERS = new Set(["auditor", "evaluator", "redteam"]);
class Profile {
  constructor() { this.mode = "full"; bus.on("ready", (c) => this.decide(c)); }
  decide(c) { this.mode = REVIEWERS.has(String(c.user).toLowerCase()) ? "safe" : "full"; }
}
module.exports = { Context, profile: new Profile() };
"""


def test_instance_emitted_to_listener(run_all: RunDetectors) -> None:
    findings, _ = run_all(EMITTED.encode())
    assert _found(findings, "fingerprint") == [("js-fingerprint", 16)]


ZONE_EVENT = (
    'const E=require("events"),n=new E;n.once("zone",function(t){if(["Asia/Tehran",'
    '"Asia/Damascus"].indexOf(t)>=0)process.exitCode=3});'
    'n.emit("zone",Intl.DateTimeFormat().resolvedOptions().timeZone);\n'
)


def test_value_emitted_to_listener(run_all: RunDetectors) -> None:
    findings, _ = run_all(ZONE_EVENT.encode())
    assert _found(findings, "geofence") == [("js-geofence", 1)]


def test_instance_emitted_to_listener_that_logs(run_all: RunDetectors) -> None:
    src = EMITTED.replace(
        'this.mode = REVIEWERS.has(String(c.user).toLowerCase()) ? "safe" : "full";',
        'console.log("user", c.user);',
    )
    findings, _ = run_all(src.encode())
    assert _found(findings, "fingerprint") == []


# -- a country sent in a request's query; the answer kept, read back through a method --------
GATED = """
const https = require("https");
function getJson(url) {
  return new Promise((ok, fail) => {
    https.get(url, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => ok(JSON.parse(body)));
    }).on("error", fail);
  });
}
class Where {
  async lookup() {
    const a = await getJson("https://ipwho.is/");
    return { country: a.country_code };
  }
}
class Flags {
  constructor(where) { this.where = where; this.flags = {}; }
  async refresh() {
    const w = await this.where.lookup();
    const q = new URLSearchParams({ c: w.country });
    this.flags = await getJson(`https://flags.example.test/v1?${q}`);
  }
  allows(name) { return Boolean(this.flags[name]); }
}
async function apply(f, tools) {
  await f.refresh();
  f.allows("halt") && process.exit(2);
  return tools;
}
module.exports = { Where, Flags, apply };
"""


def test_country_sent_in_query_and_answer_tested_through_method(run_all: RunDetectors) -> None:
    findings, _ = run_all(GATED.encode())
    assert _found(findings, "geofence") == [("js-geofence", 23)]


FETCHED = """
async function ask(u) { const r = await fetch(u); return r.json(); }
async function country() {
  const g = await ask("https://ipapi.co/json/");
  return g.country_code;
}
export async function settings() {
  const cc = await country();
  const conf = await ask("https://cfg.example.test/s?cc=" + encodeURIComponent(cc) + "&v=2");
  if (conf.limited) { return { tools: [] }; }
  return { tools: ["shell"] };
}
"""


def test_country_sent_in_template_query_answer_tested(run_all: RunDetectors) -> None:
    src = FETCHED.replace(
        '"https://cfg.example.test/s?cc=" + encodeURIComponent(cc) + "&v=2"',
        "`https://cfg.example.test/s?cc=${cc}&v=2`",
    )
    findings, _ = run_all(src.encode(), "fixture.mjs")
    assert _found(findings, "geofence") == [("js-geofence", 9)]


def test_country_sent_but_answer_only_logged(run_all: RunDetectors) -> None:
    src = GATED.replace('f.allows("halt") && process.exit(2);', 'console.log(f.allows("halt"));')
    findings, _ = run_all(src.encode())
    assert _found(findings, "geofence") == []


def test_country_concatenated_into_query_answer_tested(run_all: RunDetectors) -> None:
    findings, _ = run_all(FETCHED.encode(), "fixture.mjs")
    assert _found(findings, "geofence") == [("js-geofence", 9)]


def test_country_concatenated_but_not_into_a_query(run_all: RunDetectors) -> None:
    src = FETCHED.replace(
        '"https://cfg.example.test/s?cc=" + encodeURIComponent(cc) + "&v=2"',
        '"https://cfg.example.test/s"',
    ).replace("const cc = await country();", "const cc = await country(); console.log(cc);")
    findings, _ = run_all(src.encode(), "fixture.mjs")
    assert _found(findings, "geofence") == []
