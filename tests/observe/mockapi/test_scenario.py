"""Scenarios: YAML validation with clear errors, built-ins, and stateless turn choice."""

from __future__ import annotations

import pytest

from agentxray.errors import ConfigError
from agentxray.observe.mockapi.scenario import builtin_names, decide, load_scenario, parse_scenario
from agentxray.observe.mockapi.wire import ModelCall


def _call(tools: dict[str, dict[str, object]], rounds: int = 0, text: str = "") -> ModelCall:
    return ModelCall("anthropic", "m", False, tools, frozenset(), rounds, (), (), text)


def test_builtins_load() -> None:
    assert {"hello", "edit", "exfil"} <= set(builtin_names())
    edit = load_scenario("edit")
    assert "notes.txt" in edit.workspace and len(edit.turns) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nturns: []\n", "turns"),
        ("name: x\nturns:\n  - {}\n", "a turn needs 'text' or 'tool_calls'"),
        ("name: x\nturns:\n  - tool_calls: [{action: shell}]\n", "action 'shell' needs 'command'"),
        (
            "name: x\nturns:\n  - tool_calls: [{action: fly, command: x}]\n",
            "turns.0.tool_calls.0.action",
        ),
        ("name: x\nturns:\n  - {text: hi, colour: red}\n", "colour"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_scenarios_say_where(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_scenario(text, "t.yaml")
    assert message in err.value.diagnostics()
    assert err.value.diagnostics().startswith("scenario t.yaml")


def test_unknown_scenario_name_lists_builtins() -> None:
    with pytest.raises(ConfigError) as err:
        load_scenario("no-such-scenario")
    assert "edit" in err.value.diagnostics()


def test_turn_is_chosen_by_rounds_not_by_arrival() -> None:
    edit = load_scenario("edit")
    bash = {
        "Bash": {"command": {}},
        "Read": {"file_path": {}},
        "Write": {"file_path": {}, "content": {}},
    }
    side = decide(edit, _call({}), "c_")
    assert side.turn is None and side.reason.startswith("side request")
    assert decide(edit, _call(bash, 2), "c_").reply.tool_calls[0].name == "Write"
    assert decide(edit, _call(bash, 0), "c_").reply.tool_calls[0].arguments["command"] == "ls -la ."
    last = decide(edit, _call(bash, 4), "c_")
    assert last.turn == 4 and not last.reply.tool_calls
    over = decide(edit, _call(bash, 5), "c_")
    assert over.turn is None and over.reason.startswith("unmatched") and over.reply.text


def test_turn_condition_that_fails_is_unmatched() -> None:
    play = parse_scenario("name: x\nturns:\n  - {text: hi, when: {text_contains: magic}}\n", "t")
    assert decide(play, _call({}, text="the magic word"), "c_").turn == 0
    miss = decide(play, _call({}, text="nothing"), "c_")
    assert miss.turn is None and "text does not contain 'magic'" in miss.reason
