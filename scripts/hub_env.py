"""Build the JupyterHub environment the hub test runs (``make hub-env``), as docs/deployment.md
installs it on a department's server.

    python3 scripts/hub_env.py build/hub-env   # any Python 3 runs it; the env is /usr/bin/python3

* A virtual environment from the system's Python (Debian: ``python3-venv``) holding JupyterHub and
  the kit with its grading extra (students fetch and submit through nbgrader's assignment list;
  installed from this checkout, with its datasets, not editable), readable by every
  user: the hub starts each user's server with it, as that user. The kit's own ``.venv`` may live
  where others cannot read it (a pyenv Python under ``/root``), so it cannot serve.
* nbgrader's formgrader and create-assignment extensions turned off at ``sys_prefix``, as the
  deployment guide does (the course account turns them on for itself).
* ``configurable-http-proxy``, JupyterHub's proxy: from the npm registry when ``npm`` is there,
  else Debian's ``node-configurable-http-proxy``; linked into the environment's ``bin/``.

Kept between runs: the dependencies are installed again only when ``pyproject.toml`` changes,
the kit whenever this script is run (make runs it when the kit's files change). When other users
cannot reach the checkout (a home folder of mode 700), the environment is built under
``/var/tmp`` and the target path becomes a link to it. Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")
HUB_REQUIREMENTS = ["jupyterhub>=5,<6"]
PROXY_PACKAGE = "configurable-http-proxy@4"
# nbgrader's panels only the course account may have (docs/deployment.md, section 3), and
# JupyterLab's news pop-up, as lab/student turns it off
LAB_PLUGINS_OFF = [
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyterlab/apputils-extension:announcements",
]
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader"]


def run(*command: str | Path) -> None:
    """Run ``command``, quietly; its output is shown only when it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-5000:], result.stderr[-5000:], sep="\n", file=sys.stderr)
        sys.exit(f"hub environment: {command[0]} failed ({result.returncode})")


def reachable_by_others(path: Path) -> bool:
    """Whether every folder above ``path`` lets other users pass (o+x)."""
    for folder in [path, *path.parents]:
        if folder.exists() and not os.stat(folder).st_mode & 0o001:
            return False
    return True


def place(target: Path) -> Path:
    """Where the environment is built: ``target`` itself, or a folder under /var/tmp that
    ``target`` links to when others cannot reach ``target``."""
    if target.is_symlink():
        return target.resolve()
    if reachable_by_others(target.parent):
        return target
    digest = hashlib.sha256(str(target).encode()).hexdigest()[:12]
    elsewhere = Path("/var/tmp") / f"crmkit-hub-env-{digest}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    target.symlink_to(elsewhere)
    return elsewhere


def ensure_system_python() -> None:
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import ensurepip, venv"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        run(sys.executable, REPO / "scripts" / "apt_install.py", "python3-venv")
        return
    sys.exit(
        "hub 测试需要系统的 Python 和 venv：sudo apt-get install python3-venv / "
        "The hub test needs the system's Python with venv: sudo apt-get install python3-venv"
    )


def install_python(env: Path) -> None:
    python = env / "bin" / "python"
    stamp = env / ".requirements"
    wanted = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    wanted += " " + " ".join(HUB_REQUIREMENTS)
    quiet = ["--quiet", "--disable-pip-version-check"]
    if not python.exists():
        run(SYSTEM_PYTHON, "-m", "venv", env)
    if not stamp.exists() or stamp.read_text() != wanted:
        run(python, "-m", "pip", "install", *quiet, "--upgrade", "pip")
        run(python, "-m", "pip", "install", *quiet, *HUB_REQUIREMENTS, f"{REPO}[grading]")
        stamp.write_text(wanted)
    else:  # the dependencies are there: the kit again, from this checkout
        run(python, "-m", "pip", "install", *quiet, "--no-deps", "--force-reinstall", REPO)


def configure_extensions(env: Path) -> None:
    jupyter = env / "bin" / "jupyter"
    for plugin in LAB_PLUGINS_OFF:
        run(jupyter, "labextension", "disable", "--level=sys_prefix", plugin)
    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        run(jupyter, "server", "extension", "disable", "--sys-prefix", extension)


def install_proxy(env: Path) -> None:
    link = env / "bin" / "configurable-http-proxy"
    if link.exists():
        return
    if shutil.which("npm"):
        prefix = env / "proxy"
        run("npm", "install", "--no-audit", "--no-fund", "--prefix", prefix, PROXY_PACKAGE)
        program = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    else:
        if not shutil.which("configurable-http-proxy"):
            if not (shutil.which("apt-get") and os.geteuid() == 0):
                sys.exit(
                    "hub 测试需要 configurable-http-proxy：sudo apt-get install "
                    "node-configurable-http-proxy / The hub test needs configurable-http-proxy: "
                    "sudo apt-get install node-configurable-http-proxy"
                )
            run(sys.executable, REPO / "scripts" / "apt_install.py", "node-configurable-http-proxy")
        program = Path(shutil.which("configurable-http-proxy"))
    link.symlink_to(program.resolve())


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    target = Path(sys.argv[1]).absolute()
    ensure_system_python()
    env = place(target)
    env.parent.mkdir(parents=True, exist_ok=True)
    install_python(env)
    configure_extensions(env)
    install_proxy(env)
    for path in [env, *env.rglob("*")]:  # readable by every user whose server it runs
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode | 0o044 | (0o011 if mode & 0o100 or path.is_dir() else 0))
    print(f"hub environment ready in {env}")


if __name__ == "__main__":
    main()
