"""Execute the case notebooks and store outputs that only change when their content changes.

``jupyter nbconvert --execute --inplace`` leaves two kinds of noise in a notebook: every widget
output carries a fresh random ``model_id`` (and, with widget state stored, the whole random-keyed
state), and nbclient crashes on output captured into an Output widget when widget state is not
stored. This tool executes with nbclient, keeps what a reader can use, and drops the rest:

- ``metadata.widgets`` (widget state keyed by random model ids) is removed;
- the ``application/vnd.jupyter.widget-view+json`` part of an output is removed, since it only
  points at that state; the output keeps its ``text/plain`` form and, for a crmkit explorer, the
  chart or table it showed (``crmkit.widgets.still_view``), which JupyterLab shows until the cell
  is run again (instead of "Error displaying widget: model not found");
- cell ``metadata.execution`` timestamps are removed.

Usage::

    # run, store outputs, report seconds
    python -m crmkit.notebook_outputs execute notebooks/*.ipynb
    # exit 1 if a re-run would change a file
    python -m crmkit.notebook_outputs check notebooks/*.ipynb
    # clean a notebook saved from JupyterLab
    python -m crmkit.notebook_outputs strip notebooks/*.ipynb

It also warns about output that cannot be the same on the next run (memory addresses, a
kernel's process id, temporary folder names, timings), and about two things nbval sees
differently from JupyterLab: output captured with ``with output:`` or ``interact``, and a cell
ending in ``;`` (nbval runs cells without history, so IPython shows the value anyway; nbval
issue #194). Fix those in the notebook rather than hiding them; ``check`` fails on them.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
DEFAULT_TIMEOUT = 600  # seconds per cell: generous, a slow CI machine must not fail a good notebook
TARGET_SECONDS = 20.0  # issue 3: each notebook executes in under 20 s

# Output text that differs from run to run, or shows a defect. Reported, not rewritten: the
# notebook should not print it.
OUTPUT_PROBLEMS = {
    "memory address (assign the object, `_ = ax.plot(...)`, or end with plt.show())": re.compile(
        r"\b0x[0-9a-fA-F]{6,16}\b"
    ),
    "kernel process id in a warning's file name (avoid the warning)": re.compile(r"ipykernel_\d+"),
    "temporary folder name (print the file name, not the full path)": re.compile(
        r"\btmp[a-z0-9_]{8}\b"
    ),
    "timing (%time / %timeit output)": re.compile(r"Wall time:|CPU times:|per loop \(mean"),
    "Chinese drawn as boxes (call use_cjk_font() before drawing)": re.compile(
        r"Glyph \d+ .*missing from font"
    ),
}


@dataclass
class Report:
    """What happened to one notebook."""

    path: Path
    seconds: float = 0.0
    changed: bool = False
    warnings: list[str] = field(default_factory=list)


class _Client(NotebookClient):
    """nbclient's executor, noting which cells capture output into an Output widget."""

    def __init__(self, nb, **kwargs) -> None:
        super().__init__(nb, **kwargs)
        self.capturing_cells: set[int] = set()
        self._cell_index = -1

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self._cell_index = cell_index
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    def register_output_hook(self, msg_id, hook):
        self.capturing_cells.add(self._cell_index)
        super().register_output_hook(msg_id, hook)


