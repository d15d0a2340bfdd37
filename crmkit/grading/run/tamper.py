"""What an instructor should look at in a graded submission, beside its score.

Found after grading, from the autograded notebook: graded cells the student deleted or renamed
(nbgrader leaves their points to be graded by hand), and the grader's own notes on the run (files
left out of the submission and why, output cut off, the cell where the student's kernel died,
answers that could not be graded). Each names the notebook and, where there is one, the cell
and task.

There is no scan of the student's code for tricks any more: the hidden tests run in a kernel
that never ran student code, so patching ``numpy`` or IPython in the student's kernel changes
nothing a test sees (docs/grading_safety.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..course_folder import open_api
from ..gradebook import connect_gradebook

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

NOTES_KEY = "crmkit"  # notebook metadata the grader writes: {"notes": [...]}


def graded_cells(db_url: str, course_id: str, assignment: str) -> dict[str, set[str]]:
    """The grade ids of each notebook of ``assignment``, as the gradebook defines them."""
    with connect_gradebook(db_url, course_id) as gradebook:
        return graded_cells_in(gradebook, assignment)


def graded_cells_in(gradebook: Gradebook, assignment: str) -> dict[str, set[str]]:
    """:func:`graded_cells` read from a gradebook that is open already."""
    return {
        n.name: {c.name for c in n.grade_cells}
        for n in gradebook.find_assignment(assignment).notebooks
    }


def tamper_flags(
    course: Path, assignment: str, student: str, expected: dict[str, set[str]] | None = None
) -> list[str]:
    """What to look at in an autograded submission (empty when nothing).

    ``expected`` (default: read from the gradebook) are the grade ids each notebook must have.
    """
    import nbformat

    if expected is None:
        api = open_api(course)
        expected = graded_cells(api.coursedir.db_url, api.coursedir.course_id, assignment)

    flags = []
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001
            return [f"{path.name}: 无法读取 / unreadable"]
        present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells}
        missing = sorted(expected.get(path.stem, set()) - present)
        if missing:
            flags.append(
                f"{path.stem}: 评分格被删除或改名 / graded cells deleted or renamed: "
                f"{', '.join(missing)}"
            )
        notes = notebook.metadata.get(NOTES_KEY, {}).get("notes", [])
        flags += [f"{path.stem}: {note}" for note in notes if isinstance(note, str)]
    return sorted(set(flags))
