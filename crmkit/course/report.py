"""``crmkit course report``: the class at a glance, from the gradebook and the autograded notebooks.

What it writes (default ``<course>/reports/``):

* ``report.html``: score distribution per assignment, item analysis per autograded task (who lost
  points on it, how many never answered it, and the check that failed most often: its test's
  assertion message), and the students who need attention, each with the reason. Charts are embedded as base64 PNG, so the one file can be mailed or
  uploaded to the course site and still shows everything; the PNGs are also written beside it
  (for slides), and the CSVs are linked relatively.
* ``scores.csv`` (one row per student and assignment, missing submissions included) and
  ``items.csv`` (one row per autograded task), UTF-8 with a byte-order mark so Excel shows the
  Chinese, like the kit's datasets.
* ``scores_<assignment>.png`` and ``items_<assignment>.png``.

The same gradebook and notebooks always give the same bytes: rows are sorted, no timestamps or
paths are written, and the PNGs carry no software metadata.

The numbers come from small pure functions over plain data (:func:`summarize`,
:func:`item_analysis`, :func:`needs_attention`, :func:`score_rows`); :func:`collect` reads the
course, the ``write_*`` functions only format.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..datasets.schema import CSV_ENCODING  # UTF-8 with a byte-order mark, so Excel reads the Chinese
from ..errors import CrmkitError, UsageError
from . import grading
from .gradebook_db import gradebook_url, open_gradebook
from .grading import Score

DEFAULT_THRESHOLD = 0.5
DPI = 100

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
PENDING = grading.PENDING
PENDING_NOTE = grading.PENDING_NOTE
NO_MESSAGE = "（测试没有给出说明 / the check gives no message）"


# ---------------------------------------------------------------- plain data

# A test cell failing with these never reached the checks: the answer was not given (or not run).
UNANSWERED = frozenset({"NameError", "NotImplementedError"})


@dataclass(frozen=True)
class Failure:
    """How a test cell failed: the error's name and its message (see :func:`failure_message`)."""

    ename: str
    message: str

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
    failures: dict[tuple[str, str, str], Failure]  # (assignment, student, grade_id) -> how its test failed
    flags: dict[tuple[str, str], list[str]]  # (assignment, student) -> tamper flags
    submitted: set[tuple[str, str]]  # (assignment, student) found in submitted/
    positions: dict[tuple[str, str], int] = field(default_factory=dict)  # (assignment, grade_id) -> cell order


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
    """One student x assignment for ``scores.csv``: the score (None when missing) and the reasons."""

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

    def pending_line(self) -> str:
        """Written answers still to grade by hand, one count per assignment ("" when none)."""
        counts = [(s.assignment, s.manual_pending) for s in self.summaries if s.manual_pending]
        if not counts:
            return ""
        zh = "，".join(f"{a} {n} 份" for a, n in counts)
        en = ", ".join(f"{a}: {n}" for a, n in counts)
        return f"书面回答{PENDING}（在 formgrader 中评分）：{zh} / Written answers {PENDING} (grade them in the formgrader): {en}"

    def summary_line(self) -> str:
        """One bilingual line: students, graded, missing, flagged, rows needing attention."""
        graded = sum(s.graded for s in self.summaries)
        missing = sum(s.missing for s in self.summaries)
        flagged = sum(any(r.startswith(REASON_TAMPER) for r in row.reasons) for row in self.attention)
        return (
            f"{self.students} 名学生，{len(self.assignments)} 个作业，{graded} 份已评分，{missing} 份缺交，"
            f"{flagged} 份疑似作弊，{len(self.attention)} 项需要关注 / "
            f"{self.students} students, {len(self.assignments)} assignments, {graded} graded, {missing} missing, "
            f"{flagged} flagged, {len(self.attention)} to look at"
        )


# ---------------------------------------------------------------- pure computation

def failure_message(output: Mapping) -> str:
    """What an error output says: the first non-empty line of ``evalue``, or ``ename`` when empty."""
    for line in str(output.get("evalue") or "").splitlines():
        if line.strip():
            return line.strip()
    return str(output.get("ename") or "Error")


def notebook_failures(notebook: Mapping) -> dict[str, Failure]:
    """How each graded code cell (nbgrader ``grade: true``) that raised failed, by grade id."""
    failures = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            failures[meta.get("grade_id", "")] = Failure(str(errors[0].get("ename") or "Error"), failure_message(errors[0]))
    return failures


