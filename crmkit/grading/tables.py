"""Plain-text tables for the terminal whose columns line up with Chinese text too."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from .safe_output.inert import inert
from .scores import PENDING, PENDING_NOTE, Score, points_text
from .steps import StepResult


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for each wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table whose columns line up with Chinese text too. Every cell is shown
    inert: a student id, a file name or a note holding escape sequences cannot act on the
    terminal or break a row."""
    cells = [[inert(h) for h in headers]] + [[inert(c) for c in row] for row in rows]
    widths = [max(text_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c + " " * (w - text_width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# The one mark for a written answer nobody has graded yet (CLI, report, CSV, feedback).
def _points(value: float | None) -> str:
    return PENDING if value is None else points_text(value)


def _total(row: Score) -> str:
    total = (
        f"{points_text(row.auto_score + (row.manual_score or 0))} / "
        f"{points_text(row.auto_max + row.manual_max)}"
    )
    return (
        f"{total}（{PENDING} {points_text(row.manual_max)}）"
        if row.manual_score is None and row.manual_max
        else total
    )


def score_table(rows: Sequence[Score]) -> str:
    """The scores as a table: student, assignment, automatic points, points
    graded by hand, total."""
    table = format_table(
        ["学生 student", "作业 assignment", "自动分 auto", "人工分 manual", "总分 total"],
        [
            (
                r.student,
                r.assignment,
                f"{points_text(r.auto_score)} / {points_text(r.auto_max)}",
                f"{_points(r.manual_score)} / {points_text(r.manual_max)}",
                _total(r),
            )
            for r in rows
        ],
    )
    if any(r.manual_score is None or r.manual_score == 0 for r in rows if r.manual_max):
        table += "\n" + PENDING_NOTE
    return table


def results_table(results: Sequence[StepResult]) -> str:
    """Each step's outcome as a table (✓ or ✗ with the reason)."""
    return format_table(
        ["作业 assignment", "学生 student", "结果 result"],
        [(r.assignment, r.student or "", "✓" if r.ok else f"✗ {r.detail}") for r in results],
    )


def flags_table(flags: dict[tuple[str, str], list[str]]) -> str:
    """Tamper flags as a table for the instructor."""
    return format_table(
        ["作业 assignment", "学生 student", "需要查看 check"],
        [(a, s, "; ".join(f)) for (a, s), f in sorted(flags.items())],
    )
