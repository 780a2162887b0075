"""Process and file tracing: the strace prefix for a run, and its logs read back as events."""

from __future__ import annotations

import logging
import posixpath
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentxray.errors import ObserveError
from agentxray.model import Event, FileAccess

logger = logging.getLogger(__name__)

PROCESS_CALLS = ("execve", "execveat", "clone", "clone3", "fork", "vfork", "chdir", "fchdir")
OPEN_CALLS = ("open", "openat", "openat2", "creat")
CHANGE_CALLS = (
    "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
    "mkdir", "mkdirat", "link", "linkat", "symlink", "symlinkat", "truncate",
)  # fmt: skip
LOOK_CALLS = ("stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2")
_STATEFUL = frozenset(PROCESS_CALLS)
TRACED = (*PROCESS_CALLS, *OPEN_CALLS, *CHANGE_CALLS, *LOOK_CALLS, "connect")
"""Every system call traced; seccomp-bpf stops the program on these only."""

#: Reads and looks under these are the loader and runtime finding themselves, not the program's
#: doing; writes anywhere are kept.
SYSTEM_PREFIXES = (
    "/usr/", "/lib/", "/lib64/", "/lib32/", "/bin/", "/sbin/", "/etc/ld.so.", "/proc/self/",
    "/proc/thread-self/", "/sys/", "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random",
    "/dev/tty", "/dev/pts/", "/dev/shm/",
)  # fmt: skip
_LINE = re.compile(
    r"^(?P<time>\d+\.\d+) (?:(?P<resumed><\.\.\. (?P<rname>\w+) resumed>)|(?P<name>\w+)\()"
)
_RESULT = re.compile(
    r"^\s*=\s*(?P<ret>-?\d+|0x[0-9a-fA-F]+|\?)(?:<(?P<deco>[^>]*)>)?(?:\s+(?P<errno>E[A-Z0-9]+))?"
)
_DECORATED = re.compile(r"^(?P<fd>-?\d+|AT_FDCWD)(?:<(?P<path>[^>]*)>)?$")
_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.S)
_SIMPLE = {
    b"n": b"\n",
    b"t": b"\t",
    b"r": b"\r",
    b"v": b"\v",
    b"f": b"\f",
    b"a": b"\a",
    b"b": b"\b",
}
_CONNECT = {"EINPROGRESS": "attempted", "ECONNREFUSED": "refused", "ENETUNREACH": "no route"}
_FAILURE = {"ENOENT": "not found", "ENOTDIR": "not found", "EACCES": "denied", "EPERM": "denied"}


def strace_command(argv: list[str], log_dir: Path) -> list[str]:
    """``argv`` prefixed by strace, following every process and thread, one log per process
    under ``log_dir`` (``trace.<pid>``), paths of descriptors shown, times absolute."""
    strace = shutil.which("strace")
    if strace is None:
        raise ObserveError(
            "strace is not installed, so processes and files cannot be recorded",
            hint="Install it (Debian: apt-get install strace) and run again.",
        )
    log_dir.mkdir(parents=True, exist_ok=True)
    return [
        strace, "--seccomp-bpf", "-f", "-ff", "-qq", "-ttt", "-y", "-s", "256",
        "-e", "trace=" + ",".join(TRACED), "-e", "signal=none",
        "-o", str(log_dir / "trace"), "--", *argv,
    ]  # fmt: skip


@dataclass(slots=True)
class _Call:
    """One completed system call from a log line."""

    time: float
    name: str
    args: list[str]
    ret: str
    deco: str | None
    errno: str | None

    @property
    def ok(self) -> bool:
        return not self.ret.startswith("-") and self.ret != "?"


