"""nbgrader's steps on a course: generate the student versions, write feedback, export grades.

Each step returns a :class:`StepResult` per assignment (and student) with nbgrader's own reason
when it failed. Autograding has its own module (:mod:`crmkit.grading.run.autograde`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .course_folder import in_course_folder, open_api
from .gradebook import check_gradebook, open_gradebook

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

    from .export.lms_export import Export as LmsExport


class Countable(Protocol):
    """A step's jobs as a progress bar takes them: a list, or results counted as they finish."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


# Wraps the jobs of a step, e.g. in a progress bar; returns what to iterate over.
Progress = Callable[[Countable], Iterable]


@dataclass(frozen=True)
class StepResult:
    """One nbgrader step on one assignment (and student): did it work, and if not, why."""

    assignment: str
    student: str | None
    ok: bool
    detail: str = ""


def step_result(assignment: str, student: str | None, outcome: dict) -> StepResult:
    """An nbgrader API outcome as a StepResult, with the line that names the problem."""
    if outcome.get("success"):
        return StepResult(assignment, student, True)
    lines = [
        x.strip()
        for x in f"{outcome.get('log') or ''}\n{outcome.get('error') or ''}".splitlines()
        if x.strip()
    ]
    # nbgrader ends with "Please see the above traceback";
    # the line that names the problem is above it
    causes = [
        x
        for x in lines
        if ("Error: " in x or "Exception: " in x) and "see the the above traceback" not in x
    ]
    detail = causes[-1] if causes else (lines[-1] if lines else "unknown error")
    return StepResult(assignment, student, False, detail)


def generate_assignments(
    course: Path, assignments: Iterable[str], progress: Progress = iter
) -> list[StepResult]:
    """Run ``generate_assignment`` (forced) on each assignment: writes
    ``release/`` and the gradebook.

    A test cell that reads a name it does not declare (``#| answers: ...``, see
    :mod:`crmkit.grading.run.test_cells`) would fail every correct answer: such an assignment is
    reported as failed, naming the cell and what to add.
    """
    check_gradebook(course)  # an unreachable database in one line, not once per assignment
    api = open_api(course)
    results = []
    with in_course_folder(course):
        for assignment in progress(list(assignments)):
            result = step_result(
                assignment, None, api.generate_assignment(assignment, force=True, create=True)
            )
            problem = undeclared_in(course, assignment)
            results.append(
                StepResult(assignment, None, False, problem) if result.ok and problem else result
            )
    return results


def undeclared_in(course: Path, assignment: str) -> str:
    """What the assignment's test cells read without declaring it, as one line ("" when nothing)."""
    import nbformat

    from .run.test_cells import undeclared_names

    found = []
    for path in sorted((course / "source" / assignment).glob("*.ipynb")):
        for grade_id, names in undeclared_names(nbformat.read(path, as_version=4)).items():
            found.append(f"{grade_id}: {', '.join(names)}")
    if not found:
        return ""
    return (
        "测试格用到了未声明的名字，在格首加上 '#| answers: 名字' / test cells read names they do "
        f"not declare; add '#| answers: NAME' as their first line: {'; '.join(found)}"
    )


def known_to_gradebook(gradebook: Gradebook, assignment: str) -> bool:
    """Whether ``gradebook`` defines ``assignment`` yet."""
    from nbgrader.api import MissingEntry

    try:
        gradebook.find_assignment(assignment)
    except MissingEntry:
        return False
    return True


def write_feedback(
    course: Path, assignments: Iterable[str], student: str | None = None, progress: Progress = iter
) -> list[StepResult]:
    """Write HTML feedback (``feedback/<student>/<assignment>/``) for autograded submissions."""
    check_gradebook(course)
    api = open_api(course)
    jobs = [
        (assignment, folder.parent.name)
        for assignment in assignments
        for folder in sorted((course / "autograded").glob(f"*/{assignment}"))
        if folder.is_dir() and (student is None or folder.parent.name == student)
    ]
    with in_course_folder(course):
        return [
            step_result(a, s, api.generate_feedback(a, s, force=True)) for a, s in progress(jobs)
        ]


def export_grades(
    course: Path, destination: Path, assignments: Collection[str] | None = None
) -> Path:
    """Write every student's score per assignment to a CSV file (nbgrader's CSV exporter, each
    text cell safe to open in a spreadsheet: :mod:`.generic_csv`); ``assignments`` limits it to
    those (default: all)."""
    from nbgrader.plugins.export import CsvExportPlugin

    from .export.generic_csv import SafeGradebook

    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open_gradebook(course) as gradebook:
        CsvExportPlugin(to=str(destination)).export(SafeGradebook(gradebook, assignments or ()))
    return destination


def export_for_lms(
    course: Path,
    destination: Path,
    fmt: str,
    *,
    roster_file: Path | None = None,
    excused_file: Path | None = None,
    assignments: Iterable[str] | None = None,
    per_task: bool = False,
    missing: str = "zero",
    feedback: bool = False,
) -> tuple[Path, LmsExport]:
    """Write the import file for an LMS (``fmt``: canvas, moodle, brightspace or excel) and
    return where it is, with who is in it and the warnings to show.

    The roster and the excused-work file are read and checked before the gradebook is opened,
    so a missing column fails in one line without touching anything.
    """
    from ..errors import CrmkitError
    from .course_folder import source_assignments
    from .export.class_grades import read_class_grades
    from .export.lms_export import check_request, export_lms
    from .export.roster import read_excused, read_roster, roster_excused

    roster = read_roster(roster_file) if roster_file else None
    check_request(fmt, roster, missing, feedback, per_task)
    known = source_assignments(course)
    excused = roster_excused(roster, known) if roster else set()
    if excused_file:
        excused |= read_excused(excused_file, known)
    check_gradebook(course)
    grades = read_class_grades(course, assignments)
    if not grades.assignments:
        raise CrmkitError(
            "成绩库里还没有作业；先运行 crmkit course generate 和 autograde / the gradebook has no "
            "assignments yet; run crmkit course generate and autograde first"
        )
    result = export_lms(
        fmt, grades, roster, per_task=per_task, missing=missing, excused=excused, feedback=feedback
    )
    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(result.data)
    return destination, result
