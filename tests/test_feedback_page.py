"""The students' feedback page: a written answer not graded yet is pending, not 0, and the heading
says what the total holds. The wording is checked here on made-up notebooks; the page is checked
on a class graded by real nbgrader in ``tests/test_nbgrader_demo_term.py``."""

from __future__ import annotations

import re

import nbformat
from traitlets.config import Config

from crmkit.grading.feedback_page import FeedbackExporter
from crmkit.grading.preprocessors.pending_grades import MarkPendingGrades, heading, points
from crmkit.grading.scores import PENDING


def graded_cell(kind: str, grade_id: str, score: float, most: float, pending: bool = False):
    if kind == "code":
        cell = nbformat.v4.new_code_cell("check.score()")
        meta = {"grade": True, "solution": False}
    else:
        cell = nbformat.v4.new_markdown_cell("我的回答 / my answer")
        meta = {"grade": True, "solution": True}
    cell.metadata["nbgrader"] = {
        **meta,
        "grade_id": grade_id,
        "points": most,
        "score": score,
        "pending": pending,
        "locked": kind == "code",
        "schema_version": 3,
    }
    return cell


def notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 作业 / Assignment"), *cells]
    return nb


def test_points_read_as_people_write_them():
    assert [points(v) for v in (14.0, 1.5, 2 / 3, 0)] == ["14", "1.5", "0.67", "0"]


def test_a_pending_written_answer_is_left_out_of_the_total_and_named():
    cells = notebook(
        graded_cell("code", "rfm_tests", 1.5, 2),
        graded_cell("code", "scores_tests", 2, 2),
        graded_cell("markdown", "discussion", 0, 3, pending=True),
    ).cells
    assert heading(cells, {"late_penalty": 0}) == (
        f"自动评分 3.5 / 4（书面回答{PENDING}，3 分）/ "
        "3.5 / 4 autograded (written answer pending, 3 points)"
    )


def test_once_graded_the_written_answer_is_in_the_total_and_a_penalty_is_named():
    cells = notebook(
        graded_cell("code", "rfm_tests", 2, 2),
        graded_cell("markdown", "discussion", 2.5, 3),
    ).cells
    assert heading(cells, {"late_penalty": 0}) == (
        "总分 4.5 / 5（含书面回答） / total 4.5 / 5 (written answer included)"
    )
    late = heading(cells, {"late_penalty": 1})
    assert "总分 3.5 / 5，扣迟交 1 分" in late and "total 3.5 / 5, less 1 for lateness" in late
    code_only = heading(notebook(graded_cell("code", "rfm_tests", 2, 2)).cells, {})
    assert code_only == "总分 2 / 2 / total 2 / 2"


def test_each_graded_cell_shows_its_score_or_pending():
    nb = notebook(
        graded_cell("code", "rfm_tests", 1.5, 2),
        graded_cell("markdown", "discussion", 0, 3, pending=True),
    )
    step = MarkPendingGrades()
    shown = [step.preprocess_cell(c, {}, i)[0] for i, c in enumerate(nb.cells)]
    assert shown[1].metadata.nbgrader["shown_score"] == "得分 / Score: 1.5 / 2"
    assert shown[2].metadata.nbgrader["shown_score"] == f"{PENDING} / pending（满分 3 / out of 3）"


def render(nb: nbformat.NotebookNode) -> str:
    """``nb``'s feedback page as nbgrader's GenerateFeedback renders it with the kit's exporter."""
    import os

    import nbgrader

    templates = os.path.join(
        os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"
    )
    css = os.path.join(
        os.path.dirname(nbgrader.__file__),
        "server_extensions", "formgrader", "static", "node_modules", "bootstrap", "dist", "css",
    )  # fmt: skip
    config = Config()
    config.HTMLExporter.template_name = "feedback"  # what nbgrader's GenerateFeedback sets
    config.HTMLExporter.extra_template_basedirs = [templates]
    config.HTMLExporter.extra_template_paths = [css]
    for i, cell in enumerate(nb.cells):
        MarkPendingGrades().preprocess_cell(cell, {}, i)
    info = {"notebook": "segmentation", "late_penalty": 0}
    resources = {"nbgrader": info, "crmkit_feedback": {"heading": heading(nb.cells, info)}}
    page, _ = FeedbackExporter(config=config).from_notebook_node(nb, resources=resources)
    return page


