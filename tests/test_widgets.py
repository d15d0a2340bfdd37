"""The explorer widgets: controls call the notebook's function, and what it returns is shown.

A slider move in the browser arrives in the kernel as a change of the control's ``value``;
setting ``.value`` here is that same event.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import textwrap
import weakref

import matplotlib

matplotlib.use("Agg")

import ipywidgets
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from crmkit.plotting import use_cjk_font
from crmkit.widgets import (
    Explorer,
    ShownByValue,
    _one_move_further,
    dropdown,
    explore,
    int_slider,
    slider,
    still_view,
)


@pytest.fixture(autouse=True)
def fresh_style():
    with matplotlib.rc_context():
        yield
    plt.close("all")


class Recorder:
    """A ``show`` function that remembers every call."""

    def __init__(self, result=lambda **values: pd.DataFrame([values])):
        self.calls: list[dict] = []
        self.result = result

    def __call__(self, **values):
        self.calls.append(values)
        return self.result(**values)


def outputs(explorer: Explorer) -> list[dict]:
    return list(explorer.output.outputs)


# --- controls ---------------------------------------------------------------------------------


def test_slider_is_labelled_and_updates_on_release():
    control = slider("前 x% / top share", 0.05, 0.5, 0.05, 0.2)
    assert isinstance(control, ipywidgets.FloatSlider)
    assert (control.min, control.max, control.step, control.value) == (0.05, 0.5, 0.05, 0.2)
    assert control.description == "前 x% / top share"
    assert control.continuous_update is False  # one callback per move, not one per pixel


def test_int_slider_is_labelled():
    control = int_slider("天数 / days", 7, 365, 90, step=7)
    assert isinstance(control, ipywidgets.IntSlider)
    assert (control.min, control.max, control.step, control.value) == (7, 365, 7, 90)
    assert control.continuous_update is False


def test_dropdown_chooses_the_first_option_by_default():
    assert dropdown("等级 / tier", ["standard", "gold"]).value == "standard"
    assert dropdown("等级 / tier", ["standard", "gold"], value="gold").value == "gold"


def test_dropdown_accepts_label_value_pairs():
    control = dropdown("等级 / tier", [("普通卡", "standard"), ("金卡", "gold")])
    assert control.value == "standard"
    assert control.label == "普通卡"


def test_dropdown_accepts_pandas_categories():
    categories = pd.Categorical(["深圳", "广州"]).categories
    assert dropdown("城市 / city", categories).value == categories[0]


def test_dropdown_without_options_says_so():
    with pytest.raises(ValueError, match="at least one option"):
        dropdown("城市 / city", [])


# --- the explorer -------------------------------------------------------------------------------


def test_explorer_shows_the_first_result_at_once():
    show = Recorder()
    explorer = explore(show, share=slider("share", 0.05, 0.5, 0.05, 0.2))
    assert show.calls == [{"share": 0.2}]
    assert explorer.children[0] is explorer.controls["share"]
    assert explorer.children[-1] is explorer.output
    [shown] = outputs(explorer)
    assert shown["output_type"] == "display_data"
    assert "0.2" in shown["data"]["text/plain"]


def test_moving_a_slider_calls_the_function_with_the_new_value():
    show = Recorder()
    explorer = explore(show, days=int_slider("days", 0, 365, 90))
    explorer.controls["days"].value = 30
    explorer.controls["days"].value = 180
    assert [call["days"] for call in show.calls] == [90, 30, 180]
    [shown] = outputs(explorer)
    assert "180" in shown["data"]["text/plain"]


def test_every_control_is_passed_by_name():
    show = Recorder()
    explorer = explore(
        show, tier=dropdown("tier", ["standard", "gold"]), year=dropdown("year", [2008, 2009, 2010])
    )
    explorer.controls["year"].value = 2010
    explorer.controls["tier"].value = "gold"
    assert show.calls[-1] == {"tier": "gold", "year": 2010}
    assert explorer.values() == {"tier": "gold", "year": 2010}


def test_refresh_returns_what_show_returned():
    table = pd.DataFrame({"clients": [3]})
    explorer = explore(lambda share: table, share=slider("share", 0.1, 0.9, 0.1, 0.5))
    assert explorer.refresh() is table


def test_a_new_result_replaces_the_old_one():
    explorer = explore(lambda n: f"n = {n}", n=int_slider("n", 1, 10, 1))
    explorer.controls["n"].value = 2
    assert outputs(explorer) == [{"output_type": "stream", "name": "stdout", "text": "n = 2\n"}]


def test_a_mistake_in_show_is_one_line_and_the_widget_keeps_working():
    def show(n):
        if n == 3:
            raise KeyError("branch")
        return f"n = {n}"

    explorer = explore(show, n=int_slider("n", 1, 10, 1))
    explorer.controls["n"].value = 3
    [message] = outputs(explorer)
    assert message["output_type"] == "stream"
    assert message["text"].startswith("出错了 / Something went wrong: KeyError: 'branch'")
    assert "Check the function defined above" in message["text"]
    assert "Traceback" not in message["text"]
    assert isinstance(explorer.last_error, KeyError)
    assert explorer.refresh() is None

    explorer.controls["n"].value = 4  # fixed by moving on: the widget still works
    assert outputs(explorer)[0]["text"] == "n = 4\n"
    assert explorer.last_error is None


def test_what_show_prints_goes_into_the_widget_not_below_the_cell(capsys):
    def show(n):
        print("checking", n)
        return n * 2

    explorer = explore(show, n=int_slider("n", 1, 10, 1))
    assert capsys.readouterr().out == ""
    printed, result = outputs(explorer)
    assert printed == {"output_type": "stream", "name": "stdout", "text": "checking 1\n"}
    assert result["data"]["text/plain"] == "2"


def test_a_returned_figure_is_shown_as_png_and_closed():
    use_cjk_font()

    def chart(share):
        fig, ax = plt.subplots()
        ax.bar(["前 x%", "其余"], [share, 1 - share])
        return fig

    open_before = plt.get_fignums()
    explorer = explore(chart, share=slider("share", 0.1, 0.9, 0.1, 0.2))
    explorer.controls["share"].value = 0.5
    [shown] = outputs(explorer)
    assert base64.b64decode(shown["data"]["image/png"]).startswith(b"\x89PNG")
    assert shown["data"]["text/plain"].startswith("<Figure size")
    assert plt.get_fignums() == open_before


def test_an_axes_or_a_pyplot_chart_is_shown_too():
    def axes_chart(n):
        fig, ax = plt.subplots()
        ax.plot(range(n))
        return ax

    def pyplot_chart(n):
        plt.figure()
        plt.plot(range(n))

    for show in (axes_chart, pyplot_chart):
        explorer = explore(show, n=int_slider("n", 2, 10, 3))
        assert ["image/png" in o["data"] for o in outputs(explorer)] == [True]
    assert plt.get_fignums() == []


def test_widget_state_is_json():
    """What the kernel sends to the browser must serialise (PNG bytes as base64 text)."""

    def chart(n):
        fig, ax = plt.subplots()
        ax.plot(range(n))
        return fig

    explorer = explore(chart, n=int_slider("n", 2, 10, 3))
    json.dumps(explorer.output.get_state())


def test_without_a_kernel_an_explorer_shows_its_chart_else_its_table():
    """What a saved notebook and the website show in place of the widget: the chart it showed
    when the cell ran, else the table, else only the text form."""

    def chart_and_table(n):
        fig, ax = plt.subplots()
        ax.plot(range(n))
        print("n =", n)
        return pd.DataFrame({"n": [n]})

    shown = explore(chart_and_table, n=int_slider("n", 2, 10, 3))
    still = still_view(shown.output.outputs)
    assert list(still) == ["image/png"]
    assert base64.b64decode(still["image/png"]).startswith(b"\x89PNG")
    bundle = shown._repr_mimebundle_()
    assert bundle["image/png"] == still["image/png"]
    assert bundle["text/plain"] == "Explorer(show=chart_and_table, n=3)"

    table = explore(lambda n: pd.DataFrame({"n": [n]}), n=int_slider("n", 2, 10, 3))
    table.output.outputs = ({"output_type": "display_data", "data": {"text/html": "<table/>"}},)
    assert still_view(table.output.outputs) == {"text/html": "<table/>"}
    text = explore(lambda n: f"n = {n}", n=int_slider("n", 2, 10, 3))
    assert set(text._repr_mimebundle_()) == {
        "text/plain",
        "application/vnd.jupyter.widget-view+json",
    }


def test_a_moves_figure_is_freed_when_the_move_ends():
    """A chart's figure is garbage in reference cycles once shown. It is collected as the move
    ends, while still young, not left for a full collection that would stall a later move."""
    made = []

    def chart(n):
        fig, ax = plt.subplots()
        ax.bar(range(n), range(n))
        made.append(weakref.ref(fig))
        return fig

    explorer = explore(chart, n=int_slider("n", 2, 10, 3))
    for n in (4, 5, 6):
        explorer.controls["n"].value = n
    assert len(made) == 4
    assert [ref() for ref in made] == [None] * 4
    assert gc.isenabled()


def test_a_collector_the_notebook_turned_off_stays_off():
    explorer = explore(lambda n: f"n = {n}", n=int_slider("n", 2, 10, 3))
    gc.disable()
    try:
        explorer.controls["n"].value = 4
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_repr_names_the_function_and_values_and_nothing_random():
    def top_clients(share, branch):
        return None

    explorer = explore(
        top_clients,
        share=slider("share", 0.05, 0.5, 0.05, 0.2),
        branch=dropdown("branch", ["长春营业部"]),
    )
    assert repr(explorer) == "Explorer(show=top_clients, share=0.2, branch='长春营业部')"
    assert explorer._repr_mimebundle_()["text/plain"] == repr(explorer)


def test_explore_without_controls_says_what_is_missing():
    with pytest.raises(TypeError, match="needs at least one control"):
        explore(lambda: None)


# --- coming back, and going on ------------------------------------------------------------------


@pytest.fixture
def ipython():
    """An IPython shell, as in a kernel: explorers keep what they showed until a cell runs."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def sent_from_the_browser(control, value) -> None:
    """A move as it reaches the kernel: a widget message, which IPython treats as running code
    (it fires ``pre_execute`` and ``post_execute``), that sets the control's value (a
    drop-down's chosen index)."""
    options = getattr(control, "_options_values", None)
    state = {"index": options.index(value)} if options is not None else {"value": value}
    message = {"method": "update", "state": state, "buffer_paths": []}
    control.comm.handle_msg({"content": {"data": message}, "buffers": []})
    assert control.value == value


