"""Evaluate decoder snippets in a capability-free V8 isolate, in a child process with limits.

Run as ``python -m agentxray.analyze.js.deobfuscate.isolate``: reads ``{"jobs": [{"id", "code"}],
"timeout_s", "max_memory"}`` as JSON on stdin, writes ``{"id": {"value": …} | {"error": …}}`` on
stdout. The isolate has no ``require``, no I/O, no timers: only the shims below (``atob``, ``btoa``,
``Buffer.from(…, "base64"|"hex"|"utf8")``, ``TextDecoder``, ``TextEncoder``, and an inflate behind ``__zlib``
for code that decodes with ``zlib.inflateSync`` and its siblings). :func:`evaluate` is the parent side.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py_mini_racer import MiniRacer

logger = logging.getLogger(__name__)

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[4])
"""The folder holding the ``agentxray`` package (``src`` of a checkout, or site-packages)."""
JOB_TIMEOUT_S = 1.0
"""CPU time one decoder may use."""
MAX_MEMORY = 64 * 1024 * 1024
"""Heap limit of the isolate, bytes."""
MAX_RESULT_CHARS = 200_000
"""Results longer than this (as JSON) are cut off."""
BATCH_BUDGET_S = 20.0
"""CPU time for a whole batch; jobs left when it is spent are reported as not run."""
WALL_SLACK = 30.0
"""Wall time a job or batch may take, as a multiple of its CPU limit: the limits are CPU time, so
that a busy machine does not change what is decoded, and this is the backstop."""
POLL_S = 0.01
"""How often a running job's CPU time is looked at."""


