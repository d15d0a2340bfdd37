"""The kernel factory that runs inside a grading sandbox: imports once, forks a fresh kernel per notebook.

``python -m crmkit.grading.kernel_factory`` is started by :class:`crmkit.grading.sandbox.Sandbox` inside
bubblewrap, as root of a private pid namespace, with no network and a filesystem view that holds
Python, the kit, and only the submission being graded. It imports what every assignment uses
(pandas, matplotlib, ipykernel, crmkit) once, then answers one JSON request per line on stdin:

``{"prepare": {...}}``
    fork a kernel: the child gets its own session, switches to the slot's user id, takes the
    resource limits and initializes an ordinary ipykernel on the given connection file, then
    waits. Replies ``{"pid": N}``. Forking a warm process costs milliseconds where a new
    interpreter costs about a second; the grader prepares the next kernel while it finishes the
    last submission. The child shares no state with earlier kernels: it is a copy of the
    factory, which never runs student code.
``{"go": [pid, cwd]}``
    the prepared kernel moves to the submission's folder and starts serving.
``{"poll": pid}``, ``{"signal": [pid, signum]}``
    for jupyter_client's provisioner: exit status or None; deliver a signal (interrupt).
``{"reset": true}``
    kill every process of the slot's user id (whatever a submission left running), reap them,
    and empty ``/tmp``. Run between two submissions and at the wall limit.

The factory itself never reads student files and ignores everything kernels do.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

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
    "crmkit.widgets",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython.core.interactiveshell",
)

_exit_status: dict[int, int] = {}
_waiting: dict[int, int] = {}  # prepared kernels: pid -> the pipe that tells them to go


def _no_new_privileges() -> None:
    """Set PR_SET_NO_NEW_PRIVS: a setuid program cannot give a kernel its root back."""
    import ctypes

    PR_SET_NO_NEW_PRIVS = 38
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def _become_kernel(request: dict, go: int) -> None:
    """In the forked child: isolate, limit, drop to the slot's user id, run ipykernel. Never returns.

    The kernel is initialized (sockets bound) at once, but runs student code only after the
    factory writes its working folder to the pipe ``go``.
    """
    try:
        os.setsid()
        # the factory's pipes must not reach student code; the kernel's own errors go to a log
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchown(log, request["uid"], request["uid"])
        os.dup2(log, 2)
        uid = request["uid"]
        home = Path(request["home"])
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, uid, uid)
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update(
            HOME=str(home),
            IPYTHONDIR=str(home / "ipython"),
            XDG_CACHE_HOME=str(home / "cache"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            TMPDIR="/tmp",
        )
        import resource

        for name, value in request["rlimits"].items():
            resource.setrlimit(getattr(resource, name), (value, value))
        _no_new_privileges()
        if os.getuid() != uid:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(home)
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(["-f", request["connection_file"], *request.get("arguments", [])])
        cwd = os.read(go, 4096).decode()
        if not cwd:  # the factory is gone
            os._exit(0)
        os.close(go)
        os.chdir(cwd)
        app.start()
    except BaseException:  # noqa: BLE001 - the reason goes to the kernel's log, the status to the grader
        import traceback

        traceback.print_exc()
        os._exit(1)
    os._exit(0)


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


def reset(uid: int, keep: list[str], rounds: int = 50) -> int:
    """SIGKILL every process of ``uid`` (a fork bomb may fork between scan and kill); empty /tmp.

    ``keep`` names the entries of /tmp that lead to the grader's bound folders.
    """
    killed = 0
    for _ in range(rounds):
        # without root, the factory and bwrap's init share the kernels' user id
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
    for entry in Path("/tmp").iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    return killed


def serve(uid: int) -> None:
    """Answer requests on stdin until it closes."""
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        if "prepare" in request:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(write_end)
                _become_kernel({**request["prepare"], "uid": uid}, read_end)
            os.close(read_end)
            _waiting[pid] = write_end
            reply = {"pid": pid}
        elif "go" in request:
            pid, cwd = request["go"]
            write_end = _waiting.pop(pid, None)
            started = write_end is not None
            if started:
                try:
                    os.write(write_end, cwd.encode())
                except BrokenPipeError:  # it died while getting ready; its log says why
                    started = False
                os.close(write_end)
            reply = {"ok": started}
        elif "poll" in request:
            reply = {"status": _poll(request["poll"])}
        elif "signal" in request:
            pid, signum = request["signal"]
            try:
                if signum == signal.SIGKILL:  # the whole session, and wait: the grader polls next
                    os.killpg(pid, signum)
                    _, status = os.waitpid(pid, 0)
                    _exit_status[pid] = os.waitstatus_to_exitcode(status)
                else:
                    os.kill(pid, signum)
                reply = {"ok": True}
            except (ProcessLookupError, ChildProcessError):
                reply = {"ok": False}
        elif "reset" in request:
            for write_end in _waiting.values():
                os.close(write_end)
            _waiting.clear()
            reply = {"killed": reset(uid, request["reset"])}
        else:
            reply = {"error": f"unknown request {sorted(request)}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def main() -> None:
    uid = int(sys.argv[1])
    os.environ.update(
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )  # as ipykernel sets it
    for module in WARM_IMPORTS:
        __import__(module)
    import matplotlib.font_manager  # noqa: F401  (reads the font cache once, for every kernel)

    sys.stdout.write(json.dumps({"ready": os.getpid()}) + "\n")
    sys.stdout.flush()
    serve(uid)


if __name__ == "__main__":
    main()