def test_a_value_shown_before_is_shown_again_without_calling_the_function(ipython):
    show = Recorder()
    explorer = explore(show, days=int_slider("days", 0, 365, 90))
    first = outputs(explorer)
    sent_from_the_browser(explorer.controls["days"], 30)
    sent_from_the_browser(explorer.controls["days"], 90)
    assert [call["days"] for call in show.calls] == [90, 30]
    assert outputs(explorer) == first


def test_what_was_kept_goes_when_a_cell_runs(ipython):
    """The function reads the notebook's variables; a cell may change them (or the data)."""
    ipython.run_cell("factor = 2")

    def show(days):
        return days * ipython.user_ns["factor"]

    explorer = explore(show, days=int_slider("days", 0, 365, 90))
    explorer.controls["days"].value = 30
    ipython.run_cell("factor = 3")
    explorer.controls["days"].value = 90
    assert outputs(explorer)[-1]["data"]["text/plain"] == "270"


def test_a_mistake_shown_again_is_still_the_last_error(ipython):
    def show(n):
        return 1 / (n - 3)

    explorer = explore(show, n=int_slider("n", 1, 10, 3))
    assert isinstance(explorer.last_error, ZeroDivisionError)
    explorer.controls["n"].value = 4
    assert explorer.last_error is None
    explorer.controls["n"].value = 3
    assert isinstance(explorer.last_error, ZeroDivisionError)