def test_the_page_shows_the_heading_and_pending_instead_of_a_zero():
    """nbgrader's feedback template, with the kit's heading and scores over it."""
    page = render(
        notebook(
            graded_cell("code", "rfm_tests", 1.5, 2),
            graded_cell("markdown", "discussion", 0, 3, pending=True),
        )
    )
    assert "segmentation：自动评分 1.5 / 2（书面回答待评，3 分）" in page
    assert "待评 / pending（满分 3 / out of 3）" in page and "得分 / Score: 1.5 / 2" in page
    assert "Score: 0.0" not in page and page.count("<h4>") == 1
    assert "我的回答 / my answer" in page  # the notebook itself is still there


def test_no_script_of_the_students_runs_in_the_feedback_page():
    """Markdown, HTML, JavaScript and SVG a student put in the notebook are shown, never run."""
    answer = graded_cell("markdown", "discussion", 0, 3, pending=True)
    answer.source = "<script>alert('answer')</script>我的回答"
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": "<script>alert('h')</script><b>表</b>"}
        ),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert('js')"}),
        nbformat.v4.new_output(
            "display_data", data={"image/svg+xml": "<svg onload=\"alert('svg')\"></svg>"}
        ),
    ]
    markdown = nbformat.v4.new_markdown_cell("<img src=x onerror=\"alert('md')\"> **粗体**")
    page = render(notebook(markdown, code, answer)).split("<body", 1)[1]
    assert "<script" not in page and "alert('js')" not in page
    assert not re.search(r"<[a-z][^<>]*\son\w+\s*=", page)  # no tag with an event handler
    assert "我的回答" in page and "<b>表</b>" in page and "<strong>粗体</strong>" in page


def test_markdown_renders_as_headings_paragraphs_tables_and_mathml():
    """nbconvert's clean_html escaped <h1>, <p> and <thead>: every heading showed as raw markup."""
    intro = nbformat.v4.new_markdown_cell(
        "## 1.1 RFM 表\n\n段落 / a paragraph.\n\n| R | F |\n|---|---|\n| 高 | 低 |\n\n"
        "$$\\mathrm{CLV} = \\sum_{t=0}^{4} \\frac{m r^t}{(1+d)^t}$$"
    )
    page = render(notebook(intro)).split("<body", 1)[1]
    assert re.search(r"<h2[^>]*>1\.1 RFM 表", page) and "<p>段落 / a paragraph.</p>" in page
    assert "<th>R</th>" in page and "<td>高</td>" in page and "<thead>" in page
    assert '<math display="block"' in page and "<mfrac>" in page
    assert "&lt;h" not in page and "&lt;p" not in page and "&lt;t" not in page


def test_the_page_fetches_nothing_from_the_network():
    """No MathJax from a CDN, and an image a student points at a web address is not requested."""
    answer = graded_cell("markdown", "discussion", 0, 3, pending=True)
    answer.source = '![跟踪](https://example.com/t.png) <img src="http://example.com/x.png">'
    page = render(notebook(answer))
    assert "cdnjs" not in page and "mathjax" not in page.lower()
    assert "example.com" not in page


def test_clean_html_keeps_what_a_notebook_shows_and_drops_what_acts():
    from crmkit.grading.safe_output.safe_html import clean_html

    png = "data:image/png;base64,iVBORw0KGgo="
    kept = clean_html(
        f'<h1 id="t">标题</h1><table class="dataframe"><tr><th>a</th><td colspan="2">1</td></tr>'
        f'</table><a href="https://example.com/x">链接</a><img src="{png}" alt="图">'
    )
    assert '<h1 id="t">标题</h1>' in kept and '<td colspan="2">1</td>' in kept
    assert f'src="{png}"' in kept and 'href="https://example.com/x"' in kept
    dropped = clean_html(
        '<script>alert(1)</script><style>p{}</style><p onclick="alert(2)" style="x">p</p>'
        '<a href="javascript:alert(3)">j</a><a href="data:text/html,x">d</a>'
        '<img src="https://example.com/t.png"><iframe src="https://example.com"></iframe>'
    )
    assert "alert" not in dropped and "p{}" not in dropped and "style" not in dropped
    assert "javascript" not in dropped and "data:" not in dropped and "example.com" not in dropped
    assert "<iframe" not in dropped and "<p>p</p>" in dropped
