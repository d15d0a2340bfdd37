"""A seccomp filter for grading kernels: no new namespaces, mounts, tracing or kernel keyrings.

A kernel runs as its slot's user id with ``PR_SET_NO_NEW_PRIVS`` inside bubblewrap. What those
leave open is the kernel's own attack surface: creating a user namespace (where an unprivileged
process becomes "root" and can reach code paths of the kernel that have had exploits), mounting,
tracing another process, loading BPF programs, ``userfaultfd``. A classic BPF program, installed
with ``prctl(PR_SET_SECCOMP)`` before the kernel starts, makes those system calls fail with
``EPERM`` (``clone3`` with ``ENOSYS``, so the C library falls back to ``clone``, whose namespace
flags are checked). Everything a notebook needs (files, threads, processes, sockets) is left
alone. Filters exist for x86_64 and aarch64; elsewhere :func:`install` reports that it could not.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
from errno import ENOSYS, EPERM

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
NR_OFFSET, ARCH_OFFSET, ARG0_OFFSET = 0, 4, 16

# what a filter returns (linux/seccomp.h: SECCOMP_RET_*); RET_ERRNO's low 16 bits carry the errno
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000

# prctl(2) option and seccomp mode that install a filter (linux/prctl.h, linux/seccomp.h)
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# clone(2)'s flags for a new namespace (linux/sched.h)
CLONE_NEWTIME = 0x00000080
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACE_FLAGS = (
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
    | CLONE_NEWNET | CLONE_NEWTIME
)  # fmt: skip

# the architecture a system call was made for (linux/audit.h: AUDIT_ARCH_*)
AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7

DENIED = (
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "keyctl", "add_key", "request_key",
    "bpf", "userfaultfd", "perf_event_open", "ptrace", "process_vm_readv", "process_vm_writev",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "swapon",
    "swapoff", "reboot", "syslog", "acct", "open_by_handle_at", "name_to_handle_at",
)  # fmt: skip

# (AUDIT_ARCH value, system call numbers) per machine
ARCHITECTURES = {
    "x86_64": (AUDIT_ARCH_X86_64, {
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
        "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
        "fsmount": 432, "fspick": 433, "mount_setattr": 442, "keyctl": 250, "add_key": 248,
        "request_key": 249, "bpf": 321, "userfaultfd": 323, "perf_event_open": 298, "ptrace": 101,
        "process_vm_readv": 310, "process_vm_writev": 311, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
        "swapon": 167, "swapoff": 168, "reboot": 169, "syslog": 103, "acct": 163,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "clone": 56, "clone3": 435,
    }),
    "aarch64": (AUDIT_ARCH_AARCH64, {
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442, "keyctl": 219, "add_key": 217, "request_key": 218,
        "bpf": 280, "userfaultfd": 282, "perf_event_open": 241, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
        "swapon": 224, "swapoff": 225, "reboot": 142, "syslog": 116, "acct": 89,
        "open_by_handle_at": 265, "name_to_handle_at": 264, "clone": 220, "clone3": 435,
    }),
}  # fmt: skip
X32_SYSCALL_BIT = 0x40000000  # x86_64's x32 calling convention: numbers with this bit are refused

# classic BPF opcodes
LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
RET_K = 0x06  # BPF_RET | BPF_K
MAX_JUMP = 255  # a conditional jump's offsets (jt, jf) are one byte each


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions for ``machine`` (default: this one)."""
    machine = machine or platform.machine()
    if machine not in ARCHITECTURES:
        raise OSError(f"no seccomp filter for {machine}")
    arch, numbers = ARCHITECTURES[machine]
    denied = [numbers[name] for name in DENIED]
    # labels are resolved after the body is laid out: DENY, ENOSYS, KILL, CLONE
    body: list[tuple[int, int | str, int | str, int]] = [
        (LD_W_ABS, 0, 0, ARCH_OFFSET),
        (JEQ_K, 0, "KILL", arch),
        (LD_W_ABS, 0, 0, NR_OFFSET),
    ]
    if machine == "x86_64":
        body.append((JGE_K, "DENY", 0, X32_SYSCALL_BIT))
    body += [(JEQ_K, "DENY", 0, number) for number in denied]
    body += [
        (JEQ_K, "CLONE", 0, numbers["clone"]),
        (JEQ_K, "ENOSYS", 0, numbers["clone3"]),
        (RET_K, 0, 0, RET_ALLOW),
    ]
    labels = {"CLONE": len(body)}
    body += [
        (LD_W_ABS, 0, 0, ARG0_OFFSET),
        (JSET_K, "DENY", 0, NAMESPACE_FLAGS),
        (RET_K, 0, 0, RET_ALLOW),
    ]
    labels["DENY"] = len(body)
    body.append((RET_K, 0, 0, RET_ERRNO | EPERM))
    labels["ENOSYS"] = len(body)
    body.append((RET_K, 0, 0, RET_ERRNO | ENOSYS))
    labels["KILL"] = len(body)
    body.append((RET_K, 0, 0, RET_KILL_PROCESS))

    def offset(at: int, target: int | str) -> int:
        if isinstance(target, int):
            return target
        jump = labels[target] - at - 1
        if not 0 <= jump <= MAX_JUMP:
            raise ValueError("seccomp jump out of range")
        return jump

    return [(code, offset(i, jt), offset(i, jf), k) for i, (code, jt, jf, k) in enumerate(body)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install() -> None:
    """Install the filter on the calling thread and every thread it starts afterwards.

    Call it while the process has one thread, after ``PR_SET_NO_NEW_PRIVS``. Raises OSError.
    """
    instructions = program()
    packed = b"".join(struct.pack("HBBI", *instruction) for instruction in instructions)
    buffer = ctypes.create_string_buffer(packed, len(packed))
    fprog = _SockFprog(len(instructions), ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"seccomp filter not installed: {os.strerror(error)}")
