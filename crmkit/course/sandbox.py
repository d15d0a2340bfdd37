"""A kernel for grading untrusted submissions: resource limits, its own user id, warm imports.

``python -m crmkit.course.sandbox -f CONNECTION_FILE [ipykernel options]`` is the command of the
``crmkit-sandbox`` kernelspec that :mod:`crmkit.course.parallel` writes for its workers. Before
it becomes an ordinary ipykernel it

1. sets hard resource limits (``RLIMIT_CPU`` CPU seconds, ``RLIMIT_AS`` address space,
   ``RLIMIT_NPROC`` processes and threads, ``RLIMIT_FSIZE`` file size),
2. when started as root, switches to a numeric user id of its own (one per worker slot, no
   account needed): ``RLIMIT_NPROC`` counts per user, so a fork bomb only exhausts its own
   slot, files private to root (the gradebook, ``source/``) cannot be read or written, and the
   grader can kill everything the submission left running by that user id,
3. imports the libraries every assignment uses (pandas, matplotlib, crmkit.datasets), so the
   student's first cell does not pay for them. Nothing is shared: every submission gets a fresh
   process.

The limits come from the environment variable ``CRMKIT_SANDBOX`` (JSON of :class:`Limits` plus
``uid``), which the worker sets; see docs/grading_safety.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ENV_VAR = "CRMKIT_SANDBOX"
KERNEL_NAME = "crmkit-sandbox"
# Imported before the kernel starts: what the assignments import anyway.
WARM_IMPORTS = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "crmkit.datasets", "crmkit.course")


@dataclass(frozen=True)
class Limits:
    """What one submission may use. ``cell_timeout`` and ``wall_seconds`` are in seconds."""

    cell_timeout: int = 60
    wall_seconds: int = 300
    cpu_seconds: int = 240
    memory_bytes: int = 3 * 1024**3
    processes: int = 64
    file_bytes: int = 200 * 1024**2


def set_limits(limits: Limits) -> None:
    """Apply ``limits`` to this process (and so to everything it starts), soft = hard."""
    import resource

    for name, value in [("RLIMIT_CPU", limits.cpu_seconds), ("RLIMIT_AS", limits.memory_bytes),
                        ("RLIMIT_NPROC", limits.processes), ("RLIMIT_FSIZE", limits.file_bytes)]:
        resource.setrlimit(getattr(resource, name), (value, value))


def write_kernelspec(folder: Path) -> Path:
    """Write the ``crmkit-sandbox`` kernelspec under ``folder/kernels/``; put ``folder`` on JUPYTER_PATH."""
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "crmkit.course.sandbox", "-f", "{connection_file}"],
        "display_name": "Python 3 (crmkit grading sandbox)",
        "language": "python",
    }), encoding="utf-8")
    return spec


def processes_of(uid: int) -> list[int]:
    """Ids of the processes whose real user id is ``uid``."""
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


def kill_uid(uid: int, rounds: int = 20) -> int:
    """SIGKILL every process of user ``uid`` (a sandbox slot, never a real account); returns how many."""
    if uid < 1000:
        raise ValueError(f"refusing to kill processes of system user {uid}")
    killed = 0
    for _ in range(rounds):  # a fork bomb may fork between the scan and the kill
        pids = processes_of(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return killed


def can_drop_privileges() -> bool:
    """Whether a kernel could run as another user: root, and Python and crmkit readable by others."""
    if os.geteuid() != 0:
        return False
    for place in {Path(sys.base_prefix), Path(sys.prefix), Path(__file__).resolve().parent}:
        for folder in [place, *place.parents]:
            if not os.stat(folder).st_mode & 0o001:
                return False
    return True


def kill_group_of(pidfile: Path) -> None:
    """SIGKILL the process group of the kernel whose pid is in ``pidfile`` (when it has no uid of its own)."""
    try:
        pid = int(pidfile.read_text())
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    except (OSError, ValueError):
        pass


def _drop_privileges(uid: int, argv: list[str]) -> list[str]:
    """Become ``uid``: own the working folder and a private home, read a copy of the connection file."""
    home = Path.cwd() / f".sandbox-home-{uid}"
    home.mkdir(exist_ok=True)
    os.chown(".", uid, uid)
    os.chown(home, uid, uid)
    for path in Path(".").iterdir():
        if path.is_file():
            os.chown(path, uid, uid)
    # matplotlib's font cache, copied so the kernel does not rebuild it
    cache = Path(os.environ.get("MPLCONFIGDIR", ""))
    if cache.is_dir():
        shutil.copytree(cache, home / "mpl", dirs_exist_ok=True)
    os.environ.update(HOME=str(home), MPLCONFIGDIR=str(home / "mpl"), IPYTHONDIR=str(home / "ipython"),
                      JUPYTER_RUNTIME_DIR=str(home / "runtime"), XDG_CACHE_HOME=str(home / "cache"))
    argv = list(argv)
    if "-f" in argv:
        at = argv.index("-f") + 1
        copy = home / "connection.json"
        shutil.copyfile(argv[at], copy)
        argv[at] = str(copy)
    for path in home.rglob("*"):
        os.chown(path, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    return argv


def main(argv: list[str] | None = None) -> None:
    """Limit, drop privileges, warm up, then run ipykernel with ``argv``."""
    argv = sys.argv[1:] if argv is None else argv
    settings = json.loads(os.environ.pop(ENV_VAR, "{}") or "{}")
    uid = settings.pop("uid", None)
    pidfile = settings.pop("pidfile", None)
    if pidfile:
        Path(pidfile).write_text(str(os.getpid()))
    os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if uid is not None and os.geteuid() == 0:
        argv = _drop_privileges(int(uid), argv)
    set_limits(Limits(**settings))
    if uid is None:
        # no user id of its own to be killed by: the kernel ends itself at the wall limit
        signal.alarm(Limits(**settings).wall_seconds)
    for module in WARM_IMPORTS:
        __import__(module)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=argv)


def limits_json(limits: Limits, uid: int | None, pidfile: Path | None = None) -> str:
    """The value of ``CRMKIT_SANDBOX`` for a kernel with ``limits`` run as ``uid``."""
    settings = asdict(limits)
    if uid is not None:
        settings["uid"] = uid
    if pidfile is not None:
        settings["pidfile"] = str(pidfile)
    return json.dumps(settings)


if __name__ == "__main__":
    main()
