"""A chart handed in as plain data: what it shows, read from the matplotlib figure.

A figure cannot travel to the grader's test kernel (only numbers, strings, lists and tables do),
so a task that asks for a chart ends its answer cell with::

    pareto_chart = course.chart_summary(fig)

:func:`chart_summary` only describes the figure the student drew (titles, axis labels, the bars
and lines of every axes); it computes nothing about the data, so it gives no answer away.
"""

from __future__ import annotations

from typing import Any


def chart_summary(figure: Any) -> dict[str, Any]:
    """What ``figure`` (a matplotlib Figure, or an Axes of one) shows, as plain data.

    ``{"title": suptitle, "axes": [{"title", "xlabel", "ylabel", "xticklabels", "yticklabels",
    "bars": [{"x", "y", "width", "height"}], "lines": [{"x": [...], "y": [...]}]}]}``; bars and
    lines in the order they were drawn.
    """
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    if isinstance(figure, Axes):
        figure = figure.figure
    if not isinstance(figure, Figure):
        raise TypeError(
            "需要一个 matplotlib 图（Figure）/ a matplotlib Figure is needed, "
            f"not {type(figure).__name__}"
        )
    figure.canvas.draw()  # tick labels are only final once drawn
    suptitle = figure.get_suptitle()
    axes = []
    for ax in figure.get_axes():
        bars = [
            {
                "x": float(p.get_x()),
                "y": float(p.get_y()),
                "width": float(p.get_width()),
                "height": float(p.get_height()),
            }
            for container in ax.containers
            for p in container
            if isinstance(p, Rectangle)
        ]
        lines = [
            {
                "x": [float(v) for v in np.asarray(line.get_xdata(orig=False))],
                "y": [float(v) for v in np.asarray(line.get_ydata(orig=False))],
            }
            for line in ax.get_lines()
        ]
        axes.append(
            {
                "title": ax.get_title(),
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
                "xticklabels": [t.get_text() for t in ax.get_xticklabels()],
                "yticklabels": [t.get_text() for t in ax.get_yticklabels()],
                "bars": bars,
                "lines": lines,
            }
        )
    return {"title": suptitle, "axes": axes}
