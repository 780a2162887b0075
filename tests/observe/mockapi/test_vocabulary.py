"""Agent-neutral actions become each agent's own tools with the argument names its schema uses."""

from __future__ import annotations

from agentxray.observe.mockapi.vocabulary import resolve_action
from agentxray.observe.mockapi.wire import ModelCall


def _call(
    tools: dict[str, dict[str, object]],
    text: str = "",
    freeform: frozenset[str] = frozenset(),
    **extra: object,
) -> ModelCall:
    return ModelCall("gemini", "m", True, tools, freeform, 0, (), (), text, extra=dict(extra))


def test_gemini_tools_and_parameter_names() -> None:
    call = _call(
        {"read_file": {"absolute_path": {}}, "list_directory": {"dir_path": {}}},
        "working in the directory: /ws\n",
    )
    read = resolve_action("read_file", call, path="a.txt")
    assert (
        read is not None
        and read.name == "read_file"
        and read.arguments == {"absolute_path": "/ws/a.txt"}
    )
    ls = resolve_action("list_files", call, path=".")
    assert ls is not None and ls.arguments == {"dir_path": "/ws"}


def test_claude_tools() -> None:
    call = _call(
        {"Bash": {"command": {}, "description": {}}, "Write": {"file_path": {}, "content": {}}},
        "Primary working directory: /c\n",
    )
    bash = resolve_action("shell", call, command="echo hi")
    assert (
        bash is not None
        and bash.arguments["command"] == "echo hi"
        and "description" in bash.arguments
    )
    write = resolve_action("write_file", call, path="x/y.txt", content="z")
    assert write is not None and write.arguments == {"file_path": "/c/x/y.txt", "content": "z"}
    read = resolve_action("read_file", call, path="q.txt")  # no Read offered: falls back to Bash
    assert read is not None and read.name == "Bash" and read.arguments["command"] == "cat q.txt"


def test_codex_code_mode_wraps_nested_tools_in_javascript() -> None:
    call = _call(
        {"exec": {}}, freeform=frozenset({"exec"}), code_mode_tools=("apply_patch", "exec_command")
    )
    write = resolve_action("write_file", call, path="s.txt", content="a\nb\n")
    assert write is not None and write.name == "exec" and write.freeform is not None
    assert (
        'tools.apply_patch("*** Begin Patch\\n*** Add File: s.txt\\n+a\\n+b\\n*** End Patch\\n")'
        in write.freeform
    )
    shell = resolve_action("shell", call, command="wc -c 'it''s'")
    assert shell is not None and "{cmd: \"wc -c 'it''s'\"}" in (shell.freeform or "")


def test_nothing_offered_is_none() -> None:
    assert resolve_action("shell", _call({"Read": {"file_path": {}}}), command="ls") is None
