"""Small widgets for exploring a case: controls on top, a table or chart below that follows them.

The notebook keeps the analysis (the pandas in the function it passes); this module only wires
controls to it, so a student who cannot code yet can still move a slider and read the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets
from IPython.display import display

_LABEL_STYLE = {"description_width": "initial"}
_WIDE = widgets.Layout(width="460px")


def slider(label: str, minimum: float, maximum: float, step: float, value: float) -> widgets.FloatSlider:
    """A labelled slider for a number such as a threshold or a share."""
    return widgets.FloatSlider(
        value=value, min=minimum, max=maximum, step=step, description=label,
        continuous_update=False, style=_LABEL_STYLE, layout=_WIDE, readout_format=".2f",
    )


def int_slider(label: str, minimum: int, maximum: int, value: int, step: int = 1) -> widgets.IntSlider:
    """A labelled slider for a whole number such as a number of days."""
    return widgets.IntSlider(
        value=value, min=minimum, max=maximum, step=step, description=label,
        continuous_update=False, style=_LABEL_STYLE, layout=_WIDE,
    )


def dropdown(label: str, options: Sequence, value=None) -> widgets.Dropdown:
    """A labelled drop-down for choosing one of ``options`` (a branch, a tier, a segment)."""
    options = list(options)
    return widgets.Dropdown(
        options=options, value=options[0] if value is None else value, description=label,
        style=_LABEL_STYLE, layout=_WIDE,
    )


class Explorer(widgets.VBox):
    """Controls, and below them what ``show(**values)`` returns, redrawn whenever a control moves.

    ``show`` may return a DataFrame, a Series, a matplotlib Figure or text. A mistake inside it is
    shown as one line that says what to check, not as a traceback.
    """

    def __init__(self, show: Callable[..., object], **controls: widgets.ValueWidget):
        self.show = show
        self.controls = controls
        self.output = widgets.Output()
        super().__init__(children=[*controls.values(), self.output])
        for control in controls.values():
            control.observe(lambda _change: self.refresh(), names="value")
        self.refresh()

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> object:
        """Recompute and redraw; returns what ``show`` returned (for tests and benchmarks)."""
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

        self.output.clear_output(wait=True)
        with self.output:
            try:
                result = self.show(**self.values())
            except Exception as error:  # the student's function: show the problem, keep the widget alive
                print(
                    f"出错了 / Something went wrong: {type(error).__name__}: {error}\n"
                    "请检查上面定义的函数，然后重新运行那个单元格 / Check the function defined above, then rerun its cell."
                )
                return None
            display(result)
            if isinstance(result, Figure):
                plt.close(result)  # shown once, inside the widget, not again below the cell
        return result


def explore(show: Callable[..., object], **controls: widgets.ValueWidget) -> Explorer:
    """Build an :class:`Explorer`: ``explore(top_clients, share=slider("前 x% / top share", 0.05, 0.5, 0.05, 0.2))``."""
    return Explorer(show, **controls)
