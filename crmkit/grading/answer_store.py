"""What each student's kernel sent to the tests, kept beside the gradebook for the class report.

``<course>/.crmkit/answers/<assignment>/<student>.json`` holds, per notebook and test cell, the
answers (as checked plain data, :mod:`crmkit.course.plain_data`) and widget values the tests saw.
The report's integrity section compares them with the answers expected on other students' data.
Only the grader writes here; it is not part of ``autograded/`` (whose files go back to students
as feedback).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

FOLDER = Path(".crmkit") / "answers"


def answers_path(course: Path, assignment: str, student: str) -> Path:
    return course / FOLDER / assignment / f"{student}.json"


def store_answers(course: Path, assignment: str, student: str, answers: dict) -> None:
    """Store ``answers`` ({notebook: {grade_id: {"answers": ..., "widgets": ...}}}), replacing
    the old."""
    target = answers_path(course, assignment, student)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(json.dumps(answers, ensure_ascii=False, separators=(",", ":")))  # dumps: C speed
    os.replace(temporary, target)


def stored_answers(course: Path, assignment: str, student: str) -> dict:
    """The stored answers of one submission ({} when there are none)."""
    try:
        return json.loads(answers_path(course, assignment, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
