"""Chart descriptions (crmkit.charts): what the notebook says to draw, drawn by matplotlib for
saved notebooks and by the browser (bqplot, through LiveChart) in an explorer."""

from __future__ import annotations

import base64
import json
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmkit.charts import BarChart, LineChart, LiveChart, bar_chart, line_chart
from crmkit.plotting import use_cjk_font
from crmkit.widgets import explore, int_slider


@pytest.fixture(autouse=True)
def chinese_font():
    with matplotlib.rc_context():
        use_cjk_font()
        yield
    plt.close("all")


def tiers(days: int) -> BarChart:
    sizes = pd.Series([days, 2 * days, 300 - days], index=["新顾客 new", "忠诚 loyal", "老 old"])
    return bar_chart(
        sizes,
        title=f"窗口 {days} 天 / {days}-day window\n第二行 / second line",
        category_label="等级 / Tier",
        value_label="顾客数 / Customers",
        horizontal=True,
        value_format=".0f",
        value_range=(0, 400),
    )


def monthly(level: float) -> LineChart:
    return line_chart(
        pd.Series([10.0, 12.5, level], index=[1, 2, 3]),
        title="成交率 / Conversion",
        category_label="月份 / Month",
        value_label="成交率（%）/ %",
        label="数据 data",
        reference=level,
        reference_label=f"案例 case {level}%",
        ticks=range(1, 4),
    )


# --- descriptions -------------------------------------------------------------------------------


def test_a_bar_chart_keeps_what_the_notebook_said():
    chart = tiers(30)
    assert list(chart.values) == [30, 60, 270]
    assert chart.title.startswith("窗口 30 天")
    assert (chart.category_label, chart.value_label) == ("等级 / Tier", "顾客数 / Customers")
    assert chart.horizontal and chart.first_on_top
    assert chart.value_range == (0, 400)
    # one colour for every bar, or one per bar in turn
    assert chart.colors == ("#4c72b0",)
    two = bar_chart(chart.values, title="t", category_label="x", value_label="y", color=["r", "g"])
    assert two.colors == ("r", "g")


def test_the_default_size_is_matplotlibs_current_one():
    assert tiers(30).size == tuple(matplotlib.rcParams["figure.figsize"]) == (7.0, 4.0)
    sized = bar_chart(pd.Series([1]), title="t", category_label="x", value_label="y", size=(6, 4))
    assert sized.size == (6.0, 4.0)


def test_a_one_column_table_is_taken_as_its_series_anything_else_is_refused():
    table = pd.DataFrame({"n": [1, 2]}, index=["a", "b"])
    chart = bar_chart(table, title="t", category_label="x", value_label="y")
    assert list(chart.values) == [1, 2]
    with pytest.raises(TypeError, match="needs a pandas Series.*got list"):
        bar_chart([1, 2], title="t", category_label="x", value_label="y")
    with pytest.raises(TypeError, match="需要一个 pandas Series"):
        two_columns = pd.DataFrame({"a": [1], "b": [2]})
        line_chart(two_columns, title="t", category_label="x", value_label="y")


def test_a_line_chart_keeps_its_reference_level_and_ticks():
    chart = monthly(20)
    assert chart.reference == 20.0 and isinstance(chart.reference, float)
    assert chart.ticks == (1, 2, 3)
    assert chart.reference_label == "案例 case 20%"


def test_repr_is_short_and_the_same_on_every_run():
    """nbval compares the text form a notebook stores beside the image."""
    assert repr(tiers(30)) == repr(tiers(30))
    title = "窗口 30 天 / 30-day window\\n第二行 / second line"
    assert repr(tiers(30)) == f"bar_chart('{title}', 3 values)"
    assert repr(monthly(20)) == "line_chart('成交率 / Conversion', 3 values)"
    assert "0x" not in repr(tiers(30))


# --- matplotlib: the saved notebook's image -----------------------------------------------------


def all_texts(figure) -> list[str]:
    ax = figure.axes[0]
    labels = ax.get_xticklabels() + ax.get_yticklabels()
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in labels)]


def test_the_figure_has_the_chinese_texts_in_their_places():
    figure = tiers(30).figure()
    texts = all_texts(figure)
    assert texts[0].startswith("窗口 30 天")
    assert texts[1] == "顾客数 / Customers"  # horizontal: the values run along the bottom
    assert texts[2] == "等级 / Tier"
    assert {"新顾客 new", "忠诚 loyal", "老 old"} <= set(texts[3:])
    ax = figure.axes[0]
    assert ax.get_xlim() == (0, 400)
    assert ax.yaxis_inverted()  # the first bar on top
    assert [t.get_text() for t in ax.texts] == ["30", "60", "270"]  # the value beside each bar

    line = monthly(20).figure().axes[0]
    assert list(line.lines[0].get_ydata()) == [10.0, 12.5, 20.0]
    assert list(line.lines[1].get_ydata()) == [20.0, 20.0]  # the dashed reference level
    assert [t.get_text() for t in line.get_legend().get_texts()] == ["数据 data", "案例 case 20%"]


