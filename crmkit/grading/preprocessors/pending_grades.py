"""Feedback marks a written answer nobody has graded yet as pending, and says what totals hold."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from ..scores import PENDING


def points(value: float) -> str:
    """``value`` as feedback shows points: ``14``, ``1.5``, ``0.67``."""
    return f"{round(float(value), 2):g}"


class MarkPendingGrades(NbGraderPreprocessor):
    """Before hand grading, nbgrader's feedback shows a written answer as "Score: 0.0 / 3.0" and
    a total that counts it as 0, which students read as a fail.

    This step runs after nbgrader's ``GetGrades``. It reads from the gradebook which graded
    cells nobody has graded yet (no automatic and no manual score), marks them pending, and puts
    the feedback's wording in the notebook and its resources for the kit's feedback page
    (:mod:`crmkit.grading.feedback_page`): each cell's score or 待评 / pending, and a heading
    saying what the total includes.
    """

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            for cell in nb.cells:
                if utils.is_grade(cell):
                    grade = gradebook.find_grade(
                        cell.metadata.nbgrader["grade_id"],
                        info["notebook"],
                        info["assignment"],
                        info["student"],
                    )
                    cell.metadata.nbgrader["pending"] = (
                        grade.auto_score is None and grade.manual_score is None
                    )
        nb, resources = super().preprocess(nb, resources)
        resources["crmkit_feedback"] = {"heading": heading(nb.cells, info)}
        return nb, resources

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if utils.is_grade(cell):
            meta = cell.metadata.nbgrader
            most = points(meta["points"])
            meta["shown_score"] = (
                f"{PENDING} / pending（满分 {most} / out of {most}）"
                if meta.get("pending")
                else f"得分 / Score: {points(meta['score'])} / {most}"
            )
        return cell, resources


def heading(cells: list[NotebookNode], info: dict) -> str:
    """What the total holds: the automatic points, what is still to grade by hand, the penalty."""
    graded = [c for c in cells if utils.is_grade(c)]
    auto = [c for c in graded if c.cell_type == "code" and not c.metadata.nbgrader.get("pending")]
    by_hand = [c for c in graded if c not in auto and not c.metadata.nbgrader.get("pending")]
    pending = [c for c in graded if c.metadata.nbgrader.get("pending")]
    total = lambda group, key: sum(float(c.metadata.nbgrader[key] or 0) for c in group)  # noqa: E731
    penalty = float(info.get("late_penalty") or 0)
    late_zh = f"，扣迟交 {points(penalty)} 分" if penalty else ""
    late_en = f", less {points(penalty)} for lateness" if penalty else ""
    if pending:
        auto_score, auto_max = total(auto, "score") - penalty, total(auto, "points")
        waiting = points(total(pending, "points"))
        return (
            f"自动评分 {points(auto_score)} / {points(auto_max)}{late_zh}（书面回答{PENDING}，"
            f"{waiting} 分）/ {points(auto_score)} / {points(auto_max)} autograded{late_en} "
            f"(written answer pending, {waiting} points)"
        )
    score = total(auto, "score") + total(by_hand, "score") - penalty
    maximum = total(auto, "points") + total(by_hand, "points")
    written_zh, written_en = (
        ("（含书面回答）", " (written answer included)") if by_hand else ("", "")
    )
    return (
        f"总分 {points(score)} / {points(maximum)}{late_zh}{written_zh} / "
        f"total {points(score)} / {points(maximum)}{late_en}{written_en}"
    )
