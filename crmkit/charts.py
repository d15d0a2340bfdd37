"""Charts an explorer can redraw within a frame: the notebook says what to draw, not how.

A function passed to :func:`crmkit.widgets.explore` may return ``bar_chart(...)`` or
``line_chart(...)`` instead of a matplotlib figure. Such a chart is only a description (the
pandas Series to draw, the title, the axis labels), so making one costs nothing beyond the
pandas that computed it. An explorer draws it in the browser (a bqplot figure, a widget): when a
control moves, the kernel sends the new numbers and texts, and the browser moves the bars. A
matplotlib figure had to be built, drawn and encoded as PNG on every move (100 ms and more on a
busy machine; issue 23 measured the options, see docs/chart_explorers.md).

The same description draws a matplotlib figure (:meth:`Chart.figure`) for every place without a
kernel or a browser: the image a saved notebook and the website show under the explorer, and a
cell that calls the function directly (the chart shows as an ordinary inline image).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

BLUE = "#4c72b0"
RED = "#c44e52"
DPI = 100  # the browser chart is the matplotlib figure's size at this many pixels per inch


@dataclass(frozen=True, eq=False, repr=False)
class Chart:
    """What every chart has: the numbers (a Series), a title (may have a line break) and the
    labels of its two axes; its size in inches."""

    values: pd.Series
    title: str
    category_label: str
    value_label: str
    size: tuple[float, float]

    def figure(self):
        """The chart as a matplotlib Figure (closed: shown only where it is returned)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        # The text form a notebook stores beside the image (nbval compares it): short, and the
        # same on every run
        kind = "bar_chart" if isinstance(self, BarChart) else "line_chart"
        return f"{kind}({self.title!r}, {len(self.values)} values)"

    def _repr_png_(self) -> bytes:
        # A cell that calls the function shows the chart as matplotlib draws it
        import matplotlib.pyplot as plt

        from .chart_images import figure_png

        figure = self.figure()
        try:
            return figure_png(figure)
        finally:
            plt.close(figure)


@dataclass(frozen=True, eq=False, repr=False)
class BarChart(Chart):
    """Bars, one per entry of ``values`` (its index names them)."""

    colors: tuple[str, ...] = (BLUE,)
    horizontal: bool = False
    first_on_top: bool = True
    value_format: str | None = None
    value_range: tuple[float, float] | None = None

    def figure(self):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=self.size)
        names = [str(name) for name in self.values.index]
        colors = _per_bar(self.colors, len(names))
        if self.horizontal:
            bars = ax.barh(names, self.values.to_numpy(), color=colors)
            if self.first_on_top:
                ax.invert_yaxis()
            ax.set_xlabel(self.value_label)
            ax.set_ylabel(self.category_label)
            if self.value_range is not None:
                ax.set_xlim(*self.value_range)
        else:
            bars = ax.bar(names, self.values.to_numpy(), color=colors)
            ax.set_xlabel(self.category_label)
            ax.set_ylabel(self.value_label)
            if self.value_range is not None:
                ax.set_ylim(*self.value_range)
        if self.value_format is not None:
            ax.bar_label(bars, fmt="{:" + self.value_format + "}", padding=3)
        ax.set_title(self.title)
        plt.close(fig)
        return fig


@dataclass(frozen=True, eq=False, repr=False)
class LineChart(Chart):
    """A line through ``values`` (its index along the bottom), with an optional level to
    compare against drawn as a dashed line."""

    label: str = ""
    color: str = BLUE
    reference: float | None = None
    reference_label: str = ""
    reference_color: str = RED
    ticks: tuple = field(default=())
    value_range: tuple[float, float] | None = None

    def figure(self):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=self.size)
        ax.plot(
            self.values.index.to_numpy(),
            self.values.to_numpy(),
            marker="o",
            color=self.color,
            label=self.label,
        )
        if self.reference is not None:
            ax.axhline(
                self.reference,
                color=self.reference_color,
                linestyle="--",
                label=self.reference_label,
            )
        ax.set_title(self.title)
        ax.set_xlabel(self.category_label)
        ax.set_ylabel(self.value_label)
        if self.ticks:
            ax.set_xticks(list(self.ticks))
        if self.value_range is not None:
            ax.set_ylim(*self.value_range)
        if self.label or self.reference_label:
            ax.legend()
        plt.close(fig)
        return fig


def bar_chart(
    values: pd.Series,
    *,
    title: str,
    category_label: str,
    value_label: str,
    color: str | Sequence[str] = BLUE,
    horizontal: bool = False,
    first_on_top: bool = True,
    value_format: str | None = None,
    value_range: tuple[float, float] | None = None,
    size: tuple[float, float] | None = None,
) -> BarChart:
    """A bar per entry of ``values``, named by its index.

    ``color`` is one colour or one per bar; ``horizontal`` bars run left to right (the first
    on top unless ``first_on_top=False``); ``value_format`` writes each bar's value beside it
    (``".0f"``, ``".2f"``: Python's format spec); ``value_range`` fixes the value axis, so that
    bars can be compared from one move to the next; ``size`` is in inches, as matplotlib's
    ``figsize`` (by default matplotlib's current default, as ``plt.subplots()`` would make it).
    """
    colors = (color,) if isinstance(color, str) else tuple(color)
    if not colors:
        raise ValueError("bar_chart() 需要颜色 / bar_chart() needs a colour, e.g. color='#4c72b0'")
    return BarChart(
        values=_series(values, "bar_chart"),
        title=title,
        category_label=category_label,
        value_label=value_label,
        size=_size(size),
        colors=colors,
        horizontal=horizontal,
        first_on_top=first_on_top,
        value_format=value_format,
        value_range=_range(value_range),
    )


