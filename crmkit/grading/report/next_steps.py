"""What the instructor does after the report, as commands for this very course.

The report page and ``crmkit course demo`` both end with them: grade the written answers in the
formgrader (opened on this course), send the grades to the LMS, give the students their feedback.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from ..course_folder import CHECKOUT_COURSE
from .page_templates import render_template

FORMGRADER_MENU = "Nbgrader › Formgrader › Manual Grading"


def formgrader_command(course: Path) -> str:
    """The command that opens JupyterLab, with nbgrader's formgrader, on ``course``."""
    if course.resolve() == CHECKOUT_COURSE.resolve():
        return "make lab-instructor"
    return f"cd {shlex.quote(str(course))} && jupyter lab"


def export_command(course: Path, fmt: str = "excel") -> str:
    return f"crmkit course export --course {shlex.quote(str(course))} --format {fmt}"


def report_command(course: Path) -> str:
    return f"crmkit course report --course {shlex.quote(str(course))}"


def feedback_command(course: Path) -> str:
    return f"crmkit course feedback --course {shlex.quote(str(course))}"


def next_steps_lines(course: Path, pending: int) -> list[str]:
    """The next steps as terminal lines (bilingual, one command each)."""
    lines = []
    if pending:
        lines.append(
            f"书面回答 {pending} 份待人工评分：运行 `{formgrader_command(course)}`，菜单 "
            f"{FORMGRADER_MENU}；评完再运行 `{report_command(course)}` / {pending} written "
            f"answer(s) to grade by hand: run `{formgrader_command(course)}`, then "
            f"{FORMGRADER_MENU}; then run `{report_command(course)}` again"
        )
    lines.append(
        f"成绩导入教学平台 / send grades to your LMS: `{export_command(course)}` "
        "（canvas|moodle|brightspace 要加 --roster roster.csv；见 docs/lms_export.md / "
        "canvas|moodle|brightspace also take --roster roster.csv; see docs/lms_export.md)"
    )
    return lines


def next_steps_html(course: Path, pending: int) -> str:
    """The report's "next steps" section for ``course`` (``templates/next_steps.html.j2``);
    ``pending`` written answers to grade."""
    return render_template(
        "next_steps.html.j2",
        pending=pending,
        menu=FORMGRADER_MENU,
        grade=[formgrader_command(course), report_command(course)],
        export=[f"{export_command(course, 'canvas')} --roster roster.csv", export_command(course)],
        feedback=[feedback_command(course)],
    )
