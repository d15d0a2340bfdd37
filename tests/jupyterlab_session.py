"""A real JupyterLab server for the browser tests, and JupyterLab driven through its own commands.

The server is started the way ``make lab`` starts it for a student (the kit's student
configuration in ``lab/student/``), on a free port with a random token, and with
``expose_app_in_browser`` so a test can reach JupyterLab's application object. Notebooks are
opened and run through JupyterLab's commands (``docmanager:open``, ``notebook:run-all-cells``
aimed at one notebook by its widget id), never by clicking where a cell happens to be: a click
on a link in a markdown cell opens another tab, and the notebook's commands then act on nothing.
Every wait is on state (the document and the kernel are ready, the command's promise resolved),
not on time.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STUDENT_CONFIG = REPO / "lab" / "student"
CHROMIUM = Path("/usr/bin/chromium")
# the flags this machine's closed network needs (no background connections, no sandbox as root)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (`make system-packages` installs it)",
)
# How long a command may take in the page (a whole notebook run on a busy machine).
COMMAND_TIMEOUT_MS = 240_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quiet_settings(folder: Path) -> None:
    """User settings for the test server: every cell rendered (not only those in view), so
    widgets are found wherever they are. News and update checks are off in lab/student."""
    settings = {
        ("apputils-extension", "notification"): {
            "fetchNews": "false",
            "checkForUpdates": False,
            "doNotDisturbMode": True,
        },
        ("notebook-extension", "tracker"): {"windowingMode": "none"},
    }
    for (extension, plugin), values in settings.items():
        path = folder / "@jupyterlab" / extension / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def start_lab(
    root: Path, scratch: Path, drop_env: tuple[str, ...] = (), config: Path | None = STUDENT_CONFIG
) -> tuple[subprocess.Popen, str, str]:
    """JupyterLab on ``root`` with a random token; returns the server, its base URL and the token.

    ``drop_env`` names environment variables the server must not inherit from the shell;
    ``config`` is put on ``JUPYTER_CONFIG_PATH`` (default: the student's configuration, as
    ``make lab`` uses it). The server log is ``scratch/jupyter.log``.
    """
    settings = scratch / "settings"
    quiet_settings(settings)
    token, port = secrets.token_hex(16), free_port()
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "IPYTHONDIR": str(scratch / "ipython"),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    }
    if config is not None:
        env["JUPYTER_CONFIG_PATH"] = str(config)
    for name in drop_env:
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    log = scratch / "jupyter.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                return server, base, token
        except OSError:
            time.sleep(0.5)
    stop(server)
    pytest.fail(f"jupyter lab did not answer within 90 s:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    """Stop the server we started and its kernels (its own process group)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)  # jupyter server shuts its kernels down on SIGTERM
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


# The page side. Each script finds the notebook panel by its path, so nothing depends on which
# tab happens to be in front; errors come back as exceptions with JupyterLab's own message.
_HELPERS = """
  const app = window.jupyterapp;
  const panelAt = async (path) => {
    await app.started;
    await app.restored;
    for (const widget of app.shell.widgets('main')) {
      if (widget.context && widget.context.path === path && widget.content
          && widget.sessionContext) {
        await widget.context.ready;
        await widget.sessionContext.ready;
        return widget;
      }
    }
    throw new Error('no open notebook at ' + path);
  };
  const within = (what, promise) => Promise.race([promise, new Promise((_, reject) =>
    setTimeout(() => reject(new Error(what + ' took longer than ' + ms + ' ms')), ms))]);
"""


def _in_page(page, body: str, path: str) -> None:
    """Run ``body`` (JavaScript using ``app``, ``panelAt``, ``within``, ``path``,
    ``ms``) in the page."""
    page.evaluate("async ([path, ms]) => {" + _HELPERS + body + "}", [path, COMMAND_TIMEOUT_MS])


def open_notebook(page, base: str, token: str, path: str) -> None:
    """Open JupyterLab and the notebook at ``path`` (relative to the server's root) with
    ``docmanager:open``; return once its document and kernel are ready."""
    page.goto(f"{base}/lab?token={token}")
    open_in_lab(page, path)


def open_in_lab(page, path: str) -> None:
    """In the JupyterLab the page shows, open the notebook at ``path`` with ``docmanager:open``;
    return once its document and kernel are ready."""
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=90_000)
    _in_page(
        page,
        """
        await within('opening ' + path, (async () => {
            await app.started;
            await app.restored;
            await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
            app.shell.activateById((await panelAt(path)).id);
        })());""",
        path,
    )
    wait_until_idle(page, path)


def run_all_cells(page, path: str) -> None:
    """Run › Run All Cells on the notebook at ``path``; return when the last cell has run."""
    _in_page(
        page,
        """
        await within('running all cells of ' + path, (async () => {
            const panel = await panelAt(path);
            await app.commands.execute('notebook:run-all-cells', {widgetId: panel.id});
        })());""",
        path,
    )
    wait_until_idle(page, path)


def restart_and_run_all(page, path: str) -> None:
    """Kernel › Restart Kernel and Run All Cells on the notebook at ``path``
    (without the dialog)."""
    _in_page(
        page,
        """
        await within('restarting the kernel of ' + path, (async () => {
            const panel = await panelAt(path);
            await panel.sessionContext.restartKernel();
            await panel.sessionContext.ready;
        })());""",
        path,
    )
    run_all_cells(page, path)


def wait_until_idle(page, path: str) -> None:
    """Wait until the notebook's kernel is idle and no cell is queued or running."""
    page.wait_for_function(
        """(path) => {
            for (const panel of window.jupyterapp.shell.widgets('main')) {
                if (!(panel.context && panel.context.path === path && panel.content)) continue;
                const session = panel.sessionContext.session;
                if (!session || !session.kernel || session.kernel.status !== 'idle') return false;
                return !panel.content.widgets.some(
                    cell => cell.promptNode && cell.promptNode.textContent.includes('*'));
            }
            return false;
        }""",
        arg=path,
        timeout=COMMAND_TIMEOUT_MS,
        polling=250,
    )
