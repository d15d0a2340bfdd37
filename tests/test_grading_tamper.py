"""Hostile submissions under ``crmkit course autograde`` (parallel, sandboxed): the run carries on.

One class of students is graded once for the module, with tight limits (5 s a cell, 60 s a
submission, 1.5 GiB of memory) so a hostile notebook cannot hold the machine. Each test asserts
that the hostile student gets nothing for the cheated task or is flagged for the instructor,
and that the honest students graded in the same run keep their full marks.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import nbformat
import pytest

from crmkit.grading import sandbox
from crmkit.grading import scores as grades
from crmkit.grading.autograde import autograde
from crmkit.grading.submissions import notebook_path, read_notebook, replace_solution, submit

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "segmentation"
LIMITS = sandbox.Limits(
    cell_timeout=5, wall_seconds=60, cpu_seconds=60, memory_bytes=int(1.5 * 1024**3), processes=64
)
# The first answer cell of segmentation: its test is rfm_tests.
TASK = "rfm"

# Code put in place of the first task's answer.
HOSTILE = {
    "loop": "while True:\n    pass",
    "memory": "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024**2))",
    "fork": "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(600)",
    "exit": "import os\nos._exit(1)",
    "sysexit": "import sys\nsys.exit(0)",
    "kill": "import os, signal\nfor pid in (1, os.getppid(), -1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
    "    except OSError:\n        pass",
    "flood": "for i in range(200000):\n    print('spam ' * 20)",
    "gradebook": "import glob, sqlite3\nfor p in glob.glob('/**/*.db', recursive=True):\n"
    "    try:\n        c = sqlite3.connect(p); c.execute('delete from grade'); c.commit()\n"
    "    except Exception:\n        pass",
    "hidden": "import glob\nleak = [open(p).read() for p in glob.glob('/**/source/**/*.ipynb', recursive=True)]\n"
    "assert leak, 'no hidden tests readable'",
    "excepthook": "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)",
    # a link made at run time would reach the student through the feedback folder
    "runlink": "import os\nos.symlink('/etc/passwd', 'leak.txt')",
    # make the hidden tests pass at run time with wrong numbers, without the names the static scan knows
    "patch": "import numpy\nrfm = visits.groupby('customer_id').agg(recency_days=('visit_id', 'size'),\n"
    "    frequency=('visit_id', 'size'), monetary=('visit_id', 'size'))\n"
    "setattr(numpy, 'all' + 'close', lambda *a, **k: True)",
    "transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
}


def _solution(course: Path):
    return read_notebook(notebook_path(course, "source", ASSIGNMENT))


def _with_task_replaced(course: Path, code: str):
    return replace_solution(_solution(course), f"{TASK}_answer", code)


def _with_test_cell(course: Path, change) -> nbformat.NotebookNode:
    """The solution with the first task's answer removed and ``change`` applied to its locked test cell."""
    notebook = _solution(course)
    test = next(
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == f"{TASK}_tests"
    )
    change(notebook, test)
    return replace_solution(notebook, f"{TASK}_answer", "raise ValueError('no answer')")


def _emptied(notebook, test):
    test.source = "pass  # tests removed"
    test.metadata["nbgrader"]["points"] = 100


def _deleted(notebook, test):
    notebook.cells.remove(test)


def _renamed(notebook, test):
    test.metadata["nbgrader"]["grade_id"] = "my_own_tests"
    test.source = "pass"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, new_course):
    course = new_course(tmp_path_factory.mktemp("tamper") / "course")
    for honest in ("honest-a", "honest-b"):
        submit(course, honest, ASSIGNMENT, _solution(course))
    for name, code in HOSTILE.items():
        submit(course, f"evil-{name}", ASSIGNMENT, _with_task_replaced(course, code))
    submit(course, "evil-locked", ASSIGNMENT, _with_test_cell(course, _emptied))
    submit(course, "evil-deleted", ASSIGNMENT, _with_test_cell(course, _deleted))
    submit(course, "evil-regrade", ASSIGNMENT, _with_test_cell(course, _renamed))
    corrupt = submit(course, "evil-corrupt", ASSIGNMENT, _solution(course))
    (corrupt / f"{ASSIGNMENT}.ipynb").write_text(
        '{"cells": [ {"cell_type": "code", ', encoding="utf-8"
    )
    latin = submit(course, "evil-latin1", ASSIGNMENT, _solution(course))
    path = latin / f"{ASSIGNMENT}.ipynb"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))  # not UTF-8
    renamed = submit(course, "evil-renamed", ASSIGNMENT, _solution(course))
    (renamed / f"{ASSIGNMENT}.ipynb").rename(renamed / "mine.ipynb")
    missing = submit(course, "evil-missing", ASSIGNMENT, _solution(course))
    (missing / f"{ASSIGNMENT}.ipynb").unlink()
    link = submit(course, "evil-symlink", ASSIGNMENT, _solution(course))
    (link / "gradebook.db").symlink_to(course / "gradebook.db")
    report = autograde(course, [ASSIGNMENT], jobs=2, limits=LIMITS)
    return course, report


