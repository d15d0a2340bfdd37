"""Small widgets for exploring a case: controls on top, a table or chart below that follows them.

The notebook keeps the analysis (the pandas in the function it passes); this module only wires
controls to it, so a student who cannot code yet can still move a slider and read the result.

How the result reaches the screen matters for testing. :class:`Explorer` does not capture output
with ``with output:`` (the front end routes such output by message id, which nbval and nbclient
do not do the same way, and nbclient crashes on it when widget state is not stored). It sets the
Output widget's ``outputs`` trait instead, the documented alternative, so what ``show`` returns
travels only in the widget's own state: the cell's stored output is the widget, the same
whoever runs the notebook. Beside the widget, that output carries what the explorer showed when
the cell ran (its chart as PNG, or its table as HTML): JupyterLab draws the live widget while the
kernel runs, and a saved notebook or the website, which have no widget state, show that instead.

A move has to answer within a frame or three. A chart described with :mod:`crmkit.charts`
(``bar_chart``, ``line_chart``) is drawn by the browser: a move sends its new numbers and texts
only, and the image kept for a saved notebook is drawn by matplotlib when the cell runs. A
matplotlib figure the function returns is drawn by :mod:`crmkit.chart_images`, and Python's
garbage collector waits until the move is done (see
:func:`_collected_after`). A student moving a slider back and forth comes back to values already
shown: what the function showed for them is kept (by the controls' values) until the next cell
runs, since only running code can change the function or the data it reads (see
:class:`ShownByValue`). And once a control has been moved, the kernel uses the pause before the
next move to show what the same move again would show, kept for when the student gets there (see
:meth:`Explorer._look_ahead`).
"""

from __future__ import annotations

import base64
import gc
import math
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

if TYPE_CHECKING:
    from .charts import LiveChart

_LABEL_STYLE = {"description_width": "initial"}
_WIDTH = "460px"


def slider(
    label: str, minimum: float, maximum: float, step: float, value: float
) -> widgets.FloatSlider:
    """A labelled slider for a number such as a threshold or a share."""
    return widgets.FloatSlider(
        value=value,
        min=minimum,
        max=maximum,
        step=step,
        description=label,
        continuous_update=False,
        style=_LABEL_STYLE,
        layout=widgets.Layout(width=_WIDTH),
        readout_format=".2f",
    )


def int_slider(
    label: str, minimum: int, maximum: int, value: int, step: int = 1
) -> widgets.IntSlider:
    """A labelled slider for a whole number such as a number of days."""
    return widgets.IntSlider(
        value=value,
        min=minimum,
        max=maximum,
        step=step,
        description=label,
        continuous_update=False,
        style=_LABEL_STYLE,
        layout=widgets.Layout(width=_WIDTH),
    )


def dropdown(label: str, options: Sequence, value=None) -> widgets.Dropdown:
    """A labelled drop-down for choosing one of ``options`` (a branch, a tier, a segment).

    ``options`` may be plain values or ``(label, value)`` pairs, e.g. ``labels(...)`` turned
    into ``[(zh, code) for code, zh in ...]``; without ``value`` the first option is chosen.
    """
    options = list(options)
    if not options:
        raise ValueError("dropdown() 需要至少一个选项 / dropdown() needs at least one option")
    if value is None:
        first = options[0]
        value = first[1] if isinstance(first, tuple) and len(first) == 2 else first
    return widgets.Dropdown(
        options=options,
        value=value,
        description=label,
        style=_LABEL_STYLE,
        layout=widgets.Layout(width=_WIDTH),
    )


