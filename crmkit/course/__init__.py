"""The student side: what assignment notebooks (and the kernels that grade them) import.

>>> from crmkit import course
>>> course.student_id_box()            # shows the id in use, or a box to type it once
>>> student = course.student_id()      # decides load(..., student=student)
>>> pick = course.choice("q1", [("甲 / A", "a"), ("乙 / B", "b")], "1.1")  # saved, graded by value

Whose data a notebook uses (:mod:`.identity`, :mod:`.id_box`), answers given with widgets and
saved beside the notebook (:mod:`.answers`), the complaint tickets and the scenario items drawn
per student (:mod:`.tickets`, :mod:`.scenarios`), and charts handed in as plain data
(:mod:`.chart_answers`). It never imports the grader (:mod:`crmkit.grading`), and nothing here
computes an exercise's answer: expected answers exist only in the hidden tests of
``exercises/source``.
"""

from __future__ import annotations

from .answers import ANSWERS_FILE, choice, choice_table, number, read_answers
from .chart_answers import chart_summary
from .id_box import student_id_box
from .identity import ID_FILE, find_student_id, set_student_id, student_id
from .scenarios import (
    measure_options,
    service_options,
    shop_customers_for,
    shopper_stories_for,
    tier_options,
)
from .tickets import STEPS, step_options, tickets_for

__all__ = [
    "ANSWERS_FILE",
    "ID_FILE",
    "STEPS",
    "chart_summary",
    "choice",
    "choice_table",
    "find_student_id",
    "measure_options",
    "number",
    "read_answers",
    "service_options",
    "set_student_id",
    "shop_customers_for",
    "shopper_stories_for",
    "step_options",
    "student_id",
    "student_id_box",
    "tickets_for",
    "tier_options",
]
