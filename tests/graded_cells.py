"""What an autograded submission's notebooks show, read the way a test checks them."""

from __future__ import annotations

from pathlib import Path

import nbformat


def cell_errors(course: Path, assignment: str, student: str) -> dict[str, str]:
    """The error name (e.g. ``AssertionError``) each graded cell raised in an
    autograded submission."""
    errors = {}
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            names = [
                o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"
            ]
            if grade_id and names:
                errors[grade_id] = names[0]
    return errors
