"""The explorer's chart images (crmkit.chart_images): the same pixels as matplotlib, made faster.

A chart explorer draws a new figure on every move. The quick path keeps each label's pixels and
stamps them, keeps text sizes across figures, draws once with a margin and crops to what was
drawn. These tests hold it to what matplotlib itself draws: the same pixels, the size
``savefig(bbox_inches="tight")`` gives, Chinese drawn (not boxes), and nothing cut off.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from PIL import Image

from crmkit import chart_images
from crmkit.chart_images import QuickCanvas, figure_png
from crmkit.plotting import use_cjk_font


@pytest.fixture(autouse=True)
def chinese_font():
    with matplotlib.rc_context():
        use_cjk_font()
        yield
    plt.close("all")


def tier_chart(days: int):
    """Like the online shop's explorer: CJK tick labels, a rotated axis label, bar labels."""
    fig, ax = plt.subplots()
    bars = ax.barh(["潜在顾客 potential", "沉睡顾客 sleeping", "新顾客 new"], [days, 120, 75])
    ax.bar_label(bars, padding=3)
    ax.set_title(f"近期窗口 {days} 天时，各等级有多少人？/ Customers per tier")
    ax.set_xlabel("顾客数（人）/ Customers (people)")
    ax.set_ylabel("等级 / Tier")
    ax.set_xlim(0, 400)
    return fig


def pixels(figure, canvas_class) -> np.ndarray:
    canvas = canvas_class(figure)
    canvas.draw()
    return np.asarray(canvas.renderer.buffer_rgba()).astype(int)


def png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def test_stamped_labels_are_the_pixels_matplotlib_draws(monkeypatch):
    drawn = []
    draw_text = RendererAgg.draw_text
    monkeypatch.setattr(
        RendererAgg,
        "draw_text",
        lambda self, *a, **k: drawn.append(a[3]) or draw_text(self, *a, **k),
    )
    for days in (90, 180, 90):
        figure = tier_chart(days)
        drawn.clear()
        plain = pixels(figure, FigureCanvasAgg)
        labels = len(drawn)
        drawn.clear()
        quick = pixels(figure, QuickCanvas)
        differ = np.abs(plain - quick).max(axis=2)
        # where glyphs overlap, one stamp blends once instead of glyph by glyph: a level or two
        assert differ.max() <= 2 and (differ > 0).sum() < 20, (days, differ.max())
        assert (plain != 255).any()  # something was drawn
    # The second time 90 days is drawn, every label is stamped from the first: matplotlib draws
    # none (each label was drawn once for the plain canvas above, and nothing else)
    assert len(drawn) == 0 and labels > 10


def test_a_label_moved_by_a_fraction_of_a_pixel_is_drawn_again():
    """The key holds the sub-pixel position: a shifted label is not a stamp of another one."""
    sizes = []
    for left in (0.2, 0.2 + 0.3 / 700):  # 0.3 pixel further right
        figure = tier_chart(90)
        figure.subplots_adjust(left=left)
        plain, quick = pixels(figure, FigureCanvasAgg), pixels(figure, QuickCanvas)
        assert np.abs(plain - quick).max() <= 2
        sizes.append(len(chart_images._masks))
    assert sizes[1] > sizes[0]


def test_chinese_labels_are_drawn_not_boxes():
    """Two different characters give two different pictures; a font without them would draw
    the same box for both (checked too, so the test can tell)."""

    def drawn(character: str) -> np.ndarray:
        figure, ax = plt.subplots(figsize=(1, 1))
        ax.axis("off")
        ax.text(0.1, 0.3, character, fontsize=30)
        return png_pixels(figure_png(figure))

    assert not np.array_equal(drawn("客"), drawn("户"))
    with matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"]}):
        with pytest.warns(UserWarning, match="missing from font"):
            assert np.array_equal(drawn("客"), drawn("户"))  # the same box


def test_fonts_changed_between_figures_are_not_served_from_the_kept_labels():
    figure = tier_chart(90)
    with_cjk = pixels(figure, QuickCanvas)
    with matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"]}):
        with pytest.warns(UserWarning, match="missing from font"):
            figure = tier_chart(90)
            plain = pixels(figure, FigureCanvasAgg)
        quick = pixels(figure, QuickCanvas)
    assert np.abs(plain - quick).max() <= 2
    assert np.abs(with_cjk - quick).max() > 100


@pytest.mark.parametrize("layout", ["fits", "legend outside", "label far away"])
def test_the_crop_is_what_savefig_tight_gives(layout):
    def chart():
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], label="数据 data")
        ax.set_title("每月到店人次 / Visits per month")
        if layout == "fits":
            fig.subplots_adjust(left=0.2, bottom=0.2)
            ax.legend()
        elif layout == "legend outside":  # past the canvas, within the margin
            ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left")
        else:  # past the margin: matplotlib's own crop
            fig.text(-1.5, 0.5, "很远的说明 / a note far away")
        return fig

    quick = Image.open(io.BytesIO(figure_png(chart())))
    buffer = io.BytesIO()
    chart().savefig(buffer, format="png", bbox_inches="tight")
    tight = Image.open(buffer)
    # drawn pixels rather than text boxes: a few pixels either way
    assert abs(quick.width - tight.width) <= 4 and abs(quick.height - tight.height) <= 4
    if layout != "fits":
        assert quick.width > 700  # widened past the 7-inch canvas to show what is outside


