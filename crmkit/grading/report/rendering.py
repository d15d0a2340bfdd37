"""Writing the report: ``report.html`` (charts embedded), ``scores.csv`` and
``items.csv`` (Excel-ready)."""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from ...datasets.schema import (
    CSV_ENCODING,  # UTF-8 with a byte-order mark, so Excel reads the Chinese
)
from ...files import atomic_write
from ..inert import inert
from ..scores import PENDING, PENDING_NOTE, points_text
from ..spreadsheet import csv_text
from .charts import draw_charts
from .integrity_section import integrity_csv, integrity_html
from .model import Item, Report, ScoreRow
from .next_steps import next_steps_html
from .notebook_pages import notebook_page


def _number(value: float | None) -> str:
    """A score in the report and its CSVs: two decimals at most (the gradebook keeps more)."""
    return "" if value is None else points_text(value)


def scores_csv(rows: Sequence[ScoreRow]) -> str:
    """``scores.csv`` as text: one row per student x assignment, empty scores when missing.
    Every cell is safe to open in a spreadsheet (:func:`~crmkit.grading.spreadsheet.csv_text`)."""
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


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = ()
) -> str:
    """An HTML table; every cell is escaped, and inert (no control or direction character
    a student chose reorders or hides what the instructor reads)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{html.escape(inert(c))}</td>'
            if n in numeric
            else f"<td>{html.escape(inert(c))}</td>"
            for n, c in enumerate(row)
        )
        + "</tr>\n"
        for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def _image(name: str, png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(name)}</figcaption></figure>\n"
    )


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; \
margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.side { display: flex; gap: 1em; } \
.side pre { flex: 1; overflow-x: auto; background: #f7f7f7; padding: 0.5em; }
pre.commands { background: #f4f4f4; padding: 0.4em 0.6em; margin: 0.3em 0 0.6em; overflow-x: auto; }
figure { display: inline-block; margin: 0 1em 1em 0; }
figcaption { font-size: 0.8em; color: #666; }
.summary { font-size: 1.1em; background: #f7f7f0; padding: 0.6em 1em; \
border-left: 4px solid #c9b458; }
"""


def render_html(
    report: Report,
    charts: Mapping[str, bytes],
    link: Callable[[str, str], str | None] = lambda a, s: None,
    next_steps: str = "",
) -> str:
    """The report page: bilingual headings, every value escaped, charts embedded.

    ``link(assignment, student)`` gives the relative URL of a student's graded notebook (a
    rendered page); ``next_steps`` is the section saying what to run next (HTML).
    """
    parts = [
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n',
        "<title>班级成绩报告 / Class grading report</title>\n",
        f"<style>{STYLE}</style>\n</head>\n<body>\n",
        "<h1>班级成绩报告 / Class grading report</h1>\n",
        f'<p class="summary">{html.escape(report.summary_line())}</p>\n',
        "<p>作业 / Assignments: " + html.escape(", ".join(report.assignments)) + "。"
        "分数来自 nbgrader 成绩库；书面回答在 formgrader 中人工评分后计入。/ Scores come from the "
        "nbgrader gradebook; written answers count once graded by hand in the formgrader.</p>\n",
        '<p>表格文件 / Tables: <a href="scores.csv">scores.csv</a>（每位学生每个作业一行 / one row '
        'per student and assignment），<a href="items.csv">items.csv</a>（每道自动评分题一行 / one '
        'row per autograded task），<a href="integrity.csv">integrity.csv</a>（每条诚信线索一行 / '
        "one row per piece of integrity evidence）。</p>\n",
        next_steps,
        "<h2>1. 成绩分布 / Score distribution</h2>\n",
        f"<p>自动评分部分的分数。{html.escape(PENDING_NOTE)} / Points of "
        "the autograded part.</p>\n",
        _table(
            [
                "作业 assignment",
                "已评分 graded",
                "满分 max",
                "平均 mean",
                "中位数 median",
                "最低 min",
                "最高 max",
                "待人工评分 to grade by hand",
                "缺交 missing",
            ],
            [
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
            ],
            numeric=range(1, 9),
        ),
    ]
    for s in report.summaries:
        name = f"scores_{s.assignment}.png"
        if name in charts:
            parts.append(
                _image(name, charts[name], f"{s.assignment} 自动分分布 / auto-score distribution")
            )
    parts += [
        "<h2>2. 题目分析 / Item analysis</h2>\n",
        "<p>每道自动评分题：丢了（部分）分数的学生占比；其中未作答的人数（测试遇到 NameError 或 "
        "NotImplementedError）；其余的人最常没通过的检查（测试的断言信息）。/ Each autograded "
        "task: the share of students who lost (some of) its points; how many of them never "
        "answered it (its test hit a NameError or NotImplementedError); and for the others, the "
        "check failed most often (the test's assertion message).</p>\n",
        _table(
            [
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
            ],
            [
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
            ],
            numeric=(3, 4, 5, 6, 7, 9),
        ),
    ]
    for s in report.summaries:
        name = f"items_{s.assignment}.png"
        if name in charts:
            parts.append(
                _image(
                    name,
                    charts[name],
                    f"{s.assignment} 各题丢分占比 / share who lost points per task",
                )
            )
    parts += [
        "<h2>3. 需要关注的学生 / Students who need attention</h2>\n",
        f"<p>原因：疑似作弊、缺交、未能评分、自动分低于 {report.threshold:.0%}。/ Reasons: "
        "possible tampering, a missing submission, a submission that could not be graded, an auto "
        f"score below {report.threshold:.0%}.</p>\n",
        f"<p>{html.escape(report.pending_line())}</p>\n" if report.pending_line() else "",
        _table(
            ["学生 student", "作业 assignment", "原因 reason"],
            [(a.student, a.assignment, "；".join(a.reasons)) for a in report.attention],
        )
        if report.attention
        else "<p>没有 / None.</p>\n",
        integrity_html(report.integrity, link),
        "</body>\n</html>\n",
    ]
    return "".join(parts)


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
