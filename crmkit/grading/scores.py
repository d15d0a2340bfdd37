"""Scores from the gradebook: per submission, per graded cell, and how each test cell failed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .course_folder import in_course_folder
from .gradebook import open_gradebook

# The one mark for a written answer nobody has graded yet (CLI, report, CSV, feedback).
PENDING = "待评"
PENDING_NOTE = (
    f"{PENDING} = 书面回答待人工评分（formgrader），总分暂不含它；0 = 留空未答 / "
    f"{PENDING} = pending: the written answer is not graded by hand yet (formgrader) and the total "
    "leaves it out; 0 = left blank"
)


# A partial-credit test prints its score to 4 decimals (crmkit.course.checks), which nbgrader
# keeps in the gradebook; files an LMS imports carry that much. People read at most two.
GRADEBOOK_DECIMALS = 4
SHOWN_DECIMALS = 2


def points_text(value: float, decimals: int = SHOWN_DECIMALS) -> str:
    """Points as a person reads them: ``12``, ``12.5``, ``14.81`` (``decimals`` at most, no
    trailing zeros); ``decimals=GRADEBOOK_DECIMALS`` for a file an LMS imports."""
    text = f"{round(float(value), decimals):.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True)
class Score:
    """A submission's points: automatic score and maximum, and points still to grade by hand."""

    student: str
    assignment: str
    auto_score: float
    auto_max: float
    manual_score: float | None
    manual_max: float


def scores(course: Path, assignments: Iterable[str] | None = None) -> list[Score]:
    """The score of every autograded submission in the gradebook, by student then assignment."""
    wanted = None if assignments is None else set(assignments)
    rows = []
    with in_course_folder(course), open_gradebook(course) as gradebook:
        for assignment in gradebook.assignments:
            if wanted is not None and assignment.name not in wanted:
                continue
            for submission in assignment.submissions:
                auto = auto_max = manual_max = 0.0
                manual: float | None = 0.0
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.cell.cell_type == "markdown" or grade.auto_score is None:
                            manual_max += grade.max_score
                            # nbgrader itself gives 0 to an answer left as the stub
                            given = (
                                grade.manual_score
                                if grade.manual_score is not None
                                else grade.auto_score
                            )
                            if given is None:
                                manual = None
                            elif manual is not None:
                                manual += given
                        else:
                            auto_max += grade.max_score
                            auto += grade.auto_score
                rows.append(
                    Score(
                        submission.student.id, assignment.name, auto, auto_max, manual, manual_max
                    )
                )
    return sorted(rows, key=lambda r: (r.student, r.assignment))


def cell_scores(course: Path, assignment: str, student: str) -> dict[str, float | None]:
    """Points of each graded cell (by nbgrader grade id) in one submission;
    None = not graded yet."""
    with in_course_folder(course), open_gradebook(course) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return {
            grade.name: grade.score
            if grade.auto_score is not None or grade.manual_score is not None
            else None
            for notebook in submission.notebooks
            for grade in notebook.grades
        }
