"""In a real browser: JupyterLab runs a case notebook, its explorer renders, and moving it works.

Starts `jupyter lab` on a free localhost port with a random token, opens a notebook in headless
Chromium through Playwright, runs all cells from the Run menu, waits for an explorer
(crmkit.widgets.explore: a slider or drop-down above its output), moves its control from the
keyboard (slider) or by choosing another option (drop-down), and checks the output below it
changes. It does this for the futures-broker case notebook (a slider over a table) and for
00_start_here.ipynb (a slider over a chart). Screenshots go to docs/screenshots/ so a person can
check that the Chinese renders without boxes; they are the same bytes from run to run.

The server runs on a temporary copy of the notebook, so the repository's file is never saved
over; the kit's data are read through crmkit as usual.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# (notebook, which explorer): a case notebook's first explorer (a slider over a table), and the
# start-here notebook's chart explorer (the last one), the notebook `make lab` opens.
NOTEBOOKS = [("01_futures_broker.ipynb", 0), ("00_start_here.ipynb", -1)]
EXPLORER = ".jp-OutputArea .widget-vbox:has(> .widget-output):has(> .widget-slider, > .widget-dropdown)"
MARK = "data-crmkit-test"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(`make system-packages` installs it)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def quiet_settings(folder: Path) -> None:
    """User settings for the test server: no news or update toasts over the notebook, and every
    cell rendered (not only those in view), so the explorer is found wherever it is."""
    settings = {
        ("apputils-extension", "notification"): {"fetchNews": "false", "checkForUpdates": False,
                                                 "doNotDisturbMode": True},
        ("notebook-extension", "tracker"): {"windowingMode": "none"},
    }
    for (extension, plugin), values in settings.items():
        path = folder / "@jupyterlab" / extension / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def run_all_cells(page, explorer, attempts: int = 2) -> None:
    """Run › Run All Cells, as a student would, until the explorer appears and every cell has run.

    The menu item is disabled until the notebook is the current document, so click into the
    notebook first and pick only an enabled item; try once more if nothing ran.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    for attempt in range(1, attempts + 1):
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        item = page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has=page.get_by_text("Run All Cells", exact=True))
        try:
            item.first.click(timeout=15_000)
            expect(explorer).to_be_visible(timeout=60_000 if attempt < attempts else 120_000)
            # every cell has run: no "[*]" prompt left and the kernel is idle
            expect(page.locator(".jp-InputArea-prompt", has_text="*")).to_have_count(0, timeout=120_000)
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1)
            return
        except (AssertionError, PlaywrightTimeout):
            if attempt == attempts:
                raise
            page.keyboard.press("Escape")


def stop(server: subprocess.Popen) -> None:
    """Stop the server we started (its own process group: the server and its kernels)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)  # jupyter server shuts its kernels down on SIGTERM
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def output_text(page, explorer) -> str:
    """What the explorer shows below its controls: text of tables, plus an id of each image."""
    return explorer.locator(".widget-output").evaluate(
        "el => el.textContent + [...el.querySelectorAll('img')].map(i => i.src.length + i.src.slice(-64)).join()"
    )


@pytest.mark.parametrize("name, which", NOTEBOOKS, ids=[name for name, _ in NOTEBOOKS])
def test_explorer_in_jupyterlab_follows_its_control(name, which, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    source = ROOT / "notebooks" / name
    if not source.exists():
        if name.startswith("00"):
            pytest.fail(f"{source} is missing")
        pytest.skip(f"{name} is not written yet; 00_start_here.ipynb covers the browser path")
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(source, root / "notebooks" / source.name)
    for folder in ("cases", "datasets"):  # the notebook's relative links resolve as in the repo
        (root / folder).symlink_to(ROOT / folder, target_is_directory=True)
    settings = tmp_path / "settings"
    quiet_settings(settings)

    token, port = secrets.token_hex(16), free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "IPYTHONDIR": str(tmp_path / "ipython"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    env.pop("CRMKIT_DATA_DIR", None)  # the committed data, whatever the shell had
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", f"--ServerApp.token={token}",
               f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    log = tmp_path / "jupyter.log"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = source.stem

    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_server(f"{base}/api/status?token={token}", server, log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            try:
                page.goto(f"{base}/lab/tree/notebooks/{source.name}?token={token}")
                expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=90_000)
                expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=90_000)
                page.add_style_tag(content="* { caret-color: transparent !important; }")  # steadier screenshots

                run_all_cells(page, page.locator(EXPLORER).first)
                explorer = page.locator(EXPLORER).nth(which)
                explorer.evaluate(f"el => el.setAttribute('{MARK}', '')")  # the same element from JavaScript
                explorer = page.locator(f"[{MARK}]")
                shown = explorer.locator(".widget-output .jp-OutputArea-output").first
                expect(shown).to_be_visible(timeout=60_000)
                explorer.scroll_into_view_if_needed()
                before = output_text(page, explorer)
                assert before.strip(), "the explorer shows nothing: " + explorer.evaluate("el => el.outerHTML")[:3000]
                assert "出错了 / Something went wrong" not in before, before
                explorer.screenshot(path=str(SCREENSHOTS / f"{stem}_explorer_before.png"))

                slider = explorer.locator(".widget-slider .noUi-handle").first
                if slider.count():
                    slider.focus()
                    page.keyboard.press("ArrowRight")  # one step, as a student moving it by a notch
                else:
                    select = explorer.locator(".widget-dropdown select").first
                    current = select.evaluate("el => el.selectedIndex")
                    select.select_option(index=1 if current == 0 else 0)

                page.wait_for_function(
                    """([selector, before]) => {
                        const el = document.querySelector(selector);  // the marked explorer
                        const out = el && el.querySelector('.widget-output');
                        if (!out) return false;
                        const now = out.textContent + [...out.querySelectorAll('img')]
                            .map(i => i.src.length + i.src.slice(-64)).join();
                        return now !== before && out.querySelector('.jp-OutputArea-output') !== null;
                    }""",
                    arg=[f"[{MARK}]", before], timeout=60_000,
                )
                after = output_text(page, explorer)
                assert after != before
                assert "出错了 / Something went wrong" not in after, after
                explorer.screenshot(path=str(SCREENSHOTS / f"{stem}_explorer_after.png"))
                # The notebook with the explorer in view, without the file browser and status bar
                # (their "modified 5s ago" would change the picture on every run).
                explorer.evaluate("el => el.scrollIntoView({block: 'center'})")
                page.locator(".jp-NotebookPanel").screenshot(path=str(SCREENSHOTS / f"{stem}_jupyterlab.png"))
            except Exception:
                failure = tmp_path / "failure.png"
                page.screenshot(path=str(failure))
                print(f"screenshot of the failure: {failure}\nserver log: {log}")
                raise
            finally:
                browser.close()
    finally:
        stop(server)
