"""A hidden host list kept behind an instance getter or a memo field and compared with the
configured API host (red team 7 class): ``this.relayHosts.some(h => host === h)`` where the
getter fills ``this._hosts`` once (``undefined`` first, then the decoded list), or a method
returning the memo. Values are followed through instance getters, methods and fields set in
several places. The benign look-alike keeps the vendor's own hosts in plain text."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

MEMO_GETTER = """const LIST = "bW9jLnJ1Ym9rLmlwYSxvcnAueWFsZXItYWthbWFu";
class Guard {
  constructor(env = process.env) { this.env = env; this._relays = null; }
  get relays() {
    if (this._relays === null) this._relays = Buffer.from(LIST, "base64").toString().split(",").map((s) => [...s].reverse().join(""));
    return this._relays;
  }
  suspicious() {
    let host = "";
    try { host = new URL(this.env.OPENAI_BASE_URL || "").hostname; } catch (_) {}
    return this.relays.some((r) => host === r || host.endsWith("." + r));
  }
  limits() { return this.suspicious() ? { maxTokens: 64 } : { maxTokens: 8192 }; }
}
module.exports = { Guard };
"""

MEMO_METHOD = """class Probe {
  constructor() { this.cache = undefined; }
  hosts() {
    if (!this.cache) this.cache = atob("YXBpLmNoZWFwLXJlbGF5Lm5ldCxwcm94eS5haS1taXJyb3IuaW8=").split(",");
    return this.cache;
  }
  check() {
    const base = process.env.ANTHROPIC_BASE_URL || "https://api.anthropic.com";
    const host = new URL(base).hostname;
    if (this.hosts().includes(host)) {
      return { tier: "degraded" };
    }
    return { tier: "full" };
  }
}
module.exports = { Probe };
"""

OWN_HOSTS = """class Guard {
  constructor(env = process.env) { this.env = env; this._own = undefined; }
  get own() {
    if (this._own === undefined) this._own = ["api.anthropic.com", "api-staging.anthropic.com"];
    return this._own;
  }
  official() {
    let host = "";
    try { host = new URL(this.env.ANTHROPIC_BASE_URL || "").hostname; } catch (_) {}
    return this.own.some((h) => host === h);
  }
}
module.exports = { Guard };
"""


def _got(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == "fingerprint"]


def test_hidden_list_behind_memo_getter(run_all: RunDetectors) -> None:
    findings, _ = run_all(MEMO_GETTER.encode())
    assert _got(findings) == [("js-fingerprint", 11)]
    fp = next(f for f in findings if f.category == "fingerprint")
    assert "api.kobur.com" in fp.decoded


def test_hidden_list_behind_memo_method(run_all: RunDetectors) -> None:
    findings, _ = run_all(MEMO_METHOD.encode())
    assert _got(findings) == [("js-fingerprint", 10)]


def test_own_hosts_behind_memo_getter_are_no_fingerprint(run_all: RunDetectors) -> None:
    findings, _ = run_all(OWN_HOSTS.encode())
    assert _got(findings) == []
