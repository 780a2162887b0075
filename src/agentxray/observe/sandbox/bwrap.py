"""The bubblewrap command line: what the agent sees of the machine.

New user, mount, pid, ipc, uts and cgroup namespaces (the network namespace is the one
:mod:`agentxray.observe.sandbox.netns` holds); ``/`` read-only; ``/tmp``, ``/run``, ``/root``,
``/home`` and the invoking user's real ``$HOME`` replaced by empty tmpfs, so host sockets and
files there are out of sight; a fresh ``$HOME`` and the workspace bound writable; a generated
``/etc/passwd``/``/etc/group``, ``/etc/resolv.conf`` and CA bundle bound over the system's;
``--clearenv`` plus exactly the environment given; a hostname; ``--die-with-parent``.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agentxray.observe.sandbox.netns import SandboxUnavailable

#: Hidden behind empty tmpfs: where host sockets, other users' files and temporary files live,
#: and the host's logs, mail, spools and backups (Debian keeps copies of /etc/shadow there).
HIDDEN = (
    "/tmp", "/var/tmp", "/run", "/root", "/home", "/mnt", "/media", "/srv",
    "/var/log", "/var/backups", "/var/mail", "/var/spool",
)  # fmt: skip
#: Walked (to the depth given) for entries only their owner may read: covered inside, because
#: when agentxray runs as root the sandbox's user maps to root and could read them
#: (/etc/shadow, /etc/ssl/private, SSH host keys, database configurations and data; the
#: machine's serial numbers and firmware tables, which identify it).
SCANNED = (
    ("/etc", 8), ("/var/lib", 3), ("/var/cache", 2), ("/opt", 2), ("/usr/local/etc", 4),
    ("/sys/devices/virtual/dmi/id", 0), ("/sys/firmware", 3),
)  # fmt: skip
#: Where Debian, Fedora and Alpine keep the system CA bundle; each existing one is replaced.
CA_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
)


@dataclass(frozen=True, slots=True)
class Layout:
    """The sandbox's view: paths inside and the host files behind them."""

    home: Path
    """Host folder shown as :attr:`home_inside` (writable)."""
    home_inside: str
    workspace: Path
    """Host folder shown at the same path inside (writable)."""
    user: str = "dev"
    uid: int = 1000
    gid: int = 1000
    hostname: str = "devbox"
    read_only: tuple[Path, ...] = ()
    """Host paths shown read-only at the same path (the agent's program, the interpreter)."""
    writable: tuple[Path, ...] = ()
    """Host paths shown writable at the same path (the tracer's log folder)."""
    files: dict[str, Path] = field(default_factory=dict)
    """Inside path → host file, bound read-only over whatever is there."""


@functools.cache
def private_paths() -> tuple[tuple[str, bool], ...]:
    """``(path, is_folder)`` of every entry under :data:`SCANNED` that others may not read."""
    out: list[tuple[str, bool]] = []

    def walk(folder: str, depth: int) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                if not (st.st_mode & stat.S_IROTH and st.st_mode & stat.S_IXOTH):
                    out.append((entry.path, True))
                elif depth > 0:
                    walk(entry.path, depth - 1)
            elif stat.S_ISREG(st.st_mode) and not st.st_mode & stat.S_IROTH:
                out.append((entry.path, False))

    for folder, depth in SCANNED:
        walk(folder, depth)
    return tuple(out)


def bwrap_path() -> str:
    """The bubblewrap binary; one line saying what to install when it is missing."""
    found = shutil.which("bwrap")
    if found is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, so the agent cannot be contained",
            hint="Install the Debian package bubblewrap (sudo apt-get install bubblewrap).",
        )
    return found


def write_system_files(folder: Path, layout: Layout, ca_pem: bytes) -> dict[str, Path]:
    """Write the passwd, group, resolv.conf and CA bundle the sandbox gets; inside → host file."""
    folder.mkdir(parents=True, exist_ok=True)
    passwd = folder / "passwd"
    passwd.write_text(
        "root:x:0:0:root:/root:/bin/sh\n"
        f"{layout.user}:x:{layout.uid}:{layout.gid}:{layout.user}:{layout.home_inside}:/bin/bash\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    )
    group = folder / "group"
    group.write_text(f"root:x:0:\n{layout.user}:x:{layout.gid}:\nnogroup:x:65534:\n")
    resolv = folder / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions edns0\n")
    out = {"/etc/passwd": passwd, "/etc/group": group, "/etc/resolv.conf": resolv}
    system = next((Path(p) for p in CA_BUNDLES if Path(p).is_file()), None)
    bundle = folder / "ca-certificates.crt"
    base = system.read_bytes() if system is not None else b""
    bundle.write_bytes(base.rstrip(b"\n") + b"\n" + ca_pem)
    for path in CA_BUNDLES:
        if Path(path).is_file():
            out[path] = bundle
    if system is None:
        out[CA_BUNDLES[0]] = bundle
    return out


def _parents_hidden(path: str) -> bool:
    return any(path == h or path.startswith(h + "/") for h in HIDDEN)


def command(
    argv: Iterable[str],
    env: dict[str, str],
    layout: Layout,
    cwd: str,
    seccomp_fd: int | None = None,
) -> list[str]:
    """``bwrap …`` running ``argv`` in ``cwd`` with exactly ``env`` (and the seccomp filter read
    from ``seccomp_fd``, see :mod:`agentxray.observe.sandbox.seccomp`)."""
    out = [
        bwrap_path(),
        "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try",
        "--uid", str(layout.uid), "--gid", str(layout.gid),
        "--hostname", layout.hostname,
        "--die-with-parent", "--new-session",
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
    ]  # fmt: skip
    real_home = os.path.expanduser("~")
    hidden = [*HIDDEN]
    if real_home not in ("/", "") and not _parents_hidden(real_home):
        hidden.append(real_home)
    for hide in hidden:
        if Path(hide).is_dir() and not Path(hide).is_symlink():
            out += ["--tmpfs", hide]
    for private, folder in private_paths():
        out += ["--tmpfs", private] if folder else ["--ro-bind", "/dev/null", private]
    for path in layout.read_only:
        out += ["--ro-bind", str(path), str(path)]
    out += ["--dir", layout.home_inside, "--bind", str(layout.home), layout.home_inside]
    out += ["--bind", str(layout.workspace), str(layout.workspace)]
    for path in layout.writable:
        out += ["--bind", str(path), str(path)]
    for inside, host_file in layout.files.items():
        out += ["--ro-bind", str(host_file), inside]
    if seccomp_fd is not None:
        out += ["--seccomp", str(seccomp_fd)]
    out += ["--clearenv"]
    for name, value in env.items():
        out += ["--setenv", name, value]
    out += ["--chdir", cwd, "--", *argv]
    return out
