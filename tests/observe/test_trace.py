"""Tracing: real strace logs of small programs read back as exec, file and connect events."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentxray.errors import ObserveError
from agentxray.model import Event
from agentxray.observe import trace
from agentxray.observe.trace import read_trace, strace_command, unescape

needs_strace = pytest.mark.skipif(
    shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)"
)
HOSTILE = 'we>ird<\n"name é'

PROGRAM = textwrap.dedent(
    """
    import os, socket, subprocess, sys
    home = os.environ["HOME"]
    open(os.path.join(home, ".aws", "credentials")).read()
    os.path.exists(os.path.join(home, ".ssh", "id_rsa"))
    fd = os.open(os.path.join(home, ".ssh"), os.O_PATH); os.close(fd)
    open(sys.argv[1], "w").write("x")
    with open("notes.txt", "w") as f:
        f.write("x")
    os.rename("notes.txt", "notes2.txt")
    os.unlink("notes2.txt")
    os.makedirs("sub", exist_ok=True)
    open("sub/data.txt", "w").write("data")
    os.chdir("sub")
    s = socket.socket(); s.settimeout(1)
    try:
        s.connect(("127.0.0.1", int(sys.argv[2])))
    except OSError:
        pass
    u = socket.socket(socket.AF_UNIX)
    try:
        u.connect("/nonexistent-dir/agent.sock")
    except OSError:
        pass
    subprocess.run(["/bin/sh", "-c", "cat data.txt > /dev/null"], check=True)
    """
)


def _closed_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Event], int]:
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (.ci/run installs it)")
    root = tmp_path_factory.mktemp("traced")
    home, ws, logs = root / "home", root / "ws", root / "logs"
    (home / ".aws").mkdir(parents=True)
    (home / ".ssh").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\n")
    ws.mkdir()
    (ws / "prog.py").write_text(PROGRAM)
    port = _closed_port()
    cmd = strace_command([sys.executable, "prog.py", HOSTILE, str(port)], logs)
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    subprocess.run(cmd, cwd=ws, env=env, check=True, timeout=60)
    return read_trace(logs, home, ws), port


def _find(events: list[Event], **want: object) -> Event:
    for e in events:
        if all(getattr(e, k) == v for k, v in want.items()):
            return e
    raise AssertionError(f"no event with {want} in {[(e.kind, e.path, e.access) for e in events]}")


@needs_strace
def test_reads_in_home_are_shown_as_the_user_knows_them(traced: tuple[list[Event], int]) -> None:
    events, _ = traced
    read = _find(events, kind="file", path="~/.aws/credentials", access="read")
    assert read.process is not None and read.process.startswith("python")
    assert read.pid is not None
    missing = _find(events, kind="file", path="~/.ssh/id_rsa")
    assert (missing.access, missing.detail) == ("touched", "not found")
    _find(events, kind="file", path="~/.ssh", access="touched")


@needs_strace
def test_workspace_writes_renames_and_deletes(traced: tuple[list[Event], int]) -> None:
    events, _ = traced
    _find(events, kind="file", path="notes.txt", access="written")
    _find(events, kind="file", path="notes.txt", access="renamed", detail="to notes2.txt")
    _find(events, kind="file", path="notes2.txt", access="deleted")
    _find(events, kind="file", path="sub", access="created", detail="directory")
    _find(events, kind="file", path="sub/data.txt", access="written")


@needs_strace
def test_hostile_file_names_are_decoded(traced: tuple[list[Event], int]) -> None:
    events, _ = traced
    _find(events, kind="file", path=HOSTILE, access="written")


@needs_strace
def test_child_processes_and_their_relative_paths(traced: tuple[list[Event], int]) -> None:
    events, _ = traced
    sh = _find(events, kind="exec", process="sh")
    assert sh.argv == ("/bin/sh", "-c", "cat data.txt > /dev/null")
    cat = _find(events, kind="exec", process="cat")
    assert cat.argv == ("cat", "data.txt")
    # cat ran in the directory the parent changed into before starting it
    _find(events, kind="file", path="sub/data.txt", access="read", process="cat", pid=cat.pid)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(a.time <= b.time for a, b in itertools.pairwise(events))


@needs_strace
def test_connect_attempts(traced: tuple[list[Event], int]) -> None:
    events, port = traced
    tcp = _find(events, kind="connect", host="127.0.0.1", port=port)
    assert tcp.detail in ("refused", "attempted")
    unix = _find(events, kind="connect", path="/nonexistent-dir/agent.sock")
    assert unix.detail == "unix socket, ENOENT"


@needs_strace
def test_system_reads_of_the_loader_are_left_out(traced: tuple[list[Event], int]) -> None:
    events, _ = traced
    assert not [e for e in events if e.path and e.path.startswith(("/usr/lib", "/lib/"))]


def _log(tmp_path: Path, pid: int, text: str) -> None:
    (tmp_path / f"trace.{pid}").write_text(textwrap.dedent(text).lstrip())


def test_unfinished_and_resumed_lines_are_joined(tmp_path: Path) -> None:
    _log(
        tmp_path,
        100,
        """
        1000.000001 execve("/opt/agent/bin/agent", ["agent", "-p"], 0x7ffd /* 3 vars */) = 0
        1000.000100 openat(AT_FDCWD</w>, "/h/.netrc", O_RDONLY|O_CLOEXEC <unfinished ...>
        1000.000200 <... openat resumed>) = 3</h/.netrc>
        1000.000300 openat2(AT_FDCWD</w>, "out.bin", {flags=O_WRONLY|O_CREAT|O_EXCL, resolve=0}, 24) = 4</w/out.bin>
        1000.000400 --- SIGCHLD {si_signo=SIGCHLD} ---
        not a strace line at all
        1000.000500 openat(AT_FDCWD</w>, "cut-off-by-sigk
        """,
    )
    events = read_trace(tmp_path, Path("/h"), Path("/w"))
    assert [(e.kind, e.path, e.access) for e in events] == [
        ("exec", "/opt/agent/bin/agent", None),
        ("file", "~/.netrc", "read"),
        ("file", "out.bin", "created"),
    ]
    assert events[1].process == "agent"
    assert events[0].time == 0.0 and events[2].time == pytest.approx(0.000299)


def test_children_inherit_name_and_directory(tmp_path: Path) -> None:
    _log(
        tmp_path,
        10,
        """
        5.0 execve("/usr/bin/node", ["node", "cli.js"], 0x1 /* 1 vars */) = 0
        5.1 chdir("/w/pkg") = 0
        5.2 clone(child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 11
        5.3 chdir("/w") = 0
        """,
    )
    _log(
        tmp_path,
        11,
        """
        5.25 rename("a.tmp", "node_modules/.bin/agent") = 0
        5.26 unlink("\\303\\251t\\x41") = 0
        5.27 execve("/usr/bin/git", ["git", "log", "--format=%H", "x"...], 0x1 /* 1 vars */) = 0
        5.28 execve("/usr/bin/env", ["env", ...], 0x1 /* 1 vars */) = 0
        """,
    )
    events = read_trace(tmp_path, Path("/h"), Path("/w"))
    child = [e for e in events if e.pid == 11]
    assert [(e.process, e.path, e.access) for e in child[:3]] == [
        ("node", "pkg/a.tmp", "renamed"),
        ("node", "pkg/node_modules/.bin/agent", "written"),
        ("node", "pkg/étA", "deleted"),
    ]
    git = _find(events, kind="exec", process="git")
    assert git.argv == ("git", "log", "--format=%H", "x")
    assert git.detail == "arguments cut short by the tracer"
    assert _find(events, kind="exec", process="env").detail == "arguments cut short by the tracer"


def test_repeats_are_kept_once_and_huge_logs_stream(tmp_path: Path) -> None:
    line = '7.5 openat(AT_FDCWD</w>, "/h/.npmrc", O_RDONLY) = 3</h/.npmrc>\n'
    with (tmp_path / "trace.7").open("w") as log:
        log.write('7.0 execve("/bin/agent", ["agent"], 0x1 /* 0 vars */) = 0\n')
        log.writelines(line for _ in range(300_000))
        log.write('7.9 connect(5<socket:[1]>, {sa_family=AF_INET6, sin6_port=htons(443), '
                  'sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), '
                  "sin6_scope_id=0}, 28) = -1 ENETUNREACH (Network is unreachable)\n")  # fmt: skip
    events = read_trace(tmp_path, Path("/h"), Path("/w"))
    assert [(e.kind, e.path or e.host, e.detail) for e in events] == [
        ("exec", "/bin/agent", None),
        ("file", "~/.npmrc", None),
        ("connect", "2606:4700::1", "no route"),
    ]
    assert events[2].port == 443


@pytest.mark.parametrize(
    ("escaped", "text"),
    [
        ("plain", "plain"),
        ("\\303\\251", "é"),
        ("a\\nb\\tc", "a\nb\tc"),
        ('q\\"x\\\\y', 'q"x\\y'),
        ("\\x41\\x42", "AB"),
        ("\\377bad", "\\xffbad"),
        ("dir\\76x\\74", "dir>x<"),
    ],
)
def test_unescape(escaped: str, text: str) -> None:
    assert unescape(escaped) == text


def test_strace_command_wraps_the_program(tmp_path: Path) -> None:
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    cmd = strace_command(["claude", "-p", "hi"], tmp_path / "logs")
    assert cmd[-4:] == ["--", "claude", "-p", "hi"]
    assert {"--seccomp-bpf", "-f", "-ff", "-qq", "-y"} <= set(cmd)
    assert cmd[cmd.index("-o") + 1] == str(tmp_path / "logs" / "trace")
    traced = cmd[cmd.index("-e") + 1].removeprefix("trace=").split(",")
    assert {"execve", "openat", "openat2", "unlinkat", "renameat2", "connect"} <= set(traced)
    assert (tmp_path / "logs").is_dir()


def test_strace_missing_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trace.shutil, "which", lambda name: None)
    with pytest.raises(ObserveError, match="strace is not installed"):
        strace_command(["x"], tmp_path)


def test_no_logs_no_events(tmp_path: Path) -> None:
    assert read_trace(tmp_path, Path(os.sep), tmp_path) == []


def test_times_can_count_from_the_start_of_the_run(tmp_path: Path) -> None:
    _log(tmp_path, 3, '100.5 execve("/bin/agent", ["agent"], 0x1 /* 0 vars */) = 0\n')
    (event,) = read_trace(tmp_path, Path("/h"), Path("/w"), since=100.0)
    assert event.time == 0.5


def test_a_multi_call_program_is_named_by_its_argv0(tmp_path: Path) -> None:
    _log(tmp_path, 4, '1.0 execve("/opt/claude/claude", ["rg", "--files"], 0x1 /* 0 vars */) = 0\n')
    (event,) = read_trace(tmp_path, Path("/h"), Path("/w"))
    assert (event.process, event.path, event.argv) == (
        "rg",
        "/opt/claude/claude",
        ("rg", "--files"),
    )
