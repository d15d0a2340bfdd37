"""The nbgrader course in ``exercises/``: generate, autograde, feedback, export, and scores.

Everything goes through nbgrader's own Python API (:class:`nbgrader.apps.NbGraderAPI`) with the
course's ``nbgrader_config.py``, so the CLI grades exactly as ``nbgrader`` and the formgrader do.
"""

from __future__ import annotations

import os
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from ..errors import CrmkitError, unknown_name
from .gradebook_db import check_gradebook, connect_gradebook, open_gradebook

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI

COURSE_DIR_ENV = "CRMKIT_COURSE_DIR"
# Wraps the list of jobs of a step, e.g. in a progress bar; returns what to iterate over.
Progress = Callable[[list], Iterable]


def default_course_dir() -> Path:
    """The course folder: ``$CRMKIT_COURSE_DIR`` or the kit's ``exercises/``."""
    return Path(os.environ.get(COURSE_DIR_ENV) or Path(__file__).resolve().parents[2] / "exercises")


def check_course_dir(course: Path | str | None) -> Path:
    """``course`` (default :func:`default_course_dir`) as an absolute path, if it is an nbgrader course."""
    folder = (default_course_dir() if course is None else Path(course)).resolve()
    if not (folder / "nbgrader_config.py").is_file() or not (folder / "source").is_dir():
        raise CrmkitError(
            f"{folder} 不是 nbgrader 课程目录（缺 nbgrader_config.py 或 source/）；用 --course 指定 / "
            f"{folder} is not an nbgrader course folder (no nbgrader_config.py or source/); pass --course DIR"
        )
    return folder


