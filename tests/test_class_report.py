"""``crmkit course report``: the numbers from plain data, then the files they are written to.

The computation is tested on made-up scores and failures (no nbgrader run needed); the files on
a made-up report: CSVs Excel reads as UTF-8, charts whose Chinese renders and whose bytes depend
only on the data, HTML that escapes what students control. ``tests/test_nbgrader_demo_term.py``
runs the command on a class graded by real nbgrader.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import shutil
import warnings
from pathlib import Path

import nbformat
import pytest
from jupyterlab_session import CHROMIUM, CHROMIUM_ARGS, needs_chromium

from crmkit.cli import main as crmkit_main
from crmkit.errors import CrmkitError
from crmkit.grading import report
from crmkit.grading.report import (
    REASON_MISSING,
    REASON_NOT_GRADED,
    REASON_TAMPER,
    CellGrade,
    ClassData,
    Failure,
    build_report,
    failure_message,
    item_analysis,
    needs_attention,
    notebook_failures,
    reasons_for,
    score_rows,
    summarize,
)
from crmkit.grading.scores import Score

REPO = Path(__file__).resolve().parents[1]
EVIL = '<script>alert("x")</script>'


def score(
    student: str, assignment: str = "segmentation", auto: float = 14, manual: float | None = 3
) -> Score:
    return Score(student, assignment, auto, 14.0, manual, 3.0)


def cell(
    student: str,
    grade_id: str,
    points: float | None,
    max_points: float = 2,
    autograded: bool = True,
    assignment: str = "segmentation",
) -> CellGrade:
    return CellGrade(student, assignment, assignment, grade_id, points, max_points, autograded)


# ---------------------------------------------------------------- failures in notebooks


def test_failure_message_is_the_first_line_of_evalue():
    assert (
        failure_message({"ename": "AssertionError", "evalue": "门槛太高 / cutoff too high\nmore"})
        == "门槛太高 / cutoff too high"
    )
    assert failure_message({"ename": "AssertionError", "evalue": "\n  monetary  \n"}) == "monetary"


def test_failure_message_without_evalue_is_the_error_name():
    assert failure_message({"ename": "AssertionError", "evalue": ""}) == "AssertionError"
    assert failure_message({"ename": "NameError"}) == "NameError"


def test_only_graded_code_cells_count_as_failed_tests():
    notebook = nbformat.v4.new_notebook()
    error = nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="应是比例 / a share", traceback=[]
    )
    test = nbformat.v4.new_code_cell(
        "assert False", metadata={"nbgrader": {"grade": True, "grade_id": "nps_tests"}}
    )
    test.outputs = [error]
    answer = nbformat.v4.new_code_cell(
        "x", metadata={"nbgrader": {"grade": False, "solution": True, "grade_id": "nps_answer"}}
    )
    answer.outputs = [error]
    passed = nbformat.v4.new_code_cell(
        "pass", metadata={"nbgrader": {"grade": True, "grade_id": "repeat_tests"}}
    )
    notebook.cells = [answer, test, passed]
    assert notebook_failures(notebook) == {
        "nps_tests": Failure("AssertionError", "应是比例 / a share")
    }


def partial_test_cell(grade_id: str, points: float, data: dict) -> nbformat.NotebookNode:
    test = nbformat.v4.new_code_cell(
        "check.score()",
        metadata={"nbgrader": {"grade": True, "grade_id": grade_id, "points": points}},
    )
    test.outputs = [nbformat.v4.new_output("execute_result", data=data, execution_count=1)]
    return test


def test_a_partial_credit_test_counts_its_failed_checks():
    """Plain nbgrader keeps the checks record; the kit's grader keeps the ✗ lines of the summary."""
    from crmkit.course.checks import CHECKS_MIMETYPE
    from crmkit.grading.report.model import FAILED_CHECKS

    record = {
        "checks": [
            {"passed": True, "message": "R 对 / R right"},
            {"passed": False, "message": "F 不对 / F is wrong"},
            {"passed": False, "message": "M 不对 / M is wrong"},
        ]
    }
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        partial_test_cell(
            "rfm_tests", 2, {"text/plain": "0.6667", CHECKS_MIMETYPE: record, "text/markdown": "x"}
        ),
        partial_test_cell(
            "scores_tests",
            2,
            {
                "text/plain": "1",
                "text/markdown": "**1**\n\n- ✓ r / r\n- ✗ f_score 不对 &amp; / f_score &lt;no&gt;",
            },
        ),
        partial_test_cell("core_tests", 2, {"text/plain": "2", "text/markdown": "**2**\n\n- ✓ ok"}),
        partial_test_cell("cutoff_tests", 1, {"text/plain": "0"}),
    ]
    failures = notebook_failures(notebook)
    assert failures["rfm_tests"] == Failure(
        FAILED_CHECKS, "F 不对 / F is wrong", ("F 不对 / F is wrong", "M 不对 / M is wrong")
    )
    assert failures["scores_tests"].checks == ("f_score 不对 & / f_score <no>",)
    assert "core_tests" not in failures  # full points: nothing failed
    assert failures["cutoff_tests"] == Failure(FAILED_CHECKS, "0 / 1", ())
    assert not failures["rfm_tests"].unanswered


