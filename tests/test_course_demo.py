"""The grading loop end to end: ``crmkit course demo``, then feedback, export and one-student grading.

The demo generates the course into a scratch folder and autogrades, with real nbgrader, the
solution (``source/``), a half-solved notebook and the untouched student version (``release/``)
of every assignment. Those three submissions are what these tests check.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest

from crmkit.course import grading
from crmkit.course.cli import add_course_commands
from crmkit.course.submissions import notebook_path, read_notebook
from crmkit.errors import CrmkitError, UsageError

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
ASSIGNMENTS = ["complaints", "loyalty", "segmentation"]


def crmkit(*argv: str) -> int:
    """Run ``crmkit course ...`` the way the lead's CLI will: our subcommands on a parser."""
    parser = argparse.ArgumentParser(prog="crmkit")
    groups = parser.add_subparsers(dest="group")
    groups.required = True
    add_course_commands(groups)
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    """The demo course, graded once: its folder and what the command printed."""
    import contextlib
    import io

    folder = tmp_path_factory.mktemp("demo") / "course-demo"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = crmkit("course", "demo", "--course", str(COURSE), "--dir", str(folder))
    assert status == 0, printed.getvalue()
    return folder, printed.getvalue()


def score_of(folder: Path, student: str, assignment: str) -> grading.Score:
    return next(s for s in grading.scores(folder) if s.student == student and s.assignment == assignment)


def test_demo_prints_a_score_table(demo):
    _, printed = demo
    assert "学生 student" in printed and "自动分 auto" in printed
    for student in ("demo-correct", "demo-partial", "demo-blank"):
        assert sum(line.startswith(student) for line in printed.splitlines()) == len(ASSIGNMENTS)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebooks_score_full_automatic_points(demo, assignment):
    score = score_of(demo[0], "demo-correct", assignment)
    assert score.auto_max > 0 and score.auto_score == score.auto_max
    assert score.manual_score is None, "the discussion answer waits for the instructor"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_notebooks_score_zero_and_autograde_without_crashing(demo, assignment):
    folder = demo[0]
    score = score_of(folder, "demo-blank", assignment)
    assert score.auto_score == 0 and score.manual_score == 0
    errors = grading.cell_errors(folder, assignment, "demo-blank")
    # every test cell ran and failed on the missing answer, none on the grading machinery
    assert set(errors.values()) <= {"NameError", "NotImplementedError", "AssertionError"}, errors


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_partly_solved_submission_gets_partial_credit(demo, assignment):
    folder = demo[0]
    score = score_of(folder, "demo-partial", assignment)
    assert 0 < score.auto_score < score.auto_max
    # exactly the tasks handed in solved keep their points
    solution = read_notebook(notebook_path(folder, "source", assignment))
    points = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in solution.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }
    cells = grading.cell_scores(folder, assignment, "demo-partial")
    solved = [cell for cell in points if cells[cell] == points[cell]]
    assert solved == list(points)[: len(solved)], "the first half is solved, the rest is not"
    assert all(cells[cell] == 0 for cell in list(points)[len(solved):])


def test_feedback_command_writes_html_for_every_graded_submission(demo, capsys):
    folder = demo[0]
    assert crmkit("course", "feedback", "--course", str(folder), "segmentation") == 0
    pages = sorted(p.parent.parent.name for p in (folder / "feedback").glob("*/segmentation/segmentation.html"))
    assert pages == ["demo-blank", "demo-correct", "demo-partial"]
    assert "14.0 / 17.0" in (folder / "feedback" / "demo-correct" / "segmentation" / "segmentation.html").read_text(encoding="utf-8")


def test_feedback_keeps_hidden_tests_hidden(demo):
    folder = demo[0]
    if not (folder / "feedback" / "demo-blank" / "segmentation").exists():
        assert crmkit("course", "feedback", "--course", str(folder), "segmentation") == 0
    blank = (folder / "feedback" / "demo-blank" / "segmentation" / "segmentation.html").read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in blank and "_expected" not in blank and "student=course.student_id()" not in blank
    assert "NotImplementedError" in blank  # the student still sees why a task scored 0
    assert "公开测试" in blank  # and the public tests they could run


def test_export_command_writes_one_row_per_student_and_assignment(demo, capsys):
    folder = demo[0]
    destination = folder / "grades.csv"
    assert crmkit("course", "export", "--course", str(folder), "--to", str(destination)) == 0
    rows = list(csv.DictReader(destination.open(encoding="utf-8")))
    assert len(rows) == 3 * len(ASSIGNMENTS)
    correct = {r["assignment"]: float(r["raw_score"]) for r in rows if r["student_id"] == "demo-correct"}
    assert correct == {"complaints": 10.0, "loyalty": 13.0, "segmentation": 14.0}
    assert "成绩已导出到 / grades exported to" in capsys.readouterr().out


def test_autograde_command_grades_only_the_named_student(demo, capsys):
    folder = demo[0]
    before = {(s.student, s.assignment): s.auto_score for s in grading.scores(folder)}
    stamp = (folder / "autograded" / "demo-correct" / "loyalty" / "loyalty.ipynb").stat().st_mtime_ns
    assert crmkit("course", "autograde", "--course", str(folder), "--student", "demo-blank", "loyalty") == 0
    printed = capsys.readouterr().out
    assert "demo-blank" in printed and "demo-correct" not in printed
    assert (folder / "autograded" / "demo-correct" / "loyalty" / "loyalty.ipynb").stat().st_mtime_ns == stamp
    assert {(s.student, s.assignment): s.auto_score for s in grading.scores(folder)} == before


def test_unknown_assignment_is_a_usage_error_naming_the_valid_ones(demo):
    with pytest.raises(UsageError, match="segmentation"):
        crmkit("course", "autograde", "--course", str(demo[0]), "segmentaton")


def test_autograde_of_a_missing_student_says_what_to_do(demo):
    with pytest.raises(CrmkitError, match="collect it first"):
        crmkit("course", "autograde", "--course", str(demo[0]), "--student", "nobody")


def test_demo_never_empties_a_folder_it_did_not_make(tmp_path):
    precious = tmp_path / "work"
    precious.mkdir()
    (precious / "thesis.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(CrmkitError, match="pass a new or empty --dir"):
        crmkit("course", "demo", "--course", str(COURSE), "--dir", str(precious))
    assert (precious / "thesis.txt").read_text(encoding="utf-8") == "keep me"


def test_a_folder_that_is_not_a_course_is_refused(tmp_path):
    with pytest.raises(CrmkitError, match="--course"):
        crmkit("course", "generate", "--course", str(tmp_path))
