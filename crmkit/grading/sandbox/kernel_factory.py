"""The kernel factory inside a grading sandbox: imports once, forks an isolated kernel per notebook.

``python -m crmkit.grading.sandbox.kernel_factory`` is started by
:class:`crmkit.grading.sandbox.bubblewrap.Sandbox` inside bubblewrap. It imports what every
assignment uses (pandas, matplotlib, ipykernel, crmkit) once, then answers one JSON request per
line on stdin (typed in :mod:`crmkit.grading.sandbox.factory_protocol`):

``{"prepare": {...}}``
    fork a kernel and get it ready, privileged steps first, in this order: its own session; a
    private mount and IPC namespace with a fresh, size-capped tmpfs on ``/grading/work`` (its
    working folder) and on ``/grading/scratch`` (home and temporary files), so nothing it writes is
    seen by anyone else and System V shared memory dies with it; hard resource limits;
    ``PR_SET_NO_NEW_PRIVS`` and the seccomp filter (:mod:`crmkit.grading.sandbox.seccomp`: no user
    namespaces, mounts or tracing); then ipykernel is initialized on the grader's connection
    file. Its sockets and log are created now, by the factory's user, in the grader's runtime
    folder, which the kernel can neither write nor (as root grader) even read. Replies
    ``{"pid": N}``. The grader prepares the next kernel while it saves the last submission.
``{"go": {"pid": N, "student": ID, "inbox": bool, "env": {...}, "variants": FOLDER}}``
    the prepared kernel copies the submission's files from ``/grading/inbox`` into its working
    folder (``inbox`` true: a student kernel), gives both folders to the kernel's user id, drops
    every privilege (no groups, the slot's user id), keeps the student's data the grader left in
    ``variants`` (:func:`crmkit.grading.sandbox.variant_cache.preload`) and starts serving in its
    working folder.
``{"poll": pid}``, ``{"signal": [pid, signum]}``
    exit status or None; deliver a signal (an interrupt, or SIGKILL to the kernel's session).
``{"reset": true}``
    kill every process of this sandbox's kernels (by user id when the grader is root; else
    every process but the factory and bubblewrap's init) and reap them.
``{"usage": true}``
    the processor seconds the factory and the kernels it reaped have used so far (the grader
    cannot count them itself: a process in its own pid namespace is not counted to its parent).

The factory never runs student code and never reads what kernels write. Without root (bubblewrap
in a user namespace) a kernel cannot mount: it then works in shared working and scratch
folders that the factory empties between kernels, without size quotas (see
docs/grading_safety.md).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import stat
import sys
import time
from pathlib import Path

from .factory_protocol import (
    GoOrder,
    KernelSpec,
    Quota,
    Reply,
    decode_order,
    decode_request,
    encode_line,
)

# Imported before any fork, so kernels start warm. Thread pools stay at one thread so that
# forking is safe and a kernel does not take more than its core.
WARM_IMPORTS = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "ipywidgets",
    "crmkit.datasets",
    "crmkit.course",
    "crmkit.course.plain_data",
    "crmkit.grading.run.plain_data_decode",
    "crmkit.grading.run.test_run",
    "crmkit.grading.sandbox.variant_cache",
    "crmkit.plotting",
    "crmkit.widgets",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython.core.interactiveshell",
    # what each kernel imported for itself after the fork: ipykernel's debugger (debugpy, half
    # of a kernel's start), the history database, pdb; what the first chart and the first table
    # shown need; what the first traceback needs (see warm_up). Not matplotlib_inline's backend:
    # it hooks itself into IPython when imported, and there is no IPython here yet.
    "ipykernel.debugger",
    "sqlite3",
    "pdb",
    "faulthandler",
    "IPython.core.pylabtools",
    "IPython.core.ultratb",
    "matplotlib.backends.backend_agg",
    "PIL.PngImagePlugin",
    "pandas.io.formats.html",
    "pandas.io.formats.string",
)

# the kernel's working folder (the submission's files, for a student kernel)
WORK = Path("/grading/work")
SCRATCH = Path("/grading/scratch")  # the kernel's home and temporary folder
INBOX = Path("/grading/inbox")  # the submission's files, put there by the grader, read-only here

CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
PR_SET_NO_NEW_PRIVS = 38

_exit_status: dict[int, int] = {}
_waiting: dict[int, int] = {}  # prepared kernels: pid -> the pipe that tells them to go
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def private_folders(quota: Quota) -> bool:
    """Give this process its own mount and IPC namespace with fresh tmpfs on its two folders.

    Returns False (and changes nothing) where the sandbox may not mount: without root.
    """
    if _libc.unshare(CLONE_NEWNS | CLONE_NEWIPC) != 0:
        return False
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")
    for folder, size, files in (
        (WORK, quota["work_bytes"], quota["work_files"]),
        (SCRATCH, quota["scratch_bytes"], quota["scratch_files"]),
    ):
        options = f"size={int(size)},nr_inodes={int(files)},mode=0755".encode()
        _check(
            _libc.mount(b"tmpfs", str(folder).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options),
            f"tmpfs {folder}",
        )
    return True


def empty(folder: Path) -> None:
    """Remove everything inside ``folder`` without following links (it stays)."""
    if not folder.is_dir():
        return
    for entry in os.scandir(folder):
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def copy_inbox(source: Path, target: Path) -> None:
    """Copy the regular files and folders of ``source`` into ``target`` (links
    and the rest skipped)."""
    for entry in os.scandir(source):
        here, there = Path(entry.path), target / entry.name
        if entry.is_dir(follow_symlinks=False):
            there.mkdir()
            copy_inbox(here, there)
        elif entry.is_file(follow_symlinks=False):
            shutil.copyfile(here, there, follow_symlinks=False)


def give_to(folder: Path, uid: int) -> None:
    """Make ``folder`` and everything in it belong to ``uid`` (not following links)."""
    os.chown(folder, uid, uid, follow_symlinks=False)
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def _become_kernel(spec: KernelSpec, uid: int, go: int) -> None:
    """In the forked child: isolate, limit, initialize ipykernel, wait for go,
    drop privileges, serve (as ``uid``).

    Never returns. Nothing of the student runs before the privileges are gone.
    """
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        log = os.open(spec["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        os.dup2(log, 2)
        root = os.geteuid() == 0
        isolated = root and private_folders(spec["quota"])
        home = SCRATCH / "home"
        home.mkdir(parents=True, exist_ok=True)
        os.environ.clear()
        os.environ.update(spec["env"])
        os.environ.update(
            HOME=str(home),
            IPYTHONDIR=str(home / "ipython"),
            XDG_CACHE_HOME=str(home / "cache"),
            MPLCONFIGDIR=str(home / "mpl"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            TMPDIR=str(SCRATCH),
        )
        import resource

        for name, value in spec["rlimits"].items():
            resource.setrlimit(getattr(resource, name), (value, value))
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        from crmkit.grading.sandbox import seccomp

        seccomp.install()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(home)
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(["-f", spec["connection_file"], *spec["arguments"]])
        order = _read_go(go)
        if order is None:  # the factory is gone
            os._exit(0)
        if order.get("inbox") and INBOX.is_dir():
            copy_inbox(INBOX, WORK)
        os.environ.update({name: str(value) for name, value in order.get("env", {}).items()})
        if root:
            give_to(WORK, uid)
            give_to(SCRATCH, uid)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        if not isolated:
            os.umask(0o077)
        if order.get("variants"):  # the student's data the grader made, before student code
            from crmkit.grading.sandbox import variant_cache

            variant_cache.preload(Path(order["variants"]), order.get("student", ""))
        os.chdir(WORK)
        app.start()
    except BaseException:  # noqa: BLE001 - the reason goes to the kernel's log, the status to the grader
        import traceback

        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def warm_up() -> None:
    """Before any fork, do once what every kernel would otherwise do for itself the first time:
    format a traceback (IPython reads and highlights the failing source with stack_data and
    pygments, 0.3 s the first time: most submissions raise somewhere). Only caches are left
    behind. Not a first chart: the CJK font it reads would add 40 MB to every kernel's address
    space, which counts against its memory limit (the tamper suite's 19.5 MB widget answers file
    then no longer parses within it).
    """
    from IPython.core import ultratb

    def failing() -> float:
        return 1 / 0

    try:
        failing()
    except ZeroDivisionError as error:
        ultratb.AutoFormattedTB(mode="Context", theme_name="neutral").structured_traceback(
            type(error), error, error.__traceback__
        )


def _read_go(pipe: int) -> GoOrder | None:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(pipe, 65536)
        if not chunk:
            return None
        data += chunk
    os.close(pipe)
    return decode_order(data)


def _reap() -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _exit_status[pid] = os.waitstatus_to_exitcode(status)


def _poll(pid: int) -> int | None:
    _reap()
    if pid in _exit_status:
        return _exit_status[pid]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return _exit_status.get(pid, -signal.SIGKILL)
    return None


def processes_of(uid: int) -> list[int]:
    """Pids (in this pid namespace) of the processes whose real user id is ``uid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            line = next((x for x in status.splitlines() if x.startswith("Uid:")), "")
            if line.split()[1:2] == [str(uid)]:
                found.append(int(entry.name))
    return found


