"""Checks for a task's test cell: partial credit per check, and a bilingual message for each.

A test cell that grades several things gives points for each, and says what is wrong without
giving the expected value away::

    check = Checks(points=2)
    check.require(isinstance(rfm, pd.DataFrame), "rfm 应是 DataFrame / rfm should be a DataFrame")
    check.that(lambda: list(rfm.columns) == ["recency_days", "frequency", "monetary"],
               "列名或顺序不对 / wrong columns or order")
    check.that(lambda: np.allclose(rfm["monetary"], expected_money),
               "M（金额）不对 / M (money) is wrong")
    check.score()   # the cell's last line: nbgrader reads the points from it

* :meth:`Checks.that` records one check; a callable is called, and an exception in it counts
  as a failed check (its type is added to the message), so one broken answer costs its checks
  only, never the rest of the cell. A ``NameError`` (the answer does not exist) is not caught:
  the task was not answered, and the report counts it so.
* :meth:`Checks.require` stops the task at once with an ``AssertionError`` when it fails (the
  answer is missing or of the wrong type): the task scores 0 and the student reads why.
* :meth:`Checks.score` is shown as the points earned (``1.5``): nbgrader gives that much partial
  credit to a test cell whose output is a number. The student sees the failed checks under it;
  the grader shows them in the feedback.

Nothing here computes an answer: the expected values are the hidden tests' own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

CHECKS_MIMETYPE = "application/vnd.crmkit.checks+json"


@dataclass
class Check:
    """One check: its message, its weight, and whether it passed."""

    message: str
    weight: float
    passed: bool


@dataclass
class Score:
    """The points a task's checks earned; displays as the number nbgrader reads."""

    points: float
    max_points: float
    checks: list[Check] = field(default_factory=list)

    def __float__(self) -> float:
        return self.points

    def __repr__(self) -> str:
        return _number(self.points)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        failed = [c for c in self.checks if not c.passed]
        # people read two decimals; nbgrader reads text/plain, which keeps four
        lines = [f"**{_shown(self.points)} / {_shown(self.max_points)}**"]
        lines += [f"- ✗ {c.message}" for c in failed] or ["- ✓ 全部通过 / every check passed"]
        return {
            "text/plain": _number(self.points),
            "text/markdown": "\n".join(lines),
            CHECKS_MIMETYPE: {
                "max_points": self.max_points,
                "checks": [{"passed": c.passed, "message": c.message} for c in self.checks],
            },
        }


def _number(value: float) -> str:
    return f"{round(value, 4):g}"


def _shown(value: float) -> str:
    return f"{round(value, 2):g}"


class Checks:
    """The checks of one task worth ``points`` in all, shared by weight."""

    def __init__(self, points: float) -> None:
        self.points = float(points)
        self.checks: list[Check] = []

    def that(self, condition: bool | Callable[[], object], message: str, weight: float = 1) -> bool:
        """Record a check; ``condition`` may be a callable (an exception in it fails the check)."""
        try:
            passed = bool(condition() if callable(condition) else condition)
        except NameError:
            raise  # the answer is not there at all: the task was not answered
        except Exception as error:  # noqa: BLE001 - a broken answer fails this check only
            passed = False
            message = f"{message}（{type(error).__name__}）"
        self.checks.append(Check(message, float(weight), passed))
        return passed

    def require(self, condition: bool | Callable[[], object], message: str) -> None:
        """Stop here with ``AssertionError(message)`` unless ``condition`` holds
        (the task scores 0)."""
        try:
            passed = bool(condition() if callable(condition) else condition)
        except NameError:
            raise  # not answered
        except Exception:  # noqa: BLE001
            passed = False
        if not passed:
            raise AssertionError(message)

    def score(self) -> Score:
        """The points earned: each passed check's share of ``points``."""
        total = sum(c.weight for c in self.checks)
        earned = sum(c.weight for c in self.checks if c.passed)
        points = self.points if not total else round(self.points * earned / total, 4)
        return Score(points, self.points, list(self.checks))
