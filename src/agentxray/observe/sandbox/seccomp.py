"""The seccomp filter bubblewrap installs before the agent starts (``bwrap --seccomp FD``).

Denied with ``EPERM``: io_uring (its operations bypass the system-call tracer, so file reads
through it would not be on the record) and ``AF_VSOCK`` sockets (a path to the hypervisor that
no network namespace covers). x32 system calls on x86-64 are denied outright. ``ptrace`` stays
allowed: the process tracer inside the sandbox needs it, and the pid namespace already hides
every host process. Written as raw classic BPF, so no libseccomp is needed.
"""

from __future__ import annotations

import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
IO_URING_CALLS = (425, 426, 427)  # io_uring_setup, io_uring_enter, io_uring_register (all archs)
SOCKET_CALL = {AUDIT_ARCH_X86_64: 41, AUDIT_ARCH_AARCH64: 198}
AF_VSOCK = 40
X32_BIT = 0x40000000

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JSET_K = 0x45
_RET_K = 0x06
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def machine_arch() -> int | None:
    """The audit architecture of this machine, if the filter knows it."""
    return {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64}.get(platform.machine())


def program(arch: int) -> bytes:
    """The filter for ``arch`` as the bytes of a ``struct sock_filter`` array."""
    deny = _ERRNO | errno.EPERM
    body = [
        _insn(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        _insn(_JEQ_K, 1, 0, arch),
        _insn(_RET_K, 0, 0, deny),  # another ABI than the one we filter: refuse
        _insn(_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    if arch == AUDIT_ARCH_X86_64:
        body.append(_insn(_JSET_K, 0, 1, X32_BIT))
        body.append(_insn(_RET_K, 0, 0, deny))
    for nr in IO_URING_CALLS:
        body.append(_insn(_JEQ_K, 0, 1, nr))
        body.append(_insn(_RET_K, 0, 0, deny))
    body += [
        _insn(_JEQ_K, 0, 3, SOCKET_CALL[arch]),
        _insn(_LD_W_ABS, 0, 0, 16),  # seccomp_data.args[0], low 32 bits (little endian)
        _insn(_JEQ_K, 0, 1, AF_VSOCK),
        _insn(_RET_K, 0, 0, deny),
        _insn(_RET_K, 0, 0, _ALLOW),
    ]
    return b"".join(body)
