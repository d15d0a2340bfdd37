"""In a real browser: a student with no code answers the widget tasks of an assignment.

Starts ``jupyter lab`` on a copy of the student version of ``segmentation``, opens it in
headless Chromium, runs all cells, types a student id into the id box, restarts the kernel and
runs all cells again (the unsolved code tasks raise, and Run All still reaches the widgets),
answers the tier-and-service drop-downs with the mouse (each customer drawn for the student: a
tier, then an action), and checks the answers are in ``widget_answers.json``. Then
``crmkit course autograde`` grades that folder by those values.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from answer_fixtures import drawn_shop_customers, term_context, tier_service_answers
from jupyterlab_session import (
    CHROMIUM,
    CHROMIUM_ARGS,
    needs_chromium,
    open_notebook,
    restart_and_run_all,
    run_all_cells,
    start_lab,
    stop,
)

from crmkit.course.scenarios import SERVICE_ACTIONS, SHOP_TIERS
from crmkit.grading import scores as grades
from crmkit.grading.run.autograde import autograde

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
STUDENT = "lily"
LABELS = {code: label for label, code in [*SHOP_TIERS, *SERVICE_ACTIONS]}

pytestmark = [pytest.mark.slow, pytest.mark.browser, needs_chromium]


def test_a_student_answers_widget_tasks_in_jupyterlab_and_is_graded_by_them(tmp_path, course):
    from playwright.sync_api import expect, sync_playwright

    root = tmp_path / "home"
    shutil.copytree(course / "release" / "segmentation", root / "segmentation")
    folder = root / "segmentation"

    server, base, token = start_lab(
        root, tmp_path, drop_env=("JUPYTERHUB_USER",)
    )  # off the hub: the id is stated
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)  # kernels start slowly on a busy CI machine
            notebook = "segmentation/segmentation.ipynb"
            open_notebook(page, base, token, notebook)
            run_all_cells(page, notebook)
            id_box = page.locator(".widget-text input").first
            expect(id_box).to_be_visible(timeout=60_000)
            id_box.fill(STUDENT)
            page.locator("button", has_text="保存 / Save").first.click()
            expect(page.get_by_text(f"已保存 '{STUDENT}'", exact=False)).to_be_visible(
                timeout=60_000
            )
            assert (folder / "student_id.txt").read_text(encoding="utf-8").strip() == STUDENT

            restart_and_run_all(page, notebook)
            # the id box of the restarted kernel shows the saved id
            expect(page.get_by_text("要改就重新填写", exact=False)).to_be_visible(timeout=120_000)
            # and it got past the unsolved code tasks: the last widget task is there, a tier and
            # an action for each customer drawn for the student, in the order they are listed
            term = term_context(course, "segmentation")
            customers = list(drawn_shop_customers(STUDENT, term)["customer"])
            right = tier_service_answers(STUDENT, term)
            wanted = [right["customer_tiers"][c] for c in customers]
            wanted += [right["tier_service"][c] for c in customers]
            dropdowns = page.locator(".widget-dropdown select")
            expect(dropdowns).to_have_count(len(wanted), timeout=120_000)
            for index, code in enumerate(wanted):
                select = dropdowns.nth(index)
                # ipywidgets shows the spaces of option labels as no-break spaces
                labels = [
                    text.replace("\xa0", " ")
                    for text in select.locator("option").all_text_contents()
                ]
                select.select_option(index=labels.index(LABELS[code]))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                saved = json.loads((folder / "widget_answers.json").read_text(encoding="utf-8"))[
                    "answers"
                ]
                if {k: saved.get(k) for k in right} == right:
                    break
                time.sleep(0.5)
            assert {k: saved.get(k) for k in right} == right
            browser.close()
    finally:
        stop(server)

    shutil.copytree(folder, course / "submitted" / STUDENT / "segmentation")
    assert all(r.ok for r in autograde(course, ["segmentation"], student=STUDENT).results)
    scores = grades.cell_scores(course, "segmentation", STUDENT)
    assert scores["tier_service_tests"] == 3
    assert scores["rfm_tests"] == 0  # the code tasks were left undone
