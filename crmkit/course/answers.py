"""Answers given with widgets, kept in ``widget_answers.json`` beside the notebook.

A widget's state lives in the browser and is lost when the kernel restarts; nbgrader's headless
re-execution never sees it at all. So every change a student makes is written at once to a small
JSON file in the assignment folder. The file goes out with the submission, and rebuilding the
widget (after a restart, or when nbgrader re-runs the notebook) reads the answer back. The
answer a test grades is the widget's ``value``, which always equals what the file holds, or
``None`` while nothing has been chosen.

Instructors: a source notebook may follow a widget with ``widget.preset(answer)`` inside
``### BEGIN ANSWER KEY`` / ``### END ANSWER KEY``. ``nbgrader generate_assignment`` removes that
region (see :mod:`crmkit.grading.preprocessors.answer_keys`), so only the
solution notebook carries it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..files import atomic_write

ANSWERS_FILE = "widget_answers.json"
_STYLE = {"description_width": "initial"}
_NOT_ANSWERED = "尚未作答 / not answered yet"
_SAVED = "已保存 / saved"
_PRESET = "教师答案（未保存）/ answer key (not saved)"


def read_answers(folder: Path | None = None) -> dict[str, Any]:
    """Every saved widget answer in ``folder`` (default: the working directory), by key.

    A missing file means no answers yet; a damaged one is reported, because silently starting
    empty would throw away a student's work.
    """
    path = (Path.cwd() if folder is None else Path(folder)) / ANSWERS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        from ..errors import CrmkitError

        raise CrmkitError(
            f"{path} 已损坏（{error}）：删除它后重新作答 / {path} is damaged ({error}): delete it "
            "and answer again"
        ) from None
    return dict(data.get("answers", {})) if isinstance(data, dict) else {}


def save_answer(key: str, value: Any, folder: Path | None = None) -> None:
    """Store ``value`` under ``key`` in the folder's answers file (``None`` removes it).

    Written to a temporary file and renamed, so a crash mid-write cannot leave half a file.
    """
    folder = Path.cwd() if folder is None else Path(folder)
    answers = read_answers(folder)
    if value is None:
        answers.pop(key, None)
    else:
        answers[key] = value
    payload = json.dumps(
        {"version": 1, "answers": dict(sorted(answers.items()))}, ensure_ascii=False, indent=1
    )
    with atomic_write(folder / ANSWERS_FILE, permissions=0o600) as partial:
        partial.write_text(payload + "\n", encoding="utf-8")


def answer_text(key: str, answer: Any) -> str:
    """A saved answer in one line, e.g. ``core_cutoff: 27,700`` or ``tiers: C-1: new; C-2: big``."""
    if answer is None:
        return f"{key}: 未作答 / not answered"
    if isinstance(answer, Mapping):
        return f"{key}: " + "; ".join(f"{k}: {v}" for k, v in answer.items())
    if isinstance(answer, float):
        return f"{key}: {answer:,g}"
    return f"{key}: {answer}"


class SavedAnswer(widgets.VBox):
    """Base of the answer widgets: loads the saved answer, saves every change, exposes ``value``."""

    def __init__(
        self, key: str, controls: list[widgets.Widget], folder: Path | None = None
    ) -> None:
        self.key = key
        self.folder = Path.cwd() if folder is None else Path(folder)
        self.status = widgets.Label(_NOT_ANSWERED)
        self._answer: Any = None
        self._quiet = True  # no saving while the saved answer is being put back
        super().__init__([*controls, self.status])
        saved = read_answers(self.folder).get(key)
        if saved is not None:
            self._show(saved)
            self._answer = self._read()  # only what the controls can show: unknown codes drop out
            self.status.value = _NOT_ANSWERED if self._answer is None else _SAVED
        self._quiet = False

    @property
    def value(self) -> Any:
        """The answer: what the student chose (as saved), the answer key's preset, or None."""
        return self._answer

    def set(self, answer: Any) -> None:
        """Answer in code instead of with the mouse; saved exactly like a widget change."""
        self._quiet = True
        try:
            self._show(answer)
        finally:
            self._quiet = False
        self._record(self._read())

    def preset(self, answer: Any) -> None:
        """Show ``answer`` if nothing was saved yet, without saving it (for the answer key)."""
        if self._answer is not None:
            return
        self._quiet = True
        try:
            self._show(answer)
        finally:
            self._quiet = False
        self._answer = self._read()
        self.status.value = _PRESET

    def _repr_mimebundle_(self, **kwargs) -> dict | None:
        # The text shown where the widget cannot be drawn (feedback pages, nbconvert): the answer.
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = answer_text(self.key, self._answer)
        return bundle

    def _on_control_change(self, _change: Mapping[str, Any]) -> None:
        if not self._quiet:
            self._record(self._read())

    def _record(self, answer: Any) -> None:
        self._answer = answer
        save_answer(self.key, answer, self.folder)
        self.status.value = _NOT_ANSWERED if answer is None else _SAVED

    def _show(self, answer: Any) -> None:  # put ``answer`` into the controls
        raise NotImplementedError

    def _read(self) -> Any:  # the answer the controls show now, None if incomplete
        raise NotImplementedError