@dataclass(slots=True)
class _Proc:
    pid: int
    name: str
    cwd: str
    history: list[tuple[float, str, str]] = field(default_factory=list)
    """(time, name, cwd) from the moment each took effect, for children forked later."""

    def at(self, time: float) -> tuple[str, str]:
        name, cwd = self.name, self.cwd
        for when, n, c in reversed(self.history):
            if when <= time:
                return n, c
        return (self.history[0][1], self.history[0][2]) if self.history else (name, cwd)


def unescape(text: str) -> str:
    """strace's C escapes (``\\303\\251``, ``\\n``, ``\\"``, ``\\x41``) decoded as UTF-8, bytes
    that are not UTF-8 shown as ``\\xNN``."""
    if "\\" not in text:
        return text

    def one(m: re.Match[bytes]) -> bytes:
        code = m.group(1)
        if code[:1] == b"x" and len(code) == 3:
            return bytes([int(code[1:], 16)])
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _SIMPLE.get(code, code)

    raw = _ESCAPE.sub(one, text.encode("utf-8", "surrogateescape"))
    return raw.decode("utf-8", "backslashreplace")


_STR = r'"(?:[^"\\]|\\.)*"(?:\.\.\.)?'
_FLAT = re.compile(rf"((?:{_STR}|<[^>]*>|[^\"<()\[\]{{}}])*)\)")
_ARG = re.compile(rf"(?:{_STR}|<[^>]*>|[^\"<,])+")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(?:\.\.\.)?|<[^>]*>|[()\[\]{},]|[^"<()\[\]{},]+|["<]')


def _split_args(text: str) -> tuple[list[str], str] | None:
    """Top-level arguments of ``text`` (what follows ``name(``) and what follows the closing
    parenthesis; ``None`` when the line is cut short."""
    flat = _FLAT.match(text)
    if flat is not None:
        # Most lines hold no arrays or structures: split them in C.
        return [a.strip() for a in _ARG.findall(flat.group(1))], text[flat.end() :]
    args: list[str] = []
    depth, start = 0, 0
    for m in _TOKEN.finditer(text):
        c = m.group()
        if c in ("(", "[", "{"):
            depth += 1
        elif c in ("]", "}") or (c == ")" and depth > 0):
            depth -= 1
        elif c == ")":
            last = text[start : m.start()].strip()
            if last:
                args.append(last)
            return args, text[m.end() :]
        elif c == "," and depth == 0:
            args.append(text[start : m.start()].strip())
            start = m.end()
        elif c in ('"', "<"):
            return None  # an unterminated string or decoration: the line was cut
    return None


def _string(arg: str) -> tuple[str, bool] | None:
    """A quoted argument's text and whether strace cut it short; ``None`` if not a string."""
    if len(arg) < 2 or arg[0] != '"':
        return None
    truncated = arg.endswith('"...')
    body = arg[1:-4] if truncated else arg[1:-1]
    return unescape(body), truncated


def _argv(arg: str) -> tuple[tuple[str, ...], bool]:
    """An execve argv array: its strings, and whether any was cut short or left out."""
    out: list[str] = []
    truncated = False
    parsed = _split_args(arg[1:].rstrip("]") + ")") if arg.startswith("[") else None
    for item in parsed[0] if parsed else ():
        s = _string(item)
        if s is None:
            truncated = truncated or item == "..."
            continue
        out.append(s[0])
        truncated = truncated or s[1]
    return tuple(out), truncated