def line_chart(
    values: pd.Series,
    *,
    title: str,
    category_label: str,
    value_label: str,
    label: str = "",
    color: str = BLUE,
    reference: float | None = None,
    reference_label: str = "",
    ticks: Sequence = (),
    value_range: tuple[float, float] | None = None,
    size: tuple[float, float] | None = None,
) -> LineChart:
    """A line with markers through ``values`` (its index along the bottom).

    ``label`` names the line in the legend; ``reference`` draws a dashed level to compare with,
    named ``reference_label``; ``ticks`` are the marks along the bottom; ``value_range`` fixes
    the value axis.
    """
    return LineChart(
        values=_series(values, "line_chart"),
        title=title,
        category_label=category_label,
        value_label=value_label,
        size=_size(size),
        label=label,
        color=color,
        reference=None if reference is None else float(reference),
        reference_label=reference_label,
        ticks=tuple(ticks),
        value_range=_range(value_range),
    )


def _range(value_range: Sequence[float] | None) -> tuple[float, float] | None:
    """The value axis's (low, high), from any pair (a list will do)."""
    if value_range is None:
        return None
    low, high = value_range
    return low, high


def _size(size) -> tuple[float, float]:
    if size is None:
        import matplotlib as mpl

        size = mpl.rcParams["figure.figsize"]
    width, height = size
    return float(width), float(height)


def _series(values, function: str) -> pd.Series:
    if isinstance(values, pd.DataFrame) and values.shape[1] == 1:
        values = values.iloc[:, 0]
    if not isinstance(values, pd.Series):
        raise TypeError(
            f"{function}() 需要一个 pandas Series（每个条目一个数）/ {function}() needs a pandas "
            f"Series (one number per entry), got {type(values).__name__}"
        )
    return values


def _per_bar(colors: tuple[str, ...], count: int) -> list[str]:
    """One colour per bar: the only colour repeated, else the colours given in turn."""
    from matplotlib.colors import to_hex

    return [to_hex(colors[index % len(colors)]) for index in range(count)]


def _title_html(title: str, width: int) -> str:
    """The title as matplotlib sets it: centred over the chart, each line of it a line."""
    lines = "<br>".join(html.escape(line) for line in title.split("\n"))
    style = f"width: {width}px; text-align: center; font-size: 14px; line-height: 1.35"
    return f'<div style="{style}">{lines}</div>'