SHIMS = r"""
(function (g) {
  var A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function b64bytes(s) {
    s = String(s).replace(/[^A-Za-z0-9+/\-_]/g, "").replace(/-/g, "+").replace(/_/g, "/");
    var out = [], buf = 0, bits = 0;
    for (var i = 0; i < s.length; i++) {
      buf = (buf << 6) | A.indexOf(s[i]); bits += 6;
      if (bits >= 8) { bits -= 8; out.push((buf >> bits) & 255); }
    }
    return out;
  }
  function utf8bytes(s) { return Array.from(unescape(encodeURIComponent(String(s))), function (c) { return c.charCodeAt(0); }); }
  function latin1(bytes) { var s = ""; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return s; }
  function utf8(bytes) { try { return decodeURIComponent(escape(latin1(bytes))); } catch (e) { return latin1(bytes); } }
  function FakeBuffer(bytes) { var u = new Uint8Array(bytes); Object.setPrototypeOf(u, FakeBuffer.prototype); return u; }
  FakeBuffer.prototype = Object.create(Uint8Array.prototype);
  FakeBuffer.prototype.toString = function (enc) {
    enc = (enc || "utf8").toLowerCase();
    if (enc === "base64") return g.btoa(latin1(this));
    if (enc === "hex") return Array.from(this, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
    if (enc === "latin1" || enc === "binary" || enc === "ascii") return latin1(this);
    return utf8(this);
  };
  FakeBuffer.from = function (v, enc) {
    enc = (enc || "utf8").toLowerCase();
    if (typeof v !== "string") return FakeBuffer(Array.from(v));
    if (enc === "base64" || enc === "base64url") return FakeBuffer(b64bytes(v));
    if (enc === "hex") { var o = []; for (var i = 0; i + 1 < v.length; i += 2) o.push(parseInt(v.substr(i, 2), 16)); return FakeBuffer(o); }
    if (enc === "latin1" || enc === "binary" || enc === "ascii") return FakeBuffer(Array.from(v, function (c) { return c.charCodeAt(0) & 255; }));
    return FakeBuffer(utf8bytes(v));
  };
  ["map", "filter", "slice", "subarray", "reverse"].forEach(function (k) {
    var base = Uint8Array.prototype[k];
    FakeBuffer.prototype[k] = function () { return FakeBuffer(Array.from(base.apply(new Uint8Array(this), arguments))); };
  });
  FakeBuffer.isBuffer = function (x) { return x instanceof FakeBuffer; };
  g.Buffer = FakeBuffer;
  g.atob = function (s) { return latin1(b64bytes(s)); };
  g.btoa = function (s) {
    s = String(s); var out = "";
    for (var i = 0; i < s.length; i += 3) {
      var n = (s.charCodeAt(i) << 16) | ((s.charCodeAt(i + 1) || 0) << 8) | (s.charCodeAt(i + 2) || 0);
      out += A[(n >> 18) & 63] + A[(n >> 12) & 63] + (i + 1 < s.length ? A[(n >> 6) & 63] : "=") + (i + 2 < s.length ? A[n & 63] : "=");
    }
    return out;
  };
  // RFC 1951 inflate (zlib and gzip wrappers skipped), for zlib.inflateSync & co.; bounded output.
  function inflate(src, raw) {
    var data = Array.from(src), pos = 0, bit = 0, out = [], LIMIT = 8 * 1024 * 1024;
    if (!raw && data[0] === 0x1f && data[1] === 0x8b) {
      var flg = data[3]; pos = 10;
      if (flg & 4) { pos += 2 + (data[pos] | (data[pos + 1] << 8)); }
      if (flg & 8) { while (data[pos++]) {} }
      if (flg & 16) { while (data[pos++]) {} }
      if (flg & 2) { pos += 2; }
    } else if (!raw && (data[0] & 15) === 8 && ((data[0] << 8) | data[1]) % 31 === 0) { pos = 2; }
    function bits(n) {
      var v = 0;
      for (var i = 0; i < n; i++) {
        if (pos >= data.length) throw new Error("truncated deflate data");
        v |= ((data[pos] >> bit) & 1) << i;
        if (++bit === 8) { bit = 0; pos++; }
      }
      return v;
    }
    function table(lengths) {
      var counts = [], offs = [], syms = [], i;
      for (i = 0; i <= 15; i++) counts[i] = 0;
      for (i = 0; i < lengths.length; i++) counts[lengths[i]]++;
      counts[0] = 0; offs[1] = 0;
      for (i = 1; i < 15; i++) offs[i + 1] = offs[i] + counts[i];
      for (i = 0; i < lengths.length; i++) if (lengths[i]) syms[offs[lengths[i]]++] = i;
      return { counts: counts, syms: syms };
    }
    function decode(t) {
      var code = 0, first = 0, index = 0;
      for (var len = 1; len <= 15; len++) {
        code |= bits(1); var c = t.counts[len];
        if (code - c < first) return t.syms[index + (code - first)];
        index += c; first += c; first <<= 1; code <<= 1;
      }
      throw new Error("bad huffman code");
    }
    var LB = [3,4,5,6,7,8,9,10,11,13,15,17,19,23,27,31,35,43,51,59,67,83,99,115,131,163,195,227,258];
    var LE = [0,0,0,0,0,0,0,0,1,1,1,1,2,2,2,2,3,3,3,3,4,4,4,4,5,5,5,5,0];
    var DB = [1,2,3,4,5,7,9,13,17,25,33,49,65,97,129,193,257,385,513,769,1025,1537,2049,3073,4097,6145,8193,12289,16385,24577];
    var DE = [0,0,0,0,1,1,2,2,3,3,4,4,5,5,6,6,7,7,8,8,9,9,10,10,11,11,12,12,13,13];
    var last, type, i;
    do {
      last = bits(1); type = bits(2);
      if (type === 0) {
        if (bit) { bit = 0; pos++; }
        var len0 = data[pos] | (data[pos + 1] << 8); pos += 4;
        for (i = 0; i < len0; i++) out.push(data[pos++]);
      } else if (type === 1 || type === 2) {
        var lt, dt, l = [];
        if (type === 1) {
          for (i = 0; i < 288; i++) l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
          lt = table(l); l = []; for (i = 0; i < 30; i++) l[i] = 5; dt = table(l);
        } else {
          var hl = bits(5) + 257, hd = bits(5) + 1, hc = bits(4) + 4;
          var ORD = [16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1,15], cl = [];
          for (i = 0; i < 19; i++) cl[i] = 0;
          for (i = 0; i < hc; i++) cl[ORD[i]] = bits(3);
          var ct = table(cl), lens = [];
          while (lens.length < hl + hd) {
            var sym = decode(ct);
            if (sym < 16) lens.push(sym);
            else if (sym === 16) { var p = lens[lens.length - 1], r = 3 + bits(2); while (r--) lens.push(p); }
            else if (sym === 17) { var z = 3 + bits(3); while (z--) lens.push(0); }
            else { var z2 = 11 + bits(7); while (z2--) lens.push(0); }
          }
          lt = table(lens.slice(0, hl)); dt = table(lens.slice(hl));
        }
        for (;;) {
          var s2 = decode(lt);
          if (s2 < 256) out.push(s2);
          else if (s2 === 256) break;
          else {
            s2 -= 257; var n = LB[s2] + bits(LE[s2]);
            var ds = decode(dt), d = DB[ds] + bits(DE[ds]);
            if (d > out.length) throw new Error("bad distance");
            for (i = 0; i < n; i++) out.push(out[out.length - d]);
          }
          if (out.length > LIMIT) throw new Error("inflated data too large");
        }
      } else throw new Error("bad block type");
    } while (!last);
    return FakeBuffer(out);
  }
  function bytesOf(v) { return typeof v === "string" ? FakeBuffer.from(v, "latin1") : v; }
  g.__zlib = {
    inflateSync: function (b) { return inflate(bytesOf(b), false); },
    unzipSync: function (b) { return inflate(bytesOf(b), false); },
    gunzipSync: function (b) { return inflate(bytesOf(b), false); },
    inflateRawSync: function (b) { return inflate(bytesOf(b), true); }
  };
  g.TextDecoder = function () {};
  g.TextDecoder.prototype.decode = function (b) { return utf8(b || []); };
  g.TextEncoder = function () {};
  g.TextEncoder.prototype.encode = function (s) { return new Uint8Array(utf8bytes(s === undefined ? "" : s)); };
  g.window = g; g.self = g; g.globalThis = g;
  ["setTimeout", "clearTimeout", "__timer_manager"].forEach(function (k) { try { g[k] = undefined; delete g[k]; } catch (e) {} });
})(this);
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one job: a JSON-compatible value, or why there is none."""

    value: object = None
    error: str | None = None