def test_item_analysis_tallies_each_failed_check():
    from crmkit.grading.report.model import FAILED_CHECKS

    cells = [cell(s, "rfm_tests", p) for s, p in (("a", 2), ("b", 1), ("c", 0.5), ("d", 0))]
    failures = {
        ("segmentation", "b", "rfm_tests"): Failure(FAILED_CHECKS, "F", ("F",)),
        ("segmentation", "c", "rfm_tests"): Failure(FAILED_CHECKS, "F", ("F", "M")),
        ("segmentation", "d", "rfm_tests"): Failure("NameError", "name 'rfm' is not defined"),
    }
    [item] = item_analysis(cells, failures)
    assert (item.lost, item.unanswered) == (3, 1)
    assert item.failures == (("F", 2), ("M", 1))


# ---------------------------------------------------------------- the numbers


def test_summary_per_assignment_has_mean_median_min_max_and_missing():
    scores = [
        score("a", auto=14),
        score("b", auto=7, manual=None),
        score("c", auto=0),
        score("a", "loyalty", auto=13),
    ]
    by_name = {
        s.assignment: s for s in summarize(scores, ["loyalty", "segmentation"], ["a", "b", "c"])
    }
    seg = by_name["segmentation"]
    assert (seg.graded, seg.mean, seg.median, seg.minimum, seg.maximum) == (3, 7.0, 7.0, 0.0, 14.0)
    assert seg.manual_pending == 1 and seg.missing == 0
    assert by_name["loyalty"].missing == 2  # b and c handed nothing in


def test_item_analysis_counts_who_lost_points_and_the_check_failed_most():
    cells = [
        cell("a", "rfm_tests", 2),
        cell("b", "rfm_tests", 0),
        cell("c", "rfm_tests", 0),
        cell("d", "rfm_tests", 1),
        cell("e", "rfm_tests", 0),
        cell("f", "rfm_tests", 0),
        cell("a", "discussion", None, 3, autograded=False),  # written answers are not items
    ]
    failures = {
        ("segmentation", "b", "rfm_tests"): Failure("AssertionError", "monetary"),
        ("segmentation", "c", "rfm_tests"): Failure("AssertionError", "monetary"),
        ("segmentation", "d", "rfm_tests"): Failure(
            "AssertionError", "缺少客户 / customers missing"
        ),
        ("segmentation", "e", "rfm_tests"): Failure("NameError", "name 'rfm' is not defined"),
        ("segmentation", "f", "rfm_tests"): Failure("NotImplementedError", "NotImplementedError"),
    }
    [item] = item_analysis(cells, failures)
    assert (item.grade_id, item.max_points, item.graded, item.lost, item.unanswered) == (
        "rfm_tests",
        2,
        6,
        5,
        2,
    )
    assert item.lost_share == pytest.approx(5 / 6)
    assert (item.top_failure, item.top_failure_count) == ("monetary", 2)
    assert item.failures == (("monetary", 2), ("缺少客户 / customers missing", 1))