Options = Sequence[tuple[str, str]]


def _check_options(options: Options) -> list[tuple[str, str]]:
    options = [(str(label), str(code)) for label, code in options]
    if not options:
        raise ValueError("需要至少一个选项 / at least one option is needed")
    return options


class ChoiceAnswer(SavedAnswer):
    """One drop-down; ``value`` is the chosen option's code (a string) or None."""

    def __init__(
        self, key: str, options: Options, description: str, folder: Path | None = None
    ) -> None:
        self.codes = [code for _, code in _check_options(options)]
        self.dropdown = widgets.Dropdown(
            options=_check_options(options),
            value=None,
            description=description,
            style=_STYLE,
            layout=widgets.Layout(width="640px"),
        )
        super().__init__(key, [self.dropdown], folder)
        self.dropdown.observe(self._on_control_change, names="value")

    def _show(self, answer: Any) -> None:
        self.dropdown.value = answer if answer in self.codes else None

    def _read(self) -> str | None:
        return self.dropdown.value


class ChoiceTableAnswer(SavedAnswer):
    """One drop-down per row; ``value`` maps each row's code to the chosen option's code.

    Rows left empty are missing from ``value``; ``value`` is None until one row is answered.
    """

    def __init__(
        self,
        key: str,
        rows: Options,
        options: Options,
        folder: Path | None = None,
        width: str = "860px",
    ) -> None:
        self.codes = [code for _, code in _check_options(options)]
        self.dropdowns: dict[str, widgets.Dropdown] = {}
        for label, row in _check_options(rows):
            self.dropdowns[row] = widgets.Dropdown(
                options=_check_options(options),
                value=None,
                description=label,
                style={"description_width": "180px"},  # one width, so the drop-downs line up
                layout=widgets.Layout(width=width),
            )
        super().__init__(key, list(self.dropdowns.values()), folder)
        for dropdown in self.dropdowns.values():
            dropdown.observe(self._on_control_change, names="value")

    def _show(self, answer: Any) -> None:
        answer = answer if isinstance(answer, Mapping) else {}
        for row, dropdown in self.dropdowns.items():
            chosen = answer.get(row)
            dropdown.value = chosen if chosen in self.codes else None

    def _read(self) -> dict[str, str] | None:
        chosen = {row: d.value for row, d in self.dropdowns.items() if d.value is not None}
        return chosen or None


class NumberAnswer(SavedAnswer):
    """A slider for a threshold; ``value`` is the number set (a float) or None until it is moved.

    ``readout(number)`` may return a line shown under the slider (e.g. how many clients the
    threshold keeps), so a student without code can see what each setting means.
    """

    def __init__(
        self,
        key: str,
        *,
        minimum: float,
        maximum: float,
        step: float,
        description: str,
        readout: Callable[[float], str] | None = None,
        folder: Path | None = None,
    ) -> None:
        self.slider = widgets.FloatSlider(
            value=minimum,
            min=minimum,
            max=maximum,
            step=step,
            description=description,
            continuous_update=False,
            readout_format=".0f" if float(step).is_integer() else ".2f",
            style=_STYLE,
            layout=widgets.Layout(width="640px"),
        )
        self.readout = readout
        self.readout_label = widgets.Label("")
        super().__init__(key, [self.slider, self.readout_label], folder)
        self.slider.observe(self._on_control_change, names="value")
        self._update_readout()

    def _on_control_change(self, change: Mapping[str, Any]) -> None:
        super()._on_control_change(change)
        self._update_readout()

    def _update_readout(self) -> None:
        if self.readout is not None:
            self.readout_label.value = self.readout(self.slider.value)

    def _show(self, answer: Any) -> None:
        if isinstance(answer, (int, float)) and math.isfinite(answer):
            self.slider.value = float(answer)
        self._update_readout()

    def _read(self) -> float:
        return float(self.slider.value)


def choice(key: str, options: Options, description: str) -> ChoiceAnswer:
    """A saved drop-down answer; ``options`` are ``(label, code)`` pairs."""
    return ChoiceAnswer(key, options, description)


def choice_table(key: str, rows: Options, options: Options) -> ChoiceTableAnswer:
    """A saved table of drop-downs, one per ``(label, code)`` row, all offering ``options``."""
    return ChoiceTableAnswer(key, rows, options)


def number(
    key: str,
    *,
    minimum: float,
    maximum: float,
    step: float,
    description: str,
    readout: Callable[[float], str] | None = None,
) -> NumberAnswer:
    """A saved slider answer between ``minimum`` and ``maximum`` in steps of ``step``."""
    return NumberAnswer(
        key, minimum=minimum, maximum=maximum, step=step, description=description, readout=readout
    )
