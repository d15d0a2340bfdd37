"""The report's numbers: small pure functions over the plain data of :mod:`.model`."""

from __future__ import annotations

import html
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ...course.checks import CHECKS_MIMETYPE
from ...errors import CrmkitError, UsageError
from ..scores import Score, points_text
from .model import (
    DEFAULT_THRESHOLD,
    FAILED_CHECKS,
    NOTHING_GRADED,
    REASON_LOW,
    REASON_MISSING,
    REASON_NOT_GRADED,
    REASON_TAMPER,
    Attention,
    CellGrade,
    ClassData,
    Failure,
    Item,
    Report,
    ScoreRow,
    Summary,
)


def failure_message(output: Mapping) -> str:
    """What an error output says: the first non-empty line of ``evalue``,
    or ``ename`` when empty."""
    for line in str(output.get("evalue") or "").splitlines():
        if line.strip():
            return line.strip()
    return str(output.get("ename") or "Error")


def notebook_failures(notebook: Mapping) -> dict[str, Failure]:
    """How each graded code cell (nbgrader ``grade: true``) that lost points failed, by grade id.

    A cell that raised failed with its error. A partial-credit test cell (its result a number
    below the cell's points) failed its checks: :data:`FAILED_CHECKS`, with each failed check's
    message, read from the checks record (plain nbgrader) or the ✗ lines of its summary (the
    kit's grader keeps only those).
    """
    failures = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            continue
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.get("output_type") == "error"]
        if errors:
            failures[meta.get("grade_id", "")] = Failure(
                str(errors[0].get("ename") or "Error"), failure_message(errors[0])
            )
            continue
        results = [o for o in outputs if o.get("output_type") == "execute_result"]
        partial = _partial_failure(results[-1].get("data", {}), meta) if results else None
        if partial is not None:
            failures[meta.get("grade_id", "")] = partial
    return failures


def _partial_failure(data: Mapping, meta: Mapping) -> Failure | None:
    """The failed checks of a test cell that scored below its points, or None."""
    try:
        score, most = float(str(data.get("text/plain", "")).strip()), float(meta.get("points") or 0)
    except ValueError:
        return None
    if not score < most:
        return None
    messages = failed_checks(data)
    shown = messages[0] if messages else f"{points_text(score)} / {points_text(most)}"
    return Failure(FAILED_CHECKS, shown, tuple(messages))


def failed_checks(data: Mapping) -> list[str]:
    """The messages of the failed checks in a partial-credit test's result, in order."""
    record = data.get(CHECKS_MIMETYPE)
    if isinstance(record, str):
        try:
            record = json.loads(record)
        except ValueError:
            record = None
    if isinstance(record, Mapping) and isinstance(record.get("checks"), list):
        return [
            str(c.get("message", "")).strip()
            for c in record["checks"]
            if isinstance(c, Mapping) and not c.get("passed")
        ]
    markdown = data.get("text/markdown", "")
    markdown = "".join(markdown) if isinstance(markdown, list) else str(markdown)
    return [
        html.unescape(line.strip()[len("- ✗") :].strip())
        for line in markdown.splitlines()
        if line.strip().startswith("- ✗")
    ]


def summarize(
    scores: Sequence[Score], assignments: Sequence[str], roster: Sequence[str]
) -> list[Summary]:
    """Per assignment: graded count, auto maximum, mean, median, min, max,
    pending hand-grading, missing."""
    summaries = []
    for assignment in assignments:
        rows = [s for s in scores if s.assignment == assignment]
        points = [s.auto_score for s in rows]
        students = {s.student for s in rows}
        summaries.append(
            Summary(
                assignment,
                graded=len(rows),
                auto_max=max((s.auto_max for s in rows), default=0.0),
                mean=statistics.fmean(points) if points else 0.0,
                median=statistics.median(points) if points else 0.0,
                minimum=min(points, default=0.0),
                maximum=max(points, default=0.0),
                manual_pending=sum(s.manual_score is None for s in rows),
                missing=sum(student not in students for student in roster),
            )
        )
    return summaries