def test_outside_ipython_nothing_is_kept():
    show = Recorder()
    explorer = explore(show, days=int_slider("days", 0, 365, 90))
    explorer.controls["days"].value = 30
    explorer.controls["days"].value = 90
    assert [call["days"] for call in show.calls] == [90, 30, 90]
    assert len(explorer.shown) == 0


def test_kept_values_are_bounded(ipython, monkeypatch):
    monkeypatch.setattr(ShownByValue, "MAX_SHOWN", 3)
    explorer = explore(Recorder(), days=int_slider("days", 0, 365, 0))
    for days in range(1, 10):
        explorer.controls["days"].value = days
    assert len(explorer.shown) == 3


def moved_in_a_kernel(explorer, name, *values):
    """Move a control as messages from the browser do: each move, then the kernel's event loop
    free until the next (when what the explorer does ahead runs)."""

    async def moves():
        for value in values:
            sent_from_the_browser(explorer.controls[name], value)
            await asyncio.sleep(0)

    asyncio.run(moves())


def test_after_a_move_the_same_move_again_is_shown_ahead(ipython):
    show = Recorder()
    explorer = explore(show, days=int_slider("days", 0, 365, 90, step=5))
    moved_in_a_kernel(explorer, "days", 95)
    assert [call["days"] for call in show.calls] == [90, 95, 100]
    assert "95" in outputs(explorer)[0]["data"]["text/html"]  # on screen: the value chosen
    moved_in_a_kernel(explorer, "days", 100)  # kept: the function is not called for it again
    assert [call["days"] for call in show.calls] == [90, 95, 100, 105]
    assert "100" in outputs(explorer)[0]["data"]["text/html"]
    moved_in_a_kernel(explorer, "days", 130)  # a jump of six steps: the next is six more
    assert [call["days"] for call in show.calls][-2:] == [130, 160]


