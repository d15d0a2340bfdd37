"""In a real browser: a student with no code answers the widget tasks of an assignment.

Starts ``jupyter lab`` on a copy of the student version of ``segmentation``, opens it in
headless Chromium, runs all cells, types a student id into the id box, restarts the kernel and
runs all cells again (the unsolved code tasks raise, and Run All still reaches the widgets),
answers the tier-service drop-downs with the mouse, and checks the answers are in
``widget_answers.json``. Then ``nbgrader autograde`` grades that folder by those values.
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

from crmkit.course import grading
from crmkit.course.demo import prepare_demo_course

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
CHROMIUM = Path("/usr/bin/chromium")
SERVICES = {"potential": "win_first_order", "new": "second_order", "sleeping": "wake_up",
            "old": "build_habit", "big": "save_time", "loyal": "personal_care"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (`make system-packages`)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_lab(root: Path, scratch: Path) -> tuple[subprocess.Popen, str]:
    """A JupyterLab server on ``root`` with quiet settings; returns it and its URL with token."""
    settings = scratch / "settings"
    quiet = {("apputils-extension", "notification"): {"fetchNews": "false", "checkForUpdates": False,
                                                      "doNotDisturbMode": True},
             ("notebook-extension", "tracker"): {"windowingMode": "none"}}  # render every cell
    for (extension, plugin), values in quiet.items():
        path = settings / "@jupyterlab" / extension / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    token, port = secrets.token_hex(16), free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"), "IPYTHONDIR": str(scratch / "ipython"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    env.pop("JUPYTERHUB_USER", None)  # a student off the hub states their id
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", f"--ServerApp.token={token}",
               f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.workspaces_dir={scratch / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    log = (scratch / "jupyter.log").open("w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited: {(scratch / 'jupyter.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                return server, f"{base}|{token}"
        except OSError:
            time.sleep(0.5)
    stop(server)
    pytest.fail("jupyter lab did not start within 90 s")


def stop(server: subprocess.Popen) -> None:
    """Stop the server we started and its kernels (its own process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def menu(page, top: str, item: str, attempts: int = 3) -> None:
    """Choose ``top › item`` as a student would; the item is disabled until the notebook has
    focus, so click into it first and try again if the menu was not ready."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, attempts + 1):
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
        entry = page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has=page.get_by_text(item, exact=True))
        try:
            entry.first.click(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts:
                raise
            page.keyboard.press("Escape")


def run_all_until_visible(page, target, attempts: int = 3) -> None:
    """Run › Run All Cells until ``target`` shows. Right after the page opens, JupyterLab now
    and then drops the first run request (the kit's other browser test sees the same), so a
    student would simply click again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    for attempt in range(1, attempts + 1):
        menu(page, "Run", "Run All Cells")
        try:
            expect(target).to_be_visible(timeout=60_000)
            return
        except (AssertionError, PlaywrightTimeout):
            if attempt == attempts:
                raise


def test_a_student_answers_widget_tasks_in_jupyterlab_and_is_graded_by_them(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    course = prepare_demo_course(COURSE, tmp_path / "course")
    assert all(r.ok for r in grading.generate(course, ["segmentation"]))
    root = tmp_path / "home"
    shutil.copytree(course / "release" / "segmentation", root / "segmentation")
    folder = root / "segmentation"

    server, address = start_lab(root, tmp_path)
    base, token = address.split("|")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)  # kernels start slowly on a busy CI machine
            page.goto(f"{base}/lab/tree/segmentation/segmentation.ipynb?token={token}")
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=90_000)

            id_box = page.locator(".widget-text input").first
            run_all_until_visible(page, id_box)
            id_box.fill("lily")
            page.locator("button", has_text="保存 / Save").first.click()
            expect(page.get_by_text("已保存 'lily'", exact=False)).to_be_visible(timeout=60_000)
            assert (folder / "student_id.txt").read_text(encoding="utf-8").strip() == "lily"

            menu(page, "Kernel", "Restart Kernel and Run All Cells…")
            page.locator(".jp-Dialog-button.jp-mod-accept").first.click()
            # Run All clears every cell's output when it starts; the id box's new message shows
            # the restarted kernel has reached the top cell, so older widgets are gone by now
            expect(page.get_by_text("要改就重新填写", exact=False)).to_be_visible(timeout=120_000)
            # and it got past the unsolved code tasks: the last widget task is there
            dropdowns = page.locator(".widget-dropdown select")
            expect(dropdowns).to_have_count(len(SERVICES), timeout=120_000)
            for index, action in enumerate(SERVICES.values()):  # rows: potential, new, sleeping, …
                select = dropdowns.nth(index)
                # ipywidgets shows the spaces of option labels as no-break spaces
                labels = [text.replace("\xa0", " ") for text in select.locator("option").all_text_contents()]
                select.select_option(index=next(i for i, text in enumerate(labels) if action_label(action) in text))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                saved = json.loads((folder / "widget_answers.json").read_text(encoding="utf-8"))["answers"]
                if saved.get("tier_service") == SERVICES:
                    break
                time.sleep(0.5)
            assert saved["tier_service"] == SERVICES
            browser.close()
    finally:
        stop(server)

    shutil.copytree(folder, course / "submitted" / "lily" / "segmentation")
    assert all(r.ok for r in grading.autograde(course, ["segmentation"], student="lily"))
    scores = grading.cell_scores(course, "segmentation", "lily")
    assert scores["tier_service_tests"] == 2
    assert scores["rfm_tests"] == 0  # the code tasks were left undone


def action_label(action: str) -> str:
    """The English part of a service action's drop-down label, by its code."""
    return {
        "build_habit": "build a habit", "wake_up": "wake them up", "win_first_order": "win the first order",
        "personal_care": "personally and warmly", "second_order": "aim for a second order", "save_time": "save their time",
    }[action]