def test_nothing_drawn_is_cut_off():
    """The crop keeps matplotlib's padding on every side: the border rows and columns are
    background, and the drawing reaches to within the padding of each."""
    image = png_pixels(figure_png(tier_chart(90)))
    background = image[0, 0]
    ink = (image != background).any(axis=2)
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    pad = round(matplotlib.rcParams["savefig.pad_inches"] * 100)
    assert rows[0] == pad and columns[0] == pad
    assert image.shape[0] - 1 - rows[-1] == pad and image.shape[1] - 1 - columns[-1] == pad


def test_png_is_rgb_unless_something_is_transparent():
    figure = tier_chart(90)
    opaque = Image.open(io.BytesIO(figure_png(figure)))
    assert opaque.mode == "RGB"
    figure.patch.set_alpha(0.0)
    transparent = Image.open(io.BytesIO(figure_png(figure)))
    assert transparent.mode == "RGBA"
    assert np.asarray(transparent)[0, 0, 3] == 0


def test_the_same_chart_gives_the_same_bytes():
    assert figure_png(tier_chart(90)) == figure_png(tier_chart(90))


def test_kept_labels_are_bounded(monkeypatch):
    monkeypatch.setattr(chart_images, "MAX_MASKS", 5)
    monkeypatch.setattr(chart_images, "_masks", chart_images.OrderedDict())
    for days in range(10):
        figure_png(tier_chart(days))
    assert len(chart_images._masks) == 5


def test_the_figure_keeps_its_own_canvas():
    figure = tier_chart(90)
    canvas = figure.canvas
    figure_png(figure)
    assert figure.canvas is canvas


def test_a_canvas_drawn_on_again_keeps_nothing_of_the_last_figure():
    """Canvases of one size share a renderer: each figure comes out as it does alone, and a
    label that spilled past the margin in one figure does not send the next to the fallback."""
    alone = [figure_png(tier_chart(days)) for days in (90, 180)]
    far = tier_chart(90)
    far.text(-1.5, 0.5, "很远的说明 / a note far away")  # past the margin: matplotlib's crop
    figure_png(far)
    fallbacks = []
    tight = chart_images._drawn_with_margin

    def counted(figure, canvas):
        pixels = tight(figure, canvas)
        fallbacks.append(pixels is None)
        return pixels

    chart_images._drawn_with_margin = counted
    try:
        again = [figure_png(tier_chart(days)) for days in (90, 180)]
    finally:
        chart_images._drawn_with_margin = tight
    assert again == alone
    assert fallbacks == [False, False]


def test_ticks_worked_out_once_give_the_same_picture(monkeypatch):
    """With a layout engine too (it moves the axes between the asks, so they are worked out
    again): the same bytes as asking matplotlib every time."""
    from contextlib import nullcontext

    from matplotlib.axis import Axis

    def charts():
        made = []
        for layout in (None, "constrained"):
            fig, (left, right) = plt.subplots(1, 2, layout=layout, figsize=(8, 3))
            left.plot([0, 5, 20], [3, 1, 4])
            right.barh(["潜在顾客 potential", "新顾客 new"], [300, 1250])
            right.set_xlabel("顾客数（人）/ Customers (people)")
            made.append(fig)
        return made

    worked_out = []
    plain_update_ticks = chart_images._plain_update_ticks
    monkeypatch.setattr(
        chart_images,
        "_plain_update_ticks",
        lambda axis: worked_out.append(axis) or plain_update_ticks(axis),
    )
    once = [figure_png(figure) for figure in charts()]
    asked_once = len(worked_out)
    monkeypatch.setattr(chart_images, "_ticks_worked_out_once", nullcontext)
    calls = []
    monkeypatch.setattr(
        Axis, "_update_ticks", lambda axis: calls.append(axis) or plain_update_ticks(axis)
    )
    every_time = [figure_png(figure) for figure in charts()]
    assert once == every_time
    assert 0 < asked_once < len(calls) / 2
    assert Axis._update_ticks is not chart_images._plain_update_ticks  # put back after drawing


def test_figures_made_while_quick_measure_with_kept_sizes_and_lay_out_the_same():
    def laid_out():
        figure = tier_chart(90)
        figure.tight_layout()
        return figure

    plain = laid_out()
    with chart_images.quick_figures():
        quick = laid_out()
    assert type(plain.canvas) is FigureCanvasAgg
    assert isinstance(quick.canvas, QuickCanvas)
    assert quick.canvas.manager.canvas is quick.canvas  # pyplot finds and closes it as before
    assert vars(quick.subplotpars) == pytest.approx(vars(plain.subplotpars), abs=1e-12)
    assert np.abs(pixels(plain, FigureCanvasAgg) - pixels(quick, FigureCanvasAgg)).max() == 0
    assert chart_images.QUICK_FIGURES_HOOK not in matplotlib.rcParams["figure.hooks"]
    plt.close(quick)
    assert quick.number not in plt.get_fignums()