class LiveChart:
    """A chart drawn by the browser (bqplot), whose numbers and texts change in place.

    :attr:`widget` is what an explorer shows: the title (HTML, so it may have two lines) above
    a bqplot figure. :meth:`update` sends only what a new description changes."""

    def __init__(self, chart: BarChart | LineChart):
        import ipywidgets as widgets

        self.chart = chart
        self.title = widgets.HTML(_title_html(chart.title, _pixels(chart)[0]))
        self.title.add_class("crmkit-chart-title")
        self.figure = self._build(chart)
        self.widget = widgets.VBox([self.title, self.figure])
        self.widget.add_class("crmkit-chart")

    def fits(self, chart: BarChart | LineChart) -> bool:
        """Whether ``chart`` can be shown by changing this one's data (same kind and layout)."""
        old = self.chart
        same = type(chart) is type(old) and chart.size == old.size
        if same and isinstance(chart, BarChart) and isinstance(old, BarChart):
            same = (chart.horizontal, chart.first_on_top, chart.value_format is None) == (
                old.horizontal,
                old.first_on_top,
                old.value_format is None,
            )
        if same and isinstance(chart, LineChart) and isinstance(old, LineChart):
            # the legend is shown or not when the figure is built
            same = (chart.reference is None, bool(chart.label), bool(chart.reference_label)) == (
                old.reference is None,
                bool(old.label),
                bool(old.reference_label),
            )
        # room for the bar names, set when the figure is built
        return same and _margins(chart) == _margins(old)

    def update(self, chart: BarChart | LineChart) -> None:
        """Show ``chart``: new numbers and texts if it :meth:`fits`, else a new figure."""
        if chart is self.chart:
            return
        if not self.fits(chart):
            self.chart = chart
            self.title.value = _title_html(chart.title, _pixels(chart)[0])
            self.figure = self._build(chart)
            self.widget.children = [self.title, self.figure]
            return
        self.chart = chart
        self._fill(chart)
        # last: when the browser shows the new title, the marks before it have been redrawn
        self.title.value = _title_html(chart.title, _pixels(chart)[0])

    # bqplot: one figure per chart; _fill sets everything a move may change
    def _build(self, chart: BarChart | LineChart):
        import bqplot as bq
        import ipywidgets as widgets

        width, height = _pixels(chart)
        horizontal = isinstance(chart, BarChart) and chart.horizontal
        ticks = {"font-size": "12px"}
        if isinstance(chart, BarChart):
            self._scale_category, self._scale_value = bq.OrdinalScale(), bq.LinearScale()
            self._mark = bq.Bars(
                scales={"x": self._scale_category, "y": self._scale_value},
                orientation="horizontal" if horizontal else "vertical",
                padding=0.2,
                label_display=chart.value_format is not None,
                # beside the bar's end, as matplotlib's bar_label: bqplot puts a label inside
                # it, and moves it along the bar by its "vertical" offset whichever way the
                # bars run; its style comes after bqplot's own, so it can anchor the text
                label_font_style={"font-size": "12px", "fill": "#222", **_outside(horizontal)},
                label_display_vertical_offset=4 if horizontal else -4,
            )
            marks = [self._mark]
        else:
            self._scale_category, self._scale_value = bq.LinearScale(), bq.LinearScale()
            self._mark = bq.Lines(
                scales={"x": self._scale_category, "y": self._scale_value},
                marker="circle",
                marker_size=40,
                display_legend=bool(chart.label),
            )
            self._reference = bq.Lines(
                scales={"x": self._scale_category, "y": self._scale_value},
                line_style="dashed",
                display_legend=bool(chart.reference_label),
            )
            marks = [self._mark, self._reference]
        self._axis_category = bq.Axis(
            scale=self._scale_category,
            side="left" if horizontal else "bottom",
            label_offset=f"{_margins(chart)['left'] - 20}px" if horizontal else "40px",
            tick_style=ticks,
            grid_lines="none",
        )
        self._axis_value = bq.Axis(
            scale=self._scale_value,
            side="bottom" if horizontal else "left",
            label_offset="40px" if horizontal else "50px",
            tick_style=ticks,
            grid_lines="none",
        )
        figure = bq.Figure(
            marks=marks,
            axes=[self._axis_category, self._axis_value],
            fig_margin=_margins(chart),
            legend_location="top-right",
            layout=widgets.Layout(width=f"{width}px", height=f"{height}px"),
        )
        self._fill(chart)
        return figure

    def _fill(self, chart: BarChart | LineChart) -> None:
        import numpy as np

        self._axis_category.label = chart.category_label.replace("\n", " ")
        self._axis_value.label = chart.value_label.replace("\n", " ")
        low, high = chart.value_range or (None, None)
        self._scale_value.min = None if low is None else float(low)
        self._scale_value.max = None if high is None else float(high)
        if isinstance(chart, BarChart):
            names = [str(name).replace("\n", " ") for name in chart.values.index]
            if chart.horizontal and chart.first_on_top:
                names = names[::-1]  # bqplot draws the first category at the bottom
                heights = chart.values.to_numpy(dtype=float)[::-1]
                colors = _per_bar(chart.colors, len(names))[::-1]
            else:
                heights = chart.values.to_numpy(dtype=float)
                colors = _per_bar(chart.colors, len(names))
            self._scale_category.domain = names
            with self._mark.hold_sync():
                self._mark.x, self._mark.y = names, heights
                self._mark.colors = colors
                self._mark.label_display_format = chart.value_format or ""
        else:
            x = chart.values.index.to_numpy(dtype=float)
            with self._mark.hold_sync():
                self._mark.x, self._mark.y = x, chart.values.to_numpy(dtype=float)
                self._mark.colors = [chart.color]
                self._mark.labels = [chart.label]
            if chart.ticks:
                self._axis_category.tick_values = np.asarray(chart.ticks, dtype=float)
            if chart.reference is not None:
                with self._reference.hold_sync():
                    self._reference.x = np.array([x.min(), x.max()]) if len(x) else x
                    self._reference.y = np.full(2 if len(x) else 0, chart.reference)
                    self._reference.colors = [chart.reference_color]
                    self._reference.labels = [chart.reference_label]
                    self._reference.visible = True
            else:
                self._reference.visible = False


def _outside(horizontal: bool) -> dict:
    """The text style that puts a bar's label past its end rather than inside."""
    if horizontal:
        return {"text-anchor": "start"}
    return {"dominant-baseline": "text-after-edge"}


def _pixels(chart: Chart) -> tuple[int, int]:
    width, height = chart.size
    return round(width * DPI), round(height * DPI)


def _margins(chart: Chart) -> dict:
    """Room around the plot for tick labels and axis labels: on the left, as much as the
    longest bar name needs when the bars are horizontal."""
    left = 75
    if isinstance(chart, BarChart) and chart.horizontal:
        longest = max((_text_width(str(name)) for name in chart.values.index), default=0)
        left = 45 + longest
    return {"top": 15, "bottom": 55, "left": left, "right": 50}


def _text_width(text: str) -> int:
    """About how wide ``text`` is at 12 px: a CJK character about twice a Latin one."""
    return sum(12 if ord(character) > 0x2E80 else 7 for character in text)
