"""An nbgrader preprocessor that keeps widget answer keys out of the student version.

A widget task has no code for the student to write, so nbgrader's ``### BEGIN SOLUTION`` would
leave ``raise NotImplementedError()`` in a cell a student cannot fix without code. Instead the
source notebook sets the widget's answer inside ``### BEGIN ANSWER KEY`` / ``### END ANSWER KEY``
in an ordinary (unmarked) cell, and :class:`ClearAnswerKeys` drops that region when the release
version is generated. Ordinary cells are never restored from the gradebook, so a submission runs
its own version of the cell: the solution notebook presets the key, a student's does not.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearSolutions, NbGraderPreprocessor, SaveCells
from traitlets import Unicode

BEGIN_KEY = "### BEGIN ANSWER KEY"
END_KEY = "### END ANSWER KEY"


def remove_answer_key(source: str, begin: str = BEGIN_KEY, end: str = END_KEY) -> tuple[str, bool]:
    """``source`` without its answer-key regions, and whether there was one."""
    kept: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise RuntimeError(f"答案区嵌套 / nested '{begin}'")
            inside = found = True
        elif end in line:
            if not inside:
                raise RuntimeError(f"'{end}' 前没有 '{begin}' / '{end}' without '{begin}'")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise RuntimeError(f"缺少 '{end}' / '{begin}' has no '{end}'")
    text = "\n".join(kept)
    return (text.rstrip("\n") if found else text), found


class ClearAnswerKeys(NbGraderPreprocessor):
    """Remove ``### BEGIN ANSWER KEY`` regions from ordinary code cells of the student version."""

    begin_delimiter = Unicode(BEGIN_KEY, help="Line that opens an answer-key region").tag(config=True)
    end_delimiter = Unicode(END_KEY, help="Line that closes an answer-key region").tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type != "code":
            return cell, resources
        source, found = remove_answer_key(cell.source, self.begin_delimiter, self.end_delimiter)
        if found and (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell)):
            # such cells are restored from the gradebook when grading, which would grade every
            # student with the key; only ordinary cells keep the submission's own version
            raise RuntimeError(
                f"答案区只能放在普通代码格里（第 {cell_index} 格）/ An answer-key region must sit in an "
                f"ordinary code cell, not a graded, solution or read-only one (cell {cell_index})"
            )
        cell.source = source
        return cell, resources


class AllowErrorsInTaskCells(NbGraderPreprocessor):
    """Tag the student version's answer and test cells ``raises-exception``.

    JupyterLab's "Run All" stops at the first error, and an unsolved task always raises (its
    stub, then its tests). With the tag it runs on, so the widget tasks further down still
    appear for a student who cannot code. Only the student version is tagged: nbval treats the
    tag as "errors expected", and the solution notebook must run clean.
    """

    tag = Unicode("raises-exception", help="Cell tag that lets Run All continue past an error").tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and (utils.is_solution(cell) or utils.is_grade(cell)):
            tags = list(cell.metadata.get("tags", []))
            if self.tag not in tags:
                cell.metadata["tags"] = [*tags, self.tag]
        return cell, resources


def generate_preprocessors() -> list[type]:
    """nbgrader's own ``GenerateAssignment.preprocessors`` with this module's two additions.

    :class:`ClearAnswerKeys` goes right after ``ClearSolutions``, before ``SaveCells``, so the
    gradebook never stores a key; :class:`AllowErrorsInTaskCells` goes last (tags are not part
    of nbgrader's checksums).
    """
    from nbgrader.converters import GenerateAssignment

    pipeline = list(GenerateAssignment.class_traits()["preprocessors"].default())
    at = pipeline.index(ClearSolutions) + 1
    pipeline.insert(at, ClearAnswerKeys)
    if pipeline.index(SaveCells) < at:
        raise RuntimeError("nbgrader 的生成流程变了 / nbgrader's generate pipeline changed: SaveCells before ClearSolutions")
    return [*pipeline, AllowErrorsInTaskCells]


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
                    message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
                    output["traceback"] = [message]
        return cell, resources


def feedback_preprocessors() -> list[type]:
    """nbgrader's ``GenerateFeedback.preprocessors`` plus removal of hidden tests and their tracebacks.

    nbgrader 0.9's feedback shows the autograded notebook as is, hidden tests included.
    """
    from nbgrader.converters import GenerateFeedback
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    pipeline = list(GenerateFeedback.class_traits()["preprocessors"].default())
    at = pipeline.index(GetGrades) + 1  # grades are read first, from the full notebook
    pipeline[at:at] = [ClearHiddenTests, ShortenTestTracebacks]
    return pipeline
