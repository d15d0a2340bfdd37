"""A student's feedback page, opened in headless Chromium as the student opens it.

A submission is graded by the kit's grader (sandboxed kernels, real nbgrader) and its feedback is
written by nbgrader's ``generate_feedback`` with the course's configuration. The page must read as
the notebook: headings are headings, the task's markdown table is a table with its cells, the
student's written answer is text, the id box reads as the id, formulas are MathML; no escaped tag
is visible anywhere, nothing is fetched from the network, and a script the student wrote does not
run. The screenshot is written for a person to look at (``CRMKIT_SCREENSHOTS`` keeps it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jupyterlab_session import CHROMIUM, CHROMIUM_ARGS, needs_chromium

from crmkit.grading.run.autograde import autograde
from crmkit.grading.steps import write_feedback
from crmkit.grading.submissions import handed_in, notebook_path, read_notebook, submit

pytestmark = [pytest.mark.slow, pytest.mark.browser, needs_chromium]

STUDENT = "2023001"
WRITTEN_ANSWER = """\
我同意把他们算作**新顾客**，但应该单独跟进。/ I agree they are *new*, but they deserve a follow-up.

| 指标 / measure | 数值 / value |
|---|---|
| 顾客 / customers | 18 |

<script>document.title = "hacked"; window.__ran = true;</script>
<img src="https://example.com/tracker.png" alt="跟踪 / tracker">
"""


@pytest.fixture(scope="module")
def feedback_page(new_course, tmp_path_factory) -> Path:
    """The feedback page of a solved segmentation notebook with a written answer."""
    course = new_course(tmp_path_factory.mktemp("feedback") / "course")
    solution = read_notebook(notebook_path(course, "source", "segmentation"))
    release = read_notebook(notebook_path(course, "release", "segmentation"))
    notebook = handed_in(solution, release)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "discussion":
            cell.source = WRITTEN_ANSWER
    submit(course, STUDENT, "segmentation", notebook)
    report = autograde(course, ["segmentation"])
    assert all(r.ok for r in report.results), report.results
    assert all(r.ok for r in write_feedback(course, ["segmentation"]))
    return course / "feedback" / STUDENT / "segmentation" / "segmentation.html"


def test_the_page_reads_as_the_rendered_notebook(feedback_page):
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})  # a laptop
            page.on("request", lambda request: requests.append(request.url))
            page.goto(feedback_page.as_uri())
            page.wait_for_load_state("load")
            shown = page.inner_text("body")

            # headings are heading elements, with the task text in them
            expect(page.locator("h1").first).to_contain_text("作业 1")
            expect(page.locator("h2", has_text="RFM").first).to_be_visible()
            # the segments table of task 1.3 is a table, cells and all
            table = page.locator(".text_cell_render table", has_text="important_value").first
            expect(table.locator("th").first).to_have_text("R")
            expect(table.locator("td", has_text="重要价值客户").first).to_be_visible()
            assert table.locator("tr").count() == 9  # a header and the eight segments
            # the written answer is text, its emphasis and its table rendered
            answer = page.locator(".nbgrader_cell", has_text="我同意")
            expect(answer.locator("strong")).to_have_text("新顾客")
            expect(answer.locator("td", has_text="18")).to_be_visible()
            # the id box reads as the student id, not as a widget's Python repr
            assert f"学号 / Student id: {STUDENT}" in shown
            # no escaped markup and no widget repr anywhere on the page
            for raw in ("<h1", "<h2", "<p>", "</p>", "<table", "<thead", "VBox(", "Label(value"):
                assert raw not in shown, f"the page shows {raw!r} as text"
            # the student's script did not run; the tracker was not requested
            assert page.title() != "hacked" and page.evaluate("window.__ran") is None
            # it fits a laptop screen: nothing wider than the window
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            folder = Path(os.environ.get("CRMKIT_SCREENSHOTS") or feedback_page.parent)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / "feedback_page.png"))
            page.locator(".nbgrader_cell", has_text="我同意").scroll_into_view_if_needed()
            page.screenshot(path=str(folder / "feedback_written_answer.png"))
        finally:
            browser.close()
    elsewhere = sorted({url for url in requests if not url.startswith(("file:", "data:"))})
    assert not elsewhere, f"the page asked the network for: {elsewhere}"


def test_the_page_source_escapes_nothing_a_person_reads(feedback_page):
    page = feedback_page.read_text(encoding="utf-8")
    assert "&lt;h1" not in page and "&lt;p&gt;" not in page and "&lt;h2" not in page
    assert "cdnjs" not in page and "mathjax" not in page.lower()
    assert "<script" not in page.split("<body", 1)[1]
