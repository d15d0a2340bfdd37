"""Writing the report: ``report.html`` (charts embedded), ``scores.csv`` and
``items.csv`` (Excel-ready)."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from ...datasets.schema import (
    CSV_ENCODING,  # UTF-8 with a byte-order mark, so Excel reads the Chinese
)
from ...files import atomic_write
from ..safe_output.spreadsheet import csv_text
from ..scores import PENDING, PENDING_NOTE, points_text
from .charts import draw_charts
from .integrity_section import integrity_csv, integrity_values
from .model import Item, Report, ScoreRow
from .next_steps import next_steps_html
from .notebook_pages import notebook_page
from .page_templates import render_template


def _number(value: float | None) -> str:
    """A score in the report and its CSVs: two decimals at most (the gradebook keeps more)."""
    return "" if value is None else points_text(value)


def scores_csv(rows: Sequence[ScoreRow]) -> str:
    """``scores.csv`` as text: one row per student x assignment, empty scores when missing.
    Every cell is safe to open in a spreadsheet
    (:func:`~crmkit.grading.safe_output.spreadsheet.csv_text`)."""
    lines: list[list[object]] = [
        [
            "student",
            "assignment",
            "auto_score",
            "auto_max",
            "manual_score",
            "manual_max",
            "total",
            "needs_attention",
        ]
    ]
    for row in rows:
        s = row.score
        points = (
            ["", "", "", "", ""]
            if s is None
            else [
                _number(s.auto_score),
                _number(s.auto_max),
                PENDING if s.manual_score is None else _number(s.manual_score),
                _number(s.manual_max),
                _number(s.auto_score + (s.manual_score or 0)),
            ]
        )
        lines.append([row.student, row.assignment, *points, "; ".join(row.reasons)])
    return csv_text(lines)


def items_csv(items: Sequence[Item]) -> str:
    """``items.csv`` as text: one row per autograded task (every cell safe, as above)."""
    lines: list[list[object]] = [
        [
            "assignment",
            "notebook",
            "grade_id",
            "max_points",
            "graded",
            "lost_points",
            "lost_share",
            "unanswered",
            "top_failure",
            "top_failure_count",
            "failed_checks",
        ]
    ]
    for i in items:
        every = " | ".join(f"{message} ×{count}" for message, count in i.failures)
        lines.append(
            [
                i.assignment,
                i.notebook,
                i.grade_id,
                _number(i.max_points),
                i.graded,
                i.lost,
                f"{i.lost_share:.4f}",
                i.unanswered,
                i.top_failure,
                i.top_failure_count,
                every,
            ]
        )
    return csv_text(lines)


SCORE_HEADERS = (
    "作业 assignment",
    "已评分 graded",
    "满分 max",
    "平均 mean",
    "中位数 median",
    "最低 min",
    "最高 max",
    "待人工评分 to grade by hand",
    "缺交 missing",
)
ITEM_HEADERS = (
    "作业 assignment",
    "笔记本 notebook",
    "题 task (grade id)",
    "分值 points",
    "已评分 graded",
    "丢分 lost",
    "占比 share",
    "未作答 unanswered",
    "最常没通过的检查 check failed most",
    "次数 count",
    "其他没通过的检查 other failed checks",
)


def _charts(
    report: Report, charts: Mapping[str, bytes], prefix: str, alt: str
) -> list[dict[str, str]]:
    """The embedded charts named ``<prefix>_<assignment>.png``, in the assignments' order."""
    return [
        {
            "name": name,
            "base64": base64.b64encode(charts[name]).decode("ascii"),
            "alt": f"{s.assignment} {alt}",
        }
        for s in report.summaries
        if (name := f"{prefix}_{s.assignment}.png") in charts
    ]