def source_assignments(course: Path) -> list[str]:
    """Names of the assignments in ``course/source``, sorted."""
    return sorted(p.name for p in (course / "source").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def pick_assignments(course: Path, names: Sequence[str] | None) -> list[str]:
    """``names`` checked against the course's assignments (all of them when empty)."""
    known = source_assignments(course)
    for name in names or []:
        if name not in known:
            raise unknown_name("作业", "assignment", name, known)
    return list(names) if names else known


def submitted_students(course: Path, assignment: str) -> list[str]:
    """Students with a submission of ``assignment`` in ``course/submitted``, sorted."""
    root = course / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def ensure_env_bin_on_path() -> None:
    """Put this Python's ``bin/`` first on PATH: nbgrader runs ``alembic`` and kernels by name."""
    env_bin = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [env_bin]:
        os.environ["PATH"] = os.pathsep.join([env_bin, *[p for p in parts if p != env_bin]])


def open_api(course: Path, log_level: str = "ERROR") -> NbGraderAPI:
    """An ``NbGraderAPI`` for ``course``, configured by its ``nbgrader_config.py``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    ensure_env_bin_on_path()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.NbGraderAPI.log_level = log_level
    # grading never uses the exchange, but the API checks one exists; a private one keeps
    # it from complaining about /srv/nbgrader/exchange on machines without it
    exchange = course / ".exchange"
    exchange.mkdir(exist_ok=True)
    config.Exchange.root = str(exchange)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


@dataclass(frozen=True)
class StepResult:
    """One nbgrader step on one assignment (and student): did it work, and if not, why."""

    assignment: str
    student: str | None
    ok: bool
    detail: str = ""


def _result(assignment: str, student: str | None, outcome: dict) -> StepResult:
    if outcome.get("success"):
        return StepResult(assignment, student, True)
    lines = [x.strip() for x in f"{outcome.get('log') or ''}\n{outcome.get('error') or ''}".splitlines() if x.strip()]
    # nbgrader ends with "Please see the above traceback"; the line that names the problem is above it
    causes = [x for x in lines if ("Error: " in x or "Exception: " in x) and "see the the above traceback" not in x]
    detail = causes[-1] if causes else (lines[-1] if lines else "unknown error")
    return StepResult(assignment, student, False, detail)


@contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    # nbgrader resolves some paths against the working directory, as its CLI would see them;
    # nbgrader 0.9 also sets off harmless SQLAlchemy "not in session" warnings on every
    # autograde, which would bury the summary table
    before = Path.cwd()
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not in session.*")
            yield
    finally:
        os.chdir(before)


def generate(course: Path, assignments: Iterable[str], progress: Progress = iter) -> list[StepResult]:
    """Run ``generate_assignment`` (forced) on each assignment: writes ``release/`` and the gradebook."""
    check_gradebook(course)  # an unreachable database in one line, not once per assignment
    api = open_api(course)
    with _in_folder(course):
        return [
            _result(a, None, api.generate_assignment(a, force=True, create=True)) for a in progress(list(assignments))
        ]


def _known_to_gradebook(api: NbGraderAPI, assignment: str) -> bool:
    from nbgrader.api import MissingEntry

    with connect_gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


def autograde(
    course: Path, assignments: Iterable[str], student: str | None = None, progress: Progress = iter
) -> list[StepResult]:
    """Autograde every submission (or only ``student``'s) of each assignment.

    An assignment the gradebook does not know yet (a fresh clone: the gradebook is not
    committed) is generated first, because grading restores test cells from the gradebook.
    """
    check_gradebook(course)
    api = open_api(course)
    jobs = []
    for assignment in assignments:
        students = submitted_students(course, assignment)
        if student is not None:
            students = [s for s in students if s == student]
        jobs += [(assignment, s) for s in students]
    if student is not None and not jobs:
        raise CrmkitError(
            f"找不到学生 '{student}' 的提交（submitted/{student}/<作业>/）；先收取作业 / "
            f"No submission from '{student}' in submitted/{student}/<assignment>/; collect it first"
        )
    results = []
    with _in_folder(course):
        for assignment in sorted({a for a, _ in jobs}):
            if not _known_to_gradebook(api, assignment):
                generated = _result(assignment, None, api.generate_assignment(assignment, force=True, create=True))
                if not generated.ok:
                    results.append(generated)
        for assignment, who in progress(jobs):
            results.append(_result(assignment, who, api.autograde(assignment, who, force=True, create=True)))
    return results


def feedback(
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
    with _in_folder(course):
        return [_result(a, s, api.generate_feedback(a, s, force=True)) for a, s in progress(jobs)]


def export(course: Path, destination: Path) -> Path:
    """Write every student's score per assignment to a CSV file (nbgrader's CSV exporter)."""
    from nbgrader.plugins.export import CsvExportPlugin

    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open_gradebook(course) as gradebook:
        CsvExportPlugin(to=str(destination)).export(gradebook)
    return destination


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
    with _in_folder(course), open_gradebook(course) as gradebook:
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
                            given = grade.manual_score if grade.manual_score is not None else grade.auto_score
                            if given is None:
                                manual = None
                            elif manual is not None:
                                manual += given
                        else:
                            auto_max += grade.max_score
                            auto += grade.auto_score
                rows.append(Score(submission.student.id, assignment.name, auto, auto_max, manual, manual_max))
    return sorted(rows, key=lambda r: (r.student, r.assignment))


def cell_scores(course: Path, assignment: str, student: str) -> dict[str, float | None]:
    """Points of each graded cell (by nbgrader grade id) in one submission; None = not graded yet."""
    with _in_folder(course), open_gradebook(course) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return {grade.name: grade.score if grade.auto_score is not None or grade.manual_score is not None else None
                for notebook in submission.notebooks for grade in notebook.grades}


def cell_errors(course: Path, assignment: str, student: str) -> dict[str, str]:
    """The error name (e.g. ``AssertionError``) each graded cell raised in an autograded submission."""
    import nbformat

    errors = {}
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            names = [o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if grade_id and names:
                errors[grade_id] = names[0]
    return errors


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table whose columns line up with Chinese text too."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# The one mark for a written answer nobody has graded yet (CLI, report, CSV, feedback).
PENDING = "待评"
PENDING_NOTE = (
    f"{PENDING} = 书面回答待人工评分（formgrader），总分暂不含它；0 = 留空未答 / "
    f"{PENDING} = pending: the written answer is not graded by hand yet (formgrader) and the total leaves it out; "
    "0 = left blank"
)


def _points(value: float | None) -> str:
    return PENDING if value is None else f"{value:g}"


def _total(row: Score) -> str:
    total = f"{row.auto_score + (row.manual_score or 0):g} / {row.auto_max + row.manual_max:g}"
    return f"{total}（{PENDING} {row.manual_max:g}）" if row.manual_score is None and row.manual_max else total


def score_table(rows: Sequence[Score]) -> str:
    """The scores as a table: student, assignment, automatic points, points graded by hand, total."""
    table = format_table(
        ["学生 student", "作业 assignment", "自动分 auto", "人工分 manual", "总分 total"],
        [
            (r.student, r.assignment, f"{r.auto_score:g} / {r.auto_max:g}",
             f"{_points(r.manual_score)} / {r.manual_max:g}", _total(r))
            for r in rows
        ],
    )
    if any(r.manual_score is None or r.manual_score == 0 for r in rows if r.manual_max):
        table += "\n" + PENDING_NOTE
    return table


def results_table(results: Sequence[StepResult]) -> str:
    """Each step's outcome as a table (✓ or ✗ with the reason)."""
    return format_table(
        ["作业 assignment", "学生 student", "结果 result"],
        [(r.assignment, r.student or "", "✓" if r.ok else f"✗ {r.detail}") for r in results],
    )
