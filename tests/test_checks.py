"""Partial credit per check in a test cell, and how nbgrader reads it."""

from __future__ import annotations

import nbformat
import pandas as pd
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


# ---------------------------------------------------------------- errors outside the checks


def _run_test(tmp_path, code: str, answers: dict | None = None):
    """Run ``code`` as the grader's test kernel runs a test cell (crmkit.grading.run.test_run)."""
    import json

    from crmkit.course import plain_data
    from crmkit.grading.run.test_run import run

    path = tmp_path / "test.json"
    sent = {name: plain_data.encode(value) for name, value in (answers or {}).items()}
    path.write_text(json.dumps({"answers": sent, "widgets": {}, "code": code}), encoding="utf-8")
    namespace: dict = {"__name__": "__main__"}
    return run(namespace, str(path))


HIDDEN = (
    "import pandas as pd\n"
    "from crmkit.course.checks import Checks\n"
    "check = Checks(points=1)\n"
    "_expected = pd.Series([111.25, 222.75], index=['a', 'b'])\n"
)


def test_a_test_cell_runs_as_a_cell_and_returns_its_score(tmp_path):
    score = _run_test(
        tmp_path,
        HIDDEN + "check.that(lambda: answer.equals(_expected), 'wrong')\ncheck.score()",
        {"answer": pd.Series([111.25, 222.75], index=["a", "b"])},
    )
    assert float(score) == 1.0


@pytest.mark.parametrize(
    ("failing", "ename", "said"),
    [
        ("pd.testing.assert_series_equal(answer, _expected)", "AssertionError", "222.75"),
        ("_key = 'hidden-key-111.25'\nanswer.loc[_key]", "KeyError", "hidden-key"),
        ("pd.DataFrame({'x': answer}).set_axis(list(_expected.index) * 2)", "ValueError",
         "Length mismatch"),
        ("float(str(_expected.sum()) + 'x')", "ValueError", "334"),
    ],
)  # fmt: skip
def test_an_error_outside_a_check_keeps_its_name_and_withholds_its_message(
    tmp_path, failing, ename, said
):
    """pandas' and Python's own messages can quote what the hidden test computed (``said``, as the
    error would have put it); they never reach the student, only the error's name."""
    with pytest.raises(Exception) as raised:
        _run_test(tmp_path, HIDDEN + failing, {"answer": pd.Series([1.0, 2.0], index=["a", "b"])})
    assert type(raised.value).__name__ == ename
    message = str(raised.value)
    assert said not in message and "111.25" not in message and "hidden tests" in message


@pytest.mark.parametrize(
    ("failing", "ename", "words"),
    [
        ("check.require(lambda: len(answer) == 3, '应有 3 行 / three rows')", "AssertionError",
         "应有 3 行 / three rows"),
        ("assert len(answer) == 3, '三行 / three rows'", "AssertionError", "三行 / three rows"),
        ("def _helper():\n    assert False, 'from a helper of the cell'\n_helper()",
         "AssertionError", "from a helper of the cell"),
        ("missing_answer + 1", "NameError", "missing_answer"),
    ],
)  # fmt: skip
def test_the_instructors_own_words_are_shown(tmp_path, failing, ename, words):
    with pytest.raises(Exception) as raised:
        _run_test(tmp_path, HIDDEN + failing, {"answer": pd.Series([1.0])})
    assert type(raised.value).__name__ == ename and words in str(raised.value)
