"""Plausible wrong answers lose points on their own task, and only there, under ``crmkit course
autograde``.

Each file in ``exercises/answers/wrong/<assignment>/`` is one wrong answer to one task (see
``tests/answer_fixtures.py``); the submission is otherwise the solution. The task's test cell must
score below its points: its checks caught the mistake (a failed check, or a failed requirement
raising ``AssertionError``), never a crash; where the answer names the check that should catch
it (``#| expect:``), that check's message is shown. Every other task keeps its full points,
also those that build on the wrong answer: they are graded on the student's own earlier result.

A junk answer (``<task>__junk_<how>``: empty, constant or everyone in one group, no analysis at all)
must score 0 on its task: no check may pass on an answer that solves nothing.

To keep the run short, one submission carries several wrong answers, at most one per task and
never two neighbouring tasks, so the task after a wrong one is always checked. It all runs under
the published term and under a drawn one (the answers are rendered for the term).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from answer_fixtures import (
    ASSIGNMENTS,
    COURSE,
    Answer,
    outputs_text,
    plan_rounds,
    right_answers,
    tasks,
    term_context,
    wrong_answers,
)
from graded_cells import cell_errors

from crmkit.grading import scores as grades
from crmkit.grading.run.autograde import autograde
from crmkit.grading.submissions import notebook_path, read_notebook, submit

pytestmark = pytest.mark.slow

ALL_WRONG = [w for a in ASSIGNMENTS for w in wrong_answers(a)]


@dataclass
class Round:
    student: str
    wrong: list[Answer]
    scores: dict[str, float | None]
    errors: dict[str, str]
    ok: bool


@pytest.fixture(scope="module", params=["published", "drawn"])
def graded(request, tmp_path_factory) -> tuple[Path, dict[str, list[Round]]]:
    """Every round of wrong answers, submitted and autograded once per term: the published one
    and a drawn one."""
    copy = request.getfixturevalue(
        "new_course" if request.param == "published" else "new_drawn_course"
    )
    course = copy(tmp_path_factory.mktemp("course") / "course")
    planned: dict[str, list[tuple[str, list[Answer]]]] = {}
    for assignment in ASSIGNMENTS:
        solution = read_notebook(notebook_path(course, "source", assignment))
        term = term_context(course, assignment)
        rounds = plan_rounds(assignment, wrong_answers(assignment), alternate=True)
        for number, group in enumerate(rounds):
            student = f"wrong-{assignment}-{number}"
            notebook, widget_answers = solution, {}
            for wrong in group:
                notebook = wrong.hand_in(notebook, widget_answers, student, term)
            submit(course, student, assignment, notebook, widget_answers or None)
            planned.setdefault(assignment, []).append((student, group))
    results = {(r.assignment, r.student): r.ok for r in autograde(course, ASSIGNMENTS).results}
    return course, {
        assignment: [
            Round(
                student,
                group,
                grades.cell_scores(course, assignment, student),
                cell_errors(course, assignment, student),
                results[(assignment, student)],
            )
            for student, group in rounds
        ]
        for assignment, rounds in planned.items()
    }


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_has_two_wrong_answers_and_two_right_ones(assignment):
    for name, answers in (
        ("wrong", wrong_answers(assignment)),
        ("right", right_answers(assignment)),
    ):
        counts = {task: sum(a.task == task for a in answers) for task in tasks(assignment)}
        assert all(n >= 2 for n in counts.values()), (name, counts)
        assert {a.task for a in answers} <= set(counts), f"{name} answers to unknown tasks"


@pytest.mark.parametrize("wrong", ALL_WRONG, ids=lambda w: w.name)
def test_a_wrong_answer_loses_points_on_its_task(graded, wrong):
    course, rounds = graded
    graded_round = next(r for r in rounds[wrong.assignment] if wrong in r.wrong)
    cell = f"{wrong.task}_tests"
    assert graded_round.ok, "autograde crashed"
    points = tasks(wrong.assignment)[wrong.task]
    assert graded_round.scores[cell] < points, (
        f"{wrong.name} kept {graded_round.scores[cell]} points"
    )
    assert graded_round.errors.get(cell) in (None, "AssertionError"), (
        f"{cell} failed with {graded_round.errors.get(cell)}, not its checks"
    )
    if wrong.how.startswith("junk"):
        assert graded_round.scores[cell] == 0, (
            f"{wrong.name} is junk but kept {graded_round.scores[cell]} points"
        )
    shown = outputs_text(course, wrong.assignment, graded_round.student, cell)
    if wrong.expect:
        assert wrong.expect in shown, f"{wrong.name}: no failed check saying {wrong.expect!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_other_task_keeps_its_full_points(graded, assignment):
    _, rounds = graded
    points = tasks(assignment)
    for graded_round in rounds[assignment]:
        wrong_tasks = {w.task for w in graded_round.wrong}
        for task in set(points) - wrong_tasks:
            assert graded_round.scores[f"{task}_tests"] == points[task], (
                graded_round.student,
                [w.name for w in graded_round.wrong],
                task,
            )


def test_the_answer_fixtures_are_in_the_course():
    """A fixture for a task that no longer exists would silently test nothing."""
    for assignment in ASSIGNMENTS:
        known = set(tasks(assignment))
        for answer in wrong_answers(assignment) + right_answers(assignment):
            assert answer.task in known, answer.name
    assert (COURSE / "source").is_dir()
