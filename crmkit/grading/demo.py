"""``crmkit course demo``: a whole term of grading on a made-up class, in a scratch folder.

It copies the course's ``nbgrader_config.py`` and ``source/`` into a demo folder (never touching
``exercises/``), generates the student versions, enrolls a class of about a dozen students
(``s01-wang``, ``s02-li``, …) and hands in, for every assignment, a spread decided by a seed:
the solution, partly solved notebooks, solutions with a typical mistake, blank notebooks, one
missing submission and exactly one attempt to cheat the grader (errors silenced, a test cell
deleted). It then autogrades the class in
parallel sandboxed kernels, writes the students' feedback and the instructor's report.

``s01-wang`` always hands in the solution, so the demo shows what full marks look like.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CrmkitError, UsageError
from . import steps
from .course_folder import in_course_folder, source_assignments
from .demo_mistakes import CODE_MISTAKES, SILENCE_ERRORS, WIDGET_MISTAKES
from .scores import Score, scores
from .submissions import (
    handed_in,
    insert_cell_after,
    notebook_path,
    partly_solved,
    read_notebook,
    replace_solution,
    submit,
    without_cell,
)

DEMO_MARKER = ".crmkit-course-demo"
DEMO_SEED = 2024
CLASS_SIZE = 12
MIN_CLASS_SIZE = 5
MAX_CLASS_SIZE = 99
# The most common Chinese surnames, in pinyin: realistic, ASCII ids.
SURNAMES = (
    "wang",
    "li",
    "zhang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "gao",
    "lin",
    "luo",
)
PARTIAL_FRACTIONS = (0.25, 0.5, 0.75)
# How often each kind of submission is drawn once every kind is present.
KIND_WEIGHTS = {"correct": 3, "partial": 3, "wrong": 3, "blank": 1}


def default_demo_dir() -> Path:
    """Where the demo course is built: ``build/course-demo`` in a checkout of the kit, else
    ``course-demo`` in the working folder (an installed kit has no ``build/``)."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "exercises").is_dir():
        return checkout / "build" / "course-demo"
    return Path.cwd() / "course-demo"


def prepare_demo_course(course: Path, out: Path) -> Path:
    """A fresh copy of ``course``'s config and sources in ``out``; returns ``out``.

    Only ``source/`` is copied: ``release/`` and the gradebook are made again by generating.
    ``out`` must be new, empty, or an earlier demo folder (it carries a marker file); anything
    else is refused rather than emptied, so a mistyped ``--dir`` cannot delete real work.
    """
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        if not (out / DEMO_MARKER).is_file():
            raise CrmkitError(
                f"{out} 已存在且不是演示目录，不会清空它；请换一个新的或空的目录 / "
                f"{out} exists and is not a demo folder, so it is left alone; pass a new or empty --dir"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text("crmkit course demo\n", encoding="utf-8")
    shutil.copy2(course / "nbgrader_config.py", out / "nbgrader_config.py")
    shutil.copytree(
        course / "source",
        out / "source",
        ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints", "widget_answers.json", "student_id.txt"
        ),
    )
    return out


# ---------------------------------------------------------------- the class, planned


@dataclass(frozen=True)
class Planned:
    """What one student hands in for one assignment.

    ``kind`` is correct, partial, wrong, blank, missing or tamper. ``fraction`` is the share of
    graded cells a partial (or tampering) submission solved; ``wrong_tasks`` the tasks a wrong
    submission got wrong (their test cells must score 0).
    """

    student: str
    assignment: str
    kind: str
    fraction: float = 0.0
    wrong_tasks: tuple[str, ...] = ()


def class_roster(size: int = CLASS_SIZE) -> list[str]:
    """Student ids ``s01-wang``, ``s02-li``, … for a class of ``size``."""
    if not MIN_CLASS_SIZE <= size <= MAX_CLASS_SIZE:
        raise UsageError(
            f"演示班级人数应为 {MIN_CLASS_SIZE}–{MAX_CLASS_SIZE}，得到 {size} / "
            f"the demo class has {MIN_CLASS_SIZE}–{MAX_CLASS_SIZE} students, not {size}"
        )
    return [f"s{n:02d}-{SURNAMES[(n - 1) % len(SURNAMES)]}" for n in range(1, size + 1)]


def plan_class(
    assignments: Sequence[str], size: int = CLASS_SIZE, seed: int = DEMO_SEED
) -> list[Planned]:
    """Who hands in what, the same for the same seed; sorted by student, then assignment.

    ``s01-wang`` hands in every solution. Among the others, every assignment gets at least one
    partial, one wrong and one blank submission, the rest drawn by :data:`KIND_WEIGHTS`; one
    student misses one assignment, and another tampers with a different one.
    """
    assignments = sorted(assignments)
    roster = class_roster(size)
    rng = random.Random(seed)
    reference, others = roster[0], roster[1:]
    tamperer, absentee = rng.sample(others, 2)
    tamper_assignment = rng.choice(assignments)
    missing_assignment = rng.choice(
        [a for a in assignments if a != tamper_assignment] or assignments
    )
    plan = [Planned(reference, a, "correct") for a in assignments]
    for assignment in assignments:
        special = {tamperer: "tamper"} if assignment == tamper_assignment else {}
        if assignment == missing_assignment:
            special[absentee] = "missing"
        free = [s for s in others if s not in special]
        kinds = ["partial", "wrong", "blank"]
        kinds += rng.choices(
            list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()), k=len(free) - len(kinds)
        )
        rng.shuffle(kinds)
        for student, kind in [*zip(free, kinds, strict=True), *special.items()]:
            plan.append(_detail(rng, student, assignment, kind))
    return sorted(plan, key=lambda p: (p.student, p.assignment))


