"""``crmkit course report``: the class at a glance, from the gradebook and the autograded notebooks.

What it writes (default ``<course>/reports/``):

* ``report.html``: score distribution per assignment, item analysis per autograded task (who lost
  points on it, how many never answered it, and the check that failed most often: its test's
  assertion message), and the students who need attention, each with the reason. Charts are
  embedded as base64 PNG, so the one file can be mailed or uploaded to the course site and still
  shows everything; the PNGs are also written beside it (for slides), and the CSVs
  are linked relatively.
* ``scores.csv`` (one row per student and assignment, missing submissions included) and
  ``items.csv`` (one row per autograded task), UTF-8 with a byte-order mark so Excel shows the
  Chinese, like the kit's datasets.
* ``scores_<assignment>.png`` and ``items_<assignment>.png``.
* ``notebooks/<student>/<assignment>/<notebook>.html``: the graded notebooks the integrity
  section links to, rendered without scripts or the test cells' code (:mod:`.notebook_pages`).
  They hold students' work: the folder is for the instructor, unlike ``report.html`` itself.

The page opens with the next steps for this course (:mod:`.next_steps`): grading the written
answers in the formgrader, exporting the grades, writing the feedback.

The same gradebook and notebooks always give the same bytes: rows are sorted, no timestamps or
paths are written, and the PNGs carry no software metadata.

The package: :mod:`.model` (the plain data), :mod:`.analysis` (small pure functions over it),
:mod:`.reading` (reads the course), :mod:`.charts` and :mod:`.rendering` (only format; the
page is ``templates/*.html.j2``, autoescaped, loaded by :mod:`.page_templates`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .analysis import (
    build_report,
    failure_message,
    item_analysis,
    needs_attention,
    notebook_failures,
    reasons_for,
    score_rows,
    summarize,
)
from .charts import draw_charts
from .model import (
    DEFAULT_THRESHOLD,
    NO_MESSAGE,
    NOTHING_GRADED,
    PENDING,
    REASON_LOW,
    REASON_MISSING,
    REASON_NOT_GRADED,
    REASON_TAMPER,
    UNANSWERED,
    Attention,
    CellGrade,
    ClassData,
    Failure,
    Item,
    Report,
    ScoreRow,
    Summary,
)
from .reading import collect
from .rendering import PENDING_NOTE, items_csv, render_html, scores_csv, write_report

__all__ = [
    "draw_charts",
    "Attention",
    "CellGrade",
    "ClassData",
    "DEFAULT_THRESHOLD",
    "Failure",
    "Item",
    "NOTHING_GRADED",
    "NO_MESSAGE",
    "PENDING",
    "PENDING_NOTE",
    "REASON_LOW",
    "REASON_MISSING",
    "REASON_NOT_GRADED",
    "REASON_TAMPER",
    "Report",
    "ScoreRow",
    "Summary",
    "UNANSWERED",
    "build_report",
    "collect",
    "failure_message",
    "item_analysis",
    "items_csv",
    "make_report",
    "needs_attention",
    "notebook_failures",
    "reasons_for",
    "render_html",
    "score_rows",
    "scores_csv",
    "summarize",
    "write_report",
]


def make_report(
    course: Path,
    assignments: Sequence[str],
    out: Path | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    integrity: bool = True,
    jobs: int = 1,
    progress=iter,
) -> tuple[Report, Path]:
    """Compute and write the report of ``course``; returns it and the HTML's path.

    With ``integrity`` the report also looks for copied work (:mod:`crmkit.grading.integrity`),
    computing each variant's expected answers with ``jobs`` processes (``progress`` wraps them).
    """
    report = build_report(collect(course, assignments), threshold)
    if integrity:
        from ..integrity.collect import integrity_evidence

        evidence = integrity_evidence(course, assignments, jobs=jobs, progress=progress)
        report = replace(report, integrity=evidence)
    return report, write_report(report, out if out is not None else course / "reports", course)
