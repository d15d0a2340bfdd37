"""Let Run All go past the unsolved tasks of a student version."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


class AllowErrorsInTaskCells(NbGraderPreprocessor):
    """Tag the student version's answer and test cells ``raises-exception``.

    JupyterLab's "Run All" stops at the first error, and an unsolved task always raises (its
    stub, then its tests). With the tag it runs on, so the widget tasks further down still
    appear for a student who cannot code. Only the student version is tagged: nbval treats the
    tag as "errors expected", and the solution notebook must run clean.
    """

    tag = Unicode("raises-exception", help="Cell tag that lets Run All continue past an error").tag(
        config=True
    )

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and (utils.is_solution(cell) or utils.is_grade(cell)):
            tags = list(cell.metadata.get("tags", []))
            if self.tag not in tags:
                cell.metadata["tags"] = [*tags, self.tag]
        return cell, resources