def test_item_analysis_follows_the_notebook_order_and_breaks_ties_alphabetically():
    cells = [cell("a", "tiers_tests", 0), cell("b", "tiers_tests", 0), cell("a", "rfm_tests", 2)]
    failures = {
        ("segmentation", "a", "tiers_tests"): Failure("AssertionError", "zzz"),
        ("segmentation", "b", "tiers_tests"): Failure("AssertionError", "aaa"),
    }
    items = item_analysis(
        cells, failures, {("segmentation", "rfm_tests"): 0, ("segmentation", "tiers_tests"): 5}
    )
    assert [i.grade_id for i in items] == ["rfm_tests", "tiers_tests"]
    assert items[1].top_failure == "aaa" and items[0].top_failure == "" and items[0].lost == 0


def test_reasons_name_tampering_missing_low_scores_and_pending_hand_grading():
    assert reasons_for(None, submitted=False, flags=[], threshold=0.5) == (REASON_MISSING,)
    assert reasons_for(None, submitted=True, flags=[], threshold=0.5) == (REASON_NOT_GRADED,)
    low = reasons_for(
        score("a", auto=6.9), submitted=True, flags=["cell: 替换异常处理"], threshold=0.5
    )
    assert low[0].startswith(REASON_TAMPER) and "替换异常处理" in low[0]
    assert "6.9 / 14" in low[1] and "50%" in low[1]
    assert (
        reasons_for(score("a", auto=7), submitted=True, flags=[], threshold=0.5) == ()
    )  # exactly half is fine
    # a written answer still to grade is not a reason per student:
    # the report counts them per assignment
    assert reasons_for(score("a", manual=None), submitted=True, flags=[], threshold=0.5) == ()


def test_written_answers_to_grade_are_one_line_per_assignment_with_a_count():
    data = class_data(
        scores=[score("s01-wang", manual=None), score("s02-li", manual=None), score(EVIL, auto=1)],
        roster=["s01-wang", "s02-li", EVIL],
    )
    built = build_report(data)
    assert built.pending_line().count("segmentation") == 2  # once in Chinese, once in English
    assert "segmentation 2 份" in built.pending_line() and "segmentation: 2" in built.pending_line()
    assert not any("书面" in reason for row in built.attention for reason in row.reasons)
    page = report.render_html(built, {})
    assert (
        page.count(html_escaped(built.pending_line())) == 1
        and report.PENDING_NOTE.split(" = ")[0] in page
    )


def test_a_check_without_a_message_says_so():
    failures = {
        ("segmentation", s, "rfm_tests"): Failure("AssertionError", "AssertionError")
        for s in ("a", "b")
    }
    cells = [cell(s, "rfm_tests", 0) for s in ("a", "b")]
    (item,) = item_analysis(cells, failures)
    assert item.top_failure.startswith("AssertionError") and "no message" in item.top_failure


def test_every_failed_check_is_in_the_items_csv():
    failures = {
        ("segmentation", s, "rfm_tests"): Failure("AssertionError", m)
        for s, m in (("a", "one"), ("b", "two"), ("c", "three"), ("d", "four"), ("e", "four"))
    }
    items = item_analysis([cell(s, "rfm_tests", 0) for s in "abcde"], failures)
    row = list(csv.DictReader(io.StringIO(report.items_csv(items))))[0]
    assert row["failed_checks"] == "four ×2 | one ×1 | three ×1 | two ×1"


