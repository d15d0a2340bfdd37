"""What the instructor does after the report, as commands for this very course.

The report page and ``crmkit course demo`` both end with them: grade the written answers in the
formgrader (opened on this course), send the grades to the LMS, give the students their feedback.
"""

from __future__ import annotations

import html
import shlex
from pathlib import Path

from ..course_folder import CHECKOUT_COURSE

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


def _commands(*lines: str) -> str:
    return '<pre class="commands">' + "\n".join(html.escape(line) for line in lines) + "</pre>"


def next_steps_html(course: Path, pending: int) -> str:
    """The report's "next steps" section for ``course``; ``pending`` written answers to grade."""
    menu = html.escape(FORMGRADER_MENU)
    if pending:
        grade = (
            f"{pending} 份待人工评分：运行下面第一行，在 JupyterLab 的菜单里选 {menu}"
            "（formgrader 读这个课程的成绩库）；评完运行第二行更新本报告。/ "
            f"{pending} waiting to be graded by hand: run the first line and choose {menu} in "
            "JupyterLab's menu (the formgrader reads this course's gradebook); when done, the "
            "second line updates this report."
        )
    else:
        grade = (
            f"都已评分；要改分时运行第一行，菜单 {menu}。/ All graded; to change a grade, run the "
            f"first line, then {menu}."
        )
    return (
        "<h2>下一步 / Next steps</h2>\n<ol>\n"
        f"<li><strong>书面回答 / Written answers</strong>：{grade}"
        + _commands(formgrader_command(course), report_command(course))
        + "</li>\n<li><strong>成绩导入教学平台 / Send grades to your LMS</strong>："
        "Canvas（或 moodle、brightspace）用第一行，学习通、雨课堂等用第二行的表格复制粘贴；"
        "格式和名单见 docs/lms_export.md。/ Canvas (or moodle, brightspace): the first line; "
        "platforms without an import format: the second line's sheet, to paste from. Formats "
        "and the roster: docs/lms_export.md."
        + _commands(
            f"{export_command(course, 'canvas')} --roster roster.csv", export_command(course)
        )
        + "</li>\n<li><strong>学生的反馈 / Students' feedback</strong>：写出每位学生的反馈页 / "
        "writes each student's feedback page."
        + _commands(feedback_command(course))
        + "</li>\n</ol>\n"
    )
