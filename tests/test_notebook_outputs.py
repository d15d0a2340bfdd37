"""Stored notebook outputs are reproducible and nbval compares them honestly.

`python -m crmkit.notebook_outputs execute` writes the outputs; running it again must not change
a byte, and nbval (with tests/nbval_sanitize.cfg) must pass on the result, yet still fail
when a stored output is wrong.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from crmkit import notebook_outputs
from crmkit.notebook_outputs import main, normalise, output_problems, semicolon_cells

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

EXPLORER_NOTEBOOK = [
    """
    import matplotlib.pyplot as plt
    import pandas as pd
    from crmkit.plotting import use_cjk_font
    from crmkit.widgets import explore, slider, dropdown
    font_name = use_cjk_font()
    """,
    """
    def top_share(share, branch):
        print("计算中 / computing", branch)
        return pd.DataFrame({"share": [share], "branch": [branch]})

    explore(top_share, share=slider("前 x% / top share", 0.05, 0.5, 0.05, 0.2),
            branch=dropdown("营业部 / branch", ["长春营业部", "吉林营业部"]))
    """,
    """
    fig, ax = plt.subplots()
    ax.bar(["现有", "流失"], [3, 1])
    ax.set_title("客户状态 / Client status")
    plt.show()
    """,
    """
    pd.DataFrame({"客户": ["甲", "乙"], "佣金": [1.5, 2.25]})
    """,
]


def write_notebook(path: Path, sources: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(s).strip()) for s in sources]
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"  # fixed ids, so the file's bytes depend on the content only
    nbformat.write(nb, path)
    return path


def run_nbval(notebook: Path) -> subprocess.CompletedProcess:
    """pytest --nbval exactly as `make test` runs it, in a separate process."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(SANITIZE),
            str(notebook),
        ],
        cwd=notebook.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    """The explorer notebook, executed once by the tool."""
    path = write_notebook(tmp_path_factory.mktemp("nb") / "explorer.ipynb", EXPLORER_NOTEBOOK)
    assert main(["execute", str(path)]) == 0
    return path


@pytest.mark.slow
def test_executing_again_changes_no_byte(executed):
    before = executed.read_bytes()
    assert main(["check", str(executed)]) == 0
    assert main(["execute", str(executed)]) == 0
    assert executed.read_bytes() == before


@pytest.mark.slow
def test_stored_outputs_hold_no_random_widget_ids(executed):
    text = executed.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert "model_id" not in text
    assert "widgets" not in nb.metadata
    [widget] = nb.cells[1].outputs
    assert widget["data"]["text/plain"] == (
        "Explorer(show=top_share, share=0.2, branch='长春营业部')"
    )
    # what the explorer showed, for readers without a kernel (its table: no chart here)
    assert set(widget["data"]) == {"text/plain", "text/html"}
    assert "<table" in widget["data"]["text/html"]
    assert all("execution" not in cell.metadata for cell in nb.cells)


@pytest.mark.slow
def test_nbval_passes_on_the_executed_notebook(executed):
    result = run_nbval(executed)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_nbval_still_fails_when_a_stored_output_is_wrong(executed, tmp_path):
    """Sanitizing hides only what is random: a changed widget value or table is caught."""
    nb = nbformat.read(executed, as_version=4)
    nb.cells[1].outputs[0]["data"]["text/plain"] = (
        "Explorer(show=top_share, share=0.3, branch='长春营业部')"
    )
    nb.cells[3].outputs[0]["data"]["text/plain"] = (
        nb.cells[3].outputs[0]["data"]["text/plain"].replace("2.25", "2.5")
    )
    wrong = tmp_path / "wrong.ipynb"
    nbformat.write(nb, wrong)
    result = run_nbval(wrong)
    assert result.returncode != 0
    assert "2 failed" in result.stdout, result.stdout[-3000:]


@pytest.mark.slow
def test_output_captured_with_a_context_manager_is_reported_not_crashed(tmp_path):
    """nbclient's Output-widget mimic crashes when widget state is not stored; the tool does not."""
    path = write_notebook(
        tmp_path / "capture.ipynb",
        [
            """
        import ipywidgets
        out = ipywidgets.Output()
        with out:
            print("inside")
        out
        """,
        ],
    )
    report = notebook_outputs.process(path, "execute")
    assert any("captures output into an Output widget" in w for w in report.warnings)
    assert "model_id" not in path.read_text(encoding="utf-8")


def test_a_trailing_semicolon_is_reported():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1\nx;"),
            nbformat.v4.new_code_cell("plt.show()  # fine"),
            nbformat.v4.new_code_cell("ax.set_title('t');  # hides the Text object"),
        ]
    )
    assert [w.split(":")[0] for w in semicolon_cells(nb)] == ["cell 1", "cell 3"]


