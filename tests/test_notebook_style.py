"""What a student sees in the case notebooks stays tidy (issue 9).

Four blemishes are easy to bring back without noticing, so they are checked on the committed
notebooks (and, in the slow test, on what each explorer shows for its default value):

- a code line wider than a laptop screen (88 columns; a Chinese character takes two);
- a NumPy scalar repr such as ``np.float64(2.44)`` in an output, where ``2.44`` was meant;
- a DataFrame whose text form pandas wrapped onto a second block with ``\\`` line endings,
  because it is wider than pandas' 80 columns;
- under an explorer's controls, a Series shown as plain text ending in ``dtype: float64``
  (an explorer should return a DataFrame, a chart or a sentence).

Each check is a small function that returns what it found, and the last tests feed each one a
notebook with the blemish, so a check that can no longer fail fails here.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_COLUMNS = 88

NUMPY_REPR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool|str_|datetime64|timedelta64)\w*\(")
WRAPPED_LINE = re.compile(r" \\$", re.MULTILINE)  # pandas ends each line of a wrapped block so
# the last line of a Series
SERIES_FOOTER = re.compile(r"^(?:Name: .*, )?dtype: \w+$", re.MULTILINE)


def columns(line: str) -> int:
    """How many columns ``line`` takes in a monospace editor: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def long_lines(nb: nbformat.NotebookNode) -> list[str]:
    """``cell N: (columns) line`` for every code line wider than MAX_COLUMNS."""
    return [
        f"cell {index}: ({columns(line)}) {line}"
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if columns(line) > MAX_COLUMNS
    ]


def output_texts(outputs: list[dict]) -> list[tuple[str, str]]:
    """``(kind, text)`` for each text an output list holds: stream text, text/plain, text/html."""
    texts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            texts.append(("stream", _text(output.get("text", ""))))
        for mime, value in output.get("data", {}).items():
            if mime in ("text/plain", "text/html"):
                texts.append((mime, _text(value)))
    return texts


def numpy_reprs(outputs: list[dict]) -> list[str]:
    """Each NumPy scalar repr found in ``outputs``, with a little context."""
    return [
        text[max(0, m.start() - 20) : m.end() + 20]
        for _, text in output_texts(outputs)
        for m in NUMPY_REPR.finditer(text)
    ]


def wrapped_tables(outputs: list[dict]) -> list[str]:
    """The first line of each text/plain output that pandas wrapped with ``\\`` line endings."""
    return [
        text.splitlines()[0]
        for kind, text in output_texts(outputs)
        if kind == "text/plain" and WRAPPED_LINE.search(text)
    ]


def series_footers(outputs: list[dict]) -> list[str]:
    """The ``dtype: …`` footer of each Series shown as text (a Series has no HTML table)."""
    return [
        m.group(0)
        for kind, text in output_texts(outputs)
        if kind == "text/plain"
        for m in SERIES_FOOTER.finditer(text)
    ]


def cell_outputs(nb: nbformat.NotebookNode) -> list[tuple[int, list[dict]]]:
    return [
        (index, cell.get("outputs", []))
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
    ]


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# --- the committed notebooks ---------------------------------------------------------------------


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) >= 6, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_a_laptop_screen(path):
    nb = nbformat.read(path, as_version=4)
    assert not long_lines(nb), "\n".join(long_lines(nb))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_show_plain_numbers_not_numpy_reprs(path):
    nb = nbformat.read(path, as_version=4)
    found = [
        f"cell {index}: {hit!r}"
        for index, outputs in cell_outputs(nb)
        for hit in numpy_reprs(outputs)
    ]
    assert not found, "print scalars with an f-string or float()/int(): " + "; ".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_tables_are_not_wrapped_by_pandas(path):
    nb = nbformat.read(path, as_version=4)
    found = [
        f"cell {index}: {first!r}"
        for index, outputs in cell_outputs(nb)
        for first in wrapped_tables(outputs)
    ]
    assert not found, "show fewer or shorter columns, or turn the table: " + "; ".join(found)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_explorers_show_tidy_tables_for_their_default_values(path):
    """What each explorer shows lives in its Output widget's state, not in the cell's outputs."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    states = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    shown = [s["state"]["outputs"] for s in states.values() if s["model_name"] == "OutputModel"]
    assert shown, "no explorer ran"
    # Under a slider a Series shows as plain text ending in "dtype: float64": return a DataFrame.
    problems = [
        hit
        for outputs in shown
        for hit in numpy_reprs(outputs) + wrapped_tables(outputs) + series_footers(outputs)
    ]
    errors = [
        text
        for outputs in shown
        for _, text in output_texts(outputs)
        if "出错了 / Something went wrong" in text
    ]
    assert not problems and not errors, problems + errors


# --- the checks can fail -------------------------------------------------------------------------


def notebook_with(source: str, outputs: list[dict]) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(output) for output in outputs]
    return nbformat.v4.new_notebook(cells=[cell])


def test_a_long_line_is_found_and_chinese_counts_double():
    assert not long_lines(notebook_with("x = 1\n" + "y" * MAX_COLUMNS, []))
    assert long_lines(notebook_with("y" * (MAX_COLUMNS + 1), []))
    chinese = "# " + "客户" * 22 + " / clients"  # 56 characters, 98 columns
    assert len(chinese) <= MAX_COLUMNS
    assert long_lines(notebook_with(chinese, []))


def test_a_numpy_scalar_repr_is_found():
    result = {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"text/plain": "np.float64(2.44)"},
    }
    printed = {"output_type": "stream", "name": "stdout", "text": "ratio: np.int64(3)\n"}
    assert numpy_reprs([result]) and numpy_reprs([printed])
    assert not numpy_reprs([{**result, "data": {"text/plain": "2.44"}}])


def test_a_wrapped_table_is_found():
    import pandas as pd

    wide = pd.DataFrame({f"a_rather_long_column_name_{i}": [1.5, 2.25] for i in range(5)})
    # The text form a kernel stores: pandas wraps at 80 columns (outside a kernel it may drop
    # columns instead, hence to_string with the kernel's line width).
    wrapped = {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"text/plain": wide.to_string(line_width=80)},
    }
    assert wrapped_tables([wrapped])
    narrow = {**wrapped, "data": {"text/plain": wide.iloc[:, :2].to_string(line_width=80)}}
    assert not wrapped_tables([narrow])


def test_a_series_under_a_slider_is_found():
    import pandas as pd

    def shown(obj) -> dict:
        return {"output_type": "display_data", "metadata": {}, "data": {"text/plain": repr(obj)}}

    assert series_footers([shown(pd.Series({"shoppers": 1237.0, "spend": 610.4}))])
    assert series_footers([shown(pd.Series([1, 2], name="visits"))])
    assert not series_footers([shown(pd.DataFrame({"shoppers": [1237], "spend": [610.4]}))])