def execute(
    nb: nbformat.NotebookNode, cwd: Path, timeout: int = DEFAULT_TIMEOUT
) -> tuple[nbformat.NotebookNode, list[str]]:
    """Run every cell of a copy of ``nb`` in ``cwd``; return it (normalised) and warnings.

    Raises nbclient's CellExecutionError, naming the cell, when a cell fails.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    client = _Client(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        # Stored so that nbclient's Output-widget mimic works (it crashes without the state);
        # removed again by normalise().
        store_widget_state=True,
    )
    client.execute()
    warnings = [
        f"cell {index + 1}: 输出被 Output 控件捕获（with output: / interact），nbval "
        "会把它当成单元格输出 / captures output into an Output widget (with output: / interact); "
        "nbval sees it as the cell's own output and fails. Use crmkit.widgets.explore instead"
        for index in sorted(client.capturing_cells)
    ]
    return normalise(nb), warnings + semicolon_cells(nb) + output_problems(nb)


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove what changes on every run without changing what the notebook shows (in place)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            # keep the text/plain form; ipywidgets always adds one
            if WIDGET_VIEW in data and len(data) > 1:
                del data[WIDGET_VIEW]
    return nb


def semicolon_cells(nb: nbformat.NotebookNode) -> list[str]:
    """A warning for each code cell whose last line ends with ``;``.

    In JupyterLab (and nbclient) a trailing ``;`` hides the cell's value, but nbval runs cells
    with ``store_history=False`` and then IPython shows it anyway (nbval issue #194, IPython
    issue #14162), so nbval fails on such a cell. Assign the value or end with ``plt.show()``.
    """
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _ends_with_semicolon(cell.source):
            found.append(
                f"cell {index + 1}: 以 ';' 结尾，nbval 仍会显示其值 / ends with ';', which nbval "
                "does not honour (nbval #194): assign the value (`_ = ...`) or end with plt.show()"
            )
    return found


def _ends_with_semicolon(source: str) -> bool:
    """IPython's own test for a trailing ';' (comments and blank lines after it do not count)."""
    import tokenize

    from IPython.core.displayhook import DisplayHook

    try:
        return DisplayHook.semicolon_at_end_of_expression(source)
    except (tokenize.TokenError, SyntaxError, IndentationError):  # magics, half-written cells
        return source.rstrip().endswith(";")


def output_problems(nb: nbformat.NotebookNode) -> list[str]:
    """A warning for each cell whose outputs show text that differs from run to run, or boxes."""
    found = []
    for index, cell in enumerate(nb.cells):
        texts = []
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts += [
                v
                for k, v in output.get("data", {}).items()
                if k.startswith("text/") and isinstance(v, str)
            ]
        text = "\n".join(texts)
        for what, pattern in OUTPUT_PROBLEMS.items():
            match = pattern.search(text)
            if match:
                found.append(
                    f"cell {index + 1}: 输出有问题 / output problem: {what}: {match.group(0)!r}"
                )
    return found


def text_of(nb: nbformat.NotebookNode) -> str:
    """The bytes nbformat writes (as text), so that "changed" means the file would change."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def process(path: Path, mode: str, timeout: int = DEFAULT_TIMEOUT) -> Report:
    """Execute, check or strip one notebook; see the module docstring."""
    path = Path(path)
    report = Report(path)
    original = path.read_text(encoding="utf-8")
    nb = nbformat.reads(original, as_version=4)
    if mode == "strip":
        result = normalise(nb)
    else:
        started = time.perf_counter()
        result, report.warnings = execute(nb, path.parent.resolve(), timeout)
        report.seconds = time.perf_counter() - started
    new = text_of(result)
    report.changed = new != original
    if report.changed and mode != "check":
        path.write_text(new, encoding="utf-8")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crmkit.notebook_outputs",
        description=(
            "执行笔记本并保存稳定的输出 / "
            "execute notebooks and store outputs without run-to-run noise"
        ),
    )
    parser.add_argument("mode", choices=["execute", "check", "strip"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per cell")
    args = parser.parse_args(argv)

    _use_this_environment()
    if os.environ.get("CRMKIT_DATA_DIR"):
        print(
            f"注意 / note: CRMKIT_DATA_DIR={os.environ['CRMKIT_DATA_DIR']}: outputs come from that "
            "data, not the committed datasets",
            file=sys.stderr,
        )
    failed = 0
    for path in _notebooks(args.notebooks):
        try:
            report = process(path, args.mode, args.timeout)
        except Exception as error:  # a failing cell: report it, go on with the other notebooks
            failed += 1
            print(f"✗ {path}: {type(error).__name__}: {_first_lines(str(error))}", file=sys.stderr)
            continue
        state = {
            "execute": "updated" if report.changed else "unchanged",
            "check": "WOULD CHANGE" if report.changed else "ok",
            "strip": "stripped" if report.changed else "unchanged",
        }[args.mode]
        timing = f"{report.seconds:6.1f} s" if args.mode != "strip" else ""
        slow = f"  (> {TARGET_SECONDS:.0f} s)" if report.seconds > TARGET_SECONDS else ""
        print(f"{path}  {timing}  {state}{slow}")
        for warning in report.warnings:
            print(f"  ! {warning}", file=sys.stderr)
        if args.mode == "check" and (report.changed or report.warnings):
            failed += 1
    return 1 if failed else 0


def _notebooks(paths: Iterable[Path]) -> list[Path]:
    # Checkpoints are JupyterLab's autosaves, never committed notebooks.
    return [p for p in paths if ".ipynb_checkpoints" not in p.parts]


def _use_this_environment() -> None:
    """Kernels start from this Python's environment (nbgrader and the kernels need its bin/)."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _first_lines(text: str, n: int = 12) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n    ".join(lines[-n:])


if __name__ == "__main__":
    sys.exit(main())
