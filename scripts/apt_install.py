"""Install Debian packages for ``make``, waiting for apt's locks instead of failing on them.

    python3 scripts/apt_install.py PACKAGE ...

A machine that is also updating itself (unattended-upgrades, another ``apt-get``) holds apt's
locks for a while; ``apt-get`` would stop at once with "Could not get lock". This waits (up to
``APT_LOCK_TIMEOUT`` seconds, default 600), says that it is waiting and for whom, and retries.
Standard library only: it runs before the kit's virtual environment has anything in it.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time

LOCKS = (
    "/var/lib/dpkg/lock-frontend",
    "/var/lib/dpkg/lock",
    "/var/lib/apt/lists/lock",
    "/var/cache/apt/archives/lock",
)
BUSY = "Could not get lock"


def holder(path: str) -> str | None:
    """Who holds apt's lock ``path`` ("pid N (name)"), or None when it is free."""
    try:
        handle = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        owner = _lock_owner(path)
        return owner or "another process"
    else:
        fcntl.lockf(handle, fcntl.LOCK_UN)
        return None
    finally:
        os.close(handle)


def _lock_owner(path: str) -> str:
    try:
        inode = os.stat(path).st_ino
        with open("/proc/locks", encoding="ascii") as locks:
            for line in locks:
                parts = line.split()
                if len(parts) > 5 and parts[5].rsplit(":", 1)[-1] == str(inode):
                    pid = parts[4]
                    with open(f"/proc/{pid}/comm", encoding="utf-8") as comm:
                        return f"pid {pid} ({comm.read().strip()})"
    except OSError:
        pass
    return ""


def wait_for_locks(deadline: float) -> None:
    """Return once no apt lock is held; exit with a message when ``deadline`` passes first."""
    said = 0.0
    while True:
        busy = [(path, who) for path in LOCKS if (who := holder(path))]
        if not busy:
            return
        now = time.monotonic()
        if now > deadline:
            sys.exit(
                f"apt 仍被占用，请稍后重试 `make` / apt is still locked by {busy[0][1]}; "
                "try `make` again later"
            )
        if now - said >= 30:
            print(
                "等待 apt 锁：另一个安装正在进行 / waiting for apt's lock "
                f"({busy[0][0]}, held by {busy[0][1]})",
                file=sys.stderr,
                flush=True,
            )
            said = now
        time.sleep(2)


def apt_get(arguments: list[str], deadline: float) -> None:
    """``apt-get`` with ``arguments``, retried while another process takes the lock first."""
    command = [
        "apt-get",
        "-qq",
        "-o",
        f"DPkg::Lock::Timeout={max(1, int(deadline - time.monotonic()))}",
        *arguments,
    ]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    while True:
        wait_for_locks(deadline)
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode == 0:
            return
        if BUSY in done.stderr and time.monotonic() < deadline:
            continue  # someone took the lock between our check and apt-get's
        sys.stderr.write(done.stderr)
        sys.exit(f"apt-get {' '.join(arguments)} 失败 / failed (exit {done.returncode})")


def main(packages: list[str]) -> None:
    deadline = time.monotonic() + float(os.environ.get("APT_LOCK_TIMEOUT", "600"))
    apt_get(["update"], deadline)
    apt_get(["install", "-y", *packages], deadline)


if __name__ == "__main__":
    main(sys.argv[1:])
