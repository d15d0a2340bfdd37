"""A matplotlib figure as the PNG an explorer shows: drawn once, quickly enough to follow a slider.

An explorer's function makes a new figure on every move, so nothing can be kept between moves but
what matplotlib recomputes from scratch for each figure. Measured on a chart explorer of the case
notebooks, two thirds of the drawing was text (shaping and rasterising labels with a CJK font,
1-3 ms each) and a third of the rest was laying everything out twice, once to find the cropped box
(``savefig(bbox_inches="tight")``) and once to draw. Here:

- the pixels of each label (its coverage mask) are kept, keyed by everything that decides them
  (text, font properties, size, angle, sub-pixel position, hinting, fonts installed). A slider
  move changes the title and a few numbers; the tick and axis labels are stamped, not drawn.
  Stamping gives the pixels matplotlib draws itself (tested), shifted by whole pixels only;
- text sizes are kept across figures too (matplotlib keeps them per renderer, and every figure
  has a new one);
- the figure is drawn once onto a canvas with a margin around it, and cropped to what was drawn
  plus matplotlib's usual padding: the size ``bbox_inches="tight"`` gives (within a few pixels:
  drawn pixels rather than text boxes), without laying out twice. A drawing that reaches past the
  margin, or a label placed beyond it, falls back to ``savefig(bbox_inches="tight")``;
- while one figure is drawn, each axis works out its ticks once (matplotlib asks again for every
  box it lays out: four to eleven times per axis), and the canvas of the last figure of the same
  size is drawn on again rather than allocated;
- figures the explorer's function makes (:func:`quick_figures`) measure text with the kept sizes,
  so ``fig.tight_layout()`` in the function no longer measures every label afresh.

Nothing here changes how the figure looks; the inline charts of a notebook are untouched.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.transforms import Bbox

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

MARGIN_INCHES = 1.0  # room around the figure for labels that reach past its edge
MAX_MASKS = 1024  # labels kept; a chart has 10-40, a mask is a few kB
_masks: OrderedDict = OrderedDict()
# What decides which font file draws a label and how its glyphs are hinted
_FONT_SETTINGS: tuple[RcKeyType, ...] = (
    "font.family",
    "font.serif",
    "font.sans-serif",
    "font.cursive",
    "font.fantasy",
    "font.monospace",
    "text.hinting",
    "text.hinting_factor",
    "text.kerning_factor",
)


def figure_png(figure) -> bytes:
    """The figure as PNG bytes, cropped like ``savefig(bbox_inches="tight")``."""
    original = figure.canvas
    canvas = QuickCanvas(figure)  # draws with QuickRenderer; the figure's own canvas comes back
    try:
        pixels = _drawn_with_margin(figure, canvas)
    finally:
        figure.set_canvas(original)
    if pixels is None:  # the drawing reaches past the margin: matplotlib's own crop
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    return _encode(pixels)


def _drawn_with_margin(figure, canvas) -> np.ndarray | None:
    """The figure drawn once with a margin, cropped to the ink plus padding; None if the ink
    touches the margin's edge or a label lies beyond it (then the crop would cut them)."""
    width, height = figure.get_size_inches()
    margin = MARGIN_INCHES
    with_margin = Bbox.from_extents(-margin, -margin, width + margin, height + margin)
    with _ticks_worked_out_once():
        figure.savefig(_Discard(), format="rgba", bbox_inches=with_margin)  # pixels read below
    if canvas.renderer.spilled:
        return None
    pixels = np.asarray(canvas.renderer.buffer_rgba())
    as_words = pixels.view(np.uint32)[..., 0]  # one comparison per pixel, not four
    ink = as_words != as_words[0, 0]  # the corner is the figure's face colour
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not rows.size:  # nothing drawn: the figure's own area
        inner = round(margin * figure.dpi)
        return pixels[inner : pixels.shape[0] - inner, inner : pixels.shape[1] - inner]
    last_row, last_column = pixels.shape[0] - 1, pixels.shape[1] - 1
    if rows[0] == 0 or columns[0] == 0 or rows[-1] == last_row or columns[-1] == last_column:
        return None
    pad_inches = mpl.rcParams["savefig.pad_inches"]
    pad = round((pad_inches if isinstance(pad_inches, (int, float)) else 0.1) * figure.dpi)
    return pixels[
        max(rows[0] - pad, 0) : rows[-1] + 1 + pad,
        max(columns[0] - pad, 0) : columns[-1] + 1 + pad,
    ]


def _encode(pixels: np.ndarray) -> bytes:
    """PNG bytes: RGB when nothing is transparent, rows unfiltered, zlib's quickest level.

    Charts are mostly flat colour, which compresses as well without PNG's row filters (tried
    per row by Pillow's encoder, a third of its time) as with them."""
    opaque = bool(pixels[..., 3].min() == 255)
    channels = pixels[..., :3] if opaque else pixels
    height, width, depth = channels.shape
    rows = np.zeros((height, 1 + width * depth), np.uint8)  # each row starts with filter 0
    rows[:, 1:] = channels.reshape(height, width * depth)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.data, 1)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