def summarize(scores: Sequence[Score], assignments: Sequence[str], roster: Sequence[str]) -> list[Summary]:
    """Per assignment: graded count, auto maximum, mean, median, min, max, pending hand-grading, missing."""
    summaries = []
    for assignment in assignments:
        rows = [s for s in scores if s.assignment == assignment]
        points = [s.auto_score for s in rows]
        students = {s.student for s in rows}
        summaries.append(Summary(
            assignment,
            graded=len(rows),
            auto_max=max((s.auto_max for s in rows), default=0.0),
            mean=statistics.fmean(points) if points else 0.0,
            median=statistics.median(points) if points else 0.0,
            minimum=min(points, default=0.0),
            maximum=max(points, default=0.0),
            manual_pending=sum(s.manual_score is None for s in rows),
            missing=sum(student not in students for student in roster),
        ))
    return summaries


def item_analysis(
    cells: Iterable[CellGrade],
    failures: Mapping[tuple[str, str, str], Failure],
    positions: Mapping[tuple[str, str], int] | None = None,
) -> list[Item]:
    """Each autograded task: graded count, how many lost points, how many never answered it
    (:data:`UNANSWERED`), and the other failures' messages by frequency.

    Tasks are ordered by assignment, then as they appear in the notebook (``positions``), then by id.
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
        failed = [failures[key] for key in ((assignment, c.student, grade_id) for c in graded) if key in failures]
        tally = Counter(f.shown for f in failed if not f.unanswered)
        items.append(Item(
            assignment, notebook, grade_id,
            max_points=max(c.max_points for c in group),
            graded=len(graded),
            lost=sum(c.points < c.max_points for c in graded),
            unanswered=sum(f.unanswered for f in failed),
            failures=tuple(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))),
        ))
    unknown = len(positions) + 1
    return sorted(items, key=lambda i: (i.assignment, positions.get((i.assignment, i.grade_id), unknown), i.notebook, i.grade_id))


def reasons_for(
    score: Score | None,
    submitted: bool,
    flags: Sequence[str],
    threshold: float,
) -> tuple[str, ...]:
    """Why one student x assignment needs the instructor (empty when it does not), most urgent first."""
    reasons = []
    if flags:
        reasons.append(f"{REASON_TAMPER}: {'; '.join(flags)}")
    if score is None:
        reasons.append(REASON_NOT_GRADED if submitted else REASON_MISSING)
        return tuple(reasons)
    if score.auto_max > 0 and score.auto_score < threshold * score.auto_max:
        reasons.append(f"{REASON_LOW.format(share=threshold)}: {score.auto_score:g} / {score.auto_max:g}")
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
        ScoreRow(student, assignment, by_key.get((student, assignment)), reasons_for(
            by_key.get((student, assignment)), (assignment, student) in submitted,
            flags.get((assignment, student), ()), threshold,
        ))
        for student in students
        for assignment in sorted(assignments)
    ]


def needs_attention(rows: Sequence[ScoreRow]) -> list[Attention]:
    """The rows with at least one reason, in the same order."""
    return [Attention(r.student, r.assignment, r.reasons) for r in rows if r.reasons]


def build_report(data: ClassData, threshold: float = DEFAULT_THRESHOLD) -> Report:
    """Every table of the report, computed from ``data``; raises CrmkitError when nothing is graded."""
    if not 0 <= threshold <= 1:
        raise UsageError(f"关注线应在 0 到 1 之间，得到 {threshold} / the threshold is a share between 0 and 1, not {threshold}")
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
        items=item_analysis([c for c in data.cells if c.assignment in data.assignments], data.failures, data.positions),
        attention=needs_attention(rows),
        rows=rows,
        auto_scores={a: sorted(s.auto_score for s in scores if s.assignment == a) for a in sorted(data.assignments)},
    )


# ---------------------------------------------------------------- reading the course

def _gradebook_exists(course: Path, url: str) -> bool:
    """False for an SQLite gradebook whose file is not there yet (opening it would create it)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return True
    path = Path(parsed.database)
    return (path if path.is_absolute() else course / path).is_file()