def test_score_rows_cover_every_student_and_assignment_sorted():
    scores = [score("s02-li"), score("s01-wang", "loyalty", auto=2)]
    rows = score_rows(
        scores, ["s02-li", "s01-wang"], ["segmentation", "loyalty"], {}, set(), threshold=0.5
    )
    assert [(r.student, r.assignment) for r in rows] == [
        ("s01-wang", "loyalty"),
        ("s01-wang", "segmentation"),
        ("s02-li", "loyalty"),
        ("s02-li", "segmentation"),
    ]
    attention = needs_attention(rows)
    assert [(a.student, a.assignment) for a in attention] == [
        ("s01-wang", "loyalty"),
        ("s01-wang", "segmentation"),
        ("s02-li", "loyalty"),
    ]
    assert attention[1].reasons == (REASON_MISSING,)


def class_data(**changes) -> ClassData:
    data = dict(
        assignments=["segmentation"],
        roster=["s01-wang", "s02-li", EVIL],
        scores=[score("s01-wang"), score(EVIL, auto=1)],
        cells=[cell("s01-wang", "rfm_tests", 2), cell(EVIL, "rfm_tests", 0)],
        failures={
            ("segmentation", EVIL, "rfm_tests"): Failure("AssertionError", "<b>monetary</b>")
        },
        flags={("segmentation", EVIL): ["cell: 替换异常处理 / replaces exception handling"]},
        submitted={("segmentation", "s01-wang"), ("segmentation", EVIL)},
    )
    return ClassData(**{**data, **changes})


def test_nothing_graded_is_a_clear_error():
    with pytest.raises(CrmkitError, match="Nothing graded yet.*crmkit course autograde"):
        build_report(class_data(scores=[], cells=[]))


def test_summary_line_counts_missing_and_flagged():
    line = build_report(class_data()).summary_line()
    assert "3 students" in line and "1 missing" in line and "1 flagged" in line and "名学生" in line


# ---------------------------------------------------------------- the files


def test_html_escapes_student_ids_and_failure_messages():
    page = report.render_html(build_report(class_data()), {})
    assert EVIL not in page and "<b>monetary" not in page
    assert EVIL in page_text(page) and "<b>monetary</b>" in page_text(page)
    for heading in (
        "成绩分布 / Score distribution",
        "题目分析 / Item analysis",
        "需要关注的学生 / Students who need attention",
    ):
        assert heading in page


def test_scores_read_with_two_decimals_at_most_in_the_page_and_its_csv():
    data = class_data(
        scores=[score("s01-wang", auto=12.8096, manual=0.6667), score(EVIL, auto=2.1429)],
    )
    built = build_report(data)
    page = report.render_html(built, {})
    assert "7.48" in page and "12.81" in page and "2.14" in page  # mean, maximum, minimum
    assert "12.8096" not in page and "7.476" not in page and "2.1429" not in page
    rows = list(csv.DictReader(io.StringIO(report.scores_csv(built.rows))))
    wang = next(r for r in rows if r["student"] == "s01-wang")
    assert (wang["auto_score"], wang["manual_score"], wang["total"]) == ("12.81", "0.67", "13.48")


def html_escaped(text: str) -> str:
    import html

    return html.escape(text)


