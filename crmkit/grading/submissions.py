"""Put submissions into an nbgrader course: the solution, a blank one, a partly solved one.

Used by ``crmkit course demo`` and by the course tests, which grade many made-up students.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from ..course.answers import ANSWERS_FILE


def notebook_path(course: Path, stage: str, assignment: str) -> Path:
    """The (single) notebook of ``assignment`` in ``course/<stage>/``
    (``source`` or ``release``)."""
    return course / stage / assignment / f"{assignment}.ipynb"


def read_notebook(path: Path) -> NotebookNode:
    """A notebook read as nbformat 4."""
    return nbformat.read(path, as_version=4)


def submit(
    course: Path,
    student: str,
    assignment: str,
    notebook: NotebookNode,
    widget_answers: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, str] | None = None,
) -> Path:
    """Place a submission as ``nbgrader collect`` would, in ``submitted/<student>/<assignment>/``.

    Returns the submission folder. ``widget_answers`` becomes its ``widget_answers.json``;
    ``extra_files`` maps further file names to their text (e.g. ``student_id.txt``).
    """
    folder = course / "submitted" / student / assignment
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{assignment}.ipynb")
    if widget_answers is not None:
        payload = {"version": 1, "answers": dict(widget_answers)}
        (folder / ANSWERS_FILE).write_text(
            json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    for name, text in (extra_files or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def graded_cell_ids(notebook: NotebookNode) -> list[str]:
    """Grade ids of the notebook's graded cells (tests and hand-graded answers), in order."""
    return [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    ]


def _locked(cell: NotebookNode) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("locked"))


def handed_in(solution: NotebookNode, release: NotebookNode) -> NotebookNode:
    """The solution as a student would hand it in: their answers in the student version.

    Answer and ordinary cells come from the solution (widget answer keys stand for the choices a
    student made), read-only cells from the release version, so the hidden tests are not in it.
    """
    return partly_solved(solution, release, 1.0)


def partly_solved(
    solution: NotebookNode, release: NotebookNode, solved_fraction: float = 0.5
) -> NotebookNode:
    """A submission that solved the first ``solved_fraction`` of the graded cells and left the rest.

    Cells up to the cut come from the solution, later ones from the release version (so later
    code tasks still ``raise NotImplementedError`` and later widgets have no answer key);
    read-only cells always come from the release version, as in a student's copy.
    """
    if len(solution.cells) != len(release.cells):
        raise ValueError("source and release notebooks differ in cell count; regenerate release/")
    graded = [
        i for i, cell in enumerate(solution.cells) if cell.metadata.get("nbgrader", {}).get("grade")
    ]
    cut = graded[max(0, round(len(graded) * solved_fraction) - 1)] if graded else 0
    result = nbformat.from_dict(json.loads(json.dumps(release)))
    result.cells = [
        nbformat.from_dict(json.loads(json.dumps(s if i <= cut and not _locked(s) else r)))
        for i, (s, r) in enumerate(zip(solution.cells, release.cells, strict=True))
    ]
    return result


def replace_solution(notebook: NotebookNode, grade_id: str, code: str) -> NotebookNode:
    """A copy of ``notebook`` with the ``### BEGIN SOLUTION`` region of cell
    ``grade_id`` set to ``code``."""
    result = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in result.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            lines = cell.source.split("\n")
            begin = next(i for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line)
            end = next(i for i, line in enumerate(lines) if "### END SOLUTION" in line)
            cell.source = "\n".join(lines[:begin] + code.strip("\n").split("\n") + lines[end + 1 :])
            return result
    raise KeyError(f"no cell with grade id {grade_id!r}")


def solution_region(notebook: NotebookNode, grade_id: str) -> str:
    """The code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` of cell ``grade_id``."""
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            lines = cell.source.split("\n")
            begin = next(i for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line)
            end = next(i for i, line in enumerate(lines) if "### END SOLUTION" in line)
            return "\n".join(lines[begin + 1 : end])
    raise KeyError(f"no cell with grade id {grade_id!r}")


def without_cell(notebook: NotebookNode, grade_id: str) -> NotebookNode:
    """A copy of ``notebook`` without cell ``grade_id`` (a student deleting a read-only cell)."""
    result = nbformat.from_dict(json.loads(json.dumps(notebook)))
    result.cells = [
        c for c in result.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id
    ]
    return result


def insert_cell_after(notebook: NotebookNode, grade_id: str, code: str) -> NotebookNode:
    """A copy of ``notebook`` with an ordinary code cell holding ``code``
    after cell ``grade_id``."""
    result = nbformat.from_dict(json.loads(json.dumps(notebook)))
    index = next(
        i
        for i, cell in enumerate(result.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    new = nbformat.v4.new_code_cell(code)
    new.id = f"added-after-{grade_id}"
    result.cells.insert(index + 1, new)
    return result