def _calls(path: Path) -> Iterator[_Call]:
    """The completed calls in one per-process log, stitching ``<unfinished ...>`` to its
    ``resumed`` half and skipping lines that cannot be read."""
    pending: dict[str, str] = {}
    repeats: set[str] = set()
    with path.open("r", encoding="utf-8", errors="surrogateescape") as log:
        for line in log:
            line = line.rstrip("\n")
            m = _LINE.match(line)
            if m is None:
                continue
            if m.group("resumed"):
                name = m.group("rname")
                if name not in pending:
                    continue
                body = pending.pop(name) + line[m.end() :]
            else:
                name = m.group("name")
                body = line[m.end() :]
                if body.endswith("<unfinished ...>"):
                    pending[name] = body[: -len("<unfinished ...>")].rstrip()
                    continue
            if name in ("chdir", "fchdir", "execve", "execveat"):
                repeats.clear()
            elif name not in _STATEFUL:
                # The same call with the same outcome says nothing new (the cwd is in the line
                # for every *at call; a relative path without one is resolved as before).
                if body in repeats:
                    continue
                if len(repeats) < 200_000:
                    repeats.add(body)
            split = _split_args(body)
            if split is None:
                continue
            result = _RESULT.match(split[1])
            if result is None:
                continue
            deco = result.group("deco")
            yield _Call(
                float(m.group("time")),
                name,
                split[0],
                result.group("ret"),
                unescape(deco) if deco is not None else None,
                result.group("errno"),
            )