async def _run_job(ctx: MiniRacer, code: str, cpu_limit: float) -> object:
    """``code``'s value, or :class:`TimeoutError` once it has used ``cpu_limit`` of CPU time
    (or :data:`WALL_SLACK` times that in wall time). V8 runs it on a thread of this process, so
    the process's CPU time is the job's."""
    task = asyncio.ensure_future(ctx.eval_cancelable(code))
    cpu0, wall0 = time.process_time(), time.monotonic()
    while True:
        done, _ = await asyncio.wait([task], timeout=POLL_S)
        if done:
            return task.result()
        cpu = time.process_time() - cpu0
        if cpu > cpu_limit or time.monotonic() - wall0 > cpu_limit * WALL_SLACK:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise TimeoutError(f"stopped after {cpu:.2f} s of CPU time")


def _child_main() -> None:
    from py_mini_racer import MiniRacer

    request = json.load(sys.stdin)
    timeout = float(request.get("timeout_s", JOB_TIMEOUT_S))
    max_memory = int(request.get("max_memory", MAX_MEMORY))
    results: dict[str, dict[str, object]] = {}
    budget = float(request.get("budget_s", BATCH_BUDGET_S))
    cpu_deadline = time.process_time() + budget
    wall_deadline = time.monotonic() + budget * WALL_SLACK
    loop = asyncio.new_event_loop()
    for job in request["jobs"]:
        if time.process_time() > cpu_deadline or time.monotonic() > wall_deadline:
            results[job["id"]] = {"error": "not run: the batch's time budget was spent"}
            continue
        ctx = MiniRacer()
        try:
            ctx.set_hard_memory_limit(max_memory)
            ctx.eval(SHIMS)
            code = "JSON.stringify((function(){" + job["code"] + "\n})())"
            raw = loop.run_until_complete(_run_job(ctx, code, timeout))
            if not isinstance(raw, str):
                results[job["id"]] = {"error": "no JSON result"}
            elif len(raw) > MAX_RESULT_CHARS:
                results[job["id"]] = {"error": f"result too large ({len(raw)} chars)"}
            else:
                results[job["id"]] = {"value": json.loads(raw)}
        except Exception as exc:  # every failure of untrusted code is a result, not a crash
            kind = type(exc).__name__
            first = next(iter(str(exc).strip().splitlines()), "")  # V8 adds source and stack
            results[job["id"]] = {"error": f"{kind}: {first[:200]}"}
        finally:
            ctx.close()
    loop.close()
    json.dump(results, sys.stdout)