def reset(uid: int, rounds: int = 50) -> int:
    """SIGKILL every process of ``uid`` (a fork bomb may fork between scan and kill); how many.

    Without root the factory and bwrap's init share the kernels' user id and are spared; the
    shared working and scratch folders are emptied.
    """
    killed = 0
    for _ in range(rounds):
        pids = [pid for pid in processes_of(uid) if pid not in (1, os.getpid())]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.02)
        _reap()
    _reap()
    if os.geteuid() != 0:
        empty(WORK)
        empty(SCRATCH)
    return killed


def _prepare(spec: KernelSpec, uid: int) -> Reply:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(write_end)
        _become_kernel(spec, uid, read_end)
    os.close(read_end)
    _waiting[pid] = write_end
    return {"pid": pid}


def _go(order: GoOrder) -> Reply:
    write_end = _waiting.pop(order["pid"], None)
    if write_end is None:
        return {"ok": False}
    try:
        os.write(write_end, encode_line(order).encode())
        started = True
    except BrokenPipeError:  # it died while getting ready; its log says why
        started = False
    os.close(write_end)
    return {"ok": started}


def _signal(pid: int, signum: int) -> Reply:
    try:
        if signum == signal.SIGKILL:  # the whole session, and wait: the grader polls next
            os.killpg(pid, signum)
            _, status = os.waitpid(pid, 0)
            _exit_status[pid] = os.waitstatus_to_exitcode(status)
        else:
            os.kill(pid, signum)
        return {"ok": True}
    except (ProcessLookupError, ChildProcessError):
        return {"ok": False}


