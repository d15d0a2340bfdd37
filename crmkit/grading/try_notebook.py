"""``crmkit course try NOTEBOOK``: grade one notebook as the class will be graded, in seconds.

Writing a task means trying it: the solution must earn every point, a plausible wrong answer
must lose the task's points with a message that says why. Doing that with a whole demo class
takes minutes; this grades one notebook through the very same path (nbgrader's
``generate_assignment`` on the course's current ``source/``, then :func:`autograde`: the
student's kernel and the hidden tests' kernel, both sandboxed) in a scratch copy of the course,
and returns each graded cell's points and failed checks for the terminal. The course itself,
its gradebook and its ``release/`` are never touched.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..course.identity import ID_FILE, INSTRUCTOR_PREVIEW_ID, check_student_id
from ..errors import CrmkitError, UsageError, unknown_name
from . import steps
from .course_folder import source_assignments
from .safe_output.inert import inert
from .scores import PENDING, points_text
from .settings import Limits

ANSWERS_FILE = "widget_answers.json"


@dataclass(frozen=True)
class TaskResult:
    """One graded cell: its points (None: a written answer to grade by hand) and, when it lost
    points, why (the failed checks' messages, or the error it raised)."""

    grade_id: str
    points: float | None
    max_points: float
    written: bool
    reasons: tuple[str, ...] = ()


@dataclass
class TryResult:
    """What grading one notebook gave: per graded cell, the notes for the instructor, the
    errors in the student's own cells, and how long it took."""

    notebook: Path
    assignment: str
    student: str
    ok: bool
    detail: str = ""
    tasks: list[TaskResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def auto(self) -> tuple[float, float]:
        graded = [t for t in self.tasks if not t.written]
        return sum(t.points or 0 for t in graded), sum(t.max_points for t in graded)


def locate(course: Path, notebook: Path, assignment: str | None) -> tuple[str, str]:
    """The assignment ``notebook`` belongs to and the name of its source notebook.

    The assignment is ``assignment``, else the notebook's folder name (``source/<a>/``,
    ``release/<a>/``, ``submitted/<s>/<a>/`` …); the notebook is the assignment's source notebook
    of the same name, or its only one (a student's copy may be renamed).
    """
    known = source_assignments(course)
    if assignment is None:
        assignment = notebook.resolve().parent.name
        if assignment not in known:
            listed = ", ".join(known)
            raise UsageError(
                f"看不出 {notebook.name} 属于哪个作业；用 --assignment 指定："
                f"{listed} / Cannot tell which assignment {notebook.name} belongs to (its folder "
                f"is not an assignment); pass --assignment, one of {listed}"
            )
    elif assignment not in known:
        raise unknown_name("作业", "assignment", assignment, known)
    names = sorted(p.stem for p in (course / "source" / assignment).glob("*.ipynb"))
    if notebook.stem in names:
        return assignment, notebook.stem
    if len(names) == 1:
        return assignment, names[0]
    raise UsageError(
        f"{assignment} 有几个笔记本（{', '.join(names)}），{notebook.name} 对不上其中任何一个；"
        f"按原名保存后再试 / {assignment} has several notebooks ({', '.join(names)}) and "
        f"{notebook.name} is none of them; save it under its own name and try again"
    )


def default_student(notebook: Path) -> str:
    """The id a notebook is graded as when none is given: the student whose submission it is
    (``submitted/<id>/…`` or ``autograded/<id>/…``), else the id saved beside it, else the
    instructor's preview id (the data the source notebook shows)."""
    folder = notebook.resolve().parent
    if len(folder.parents) >= 2 and folder.parents[1].name in ("submitted", "autograded"):
        return folder.parent.name
    saved = folder / ID_FILE
    if saved.is_file() and saved.read_text(encoding="utf-8").strip():
        return saved.read_text(encoding="utf-8").strip()
    return INSTRUCTOR_PREVIEW_ID


def try_notebook(
    course: Path,
    notebook: Path,
    student: str | None = None,
    assignment: str | None = None,
    limits: Limits | None = None,
) -> TryResult:
    """Grade ``notebook`` as ``student`` in a scratch copy of ``course``; see the module doc."""
    from .run.autograde import autograde

    started = time.perf_counter()
    notebook = Path(notebook)
    if not notebook.is_file() or notebook.suffix != ".ipynb":
        raise CrmkitError(
            f"找不到笔记本 {notebook} / No notebook at {notebook}: give the path of an .ipynb file"
        )
    assignment, name = locate(course, notebook, assignment)
    student = check_student_id(student if student is not None else default_student(notebook))
    scratch = Path(tempfile.mkdtemp(prefix="crmkit-try-"))
    try:
        shutil.copy2(course / "nbgrader_config.py", scratch / "nbgrader_config.py")
        with open(scratch / "nbgrader_config.py", "a", encoding="utf-8") as config:
            # the scratch folder and a private gradebook, whatever the course's settings say
            # (an absolute root, PostgreSQL on a department's hub): the course is never written
            gradebook = f"sqlite:///{scratch / 'gradebook.db'}"
            config.write(
                f"\nc.CourseDirectory.root = {str(scratch)!r}\n"
                f"c.CourseDirectory.db_url = {gradebook!r}\n"
            )
        shutil.copytree(
            course / "source" / assignment,
            scratch / "source" / assignment,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", ANSWERS_FILE, ID_FILE),
        )
        generated = steps.generate_assignments(scratch, [assignment])
        if not generated[0].ok:
            return TryResult(notebook, assignment, student, False, generated[0].detail)
        handed_in = scratch / "submitted" / student / assignment
        handed_in.mkdir(parents=True)
        shutil.copy2(notebook, handed_in / f"{name}.ipynb")
        answers = notebook.parent / ANSWERS_FILE
        if answers.is_file():  # the widget answers a student's JupyterLab saved beside it
            shutil.copy2(answers, handed_in / ANSWERS_FILE)
        report = autograde(scratch, [assignment], student=student, jobs=1, limits=limits)
        outcome = report.results[-1]
        result = TryResult(notebook, assignment, student, outcome.ok, outcome.detail)
        result.notes = report.flags.get((assignment, student), [])
        graded = scratch / "autograded" / student / assignment / f"{name}.ipynb"
        if outcome.ok and graded.is_file():
            _read_results(scratch, assignment, student, graded, result)
        result.seconds = time.perf_counter() - started
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _read_results(course: Path, assignment: str, student: str, graded: Path, result) -> None:
    """Each graded cell's points (from the gradebook) and why it lost them (from the notebook)."""
    import nbformat

    from .report.analysis import notebook_failures
    from .scores import cell_scores

    notebook = nbformat.read(graded, as_version=4)
    points = cell_scores(course, assignment, student)
    failures = notebook_failures(notebook)
    for number, cell in enumerate(notebook.cells, start=1):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not meta.get("grade"):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                evalue = str(errors[0].get("evalue", "")).strip()
                where = f" ({meta['grade_id']})" if meta.get("grade_id") else ""
                result.cell_errors.append(
                    f"第 {number} 格 / cell {number}{where}: {errors[0].get('ename', 'Error')}: "
                    + (evalue.splitlines()[0] if evalue else "")
                )
            continue
        if not meta.get("grade"):
            continue
        grade_id = meta.get("grade_id", "")
        failure = failures.get(grade_id)
        reasons: tuple[str, ...] = ()
        if failure is not None and failure.checks:
            reasons = tuple(html.unescape(check) for check in failure.checks)
        elif failure is not None:
            shown = html.unescape(failure.shown)
            plain = (
                failure.ename in ("AssertionError", "FailedChecks")
                or failure.message == failure.ename
            )
            reasons = (shown if plain else f"{failure.ename}: {shown}",)
        result.tasks.append(
            TaskResult(
                grade_id,
                points.get(grade_id),
                float(meta.get("points") or 0),
                cell.cell_type == "markdown",
                reasons,
            )
        )


def result_lines(result: TryResult) -> list[str]:
    """The result for the terminal: a table of the graded cells with each failed check on its
    own row, the errors in the notebook's own cells, notes, and the total."""
    from .tables import format_table

    head = (
        f"试评 / try: {result.notebook.name} · 作业 / assignment {result.assignment} · "
        f"学号 / student {result.student}"
    )
    if not result.ok:
        return [head, f"✗ 没能评分 / could not be graded: {inert(result.detail)}"]
    rows = []
    for task in result.tasks:
        if task.written:
            written = "书面回答，在 formgrader 里人工评分 / written: graded by hand"
            rows.append((task.grade_id, f"{PENDING} / {points_text(task.max_points)}", written))
            continue
        got = task.points or 0
        shown = f"{points_text(got)} / {points_text(task.max_points)}"
        if not task.reasons:
            rows.append((task.grade_id, shown, "✓" if got >= task.max_points else "✗"))
            continue
        rows.append((task.grade_id, shown, f"✗ {task.reasons[0]}"))
        rows += [("", "", f"✗ {reason}") for reason in task.reasons[1:]]
    lines = [head, format_table(["题 task", "分 points", "检查 checks"], rows)]
    # what the student's code printed or raised is shown inert (no terminal control acts)
    lines += [f"笔记本里的错误 / error in the notebook: {inert(e)}" for e in result.cell_errors]
    lines += [f"需要查看 / to check: {inert(note)}" for note in result.notes]
    auto, most = result.auto
    lines.append(
        f"自动分 / auto: {points_text(auto)} / {points_text(most)} · 用时 / took "
        f"{result.seconds:.0f} s"
    )
    return lines
