"""Gather the integrity evidence of a course: answers on other students' data, similar work."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..course_folder import in_course_folder, submitted_students
from ..gradebook import open_gradebook
from ..run import answer_store
from .expected import Progress, expected_answers
from .model import DEFAULT_DATA, Evidence
from .other_data import other_data_evidence
from .published import published_evidence
from .similarity import code_evidence, student_part, text_evidence

STUB_MARKERS = ("YOUR CODE HERE", "YOUR ANSWER HERE", "NotImplementedError")
# Far longer than any answer; a cell of megabytes would otherwise cost the report minutes.
MAX_COMPARED_CHARS = 20_000


def _graded(course: Path, assignment: str) -> tuple[list[str], dict[str, set[str]]]:
    """The gradebook's students, and per graded student the test cells they lost points on."""
    lost: dict[str, set[str]] = {}
    with in_course_folder(course), open_gradebook(course) as gradebook:
        roster = [student.id for student in gradebook.students]
        for found in gradebook.assignments:
            if found.name != assignment:
                continue
            for submission in found.submissions:
                lost[submission.student.id] = {
                    grade.name
                    for notebook in submission.notebooks
                    for grade in notebook.grades
                    if grade.cell.cell_type == "code"
                    and grade.auto_score is not None
                    and (grade.score or 0) < grade.max_score
                }
    return roster, lost


def _cells(path: Path) -> dict[str, tuple[str, str]]:
    """``{grade_id: (cell_type, source)}`` of a notebook's answer cells
    (nbgrader solution cells)."""
    import nbformat

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook has no work to compare
        return {}
    return {
        cell.metadata["nbgrader"]["grade_id"]: (cell.cell_type, cell.source)
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
        and cell.metadata["nbgrader"].get("grade_id")
    }


def _similar_work(course: Path, assignment: str, students: Sequence[str]) -> list[Evidence]:
    from ..release.term import published_notebook

    evidence: list[Evidence] = []
    for source in sorted((course / "source" / assignment).glob("*.ipynb")):
        reference = _cells(source)
        starter = _cells(course / "release" / assignment / source.name)
        published_path = published_notebook(course, assignment)
        published = _cells(published_path) if published_path else {}
        work: dict[str, dict[str, str]] = {}
        for student in students:
            for grade_id, (_, text) in _cells(
                course / "autograded" / student / assignment / source.name
            ).items():
                mine = student_part(
                    text[: 4 * MAX_COMPARED_CHARS], starter.get(grade_id, ("", ""))[1]
                )
                mine = mine[:MAX_COMPARED_CHARS]
                if mine and not any(marker in mine for marker in STUB_MARKERS):
                    work.setdefault(grade_id, {})[student] = mine
        for grade_id, by_student in sorted(work.items()):
            kind, given = starter.get(grade_id, reference.get(grade_id, ("code", "")))
            solution = student_part(reference.get(grade_id, (kind, ""))[1], given)
            task = grade_id.removesuffix("_answer")
            if kind == "markdown":
                evidence += text_evidence(
                    assignment, task, by_student, given, solution, len(students)
                )
            else:
                evidence += code_evidence(
                    assignment, task, by_student, given, solution, len(students)
                )
        evidence += _close_to_published(assignment, work, starter, published)
    return evidence


def _close_to_published(
    assignment: str,
    work: dict[str, dict[str, str]],
    starter: dict[str, tuple[str, str]],
    published: dict[str, tuple[str, str]],
) -> list[Evidence]:
    """Each student whose code, task by task, is close to the published solution's."""
    published_code = {
        grade_id.removesuffix("_answer"): student_part(text, starter.get(grade_id, ("", ""))[1])
        for grade_id, (kind, text) in published.items()
        if kind == "code"
    }
    by_student: dict[str, dict[str, str]] = {}
    for grade_id, codes in work.items():
        if starter.get(grade_id, published.get(grade_id, ("code", "")))[0] != "code":
            continue
        for student, code in codes.items():
            by_student.setdefault(student, {})[grade_id.removesuffix("_answer")] = code
    found = []
    for student, codes in sorted(by_student.items()):
        item = published_evidence(assignment, student, codes, published_code)
        if item is not None:
            found.append(item)
    return found


def integrity_evidence(
    course: Path, assignments: Sequence[str], jobs: int = 1, progress: Progress = iter
) -> list[Evidence]:
    """Every piece of evidence in ``assignments``, strongest first."""
    evidence: list[Evidence] = []
    for assignment in assignments:
        roster, lost = _graded(course, assignment)
        graded = sorted(lost)
        if not graded:
            continue
        variants = sorted(
            set(roster) | set(graded) | set(submitted_students(course, assignment))
        ) + [DEFAULT_DATA]
        expected = expected_answers(course, assignment, variants, jobs=jobs, progress=progress)
        handed_in = {
            student: answer_store.stored_answers(course, assignment, student) for student in graded
        }
        evidence += other_data_evidence(assignment, expected, handed_in, lost)
        evidence += _similar_work(course, assignment, graded)
    return sorted(
        evidence, key=lambda e: (-e.strength, -e.score, e.assignment, e.task, e.student, e.other)
    )