def page_text(page: str) -> str:
    """The text of an HTML page as a browser shows it: entities decoded, no tags."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(page)
    parser.close()
    return "".join(parser.parts)


def test_csv_rows_guard_against_excel_formulas():
    text = report.scores_csv(
        [report.ScoreRow("=HYPERLINK(1)", "segmentation", None, (REASON_MISSING,))]
    )
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[0] == "'=HYPERLINK(1)" and row[2:7] == ["", "", "", "", ""]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    """The made-up report written twice, to two folders."""
    built = build_report(class_data())
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    report.write_report(built, first)
    report.write_report(built, second)
    return first, second


def test_files_are_written_beside_the_html(written):
    folder, _ = written
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "integrity.csv",
        "items.csv",
        "items_segmentation.png",
        "report.html",
        "scores.csv",
        "scores_segmentation.png",
    ]


def test_csvs_are_utf8_with_a_byte_order_mark_for_excel(written):
    folder, _ = written
    for name in ("scores.csv", "items.csv"):
        assert (folder / name).read_bytes().startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader((folder / "scores.csv").open(encoding="utf-8-sig")))
    assert [r["student"] for r in rows] == sorted(["s01-wang", "s02-li", EVIL])
    missing = next(r for r in rows if r["student"] == "s02-li")
    assert missing["auto_score"] == "" and "缺交 / missing submission" in missing["needs_attention"]
    items = list(csv.DictReader((folder / "items.csv").open(encoding="utf-8-sig")))
    assert items == [
        {
            "assignment": "segmentation",
            "notebook": "segmentation",
            "grade_id": "rfm_tests",
            "max_points": "2",
            "graded": "2",
            "lost_points": "1",
            "lost_share": "0.5000",
            "unanswered": "0",
            "top_failure": "<b>monetary</b>",
            "top_failure_count": "1",
            "failed_checks": "<b>monetary</b> ×1",
        }
    ]


def test_same_data_give_the_same_bytes(written):
    first, second = written
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_charts_carry_no_software_stamp_and_are_embedded(written):
    folder, _ = written
    png = (folder / "scores_segmentation.png").read_bytes()
    assert (
        png.startswith(b"\x89PNG") and b"Software" not in png and b"matplotlib" not in png.lower()
    )
    import base64

    assert base64.b64encode(png).decode("ascii") in (folder / "report.html").read_text(
        encoding="utf-8"
    )


def test_chinese_labels_in_the_charts_render(caplog):
    """As tests/test_plotting.py: a missing glyph warns, a missing font family logs;
    neither may happen."""
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    built = build_report(class_data())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charts = report.draw_charts(built)
    assert set(charts) == {"scores_segmentation.png", "items_segmentation.png"}
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


def test_drawing_leaves_matplotlib_style_as_it_was():
    import matplotlib

    before = list(matplotlib.rcParams["font.sans-serif"])
    report.draw_charts(build_report(class_data()))
    assert matplotlib.rcParams["font.sans-serif"] == before


# ---------------------------------------------------------------- the command


def test_report_of_a_course_with_nothing_graded_says_so_in_one_line(tmp_path, capsys):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(REPO / "exercises" / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(REPO / "exercises" / "source", course / "source")
    assert crmkit_main(["course", "report", "--course", str(course)]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "还没有已评分的提交" in error and "Nothing graded yet" in error
    assert not (course / "gradebook.db").exists(), "asking for a report must not create a gradebook"
    assert not (course / "reports").exists()


def test_threshold_outside_zero_to_one_is_refused(capsys):
    with pytest.raises(SystemExit) as stopped:
        crmkit_main(["course", "report", "--threshold", "50"])
    assert stopped.value.code == 2
    assert "0 到 1" in capsys.readouterr().err


# ---------------------------------------------------------------- next steps, linked notebooks


def test_next_steps_name_this_courses_commands(tmp_path):
    from crmkit.grading.course_folder import CHECKOUT_COURSE
    from crmkit.grading.report.next_steps import next_steps_html, next_steps_lines

    course = tmp_path / "my course"
    page = next_steps_html(course, pending=4)
    shown = page_text(page)
    assert f"cd '{course}' && jupyter lab" in shown and "&&" not in page  # quoted, escaped
    assert "4 份待人工评分" in shown and "Nbgrader › Formgrader › Manual Grading" in shown
    assert f"crmkit course export --course '{course}' --format canvas" in shown
    assert "make lab-instructor" in next_steps_html(CHECKOUT_COURSE, pending=0)
    assert "都已评分" in next_steps_html(CHECKOUT_COURSE, pending=0)
    [export] = next_steps_lines(course, pending=0)
    assert f"`crmkit course export --course '{course}' --format excel`" in export


def test_a_linked_notebook_is_a_readable_page_without_anything_that_runs(tmp_path):
    from crmkit.grading.report.notebook_pages import notebook_page

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            "# 作业 / Assignment\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            '<script>alert(1)</script><img src="x" onerror="alert(2)">'
        ),
        nbformat.v4.new_code_cell("rfm = visits.groupby('customer_id').size()"),
        nbformat.v4.new_code_cell(
            "### BEGIN HIDDEN TESTS\n_expected = 42\n### END HIDDEN TESTS",
            metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "rfm_tests"}},
        ),
    ]
    notebook.cells[1].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<b onclick='x()'>bold</b><script>alert(3)</script>"},
        ),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
        nbformat.v4.new_output(
            "display_data", data={"text/html": '<img src="https://example.com/t.png">'}
        ),
    ]
    path = tmp_path / "segmentation.ipynb"
    nbformat.write(notebook, path)
    page = notebook_page(path, f"{EVIL} · segmentation")
    assert "<script" not in page.lower() and "onerror" not in page and "onclick" not in page
    assert "<h1" in page and "<table>" in page and "<td>1</td>" in page  # rendered, not escaped
    assert "&lt;h1" not in page and "&lt;table" not in page
    assert 'src="data:image/png;base64,' in page and "example.com" not in page
    assert "rfm" in page and EVIL in page_text(page) and EVIL not in page  # shown, escaped
    assert "_expected" not in page and "HIDDEN" not in page and "test cell (code not shown)" in page


def test_report_links_integrity_evidence_to_pages_and_integrity_csv(tmp_path):
    from crmkit.grading.integrity.model import STRENGTH_NAMES as STRENGTHS
    from crmkit.grading.integrity.model import Evidence

    course = tmp_path / "course"
    for student in ("s01-wang", "s02-li"):
        folder = course / "autograded" / student / "segmentation"
        folder.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), folder / "segmentation.ipynb")
    import dataclasses

    evidence = Evidence(
        "similar_code", "segmentation", "rfm", "s01-wang", "s02-li", max(STRENGTHS), 0.9, "90%"
    )
    built = dataclasses.replace(build_report(class_data()), integrity=[evidence])
    page = report.write_report(built, course / "reports", course).read_text(encoding="utf-8")
    assert '<a href="integrity.csv">integrity.csv</a>' in page
    assert 'href="notebooks/s01-wang/segmentation/segmentation.html"' in page
    assert ".ipynb" not in page.split("诚信检查")[-1]
    assert (
        course / "reports" / "notebooks" / "s02-li" / "segmentation" / "segmentation.html"
    ).is_file()
    assert "下一步 / Next steps" in page and f"--course {course}" in page


@pytest.mark.browser
@needs_chromium
def test_the_report_in_chromium_says_what_to_do_next_and_links_readable_notebooks(tmp_path):
    """The report as an instructor opens it: the next steps name this course's commands, scores
    have two decimals at most, integrity.csv is linked, and an integrity link opens the graded
    notebook as a page (its code and outputs, not JSON), with nothing loaded from the network.
    Screenshots go to build/report-screenshots/ (git-ignored) for a person to look at."""
    import dataclasses
    import re

    from playwright.sync_api import expect, sync_playwright

    from crmkit.grading.integrity.model import STRENGTH_NAMES as STRENGTHS
    from crmkit.grading.integrity.model import Evidence

    course = tmp_path / "course"
    for student in ("s01-wang", EVIL):
        notebook = nbformat.v4.new_notebook()
        answer = nbformat.v4.new_code_cell(
            "rfm = visits.groupby('customer_id').agg(monetary=('price_yuan', 'sum'))",
            metadata={"nbgrader": {"grade": False, "solution": True, "grade_id": "rfm_answer"}},
        )
        answer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1,204 rows\n")]
        notebook.cells = [nbformat.v4.new_markdown_cell("# 作业 1 / Assignment 1"), answer]
        folder = course / "autograded" / student / "segmentation"
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / "segmentation.ipynb")
    evidence = Evidence(
        "similar_code", "segmentation", "rfm", "s01-wang", EVIL, max(STRENGTHS), 0.9, "90%"
    )
    data = class_data(scores=[score("s01-wang", auto=12.8096), score(EVIL, auto=2.1429)])
    built = dataclasses.replace(build_report(data), integrity=[evidence])
    page_path = report.write_report(built, course / "reports", course)

    shots = REPO / "build" / "report-screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.as_uri())
            steps = page.locator("h2", has_text="下一步 / Next steps").locator(
                "xpath=following-sibling::ol[1]"
            )
            expect(steps).to_be_visible()
            expect(steps).to_contain_text(f"cd {course} && jupyter lab")
            expect(steps).to_contain_text("Nbgrader › Formgrader › Manual Grading")
            expect(steps).to_contain_text(f"crmkit course export --course {course} --format canvas")
            page.screenshot(path=str(shots / "report_top.png"))
            csv_link = page.locator("a", has_text="integrity.csv")
            expect(csv_link).to_be_visible()
            assert (page_path.parent / csv_link.get_attribute("href")).is_file()
            cells = page.locator("td.num").all_inner_texts()
            assert "12.81" in cells and not [c for c in cells if re.search(r"\d\.\d{3,}", c)]
            link = page.locator("table.integrity a").first
            link.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "report_integrity.png"))
            assert link.get_attribute("href").endswith(".html")
            link.click()
            page.wait_for_load_state("load")
            expect(page.locator("h1").first).to_contain_text("s01-wang · segmentation")
            expect(page.locator("h1", has_text="作业 1 / Assignment 1")).to_be_visible()
            expect(page.locator(".input_area pre")).to_contain_text("groupby('customer_id')")
            expect(page.locator("body")).to_contain_text("1,204 rows")
            assert '"cell_type"' not in page.locator("body").inner_text()  # not the JSON
            page.screenshot(path=str(shots / "report_notebook.png"))
        finally:
            browser.close()
    assert requests and all(url.startswith(("file://", "data:")) for url in requests), requests


@pytest.mark.browser
@needs_chromium
def test_a_student_name_with_markup_shows_as_typed_in_chromium(tmp_path):
    """A student id holding a script, a tag and ``&`` reads as typed wherever the report names the
    student (the attention table, the integrity table), and nothing of it runs or becomes markup."""
    import dataclasses

    from playwright.sync_api import expect, sync_playwright

    from crmkit.grading.integrity.model import STRENGTH_NAMES as STRENGTHS
    from crmkit.grading.integrity.model import Evidence

    name = '<script>document.title = "pwned"</script><b>Tom</b> & Jerry &amp;'
    data = class_data(
        roster=["s01-wang", name],
        scores=[score("s01-wang"), score(name, auto=1)],
        cells=[cell("s01-wang", "rfm_tests", 2), cell(name, "rfm_tests", 0)],
        failures={},
        flags={},
        submitted={("segmentation", "s01-wang"), ("segmentation", name)},
    )
    evidence = Evidence(
        "similar_code", "segmentation", "rfm", "s01-wang", name, max(STRENGTHS), 0.9, "90%"
    )
    built = dataclasses.replace(build_report(data), integrity=[evidence])
    page_path = report.write_report(built, tmp_path / "reports")
    shots = REPO / "build" / "report-screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
            page.goto(page_path.as_uri())
            expect(page).to_have_title("班级成绩报告 / Class grading report")
            attention = page.locator("h2", has_text="需要关注的学生").locator(
                "xpath=following-sibling::table[1]"
            )
            expect(attention.locator("td", has_text="Jerry")).to_have_text(name)
            integrity = page.locator("table.integrity td", has_text="Jerry")
            expect(integrity).to_have_text(f"s01-wang ↔ {name}")
            assert page.locator("script").count() == 0 and page.locator("td b").count() == 0
            assert not dialogs
            integrity.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "report_student_name_with_markup.png"))
        finally:
            browser.close()
