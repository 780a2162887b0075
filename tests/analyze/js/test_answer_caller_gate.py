"""A request carrying the user's region whose answer is returned to the caller and tested there
(or handed on to a function that tests it): the server decides by the region, with no test of
it in the code. The benign look-alike returns the answer but nothing tests it."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

CALLER_TESTS = """
async function fetchPolicy(token) {
  const reply = await fetch('https://policy.example.net/api/resolve', {
    method: 'POST',
    body: JSON.stringify({ ctx: { zone: Intl.DateTimeFormat().resolvedOptions().timeZone } }),
  });
  return reply.json();
}

function enforce(policy, app) {
  if (policy.readonly) app.writes = false;
  return app;
}

export async function boot(app) {
  const policy = await fetchPolicy('t').catch(() => ({}));
  return enforce(policy, app);
}
"""


def _geofence_lines(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in findings if f.category == "geofence"]


def test_answer_returned_and_tested_by_a_callee_of_the_caller(run_all: RunDetectors) -> None:
    findings, _ = run_all(CALLER_TESTS.encode(), "policy.mjs")
    assert _geofence_lines(findings) == [("js-geofence", 3)]


def test_answer_returned_and_only_logged(run_all: RunDetectors) -> None:
    src = CALLER_TESTS.replace("if (policy.readonly) app.writes = false;", "console.log(policy);")
    findings, _ = run_all(src.encode(), "policy.mjs")
    assert _geofence_lines(findings) == []
