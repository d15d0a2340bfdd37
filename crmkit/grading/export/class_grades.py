"""The gradebook as plain data for exports: each assignment's tasks, the students, and each
hand-in's points per task.

A task is one graded cell (an autograded test cell or a written answer graded by hand), named by
its nbgrader grade id. Its points are nbgrader's own score for the cell: the points given by hand
when there are any, else the automatic points. ``None`` means a written answer nobody has graded
yet (shown as ``待评`` in the kit): it is not a score, so a total that needs it is not known yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..course_folder import in_course_folder
from ..gradebook import open_gradebook


@dataclass(frozen=True)
class Task:
    """One graded cell of an assignment: its grade id and the points it is worth."""

    grade_id: str
    max_points: float


@dataclass(frozen=True)
class AssignmentTasks:
    """An assignment and its tasks, in the order they appear in the notebooks."""

    name: str
    tasks: tuple[Task, ...]

    @property
    def max_points(self) -> float:
        return sum(task.max_points for task in self.tasks)


@dataclass(frozen=True)
class HandIn:
    """One student's submission of one assignment: points per task (None = still to grade by
    hand) and nbgrader's late-submission penalty (0 unless the course configures one)."""

    student: str
    assignment: str
    points: Mapping[str, float | None]
    penalty: float = 0.0

    @property
    def pending(self) -> bool:
        """Whether a written answer in it is still to grade by hand."""
        return any(value is None for value in self.points.values())

    def total(self) -> float | None:
        """The assignment's points after the late penalty; None while an answer is pending."""
        if self.pending:
            return None
        return max(0.0, sum(v for v in self.points.values() if v is not None) - self.penalty)


@dataclass(frozen=True)
class ClassGrades:
    """Everything an export needs from the gradebook."""

    assignments: tuple[AssignmentTasks, ...]
    students: tuple[str, ...]  # the gradebook's students, sorted
    names: Mapping[str, str]  # student id -> "First Last" as the gradebook has it ("" if none)
    hand_ins: tuple[HandIn, ...]

    def hand_in(self, student: str, assignment: str) -> HandIn | None:
        """The submission of ``assignment`` by ``student``, or None when there is none."""
        return self._by_key.get((student, assignment))

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], HandIn]:
        return {(h.student, h.assignment): h for h in self.hand_ins}


def _cell_order(course: Path, assignment: str) -> dict[str, int]:
    """Position of each graded cell in the assignment's source notebooks (empty if none)."""
    from ..submissions import graded_cell_ids, read_notebook

    ids = [
        grade_id
        for path in sorted((course / "source" / assignment).glob("*.ipynb"))
        for grade_id in graded_cell_ids(read_notebook(path))
    ]
    return {grade_id: number for number, grade_id in enumerate(ids)}


def read_class_grades(course: Path, assignments: Iterable[str] | None = None) -> ClassGrades:
    """Read ``course``'s gradebook: the chosen assignments (all by default, by name), their tasks
    in notebook order, every student and every submission's points per task."""
    wanted = None if assignments is None else set(assignments)
    plans, hand_ins = [], []
    with in_course_folder(course), open_gradebook(course) as gradebook:
        students = tuple(sorted(student.id for student in gradebook.students))
        names = {
            student.id: " ".join(n for n in (student.first_name, student.last_name) if n)
            for student in gradebook.students
        }
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            if wanted is not None and assignment.name not in wanted:
                continue
            order = _cell_order(course, assignment.name)
            cells = [
                (order.get(cell.name, len(order)), notebook.name, cell.name, float(cell.max_score))
                for notebook in assignment.notebooks
                for cell in notebook.grade_cells
            ]
            plans.append(
                AssignmentTasks(
                    assignment.name, tuple(Task(name, points) for *_, name, points in sorted(cells))
                )
            )
            for submission in assignment.submissions:
                points = {
                    grade.name: (
                        float(grade.score)
                        if grade.auto_score is not None or grade.manual_score is not None
                        else None
                    )
                    for notebook in submission.notebooks
                    for grade in notebook.grades
                }
                hand_ins.append(
                    HandIn(
                        submission.student.id,
                        assignment.name,
                        points,
                        float(submission.late_submission_penalty or 0.0),
                    )
                )
    hand_ins.sort(key=lambda h: (h.student, h.assignment))
    return ClassGrades(tuple(plans), students, names, tuple(hand_ins))
