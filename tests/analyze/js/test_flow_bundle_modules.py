"""The behaviour layer across a bundle's modules and new region sources (issue 7): a region
value read in one bundled module (webpack table, esbuild ``__commonJS`` wrapper) and compared in
another through ``__webpack_require__(id)`` / ``require_x()`` exports; the zone a system tool
prints (``timedatectl`` run through a shell helper) and the zone file (``/etc/timezone``); a
down-levelled ``async`` (esbuild ``__async``, tsc ``__awaiter`` with ``yield`` as ``await``)
sending the zone to a server whose answer, kept in a field, is tested in another method; a
value gathered by ``Promise.all([...])`` (past ``.catch``) and taken back by position, awaited
into an array pattern or in ``.then(([a, b]) => …)``. Each
must fire at the comparison; its look-alike (the same value only shown or logged) stays silent."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _found(findings: list[Finding], category: str) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == category]


WEBPACK = """(() => {
  var __webpack_modules__ = {
    301: (module, exports, __webpack_require__) => {
      __webpack_require__.d(exports, { zoneNow: () => zoneNow });
      function zoneNow() {
        return Intl.DateTimeFormat().resolvedOptions().timeZone;
      }
    },
    302: (module, exports, __webpack_require__) => {
      const clock = __webpack_require__(301);
      const WATCH = ["Asia/Tehran", "Asia/Pyongyang", "Europe/Minsk"];
      module.exports.tier = function tier() {
        return WATCH.includes(clock.zoneNow()) ? "basic" : "pro";
      };
    },
  };
  var cache = {};
  function __webpack_require__(id) {
    if (cache[id]) return cache[id].exports;
    var module = (cache[id] = { exports: {} });
    __webpack_modules__[id](module, module.exports, __webpack_require__);
    return module.exports;
  }
  module.exports = __webpack_require__(302);
})();
"""

WEBPACK_BENIGN = """(() => {
  var __webpack_modules__ = {
    301: (module, exports, __webpack_require__) => {
      __webpack_require__.d(exports, { zoneNow: () => zoneNow });
      function zoneNow() {
        return Intl.DateTimeFormat().resolvedOptions().timeZone;
      }
    },
    302: (module, exports, __webpack_require__) => {
      const clock = __webpack_require__(301);
      const WATCH = ["Asia/Tehran", "Asia/Pyongyang", "Europe/Minsk"];
      module.exports.stamp = function stamp(d) {
        return d.toISOString() + " (" + clock.zoneNow() + ")";
      };
      module.exports.zones = () => WATCH.slice();
    },
  };
  var cache = {};
  function __webpack_require__(id) {
    if (cache[id]) return cache[id].exports;
    var module = (cache[id] = { exports: {} });
    __webpack_modules__[id](module, module.exports, __webpack_require__);
    return module.exports;
  }
  module.exports = __webpack_require__(302);
})();
"""


def test_webpack_fires(run_all: RunDetectors) -> None:
    findings, _ = run_all(WEBPACK.encode())
    assert _found(findings, "geofence") == [("js-geofence", 13)]


def test_webpack_look_alike_is_silent(run_all: RunDetectors) -> None:
    findings, _ = run_all(WEBPACK_BENIGN.encode())
    assert _found(findings, "geofence") == []


MINIFIED = """var q=(a,b)=>()=>(b||a((b={exports:{}}).exports,b),b.exports);
var L=q((x,y)=>{y.exports=()=>(process.env.LC_ALL||process.env.LANG||"").slice(0,5)});
var K=q((x,y)=>{x.blocked=["zh_CN","fa_IR","ru_RU"]});
var g=L(),{blocked:h}=K();module.exports=function(o){if(h.indexOf(g())>=0)o.tools=[];return o};
"""

MINIFIED_BENIGN = """var q=(a,b)=>()=>(b||a((b={exports:{}}).exports,b),b.exports);
var L=q((x,y)=>{y.exports=()=>(process.env.LC_ALL||process.env.LANG||"").slice(0,5)});
var K=q((x,y)=>{x.blocked=["zh_CN","fa_IR","ru_RU"]});
var g=L(),{blocked:h}=K();module.exports=function(o){o.header="locale="+g();o.known=h.length;return o};
"""


def test_minified_fires(run_all: RunDetectors) -> None:
    findings, _ = run_all(MINIFIED.encode())
    assert _found(findings, "geofence") == [("js-geofence", 4)]


def test_minified_look_alike_is_silent(run_all: RunDetectors) -> None:
    findings, _ = run_all(MINIFIED_BENIGN.encode())
    assert _found(findings, "geofence") == []


COMMAND = """const cp = require("child_process");
function sh(cmd) {
  try { return cp.execFileSync("/bin/sh", ["-c", cmd]).toString(); } catch (e) { return ""; }
}
function systemZone() {
  return sh("timedatectl show --property=Timezone --value").trim();
}
exports.allowed = () => !["Asia/Tehran", "Asia/Damascus"].includes(systemZone());
"""

COMMAND_BENIGN = """const cp = require("child_process");
function sh(cmd) {
  try { return cp.execFileSync("/bin/sh", ["-c", cmd]).toString(); } catch (e) { return ""; }
}
function systemZone() {
  return sh("timedatectl show --property=Timezone --value").trim();
}
exports.describe = () => "clock: " + systemZone();
"""


def test_command_fires(run_all: RunDetectors) -> None:
    findings, _ = run_all(COMMAND.encode())
    assert _found(findings, "geofence") == [("js-geofence", 8)]


def test_command_look_alike_is_silent(run_all: RunDetectors) -> None:
    findings, _ = run_all(COMMAND_BENIGN.encode())
    assert _found(findings, "geofence") == []


ZONE_FILE = """const fs = require("fs");
function zone() {
  try { return fs.readFileSync("/etc/timezone", "utf8").trim(); } catch { return ""; }
}
module.exports = function limits() {
  const z = zone();
  if (z === "Asia/Shanghai" || z === "Asia/Urumqi") return { maxTokens: 256 };
  return { maxTokens: 8192 };
};
"""

ZONE_FILE_BENIGN = """const fs = require("fs");
function zone() {
  try { return fs.readFileSync("/etc/timezone", "utf8").trim(); } catch { return ""; }
}
module.exports = function report() {
  const z = zone();
  return { zone: z || "unknown", checkedAt: Date.now() };
};
"""


def test_zone_file_fires(run_all: RunDetectors) -> None:
    findings, _ = run_all(ZONE_FILE.encode())
    assert _found(findings, "geofence") == [("js-geofence", 7)]


def test_zone_file_look_alike_is_silent(run_all: RunDetectors) -> None:
    findings, _ = run_all(ZONE_FILE_BENIGN.encode())
    assert _found(findings, "geofence") == []


ESBUILD_ASYNC = """var __async = (__this, __arguments, generator) => new Promise((resolve, reject) => {
  var step = (x) => x.done ? resolve(x.value) : Promise.resolve(x.value).then((v) => step(generator.next(v)), reject);
  step((generator = generator.apply(__this, __arguments)).next());
});
class Gate {
  load() {
    return __async(this, null, function* () {
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const res = yield fetch("https://cfg.example.dev/v2/gate?tz=" + encodeURIComponent(tz));
      this.rules = yield res.json();
    });
  }
  run() {
    return __async(this, null, function* () {
      if (this.rules.blocked === true) {
        process.exit(3);
      }
    });
  }
}
module.exports = { Gate };
"""

ESBUILD_ASYNC_BENIGN = """var __async = (__this, __arguments, generator) => new Promise((resolve, reject) => {
  var step = (x) => x.done ? resolve(x.value) : Promise.resolve(x.value).then((v) => step(generator.next(v)), reject);
  step((generator = generator.apply(__this, __arguments)).next());
});
class Gate {
  load() {
    return __async(this, null, function* () {
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const res = yield fetch("https://cfg.example.dev/v2/time?tz=" + encodeURIComponent(tz));
      this.rules = yield res.json();
    });
  }
  run() {
    return __async(this, null, function* () {
      console.log("server time", this.rules.now);
    });
  }
}
module.exports = { Gate };
"""


def test_esbuild_async_fires(run_all: RunDetectors) -> None:
    findings, _ = run_all(ESBUILD_ASYNC.encode())
    assert _found(findings, "geofence") == [("js-geofence", 9)]


def test_esbuild_async_look_alike_is_silent(run_all: RunDetectors) -> None:
    findings, _ = run_all(ESBUILD_ASYNC_BENIGN.encode())
    assert _found(findings, "geofence") == []


TSC_AWAITER = """var __awaiter = (this && this.__awaiter) || function (thisArg, _arguments, P, generator) {
    return new (P || (P = Promise))(function (resolve, reject) {
        function step(r) { r.done ? resolve(r.value) : Promise.resolve(r.value).then((v) => step(generator.next(v)), reject); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
class Gate {
  load() {
    return __awaiter(this, void 0, void 0, function* () {
      const tz = new Date().getTimezoneOffset();
      const res = yield fetch("https://cfg.example.dev/v2/gate?offset=" + encodeURIComponent(tz));
      this.rules = yield res.json();
    });
  }
  run() {
    return __awaiter(this, void 0, void 0, function* () {
      if (this.rules.tier !== "full") {
        process.exit(3);
      }
    });
  }
}
module.exports = { Gate };
"""

TSC_AWAITER_BENIGN = """var __awaiter = (this && this.__awaiter) || function (thisArg, _arguments, P, generator) {
    return new (P || (P = Promise))(function (resolve, reject) {
        function step(r) { r.done ? resolve(r.value) : Promise.resolve(r.value).then((v) => step(generator.next(v)), reject); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
class Gate {
  load() {
    return __awaiter(this, void 0, void 0, function* () {
      const tz = new Date().getTimezoneOffset();
      const res = yield fetch("https://cfg.example.dev/v2/time?tz=" + encodeURIComponent(tz));
      this.rules = yield res.json();
    });
  }
  run() {
    return __awaiter(this, void 0, void 0, function* () {
      console.log("server time", this.rules.now);
    });
  }
}
module.exports = { Gate };
"""


def test_tsc_awaiter_fires(run_all: RunDetectors) -> None:
    findings, _ = run_all(TSC_AWAITER.encode())
    assert _found(findings, "geofence") == [("js-geofence", 11)]


def test_tsc_awaiter_look_alike_is_silent(run_all: RunDetectors) -> None:
    findings, _ = run_all(TSC_AWAITER_BENIGN.encode())
    assert _found(findings, "geofence") == []


PROMISE_ALL_AWAITED = """async function countryOf() {
  const res = await fetch("https://ipinfo.io/json");
  const body = await res.json();
  return body.country;
}
async function plan() {
  const [who, cc] = await Promise.all([fetch("https://api.example.dev/me"), countryOf().catch(() => "")]);
  if (["CU", "SY", "IR"].includes(cc)) {
    return { ...(await who.json()), tools: [] };
  }
  return who.json();
}
module.exports = { plan };
"""

PROMISE_ALL_AWAITED_BENIGN = """async function countryOf() {
  const res = await fetch("https://ipinfo.io/json");
  const body = await res.json();
  return body.country;
}
async function plan() {
  const [who, cc] = await Promise.all([fetch("https://api.example.dev/me"), countryOf().catch(() => "")]);
  if (["admin", "owner"].includes(who.role)) {
    return { role: who.role, country: cc };
  }
  return { country: cc };
}
module.exports = { plan };
"""


def test_promise_all_awaited_fires(run_all: RunDetectors) -> None:
    findings, _ = run_all(PROMISE_ALL_AWAITED.encode())
    assert _found(findings, "geofence") == [("js-geofence", 8)]


def test_promise_all_awaited_look_alike_is_silent(run_all: RunDetectors) -> None:
    findings, _ = run_all(PROMISE_ALL_AWAITED_BENIGN.encode())
    assert _found(findings, "geofence") == []


PROMISE_ALL_THEN = """function zone() { return Intl.DateTimeFormat().resolvedOptions().timeZone; }
function load() {
  return Promise.all([Promise.resolve(42), Promise.resolve(zone())]).then(([n, tz]) => {
    return tz === "Asia/Pyongyang" ? null : n;
  });
}
module.exports = { load };
"""

PROMISE_ALL_THEN_BENIGN = """function zone() { return Intl.DateTimeFormat().resolvedOptions().timeZone; }
function load() {
  return Promise.all([Promise.resolve(zone()), Promise.resolve(42)]).then(([tz, n]) => {
    return n === 7 ? null : tz;
  });
}
module.exports = { load };
"""


def test_promise_all_then_fires(run_all: RunDetectors) -> None:
    findings, _ = run_all(PROMISE_ALL_THEN.encode())
    assert _found(findings, "geofence") == [("js-geofence", 4)]


def test_promise_all_then_look_alike_is_silent(run_all: RunDetectors) -> None:
    findings, _ = run_all(PROMISE_ALL_THEN_BENIGN.encode())
    assert _found(findings, "geofence") == []
