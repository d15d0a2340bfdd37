"""The report's charts: PNG bytes that depend only on what is drawn, with Chinese labels."""

from __future__ import annotations

import io
from collections.abc import Sequence

from ..scores import points_text
from .model import Item, Report

DPI = 100


def _png(figure) -> bytes:
    """``figure`` as PNG bytes that depend only on what is drawn (fixed DPI, no software tag)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def score_histogram(
    assignment: str, points: Sequence[float], auto_max: float, threshold: float
) -> bytes:
    """A histogram of one assignment's automatic scores, one bar per point, with
    the attention line."""
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(7.0, 3.6), layout="constrained")
    ax = figure.add_subplot()
    top = max(auto_max, max(points, default=0.0))
    counts, _, _ = ax.hist(
        list(points),
        bins=np.arange(-0.5, top + 1.5, 1.0).tolist(),
        color="#4C72B0",
        edgecolor="white",
    )
    ax.set_ylim(0, max(counts, default=0) + 1)  # room for the legend
    ax.axvline(
        threshold * auto_max,
        color="#C44E52",
        linestyle="--",
        label=f"关注线 {threshold:.0%} / attention line",
    )
    ax.set_title(f"{assignment}\n学生的自动分落在哪里？/ Where do the students' auto scores fall?")
    most = points_text(auto_max)
    ax.set_xlabel(f"自动分（满分 {most}）/ Auto score (points, out of {most})")
    ax.set_ylabel("学生（人）/ Students")
    ax.set_xlim(-0.5, top + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best", frameon=False)
    return _png(figure)


def items_chart(assignment: str, items: Sequence[Item]) -> bytes:
    """Horizontal bars: the share of students who lost points on each task of one assignment."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    figure = Figure(figsize=(7.0, 1.2 + 0.35 * max(1, len(items))), layout="constrained")
    ax = figure.add_subplot()
    labels = [f"{i.grade_id}（{points_text(i.max_points)} 分 / pts）" for i in items]
    unanswered = [i.unanswered / i.graded if i.graded else 0.0 for i in items]
    answered = [i.lost_share - u for i, u in zip(items, unanswered, strict=True)]
    ax.barh(labels, unanswered, color="#C9C9C9", label="未作答 / not answered")
    bars = ax.barh(
        labels,
        answered,
        left=unanswered,
        color="#DD8452",
        label="答了但没通过 / answered, failed a check",
    )
    ax.bar_label(bars, labels=[f"{i.lost}/{i.graded}" for i in items], padding=3)
    ax.invert_yaxis()  # first task on top, as in the notebook
    ax.set_xlim(0, 1.08)
    figure.legend(loc="outside lower center", ncols=2, frameon=False, fontsize="small")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"{assignment}\n哪些题丢分的学生最多？/ Which tasks cost students points?")
    ax.set_xlabel("丢分的学生占比 / Share of students who lost points")
    return _png(figure)


def draw_charts(report: Report) -> dict[str, bytes]:
    """Every chart of ``report`` by file name, drawn with a Chinese font (matplotlib's style
    is restored after)."""
    import matplotlib

    from ...plotting import use_cjk_font

    charts = {}
    with matplotlib.rc_context():
        use_cjk_font()
        for summary in report.summaries:
            a = summary.assignment
            charts[f"scores_{a}.png"] = score_histogram(
                a, report.auto_scores[a], summary.auto_max, report.threshold
            )
            items = [i for i in report.items if i.assignment == a]
            if items:
                charts[f"items_{a}.png"] = items_chart(a, items)
    return charts
