"""The answer fixtures of the course tests: wrong and right answers, and how they are handed in.

``exercises/answers/{wrong,right}/<assignment>/<task>__<how>.<py|json>`` is one answer to one
task. Answers are templates like the tasks themselves (``{{ one_off.min_yuan }}``; see
``crmkit.grading.release.task_templates``): they are rendered for the term they are handed in to, so
the same answer is right (or wrong in the same way) under the published term and under a drawn one.

* ``<task>__<how>.py`` (code task) replaces the ``### BEGIN SOLUTION`` region of ``<task>_answer``;
* ``widget_code/<task>__<how>.py`` (a widget task) replaces the ``### BEGIN ANSWER KEY`` region of
  the widget's cell: a student who answers in code (``widget.set(...)``), working on the items
  drawn for them;
* ``<task>__<how>.json`` is the ``widget_answers.json`` a student's drop-downs or slider saved
  (``answers``), the same for every student.

A wrong answer may carry what it should be caught by: a ``#| expect: <part of a check's message>``
line (``.py``) or an ``"expect"`` entry (``.json``).
A wrong answer named ``<task>__junk_<how>`` solves nothing (empty, constant, everyone in one
group): it must score 0 on its task.

Widget answers that depend on the student (tickets, customers and stories are drawn per
student) are also computed here, for the graded student, from this file's own copy of the
answer keys: they are right-answer fixtures, and they check the keys of the hidden tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from crmkit.grading.release.task_templates import render_text
from crmkit.grading.release.term import course_context
from crmkit.grading.submissions import notebook_path, read_notebook, replace_solution

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
FIXTURES = COURSE / "answers"
ASSIGNMENTS = ["segmentation", "complaints", "loyalty"]
# The seed of the drawn term the fixture tests run on besides the published one.
TERM_SEED = 11


def term_context(course: Path, assignment: str) -> dict:
    """What the templates of ``course``'s term see for ``assignment`` (the published values in
    the kit's exercises/, the drawn ones in a term folder)."""
    return course_context(course, assignment)


# Widget tasks: the key of the widget whose cell a ``.py`` answer goes into.
WIDGET_KEYS = {
    "cutoff": "core_cutoff",
    "tier_service": "tier_service",
    "tickets": "ticket_steps",
    "measures": "loyalty_measures",
}


@dataclass(frozen=True)
class Answer:
    """One answer to one task, from a file or computed for the graded student."""

    assignment: str
    task: str
    how: str
    path: Path | None = None
    compute: Callable[[str, dict], dict] | None = None

    @property
    def name(self) -> str:
        return f"{self.assignment}/{self.task}__{self.how}"

    @property
    def expect(self) -> str | None:
        """The part of a check's message this (wrong) answer must be caught by, if stated."""
        if self.path is None:
            return None
        text = self.path.read_text(encoding="utf-8")
        if self.path.suffix == ".json":
            return json.loads(text).get("expect")
        found = re.search(r"^#\| expect: (.+)$", text, flags=re.M)
        return found.group(1).strip() if found else None

    def hand_in(
        self,
        notebook: nbformat.NotebookNode,
        widget_answers: dict,
        student: str,
        term: dict | None = None,
    ) -> nbformat.NotebookNode:
        """``notebook`` with this answer in it, rendered for the term whose template context is
        ``term`` (default: the published term); ``widget_answers`` is updated in place."""
        term = term_context(COURSE, self.assignment) if term is None else term
        if self.compute is not None:
            widget_answers.update(self.compute(student, term))
            return without_answer_key(notebook, WIDGET_KEYS[self.task])
        text = render_text(self.path.read_text(encoding="utf-8"), term, self.name)
        if self.path.suffix == ".json":
            widget_answers.update(json.loads(text)["answers"])
            return without_answer_key(notebook, WIDGET_KEYS[self.task])
        if self.path.parent.name == "widget_code":
            return replace_answer_key(notebook, WIDGET_KEYS[self.task], text)
        return replace_solution(notebook, f"{self.task}_answer", text)