class _Discard(io.RawIOBase):
    """A file that keeps nothing: ``savefig`` writes the raw pixels the renderer already has."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)


class QuickCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderers keep text between figures (see :class:`QuickRenderer`).

    Canvases of one size share one renderer (its pixels are cleared before each draw): a move
    draws one figure after another, and a new renderer is a new buffer of a few megabytes with
    text metrics measured afresh."""

    def get_renderer(self):
        width, height = self.get_width_height(physical=True)  # whole pixels
        key = (width, height, self.figure.dpi, _font_settings())
        if getattr(self, "_quick_key", None) != key:
            self.renderer = _shared_renderer(key)
            self._quick_key = key
        return self.renderer


_renderers: OrderedDict = OrderedDict()
MAX_RENDERERS = 4  # the figure's own size and the size with the margin, for a chart or two


def _shared_renderer(key: tuple) -> QuickRenderer:
    renderer = _renderers.get(key)
    if renderer is None:
        width, height, dpi, _fonts = key
        renderer = _renderers[key] = QuickRenderer(width, height, dpi)
        if len(_renderers) > MAX_RENDERERS:
            _renderers.popitem(last=False)
    else:
        _renderers.move_to_end(key)
    return renderer


class QuickRenderer(RendererAgg):
    """Agg, with the size and the pixels of each plain-text label kept across figures."""

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self._fonts = _font_settings()
        self.spilled = False  # a label was drawn (partly) outside the canvas

    def clear(self):
        super().clear()
        self.spilled = False  # of this drawing, not the previous one on this renderer

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        return _text_size(s, prop.copy(), self.dpi, self._fonts)

    def _get_font_height_metrics(self, prop):
        # matplotlib 3.11's text layout asks the renderer for these when it has this method
        # (its PDF backend does); otherwise it looks the font's tables up for every label, on
        # every layout pass
        return _font_heights(self, prop.copy(), self.dpi, self._fonts)

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not hasattr(self._renderer, "draw_text_image"):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        # Moving a label by whole pixels moves its pixels, nothing else: the key holds the
        # fraction of its position, and the mask is placed relative to the whole part.
        fraction_x, fraction_y = x % 1.0, y % 1.0
        key = (
            s,
            prop.copy(),
            float(angle),
            fraction_x,
            fraction_y,
            self.dpi,
            bool(gc.get_antialiased()),
            _text_option(mtext, "get_fontfeatures"),
            _text_option(mtext, "get_language"),
            self._fonts,
        )
        stamp = _masks.get(key)
        if stamp is None:
            stamp = _draw_label(s, prop, angle, (fraction_x, fraction_y), self, gc, mtext)
            if stamp is False:  # could not be kept (reached the scratch canvas's edge)
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            _masks[key] = stamp
            if len(_masks) > MAX_MASKS:
                _masks.popitem(last=False)
        else:
            _masks.move_to_end(key)
        if stamp == ():  # blank label
            return None
        mask, left, top = stamp
        left, top = math.floor(x) + left, math.floor(y) + top
        bottom = top + mask.shape[0]
        if left < 0 or top < 0 or left + mask.shape[1] > self.width or bottom > self.height:
            self.spilled = True  # (partly) off the canvas, maybe entirely: not in the pixels
        self._renderer.draw_text_image(mask, left, bottom, 0, gc)
        return None


def _text_option(mtext, getter: str):
    method = getattr(mtext, getter, None)  # matplotlib 3.11+: font features and language
    value = method() if method is not None else None
    return tuple(value) if isinstance(value, list) else value


def _font_settings() -> tuple:
    """The rcParams and installed fonts that decide how text is drawn (part of every key)."""
    from matplotlib import font_manager

    settings = tuple(repr(mpl.rcParams[name]) for name in _FONT_SETTINGS)
    return (*settings, id(font_manager.fontManager), len(font_manager.fontManager.ttflist))


@lru_cache(maxsize=4)
def _measuring_renderer(dpi: float) -> RendererAgg:
    return RendererAgg(1, 1, dpi)


@lru_cache(maxsize=4096)
def _text_size(s: str, prop, dpi: float, fonts: tuple) -> tuple[float, float, float]:
    return RendererAgg.get_text_width_height_descent(_measuring_renderer(dpi), s, prop, False)


_font_height_cache: dict = {}


def _font_heights(renderer, prop, dpi: float, fonts: tuple) -> tuple:
    """Ascent, descent and line gap of the font ``prop`` names, in pixels, as matplotlib's
    ``Text._get_layout`` computes them; ``(None, None, None)`` lets matplotlib compute them."""
    key = (prop, dpi, fonts)
    if key not in _font_height_cache:
        heights = (None, None, None)
        try:
            font = renderer._prepare_font(prop)
            for table_name, gap, ascent, descent in (
                ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                ("hhea", "lineGap", "ascent", "descent"),
            ):
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
                scale = prop.get_size_in_points() * dpi / 72 / units_per_em
                heights = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
                break
        except (AttributeError, KeyError, RuntimeError, TypeError):
            pass  # another matplotlib: let it measure
        if len(_font_height_cache) >= 256:
            _font_height_cache.clear()
        _font_height_cache[key] = heights
    return _font_height_cache[key]


