"""The grading sandbox: bubblewrap, a user id per worker slot, resource limits, warm forked kernels.

One :class:`Sandbox` per grading worker. It starts the kernel factory (:mod:`crmkit.grading.kernel_factory`) inside
bubblewrap (``bwrap``, Debian's ``bubblewrap``) with

* no network (``--unshare-net``), its own pid, IPC and UTS namespaces, dying with the worker;
* a filesystem that holds only the system's ``/usr``, a few files of ``/etc``, Python, the kit
  (package and public datasets), an empty ``/tmp``, the worker's connection-file folder and
  the folder of the one submission being graded. The course folder, its gradebook,
  ``source/``, ``release/`` and other students' submissions are not in it at all;
* kernels forked by the kernel factory, each in its own session, switched to the slot's numeric user
  id (61000 + slot, no account needed; when the grader runs as root), with hard limits on CPU
  seconds, address space, processes and file size, and ``PR_SET_NO_NEW_PRIVS``.

jupyter_client reaches those kernels through :class:`SandboxProvisioner`, a kernel provisioner
(registered under the entry point ``crmkit-sandbox``) named by the ``crmkit-sandbox``
kernelspec that the grader writes; the kernels talk over IPC sockets (files in the
connection folder), since the sandbox has no network, not even loopback.
See docs/grading_safety.md for why this mechanism and what it stops.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner

from ..errors import CrmkitError

KERNEL_NAME = "crmkit-sandbox"
PROVISIONER_NAME = "crmkit-sandbox"
FIRST_SLOT_UID = 61000
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


@dataclass(frozen=True)
class Limits:
    """What one submission may use. ``cell_timeout`` and ``wall_seconds`` are in seconds."""

    cell_timeout: int = 60
    wall_seconds: int = 300
    cpu_seconds: int = 240
    memory_bytes: int = 3 * 1024**3
    processes: int = 64
    file_bytes: int = 200 * 1024**2

    def rlimits(self) -> dict[str, int]:
        """The hard resource limits of a kernel, by ``resource`` constant name."""
        return {
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_AS": self.memory_bytes,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_FSIZE": self.file_bytes,
        }


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
            f"bubblewrap cannot create a sandbox ({reason}); grade as root or enable unprivileged user namespaces"
        )
    return None


def slot_uid(slot: int) -> int:
    """The user id kernels of worker ``slot`` run as: their own when the grader is root."""
    return FIRST_SLOT_UID + slot if os.geteuid() == 0 else os.getuid()


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
    # site-packages outside the prefixes (a user site); never the working folder, which may be a course
    places |= {
        Path(p).resolve() for p in sys.path if Path(p).name in ("site-packages", "dist-packages")
    }
    # drop places inside others: bwrap would bind them twice
    return sorted(
        p for p in places if p.exists() and not any(o != p and o in p.parents for o in places)
    )


def bwrap_command(uid: int, writable: list[Path], readable: list[Path]) -> list[str]:
    """The bubblewrap command line that runs the kernel factory for ``uid`` (see the module doc)."""
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
    # bwrap makes the folders leading to a bind mode 700, which kernels could not pass through
    ancestors = sorted(
        {a for p in [*readable, *writable] for a in p.parents if a != Path("/")},
        key=lambda a: len(a.parts),
    )
    for folder in ancestors:
        if folder not in (Path("/tmp"), Path("/usr")):
            command += ["--perms", "0755", "--dir", str(folder)]
    for path in readable:
        command += ["--ro-bind", str(path), str(path)]
    for path in writable:
        command += ["--bind", str(path), str(path)]
    command += [
        "--chdir",
        "/",
        "--",
        sys.executable,
        "-m",
        "crmkit.grading.kernel_factory",
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


class Sandbox:
    """A bubblewrap sandbox holding a kernel factory for one worker slot.

    ``writable`` are the folders kernels may write (the submission's grading folder and the
    connection folder ``runtime``); they are bound at the same path inside.
    """

    def __init__(
        self,
        uid: int,
        limits: Limits,
        runtime: Path,
        writable: list[Path],
        log: Path,
        readable: tuple[Path, ...] = (),
        kernel_arguments: tuple[str, ...] = (),
    ):
        self.uid, self.limits, self.runtime = uid, limits, runtime
        self.kernel_arguments = list(kernel_arguments)
        self._spare: tuple[int, str] | None = None
        self.writable = [runtime, *writable]
        os.chown(runtime, uid, uid)  # kernels create their sockets here
        os.chmod(runtime, 0o700)
        self._lock = threading.Lock()
        self._log = open(log, "ab")  # noqa: SIM115 - closed in close()
        readable = [*readable_paths(), *readable]
        env = {**kernel_env(), "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", "/tmp/mpl")}
        self.process = subprocess.Popen(
            bwrap_command(uid, self.writable, readable),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            text=True,
            bufsize=1,
        )
        ready = self.process.stdout.readline()
        if not ready.startswith('{"ready"'):
            self.close()
            raise SandboxError(
                f"评分沙箱无法启动，见 {log} / the grading sandbox did not start; see {log}"
            )

    def request(self, **message) -> dict:
        """Send one request to the kernel factory and return its reply."""
        with self._lock:
            if self.process.poll() is not None:
                raise SandboxError("评分沙箱已退出 / the grading sandbox has exited")
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
            reply = self.process.stdout.readline()
        if not reply:
            raise SandboxError("评分沙箱已退出 / the grading sandbox has exited")
        return json.loads(reply)

    def _prepare(self) -> None:
        """Have the kernel factory fork and initialize the next kernel, on a connection file of its own."""
        from jupyter_client.connect import write_connection_file

        name = f"k{uuid.uuid4().hex[:10]}"
        connection_file, _ = write_connection_file(
            str(self.runtime / f"{name}.json"), transport="ipc", ip=str(self.runtime / name)
        )
        os.chown(connection_file, self.uid, self.uid)
        home = f"/tmp/home-{name}"
        request = {
            "connection_file": connection_file,
            "log": str(self.runtime / f"{name}.log"),
            "home": home,
            "arguments": self.kernel_arguments,
            "env": {**kernel_env(), "MPLCONFIGDIR": f"{home}/mpl"},
            "rlimits": self.limits.rlimits(),
        }
        self._spare = (self.request(prepare=request)["pid"], connection_file)

    def next_connection_file(self) -> str:
        """The connection file of the kernel :meth:`start_kernel` will hand out next."""
        if self._spare is None:
            self._prepare()
        return self._spare[1]

    def start_kernel(self, cwd: str) -> int:
        """Let the prepared kernel start serving in ``cwd`` (a folder bound into the sandbox); its pid."""
        for path in [Path(cwd), *Path(cwd).rglob("*")]:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)
        self.next_connection_file()
        (pid, connection_file), self._spare = self._spare, None
        if self.request(go=[pid, cwd])["ok"]:
            return pid
        log = Path(connection_file).with_suffix(".log")
        reason = log.read_text(errors="replace").strip().splitlines()[-1:] if log.is_file() else []
        raise SandboxError(
            f"评分内核无法启动 / the grading kernel did not start: {' '.join(reason) or 'no log'}"
        )

    def poll(self, pid: int) -> int | None:
        return self.request(poll=pid)["status"]

    def signal(self, pid: int, signum: int) -> None:
        self.request(signal=[pid, int(signum)])

    def reset(self) -> int:
        """Kill everything the last submission left running and empty ``/tmp``; how many were killed."""
        keep = sorted(
            {p.relative_to("/tmp").parts[0] for p in self.writable if Path("/tmp") in p.parents}
        )
        self._spare = None
        return self.request(reset=keep)["killed"]

    def recycle(self) -> None:
        """Between two submissions: :meth:`reset`, then prepare the next kernel while the grader saves."""
        self.reset()
        for leftover in self.runtime.iterdir():
            leftover.unlink(missing_ok=True)
        self._prepare()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# The sandbox of this worker process, used by the provisioner jupyter_client creates.
_active: Sandbox | None = None


def activate(sandbox: Sandbox | None) -> None:
    """Make ``sandbox`` the one new ``crmkit-sandbox`` kernels of this process start in."""
    global _active
    _active = sandbox


def write_kernelspec(folder: Path) -> Path:
    """Write the ``crmkit-sandbox`` kernelspec under ``folder/kernels/``; put ``folder`` on JUPYTER_PATH."""
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                # argv is what jupyter_client formats; the factory takes its options after the file
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (crmkit grading sandbox)",
                "language": "python",
                "metadata": {"kernel_provisioner": {"provisioner_name": PROVISIONER_NAME}},
            }
        ),
        encoding="utf-8",
    )
    return spec


class SandboxKernelClient(AsyncKernelClient):
    """A kernel client that waits for a prepared kernel without jupyter_client's fixed 0.2 s flush."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else 60)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # IOPub is connected once the kernel's status for that request arrives
                    await self.iopub_channel.get_msg(timeout=0.5)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:  # the rest of that request's status messages
            try:
                await self.iopub_channel.get_msg(timeout=0.02)
            except Empty:
                break

    wait_for_ready = _async_wait_for_ready


