"""The report's plain data: what is read from the course, and what is computed from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..scores import PENDING, Score
from ..settings import SETTINGS

DEFAULT_THRESHOLD = SETTINGS.report_threshold

NOTHING_GRADED = (
    "还没有已评分的提交，无法生成报告；先运行 crmkit course autograde / "
    "Nothing graded yet, so there is nothing to report; run crmkit course autograde first"
)

# Why a student x assignment needs the instructor, most urgent first.
REASON_TAMPER = "可能作弊或破坏评分 / possible tampering"
REASON_NOT_GRADED = "已提交但未能评分 / submitted but could not be graded"
REASON_MISSING = "缺交 / missing submission"
REASON_LOW = "自动分低于 {share:.0%} / auto score below {share:.0%}"
# The one mark for a written answer nobody has graded yet, in the report, its CSVs and the CLI.
NO_MESSAGE = "（测试没有给出说明 / the check gives no message）"


# A test cell failing with these never reached the checks: the answer was not given (or not run).
UNANSWERED = frozenset({"NameError", "NotImplementedError"})


# A test cell that scored part of its points: its failed checks are the messages.
FAILED_CHECKS = "FailedChecks"


@dataclass(frozen=True)
class Failure:
    """How a test cell failed: the error's name and its message (see :func:`failure_message`);
    for a partial-credit test (:data:`FAILED_CHECKS`), each failed check's message in ``checks``."""

    ename: str
    message: str
    checks: tuple[str, ...] = ()

    @property
    def unanswered(self) -> bool:
        return self.ename in UNANSWERED

    @property
    def shown(self) -> str:
        """The message as the report shows it: a bare error name says that the check gave none."""
        return f"{self.message} {NO_MESSAGE}" if self.message == self.ename else self.message


@dataclass(frozen=True)
class CellGrade:
    """One graded cell of one submission, as the gradebook holds it."""

    student: str
    assignment: str
    notebook: str
    grade_id: str
    points: float | None  # None: not graded yet
    max_points: float
    autograded: bool  # a code (test) cell, not a written answer


@dataclass(frozen=True)
class ClassData:
    """Everything the report is computed from, read once from the course."""

    assignments: list[str]
    roster: list[str]  # the gradebook's students and anyone who handed something in
    scores: list[Score]
    cells: list[CellGrade]
    failures: dict[
        tuple[str, str, str], Failure
    ]  # (assignment, student, grade_id) -> how its test failed
    flags: dict[tuple[str, str], list[str]]  # (assignment, student) -> tamper flags
    submitted: set[tuple[str, str]]  # (assignment, student) found in submitted/
    positions: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # (assignment, grade_id) -> cell order


@dataclass(frozen=True)
class Summary:
    """One assignment's automatic scores: how many, their maximum, mean, median, min and max."""

    assignment: str
    graded: int
    auto_max: float
    mean: float
    median: float
    minimum: float
    maximum: float
    manual_pending: int
    missing: int


@dataclass(frozen=True)
class Item:
    """One autograded task: who lost (some of) its points, how many never answered it, and the
    messages of the checks that failed for the others, most frequent first."""

    assignment: str
    notebook: str
    grade_id: str
    max_points: float
    graded: int
    lost: int
    unanswered: int
    failures: tuple[tuple[str, int], ...]

    @property
    def lost_share(self) -> float:
        return self.lost / self.graded if self.graded else 0.0

    @property
    def top_failure(self) -> str:
        return self.failures[0][0] if self.failures else ""

    @property
    def top_failure_count(self) -> int:
        return self.failures[0][1] if self.failures else 0


@dataclass(frozen=True)
class Attention:
    """A student x assignment the instructor should look at, and why."""

    student: str
    assignment: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ScoreRow:
    """One student x assignment for ``scores.csv``: the score (None when
    missing) and the reasons."""

    student: str
    assignment: str
    score: Score | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """The computed report, ready to be written."""

    assignments: list[str]
    threshold: float
    students: int
    summaries: list[Summary]
    items: list[Item]
    attention: list[Attention]
    rows: list[ScoreRow]
    auto_scores: dict[str, list[float]]  # per assignment, sorted, for the histograms
    # crmkit.grading.integrity.model.Evidence, strongest first
    integrity: list = field(default_factory=list)

    def pending_line(self) -> str:
        """Written answers still to grade by hand, one count per assignment ("" when none)."""
        counts = [(s.assignment, s.manual_pending) for s in self.summaries if s.manual_pending]
        if not counts:
            return ""
        zh = "，".join(f"{a} {n} 份" for a, n in counts)
        en = ", ".join(f"{a}: {n}" for a, n in counts)
        return (
            f"书面回答{PENDING}（在 formgrader 中评分）：{zh} / "
            f"Written answers {PENDING} (grade them in the formgrader): {en}"
        )

    def summary_line(self) -> str:
        """One bilingual line: students, graded, missing, flagged, rows needing attention."""
        graded = sum(s.graded for s in self.summaries)
        missing = sum(s.missing for s in self.summaries)
        flagged = sum(
            any(r.startswith(REASON_TAMPER) for r in row.reasons) for row in self.attention
        )
        line = (
            f"{self.students} 名学生，{len(self.assignments)} 个作业，{graded} 份已评分，{missing} "
            f"份缺交，{flagged} 份疑似作弊，{len(self.attention)} 项需要关注 / "
            f"{self.students} students, {len(self.assignments)} assignments, {graded} graded, "
            f"{missing} missing, {flagged} flagged, {len(self.attention)} to look at"
        )
        if self.integrity:
            pairs = len({(e.assignment, e.task, e.pair) for e in self.integrity})
            line += f"；诚信检查 {pairs} 条线索 / integrity: {pairs} items of evidence"
        return line