def _draw_label(s, prop, angle, fraction: tuple[float, float], renderer, gc, mtext):
    """Draw one label with matplotlib on a scratch canvas; return its coverage mask and where
    its top-left pixel lies relative to the label's position rounded down; ``()`` for a blank
    label, ``False`` if it reached the scratch canvas's edge."""
    dpi = renderer.dpi
    width, height, descent = _text_size(s, prop.copy(), dpi, renderer._fonts)
    slack = 4 + prop.get_size_in_points() * dpi / 72  # glyphs may overhang their advance
    # The label's box, from its baseline origin (y up), turned by its angle
    corners = [
        (-slack, -descent - slack),
        (width + slack, -descent - slack),
        (-slack, height - descent + slack),
        (width + slack, height - descent + slack),
    ]
    turn = math.radians(angle)
    cos, sin = math.cos(turn), math.sin(turn)
    xs = [cx * cos - cy * sin for cx, cy in corners]
    ys = [cx * sin + cy * cos for cx, cy in corners]
    origin_x, origin_y = math.ceil(-min(xs)), math.ceil(max(ys))  # pixels right of / below it
    scratch = RendererAgg(
        origin_x + math.ceil(max(xs)) + 2, origin_y + math.ceil(-min(ys)) + 2, dpi
    )
    pen = scratch.new_gc()
    pen.set_antialiased(gc.get_antialiased())
    # black, opaque: the alpha channel is then the glyphs' coverage
    RendererAgg.draw_text(
        scratch, pen, origin_x + fraction[0], origin_y + fraction[1], s, prop, angle, False, mtext
    )
    pen.restore()
    alpha = np.asarray(scratch.buffer_rgba())[..., 3]
    rows, columns = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    if not rows.size:
        return ()
    if rows[0] == 0 or columns[0] == 0 or rows[-1] == alpha.shape[0] - 1:
        return False
    if columns[-1] == alpha.shape[1] - 1:
        return False
    coverage = alpha[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    mask = np.ascontiguousarray(coverage)
    return mask, int(columns[0]) - origin_x, int(rows[0]) - origin_y


@contextmanager
def _ticks_worked_out_once() -> Iterator[None]:
    """While a figure is drawn, an axis's ticks are worked out once per layout.

    Drawing asks each axis for its ticks once for its own box, once for the title's place, once
    per sibling axis's label position, once to draw them: the locator, the formatter and every
    tick's label set again each time, to the same result. Kept here for what decides them: the
    axis's limits, the size and place of its axes in pixels (the number of ticks that fit), and
    its locators and formatters. A figure whose layout moves an axes between the asks (a layout
    engine) has a new key, so is worked out again."""
    worked_out: dict = {}

    def update_ticks(axis):
        key = (
            id(axis),
            tuple(axis.get_view_interval()),
            axis.axes.bbox.bounds,
            id(axis.major.locator),
            id(axis.major.formatter),
            id(axis.minor.locator),
            id(axis.minor.formatter),
        )
        if key not in worked_out:
            worked_out[key] = _plain_update_ticks(axis)
        return worked_out[key]

    # a private method, so not in matplotlib's type stubs
    Axis._update_ticks = update_ticks  # type: ignore[attr-defined]
    try:
        yield
    finally:
        Axis._update_ticks = _plain_update_ticks  # type: ignore[attr-defined]


_plain_update_ticks = Axis._update_ticks  # type: ignore[attr-defined]
QUICK_FIGURES_HOOK = "crmkit.chart_images:_measure_quickly"


@contextmanager
def quick_figures() -> Iterator[None]:
    """Figures pyplot makes inside get a :class:`QuickCanvas` in place of their Agg canvas (by
    matplotlib's ``figure.hooks``): the same pixels, with text sizes kept across figures, so a
    function that calls ``fig.tight_layout()`` does not measure every label again."""
    hooks = list(mpl.rcParams["figure.hooks"])
    mpl.rcParams["figure.hooks"] = [*hooks, QUICK_FIGURES_HOOK]
    try:
        yield
    finally:
        mpl.rcParams["figure.hooks"] = [
            hook for hook in mpl.rcParams["figure.hooks"] if hook != QUICK_FIGURES_HOOK
        ]


def _measure_quickly(figure) -> None:
    original = figure.canvas
    if type(original) is not FigureCanvasAgg:  # another backend's canvas (ipympl...) stays
        return
    quick = QuickCanvas(figure)  # becomes figure.canvas
    quick.manager = original.manager
    if original.manager is not None:  # pyplot finds the figure through its manager's canvas
        original.manager.canvas = quick
