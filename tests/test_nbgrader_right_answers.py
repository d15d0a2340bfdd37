"""Different correct answers earn full marks, under ``crmkit course autograde``.

Each file in ``exercises/answers/right/<assignment>/`` is one correct answer to one task,
written another way than the solution (``groupby`` or ``pivot_table``, a loop or vectorised,
``nunique`` or ``drop_duplicates``, the other defensible reading where the task admits two);
widget tasks are answered in code (``widget.set``) and with the saved drop-downs or slider,
computed for the graded student from the answer keys in ``tests/answer_fixtures.py``. Every
submission carries one right answer per task (the solution where a task has no more), and every
task of it must earn its full points.
"""

from __future__ import annotations

import pytest
from answer_fixtures import ASSIGNMENTS, Answer, plan_rounds, right_answers, tasks, term_context

from crmkit.grading import scores as grades
from crmkit.grading.run.autograde import autograde
from crmkit.grading.submissions import notebook_path, read_notebook, submit

pytestmark = pytest.mark.slow

ALL_RIGHT = [r for a in ASSIGNMENTS for r in right_answers(a)]


@pytest.fixture(scope="module", params=["published", "drawn"])
def graded(request, tmp_path_factory) -> dict[str, list[tuple[str, list[Answer], dict]]]:
    """Every round of right answers, autograded once per term: the published one and a drawn one."""
    copy = request.getfixturevalue(
        "new_course" if request.param == "published" else "new_drawn_course"
    )
    course = copy(tmp_path_factory.mktemp("course") / "course")
    planned = {}
    for assignment in ASSIGNMENTS:
        solution = read_notebook(notebook_path(course, "source", assignment))
        term = term_context(course, assignment)
        for number, group in enumerate(plan_rounds(assignment, right_answers(assignment), False)):
            student = f"right-{assignment}-{number}"
            notebook, widget_answers = solution, {}
            for right in group:
                notebook = right.hand_in(notebook, widget_answers, student, term)
            submit(course, student, assignment, notebook, widget_answers or None)
            planned.setdefault(assignment, []).append((student, group))
    assert all(r.ok for r in autograde(course, ASSIGNMENTS).results)
    return {
        assignment: [
            (student, group, grades.cell_scores(course, assignment, student))
            for student, group in rounds
        ]
        for assignment, rounds in planned.items()
    }


@pytest.mark.parametrize("right", ALL_RIGHT, ids=lambda r: r.name)
def test_a_right_answer_earns_the_task_full_points(graded, right):
    student, _, scores = next(r for r in graded[right.assignment] if right in r[1])
    points = tasks(right.assignment)[right.task]
    assert scores[f"{right.task}_tests"] == points, (student, right.name, scores)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_submissions_of_right_answers_score_full_marks(graded, assignment):
    points = tasks(assignment)
    for student, group, scores in graded[assignment]:
        assert {t: scores[f"{t}_tests"] for t in points} == points, (
            student,
            [r.name for r in group],
        )