def test_output_that_changes_every_run_is_reported():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "ax.plot([1])",
                outputs=[
                    nbformat.v4.new_output(
                        "execute_result",
                        {"text/plain": "[<matplotlib.lines.Line2D at 0x7f3a2c1d5e90>]"},
                        execution_count=1,
                    )
                ],
            ),
            nbformat.v4.new_code_cell(
                "warn()",
                outputs=[
                    nbformat.v4.new_output(
                        "stream",
                        name="stderr",
                        text="/tmp/ipykernel_4821/2608338407.py:2: UserWarning: careful\n",
                    )
                ],
            ),
            nbformat.v4.new_code_cell(
                "1",
                outputs=[
                    nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=3)
                ],
            ),
            nbformat.v4.new_code_cell(
                "chart()",
                outputs=[
                    nbformat.v4.new_output(
                        "stream",
                        name="stderr",
                        text=(
                            "UserWarning: Glyph 23458 (\\N{CJK UNIFIED IDEOGRAPH-5BA2}) missing "
                            "from font(s) DejaVu Sans.\n"
                        ),
                    )
                ],
            ),
        ]
    )
    found = output_problems(nb)
    assert [w.split(":")[0] for w in found] == ["cell 1", "cell 2", "cell 4"]
    assert "memory address" in found[0] and "process id" in found[1] and "boxes" in found[2]


def test_normalise_keeps_text_and_drops_widget_views_and_state():
    view = {"model_id": "3a8a1960ff9a46449875e75e08087ce7", "version_major": 2, "version_minor": 0}
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "w",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        {"text/plain": "IntSlider(value=3)", notebook_outputs.WIDGET_VIEW: view},
                    )
                ],
            )
        ]
    )
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    normalise(nb)
    assert nb.cells[0].outputs[0]["data"] == {"text/plain": "IntSlider(value=3)"}
    assert "widgets" not in nb.metadata and "execution" not in nb.cells[0].metadata


def test_sanitize_rules_each_cover_their_example():
    """Every rule in tests/nbval_sanitize.cfg does what its comment says, and no more."""
    import re

    from nbval.plugin import get_sanitize_patterns

    rules = get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))

    def sanitize(text: str) -> str:
        for regex, replace in rules:
            text = re.sub(regex, replace, text)
        return text

    assert (
        sanitize("[<matplotlib.lines.Line2D at 0x7f3a2c1d5e90>]")
        == "[<matplotlib.lines.Line2D at 0xADDRESS>]"
    )
    assert sanitize("/tmp/ipykernel_48213/2608338407.py:2: UserWarning: careful") == (
        "IPYKERNEL/2608338407.py:2: UserWarning: careful"
    )
    assert sanitize(
        "/home/ci/.venv/lib/python3.12/site-packages/pandas/core/frame.py:12: FutureWarning"
    ) == ("SITE-PACKAGES/pandas/core/frame.py:12: FutureWarning")
    assert (
        sanitize("saved to /tmp/tmpk3j_9x2a/visits.csv") == "saved to /tmp/tmpXXXXXXXX/visits.csv"
    )
    assert sanitize('"model_id": "3a8a1960ff9a46449875e75e08087ce7"') == '"model_id": "MODEL_ID"'
    assert sanitize("CPU times: user 10 ms, sys: 2 ms, total: 12 ms\nWall time: 1.21 s") == (
        "CPU times: TIME\nWall time: TIME"
    )
    assert (
        sanitize("3.1 ms ± 52.4 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)")
        == "TIMEIT"
    )
    # content stays compared: numbers, ids of the data, dates, Chinese text
    for kept in [
        "佣金 0.80",
        "C000123",
        "2013-05-01",
        "share=0.2",
        "0x10",
        "temporary",
        "tmp_file",
    ]:
        assert sanitize(kept) == kept


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_notebook_is_executed_and_clean(notebook):
    """Every committed notebook was run top to bottom, without errors, boxes
    for Chinese or noise."""
    nb = nbformat.read(notebook, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), (
        "run it with `python -m crmkit.notebook_outputs execute`"
    )
    text = json.dumps([cell.get("outputs", []) for cell in nb.cells], ensure_ascii=False)
    assert '"output_type": "error"' not in text
    assert "missing from font" not in text, "call use_cjk_font() before drawing Chinese text"
    assert "model_id" not in text and "widgets" not in nb.metadata
    assert output_problems(nb) == []
    assert semicolon_cells(nb) == []
