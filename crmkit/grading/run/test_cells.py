"""How a notebook's cells split between the student's kernel and the test kernel.

In the instructor's source notebook (nbgrader metadata):

* a **test cell** is a code cell with ``grade: true`` and no ``solution`` (public and hidden
  tests). It runs only in the test kernel. Its first lines declare what it reads from the
  student's work, one list per line::

      #| answers: rfm, rfm_scores
      #| widgets: core_cutoff

  ``answers`` are variables of the student's kernel, taken as plain data at the point where
  the test cell sits; ``widgets`` are widget answers from ``widget_answers.json`` (the
  widget's key is the variable's name), bound as objects with a ``.value``.
* a **context cell** is a read-only code cell (``locked``, not graded, not a solution): the
  setup and data-loading cells. It runs in both kernels: the tests see the data as loaded for
  the graded student, never the student's own variables.
* every other code cell is the student's and runs only in the student's kernel.

:func:`undeclared_names` finds names a test cell reads that neither it, the context cells nor its
declarations provide: the mistake that would make a correct answer fail with ``NameError``.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from typing import Any, TypedDict

DECLARATION = re.compile(r"^#\|\s*(answers|widgets)\s*:\s*(.*)$")


@dataclass(frozen=True)
class TestCell:
    """A test cell of the source notebook: its grade id, code, and what it
    reads from the student."""

    grade_id: str
    source: str
    answers: tuple[str, ...]
    widgets: tuple[str, ...]


class SentAnswers(TypedDict):
    """What one test saw of the student's work, as checked plain data
    (:mod:`crmkit.course.plain_data`): the answers and widget values it declares, by name."""

    answers: dict[str, Any]
    widgets: dict[str, Any]


def no_answers() -> SentAnswers:
    return {"answers": {}, "widgets": {}}


@dataclass(frozen=True)
class ContextCell:
    """A context cell of the source notebook: code the test kernel runs as it is."""

    source: str


def declarations(source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``answers`` and ``widgets`` a test cell's leading ``#|`` lines declare."""
    found: dict[str, list[str]] = {"answers": [], "widgets": []}
    for line in source.splitlines():
        match = DECLARATION.match(line.strip())
        if not match:
            if line.strip() and not line.strip().startswith("#"):
                break
            continue
        names = [n.strip() for n in match.group(2).split(",") if n.strip()]
        bad = [n for n in names if not n.isidentifier()]
        if bad:
            raise ValueError(f"not a variable name in '{line.strip()}': {bad}")
        found[match.group(1)] += names
    return tuple(found["answers"]), tuple(found["widgets"])


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    return (
        cell.get("cell_type") == "code"
        and bool(_meta(cell).get("grade"))
        and not _meta(cell).get("solution")
    )


def is_context_cell(cell) -> bool:
    meta = _meta(cell)
    return (
        cell.get("cell_type") == "code"
        and bool(meta.get("locked"))
        and not meta.get("grade")
        and not meta.get("solution")
    )


def _test_cell(cell) -> TestCell:
    answers, widgets = declarations(cell["source"])
    return TestCell(_meta(cell)["grade_id"], cell["source"], answers, widgets)


def test_cells(notebook) -> list[TestCell]:
    """The notebook's test cells in order, with their declarations."""
    return [_test_cell(cell) for cell in notebook["cells"] if is_test_cell(cell)]


def test_program(notebook) -> list[ContextCell | TestCell]:
    """What the test kernel runs, in notebook order: context cells and test cells."""
    program: list[ContextCell | TestCell] = []
    for cell in notebook["cells"]:
        if is_context_cell(cell):
            program.append(ContextCell(cell["source"]))
        elif is_test_cell(cell):
            program.append(_test_cell(cell))
    return program


def _bound(tree: ast.AST) -> set[str]:
    """Names a piece of code binds at its top level (assignments, imports, defs, loop targets)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _read(tree: ast.AST) -> set[str]:
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def undeclared_names(notebook) -> dict[str, list[str]]:
    """Per test cell (grade id): names it reads that nothing the test kernel runs would provide."""
    provided = set(dir(builtins)) | {"get_ipython", "display", "In", "Out", "_"}
    problems: dict[str, list[str]] = {}
    for step in test_program(notebook):
        tree = ast.parse(_strip_magics(step.source))
        if isinstance(step, ContextCell):
            provided |= _bound(tree)
            continue
        missing = sorted(
            _read(tree) - _bound(tree) - provided - set(step.answers) - set(step.widgets)
        )
        if missing:
            problems[step.grade_id] = missing
    return problems


def _strip_magics(code: str) -> str:
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()
    )
