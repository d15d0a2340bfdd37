"""``crmkit course demo``: a whole term of grading on a made-up class, in a scratch folder.

It draws a term from the course's templates into a demo folder, as an instructor would with
``crmkit course new-term`` (never touching ``exercises/``), enrolls a class of about a dozen
students (``s01-wang``, ``s02-li``, …) and hands in, for every assignment, a spread decided by a
seed: complete notebooks, partly solved ones, ones with a typical mistake, blank ones, one missing
submission and exactly one attempt to cheat the grader (errors silenced, a test cell deleted).
Honest students write each task their own way (the course's vetted right answers,
:mod:`.mistakes`), not the published solution. A class of eight or more also copies
(:mod:`.copies`): one student pastes a classmate's numbers, a pair shares code with the names
changed, a pair hands in one written answer reworded, one student hands in the published solution
with its constants changed, and two honest students write the same short solution. It then
autogrades the class in parallel sandboxed kernels, writes the students' feedback and the
instructor's report, whose integrity section should find the four copies and nobody else.

``s01-wang`` always hands in complete, correct work, so the demo shows what full marks look like.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ...errors import CrmkitError, UsageError
from .. import steps
from ..course_folder import in_course_folder, source_assignments
from ..release.task_templates import render_text
from ..release.term import course_context, new_term, published_notebook, template_assignments
from ..scores import Score, scores
from ..settings import SETTINGS
from ..submissions import (
    handed_in,
    insert_cell_after,
    notebook_path,
    partly_solved,
    read_notebook,
    replace_solution,
    solution_region,
    submit,
    without_cell,
)
from .copies import (
    COPY_CASES,
    COPY_KINDS,
    PASTED,
    PUBLISHED_COPY,
    SHARED_TEXT,
    answer_of,
    pasted_code,
)
from .mistakes import (
    ANSWERS_FOLDER,
    CODE_MISTAKES,
    SILENCE_ERRORS,
    WIDGET_MISTAKES,
    mistake_answers,
    mistake_code,
    own_way,
    right_answers,
)

DEMO_MARKER = ".crmkit-course-demo"
DEMO_SEED = SETTINGS.demo_seed
DEMO_TERM_SEED = 2025  # the term the demo draws, as an instructor's new-term would
CLASS_SIZE = SETTINGS.demo_class_size
MIN_CLASS_SIZE = SETTINGS.demo_min_class_size
MAX_CLASS_SIZE = SETTINGS.demo_max_class_size
COPY_MIN_CLASS_SIZE = 8  # smaller classes have too few students for the copies beside the spread
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
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "exercises").is_dir():
        return checkout / "build" / "course-demo"
    return Path.cwd() / "course-demo"


def prepare_demo_course(course: Path, out: Path, term_seed: int | None = None) -> Path:
    """A fresh course in ``out``; returns ``out``.

    With ``term_seed`` (and templates in ``course``), a term drawn by that seed, made as
    ``crmkit course new-term`` makes it, student versions generated. Otherwise a copy of
    ``course``'s config and ``source/`` (the same term; ``release/`` and the gradebook are made
    again by generating). ``out`` must be new, empty, or an earlier demo folder (it carries a
    marker file); anything else is refused rather than emptied, so a mistyped ``--dir`` cannot
    delete real work.
    """
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        if not (out / DEMO_MARKER).is_file():
            raise CrmkitError(
                f"{out} 已存在且不是演示目录，不会清空它；请换一个新的或空的目录 / "
                f"{out} exists and is not a demo folder, so it is left alone; "
                "pass a new or empty --dir"
            )
        shutil.rmtree(out)
    if term_seed is not None and template_assignments(course):
        made = new_term(course, out, "demo", term_seed)
        failed = [r for r in made.generated if not r.ok]
        if failed:
            raise CrmkitError(
                f"生成学生版失败 / generate_assignment failed: "
                f"{failed[0].assignment}: {failed[0].detail}"
            )
        (out / DEMO_MARKER).write_text("crmkit course demo\n", encoding="utf-8")
        return out
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text("crmkit course demo\n", encoding="utf-8")
    shutil.copy2(course / "nbgrader_config.py", out / "nbgrader_config.py")
    if (course / "templates").is_dir():  # the templates say which term the sources are
        shutil.copytree(course / "templates", out / "templates")
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

    ``kind`` is correct, partial, wrong, blank, missing or tamper, or one of the copy kinds of
    :mod:`.copies` (the solution, with ``task`` copied with ``partner``, or for ``pasted``
    computed on ``partner``'s data). ``fraction`` is the share of graded cells a partial (or
    tampering) submission solved; ``wrong_tasks`` the tasks a wrong submission got wrong (their
    test cells must score 0).
    """

    student: str
    assignment: str
    kind: str
    fraction: float = 0.0
    wrong_tasks: tuple[str, ...] = ()
    task: str = ""
    partner: str = ""
    first: bool = True  # the first of a pair hands in the original, the second the reworked copy


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

    ``s01-wang`` hands in every solution. In a class of :data:`COPY_MIN_CLASS_SIZE` or more, the
    copy cases of :mod:`.copies` go to distinct other students first. Among the rest, every
    assignment gets at least one partial, one wrong and one blank submission, the rest drawn by
    :data:`KIND_WEIGHTS`; one student misses one assignment, and another tampers with a
    different one. Wrong submissions of an assignment make different mistakes while there are
    enough, so two honest students do not hand in the same wrong code.
    """
    assignments = sorted(assignments)
    roster = class_roster(size)
    rng = random.Random(seed)
    reference, others = roster[0], roster[1:]
    copies = _copy_cases(rng, others, assignments) if size >= COPY_MIN_CLASS_SIZE else []
    copying = {(c.student, c.assignment) for c in copies}
    tamper_assignment = rng.choice(assignments)
    missing_assignment = rng.choice(
        [a for a in assignments if a != tamper_assignment] or assignments
    )
    tamperer = rng.choice([s for s in others if (s, tamper_assignment) not in copying])
    absentee = rng.choice(
        [s for s in others if s != tamperer and (s, missing_assignment) not in copying]
    )
    plan = [Planned(reference, a, "correct") for a in assignments] + copies
    for assignment in assignments:
        special = {tamperer: "tamper"} if assignment == tamper_assignment else {}
        if assignment == missing_assignment:
            special[absentee] = "missing"
        free = [s for s in others if s not in special and (s, assignment) not in copying]
        kinds = ["partial", "wrong", "blank"]
        kinds += rng.choices(
            list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()), k=len(free) - len(kinds)
        )
        rng.shuffle(kinds)
        mistakes: list = []  # drawn without putting back, then from a fresh shuffle
        for student, kind in [*zip(free, kinds, strict=True), *special.items()]:
            plan.append(_detail(rng, student, assignment, kind, mistakes))
    return sorted(plan, key=lambda p: (p.student, p.assignment))


def _copy_cases(rng: random.Random, others: Sequence[str], assignments: Sequence[str]):
    """The copy cases of :mod:`.copies` whose assignment is in the course, each given to
    students who hand in nothing else special for that assignment (the classmate whose data are
    pasted may be anyone else)."""
    planned = []
    for assignment in assignments:
        pool = rng.sample(list(others), k=len(others))
        for case in (c for c in COPY_CASES if c.assignment == assignment):
            if case.kind in (PASTED, PUBLISHED_COPY):
                student = pool.pop()
                source = (
                    rng.choice([s for s in others if s != student]) if case.kind == PASTED else ""
                )
                planned.append(
                    Planned(student, case.assignment, case.kind, task=case.task, partner=source)
                )
                continue
            first, second = pool.pop(), pool.pop()
            planned += [
                Planned(first, case.assignment, case.kind, task=case.task, partner=second),
                Planned(
                    second, case.assignment, case.kind, task=case.task, partner=first, first=False
                ),
            ]
    return planned


def _detail(
    rng: random.Random, student: str, assignment: str, kind: str, mistakes: list
) -> Planned:
    if kind in ("partial", "tamper"):
        return Planned(student, assignment, kind, fraction=rng.choice(PARTIAL_FRACTIONS))
    if kind == "wrong":
        known = CODE_MISTAKES.get(assignment, ())
        if not mistakes:
            mistakes += rng.sample(known, k=len(known))
        tasks = [mistakes.pop().task] if mistakes else []
        if assignment in WIDGET_MISTAKES and (not tasks or rng.random() < 0.5):
            tasks.append(WIDGET_MISTAKES[assignment].task)
        return Planned(student, assignment, kind, wrong_tasks=tuple(tasks))
    return Planned(student, assignment, kind)


# ---------------------------------------------------------------- handing in


def enroll(course: Path, students: Sequence[str]) -> None:
    """Add ``students`` to the course's gradebook, as an instructor imports the class list."""
    from ..gradebook import open_gradebook

    with in_course_folder(course), open_gradebook(course) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)