def file_answers(kind: str, assignment: str) -> list[Answer]:
    """The ``kind`` (``wrong`` or ``right``) answer files of ``assignment``."""
    folder = FIXTURES / kind / assignment
    paths = sorted(folder.glob("*__*.*")) + sorted((folder / "widget_code").glob("*__*.py"))
    return [Answer(assignment, p.stem.split("__")[0], p.stem.split("__")[1], path=p) for p in paths]


def tasks(assignment: str, course: Path = COURSE) -> dict[str, float]:
    """Each autograded task of ``assignment`` and its points, in notebook order."""
    notebook = read_notebook(notebook_path(course, "source", assignment))
    return {
        cell.metadata["nbgrader"]["grade_id"].removesuffix("_tests"): cell.metadata["nbgrader"][
            "points"
        ]
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
    }


def _widget_cell(notebook: nbformat.NotebookNode, key: str) -> nbformat.NotebookNode:
    for cell in notebook.cells:
        if (
            cell.cell_type == "code"
            and "### BEGIN ANSWER KEY" in cell.source
            and f'"{key}"' in cell.source
        ):
            return cell
    raise KeyError(f"no widget cell builds {key!r}")


def replace_answer_key(
    notebook: nbformat.NotebookNode, key: str, code: str
) -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose widget ``key`` is answered by ``code`` instead of the key."""
    result = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cell = _widget_cell(result, key)
    lines = cell.source.split("\n")
    begin = next(i for i, line in enumerate(lines) if "### BEGIN ANSWER KEY" in line)
    end = next(i for i, line in enumerate(lines) if "### END ANSWER KEY" in line)
    cell.source = "\n".join(lines[:begin] + code.strip("\n").split("\n") + lines[end + 1 :])
    return result


def without_answer_key(notebook: nbformat.NotebookNode, key: str) -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose widget ``key`` starts unanswered (the answer is in the file)."""
    return replace_answer_key(notebook, key, "pass")


def outputs_text(course: Path, assignment: str, student: str, grade_id: str) -> str:
    """Everything the autograded test cell ``grade_id`` shows: its score, checks and errors."""
    path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return json.dumps(cell.get("outputs", []), ensure_ascii=False)
    return ""


# ---------------------------------------------------------------- widget answers per student
# The tests' own copy of the answer keys (the hidden tests hold the graded one).

ACTION_FOR = {
    "potential": "first_order_coupon",
    "new": "second_order_offer",
    "sleeping": "come_back_coupon",
    "old": "keep_informed",
    "big": "personal_shopper",
    "loyal": "old_friend",
}
STEP_OF = {
    "t01": "follow_up", "t02": "offer_solution", "t03": "offer_solution",
    "t04": "gather_information", "t05": "gather_information", "t06": "ask_what_they_want",
    "t07": "ask_what_they_want", "t08": "ask_what_they_want", "t09": "gather_information",
    "t10": "ask_what_they_want", "t11": "follow_up", "t12": "gather_information",
    "t13": "follow_up", "t14": "gather_information", "t15": "offer_solution",
    "t16": "offer_solution", "t17": "offer_solution", "t18": "follow_up", "t19": "follow_up",
    "t20": "ask_what_they_want", "t21": "gather_information", "t22": "ask_what_they_want",
    "t23": "offer_solution", "t24": "follow_up",
}  # fmt: skip
ACCEPTED = {
    "s01": {"repeat_buying"}, "s02": {"referrals", "emotion"}, "s03": {"share_of_wallet"},
    "s04": {"referrals"}, "s05": {"relationship_length"}, "s06": {"emotion"},
    "s07": {"share_of_wallet"}, "s08": {"repeat_buying"}, "s09": {"relationship_length"},
    "s10": {"emotion"}, "s11": {"share_of_wallet"}, "s12": {"referrals"},
    "s13": {"relationship_length"}, "s14": {"repeat_buying"}, "s15": {"emotion"},
    "s16": {"referrals"}, "s17": {"relationship_length", "repeat_buying"},
}  # fmt: skip


