"""A class autograde killed midway and started again loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from crmkit.grading import scores as grades
from crmkit.grading.run import resume
from crmkit.grading.run.autograde import SCRATCH_PREFIX
from crmkit.grading.sandbox import bubblewrap as sandbox
from crmkit.grading.sandbox import kernel_factory
from crmkit.grading.submissions import notebook_path, read_notebook, submit

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "complaints"
STUDENTS = [f"s{n:02d}" for n in range(1, 9)]


def _markers(course: Path) -> dict[str, float]:
    return {
        p.parts[-3]: p.stat().st_mtime
        for p in (course / "autograded").glob(f"*/{ASSIGNMENT}/{resume.GRADED_MARKER}")
    }


def _autograde(course: Path, *options: str) -> subprocess.Popen:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crmkit",
            "course",
            "autograde",
            "--course",
            str(course),
            "--jobs",
            "2",
            *options,
            ASSIGNMENT,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )


@pytest.fixture()
def course(tmp_path, new_course):
    course = new_course(tmp_path / "course")
    solution = read_notebook(notebook_path(course, "source", ASSIGNMENT))
    blank = read_notebook(notebook_path(course, "release", ASSIGNMENT))
    for number, student in enumerate(STUDENTS):
        submit(course, student, ASSIGNMENT, solution if number % 2 == 0 else blank)
    return course


def test_a_killed_run_resumes_without_losing_or_duplicating(course):
    run = _autograde(course)
    deadline = time.monotonic() + 180
    while len(_markers(course)) < 2 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the instructor's laptop dies mid-run
    run.wait()
    saved = _markers(course)
    assert 2 <= len(saved) < len(STUDENTS), "the run should have been killed midway"

    # nothing of the killed run keeps running, and its scratch copies go at the next start
    if os.geteuid() == 0:
        slots = [sandbox.FIRST_UID[role] + slot for role in sandbox.FIRST_UID for slot in range(2)]
        deadline = time.monotonic() + 30
        while (
            any(kernel_factory.processes_of(uid) for uid in slots) and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert not any(kernel_factory.processes_of(uid) for uid in slots)

    again = _autograde(course)
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    assert f"{len(saved)} 份提交已评过且未改动" in out
    assert not list(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{run.pid}-*"))

    # earlier grades kept as they were, the rest graded, each exactly once
    after = _markers(course)
    assert set(after) == set(STUDENTS)
    assert all(after[s] == saved[s] for s in saved)
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("select count(*) from submitted_assignment").fetchone()[0] == len(
            STUDENTS
        )
        assert (
            db.execute(
                "select count(*) from grade group by notebook_id, cell_id having count(*) > 1"
            ).fetchall()
            == []
        )
    scores = {s.student: s.auto_score for s in grades.scores(course, [ASSIGNMENT])}
    full = next(s.auto_max for s in grades.scores(course, [ASSIGNMENT]))
    assert scores == {s: (full if n % 2 == 0 else 0) for n, s in enumerate(STUDENTS)}


def test_a_changed_submission_is_graded_again(course):
    first = _autograde(course)
    assert first.wait(timeout=600) == 0, first.stdout.read()
    before = _markers(course)
    blank_student = STUDENTS[1]
    submit(
        course,
        blank_student,
        ASSIGNMENT,
        read_notebook(notebook_path(course, "source", ASSIGNMENT)),
    )
    second = _autograde(course)
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    after = _markers(course)
    assert [s for s in STUDENTS if after[s] != before[s]] == [blank_student]
    score = next(s for s in grades.scores(course, [ASSIGNMENT]) if s.student == blank_student)
    assert score.auto_score == score.auto_max > 0