class SandboxProvisioner(LocalProvisioner):
    """jupyter_client's view of a kernel in the active :class:`Sandbox`: IPC sockets, forked process."""

    _exit_code: int | None = None

    @property
    def sandbox(self) -> Sandbox:
        if _active is None:
            raise SandboxError("没有活动的评分沙箱 / no grading sandbox is active in this process")
        return _active

    @property
    def has_process(self) -> bool:
        return self.pid is not None and self._exit_code is None

    async def pre_launch(self, **kwargs):
        # the kernel is already prepared in the sandbox: adopt its connection file
        manager = self.parent
        manager.client_class = "crmkit.grading.sandbox.SandboxKernelClient"
        manager.connection_file = self.sandbox.next_connection_file()
        manager.load_connection_file()
        self.connection_info = manager.get_connection_info()
        kwargs.pop("transport_encryption", None)
        cmd = manager.format_kernel_cmd(extra_arguments=kwargs.pop("extra_arguments", []))
        return await super(LocalProvisioner, self).pre_launch(cmd=cmd, **kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs):
        cwd = str(kwargs.get("cwd") or Path.cwd())
        self.pid = self.pgid = self.sandbox.start_kernel(cwd)
        self._exit_code = None
        self.cwd = cwd
        return self.connection_info

    async def poll(self) -> int | None:
        if self.pid is None:
            return 0
        if self._exit_code is None:
            try:
                self._exit_code = self.sandbox.poll(self.pid)
            except SandboxError:
                self._exit_code = -signal.SIGKILL
        return self._exit_code

    async def wait(self) -> int | None:
        while await self.poll() is None:
            await asyncio.sleep(0.05)
        return self._exit_code

    async def send_signal(self, signum: int) -> None:
        if self.has_process:
            self.sandbox.signal(self.pid, signum)

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:
        for leftover in self.sandbox.runtime.glob(f"{Path(self.parent.connection_file).stem}*"):
            if leftover.suffix != ".log":  # kept: why a kernel died, for the worker to report
                leftover.unlink(missing_ok=True)