class _Reader:
    """Turns the calls of every process into events, following cwd and names across forks."""

    def __init__(self, home: Path, workspace: Path) -> None:
        self.home = posixpath.normpath(str(home))
        self.workspace = posixpath.normpath(str(workspace))
        self.events: list[dict[str, Any]] = []
        """Each event's fields but ``seq``, its ``time`` still absolute."""
        self.seen: set[tuple[object, ...]] = set()
        self.missing: set[str] = set()
        self.procs: dict[int, _Proc] = {}

    def display(self, path: str) -> str:
        """The path as the user recognises it: workspace-relative, ``~/…``, else absolute."""
        for root, prefix in ((self.workspace, ""), (self.home, "~/")):
            if path == root:
                return "." if not prefix else "~"
            if path.startswith(root.rstrip("/") + "/"):
                return prefix + path[len(root.rstrip("/")) + 1 :]
        return path

    def resolve(self, proc: _Proc, dirfd: str | None, arg: str) -> str:
        if arg.startswith("/"):
            return posixpath.normpath(arg)
        base = proc.cwd
        if dirfd is not None:
            m = _DECORATED.match(dirfd)
            if m and m.group("path") is not None:
                base = unescape(m.group("path"))
        return posixpath.normpath(posixpath.join(base, arg))

    def emit(self, event: dict[str, Any], key: tuple[object, ...] | None = None) -> None:
        if key is not None:
            if key in self.seen:
                return
            self.seen.add(key)
        self.events.append(event)

    def file(
        self, proc: _Proc, call: _Call, path: str, access: FileAccess, detail: str | None = None
    ) -> None:
        if access in ("touched", "read") and path.startswith(SYSTEM_PREFIXES):
            return
        if path == "/dev/null":
            return
        if not call.ok:
            if call.errno in ("ENOENT", "ENOTDIR"):
                self.missing.add(path)
            access, detail = "touched", _FAILURE.get(call.errno or "", call.errno)
        elif access == "written" and path in self.missing:
            access = "created"
        if call.ok:
            self.missing.discard(path)
        shown = self.display(path)
        self.emit(
            dict(
                kind="file",
                time=call.time,
                pid=proc.pid,
                process=proc.name,
                path=shown,
                access=access,
                detail=detail,
            ),
            (proc.pid, "file", shown, access, detail),
        )

    def handle(self, proc: _Proc, call: _Call, children: list[tuple[int, float]]) -> None:
        name, args = call.name, call.args
        if args and args[0].startswith("AT_FDCWD<"):
            m = _DECORATED.match(args[0])
            if m and m.group("path") and unescape(m.group("path")) != proc.cwd:
                proc.cwd = unescape(m.group("path"))
                proc.history.append((call.time, proc.name, proc.cwd))
        if name in ("clone", "clone3", "fork", "vfork"):
            if call.ok and call.ret.isdigit():
                children.append((int(call.ret), call.time))
        elif name in ("execve", "execveat"):
            self.exec(proc, call)
        elif name in ("chdir", "fchdir"):
            if call.ok and args:
                s = _string(args[0])
                m = _DECORATED.match(args[0])
                if s is not None:
                    proc.cwd = self.resolve(proc, None, s[0])
                elif m and m.group("path"):
                    proc.cwd = unescape(m.group("path"))
                proc.history.append((call.time, proc.name, proc.cwd))
        elif name in OPEN_CALLS:
            self.open(proc, call)
        elif name in LOOK_CALLS:
            at = 1 if name in ("newfstatat", "statx", "faccessat", "faccessat2") else 0
            s = _string(args[at]) if len(args) > at else None
            if s is not None and s[0]:
                self.file(proc, call, self.resolve(proc, args[0] if at else None, s[0]), "touched")
        elif name in CHANGE_CALLS:
            self.change(proc, call)
        elif name == "connect":
            self.connect(proc, call)

    def exec(self, proc: _Proc, call: _Call) -> None:
        args = call.args
        at = 1 if call.name == "execveat" else 0
        if not call.ok or len(args) < at + 2:
            return
        s = _string(args[at])
        if s is None:
            return
        path = self.resolve(proc, args[0] if at else None, s[0])
        argv, truncated = _argv(args[at + 1])
        # argv[0] names multi-call programs (Claude Code runs itself as `rg`).
        proc.name = posixpath.basename(argv[0]) if argv and argv[0] else posixpath.basename(path)
        proc.history.append((call.time, proc.name, proc.cwd))
        self.emit(
            dict(
                kind="exec",
                time=call.time,
                pid=proc.pid,
                process=proc.name,
                path=self.display(path),
                argv=argv,
                detail="arguments cut short by the tracer" if truncated else None,
            )
        )

    def open(self, proc: _Proc, call: _Call) -> None:
        args = call.args
        at = 1 if call.name in ("openat", "openat2") else 0
        s = _string(args[at]) if len(args) > at else None
        if s is None:
            return
        path = self.resolve(proc, args[0] if at else None, s[0])
        flags = (
            "O_WRONLY|O_CREAT|O_TRUNC"
            if call.name == "creat"
            else (args[at + 1] if len(args) > at + 1 else "")
        )
        detail = None
        if "O_PATH" in flags:
            access: FileAccess = "touched"
        elif "O_DIRECTORY" in flags:
            access, detail = "touched", "listed"
        elif "O_CREAT" in flags and "O_EXCL" in flags:
            access = "created"
        elif any(f in flags for f in ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")):
            access = "written"
        else:
            access = "read"
        if call.ok and call.deco and posixpath.normpath(call.deco) != path:
            real = call.deco
            if not real.startswith(("socket:", "pipe:", "anon_inode:")):
                detail = f"resolves to {self.display(real)}"
        self.file(proc, call, path, access, detail)

    def change(self, proc: _Proc, call: _Call) -> None:
        name, args = call.name, call.args
        strings = [(i, s) for i, a in enumerate(args) if (s := _string(a)) is not None]
        if not strings:
            return

        def where(k: int) -> str:
            i, (text, _) = strings[k]
            dirfd = args[i - 1] if i > 0 and _DECORATED.match(args[i - 1]) else None
            if name in ("symlink", "symlinkat") and k == 0:
                return text  # the link's target, stored as written
            return self.resolve(proc, dirfd, text)

        if name in ("unlink", "unlinkat", "rmdir"):
            self.file(proc, call, where(0), "deleted")
        elif name in ("rename", "renameat", "renameat2") and len(strings) == 2:
            old, new = where(0), where(1)
            self.file(proc, call, old, "renamed", f"to {self.display(new)}")
            self.file(proc, call, new, "written", f"renamed from {self.display(old)}")
        elif name in ("mkdir", "mkdirat"):
            self.file(proc, call, where(0), "created", "directory")
        elif name in ("link", "linkat", "symlink", "symlinkat") and len(strings) == 2:
            self.file(proc, call, where(1), "created", f"link to {self.display(where(0))}")
        elif name == "truncate":
            self.file(proc, call, where(0), "written")

    def connect(self, proc: _Proc, call: _Call) -> None:
        if len(call.args) < 2:
            return
        addr = call.args[1]
        family = re.search(r"sa_family=(\w+)", addr)
        outcome = "connected" if call.ok else _CONNECT.get(call.errno or "", call.errno or "failed")
        if family is None:
            return
        if family.group(1) in ("AF_INET", "AF_INET6"):
            port = re.search(r"sin6?_port=htons\((\d+)\)", addr)
            host = re.search(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"', addr)
            if port is None or host is None:
                return
            ip = host.group(1) or host.group(2)
            event = dict(
                kind="connect", time=call.time, pid=proc.pid, process=proc.name,
                host=ip, port=int(port.group(1)), detail=outcome,
            )  # fmt: skip
            self.emit(event, (proc.pid, "connect", ip, event["port"], outcome))
        elif family.group(1) == "AF_UNIX":
            s = re.search(r'sun_path=(@?"(?:[^"\\]|\\.)*")', addr)
            if s is None:
                return
            raw = s.group(1)
            abstract = raw.startswith("@")
            text = unescape(raw.lstrip("@")[1:-1])
            path = "@" + text if abstract else self.display(self.resolve(proc, None, text))
            event = dict(
                kind="connect", time=call.time, pid=proc.pid, process=proc.name,
                path=path, detail=f"unix socket, {outcome}",
            )  # fmt: skip
            self.emit(event, (proc.pid, "connect", path, outcome))

    def run(self, logs: dict[int, Path], since: float | None) -> list[Event]:
        parents: dict[int, tuple[int, float]] = {}
        order = sorted(logs)
        done: set[int] = set()
        queue: list[int] = []
        for root in order:
            if root in done:
                continue
            queue.append(root)
            while queue:
                pid = queue.pop()
                if pid in done:
                    continue
                done.add(pid)
                if pid in parents:
                    parent, when = parents[pid]
                    name, cwd = self.procs[parent].at(when)
                else:
                    name, cwd = "", self.workspace
                proc = self.procs[pid] = _Proc(pid, name, cwd)
                proc.history.append((0.0, name, cwd))
                children: list[tuple[int, float]] = []
                try:
                    for call in _calls(logs[pid]):
                        self.handle(proc, call, children)
                except OSError as exc:
                    logger.warning("cannot read the trace %s: %s", logs[pid], exc)
                for child, when in children:
                    if child in logs and child not in done:
                        parents[child] = (pid, when)
                        queue.append(child)
        events = sorted(self.events, key=lambda e: float(e["time"]))
        start = since if since is not None else events[0]["time"] if events else 0.0
        return [
            Event(seq=i, **{**e, "time": round(e["time"] - start, 6)})
            for i, e in enumerate(events, 1)
        ]


def read_trace(
    log_dir: Path, home: Path, workspace: Path, *, since: float | None = None
) -> list[Event]:
    """The ``exec``, ``file`` and ``connect`` events of the logs :func:`strace_command` wrote,
    in time order, ``seq`` from 1 and ``time`` from the first event, or from ``since`` (a Unix
    time, e.g. when the run began, to line them up with other observers' events).

    ``home`` and ``workspace`` are the paths the traced program saw; paths under them are shown
    as ``~/…`` and workspace-relative. Repeats of one access by one process are kept once;
    the loader's and runtime's reads of system files are left out; failed opens are kept as
    ``touched`` (``detail`` says ``not found`` or ``denied``).
    """
    logs: dict[int, Path] = {}
    for path in log_dir.glob("trace.*"):
        suffix = path.name.rsplit(".", 1)[-1]
        if suffix.isdigit():
            logs[int(suffix)] = path
    return _Reader(home, workspace).run(logs, since)