def _processor_seconds() -> float:
    import resource

    used = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        used += usage.ru_utime + usage.ru_stime
    return used


def serve(uid: int) -> None:
    """Answer requests on stdin until it closes."""
    out = sys.stdout
    for line in sys.stdin:
        request = decode_request(line)
        reply: Reply
        if "prepare" in request:
            reply = _prepare(request["prepare"], uid)
        elif "go" in request:
            reply = _go(request["go"])
        elif "poll" in request:
            reply = {"status": _poll(request["poll"])}
        elif "signal" in request:
            reply = _signal(*request["signal"])
        elif "usage" in request:
            reply = {"seconds": _processor_seconds()}
        elif "reset" in request:
            for write_end in _waiting.values():
                os.close(write_end)
            _waiting.clear()
            reply = {"killed": reset(uid)}
        else:
            reply = {"error": f"unknown request {sorted(request)}"}
        out.write(encode_line(reply))
        out.flush()


def main() -> None:
    uid = int(sys.argv[1])
    os.environ.update(
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="module://matplotlib_inline.backend_inline",  # as ipykernel sets it
    )
    for module in WARM_IMPORTS:
        __import__(module)
    import matplotlib.font_manager  # noqa: F401  (reads the font cache once, for every kernel)

    warm_up()

    for folder in (WORK, SCRATCH):
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            raise SystemExit(f"{folder} is missing in the sandbox")
    sys.stdout.write(encode_line({"ready": os.getpid()}))
    sys.stdout.flush()
    serve(uid)


if __name__ == "__main__":
    main()