class IsolateSession:
    """A child process running the isolate; started early so its start-up overlaps other work.

    The child imports V8 and then waits for one request on stdin. :meth:`run` sends it and
    collects the results; :meth:`close` ends an unused child.
    """

    def __init__(self) -> None:
        # -P: the working directory is not put first on the child's path (a stray bisect.py
        # there shadowed the standard library and every decode failed); the path holds only
        # the folder agentxray itself is imported from, site-packages come as usual.
        self._proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "agentxray.analyze.js.deobfuscate.isolate"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "", "PYTHONPATH": _PACKAGE_ROOT},
        )

    def run(
        self, jobs: Sequence[tuple[str, str]], *, timeout_s: float = JOB_TIMEOUT_S
    ) -> dict[str, Outcome]:
        """Run ``(id, code)`` jobs (``code`` is a function body that ``return``s the value)."""
        request = {
            "jobs": [{"id": jid, "code": code} for jid, code in jobs],
            "timeout_s": timeout_s,
            "max_memory": MAX_MEMORY,
            "budget_s": BATCH_BUDGET_S,
        }
        budget = 15.0 + (BATCH_BUDGET_S + timeout_s) * WALL_SLACK
        try:
            stdout, stderr = self._proc.communicate(json.dumps(request).encode(), timeout=budget)
        except subprocess.TimeoutExpired:
            self.close()
            logger.warning("decoder isolate exceeded %.0f s", budget)
            return {jid: Outcome(error="isolate process timed out") for jid, _ in jobs}
        if self._proc.returncode != 0:
            tail = stderr.decode(errors="replace")[-300:]
            logger.warning("decoder isolate failed (%d): %s", self._proc.returncode, tail)
            code = self._proc.returncode
            return {jid: Outcome(error=f"isolate process failed ({code})") for jid, _ in jobs}
        raw = json.loads(stdout)
        out: dict[str, Outcome] = {}
        for jid, _ in jobs:
            item = raw.get(jid, {"error": "missing result"})
            out[jid] = Outcome(value=item.get("value"), error=item.get("error"))
        return out

    def close(self) -> None:
        """End the child if it is still running."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()


def evaluate(
    jobs: Sequence[tuple[str, str]],
    *,
    timeout_s: float = JOB_TIMEOUT_S,
    session: IsolateSession | None = None,
) -> dict[str, Outcome]:
    """Run ``(id, code)`` jobs in a child process (``session`` if one was started early).

    Each job gets ``timeout_s`` of CPU time, the batch :data:`BATCH_BUDGET_S` (wall time is only
    a backstop, :data:`WALL_SLACK`: a busy machine does not change the results); if the child dies or
    hangs, every job gets an error outcome. Failures of the decoded code are outcomes too.
    """
    if not jobs:
        if session is not None:
            session.close()
        return {}
    return (session or IsolateSession()).run(jobs, timeout_s=timeout_s)


if __name__ == "__main__":
    _child_main()