def render_html(
    report: Report,
    charts: Mapping[str, bytes],
    link: Callable[[str, str], str | None] = lambda a, s: None,
    next_steps: str = "",
) -> str:
    """The report page (``templates/report.html.j2``): bilingual headings, every value escaped
    by the template, charts embedded.

    ``link(assignment, student)`` gives the relative URL of a student's graded notebook (a
    rendered page); ``next_steps`` is the section saying what to run next (HTML built by
    :func:`~.next_steps.next_steps_html`).
    """
    score_rows = [
        (
            s.assignment,
            s.graded,
            _number(s.auto_max),
            _number(s.mean),
            _number(s.median),
            _number(s.minimum),
            _number(s.maximum),
            s.manual_pending,
            s.missing,
        )
        for s in report.summaries
    ]
    item_rows = [
        (
            i.assignment,
            i.notebook,
            i.grade_id,
            _number(i.max_points),
            i.graded,
            i.lost,
            f"{i.lost_share:.0%}",
            i.unanswered,
            i.top_failure or "",
            i.top_failure_count or "",
            "；".join(f"{message} ×{count}" for message, count in i.failures[1:]),
        )
        for i in report.items
    ]
    return render_template(
        "report.html.j2",
        report=report,
        pending_note=PENDING_NOTE,
        threshold=f"{report.threshold:.0%}",
        score_headers=SCORE_HEADERS,
        score_rows=score_rows,
        score_charts=_charts(report, charts, "scores", "自动分分布 / auto-score distribution"),
        item_headers=ITEM_HEADERS,
        item_rows=item_rows,
        item_charts=_charts(
            report, charts, "items", "各题丢分占比 / share who lost points per task"
        ),
        attention_rows=[(a.student, a.assignment, "；".join(a.reasons)) for a in report.attention],
        # The kit's own HTML: next_steps_html renders fixed wording and the commands for the
        # instructor's course path (autoescaped, templates/next_steps.html.j2); nothing in it
        # comes from a student.
        next_steps=Markup(next_steps),
        **integrity_values(report.integrity, link),
    )


def _write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file, so a crash never leaves half a file where a good one was."""
    with atomic_write(path) as partial:
        partial.write_bytes(data)


def _notebook_link(course: Path, out: Path, assignment: str, student: str) -> str | None:
    """Render the student's graded notebook as a page beside the report; its relative URL."""
    found = sorted((course / "autograded" / student / assignment).glob("*.ipynb"))
    if not found:
        return None
    target = out / "notebooks" / student / assignment / f"{found[0].stem}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    title = f"{student} · {assignment} · {found[0].name}"
    _write_bytes(target, notebook_page(found[0], title).encode("utf-8"))
    return quote(Path(os.path.relpath(target, out)).as_posix())


def write_report(report: Report, out: Path, course: Path | None = None) -> Path:
    """Write ``report.html``, the CSVs and the PNGs into ``out``; returns the HTML's path.

    With ``course``, the integrity section links to the students' graded notebooks, rendered as
    pages in ``out/notebooks/``, and the page ends its header with the next steps for it.
    """
    out.mkdir(parents=True, exist_ok=True)
    charts = draw_charts(report)
    for name, png in charts.items():
        _write_bytes(out / name, png)
    _write_bytes(out / "scores.csv", scores_csv(report.rows).encode(CSV_ENCODING))
    _write_bytes(out / "items.csv", items_csv(report.items).encode(CSV_ENCODING))
    _write_bytes(out / "integrity.csv", integrity_csv(report.integrity).encode(CSV_ENCODING))

    pages: dict[tuple[str, str], str | None] = {}

    def link(assignment: str, student: str) -> str | None:
        if course is not None and (assignment, student) not in pages:
            pages[(assignment, student)] = _notebook_link(course, out, assignment, student)
        return pages.get((assignment, student))

    steps = ""
    if course is not None:
        steps = next_steps_html(course, sum(s.manual_pending for s in report.summaries))
    page = out / "report.html"
    _write_bytes(page, render_html(report, charts, link, steps).encode("utf-8"))
    return page
