"""Partial credit per check in a test cell, and how nbgrader reads it."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade

from crmkit.course.checks import CHECKS_MIMETYPE, Checks


def test_each_passed_check_earns_its_share():
    check = Checks(points=2)
    check.that(True, "甲 / a")
    check.that(lambda: 1 / 0, "乙 / b")  # a broken answer fails this check only
    check.that(lambda: False, "丙 / c", weight=2)
    score = check.score()
    assert float(score) == 0.5 and repr(score) == "0.5"
    bundle = score._repr_mimebundle_()
    assert (
        bundle["text/plain"] == "0.5" and "乙 / b（ZeroDivisionError）" in bundle["text/markdown"]
    )
    assert [c["passed"] for c in bundle[CHECKS_MIMETYPE]["checks"]] == [True, False, False]


def test_a_failed_requirement_stops_the_task_with_its_message():
    check = Checks(points=2)
    with pytest.raises(AssertionError, match="应是 DataFrame / should be a DataFrame"):
        check.require(lambda: isinstance(3, dict), "应是 DataFrame / should be a DataFrame")


def test_a_missing_answer_is_not_a_failed_check_but_unanswered():
    check = Checks(points=1)
    with pytest.raises(NameError):
        check.that(lambda: undefined_answer > 0, "x")  # noqa: F821
    with pytest.raises(NameError):
        check.require(lambda: undefined_answer > 0, "x")  # noqa: F821


@pytest.mark.parametrize(("passed", "points"), [(2, 3.0), (1, 1.5), (0, 0.0)])
def test_nbgrader_scores_the_cell_as_partial_credit(passed, points):
    code = (
        "from crmkit.course.checks import Checks\ncheck = Checks(points=3)\n"
        + "".join(f"check.that({i < passed}, 'm{i}')\n" for i in range(2))
        + "check.score()"
    )
    cell = nbformat.v4.new_code_cell(
        code,
        metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 3}},
    )
    notebook = nbformat.v4.new_notebook(cells=[cell])
    NotebookClient(notebook, kernel_name="python3", timeout=60).execute()
    assert determine_grade(notebook.cells[0]) == (points, 3)


def test_the_score_shows_two_decimals_and_keeps_four_for_nbgrader():
    """Students read 0.67 / 2; nbgrader reads the partial credit 0.6667 from text/plain."""
    from crmkit.course.checks import Checks

    check = Checks(points=2)
    check.that(True, "a")
    check.that(False, "b / b")
    check.that(False, "c / c")
    bundle = check.score()._repr_mimebundle_()
    assert bundle["text/plain"] == "0.6667"
    assert bundle["text/markdown"].startswith("**0.67 / 2**")