def test_a_drop_down_looks_ahead_to_the_next_option_the_same_way(ipython):
    show = Recorder()
    explorer = explore(show, year=dropdown("year", [2008, 2009, 2010, 2011], value=2011))
    moved_in_a_kernel(explorer, "year", 2010, 2009)
    assert [call["year"] for call in show.calls] == [2011, 2010, 2009, 2008]
    assert "2009" in outputs(explorer)[0]["data"]["text/html"]


def test_nothing_is_shown_ahead_before_the_first_move_or_past_the_end(ipython):
    """Running a notebook (nbval, Run All) never calls the function for values nobody chose."""
    show = Recorder()
    explorer = explore(show, days=int_slider("days", 0, 10, 8))
    moved_in_a_kernel(explorer, "days")
    assert [call["days"] for call in show.calls] == [8]
    moved_in_a_kernel(explorer, "days", 10)  # 12 is past the end
    assert [call["days"] for call in show.calls] == [8, 10]


def test_a_cell_run_before_the_look_ahead_drops_it(ipython):
    show = Recorder()
    explorer = explore(show, days=int_slider("days", 0, 365, 90))

    async def move_then_run_a_cell():
        explorer.controls["days"].value = 91
        ipython.run_cell("x = 1")
        await asyncio.sleep(0)

    asyncio.run(move_then_run_a_cell())
    assert [call["days"] for call in show.calls] == [90, 91]


@pytest.mark.parametrize(
    "control, old, new, further",
    [
        (int_slider("n", 1, 20, 5), 5, 6, 7),
        (int_slider("n", 1, 20, 5), 6, 5, 4),
        (int_slider("n", 1, 20, 5), 19, 20, None),
        (int_slider("days", 60, 365, 180, step=5), 180, 195, 210),
        (slider("share", 0.05, 0.5, 0.05, 0.2), 0.2, 0.25, 0.3),  # not 0.30000000000000004
        (slider("share", 0.05, 0.5, 0.05, 0.2), 0.1, 0.05, None),
        (dropdown("year", [2008, 2009, 2010]), 2010, 2009, 2008),
        (
            dropdown("state", [("潜在 potential", "potential"), ("首次 first", "first")]),
            "first",
            "potential",
            None,
        ),
        (ipywidgets.Checkbox(value=False), False, True, None),
    ],
)
def test_the_same_move_again(control, old, new, further):
    assert _one_move_further(control, old, new) == further


# --- in a real kernel ---------------------------------------------------------------------------


@pytest.mark.slow
def test_in_a_kernel_the_result_travels_in_the_widget_state_not_the_cell(tmp_path):
    """In a kernel the cell's own output is the widget; the table and chart are in its state.

    This is what lets nbval compare the cell (it sees the widget's text/plain) while the
    table inside changes with every slider move.
    """
    from nbclient import NotebookClient

    source = textwrap.dedent(
        """
        import matplotlib.pyplot as plt
        import pandas as pd
        from crmkit.widgets import explore, int_slider

        def show(n):
            print("n is", n)
            fig, ax = plt.subplots()
            ax.plot(range(n))
            return pd.DataFrame({"n": [n]})

        explorer = explore(show, n=int_slider("n", 2, 10, 4))
        explorer
        """
    )
    unreadable = textwrap.dedent(
        """
        def chart(n):  # matplotlib's default font has no Chinese: the warning shows in the widget
            fig, ax = plt.subplots()
            ax.set_title("客户")
            return fig

        explore(chart, n=int_slider("n", 2, 10, 4))
        """
    )
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell(unreadable)]
    )
    NotebookClient(
        nb,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert [len(cell.outputs) for cell in nb.cells] == [1, 1]
    cell_output = nb.cells[0].outputs[0]
    assert cell_output["data"]["text/plain"] == "Explorer(show=show, n=4)"
    # the widget, and its chart for readers without a kernel (a saved notebook, the website)
    assert set(cell_output["data"]) == {
        "text/plain",
        "application/vnd.jupyter.widget-view+json",
        "image/png",
    }

    states = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"].values()
    first, second = [s["state"] for s in states if s["model_name"] == "OutputModel"]
    kinds = [(o["output_type"], sorted(o.get("data", {}))) for o in first["outputs"]]
    assert kinds == [
        ("stream", []),
        ("display_data", ["image/png", "text/plain"]),
        ("display_data", ["text/html", "text/plain"]),
    ]
    assert cell_output["data"]["image/png"] == first["outputs"][1]["data"]["image/png"]
    warned = [o["text"] for o in second["outputs"] if o.get("name") == "stderr"]
    assert warned and "missing from font" in warned[0]