def right_cutoff(student: str, term: dict) -> float:
    """The highest 100-yuan cutoff keeping the term's share of ``student``'s commission."""
    from crmkit.datasets import load

    share = term["cutoff"]["share"]
    per_client = (
        load("futures_broker", "trades", student=student)
        .groupby("client_id")["commission_yuan"]
        .sum()
    )
    cutoff = 0.0
    while per_client[per_client >= cutoff + 100].sum() >= share * per_client.sum():
        cutoff += 100
    return cutoff


def right_tier(record, rules: dict) -> str:
    """The tier the term's rules of segmentation 3.1 give a customer record."""
    if record.completed_orders == 0:
        return "potential" if record.inquiries > 0 else "none"
    if pd.Timestamp(record.last_order) < pd.Timestamp(rules["recent_from"]):
        return "sleeping"
    if record.completed_orders == 1:
        return "new"
    if record.completed_orders >= rules["loyal_from"]:
        return "loyal"
    if record.completed_orders <= 3 and record.avg_order_yuan >= rules["big_from"]:
        return "big"
    return "old"


def drawn_shop_customers(student: str, term: dict) -> pd.DataFrame:
    """The online-shop customers the tier widget shows ``student`` under ``term``'s tier rules."""
    from crmkit.course import shop_customers_for

    rules = term["tiers"]
    return shop_customers_for(student, rules["recent_days"], rules["loyal_from"], rules["big_from"])


def tier_service_answers(student: str, term: dict) -> dict:
    drawn = drawn_shop_customers(student, term)
    tiers = {r.customer: right_tier(r, term["tiers"]) for r in drawn.itertuples()}
    return {
        "customer_tiers": tiers,
        "tier_service": {customer: ACTION_FOR[tier] for customer, tier in tiers.items()},
    }


def ticket_answers(student: str, term: dict) -> dict:
    from crmkit.course import tickets_for
    from crmkit.course.tickets import ticket_key

    return {
        "ticket_steps": {
            t.ticket_id: STEP_OF[ticket_key(t.text_zh)] for t in tickets_for(student).itertuples()
        }
    }


def measure_answers(pick: Callable[[set[str]], str]) -> Callable[[str, dict], dict]:
    def answers(student: str, term: dict) -> dict:
        from crmkit.course import shopper_stories_for
        from crmkit.course.scenarios import story_key

        return {
            "loyalty_measures": {
                s.story: pick(ACCEPTED[story_key(s.text_zh)])
                for s in shopper_stories_for(student).itertuples()
            }
        }

    return answers


def cutoff_answers(student: str, term: dict) -> dict:
    return {"core_cutoff": right_cutoff(student, term)}


COMPUTED_RIGHT = [
    Answer("segmentation", "cutoff", "saved_by_the_slider", compute=cutoff_answers),
    Answer("segmentation", "tier_service", "chosen_in_drop_downs", compute=tier_service_answers),
    Answer("complaints", "tickets", "chosen_in_drop_downs", compute=ticket_answers),
    Answer("loyalty", "measures", "first_reading", compute=measure_answers(lambda a: sorted(a)[0])),
    Answer(
        "loyalty", "measures", "second_reading", compute=measure_answers(lambda a: sorted(a)[-1])
    ),
]


def right_answers(assignment: str) -> list[Answer]:
    return file_answers("right", assignment) + [
        a for a in COMPUTED_RIGHT if a.assignment == assignment
    ]


def wrong_answers(assignment: str) -> list[Answer]:
    return file_answers("wrong", assignment)


def plan_rounds(assignment: str, answers: list[Answer], alternate: bool) -> list[list[Answer]]:
    """Groups of answers handed in together, at most one per task. With ``alternate``, while three
    or more tasks have some left only every other one of them, so each round leaves tasks (the
    neighbours of the answered ones) to check."""
    order = list(tasks(assignment))
    queues = [[a for a in answers if a.task == task] for task in order]
    rounds, turn = [], 0
    while any(queues):
        waiting = [i for i, q in enumerate(queues) if q]
        chosen = waiting[turn % 2 :: 2] if alternate and len(waiting) >= 3 else waiting
        rounds.append([queues[i].pop(0) for i in chosen])
        turn += 1
    return rounds