def _result(report, student):
    return next(r for r in report.results if r.student == student)


def _cells(course, student):
    return grades.cell_scores(course, ASSIGNMENT, student)


def _full(course, student):
    score = next(s for s in grades.scores(course, [ASSIGNMENT]) if s.student == student)
    return score.auto_score == score.auto_max > 0


def test_honest_students_keep_full_marks(graded):
    course, report = graded
    assert _full(course, "honest-a") and _full(course, "honest-b")
    assert _result(report, "honest-a").ok and ("segmentation", "honest-a") not in report.flags


@pytest.mark.parametrize("name", ["loop", "memory", "fork", "exit", "sysexit", "kill", "flood"])
def test_runaway_code_loses_the_task_and_the_run_goes_on(graded, name):
    course, report = graded
    student = f"evil-{name}"
    cells = _cells(course, student) if _result(report, student).ok else {}
    assert not cells.get(f"{TASK}_tests"), (student, _result(report, student))


def test_output_flood_is_cut(graded):
    course, report = graded
    path = course / "autograded" / "evil-flood" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    if _result(report, "evil-flood").ok:
        assert path.stat().st_size < 5 * 1024**2
    else:  # no notebook kept: reported to the instructor instead
        assert _result(report, "evil-flood").detail


def test_writing_the_gradebook_changes_nothing(graded):
    course, _ = graded
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("select count(*) from grade").fetchone()[0] > 0
    assert _full(course, "honest-a") and _full(course, "evil-symlink")


def test_hidden_tests_are_out_of_reach(graded):
    course, _ = graded
    assert not _cells(course, "evil-hidden").get(f"{TASK}_tests")


def test_links_in_a_submission_or_made_by_its_kernel_are_not_kept(graded):
    course, _ = graded
    assert not (course / "autograded" / "evil-symlink" / ASSIGNMENT / "gradebook.db").exists()
    assert (course / "autograded" / "evil-runlink" / ASSIGNMENT).is_dir()
    assert not (course / "autograded" / "evil-runlink" / ASSIGNMENT / "leak.txt").is_symlink()


def test_silencing_errors_is_flagged(graded):
    course, report = graded
    # ipykernel still reports the error, so the task scores nothing too; the scan names the attempt
    assert any("exception" in flag for flag in report.flags[(ASSIGNMENT, "evil-excepthook")])
    assert not _cells(course, "evil-excepthook").get(f"{TASK}_tests")


@pytest.mark.parametrize("name", ["patch", "transformer"])
def test_tests_passed_by_tampering_at_run_time_score_nothing_and_are_flagged(graded, name):
    # these tricks make the hidden tests pass; the canary cell after them sees that checks which
    # must fail pass (or raise nothing), so no automatic point of that notebook is awarded
    course, report = graded
    assert any("tampered" in flag for flag in report.flags[(ASSIGNMENT, f"evil-{name}")])
    assert not any(_cells(course, f"evil-{name}").values())
    assert not any(key[1].startswith("honest") for key in report.flags)


def test_edited_locked_test_cell_is_restored(graded):
    course, _ = graded
    cells = _cells(course, "evil-locked")
    assert cells[f"{TASK}_tests"] == 0
    notebook = nbformat.read(
        course / "autograded" / "evil-locked" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
    )
    test = next(
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == f"{TASK}_tests"
    )
    assert "tests removed" not in test.source and test.metadata["nbgrader"]["points"] < 100


@pytest.mark.parametrize("student", ["evil-deleted", "evil-regrade"])
def test_deleted_or_renamed_test_cell_scores_nothing_and_is_flagged(graded, student):
    course, report = graded
    result = _result(report, student)
    if result.ok:
        assert not _cells(course, student).get(f"{TASK}_tests")
        assert any(f"{TASK}_tests" in flag for flag in report.flags[(ASSIGNMENT, student)])
    else:  # nbgrader refuses the notebook: nothing is scored, the instructor is told why
        assert "metadata" in result.detail, result.detail
        assert student not in {s.student for s in grades.scores(course, [ASSIGNMENT])}


@pytest.mark.parametrize("student", ["evil-corrupt", "evil-latin1", "evil-renamed", "evil-missing"])
def test_broken_submissions_are_reported_not_fatal(graded, student):
    _, report = graded
    result = _result(report, student)
    assert not result.ok and result.detail
