"""Mistakes a student makes in a notebook show as the one bilingual line, not a traceback.

Run in a real kernel (nbclient), as JupyterLab runs a cell: IPython asks the exception to render
itself, and the error output that reaches the student holds that line only.
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient


def run_cell(code: str) -> dict:
    """The error output of running ``code`` in a fresh kernel (the cell must fail)."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute()
    errors = [o for o in notebook.cells[0].outputs if o.output_type == "error"]
    assert errors, notebook.cells[0].outputs
    return errors[0]


@pytest.mark.parametrize(
    ("code", "fragments"),
    [
        (
            'from crmkit.datasets import load\nload("retail_chain", "visitz")',
            ["visitz", "visits", "数据表"],
        ),
        (
            'from crmkit.datasets import load\nload("retial_chain")',
            ["retial_chain", "retail_chain", "案例"],
        ),
        (
            'from crmkit.datasets import load\nload("retail_chain", "visits", student="")',
            ["学号", "student id", "2023012345"],
        ),
    ],
    ids=["mistyped-table", "mistyped-case", "empty-student-id"],
)
def test_a_crmkit_error_in_a_notebook_is_one_bilingual_line(code, fragments):
    error = run_cell(code)
    assert error["ename"] == "UsageError"
    assert len(error["traceback"]) == 1, error["traceback"]
    line = error["traceback"][0]
    assert "Traceback" not in line and "File " not in line and "\n" not in line
    for fragment in fragments:
        assert fragment in line, line


def test_other_errors_keep_their_traceback():
    """Only the kit's own messages render short: a bug in a student's code still shows where."""
    error = run_cell("def f():\n    return 1 / 0\nf()")
    assert error["ename"] == "ZeroDivisionError"
    assert len(error["traceback"]) > 1
