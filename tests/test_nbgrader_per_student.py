"""Per-student data under real ``nbgrader autograde``: each student is graded on their own data.

``alice`` and ``bob`` hand in the solution and both get full marks on different data.
``copycat`` hands in alice's results: the solution run on alice's data (a cell that switches
the id to ``alice``) plus a ``student_id.txt`` saying ``alice``. Grading uses the submission's
folder name, so every task scores 0: the data tasks are graded on copycat's data, and the widget
tasks on the tickets, customers and stories drawn for copycat (alice's have other ids).
``mallory`` only edits ``student_id.txt``: the notebook still loads mallory's own data while
grading.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from graded_cells import cell_errors

from crmkit.datasets import load
from crmkit.grading import scores as grades
from crmkit.grading.run.autograde import autograde
from crmkit.grading.submissions import insert_cell_after, notebook_path, read_notebook, submit

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
ASSIGNMENTS = ["complaints", "loyalty", "segmentation"]
# Functions that draw a student's own widget items (tickets, customers, stories).
DRAWS = ("tickets_for(", "shop_customers_for(", "shopper_stories_for(")


def load_cell_source(notebook: nbformat.NotebookNode) -> str:
    return next(
        c.source
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "load_data"
    )


def copied_from(notebook: nbformat.NotebookNode, classmate: str) -> nbformat.NotebookNode:
    """The solution with a cell that reloads every table as ``classmate``'s, right after loading."""
    lines = load_cell_source(notebook).split("\n")
    lines[0] = f'student = "{classmate}"  # 抄同学的结果 / copying a classmate\'s results'
    return insert_cell_after(notebook, "load_data", "\n".join(lines))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, new_course) -> Path:
    course = new_course(tmp_path_factory.mktemp("course") / "course")
    for assignment in ASSIGNMENTS:
        solution = read_notebook(notebook_path(course, "source", assignment))
        submit(course, "alice", assignment, solution, extra_files={"student_id.txt": "alice\n"})
        submit(course, "bob", assignment, solution, extra_files={"student_id.txt": "bob\n"})
        submit(
            course,
            "copycat",
            assignment,
            copied_from(solution, "alice"),
            extra_files={"student_id.txt": "alice\n"},
        )
    submit(
        course,
        "mallory",
        "segmentation",
        read_notebook(notebook_path(course, "source", "segmentation")),
        extra_files={"student_id.txt": "alice\n"},
    )
    assert all(r.ok for r in autograde(course, ASSIGNMENTS).results)
    return course


def test_two_students_get_different_data():
    for case, table in [
        ("car_detailing", "visits"),
        ("futures_broker", "trades"),
        ("online_shop", "orders"),
        ("futures_broker", "complaints"),
        ("retail_chain", "visits"),
    ]:
        a, b = load(case, table, student="alice"), load(case, table, student="bob")
        assert list(a.columns) == list(b.columns)
        assert not a.reset_index(drop=True).equals(b.reset_index(drop=True)), (case, table)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("student", ["alice", "bob"])
def test_each_student_is_graded_right_on_their_own_data(graded, assignment, student):
    score = next(s for s in grades.scores(graded, [assignment]) if s.student == student)
    assert score.auto_score == score.auto_max > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_copying_a_classmates_answers_fails(graded, assignment):
    """Every task loses points. A check may still pass where the classmate's answer happens to be
    right for copycat's data too (the vital few are often the same two causes) or is not about
    the data (a chart's title), so a little is kept, never more than a tenth or so."""
    cells = grades.cell_scores(graded, assignment, "copycat")
    tasks = {cell: points for cell, points in cells.items() if cell.endswith("_tests")}
    full = {c: p for c, p in grades.cell_scores(graded, assignment, "alice").items() if c in tasks}
    assert all(tasks[cell] < full[cell] for cell in tasks), tasks
    kept = sum(tasks.values())
    assert kept <= 0.12 * sum(full.values()), (
        f"copied answers still scored {kept} ({tasks}); if the ids' data coincide, pick other ids"
    )
    # each failed on its checks (a score of 0) or a requirement (AssertionError), never a crash
    errors = cell_errors(graded, assignment, "copycat")
    assert all(errors.get(cell) in (None, "AssertionError") for cell in tasks), errors


def test_a_saved_id_file_cannot_switch_the_data_while_grading(graded):
    # mallory's student_id.txt says "alice",
    # but the notebook loads mallory's data and is right for it
    score = next(s for s in grades.scores(graded, ["segmentation"]) if s.student == "mallory")
    assert score.auto_score == score.auto_max
    notebook = nbformat.read(
        graded / "autograded" / "mallory" / "segmentation" / "segmentation.ipynb", as_version=4
    )
    printed = "".join(
        o.get("text", "")
        for c in notebook.cells
        for o in c.get("outputs", [])
        if c.metadata.get("nbgrader", {}).get("grade_id") == "load_data"
    )
    assert "student id: mallory" in printed
    ours = load("car_detailing", "visits", student="mallory")
    assert f"{len(ours):,} visits" in printed


def test_hidden_tests_recompute_answers_from_fresh_data_not_from_literals():
    # Every hidden test block reloads its data (or draws the widget items) for the graded student
    for assignment in ASSIGNMENTS:
        notebook = read_notebook(notebook_path(COURSE, "source", assignment))
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not (meta.get("grade") and cell.cell_type == "code"):
                continue
            hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1]
            assert "course.student_id()" in hidden, meta["grade_id"]
            assert "load(" in hidden or any(draw in hidden for draw in DRAWS), meta["grade_id"]