def test_the_chinese_texts_are_drawn_as_glyphs_not_boxes():
    """matplotlib warns "Glyph ... missing from font" when it would draw a box; a font without
    Chinese does warn (checked, so the test can tell)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = tiers(30)._repr_png_()
    assert png.startswith(b"\x89PNG")
    with matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"]}):
        with pytest.warns(UserWarning, match="missing from font"):
            tiers(30)._repr_png_()


def test_the_image_is_the_same_for_the_same_chart_and_differs_for_another():
    assert tiers(30)._repr_png_() == tiers(30)._repr_png_()
    assert tiers(30)._repr_png_() != tiers(31)._repr_png_()


# --- the browser's chart ------------------------------------------------------------------------


def test_an_update_changes_the_data_of_the_same_widgets():
    live = LiveChart(tiers(30))
    widget, figure, mark = live.widget, live.figure, live._mark
    assert "窗口 30 天" in live.title.value and "<br>" in live.title.value
    live.update(tiers(90))
    assert (live.widget, live.figure, live._mark) == (widget, figure, mark)
    # bqplot draws the first category at the bottom: the names and bars come reversed
    assert list(mark.x) == ["老 old", "忠诚 loyal", "新顾客 new"]
    assert list(mark.y) == [210.0, 180.0, 90.0]
    assert "窗口 90 天" in live.title.value and "窗口 30 天" not in live.title.value
    assert live.chart.title.startswith("窗口 90 天")
    assert (live._scale_value.min, live._scale_value.max) == (0.0, 400.0)
    assert mark.label_display and mark.label_display_format == ".0f"
    # the value beside the bar's end, as matplotlib writes it, not inside the bar
    assert mark.label_font_style["text-anchor"] == "start"
    assert mark.label_display_vertical_offset > 0


def test_a_line_chart_updates_its_line_and_reference_in_place():
    live = LiveChart(monthly(20))
    mark, reference = live._mark, live._reference
    live.update(monthly(35))
    assert (live._mark, live._reference) == (mark, reference)
    assert list(mark.y) == [10.0, 12.5, 35.0]
    assert list(reference.y) == [35.0, 35.0] and reference.visible
    assert reference.labels == ["案例 case 35%"]
    assert list(live._axis_category.tick_values) == [1.0, 2.0, 3.0]


def test_a_chart_of_another_layout_gets_a_new_figure_in_the_same_place():
    live = LiveChart(tiers(30))
    widget, figure = live.widget, live.figure
    upright = bar_chart(tiers(30).values, title="t", category_label="x", value_label="y")
    assert not live.fits(upright)
    live.update(upright)
    assert live.widget is widget and live.figure is not figure
    assert live.widget.children[1] is live.figure
    assert live._mark.orientation == "vertical"


def test_longer_bar_names_or_a_new_legend_need_a_new_figure():
    live = LiveChart(tiers(30))
    longer = tiers(30).values.rename(index={"老 old": "老顾客，很久没来 old, long gone"})
    assert not live.fits(
        bar_chart(
            longer,
            title="t",
            category_label="x",
            value_label="y",
            horizontal=True,
            value_format=".0f",
        )
    )
    line = LiveChart(monthly(20))
    unnamed = line_chart(
        monthly(20).values, title="t", category_label="x", value_label="y", reference=20
    )
    assert line.fits(monthly(35)) and not line.fits(unnamed)


def test_a_title_is_text_not_html():
    chart = bar_chart(pd.Series([1]), title="<b>a & b</b>", category_label="x", value_label="y")
    assert "&lt;b&gt;a &amp; b&lt;/b&gt;" in LiveChart(chart).title.value


# --- in an explorer -----------------------------------------------------------------------------


def test_an_explorer_draws_a_returned_chart_in_the_browser_and_keeps_a_png_for_saved_notebooks():
    explorer = explore(tiers, days=int_slider("days", 10, 100, 30))
    live = explorer.live_chart
    assert live is not None and live.widget in explorer.children
    assert explorer.output.outputs == ()  # no PNG per move
    explorer.controls["days"].value = 60
    assert explorer.live_chart is live and list(live._mark.y) == [240.0, 120.0, 60.0]
    bundle = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == tiers(60)._repr_png_()
    assert bundle["text/plain"] == "Explorer(show=tiers, days=60)"
    # the widgets' state travels as JSON (the bars' numbers as binary buffers)
    json.dumps(live.title.get_state())
    assert np.asarray(live._mark.y).dtype == float


def test_a_mistake_hides_the_chart_and_says_what_to_do():
    def sometimes(days):
        if days > 50:
            raise ValueError("too many days")
        return tiers(days)

    explorer = explore(sometimes, days=int_slider("days", 10, 100, 30))
    explorer.controls["days"].value = 60
    assert explorer.live_chart.widget.layout.display == "none"
    assert explorer.shown_chart() is None
    assert "too many days" in explorer.output.outputs[0]["text"]
    assert "image/png" not in explorer._repr_mimebundle_()
    explorer.controls["days"].value = 40
    assert explorer.shown_chart().title.startswith("窗口 40 天")
    assert explorer.live_chart.widget.layout.display is None
