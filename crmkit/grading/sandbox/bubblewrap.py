"""The grading sandbox: bubblewrap, a user id per role and slot, resource
limits, warm forked kernels.

Each grading worker keeps two sandboxes, one per role:

* ``student``: kernels that run the student's cells. They see the submission's files (copied
  into their own ``/work``), the kit and Python, read-only; nothing else of the course.
* ``tests``: kernels that run the hidden tests. They never run student code; what the student's
  kernel computed reaches them as plain data (:mod:`crmkit.course.plain_data`).

Both see the graded student's generated datasets, made by the grader, in a read-only cache
(:mod:`crmkit.grading.run.student_data`).

A sandbox is one ``bwrap`` process holding :mod:`crmkit.grading.sandbox.kernel_factory`:

* no network (``--unshare-net``), its own pid, IPC and UTS namespaces, dying with the worker;
* a filesystem with the system's ``/usr``, a few files of ``/etc``, Python, the kit (package and
  public datasets), and under ``/grading`` only the grader's runtime folder (connection files,
  sockets and logs, written by the factory before a kernel drops its privileges), the data cache
  (read-only) and, for the student role, the inbox with the submission's files;
* kernels forked by the factory, each with private tmpfs ``/grading/work`` and ``/grading/scratch``
  of limited size, in its own session and IPC namespace, as the role's user id (61000 + slot for
  students, 62000 + slot for tests, when the grader runs as root), with hard limits on CPU, memory,
  processes and file size, ``PR_SET_NO_NEW_PRIVS`` and a seccomp filter.

The grader talks to a kernel over IPC sockets (there is no network, not even loopback) with a
plain jupyter_client :class:`~jupyter_client.blocking.BlockingKernelClient`. Nothing here
reads or writes a path a kernel could have made: the runtime folder is the factory's (root's)
and no kernel can write it; the inbox is written before the kernel exists; kernels' own files
live in their private tmpfs and vanish with them. See docs/grading_safety.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from ...errors import CrmkitError
from ..settings import Limits
from .factory_protocol import GoOrder, KernelSpec, Reply, Request, decode_reply, encode_line

if TYPE_CHECKING:
    from jupyter_client.connect import KernelConnectionInfo

FIRST_UID = {"student": 61000, "tests": 62000}
SANDBOX_ROOT = Path("/grading")  # where the grader's folders appear inside a sandbox
# Files of /etc a kernel needs (dynamic linker, fonts, time zone, user names); nothing else:
# /etc may hold a department's database passwords.
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "fonts",
    "localtime",
    "timezone",
    "passwd",
    "group",
    "nsswitch.conf",
    "alternatives",
    "mime.types",
    "ssl",
)
MAX_LOG_BYTES = 64 * 1024
# A test kernel's tracebacks are never shown: only an error's name (and a message the instructor
# wrote) reaches the notebook (notebook_grading.outcome_outputs). IPython's default traceback reads
# and highlights the source around every frame, 0.1-0.2 s per failing test; the minimal one names
# the error only. Student kernels keep the default: their tracebacks are the student's feedback.
TESTS_KERNEL_ARGUMENTS = ("--InteractiveShell.xmode=Minimal", "--InteractiveShell.colors=nocolor")
# Escape sequences (CSI, OSC), then any other control character but the tab and the line break:
# C0, DEL, C1 (U+009B is a CSI of its own), the line and paragraph separators, the direction
# controls (a U+202E turns the rest of a line around).
_CONTROL = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


class SandboxError(CrmkitError):
    """The sandbox cannot start or has died."""


def bwrap_problem() -> str | None:
    """Why bubblewrap cannot run a sandbox here (None when it can)."""
    if not shutil.which("bwrap"):
        return (
            "评分沙箱需要 bubblewrap：sudo apt-get install bubblewrap / "
            "The grading sandbox needs bubblewrap: sudo apt-get install bubblewrap"
        )
    probe = subprocess.run(
        [
            "bwrap",
            "--unshare-pid",
            "--unshare-net",
            "--die-with-parent",
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return (
            f"bubblewrap 无法创建沙箱（{reason}）；以 root 运行评分或启用非特权用户命名空间 / "
            f"bubblewrap cannot create a sandbox ({reason}); grade as root or enable unprivileged "
            "user namespaces"
        )
    return None


def role_uid(role: str, slot: int) -> int:
    """The user id kernels of ``role`` in worker ``slot`` run as: their own when
    the grader is root."""
    return FIRST_UID[role] + slot if os.geteuid() == 0 else os.getuid()


def readable_paths() -> list[Path]:
    """What kernels must read: Python, this environment, the kit's package and public datasets."""
    import crmkit
    from crmkit.datasets import data_dir

    places = {
        Path(sys.base_prefix),
        Path(sys.prefix),
        Path(crmkit.__file__).resolve().parent,
        data_dir().resolve(),
    }
    # site-packages outside the prefixes (a user site);
    # never the working folder, which may be a course
    places |= {
        Path(p).resolve() for p in sys.path if Path(p).name in ("site-packages", "dist-packages")
    }
    # drop places inside others: bwrap would bind them twice
    return sorted(
        p for p in places if p.exists() and not any(o != p and o in p.parents for o in places)
    )