def item_analysis(
    cells: Iterable[CellGrade],
    failures: Mapping[tuple[str, str, str], Failure],
    positions: Mapping[tuple[str, str], int] | None = None,
) -> list[Item]:
    """Each autograded task: graded count, how many lost points, how many never answered it
    (:data:`UNANSWERED`), and the other failures' messages by frequency.

    Tasks are ordered by assignment, then as they appear in the notebook (``positions``),
    then by id.
    Messages tie-break alphabetically, so the most frequent one is always the same.
    """
    positions = positions or {}
    grouped: dict[tuple[str, str, str], list[CellGrade]] = {}
    for cell in cells:
        if cell.autograded:
            grouped.setdefault((cell.assignment, cell.notebook, cell.grade_id), []).append(cell)
    items = []
    for (assignment, notebook, grade_id), group in grouped.items():
        graded = [c for c in group if c.points is not None]
        failed = [
            failures[key]
            for key in ((assignment, c.student, grade_id) for c in graded)
            if key in failures
        ]
        tally = Counter(
            message for f in failed if not f.unanswered for message in (f.checks or (f.shown,))
        )
        items.append(
            Item(
                assignment,
                notebook,
                grade_id,
                max_points=max(c.max_points for c in group),
                graded=len(graded),
                lost=sum(c.points is not None and c.points < c.max_points for c in graded),
                unanswered=sum(f.unanswered for f in failed),
                failures=tuple(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    unknown = len(positions) + 1
    return sorted(
        items,
        key=lambda i: (
            i.assignment,
            positions.get((i.assignment, i.grade_id), unknown),
            i.notebook,
            i.grade_id,
        ),
    )


def reasons_for(
    score: Score | None,
    submitted: bool,
    flags: Sequence[str],
    threshold: float,
) -> tuple[str, ...]:
    """Why one student x assignment needs the instructor (empty when it does not),
    most urgent first."""
    reasons = []
    if flags:
        reasons.append(f"{REASON_TAMPER}: {'; '.join(flags)}")
    if score is None:
        reasons.append(REASON_NOT_GRADED if submitted else REASON_MISSING)
        return tuple(reasons)
    if score.auto_max > 0 and score.auto_score < threshold * score.auto_max:
        reasons.append(
            f"{REASON_LOW.format(share=threshold)}: {points_text(score.auto_score)} / "
            f"{points_text(score.auto_max)}"
        )
    # written answers still to grade are counted once per assignment (Report.pending_line), not here
    return tuple(reasons)


def score_rows(
    scores: Sequence[Score],
    roster: Sequence[str],
    assignments: Sequence[str],
    flags: Mapping[tuple[str, str], Sequence[str]],
    submitted: set[tuple[str, str]],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[ScoreRow]:
    """One row per student x assignment (missing ones too), sorted by student then assignment."""
    by_key = {(s.student, s.assignment): s for s in scores}
    students = sorted(set(roster) | {s.student for s in scores})
    return [
        ScoreRow(
            student,
            assignment,
            by_key.get((student, assignment)),
            reasons_for(
                by_key.get((student, assignment)),
                (assignment, student) in submitted,
                flags.get((assignment, student), ()),
                threshold,
            ),
        )
        for student in students
        for assignment in sorted(assignments)
    ]


def needs_attention(rows: Sequence[ScoreRow]) -> list[Attention]:
    """The rows with at least one reason, in the same order."""
    return [Attention(r.student, r.assignment, r.reasons) for r in rows if r.reasons]


def build_report(data: ClassData, threshold: float = DEFAULT_THRESHOLD) -> Report:
    """Every table of the report, computed from ``data``;
    raises CrmkitError when nothing is graded."""
    if not 0 <= threshold <= 1:
        raise UsageError(
            f"关注线应在 0 到 1 之间，得到 {threshold} / "
            f"the threshold is a share between 0 and 1, not {threshold}"
        )
    scores = [s for s in data.scores if s.assignment in data.assignments]
    if not scores:
        raise CrmkitError(NOTHING_GRADED)
    roster = sorted(set(data.roster) | {s.student for s in scores})
    rows = score_rows(scores, roster, data.assignments, data.flags, data.submitted, threshold)
    return Report(
        assignments=sorted(data.assignments),
        threshold=threshold,
        students=len(roster),
        summaries=summarize(scores, sorted(data.assignments), roster),
        items=item_analysis(
            [c for c in data.cells if c.assignment in data.assignments],
            data.failures,
            data.positions,
        ),
        attention=needs_attention(rows),
        rows=rows,
        auto_scores={
            a: sorted(s.auto_score for s in scores if s.assignment == a)
            for a in sorted(data.assignments)
        },
    )