def _gradebook_cells(course: Path, assignments: set[str]) -> tuple[list[str], list[CellGrade]]:
    """The gradebook's students and every graded cell of every submission of ``assignments``."""
    cells = []
    with grading._in_folder(course), open_gradebook(course) as gradebook:
        roster = [student.id for student in gradebook.students]
        for assignment in gradebook.assignments:
            if assignment.name not in assignments:
                continue
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        given = grade.auto_score is not None or grade.manual_score is not None
                        cells.append(CellGrade(
                            submission.student.id, assignment.name, notebook.name, grade.name,
                            float(grade.score) if given else None, float(grade.max_score),
                            grade.cell.cell_type == "code",
                        ))
    return roster, cells


def _autograded_failures(course: Path, assignment: str, student: str) -> dict[str, Failure]:
    import nbformat

    failures = {}
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - a damaged notebook is reported by the tamper flags
            continue
        failures.update(notebook_failures(notebook))
    return failures


def _positions(course: Path, assignment: str) -> dict[tuple[str, str], int]:
    from .submissions import graded_cell_ids, read_notebook

    ids = [i for path in sorted((course / "source" / assignment).glob("*.ipynb")) for i in graded_cell_ids(read_notebook(path))]
    return {(assignment, grade_id): number for number, grade_id in enumerate(ids)}


def collect(course: Path, assignments: Sequence[str]) -> ClassData:
    """Read the gradebook, the autograded notebooks and ``submitted/`` of ``course``."""
    from .parallel import tamper_flags

    url = gradebook_url(course)
    if not _gradebook_exists(course, url):
        raise CrmkitError(NOTHING_GRADED)
    scores = grading.scores(course, assignments)
    if not scores:
        raise CrmkitError(NOTHING_GRADED)
    roster, cells = _gradebook_cells(course, set(assignments))
    failures: dict[tuple[str, str, str], Failure] = {}
    flags: dict[tuple[str, str], list[str]] = {}
    for score in scores:
        key = (score.assignment, score.student)
        for grade_id, failure in _autograded_failures(course, *key).items():
            failures[(*key, grade_id)] = failure
        found = tamper_flags(course, *key)
        if found:
            flags[key] = found
    submitted = {
        (assignment, student) for assignment in assignments for student in grading.submitted_students(course, assignment)
    }
    positions = {k: v for assignment in assignments for k, v in _positions(course, assignment).items()}
    roster = sorted(set(roster) | {student for _, student in submitted})
    return ClassData(list(assignments), roster, scores, cells, failures, flags, submitted, positions)


# ---------------------------------------------------------------- charts

