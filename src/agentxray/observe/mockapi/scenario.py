"""Scripted scenarios: YAML turns (text or tool calls) chosen by matching each model request."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentxray.observe.config_file import builtin_yaml_names, load_yaml_model, parse_yaml_model
from agentxray.observe.mockapi.schema_fill import fill_json
from agentxray.observe.mockapi.vocabulary import ACTIONS, resolve_action
from agentxray.observe.mockapi.wire import ModelCall, Reply, ToolCall

logger = logging.getLogger(__name__)

Action = Literal["shell", "read_file", "write_file", "list_files"]


class Match(BaseModel):
    """Conditions a request must meet for a turn to apply (all given ones must hold)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offers_tool: str | None = None
    """A tool the request offers: a literal tool name or an action (``shell``, ``write_file``…)."""
    offers_tools: bool | None = None
    """Whether the request offers any tool at all."""
    text_contains: str | None = None
    """A substring of the request's text."""

    def check(self, call: ModelCall) -> str | None:
        """``None`` when ``call`` matches, else why not."""
        if self.offers_tools is not None and bool(call.tools) != self.offers_tools:
            return f"offers_tools is {bool(call.tools)}, wanted {self.offers_tools}"
        if self.offers_tool is not None:
            name = self.offers_tool
            if name in ACTIONS:
                if resolve_action(name, call) is None:
                    return f"offers no tool for action {name!r}"
            elif name not in call.tools:
                return f"does not offer tool {name!r}"
        if self.text_contains is not None and self.text_contains not in call.all_text:
            return f"text does not contain {self.text_contains!r}"
        return None


class ToolStep(BaseModel):
    """One tool call: an agent-neutral ``action`` or a literal ``tool`` with ``input``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Action | None = None
    """Agent-neutral action, mapped onto the tools the agent offers."""
    command: str | None = None
    """For ``shell``: the command line."""
    path: str | None = None
    """For file actions: the path, relative to the agent's working directory or absolute."""
    content: str | None = None
    """For ``write_file``: the new content."""
    tool: str | None = None
    """A literal tool name (used as is)."""
    input: dict[str, object] | None = None
    """Arguments for a literal ``tool``."""

    @model_validator(mode="after")
    def _one_kind(self) -> ToolStep:
        if (self.action is None) == (self.tool is None):
            raise ValueError("give exactly one of 'action' or 'tool'")
        if self.action == "shell" and not self.command:
            raise ValueError("action 'shell' needs 'command'")
        if self.action in ("read_file", "write_file") and not self.path:
            raise ValueError(f"action {self.action!r} needs 'path'")
        if self.action == "write_file" and self.content is None:
            raise ValueError("action 'write_file' needs 'content'")
        return self


class Turn(BaseModel):
    """One model turn: text, tool calls, or both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: Match | None = None
    """Extra conditions for this turn."""
    text: str = ""
    """Assistant text."""
    tool_calls: list[ToolStep] = Field(default_factory=list)
    """Tool calls, in order."""

    @model_validator(mode="after")
    def _not_empty(self) -> Turn:
        if not self.text and not self.tool_calls:
            raise ValueError("a turn needs 'text' or 'tool_calls'")
        return self


class Scenario(BaseModel):
    """A script: the main conversation's turns, in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """Short name."""
    description: str = ""
    """What it makes the agent do."""
    main: Match | None = None
    """What marks a request as part of the main conversation (others are side requests)."""
    turns: list[Turn] = Field(min_length=1)
    """The main conversation's turns; turn *n* answers a request holding *n* tool-call rounds."""
    fallback_text: str = "OK."
    """Answer to requests no turn matches, so an agent never hangs."""
    workspace: dict[str, str] = Field(default_factory=dict)
    """Files (relative path → text) to put in the agent's workspace before the run."""
    home: dict[str, str] = Field(default_factory=dict)
    """Files (path relative to HOME → text) to put in the agent's fresh HOME before the run."""
    flags: dict[str, object] = Field(default_factory=dict)
    """Feature-flag values to answer flag services with (``agentxray probe``'s ``flag.NAME``)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What the scenario answers to one request, and why."""

    reply: Reply
    """The answer."""
    turn: int | None
    """Index of the turn used, or ``None`` when unmatched."""
    reason: str
    """Why this turn (or why none) was chosen."""


def decide(scenario: Scenario, call: ModelCall, id_prefix: str) -> Decision:
    """Choose the answer to ``call``; stateless, so side requests never consume turns.

    Requests that demand structured output (a JSON schema: routers, next-speaker checks) are
    side requests and get a minimal valid JSON value.
    """
    if call.json_schema is not None:
        return _fallback(scenario, call, "side request: structured output")
    if scenario.main is not None:
        why = scenario.main.check(call)
        if why is not None:
            return _fallback(scenario, call, f"side request: {why}")
    step = call.rounds
    if step >= len(scenario.turns):
        return _fallback(
            scenario,
            call,
            f"unmatched: conversation at round {step}, scenario has {len(scenario.turns)} turns",
        )
    turn = scenario.turns[step]
    if turn.when is not None:
        why = turn.when.check(call)
        if why is not None:
            return _fallback(scenario, call, f"unmatched: turn {step}: {why}")
    calls: list[ToolCall] = []
    for n, tool_step in enumerate(turn.tool_calls):
        call_id = f"{id_prefix}{step}_{n}"
        if tool_step.tool is not None:
            calls.append(ToolCall(tool_step.tool, dict(tool_step.input or {}), call_id))
            continue
        assert tool_step.action is not None
        made = resolve_action(
            tool_step.action,
            call,
            command=tool_step.command or "",
            path=tool_step.path or ".",
            content=tool_step.content or "",
            call_id=call_id,
        )
        if made is None:
            return _fallback(
                scenario, call, f"unmatched: turn {step}: no offered tool for {tool_step.action!r}"
            )
        calls.append(made)
    return Decision(Reply(turn.text, tuple(calls)), step, f"turn {step}")


def _fallback(scenario: Scenario, call: ModelCall, reason: str) -> Decision:
    if call.json_schema is not None:
        return Decision(Reply(fill_json(call.json_schema)), None, reason)
    return Decision(Reply(scenario.fallback_text), None, reason)


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with agentxray."""
    return builtin_yaml_names("scenarios")


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or one read from a YAML file."""
    return load_yaml_model(Scenario, name_or_path, what="scenario", folder="scenarios")


def parse_scenario(text: str, origin: str) -> Scenario:
    """Validate scenario YAML ``text`` (``origin`` names it in errors)."""
    return parse_yaml_model(Scenario, text, origin, what="scenario")