def bwrap_command(uid: int, binds: list[tuple[str, Path, Path]], readable: list[Path]) -> list[str]:
    """The bubblewrap command line that runs the kernel factory for ``uid``.

    ``binds`` are ``(kind, host path, sandbox path)`` with kind ``ro`` or ``rw``.
    """
    command = [
        "bwrap",
        "--die-with-parent",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "grading",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / top
        if host.is_symlink():
            command += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            command += ["--ro-bind", str(host), str(host)]
    for name in ETC_FILES:
        command += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    command += [
        "--ro-bind-try",
        "/var/cache/fontconfig",
        "/var/cache/fontconfig",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
    ]
    if any(p == SANDBOX_ROOT or SANDBOX_ROOT in p.parents for p in readable):
        raise SandboxError(
            f"{SANDBOX_ROOT} 已被占用 / the kit or Python lives under {SANDBOX_ROOT}, the "
            "sandbox's own folder"
        )
    # bwrap makes the folders leading to a bind mode 700, which kernels could not pass through
    ancestors = sorted(
        {a for p in readable for a in p.parents if a != Path("/")}, key=lambda a: len(a.parts)
    )
    for folder in ancestors:
        if folder not in (Path("/tmp"), Path("/usr")):
            command += ["--perms", "0755", "--dir", str(folder)]
    for path in readable:
        command += ["--ro-bind", str(path), str(path)]
    command += ["--perms", "0755", "--dir", str(SANDBOX_ROOT)]
    for name in ("work", "scratch"):  # mount points of a kernel's private tmpfs (kernel_factory)
        command += ["--perms", "0755", "--dir", str(SANDBOX_ROOT / name)]
    for kind, host, inside in binds:
        command += ["--ro-bind" if kind == "ro" else "--bind", str(host), str(inside)]
    command += [
        "--chdir",
        "/",
        "--",
        sys.executable,
        "-m",
        "crmkit.grading.sandbox.kernel_factory",
        str(uid),
    ]
    return command


def kernel_env() -> dict[str, str]:
    """The environment of a kernel: nothing of the grader's but what Python and the kit need."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if os.environ.get("CRMKIT_DATA_DIR"):
        env["CRMKIT_DATA_DIR"] = os.environ["CRMKIT_DATA_DIR"]
    return env


def without_control(text: str) -> str:
    """``text`` without terminal control sequences: safe to print on an instructor's terminal."""
    return _CONTROL.sub("", text)


def read_log(path: Path, limit: int = MAX_LOG_BYTES) -> str:
    """The end of a kernel's log: read without following links, regular files only, capped,
    terminal control sequences removed (a dying kernel may have printed anything)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        info = os.fstat(handle)
        if not (info.st_mode & 0o170000 == 0o100000):  # S_ISREG
            return ""
        os.lseek(handle, max(0, info.st_size - limit), os.SEEK_SET)
        data = os.read(handle, limit)
    finally:
        os.close(handle)
    return without_control(data.decode("utf-8", "replace"))


def wait_for_ready(client, alive, timeout: float) -> None:
    """Return once the kernel answers on its shell and IOPub channels.

    jupyter_client's own wait adds a fixed 0.2 s for IOPub to connect; a prepared kernel is ready
    in a few milliseconds, so this asks again until the status of its own request arrives.
    """
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        client.kernel_info()
        try:
            reply = client.get_shell_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:  # IOPub is connected once the kernel's status for that request arrives
                client.get_iopub_msg(timeout=0.5)
            except Empty:
                pass
            else:
                break
        if not alive():
            raise RuntimeError("the kernel died while starting")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no answer within {timeout:g} s")
    while True:  # the rest of that request's status messages
        try:
            client.get_iopub_msg(timeout=0.02)
        except Empty:
            return


class Kernel:
    """A started kernel: its pid, a connected client, and how to poll and signal it."""

    def __init__(self, sandbox: Sandbox, pid: int, client, log: Path) -> None:
        self.sandbox, self.pid, self.client, self.log = sandbox, pid, client, log

    def alive(self) -> bool:
        try:
            return self.sandbox.request({"poll": self.pid})["status"] is None
        except SandboxError:
            return False

    def interrupt(self) -> None:
        import signal

        try:
            self.sandbox.request({"signal": [self.pid, int(signal.SIGINT)]})
        except SandboxError:
            pass

    def last_error(self) -> str:
        """The last line the kernel logged that names an error, if any (for the instructor)."""
        lines = [line for line in read_log(self.log).splitlines() if line.strip()]
        found = [line for line in lines if "Error" in line or "error" in line]
        return found[-1][:200] if found else ""

    def close(self) -> None:
        try:
            self.client.stop_channels()
        except Exception:  # noqa: BLE001 - the sandbox reset kills the process anyway
            pass


class PreparedKernel(NamedTuple):
    """A kernel the factory has forked and initialized, waiting for its go."""

    pid: int
    connection: KernelConnectionInfo  # as the grader reaches its sockets, outside the sandbox
    log: Path


class Sandbox:
    """A bubblewrap sandbox holding a kernel factory, for one role of one worker slot.

    ``folder`` is the worker's own scratch folder (the grader's, mode 0700); the sandbox uses
    ``folder/<role>-runtime`` for connection files, sockets and logs, ``folder/inbox`` (the
    student role reads it) and ``folder/cache`` (the graded student's datasets, written by the
    grader; both roles read it).
    """

    def __init__(
        self,
        role: str,
        slot: int,
        limits: Limits,
        folder: Path,
        log: Path,
        readable: tuple[Path, ...] = (),
        kernel_arguments: tuple[str, ...] = (),
    ) -> None:
        self.role, self.limits = role, limits
        self.uid = role_uid(role, slot)
        self.kernel_arguments = list(kernel_arguments)
        if role == "tests":
            self.kernel_arguments += TESTS_KERNEL_ARGUMENTS
        self.runtime = folder / f"{role}-runtime"
        self.runtime.mkdir(mode=0o700)
        self.inbox, self.cache = folder / "inbox", folder / "cache"
        self.handed = folder / f"{role}-answers"  # answers the grader hands to test kernels
        self.handed.mkdir(mode=0o755)
        binds = [
            ("rw", self.runtime, SANDBOX_ROOT / "runtime"),
            ("ro", self.cache, SANDBOX_ROOT / "cache"),
        ]
        if role == "student":
            binds += [("ro", self.inbox, SANDBOX_ROOT / "inbox")]
        else:
            binds += [("ro", self.handed, SANDBOX_ROOT / "answers")]
        binds += [("ro", Path(p), SANDBOX_ROOT / Path(p).name) for p in readable]
        self._spare: PreparedKernel | None = None
        self._lock = threading.Lock()
        self._log = open(log, "ab")  # noqa: SIM115 - closed in close()
        env = {**kernel_env(), "MPLCONFIGDIR": str(SANDBOX_ROOT / "mpl")}
        self.process = subprocess.Popen(
            bwrap_command(self.uid, binds, readable_paths()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            text=True,
            bufsize=1,
        )
        to_factory, from_factory = self.process.stdin, self.process.stdout
        assert to_factory is not None and from_factory is not None  # both are pipes (PIPE)
        self._to_factory: IO[str] = to_factory
        self._from_factory: IO[str] = from_factory
        ready = self._from_factory.readline()
        if not ready.startswith('{"ready"'):
            self.close()
            raise SandboxError(
                f"评分沙箱无法启动，见 {log} / the grading sandbox did not start; see {log}"
            )

    def request(self, message: Request) -> Reply:
        """Send one request to the kernel factory and return its reply."""
        with self._lock:
            if self.process.poll() is not None:
                raise SandboxError("评分沙箱已退出 / the grading sandbox has exited")
            self._to_factory.write(encode_line(message))
            self._to_factory.flush()
            reply = self._from_factory.readline()
        if not reply:
            raise SandboxError("评分沙箱已退出 / the grading sandbox has exited")
        return decode_reply(reply)

    def prepare(self) -> PreparedKernel:
        """Have the factory fork and initialize the next kernel, unless one is ready; returns
        the ready kernel."""
        if self._spare is not None:
            return self._spare
        from jupyter_client.connect import write_connection_file

        name = f"k{uuid.uuid4().hex[:10]}"
        inside = SANDBOX_ROOT / "runtime" / name
        connection_file, inside_info = write_connection_file(
            str(self.runtime / f"{name}.json"), transport="ipc", ip=str(inside)
        )
        os.chmod(connection_file, 0o600)
        spec: KernelSpec = {
            "connection_file": f"{inside}.json",
            "log": f"{inside}.log",
            "arguments": self.kernel_arguments,
            "env": kernel_env(),
            "rlimits": self.limits.rlimits(),
            "quota": self.limits.quota(),
        }
        pid = self.request({"prepare": spec})["pid"]
        # the grader reaches the same sockets through the folder's path outside the sandbox
        info: KernelConnectionInfo = {**inside_info, "ip": str(self.runtime / name)}
        self._spare = PreparedKernel(pid, info, self.runtime / f"{name}.log")
        return self._spare

    def start(self, student: str, inbox: bool = False, timeout: float | None = None) -> Kernel:
        """Let the prepared kernel go, as ``student``'s kernel; returns it connected and ready
        (within ``timeout`` seconds, by default the limits' ``kernel_start_seconds``)."""
        import zmq
        from jupyter_client.blocking import BlockingKernelClient

        from .executor import MAX_MESSAGE_BYTES

        wait = self.limits.kernel_start_seconds if timeout is None else timeout
        (pid, info, log), self._spare = self.prepare(), None
        env = {"CRMKIT_STUDENT_ID": student, "NBGRADER_EXECUTION": "autograde"}
        order: GoOrder = {
            "pid": pid,
            "inbox": inbox,
            "env": env,
            "student": student,
            "variants": str(SANDBOX_ROOT / "cache"),
        }
        if not self.request({"go": order})["ok"]:
            lines = read_log(log).strip().splitlines()[-1:]
            raise SandboxError(
                "评分内核无法启动 / the grading kernel did not start: "
                f"{' '.join(lines) or 'no log'}"
            )
        context = zmq.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        client = BlockingKernelClient(context=context)
        client.load_connection_info(info)
        client.start_channels()
        kernel = Kernel(self, pid, client, log)
        try:
            wait_for_ready(client, kernel.alive, wait)
        except RuntimeError as error:
            kernel.close()
            reason = kernel.last_error() or str(error)
            raise SandboxError(
                f"评分内核没有响应 / the grading kernel did not answer: {reason}"
            ) from None
        return kernel

    def hand_over(self, name: str, data: dict) -> str:
        """Write ``data`` as JSON for this sandbox's kernels to read; returns its path inside.

        The folder is the grader's and read-only inside; only test sandboxes have one.
        """
        target = self.handed / name
        target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.chmod(target, 0o644)
        return str(SANDBOX_ROOT / "answers" / name)

    def processor_seconds(self) -> float:
        """Processor time the factory and the kernels it has reaped have used so far."""
        return float(self.request({"usage": True})["seconds"])

    def reset(self) -> int:
        """Kill everything this sandbox's kernels left running; how many were killed."""
        self._spare = None
        return self.request({"reset": True})["killed"]

    def recycle(self) -> None:
        """Between two submissions: :meth:`reset`, empty the runtime folder,
        prepare the next kernel."""
        self.reset()
        # only the factory (root) and the grader wrote here
        for folder in (self.runtime, self.handed):
            for leftover in os.scandir(folder):
                Path(leftover.path).unlink(missing_ok=True)
        self.prepare()

    def close(self) -> None:
        if self.process.poll() is None:
            self._to_factory.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
