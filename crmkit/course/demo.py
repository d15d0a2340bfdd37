"""``crmkit course demo``: the whole grading loop on three made-up students, in a scratch folder.

It copies the course's ``nbgrader_config.py`` and ``source/`` into ``build/course-demo/``
(never touching ``exercises/``), generates the student versions, hands in a correct, a partly
solved and a blank submission of every assignment, autogrades them and returns their scores.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import CrmkitError
from . import grading
from .submissions import notebook_path, partly_solved, read_notebook, submit

DEMO_STUDENTS = ("demo-correct", "demo-partial", "demo-blank")


def default_demo_dir() -> Path:
    """Where the demo course is built: the kit's ``build/course-demo``."""
    return Path(__file__).resolve().parents[2] / "build" / "course-demo"


DEMO_MARKER = ".crmkit-course-demo"


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
    shutil.copytree(course / "source", out / "source", ignore=shutil.ignore_patterns(
        ".ipynb_checkpoints", "widget_answers.json", "student_id.txt"))
    return out


def hand_in_demo_submissions(course: Path, assignments: list[str]) -> None:
    """Submit the solution, a half-solved and the blank release notebook of each assignment."""
    correct, partial, blank = DEMO_STUDENTS
    for assignment in assignments:
        solution = read_notebook(notebook_path(course, "source", assignment))
        release = read_notebook(notebook_path(course, "release", assignment))
        submit(course, correct, assignment, solution)
        submit(course, partial, assignment, partly_solved(solution, release))
        submit(course, blank, assignment, release)


def run_demo(
    course: Path, out: Path, progress: grading.Progress = iter
) -> tuple[list[grading.StepResult], list[grading.Score]]:
    """Build the demo course in ``out`` and grade it; returns every step's result and the scores."""
    demo = prepare_demo_course(course, out)
    assignments = grading.source_assignments(demo)
    results = grading.generate(demo, assignments)
    failed = [r for r in results if not r.ok]
    if failed:
        raise CrmkitError(
            f"生成学生版失败 / generate_assignment failed: {failed[0].assignment}: {failed[0].detail}"
        )
    hand_in_demo_submissions(demo, assignments)
    results += grading.autograde(demo, assignments, progress=progress)
    return results, grading.scores(demo, assignments)
