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
from nbgrader.preprocessors import NbGraderPreprocessor
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

    begin_delimiter = Unicode(BEGIN_KEY, help="Line that opens an answer-key region").tag(
        config=True
    )
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
                f"答案区只能放在普通代码格里（第 {cell_index} 格）/ An answer-key region must sit "
                "in an ordinary code cell, not a graded, solution or "
                f"read-only one (cell {cell_index})"
            )
        cell.source = source
        return cell, resources
