"""What the demo class hands in besides the solution: its own ways of solving, and its mistakes.

Both come from the course's vetted answers in ``exercises/answers/`` (the tests prove each right
answer earns full points and each wrong one loses points on its own task and nowhere else, under
the published term and a drawn one); the demo names the ones it uses and renders them for its
term, as the tests do.

* An honest student writes each task their own way: for every code task, the right answer least
  like the published solution (:func:`own_way`). A notebook that is the published solution with
  the term's constants is what the integrity section must find, so honest students never hand
  that in.
* A code mistake replaces the ``### BEGIN SOLUTION`` region of the task's answer cell
  (``<task>_answer``); a widget mistake is the submission's ``widget_answers.json``. Either way the
  task's test cell ``<task>_tests`` scores below its points, and its failed checks say why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANSWERS_FOLDER = "answers"


@dataclass(frozen=True)
class CodeMistake:
    """A vetted wrong answer (``answers/wrong/<assignment>/<name>.py``) to one task."""

    name: str

    @property
    def task(self) -> str:
        return self.name.split("__")[0]


@dataclass(frozen=True)
class WidgetMistake:
    """A vetted wrong ``widget_answers.json`` (``answers/wrong/<assignment>/<name>.json``)."""

    name: str

    @property
    def task(self) -> str:
        return self.name.split("__")[0]


CODE_MISTAKES: dict[str, tuple[CodeMistake, ...]] = {
    "segmentation": (
        CodeMistake("rfm__monetary_is_mean"),
        CodeMistake("tiers__refunded_orders_counted"),
        CodeMistake("core__missing_months_as_zero"),
    ),
    "complaints": (
        CodeMistake("service__dt_seconds_drops_days"),
        CodeMistake("follow_up__one_below_counts_as_satisfied"),
        CodeMistake("pareto__share_not_cumulated"),
    ),
    "loyalty": (
        CodeMistake("nps__passives_counted_as_promoters"),
        CodeMistake("repeat__refunded_orders_counted"),
        CodeMistake("funnel__visits_not_people"),
    ),
}
# The complaint tickets and the shoppers' stories are drawn per student, so a fixed wrong answer
# would not fit them; the course's tests hand in per-student wrong answers to those tasks.
WIDGET_MISTAKES: dict[str, WidgetMistake] = {
    "segmentation": WidgetMistake("cutoff__cutoff_too_high"),
}

# A submission that silences every error, so failing tests would pass: what the tamper check is for.
SILENCE_ERRORS = """\
# 不想再看到报错 / no more error messages
get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)
"""


def mistake_code(answers: Path, assignment: str, mistake: CodeMistake) -> str:
    """The template of a code mistake (render it for the term)."""
    return (answers / "wrong" / assignment / f"{mistake.name}.py").read_text(encoding="utf-8")


def mistake_answers(answers: Path, assignment: str, mistake: WidgetMistake) -> dict[str, Any]:
    """The widget answers of a widget mistake."""
    path = answers / "wrong" / assignment / f"{mistake.name}.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))["answers"])


def right_answers(answers: Path, assignment: str) -> dict[str, list[str]]:
    """``{task: [template, …]}``: the vetted right answers to each code task, by file name."""
    found: dict[str, list[str]] = {}
    for path in sorted((answers / "right" / assignment).glob("*__*.py")):
        found.setdefault(path.stem.split("__")[0], []).append(path.read_text(encoding="utf-8"))
    return found


def own_way(choices: list[str], published: str) -> str:
    """Of ``choices`` (code written different ways), the one least like ``published``."""
    from ..integrity.published import _runs, normalized_tokens

    theirs = set(_runs(normalized_tokens(published)))

    def likeness(code: str) -> float:
        runs = _runs(normalized_tokens(code))
        return sum(run in theirs for run in runs) / max(1, len(runs))

    return min(choices, key=lambda code: (likeness(code), code))