def hand_in(course: Path, plan: Sequence[Planned], answers: Path | None = None) -> None:
    """Put every planned submission into ``course/submitted`` (nothing for a missing one).

    ``answers`` is the kit's ``exercises/answers`` (vetted right and wrong answers, rendered for
    the course's term): honest students write each task their own way from it, and wrong ones
    make its mistakes. Without it, honest students hand in the solution.
    """
    notebooks = {}
    for entry in plan:
        if entry.assignment not in notebooks:
            notebooks[entry.assignment] = _class_work(course, entry.assignment, answers)
        solution, release, honest, term = notebooks[entry.assignment]
        widget_answers = None
        if entry.kind == "correct":
            notebook = honest
        elif entry.kind == "partial":
            notebook = partly_solved(honest, release, entry.fraction)
        elif entry.kind == "blank":
            notebook = release
        elif entry.kind == "tamper":  # silences errors and deletes the last test cell
            last_test = [
                c.metadata["nbgrader"]["grade_id"]
                for c in release.cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            ][-1]
            notebook = insert_cell_after(
                partly_solved(honest, release, entry.fraction), "load_data", SILENCE_ERRORS
            )
            notebook = without_cell(notebook, last_test)
        elif entry.kind == PUBLISHED_COPY:
            # the published solution with the term's constants: the term's own solution, word
            # for word, which is what a student who copies the open answer key hands in
            notebook = handed_in(solution, release)
        elif entry.kind in COPY_KINDS:
            notebook = honest
            cell = entry.task if entry.kind == SHARED_TEXT else f"{entry.task}_answer"
            try:
                if entry.kind == PASTED:
                    answer = pasted_code(_printed_answers(course, entry))
                else:
                    if answers is None:
                        raise KeyError(entry.kind)  # no copies to hand in: the work unchanged
                    copied = answer_of(entry.kind, entry.first, answers)
                    answer = render_text(copied, term, entry.kind)
                notebook = replace_solution(notebook, cell, answer)
            except KeyError:  # a course of one's own without this task: unchanged
                pass
        elif entry.kind == "wrong":
            notebook, widget_answers = honest, {}
            for mistake in CODE_MISTAKES.get(entry.assignment, ()):
                if mistake.task in entry.wrong_tasks and answers is not None:
                    code = render_text(
                        mistake_code(answers, entry.assignment, mistake), term, mistake.name
                    )
                    notebook = replace_solution(notebook, f"{mistake.task}_answer", code)
            widget = WIDGET_MISTAKES.get(entry.assignment)
            if widget is not None and widget.task in entry.wrong_tasks and answers is not None:
                widget_answers.update(mistake_answers(answers, entry.assignment, widget))
        else:  # missing
            continue
        submit(course, entry.student, entry.assignment, notebook, widget_answers or None)


