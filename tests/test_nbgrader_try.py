"""``crmkit course try NOTEBOOK``: one notebook graded by the class's own grader, in the terminal.

Real nbgrader and the sandboxed two-kernel grader on the kit's course: the solution earns every
automatic point, a typical mistake loses its task's points with the check's message, and the
course (its gradebook, ``release/``, ``source/``) is left exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from course_cli import crmkit

from crmkit.errors import UsageError
from crmkit.grading.demo.mistakes import ANSWERS_FOLDER, CODE_MISTAKES, mistake_code
from crmkit.grading.release.task_templates import render_text
from crmkit.grading.release.term import course_context
from crmkit.grading.submissions import read_notebook, replace_solution
from crmkit.grading.try_notebook import default_student, locate

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
SOURCE = COURSE / "source" / "segmentation" / "segmentation.ipynb"


def course_state() -> dict[str, int]:
    """Every file of the course with its modification time: what trying must not change."""
    return {str(p): p.stat().st_mtime_ns for p in COURSE.rglob("*") if p.is_file()}


def test_the_solution_earns_every_automatic_point(capsys):
    before = course_state()
    assert crmkit("course", "try", str(SOURCE), "--course", str(COURSE)) == 0
    printed = capsys.readouterr().out
    assert "学号 / student instructor" in printed  # the id the source folder previews with
    assert "rfm_tests           2 / 2      ✓" in printed
    assert "discussion          待评 / 3" in printed and "graded by hand" in printed
    assert "自动分 / auto: 17 / 17" in printed
    assert course_state() == before


def test_a_typical_mistake_loses_its_task_with_the_checks_message(tmp_path, capsys):
    mistake = next(m for m in CODE_MISTAKES["segmentation"] if m.task == "rfm")
    code = render_text(
        mistake_code(COURSE / ANSWERS_FOLDER, "segmentation", mistake),
        course_context(COURSE, "segmentation"),
        mistake.name,
    )  # a vetted wrong answer, for the published term
    notebook = replace_solution(read_notebook(SOURCE), "rfm_answer", code)
    folder = tmp_path / "submitted" / "2023007" / "segmentation"
    folder.mkdir(parents=True)
    import nbformat

    nbformat.write(notebook, folder / "segmentation (1).ipynb")  # renamed on the way, as happens
    tried = folder / "segmentation (1).ipynb"
    assert crmkit("course", "try", str(tried), "--course", str(COURSE)) == 0
    printed = capsys.readouterr().out
    assert "学号 / student 2023007" in printed  # the submitter's data
    table = printed.split("-\n", 1)[1].split("自动分")[0].splitlines()
    [rfm] = [line for line in table if line.startswith("rfm_tests")]
    assert "✗" in rfm and "M 不对" in rfm and "/ 2" in rfm
    others = [line for line in table if line.endswith("_tests") or "_tests " in line]
    for line in others:  # one mistake costs one task
        assert line.startswith("rfm_tests") or line.rstrip().endswith("✓"), line
    assert "自动分 / auto: 17 / 17" not in printed


def test_a_notebook_outside_an_assignment_folder_needs_assignment(tmp_path):
    copy = tmp_path / "mine.ipynb"
    copy.write_bytes(SOURCE.read_bytes())
    with pytest.raises(UsageError, match="pass --assignment"):
        locate(COURSE, copy, None)
    assert locate(COURSE, copy, "segmentation") == ("segmentation", "segmentation")
    assert default_student(copy) == "instructor"
    (tmp_path / "student_id.txt").write_text("2023012\n", encoding="utf-8")
    assert default_student(copy) == "2023012"
