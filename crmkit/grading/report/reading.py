"""Reading the course for the report: the gradebook, the autograded notebooks and ``submitted/``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...errors import CrmkitError
from ..course_folder import in_course_folder, submitted_students
from ..gradebook import gradebook_url, open_gradebook
from ..scores import scores as gradebook_scores
from .analysis import notebook_failures
from .model import NOTHING_GRADED, CellGrade, ClassData, Failure


def _gradebook_exists(course: Path, url: str) -> bool:
    """False for an SQLite gradebook whose file is not there yet (opening it would create it)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return True
    path = Path(parsed.database)
    return (path if path.is_absolute() else course / path).is_file()


def _gradebook_cells(course: Path, assignments: set[str]) -> tuple[list[str], list[CellGrade]]:
    """The gradebook's students and every graded cell of every submission of ``assignments``."""
    cells = []
    with in_course_folder(course), open_gradebook(course) as gradebook:
        roster = [student.id for student in gradebook.students]
        for assignment in gradebook.assignments:
            if assignment.name not in assignments:
                continue
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        given = grade.auto_score is not None or grade.manual_score is not None
                        cells.append(
                            CellGrade(
                                submission.student.id,
                                assignment.name,
                                notebook.name,
                                grade.name,
                                float(grade.score) if given else None,
                                float(grade.max_score),
                                grade.cell.cell_type == "code",
                            )
                        )
    return roster, cells


def _autograded_failures(course: Path, assignment: str, student: str) -> dict[str, Failure]:
    import nbformat

    failures = {}
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - a damaged notebook is reported by the tamper flags
            continue
        failures.update(notebook_failures(notebook))
    return failures


def _positions(course: Path, assignment: str) -> dict[tuple[str, str], int]:
    from ..submissions import graded_cell_ids, read_notebook

    ids = [
        i
        for path in sorted((course / "source" / assignment).glob("*.ipynb"))
        for i in graded_cell_ids(read_notebook(path))
    ]
    return {(assignment, grade_id): number for number, grade_id in enumerate(ids)}


def collect(course: Path, assignments: Sequence[str]) -> ClassData:
    """Read the gradebook, the autograded notebooks and ``submitted/`` of ``course``."""
    from ..run.tamper import tamper_flags

    url = gradebook_url(course)
    if not _gradebook_exists(course, url):
        raise CrmkitError(NOTHING_GRADED)
    scores = gradebook_scores(course, assignments)
    if not scores:
        raise CrmkitError(NOTHING_GRADED)
    roster, cells = _gradebook_cells(course, set(assignments))
    failures: dict[tuple[str, str, str], Failure] = {}
    flags: dict[tuple[str, str], list[str]] = {}
    for score in scores:
        key = (score.assignment, score.student)
        for grade_id, failure in _autograded_failures(course, *key).items():
            failures[(*key, grade_id)] = failure
        found = tamper_flags(course, *key)
        if found:
            flags[key] = found
    submitted = {
        (assignment, student)
        for assignment in assignments
        for student in submitted_students(course, assignment)
    }
    positions = {
        k: v for assignment in assignments for k, v in _positions(course, assignment).items()
    }
    roster = sorted(set(roster) | {student for _, student in submitted})
    return ClassData(
        list(assignments), roster, scores, cells, failures, flags, submitted, positions
    )