def _detail(rng: random.Random, student: str, assignment: str, kind: str) -> Planned:
    if kind in ("partial", "tamper"):
        return Planned(student, assignment, kind, fraction=rng.choice(PARTIAL_FRACTIONS))
    if kind == "wrong":
        mistakes = CODE_MISTAKES.get(assignment, ())
        tasks = [rng.choice(mistakes).task] if mistakes else []
        if assignment in WIDGET_MISTAKES and (not tasks or rng.random() < 0.5):
            tasks.append(WIDGET_MISTAKES[assignment].task)
        return Planned(student, assignment, kind, wrong_tasks=tuple(tasks))
    return Planned(student, assignment, kind)


# ---------------------------------------------------------------- handing in


def enroll(course: Path, students: Sequence[str]) -> None:
    """Add ``students`` to the course's gradebook, as an instructor imports the class list."""
    from .gradebook import open_gradebook

    with in_course_folder(course), open_gradebook(course) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)


def hand_in(course: Path, plan: Sequence[Planned]) -> None:
    """Put every planned submission into ``course/submitted`` (nothing for a missing one)."""
    notebooks = {}
    for entry in plan:
        if entry.assignment not in notebooks:
            notebooks[entry.assignment] = (
                read_notebook(notebook_path(course, "source", entry.assignment)),
                read_notebook(notebook_path(course, "release", entry.assignment)),
            )
        solution, release = notebooks[entry.assignment]
        widget_answers = None
        if entry.kind == "correct":
            notebook = handed_in(solution, release)
        elif entry.kind == "partial":
            notebook = partly_solved(solution, release, entry.fraction)
        elif entry.kind == "blank":
            notebook = release
        elif entry.kind == "tamper":  # silences errors and deletes the last test cell
            last_test = [c.metadata["nbgrader"]["grade_id"] for c in release.cells
                         if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"][-1]  # fmt: skip
            notebook = insert_cell_after(
                partly_solved(solution, release, entry.fraction), "load_data", SILENCE_ERRORS
            )
            notebook = without_cell(notebook, last_test)
        elif entry.kind == "wrong":
            notebook, widget_answers = handed_in(solution, release), {}
            for mistake in CODE_MISTAKES.get(entry.assignment, ()):
                if mistake.task in entry.wrong_tasks:
                    notebook = replace_solution(notebook, f"{mistake.task}_answer", mistake.code)
            widget = WIDGET_MISTAKES.get(entry.assignment)
            if widget is not None and widget.task in entry.wrong_tasks:
                widget_answers[widget.key] = widget.value
        else:  # missing
            continue
        submit(course, entry.student, entry.assignment, notebook, widget_answers or None)


# ---------------------------------------------------------------- the whole run


@dataclass(frozen=True)
class DemoRun:
    """What the demo did: the plan, every step's result, the scores, tamper flags and the report."""

    folder: Path
    plan: list[Planned]
    results: list[steps.StepResult]
    scores: list[Score]
    flags: dict[tuple[str, str], list[str]]
    report_path: Path
    summary: str


def run_demo(
    course: Path,
    out: Path,
    size: int = CLASS_SIZE,
    seed: int = DEMO_SEED,
    jobs: int | None = None,
    progress: steps.Progress = iter,
    feedback_progress: steps.Progress = iter,
) -> DemoRun:
    """Build the demo course in ``out``, hand in the class, grade it, write feedback and the report."""
    from .autograde import autograde
    from .report import make_report

    roster = class_roster(size)  # a wrong size is refused before anything is written
    demo = prepare_demo_course(course, out)
    assignments = source_assignments(demo)
    results = steps.generate_assignments(demo, assignments)
    failed = [r for r in results if not r.ok]
    if failed:
        raise CrmkitError(
            f"生成学生版失败 / generate_assignment failed: {failed[0].assignment}: {failed[0].detail}"
        )
    plan = plan_class(assignments, size, seed)
    enroll(demo, roster)
    hand_in(demo, plan)
    graded = autograde(demo, assignments, jobs=jobs, progress=progress)
    results += graded.results
    results += steps.write_feedback(demo, assignments, progress=feedback_progress)
    report, page = make_report(demo, assignments)
    return DemoRun(
        demo, plan, results, scores(demo, assignments), graded.flags, page, report.summary_line()
    )
