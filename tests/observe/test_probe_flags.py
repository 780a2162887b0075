"""The mock answers GrowthBook with a probe persona's flag values, and only when given some."""

from __future__ import annotations

import json

from agentxray.observe.mockapi.flags import flag_answer, flag_value
from agentxray.observe.mockapi.router import answer
from agentxray.observe.mockapi.scenario import load_scenario
from agentxray.observe.mockapi.wire import HttpRequest


def _req(method: str, target: str, body: bytes = b"") -> HttpRequest:
    headers = (("host", "api.anthropic.com"), ("content-type", "application/json"))
    return HttpRequest(method, target, headers, body)


def test_growthbook_remote_eval_gets_the_flags() -> None:
    req = _req("POST", "/api/eval/sdk-abc", b'{"attributes": {"id": "1"}}')
    got = flag_answer(req, {"tengu_x": True, "limit": 3})
    assert got is not None and got.status == 200
    features = json.loads(got.body)["features"]
    assert features == {"tengu_x": {"defaultValue": True}, "limit": {"defaultValue": 3}}


def test_no_flags_or_other_requests_are_left_to_the_mock() -> None:
    assert flag_answer(_req("POST", "/api/eval/sdk-abc"), {}) is None
    assert flag_answer(_req("POST", "/v1/messages"), {"x": 1}) is None


def test_router_uses_the_scenarios_flags() -> None:
    play = load_scenario("hello").model_copy(update={"flags": {"tengu_x": "on"}})
    response, ex = answer(play, _req("POST", "/api/eval/sdk-abc", b"{}"), 1, 0.0, True)
    assert json.loads(response.body)["features"]["tengu_x"] == {"defaultValue": "on"}
    assert ex.outcome == "feature flags"
    plain, _ = answer(
        load_scenario("hello"), _req("POST", "/api/eval/sdk-abc", b"{}"), 1, 0.0, True
    )
    assert plain.status == 404


def test_flag_values_parse_as_json_when_they_can() -> None:
    assert flag_value("true") is True
    assert flag_value("3") == 3
    assert flag_value("on") == "on"
