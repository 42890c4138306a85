"""No network for this process and its children, enforced by the Linux kernel (seccomp).

`deny_network()` installs a seccomp-BPF filter (https://docs.kernel.org/userspace-api/seccomp_filter.html)
that makes the kernel fail every `socket`, `connect` and io_uring set-up call with EACCES, in every
thread (TSYNC) and in every process started afterwards. Nothing that runs later in the process can
open a network connection then, whatever a parser makes of a query or a file: a SERVICE clause, a
remote JSON-LD context or an XML entity fails with "Permission denied" instead of reaching a host.
Sockets that exist already (a server's listening socket, the pipes to its workers) keep working,
and `accept` still creates connections on a listening socket, so a server can deny itself the
network once it listens. io_uring is denied because it can open and connect sockets without the
`socket` and `connect` system calls. Calls made through another ABI (32-bit `int 0x80`, x32 on
x86-64) are denied wholesale: the filter only knows this architecture's numbers.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

from .errors import GuianKGError

# Per architecture: AUDIT_ARCH_* (linux/audit.h), and the numbers of seccomp, socket, connect and
# io_uring_setup / _enter / _register (arch/*/include/uapi/asm/unistd*.h).
_ARCHITECTURES = {
    "x86_64": (0xC000003E, 317, (41, 42, 425, 426, 427)),
    "aarch64": (0xC00000B7, 277, (198, 203, 425, 426, 427)),
}
_X32_SYSCALL_BIT = 0x40000000

# classic BPF (linux/filter.h, linux/bpf_common.h) and seccomp return values (linux/seccomp.h)
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 1, 1
_PR_SET_NO_NEW_PRIVS = 38
_DATA_NR, _DATA_ARCH = 0, 4  # offsets in struct seccomp_data

_installed = False


class SandboxUnavailable(GuianKGError):
    """The kernel or the platform cannot deny this process the network."""

    exit_code = 2


def _instruction(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def filter_program(machine: str | None = None) -> bytes:
    """The BPF program: deny socket, connect, io_uring and foreign ABIs with EACCES, allow the rest."""
    arch, _, denied = _ARCHITECTURES[machine or platform.machine()]
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    body = [_instruction(_LD_W_ABS, 0, 0, _DATA_NR)]
    if arch == _ARCHITECTURES["x86_64"][0]:
        body.append(("jump-to-deny", _JGE_K, _X32_SYSCALL_BIT))
    body.extend(("jump-to-deny", _JEQ_K, number) for number in denied)
    body.append(_instruction(_RET_K, 0, 0, _SECCOMP_RET_ALLOW))
    # Resolve the jumps: each "jump-to-deny" goes to the final instruction (the denial).
    program = [
        _instruction(_LD_W_ABS, 0, 0, _DATA_ARCH),
        _instruction(_JEQ_K, 1, 0, arch),  # this architecture: go on; else deny
        _instruction(_RET_K, 0, 0, deny),
    ]
    for index, item in enumerate(body):
        if isinstance(item, tuple):
            _, code, k = item
            program.append(_instruction(code, len(body) - index - 1, 0, k))
        else:
            program.append(item)
    program.append(_instruction(_RET_K, 0, 0, deny))
    return b"".join(program)


def deny_network() -> None:
    """Deny this process (all its threads) and its future children any new socket; idempotent.

    Raises SandboxUnavailable where the kernel cannot do it (not Linux, an unknown architecture,
    seccomp disabled): the callers decide whether to go on without it.
    """
    global _installed
    if _installed:
        return
    machine = platform.machine()
    if os.uname().sysname != "Linux" or machine not in _ARCHITECTURES:
        raise SandboxUnavailable(f"no network sandbox on {os.uname().sysname} {machine}")
    program = filter_program(machine)
    count = len(program) // 8
    buffer = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(count, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    seccomp = _ARCHITECTURES[machine][1]
    result = libc.syscall(
        ctypes.c_long(seccomp),
        ctypes.c_ulong(_SECCOMP_SET_MODE_FILTER),
        ctypes.c_ulong(_SECCOMP_FILTER_FLAG_TSYNC),
        ctypes.byref(fprog),
    )
    if result != 0:
        raise SandboxUnavailable(f"seccomp: {os.strerror(ctypes.get_errno())}")
    _installed = True


def network_denied() -> bool:
    """Whether this process has denied itself the network (here or in a parent)."""
    return _installed or _seccomp_mode() == 2


def _seccomp_mode() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Seccomp:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