def _png(figure) -> bytes:
    """``figure`` as PNG bytes that depend only on what is drawn (fixed DPI, no software tag)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def score_histogram(assignment: str, points: Sequence[float], auto_max: float, threshold: float) -> bytes:
    """A histogram of one assignment's automatic scores, one bar per point, with the attention line."""
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(7.0, 3.6), layout="constrained")
    ax = figure.add_subplot()
    top = max(auto_max, max(points, default=0.0))
    counts, _, _ = ax.hist(list(points), bins=np.arange(-0.5, top + 1.5, 1.0), color="#4C72B0", edgecolor="white")
    ax.set_ylim(0, max(counts, default=0) + 1)  # room for the legend
    ax.axvline(threshold * auto_max, color="#C44E52", linestyle="--",
               label=f"关注线 {threshold:.0%} / attention line")
    ax.set_title(f"{assignment}\n学生的自动分落在哪里？/ Where do the students' auto scores fall?")
    ax.set_xlabel(f"自动分（满分 {auto_max:g}）/ Auto score (points, out of {auto_max:g})")
    ax.set_ylabel("学生（人）/ Students")
    ax.set_xlim(-0.5, top + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best", frameon=False)
    return _png(figure)


def items_chart(assignment: str, items: Sequence[Item]) -> bytes:
    """Horizontal bars: the share of students who lost points on each task of one assignment."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    figure = Figure(figsize=(7.0, 1.2 + 0.35 * max(1, len(items))), layout="constrained")
    ax = figure.add_subplot()
    labels = [f"{i.grade_id}（{i.max_points:g} 分 / pts）" for i in items]
    unanswered = [i.unanswered / i.graded if i.graded else 0.0 for i in items]
    answered = [i.lost_share - u for i, u in zip(items, unanswered)]
    ax.barh(labels, unanswered, color="#C9C9C9", label="未作答 / not answered")
    bars = ax.barh(labels, answered, left=unanswered, color="#DD8452", label="答了但没通过 / answered, failed a check")
    ax.bar_label(bars, labels=[f"{i.lost}/{i.graded}" for i in items], padding=3)
    ax.invert_yaxis()  # first task on top, as in the notebook
    ax.set_xlim(0, 1.08)
    figure.legend(loc="outside lower center", ncols=2, frameon=False, fontsize="small")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"{assignment}\n哪些题丢分的学生最多？/ Which tasks cost students points?")
    ax.set_xlabel("丢分的学生占比 / Share of students who lost points")
    return _png(figure)


def draw_charts(report: Report) -> dict[str, bytes]:
    """Every chart of ``report`` by file name, drawn with a Chinese font (matplotlib's style is restored after)."""
    import matplotlib

    from ..plotting import use_cjk_font

    charts = {}
    with matplotlib.rc_context():
        use_cjk_font()
        for summary in report.summaries:
            a = summary.assignment
            charts[f"scores_{a}.png"] = score_histogram(a, report.auto_scores[a], summary.auto_max, report.threshold)
            items = [i for i in report.items if i.assignment == a]
            if items:
                charts[f"items_{a}.png"] = items_chart(a, items)
    return charts


# ---------------------------------------------------------------- files

def _excel_text(text: str) -> str:
    """Text Excel shows as text: a leading ``= + @`` would be read as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "@", "\t", "\r") else text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def scores_csv(rows: Sequence[ScoreRow]) -> str:
    """``scores.csv`` as text: one row per student x assignment, empty scores when missing."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["student", "assignment", "auto_score", "auto_max", "manual_score", "manual_max", "total",
                  "needs_attention"])
    for row in rows:
        s = row.score
        points = ["", "", "", "", ""] if s is None else [
            _number(s.auto_score), _number(s.auto_max), PENDING if s.manual_score is None else _number(s.manual_score),
            _number(s.manual_max), _number(s.auto_score + (s.manual_score or 0)),
        ]
        out.writerow([_excel_text(row.student), row.assignment, *points, _excel_text("; ".join(row.reasons))])
    return buffer.getvalue()