class Explorer(widgets.VBox):
    """Controls, and below them what ``show(**values)`` returns, redrawn whenever a control moves.

    ``show`` may return a chart of :mod:`crmkit.charts` (``bar_chart``, ``line_chart``: drawn by
    the browser, a move sends only its new numbers), a DataFrame, a Series, a matplotlib Figure or
    Axes, or text; what it prints or displays is shown too. A mistake inside it is shown as one
    line that says what to check, not as a traceback (the exception itself is kept in
    ``last_error``).
    """

    def __init__(self, show: Callable[..., object], **controls: widgets.ValueWidget):
        if not controls:
            raise TypeError(
                "explore() 需要至少一个控件 / explore() needs at least one control, "
                "e.g. explore(show, share=slider(...))"
            )
        self.show = show
        self.controls = controls
        self.output = widgets.Output()
        self.last_error: Exception | None = None
        self.shown = ShownByValue()
        self.live_chart: LiveChart | None = None  # once ``show`` returned a bar_chart or line_chart
        self._ahead: dict | None = None  # the values the next look ahead is for
        super().__init__(children=[*controls.values(), self.output])
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self._on_change({})

    def _on_change(self, change: dict) -> None:
        kept = self.shown.get(self.values())
        if kept is not None:  # shown before for these values, and no cell has run since
            self.last_error = kept[1]
            self.output.outputs = kept[0]
            self._show_chart(kept[2])
        else:
            with _collected_after():
                self.refresh()  # what it returns is dropped before the collection
        if change:  # a move, not the showing when the cell ran
            self._look_ahead(change)

    def _look_ahead(self, change: dict) -> None:
        """After a move, when the kernel has nothing else to do, show what the same move again
        would show (one more step, or as many steps as the move made) into :attr:`shown`, not
        on screen, so a student going on that way gets what is kept.

        It runs as a callback of the kernel's event loop, after the move's answer has gone
        out: a message arriving meanwhile waits for at most that one drawing. It costs what
        the next move would have cost, done earlier; and nothing is done ahead before the
        first move, so running a notebook (nbval, Run All) never calls the function for
        values nobody chose."""
        import asyncio

        if _cells_run() is None:  # outside IPython nothing is kept, so nothing to do ahead
            return
        try:
            loop = asyncio.get_running_loop()  # the kernel's; none in plain Python
        except RuntimeError:
            return
        name = next((key for key, c in self.controls.items() if c is change.get("owner")), None)
        further = _one_move_further(change.get("owner"), change.get("old"), change.get("new"))
        if name is None or further is None:
            return
        ahead = {**self.values(), name: further}
        if self.shown.get(ahead) is not None:
            return
        self._ahead = ahead
        loop.call_soon(self._show_ahead, ahead, _cells_run())

    def _show_ahead(self, ahead: dict, cell: int | None) -> None:
        if ahead is not self._ahead or cell != _cells_run():  # moved on, or a cell ran
            return
        self._ahead = None
        if self.shown.get(ahead) is not None:
            return
        with _collected_after():
            outputs, result, error = render(self.show, ahead)
            self.shown.keep(ahead, (tuple(outputs), error, _chart_of(result)))
            del result  # collected with the move's other garbage

    def values(self) -> dict:
        """The controls' current values, by the names ``show`` receives them under."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> object:
        """Recompute and redraw; returns what ``show`` returned (for tests and benchmarks)."""
        values = self.values()
        outputs, result, error = render(self.show, values)
        self.last_error = error
        # one state update: the old view is replaced, no flicker
        self.output.outputs = tuple(outputs)
        chart = _chart_of(result)
        self._show_chart(chart)
        self.shown.keep(values, (self.output.outputs, error, chart))
        return result

    def _show_chart(self, chart) -> None:
        """Show ``chart`` (a :class:`crmkit.charts.Chart`) drawn by the browser, above the
        output: the first one builds the widget, later ones change its numbers and texts.
        None hides it (the function showed a table or failed)."""
        from .charts import LiveChart

        if chart is None:
            if self.live_chart is not None:
                self.live_chart.widget.layout.display = "none"
            return
        if self.live_chart is None:
            self.live_chart = LiveChart(chart)
            self.children = [*self.controls.values(), self.live_chart.widget, self.output]
        else:
            self.live_chart.update(chart)
            self.live_chart.widget.layout.display = None

    def shown_chart(self):
        """The chart on screen now (a :class:`crmkit.charts.Chart`), or None."""
        live = self.live_chart
        if live is None or live.widget.layout.display == "none":
            return None
        return live.chart

    def _repr_mimebundle_(self, **kwargs) -> dict:
        # The widget, and what it shows now for places without a kernel (see the module's doc)
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        chart = self.shown_chart()
        still = (
            {"image/png": base64.b64encode(chart._repr_png_()).decode("ascii")}
            if chart is not None
            else still_view(self.output.outputs)
        )
        return {**still, **bundle}

    def __repr__(self) -> str:
        # The text/plain form stored in the notebook and compared by nbval: the function and
        # the controls' values, nothing random (no model ids, no memory addresses).
        show = getattr(self, "show", None)
        name = getattr(show, "__name__", type(show).__name__)
        controls = getattr(self, "controls", {})  # not yet set while the VBox is being built
        values = ", ".join(f"{key}={control.value!r}" for key, control in controls.items())
        return f"Explorer(show={name}, {values})"


def explore(show: Callable[..., object], **controls: widgets.ValueWidget) -> Explorer:
    """Build an :class:`Explorer`:
    ``explore(top_clients, share=slider("前 x% / top share", 0.05, 0.5, 0.05, 0.2))``."""
    return Explorer(show, **controls)


def _chart_of(result: object):
    """``result`` if it is a chart for the browser to draw (bar_chart, line_chart), else None."""
    from .charts import Chart

    return result if isinstance(result, Chart) else None


def still_view(outputs: Sequence[dict]) -> dict:
    """What a reader without a kernel sees of an explorer showing ``outputs``: its chart
    (``image/png``), else its table (``text/html``), else nothing."""
    for mime in ("image/png", "text/html"):
        for output in reversed(outputs):
            if mime in output.get("data", {}):
                return {mime: output["data"][mime]}
    return {}


def _one_move_further(control, old, new):
    """The value the same move again would reach from ``new`` (``old`` to ``new`` was a move):
    a slider's step, or its jump of several steps; a drop-down's next option or the one as many
    places on. None past the end, or for another kind of control."""
    if old is None or new is None or old == new:
        return None
    options = getattr(control, "_options_values", None)  # a drop-down's values, in order
    if options is not None:
        if old not in options or new not in options:
            return None
        index = 2 * options.index(new) - options.index(old)
        return options[index] if 0 <= index < len(options) else None
    step = getattr(control, "step", None)
    if not isinstance(step, (int, float)) or not step or not hasattr(control, "max"):
        return None
    further = 2 * new - old
    if isinstance(step, float) or isinstance(new, float):
        # the value the slider sends for that position: a whole number of steps from its
        # minimum, without the float error of adding (0.25 + 0.05 is 0.30000000000000004)
        decimals = max(0, -math.floor(math.log10(abs(step))) + 3)
        further = round(control.min + round((further - control.min) / step) * step, decimals)
    if further < control.min or further > control.max:
        return None
    return further


class ShownByValue:
    """What an explorer showed for each combination of its controls' values, until a cell runs.

    The function reads the notebook's variables, and those change only when code runs: a cell
    (IPython's ``pre_run_cell`` event) ends what was kept. Not ``pre_execute``: it also fires
    for every widget message, every move. Outside IPython nothing tells when code changes, so
    nothing is kept. Values that cannot be dictionary keys are not kept either. At most
    ``MAX_SHOWN`` are kept (a chart is some 40 kB of PNG), the least recently shown dropped
    first."""

    MAX_SHOWN = 64

    def __init__(self) -> None:
        self._kept: OrderedDict = OrderedDict()
        self._cell = _cells_run()

    def get(self, values: dict):
        key = self._key(values)
        if key is None or key not in self._kept:
            return None
        self._kept.move_to_end(key)
        return self._kept[key]

    def keep(self, values: dict, shown) -> None:
        key = self._key(values)
        if key is None:
            return
        self._kept[key] = shown
        if len(self._kept) > self.MAX_SHOWN:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)

    def _key(self, values: dict):
        cell = _cells_run()
        if cell is None:
            return None
        if cell != self._cell:  # a cell ran since: the function or its data may be new
            self._kept.clear()
            self._cell = cell
        key = tuple(values.items())
        try:
            hash(key)
        except TypeError:
            return None
        return key


_cell_count: dict[str, Any] = {"shell": None, "count": 0}


def _cells_run() -> int | None:
    """How many cells IPython has run (counted from the first call), or None outside it."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return None
    if _cell_count["shell"] is not shell:
        _cell_count["shell"] = shell
        _cell_count["count"] = 0
        shell.events.register("pre_run_cell", _count_cell)
    return _cell_count["count"]


def _count_cell(_info=None) -> None:
    _cell_count["count"] += 1


@contextmanager
def _collected_after() -> Iterator[None]:
    """Keep Python's garbage collector off during a move, and collect what the move left after.

    A chart is a new figure of some 20,000 objects in reference cycles. With the collector on,
    they outlive the young collections that run while it is drawn, reach the oldest generation,
    and are freed only by a full collection, which walks every object of the notebook (100 ms
    and more: a move that lags). Collected while still young, right after the move, they cost a
    few milliseconds. A collector the notebook turned off stays off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.collect(0)  # everything the move made is still in the youngest generation
            gc.enable()


def error_message(error: Exception) -> str:
    """The line an :class:`Explorer` shows when ``show`` fails."""
    return (
        f"出错了 / Something went wrong: {type(error).__name__}: {error}\n"
        "请检查上面定义的函数，然后重新运行那个单元格 / Check the function defined above, then "
        "rerun its cell.\n"
    )


def render(
    show: Callable[..., object], values: dict
) -> tuple[list[dict], object, Exception | None]:
    """Call ``show(**values)`` and turn everything it produced into Jupyter output dicts.

    Returns ``(outputs, result, error)``: what it printed, displayed and returned (in that
    order), the returned value, and the exception if it raised (then ``outputs`` is the message).
    Figures it opened are closed, so they are shown once, inside the widget. A returned chart of
    :mod:`crmkit.charts` is not among the outputs: the explorer has the browser draw it.
    """
    import matplotlib.pyplot as plt
    from IPython.utils.capture import capture_output

    from .chart_images import quick_figures

    figures_before = set(plt.get_fignums())
    with ExitStack() as cleanup:
        cleanup.callback(_close_figures_opened_since, figures_before)
        try:
            # Drawing happens inside the capture too, so a warning such as "Glyph … missing
            # from font" shows up in the widget, where the student is looking.
            with capture_output(stdout=True, stderr=True, display=True) as captured:
                with quick_figures():
                    result = show(**values)
                shown = [_display_data(o.data, o.metadata) for o in captured.outputs]
                figure = _figure_of(result)
                for number in plt.get_fignums():
                    opened_inside = plt.figure(number)
                    if number not in figures_before and opened_inside is not figure:
                        shown.append(_format(opened_inside))  # drawn with pyplot but not returned
                if isinstance(result, str):
                    shown.append(_stream(result if result.endswith("\n") else result + "\n"))
                elif _chart_of(result) is not None:
                    pass  # drawn by the browser (Explorer._show_chart), not as an output
                elif figure is not None:
                    shown.append(_format(figure))
                    plt.close(figure)
                elif result is not None:
                    shown.append(_format(result))
        except (
            Exception
        ) as error:  # the student's function: show the problem, keep the widget alive
            return [_stream(error_message(error))], None, error
    printed = [_stream(captured.stdout)] if captured.stdout else []
    if captured.stderr:
        printed.append(_stream(captured.stderr, "stderr"))
    return printed + shown, result, None


def _close_figures_opened_since(before: set[int]) -> None:
    import matplotlib.pyplot as plt

    for number in set(plt.get_fignums()) - before:
        plt.close(number)


def _figure_of(result: object):
    """The Figure to show for ``result`` (a Figure, or the figure of an Axes), else None."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(result, Figure):
        return result
    if isinstance(result, Axes):
        return result.figure
    return None


def _stream(text: str, name: str = "stdout") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def _display_data(data: dict, metadata: dict | None = None) -> dict:
    # Widget state travels as JSON: binary data (a PNG) must be base64 text, as in a notebook file.
    data = {
        mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        for mime, value in data.items()
    }
    return {"output_type": "display_data", "data": data, "metadata": dict(metadata or {})}


def _format(obj: object) -> dict:
    """A display_data output for ``obj`` as IPython would display it (PNG for a figure)."""
    from IPython import get_ipython
    from matplotlib.figure import Figure

    from .chart_images import figure_png

    if isinstance(obj, Figure):
        return _display_data({"image/png": figure_png(obj), "text/plain": repr(obj)})
    shell = get_ipython()
    if shell is None:  # plain Python (tests, scripts): the text form is all there is
        return _display_data({"text/plain": repr(obj)})
    data, metadata = shell.display_formatter.format(obj)
    return _display_data(data, metadata)