def _class_work(course: Path, assignment: str, answers: Path | None):
    """The assignment's solution, release, an honest student's notebook and the term's context.

    The honest notebook is the solution with each code task written another way: of the vetted
    right answers, the one least like the published solution's code for that task.
    """
    solution = read_notebook(notebook_path(course, "source", assignment))
    release = read_notebook(notebook_path(course, "release", assignment))
    honest = handed_in(solution, release)
    term = course_context(course, assignment) if (course / "templates").is_dir() else {}
    published_path = published_notebook(course, assignment)
    if answers is None or not (answers / "right" / assignment).is_dir() or published_path is None:
        return solution, release, honest, term
    published = read_notebook(published_path)
    for task, choices in right_answers(answers, assignment).items():
        grade_id = f"{task}_answer"
        try:
            reference = solution_region(published, grade_id)
        except KeyError:
            continue
        rendered = [render_text(code, term, f"{assignment}/{task}") for code in choices]
        # the region's markers stay, so a copy case can replace this task again
        own = f"### BEGIN SOLUTION\n{own_way(rendered, reference).strip()}\n### END SOLUTION"
        honest = replace_solution(honest, grade_id, own)
    return solution, release, honest, term


def _printed_answers(course: Path, entry: Planned) -> dict:
    """What the solution of ``entry.task`` gives on the partner's data (computed once, kept in the
    course folder where the report's integrity check finds it again)."""
    from ..integrity.expected import expected_answers
    from ..run import plain_data_decode

    expected = expected_answers(course, entry.assignment, [entry.partner])[entry.partner]
    sent = expected[entry.assignment][f"{entry.task}_tests"]["answers"]
    return {name: plain_data_decode.decode(value) for name, value in sent.items()}


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
    generate_progress: steps.Progress = iter,
    integrity_progress: steps.Progress = iter,
) -> DemoRun:
    """Build the demo course in ``out``, hand in the class, grade it, write feedback and the
    report; each ``*progress`` wraps its step's jobs (``progress``: autograding)."""
    from ..report import make_report
    from ..run.autograde import autograde, default_jobs

    roster = class_roster(size)  # a wrong size is refused before anything is written
    demo = prepare_demo_course(course, out, term_seed=DEMO_TERM_SEED)
    assignments = source_assignments(demo)
    results: list[steps.StepResult] = []
    if not (demo / "release").is_dir():  # a course without templates: generate its copy
        results = steps.generate_assignments(demo, assignments, progress=generate_progress)
        failed = [r for r in results if not r.ok]
        if failed:
            raise CrmkitError(
                f"生成学生版失败 / generate_assignment failed: "
                f"{failed[0].assignment}: {failed[0].detail}"
            )
    plan = plan_class(assignments, size, seed)
    enroll(demo, roster)
    answers = course / ANSWERS_FOLDER
    hand_in(demo, plan, answers if answers.is_dir() else None)
    graded = autograde(demo, assignments, jobs=jobs, progress=progress)
    results += graded.results
    results += steps.write_feedback(demo, assignments, progress=feedback_progress)
    report, page = make_report(
        demo, assignments, jobs=jobs or default_jobs(), progress=integrity_progress
    )
    return DemoRun(
        demo, plan, results, scores(demo, assignments), graded.flags, page, report.summary_line()
    )
