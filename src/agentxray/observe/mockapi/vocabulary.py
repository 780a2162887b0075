"""Maps agent-neutral scenario actions onto the tools each agent offers (Bash, shell, write_file…)."""

from __future__ import annotations

import json
import logging
import posixpath
import shlex
from typing import Any

from agentxray.observe.mockapi.wire import ModelCall, ToolCall

logger = logging.getLogger(__name__)

#: Action → tool names to try, in order of preference. The first one the request offers is used.
ACTIONS: dict[str, tuple[str, ...]] = {
    "shell": (
        "Bash", "run_shell_command", "shell_command", "exec_command", "shell", "local_shell",
        "bash",
    ),
    "read_file": ("Read", "read_file", "view"),
    "write_file": ("Write", "write_file", "apply_patch", "create"),
    "list_files": ("LS", "list_directory"),
}  # fmt: skip

#: Argument names an agent's tool may use for the same thing, in order of preference.
_PATH_KEYS = ("file_path", "absolute_path", "path", "dir_path", "directory")
_COMMAND_KEYS = ("command", "cmd")
_CONTENT_KEYS = ("content", "file_text")


def _pick(props: dict[str, Any], keys: tuple[str, ...]) -> str:
    return next((k for k in keys if k in props), keys[0])


def _absolute(path: str, call: ModelCall) -> str:
    cwd = call.cwd
    if posixpath.isabs(path) or not cwd:
        return path
    return posixpath.normpath(posixpath.join(cwd, path))


def _shell_args(name: str, props: dict[str, Any], command: str, call: ModelCall) -> dict[str, Any]:
    if name == "shell" or name == "local_shell" or props.get("command", {}).get("type") == "array":
        args: dict[str, Any] = {"command": ["bash", "-lc", command]}
    else:
        args = {_pick(props, _COMMAND_KEYS): command}
    if "description" in props:
        args["description"] = "Run a command for the scenario"
    if "workdir" in props and call.cwd:
        args["workdir"] = call.cwd
    return args


def _patch_add(path: str, content: str) -> str:
    lines = content.splitlines() or [""]
    body = "".join(f"+{line}\n" for line in lines)
    return f"*** Begin Patch\n*** Add File: {path}\n{body}*** End Patch\n"


def resolve_action(
    action: str,
    call: ModelCall,
    *,
    command: str = "",
    path: str = ".",
    content: str = "",
    call_id: str = "call_0",
) -> ToolCall | None:
    """A tool call doing ``action`` with a tool ``call`` offers; a shell fallback; or ``None``."""
    for name in ACTIONS.get(action, ()):
        if name not in call.tools:
            continue
        props = call.tools[name]
        if action == "shell":
            return ToolCall(name, _shell_args(name, props, command, call), call_id)
        if action == "write_file" and name == "apply_patch":
            patch = _patch_add(path, content)
            if name in call.freeform_tools:
                return ToolCall(name, {}, call_id, freeform=patch)
            return ToolCall(name, {_pick(props, ("input", "patch")): patch}, call_id)
        args: dict[str, Any] = {_pick(props, _PATH_KEYS): _absolute(path, call)}
        if action == "write_file":
            args[_pick(props, _CONTENT_KEYS)] = content
        return ToolCall(name, args, call_id)
    quoted = shlex.quote(path)
    fallback = {
        "shell": command,
        "read_file": f"cat {quoted}",
        "list_files": f"ls -la {quoted}",
        "write_file": f"cat > {quoted} <<'AGENTXRAY_EOF'\n{content}AGENTXRAY_EOF",
    }[action]
    coded = _code_mode(action, call, fallback, _patch_add(path, content), call_id)
    if coded is not None or action == "shell":
        return coded
    return resolve_action("shell", call, command=fallback, call_id=call_id)


def _code_mode(
    action: str, call: ModelCall, command: str, patch: str, call_id: str
) -> ToolCall | None:
    """Codex "code mode": one free-form ``exec`` tool running JavaScript over nested tools."""
    nested = call.extra.get("code_mode_tools") or ()
    if "exec" not in call.freeform_tools or "exec_command" not in nested:
        return None
    if action == "write_file" and "apply_patch" in nested:
        source = f"const r = await tools.apply_patch({json.dumps(patch)});\n"
    else:
        source = f"const r = await tools.exec_command({{cmd: {json.dumps(command)}}});\n"
    source += 'text(typeof r === "string" ? r : (r.output ?? JSON.stringify(r)));\n'
    return ToolCall("exec", {}, call_id, freeform=source)
