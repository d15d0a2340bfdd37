"""Plausible wrong answers lose the task's points, under real ``nbgrader autograde``.

Each file in ``tests/fixtures/wrong_answers/<assignment>/`` is one wrong answer to one task:
``<task>__<why>.py`` replaces the task's ``### BEGIN SOLUTION`` region in the solution notebook;
``<task>__<why>.json`` is a ``widget_answers.json`` for a widget task. The submission is
otherwise correct, so the task's test cell (``<task>_tests``) must score 0, with an
AssertionError: the tests caught the mistake, not a crash.

To keep the run short, one submission carries several wrong answers, at most one per *chain*
(tasks whose answers build on each other, e.g. RFM table -> scores -> champions). Tasks in chains
left correct in that submission must keep their full points.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from crmkit.grading import scores as grades
from crmkit.grading.autograde import autograde
from crmkit.grading.submissions import notebook_path, read_notebook, replace_solution, submit

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
FIXTURES = Path(__file__).parent / "fixtures" / "wrong_answers"

# Tasks whose answer cells use an earlier task's variables share a chain.
CHAINS = {
    "segmentation": [
        ["rfm", "scores", "champions"],
        ["core"],
        ["cutoff"],
        ["tiers", "tier_sales"],
        ["tier_service"],
    ],
    "complaints": [["response"], ["resolution"], ["pareto"], ["tickets"], ["satisfaction"]],
    "loyalty": [["repeat"], ["retention"], ["nps"], ["wallet"], ["clv"], ["funnel"], ["measures"]],
}


@dataclass(frozen=True)
class WrongAnswer:
    assignment: str
    task: str
    path: Path

    @property
    def name(self) -> str:
        return f"{self.assignment}/{self.path.stem}"


def wrong_answers(assignment: str) -> list[WrongAnswer]:
    folder = FIXTURES / assignment
    return [
        WrongAnswer(assignment, p.stem.split("__")[0], p) for p in sorted(folder.glob("*__*.*"))
    ]


ALL_WRONG = [w for a in CHAINS for w in wrong_answers(a)]


def plan_rounds(assignment: str) -> list[list[WrongAnswer]]:
    """Groups of wrong answers graded together: one per chain, and while three or more chains
    have some left, only every other one of them, so each round leaves chains to check."""
    chains = CHAINS[assignment]
    queues = [
        [w for task in chain for w in wrong_answers(assignment) if w.task == task]
        for chain in chains
    ]
    rounds, turn = [], 0
    while any(queues):
        waiting = [i for i, q in enumerate(queues) if q]
        chosen = waiting[turn % 2 :: 2] if len(waiting) >= 3 else waiting
        rounds.append([queues[i].pop(0) for i in chosen])
        turn += 1
    return rounds


@dataclass
class Round:
    student: str
    wrong: list[WrongAnswer]
    scores: dict[str, float | None]
    errors: dict[str, str]
    ok: bool


@pytest.fixture(scope="module")
def graded_rounds(tmp_path_factory, new_course) -> dict[str, list[Round]]:
    """Every round of wrong answers, submitted and autograded once for the module."""
    course = new_course(tmp_path_factory.mktemp("course") / "course")
    assignments = list(CHAINS)
    planned: dict[str, list[tuple[str, list[WrongAnswer]]]] = {}
    for assignment in assignments:
        solution = read_notebook(notebook_path(course, "source", assignment))
        for number, group in enumerate(plan_rounds(assignment)):
            student = f"wrong-{assignment}-{number}"
            notebook, widget_answers = solution, {}
            for wrong in group:
                if wrong.path.suffix == ".py":
                    notebook = replace_solution(
                        notebook, f"{wrong.task}_answer", wrong.path.read_text(encoding="utf-8")
                    )
                else:
                    widget_answers.update(
                        json.loads(wrong.path.read_text(encoding="utf-8"))["answers"]
                    )
            submit(course, student, assignment, notebook, widget_answers or None)
            planned.setdefault(assignment, []).append((student, group))
    results = {(r.assignment, r.student): r.ok for r in autograde(course, assignments).results}
    return {
        assignment: [
            Round(
                student,
                group,
                grades.cell_scores(course, assignment, student),
                grades.cell_errors(course, assignment, student),
                results[(assignment, student)],
            )
            for student, group in rounds
        ]
        for assignment, rounds in planned.items()
    }


def max_points(assignment: str) -> dict[str, float]:
    notebook = read_notebook(notebook_path(COURSE, "source", assignment))
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.metadata["nbgrader"]["points"]
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
    }


@pytest.mark.parametrize("assignment", list(CHAINS))
def test_every_autograded_task_has_two_wrong_answers(assignment):
    tasks = {cell.removesuffix("_tests") for cell in max_points(assignment)}
    chained = {task for chain in CHAINS[assignment] for task in chain}
    assert tasks == chained, "CHAINS must list every autograded task"
    counts = {task: sum(w.task == task for w in wrong_answers(assignment)) for task in tasks}
    assert all(n >= 2 for n in counts.values()), counts


@pytest.mark.parametrize("wrong", ALL_WRONG, ids=lambda w: w.name)
def test_wrong_answer_loses_the_task_points(graded_rounds, wrong):
    graded = next(r for r in graded_rounds[wrong.assignment] if wrong in r.wrong)
    cell = f"{wrong.task}_tests"
    assert graded.ok, "autograde crashed"
    assert graded.scores[cell] == 0, f"{wrong.name} kept {graded.scores[cell]} points"
    assert graded.errors.get(cell) == "AssertionError", (
        f"{cell} failed with {graded.errors.get(cell)}, not an assertion"
    )


@pytest.mark.parametrize("assignment", list(CHAINS))
def test_tasks_outside_the_wrong_chains_keep_full_points(graded_rounds, assignment):
    points = max_points(assignment)
    for graded in graded_rounds[assignment]:
        touched = {w.task for w in graded.wrong}
        untouched = [chain for chain in CHAINS[assignment] if not touched & set(chain)]
        for task in (t for chain in untouched for t in chain):
            assert graded.scores[f"{task}_tests"] == points[f"{task}_tests"], (graded.student, task)
