"""The student side: what assignment notebooks (and the kernels that grade them) import.

>>> from crmkit import course
>>> course.student_id_box()            # shows the id in use, or a box to type it once
>>> student = course.student_id()      # decides load(..., student=student)
>>> pick = course.choice("q1", [("甲 / A", "a"), ("乙 / B", "b")], "1.1")  # saved, graded by value

Whose data a notebook uses (:mod:`.identity`, :mod:`.id_box`), answers given with widgets and
saved beside the notebook (:mod:`.answers`), and the complaint tickets drawn per student
(:mod:`.tickets`). It never imports the grader (:mod:`crmkit.grading`), and nothing here
computes an exercise's answer: expected answers exist only in the hidden tests of
``exercises/source``.
"""

from __future__ import annotations

from .answers import ANSWERS_FILE, choice, choice_table, number, read_answers
from .id_box import student_id_box
from .identity import ID_FILE, find_student_id, set_student_id, student_id
from .tickets import STEPS, tickets_for

__all__ = [
    "ANSWERS_FILE",
    "ID_FILE",
    "STEPS",
    "choice",
    "choice_table",
    "find_student_id",
    "number",
    "read_answers",
    "set_student_id",
    "student_id",
    "student_id_box",
    "tickets_for",
]