def items_csv(items: Sequence[Item]) -> str:
    """``items.csv`` as text: one row per autograded task."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["assignment", "notebook", "grade_id", "max_points", "graded", "lost_points", "lost_share",
                  "unanswered", "top_failure", "top_failure_count", "failed_checks"])
    for i in items:
        every = " | ".join(f"{message} ×{count}" for message, count in i.failures)
        out.writerow([i.assignment, i.notebook, i.grade_id, _number(i.max_points), i.graded, i.lost,
                      f"{i.lost_share:.4f}", i.unanswered, _excel_text(i.top_failure), i.top_failure_count,
                      _excel_text(every)])
    return buffer.getvalue()


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = ()) -> str:
    """An HTML table; every cell is escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="num">{html.escape(str(c))}</td>' if n in numeric else f"<td>{html.escape(str(c))}</td>"
            for n, c in enumerate(row)
        ) + "</tr>\n"
        for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def _image(name: str, png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"><figcaption>{html.escape(name)}</figcaption></figure>\n'


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { display: inline-block; margin: 0 1em 1em 0; }
figcaption { font-size: 0.8em; color: #666; }
.summary { font-size: 1.1em; background: #f7f7f0; padding: 0.6em 1em; border-left: 4px solid #c9b458; }
"""


def render_html(report: Report, charts: Mapping[str, bytes]) -> str:
    """The report page: bilingual headings, every value escaped, charts embedded."""
    parts = [
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<title>班级成绩报告 / Class grading report</title>\n",
        f"<style>{STYLE}</style>\n</head>\n<body>\n",
        "<h1>班级成绩报告 / Class grading report</h1>\n",
        f'<p class="summary">{html.escape(report.summary_line())}</p>\n',
        "<p>作业 / Assignments: " + html.escape(", ".join(report.assignments)) + "。"
        "分数来自 nbgrader 成绩库；书面回答在 formgrader 中人工评分后计入。/ Scores come from the nbgrader "
        "gradebook; written answers count once graded by hand in the formgrader.</p>\n",
        '<p>表格文件 / Tables: <a href="scores.csv">scores.csv</a>（每位学生每个作业一行 / one row per student and '
        'assignment），<a href="items.csv">items.csv</a>（每道自动评分题一行 / one row per autograded task）。</p>\n',
        "<h2>1. 成绩分布 / Score distribution</h2>\n",
        f"<p>自动评分部分的分数。{html.escape(PENDING_NOTE)} / Points of the autograded part.</p>\n",
        _table(
            ["作业 assignment", "已评分 graded", "满分 max", "平均 mean", "中位数 median", "最低 min", "最高 max",
             "待人工评分 to grade by hand", "缺交 missing"],
            [(s.assignment, s.graded, f"{s.auto_max:g}", f"{s.mean:.1f}", f"{s.median:g}", f"{s.minimum:g}",
              f"{s.maximum:g}", s.manual_pending, s.missing) for s in report.summaries],
            numeric=range(1, 9),
        ),
    ]
    for s in report.summaries:
        name = f"scores_{s.assignment}.png"
        if name in charts:
            parts.append(_image(name, charts[name], f"{s.assignment} 自动分分布 / auto-score distribution"))
    parts += [
        "<h2>2. 题目分析 / Item analysis</h2>\n",
        "<p>每道自动评分题：丢了（部分）分数的学生占比；其中未作答的人数（测试遇到 NameError 或 "
        "NotImplementedError）；其余的人最常没通过的检查（测试的断言信息）。/ Each autograded task: the share of "
        "students who lost (some of) its points; how many of them never answered it (its test hit a NameError or "
        "NotImplementedError); and for the others, the check failed most often (the test's assertion message).</p>\n",
        _table(
            ["作业 assignment", "笔记本 notebook", "题 task (grade id)", "分值 points", "已评分 graded",
             "丢分 lost", "占比 share", "未作答 unanswered", "最常没通过的检查 check failed most", "次数 count",
             "其他没通过的检查 other failed checks"],
            [(i.assignment, i.notebook, i.grade_id, f"{i.max_points:g}", i.graded, i.lost, f"{i.lost_share:.0%}",
              i.unanswered, i.top_failure or "", i.top_failure_count or "",
              "；".join(f"{message} ×{count}" for message, count in i.failures[1:]))
             for i in report.items],
            numeric=(3, 4, 5, 6, 7, 9),
        ),
    ]
    for s in report.summaries:
        name = f"items_{s.assignment}.png"
        if name in charts:
            parts.append(_image(name, charts[name], f"{s.assignment} 各题丢分占比 / share who lost points per task"))
    parts += [
        "<h2>3. 需要关注的学生 / Students who need attention</h2>\n",
        f"<p>原因：疑似作弊、缺交、未能评分、自动分低于 {report.threshold:.0%}。/ Reasons: possible "
        f"tampering, a missing submission, a submission that could not be graded, an auto score below "
        f"{report.threshold:.0%}.</p>\n",
        f"<p>{html.escape(report.pending_line())}</p>\n" if report.pending_line() else "",
        _table(["学生 student", "作业 assignment", "原因 reason"],
               [(a.student, a.assignment, "；".join(a.reasons)) for a in report.attention])
        if report.attention else "<p>没有 / None.</p>\n",
        "</body>\n</html>\n",
    ]
    return "".join(parts)


def _write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file, so a crash never leaves half a file where a good one was."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_report(report: Report, out: Path) -> Path:
    """Write ``report.html``, the CSVs and the PNGs into ``out``; returns the HTML's path."""
    out.mkdir(parents=True, exist_ok=True)
    charts = draw_charts(report)
    for name, png in charts.items():
        _write_bytes(out / name, png)
    _write_bytes(out / "scores.csv", scores_csv(report.rows).encode(CSV_ENCODING))
    _write_bytes(out / "items.csv", items_csv(report.items).encode(CSV_ENCODING))
    page = out / "report.html"
    _write_bytes(page, render_html(report, charts).encode("utf-8"))
    return page


def make_report(
    course: Path, assignments: Sequence[str], out: Path | None = None, threshold: float = DEFAULT_THRESHOLD
) -> tuple[Report, Path]:
    """Compute and write the report of ``course``; returns it and the HTML's path."""
    report = build_report(collect(course, assignments), threshold)
    return report, write_report(report, out if out is not None else course / "reports")
