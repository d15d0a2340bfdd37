"""Feedback shows a failed test as its one-line message."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class ShortenTestTracebacks(NbGraderPreprocessor):
    """In feedback, show a failed test as its one-line message, not the traceback.

    A traceback quotes the failing line, which for a hidden test would give away how the
    expected answer is computed; the assertion's bilingual message says what is wrong.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(
                        ": "
                    )
                    output["traceback"] = [message]
        return cell, resources
