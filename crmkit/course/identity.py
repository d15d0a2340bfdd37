"""Whose data a notebook works on: the student id, and where it comes from.

The id decides the student's own data variant (``load(..., student=id)``). It is looked up in
this order, first match wins:

1. Autograding: ``crmkit course autograde`` gives each kernel the id of the submission it grades
   (``CRMKIT_STUDENT_ID``, with ``NBGRADER_EXECUTION=autograde``); plain ``nbgrader autograde``
   runs the notebook in ``autograded/<student_id>/<assignment>/``, so the folder's name is the
   id. A file in the submission cannot change it, which is what keeps a student from grading
   themselves on a classmate's data (and the hidden tests never read it from the student's
   kernel at all).
2. JupyterHub: ``JUPYTERHUB_USER``, which is also nbgrader's student id on a hub.
3. The id the student saved once with :func:`set_student_id` (``student_id.txt`` beside the
   notebook; it travels with the submission but is only read outside autograding).
4. An instructor previewing ``<course>/source/<assignment>/``: the id ``instructor``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import CrmkitError, UsageError

ID_FILE = "student_id.txt"
GRADER_ID_ENV = "CRMKIT_STUDENT_ID"  # set by the grader in the kernels it starts
INSTRUCTOR_PREVIEW_ID = "instructor"
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class StudentId:
    """A student id and where it was found (``autograde``, ``jupyterhub``,
    ``file`` or ``source``)."""

    student: str
    origin: str


def autograded_student(folder: Path) -> str | None:
    """The student id from an nbgrader ``autograded/<student>/<assignment>`` folder, else None."""
    folder = folder.resolve()
    if len(folder.parents) >= 2 and folder.parents[1].name == "autograded":
        return folder.parent.name
    return None


def saved_student_id(folder: Path) -> str | None:
    """The id saved in ``student_id.txt`` in ``folder``, or None if there is none."""
    path = folder / ID_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, IsADirectoryError):
        return None
    return text or None


def is_course_source(folder: Path) -> bool:
    """Whether ``folder`` is ``<course>/source/<assignment>`` of an nbgrader course."""
    folder = folder.resolve()
    return (
        folder.parent.name == "source" and (folder.parent.parent / "nbgrader_config.py").is_file()
    )


def find_student_id(
    folder: Path | None = None, environ: Mapping[str, str] | None = None
) -> StudentId | None:
    """The student id that decides the data in ``folder`` (default: the working
    directory), or None."""
    folder = Path.cwd() if folder is None else Path(folder)
    environ = os.environ if environ is None else environ
    given = environ.get(GRADER_ID_ENV, "").strip()
    if given and environ.get("NBGRADER_EXECUTION") == "autograde":
        return StudentId(given, "autograde")
    graded = autograded_student(folder)
    if graded:
        return StudentId(graded, "autograde")
    if environ.get("NBGRADER_EXECUTION") == "autograde":
        raise CrmkitError(
            f"自动评分时找不到学号：笔记本应在 autograded/<学号>/<作业>/ 中运行，现在在 {folder}；"
            "请使用 nbgrader 的默认目录结构 / "
            "No student id while autograding: expected to run in "
            f"autograded/<student>/<assignment>/, not {folder}. Use nbgrader's "
            "default directory_structure"
        )
    hub_user = environ.get("JUPYTERHUB_USER", "").strip()
    if hub_user:
        return StudentId(hub_user, "jupyterhub")
    saved = saved_student_id(folder)
    if saved:
        return StudentId(saved, "file")
    if is_course_source(folder):
        return StudentId(INSTRUCTOR_PREVIEW_ID, "source")
    return None


def student_id(folder: Path | None = None) -> str:
    """The id whose data this notebook uses; raises a bilingual CrmkitError if none is known yet."""
    found = find_student_id(folder)
    if found is None:
        raise CrmkitError(
            "还没有学号：在上面的学号框里填写学号并点“保存”，或运行 "
            'course.set_student_id("你的学号")，'
            "然后从头重新运行笔记本 / No student id yet: type it in the box above and click Save, "
            'or run course.set_student_id("your id"), then run the notebook again from the top'
        )
    return found.student


def check_student_id(text: str) -> str:
    """``text`` trimmed, if it can be a student id; raises UsageError saying
    what to fix otherwise."""
    student = str(text).strip()
    if not student or len(student) > MAX_ID_LENGTH or any(ch in student for ch in "/\\\n\r\t"):
        raise UsageError(
            f"学号 '{text}' 不可用：应为 1–{MAX_ID_LENGTH} 个字符，不含斜杠和换行 / "
            f"Student id '{text}' cannot be used: give 1–{MAX_ID_LENGTH} characters without "
            "slashes or line breaks"
        )
    return student


def set_student_id(
    text: str, folder: Path | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """Save ``text`` as this assignment folder's student id and return it.

    Refused where the id is not the student's to choose: on JupyterHub (the login name is the
    id) and while autograding (the submission's folder is the id).
    """
    folder = Path.cwd() if folder is None else Path(folder)
    environ = os.environ if environ is None else environ
    student = check_student_id(text)
    fixed = find_student_id(folder, environ)
    if fixed is not None and fixed.origin in ("autograde", "jupyterhub"):
        if fixed.student == student:
            return student
        raise UsageError(
            f"这里的学号固定为 '{fixed.student}'（来自 {fixed.origin}），不能改成 '{student}' / "
            f"The student id here is fixed to '{fixed.student}' (from {fixed.origin}); it cannot "
            f"become '{student}'"
        )
    (folder / ID_FILE).write_text(student + "\n", encoding="utf-8")
    return student
