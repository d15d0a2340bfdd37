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

from crmkit.course import grading, parallel, sandbox
from crmkit.course.demo import prepare_demo_course
from crmkit.course.submissions import notebook_path, read_notebook, replace_solution, submit

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "segmentation"
LIMITS = sandbox.Limits(cell_timeout=5, wall_seconds=60, cpu_seconds=60, memory_bytes=int(1.5 * 1024**3), processes=64)
# The first answer cell of segmentation: its test is rfm_tests.
TASK = "rfm"

HOSTILE = {
    "loop": "while True:\n    pass",
    "memory": "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024**2))",
    "exit": "import os\nos._exit(1)",
    "flood": "for i in range(200000):\n    print('spam ' * 20)",
    "gradebook": "import sqlite3, glob\nfor p in glob.glob('../../../*.db') + glob.glob('../../../../*/gradebook.db'):\n"
                 "    c = sqlite3.connect(p); c.execute('delete from grade'); c.commit()",
    "hidden": "import glob\nleak = [open(p).read() for p in glob.glob('../../../source/**/*.ipynb', recursive=True)]\n"
              "assert leak, 'no hidden tests readable'",
    "excepthook": "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)",
}


def _solution(course: Path):
    return read_notebook(notebook_path(course, "source", ASSIGNMENT))


def _with_task_replaced(course: Path, code: str):
    return replace_solution(_solution(course), f"{TASK}_answer", code)


def _edited_test_cell(course: Path):
    notebook = _solution(course)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == f"{TASK}_tests":
            cell.source = "pass  # tests removed"
            meta["points"] = 100
    return replace_solution(notebook, f"{TASK}_answer", "raise ValueError('no answer')")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = prepare_demo_course(REPO / "exercises", tmp_path_factory.mktemp("tamper") / "course")
    assert all(r.ok for r in grading.generate(course, [ASSIGNMENT]))
    for honest in ("honest-a", "honest-b"):
        submit(course, honest, ASSIGNMENT, _solution(course))
    for name, code in HOSTILE.items():
        submit(course, f"evil-{name}", ASSIGNMENT, _with_task_replaced(course, code))
    submit(course, "evil-locked", ASSIGNMENT, _edited_test_cell(course))
    corrupt = submit(course, "evil-corrupt", ASSIGNMENT, _solution(course))
    (corrupt / f"{ASSIGNMENT}.ipynb").write_bytes(b'{"cells": [ \xff\xfe not json')
    renamed = submit(course, "evil-renamed", ASSIGNMENT, _solution(course))
    (renamed / f"{ASSIGNMENT}.ipynb").rename(renamed / "mine.ipynb")
    report = parallel.autograde(course, [ASSIGNMENT], jobs=2, limits=LIMITS)
    return course, report


def _result(report, student):
    return next(r for r in report.results if r.student == student)


def _cells(course, student):
    return grading.cell_scores(course, ASSIGNMENT, student)


def _full(course, student):
    score = next(s for s in grading.scores(course, [ASSIGNMENT]) if s.student == student)
    return score.auto_score == score.auto_max > 0


def test_honest_students_keep_full_marks(graded):
    course, report = graded
    assert _full(course, "honest-a") and _full(course, "honest-b")
    assert _result(report, "honest-a").ok and ("segmentation", "honest-a") not in report.flags


@pytest.mark.parametrize("name", ["loop", "memory", "exit", "flood"])
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
    assert _full(course, "honest-a")


def test_hidden_tests_are_out_of_reach(graded):
    # the scratch copy has no source notebooks, and the gradebook holding the tests is private
    course, _ = graded
    assert not _cells(course, "evil-hidden").get(f"{TASK}_tests")


def test_silencing_errors_is_flagged(graded):
    course, report = graded
    assert any("exception" in flag for flag in report.flags[(ASSIGNMENT, "evil-excepthook")])


def test_edited_locked_test_cell_is_restored(graded):
    course, _ = graded
    cells = _cells(course, "evil-locked")
    assert cells[f"{TASK}_tests"] == 0
    notebook = nbformat.read(course / "autograded" / "evil-locked" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    test = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{TASK}_tests")
    assert "tests removed" not in test.source and test.metadata["nbgrader"]["points"] < 100


@pytest.mark.parametrize("student", ["evil-corrupt", "evil-renamed"])
def test_broken_submissions_are_reported_not_fatal(graded, student):
    _, report = graded
    result = _result(report, student)
    assert not result.ok and result.detail


def test_kernel_limits_stop_a_fork_bomb(tmp_path):
    """The sandbox's RLIMIT_NPROC bounds a fork bomb (needs a kernel user id of its own)."""
    if not sandbox.can_drop_privileges():
        pytest.skip("kernels run as root here (Python not readable by other users): RLIMIT_NPROC does not bind root")
    import subprocess
    import sys

    uid = parallel.FIRST_SLOT_UID + 99
    bomb = ("import os, json, resource, sys\n"
            f"os.setgid({uid}); os.setuid({uid})\n"
            "resource.setrlimit(resource.RLIMIT_NPROC, (20, 20))\n"
            "n = 0\n"
            "try:\n    while True:\n        if os.fork() == 0:\n            import time; time.sleep(30); os._exit(0)\n        n += 1\n"
            "except OSError:\n    print(n)\n")
    try:
        out = subprocess.run([sys.executable, "-c", bomb], capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() and int(out.stdout) < 20
    finally:
        sandbox.kill_uid(uid)
    assert not sandbox.processes_of(uid)
