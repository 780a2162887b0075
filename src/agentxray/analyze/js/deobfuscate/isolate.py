"""Evaluate decoder snippets in a capability-free V8 isolate, in a child process with limits.

Run as ``python -m agentxray.analyze.js.deobfuscate.isolate``: reads ``{"jobs": [{"id", "code"}],
"timeout_s", "max_memory"}`` as JSON on stdin, writes ``{"id": {"value": …} | {"error": …}}`` on
stdout. The isolate has no ``require``, no I/O, no timers: only the shims below (``atob``, ``btoa``,
``Buffer.from(…, "base64"|"hex"|"utf8")``, ``TextDecoder``). :func:`evaluate` is the parent side.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)

JOB_TIMEOUT_S = 1.0
"""CPU time one decoder may use."""
MAX_MEMORY = 64 * 1024 * 1024
"""Heap limit of the isolate, bytes."""
MAX_RESULT_CHARS = 200_000
BATCH_BUDGET_S = 20.0
"""Wall time for a whole batch; jobs left when it is spent are reported as not run."""
"""Results longer than this (as JSON) are cut off."""

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
  g.TextDecoder = function () {};
  g.TextDecoder.prototype.decode = function (b) { return utf8(b || []); };
  g.window = g; g.self = g; g.globalThis = g;
  ["setTimeout", "clearTimeout", "__timer_manager"].forEach(function (k) { try { g[k] = undefined; delete g[k]; } catch (e) {} });
})(this);
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one job: a JSON-compatible value, or why there is none."""

    value: object = None
    error: str | None = None


def _child_main() -> None:
    from py_mini_racer import MiniRacer

    request = json.load(sys.stdin)
    timeout = float(request.get("timeout_s", JOB_TIMEOUT_S))
    max_memory = int(request.get("max_memory", MAX_MEMORY))
    results: dict[str, dict[str, object]] = {}
    deadline = time.monotonic() + float(request.get("budget_s", BATCH_BUDGET_S))
    for job in request["jobs"]:
        if time.monotonic() > deadline:
            results[job["id"]] = {"error": "not run: the batch's time budget was spent"}
            continue
        ctx = MiniRacer()
        try:
            ctx.eval(SHIMS)
            raw = ctx.eval(
                "JSON.stringify((function(){" + job["code"] + "\n})())",
                timeout_sec=timeout,
                max_memory=max_memory,
            )
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
    json.dump(results, sys.stdout)


class IsolateSession:
    """A child process running the isolate; started early so its start-up overlaps other work.

    The child imports V8 and then waits for one request on stdin. :meth:`run` sends it and
    collects the results; :meth:`close` ends an unused child.
    """

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "agentxray.analyze.js.deobfuscate.isolate"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "", "PYTHONPATH": ":".join(p for p in sys.path if p)},
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
        budget = 15.0 + BATCH_BUDGET_S + timeout_s
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

    Each job gets ``timeout_s`` of CPU, the batch :data:`BATCH_BUDGET_S`; if the child dies or
    hangs, every job gets an error outcome. Failures of the decoded code are outcomes too.
    """
    if not jobs:
        if session is not None:
            session.close()
        return {}
    return (session or IsolateSession()).run(jobs, timeout_s=timeout_s)


if __name__ == "__main__":
    _child_main()
