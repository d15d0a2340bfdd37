"""Grades as the import file an LMS reads: Canvas, Moodle, Brightspace (D2L), or an Excel sheet.

Pure functions from plain data (:class:`~crmkit.grading.export.class_grades.ClassGrades`, a
:class:`~crmkit.grading.export.roster.Roster`, the excused work) to the bytes of the file.
``crmkit course export --format FORMAT`` (:func:`crmkit.grading.steps.export_for_lms`) reads the
gradebook and writes them. What each importer reads, from its documentation and its source:

Canvas (canvas-lms ``lib/gradebook_importer.rb``, ``lib/gradebook_exporter.rb``; Canvas guide
"How do I import grades in the Gradebook?")
    The header must start ``Student``, ``ID`` and its last student column must be ``Section``
    (``GradebookImporter#header?``); ``SIS User ID, SIS Login ID`` sit between them. Each further
    column is an assignment, named ``Title (assignment id)`` or its exact title; a title Canvas
    does not know makes a new assignment. A row whose first cell contains ``Points Possible``
    gives the points. Students are matched by Canvas user id (``ID``), then ``SIS User ID``,
    then ``SIS Login ID``, then by name; an unmatched row is a student Canvas does not know.
    ``EX`` (any case) excuses; a blank cell (or ``-``) is no score. UTF-8, comma separated.
Moodle (``grade/import/csv``: ``gradeimport_csv_load_data``, ``grade_import_mapping_form``;
MoodleDocs "Grade import")
    On the import's mapping page the teacher maps one column to ``username``, ``useridnumber``
    or ``useremail`` (or ``userid``) and each other column to a grade item, a new grade item, or
    feedback for an item; Moodle matches no column by its name by itself. Our columns carry the
    names of Moodle's own grade export (``grade_export::format_column_name``):
    ``<item> (Real)`` and ``<item> (Feedback)``. A user Moodle cannot find aborts the whole
    import; ``""`` or ``-`` is "no grade"; a value that is not a number aborts it. The encoding
    is chosen on the upload form and a byte-order mark is dropped (``csv_import_reader``).
    MoodleDocs: importing a feedback column without its grade column loses the grades.
Brightspace (D2L community "Importing grades"; UW–Madison KB 4330 "Function of pound signs")
    ``OrgDefinedId`` and/or ``Username`` first (at least one), then ``<item> Points Grade`` per
    numeric item, and Brightspace's own export ends each record with an ``End-of-Line Indicator``
    column holding ``#``, and writes ``#`` before each id so Excel keeps leading zeros; the
    ``#`` is not part of the data. Without the indicator column an empty last grade is a
    problem, so it is always written. No other user columns (name, email) are to be imported.
Excel
    No grade-import template is documented for 超星学习通, 雨课堂, 智慧树 or 中国大学MOOC, so the
    offer for them is a sheet to paste from: UTF-8 with a byte-order mark (Excel shows the
    Chinese), one row per student, one column per assignment and per task, numbers only in the
    grade columns and a notes column saying why a cell is blank.

Choices, the same in every format unless said otherwise:

* A written answer still to grade by hand (``待评``) is not a score: the assignment's cell (and
  the task's) is left blank, so no LMS records a wrong total, and a warning names the students.
* Missing work (no submission) is ``0`` by default, as nbgrader's own CSV export writes it;
  ``missing="blank"`` leaves it blank (an export before late work is in).
* Excused work: ``EX`` in Canvas; blank in Moodle and Brightspace, which take no "excused" in a
  CSV (a warning says to exclude or exempt it there); blank with a note in Excel.
* Students: the gradebook's and the roster's. A student without the LMS's id in the roster is
  left out and named in a warning (Moodle aborts the whole import on an unknown user; Canvas
  would show an unknown student).
* Points: as precise as the gradebook (4 decimals, what a partial-credit test records) in the
  Canvas, Moodle and Brightspace files, which keep them (Moodle stores 5 decimals, Canvas and
  Brightspace the number given, and they round only what they show); at most two decimals where
  a person reads them (the Excel sheet, Moodle's feedback text).
* ``tasks=True`` writes one column per task instead of one per assignment for an LMS, which adds
  up its items itself: totals and their tasks together would count twice. Excel has both.
* Every cell is safe to open in a spreadsheet
  (:func:`~crmkit.grading.safe_output.spreadsheet.sheet_cell`): control characters written out,
  and text a spreadsheet would run as a formula (``= + - @``) given a leading ``'``. No importer
  drops that ``'``, so an id is matched by one that needs no
  guard: Canvas by its numeric ID or an SIS id that needs none; Moodle by another id column
  when the first has ids that need one; Brightspace drops the ``#`` it puts before every id. A
  student left with no such id is left out and named (docs/lms_export.md, "Formula guard").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ...errors import UsageError, unknown_name
from ..safe_output.spreadsheet import csv_text, needs_guard
from ..scores import GRADEBOOK_DECIMALS, PENDING, points_text
from .class_grades import ClassGrades
from .roster import STUDENT_ID, Roster

FORMATS = ("canvas", "moodle", "brightspace", "excel")
MISSING_CHOICES = ("zero", "blank")
FORMAT_NAMES = {
    "canvas": "Canvas",
    "moodle": "Moodle",
    "brightspace": "Brightspace",
    "excel": "Excel",
}
# Roster columns that identify a student in each LMS: the roster needs at least one of them.
ROSTER_COLUMNS = {
    "canvas": ("canvas_id", "sis_user_id", "sis_login_id"),
    "moodle": ("username", "idnumber", "email"),
    "brightspace": ("org_defined_id", "username"),
    "excel": (),
}
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_POSSIBLE = "Points Possible"
# Moodle: roster column -> (header, as Moodle's export names it; the "Map to" choice on import)
MOODLE_IDENTIFIERS = {
    "username": ("Username", "username"),
    "idnumber": ("ID number", "useridnumber"),
    "email": ("Email address", "useremail"),
}
BRIGHTSPACE_IDENTIFIERS = {"org_defined_id": "OrgDefinedId", "username": "Username"}
BRIGHTSPACE_END = "End-of-Line Indicator"
EXCEL_STUDENT = "学号 student_id"
EXCEL_NAME = "姓名 name"
EXCEL_NOTES = "备注 notes"

GRADED, PENDING_WORK, MISSING, EXCUSED = "graded", "pending", "missing", "excused"
STATE_NOTES = {
    PENDING_WORK: f"{PENDING} pending",
    MISSING: "缺交 missing",
    EXCUSED: "免做 excused",
}


@dataclass(frozen=True)
class Column:
    """A grade column: an assignment's total, or one task (grade id) of it."""

    assignment: str
    grade_id: str | None
    max_points: float

    @property
    def label(self) -> str:
        """``segmentation`` or ``segmentation: rfm_tests``."""
        return self.assignment if self.grade_id is None else f"{self.assignment}: {self.grade_id}"


@dataclass(frozen=True)
class Cell:
    """What one student has in one column: graded points, or why there are none."""

    state: str  # GRADED, PENDING_WORK, MISSING or EXCUSED
    points: float | None = None


@dataclass(frozen=True)
class Export:
    """An export's file content, who is in it, and the one-line warnings to show."""

    data: bytes
    students: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    hint: str = ""


def columns_for(grades: ClassGrades, per_task: bool, totals: bool) -> list[Column]:
    """The grade columns: per assignment its total (``totals``), then its tasks (``per_task``)."""
    columns = []
    for assignment in grades.assignments:
        if totals:
            columns.append(Column(assignment.name, None, assignment.max_points))
        if per_task:
            columns.extend(
                Column(assignment.name, t.grade_id, t.max_points) for t in assignment.tasks
            )
    return columns


def cell_for(
    grades: ClassGrades, student: str, column: Column, excused: Collection[tuple[str, str]]
) -> Cell:
    """What ``student`` has in ``column`` (excused work wins over anything handed in)."""
    if (student, column.assignment) in excused:
        return Cell(EXCUSED)
    hand_in = grades.hand_in(student, column.assignment)
    if hand_in is None:
        return Cell(MISSING)
    points = hand_in.total() if column.grade_id is None else hand_in.points.get(column.grade_id)
    return Cell(PENDING_WORK) if points is None else Cell(GRADED, points)


def to_csv(rows: Sequence[Sequence[str]], bom: bool = False) -> bytes:
    """Rows as CSV bytes: UTF-8, CRLF line ends, quotes only where needed, every cell safe to
    open in a spreadsheet (inert, no formula)."""
    return (("\ufeff" if bom else "") + csv_text(rows, lineterminator="\r\n")).encode("utf-8")


def check_request(
    fmt: str,
    roster: Roster | None,
    missing: str = "zero",
    feedback: bool = False,
    per_task: bool = False,
) -> None:
    """A one-line UsageError for what cannot be exported: an unknown format or ``missing``
    choice, ``feedback`` outside Moodle or with per-task columns, or a roster that lacks what
    ``fmt`` needs (naming the columns it should have)."""
    if fmt not in FORMATS:
        raise unknown_name("格式", "format", fmt, ("generic", *FORMATS))
    if missing not in MISSING_CHOICES:
        raise unknown_name("缺交处理", "--missing choice", missing, MISSING_CHOICES)
    if feedback and fmt != "moodle":
        raise UsageError(
            "--feedback 只用于 --format moodle / --feedback is for --format moodle only"
        )
    if feedback and per_task:
        raise UsageError(
            "--feedback 写在每个作业旁边，不能和 --tasks 一起用；分两次导出 / --feedback goes "
            "beside each assignment, not with --tasks; export twice"
        )
    needed = ROSTER_COLUMNS[fmt]
    if not needed:
        return
    options = ", ".join(needed)
    name = FORMAT_NAMES[fmt]
    if roster is None:
        raise UsageError(
            f"--format {fmt} 需要 --roster 名单文件（列：{STUDENT_ID} 和 {options} 之一）/ "
            f"--format {fmt} needs --roster FILE: a CSV with {STUDENT_ID} and one of {options}"
        )
    if not any(column in roster.columns for column in needed):
        missing = " / ".join(needed)
        raise UsageError(
            f"{roster.source} 缺少 {name} 用来认人的列 {missing}（至少一列）/ "
            f"{roster.source} has no {' or '.join(needed)} column, which {name} needs to find "
            "each student; add one"
        )


def _students(grades: ClassGrades, roster: Roster | None) -> list[str]:
    return sorted(set(grades.students) | set(roster.rows if roster else ()))


def _name(grades: ClassGrades, roster: Roster | None, student: str) -> str:
    return (roster.value(student, "name") if roster else "") or grades.names.get(student, "")


def _cell_text(
    cell: Cell, missing: str, excused_text: str = "", decimals: int = GRADEBOOK_DECIMALS
) -> str:
    """A grade cell: the gradebook's own precision for an LMS, two decimals for a person."""
    if cell.state == GRADED and cell.points is not None:
        return points_text(cell.points, decimals)
    if cell.state == MISSING:
        return "0" if missing == "zero" else ""
    if cell.state == EXCUSED:
        return excused_text
    return ""  # pending: not a score yet


def _warnings(
    fmt: str,
    rows: list[tuple[str, list[Cell]]],
    left_out: list[str],
    roster: Roster | None,
    grades: ClassGrades,
    per_task: bool,
) -> list[str]:
    warnings = []
    pending = [s for s, cells in rows if any(c.state == PENDING_WORK for c in cells)]
    if pending:
        warnings.append(
            f"{len(pending)} 名学生有书面回答待人工评分，这些格留空；在 formgrader 评完后再导出 / "
            f"{len(pending)} student(s) have answers still to grade by hand; their cells are left "
            f"blank; grade them in formgrader and export again: {', '.join(pending)}"
        )
    warnings += _roster_mismatch(fmt, grades, roster)
    without_id = [s for s in left_out if roster is not None and s in roster.rows]
    if roster is not None and without_id:
        source, lms = roster.source, FORMAT_NAMES[fmt]
        warnings.append(
            f"{len(without_id)} 名学生在 {source} 里没有 {lms} 账号，没有写进文件 / "
            f"{len(without_id)} student(s) left out: no {lms} id in {source}; fill it in and "
            f"export again: {', '.join(without_id)}"
        )
    excused = sum(c.state == EXCUSED for _, cells in rows for c in cells)
    if excused and fmt in ("moodle", "brightspace"):
        where = (
            ("在 Moodle 成绩册里设为“排除”", "mark them Excluded in Moodle's grader report")
            if fmt == "moodle"
            else ("在 Brightspace 里设为“免除”", "exempt them in Brightspace")
        )
        warnings.append(
            f"{excused} 个免做的格留空（CSV 无法导入免做）；{where[0]} / {excused} excused cell(s) "
            f"left blank (a CSV cannot excuse work here); {where[1]}"
        )
    if per_task and fmt != "excel" and any(h.penalty for h in grades.hand_ins):
        warnings.append(
            "逐题的列不含迟交扣分；需要扣分时按作业导出 / per-task columns leave out late "
            "penalties; export per assignment to include them"
        )
    return warnings


def _roster_mismatch(fmt: str, grades: ClassGrades, roster: Roster | None) -> list[str]:
    """A roster id that matches no student (a typo exports a stranger's 0s), and students in the
    gradebook that the roster does not list (an LMS file leaves them out)."""
    if roster is None:
        return []
    known = set(grades.students) | {h.student for h in grades.hand_ins}
    warnings = []
    strangers = sorted(set(roster.rows) - known)
    if strangers:
        warnings.append(
            f"{roster.source} 里有 {len(strangers)} 个学号在成绩库里找不到，按缺交写进了文件；"
            f"如果是写错了，改成 nbgrader 的学号再导出 / {len(strangers)} id(s) in "
            f"{roster.source} match no student in the gradebook and were exported as missing "
            f"work; if one is a typo, fix it to the nbgrader id and export again: "
            f"{', '.join(strangers)}"
        )
    unlisted = sorted(known - set(roster.rows))
    graded = {h.student for h in grades.hand_ins}
    if unlisted:
        fate = ("写进了文件但没有名单上的信息", "are in the sheet without the roster's details")
        if fmt != "excel":
            fate = ("没有写进文件", "were left out of the file")
        with_grades = [s for s in unlisted if s in graded]
        warnings.append(
            f"{len(unlisted)} 名学生不在 {roster.source} 里（其中 {len(with_grades)} 名有成绩），"
            f"{fate[0]}；把他们加进名单再导出 / {len(unlisted)} student(s) of the gradebook "
            f"({len(with_grades)} with grades) have no row in {roster.source} and {fate[1]}; add "
            f"them and export again: {', '.join(unlisted)}"
        )
    return warnings


def _guard_warning(fmt: str, unsafe: list[str], fix_zh: str, fix_en: str) -> list[str]:
    """The students left out because their only ids would need a formula guard."""
    if not unsafe:
        return []
    lms = FORMAT_NAMES[fmt]
    return [
        f"{len(unsafe)} 名学生的 {lms} 账号以 = + - @ 开头：表格软件会把它当公式运行，加上保护 "
        f"{lms} 又认不出，所以没有写进文件；{fix_zh} / {len(unsafe)} student(s) left out: their "
        f"{lms} id starts with = + - @, which a spreadsheet runs as a formula, and {lms} does not "
        f"match it guarded; {fix_en}: {', '.join(unsafe)}"
    ]


def _grid(
    grades: ClassGrades,
    students: Sequence[str],
    columns: Sequence[Column],
    excused: Collection[tuple[str, str]],
) -> list[tuple[str, list[Cell]]]:
    return [(s, [cell_for(grades, s, c, excused) for c in columns]) for s in students]


def _canvas_ids(roster: Roster, student: str) -> tuple[str, str, str]:
    canvas_id, sis_user, sis_login = (
        roster.value(student, column) for column in ROSTER_COLUMNS["canvas"]
    )
    if canvas_id and not canvas_id.isdigit():
        raise UsageError(
            f"{roster.source} 里 {student} 的 canvas_id 是 '{canvas_id}'，Canvas 的 ID 是数字 / "
            f"canvas_id of {student} in {roster.source} is '{canvas_id}', but Canvas ids are "
            "numbers (the ID column of Canvas's gradebook export); put logins in sis_login_id"
        )
    return canvas_id, sis_user, sis_login


def export_lms(
    fmt: str,
    grades: ClassGrades,
    roster: Roster | None = None,
    *,
    per_task: bool = False,
    missing: str = "zero",
    excused: Collection[tuple[str, str]] = frozenset(),
    feedback: bool = False,
) -> Export:
    """The import file for ``fmt`` (one of :data:`FORMATS`) with the class's grades.

    ``per_task``: one column per task (for an LMS instead of per assignment; Excel always has
    both). ``missing``: ``"zero"`` or ``"blank"`` for work never handed in. ``excused``:
    (student, assignment) pairs. ``feedback`` (Moodle only): a ``(Feedback)`` column beside each
    assignment saying where points were lost. Raises UsageError for a roster that cannot serve
    ``fmt`` (see :func:`check_request`).
    """
    check_request(fmt, roster, missing, feedback, per_task)
    builder = {
        "canvas": _canvas,
        "moodle": _moodle,
        "brightspace": _brightspace,
        "excel": _excel,
    }[fmt]
    return builder(grades, roster, per_task, missing, excused, feedback)


def _kept(grades: ClassGrades, roster: Roster, identified) -> tuple[list[str], list[str]]:
    """Students with an LMS id (``identified(student)`` is true), and those left out."""
    students = _students(grades, roster)
    kept = [s for s in students if identified(s)]
    return kept, [s for s in students if s not in kept]


def _canvas_finds(roster: Roster, student: str) -> bool:
    """Whether Canvas finds ``student`` by an id written as it is: its numeric ID, or an SIS id
    that needs no formula guard (Canvas compares them exactly; a guarded one would not match)."""
    canvas_id, sis_user, sis_login = _canvas_ids(roster, student)
    return bool(canvas_id) or any(v and not needs_guard(v) for v in (sis_user, sis_login))


def _canvas(grades, roster, per_task, missing, excused, feedback) -> Export:
    columns = columns_for(grades, per_task, totals=not per_task)
    identified, left_out = _kept(grades, roster, lambda s: any(_canvas_ids(roster, s)))
    kept = [s for s in identified if _canvas_finds(roster, s)]
    unsafe = [s for s in identified if s not in kept]
    rows = _grid(grades, kept, columns, excused)
    lines = [
        [*CANVAS_HEADER, *(c.label for c in columns)],
        [
            CANVAS_POINTS_POSSIBLE,
            *[""] * 4,
            *(points_text(c.max_points, GRADEBOOK_DECIMALS) for c in columns),
        ],
    ]
    for student, cells in rows:
        canvas_id, sis_user, sis_login = _canvas_ids(roster, student)
        lines.append(
            [
                _name(grades, roster, student) or student,
                canvas_id,
                sis_user,
                sis_login,
                roster.value(student, "section"),
                *(_cell_text(c, missing, "EX") for c in cells),
            ]
        )
    return Export(
        to_csv(lines),
        tuple(kept),
        (
            *_warnings("canvas", rows, left_out, roster, grades, per_task),
            *_guard_warning(
                "canvas",
                unsafe,
                "在名单里补上他们的 canvas_id",
                "add their canvas_id to the roster",
            ),
        ),
        "Canvas：成绩册 → 导入，核对预览后确认 / Canvas: Gradebook → Import, check the preview, "
        "then confirm",
    )


def _lost_points(grades: ClassGrades, student: str, assignment: str, cell: Cell) -> str:
    """Moodle feedback for an assignment: which tasks lost points, or why there is no score."""
    if cell.state != GRADED:
        return STATE_NOTES[cell.state]
    hand_in = grades.hand_in(student, assignment)
    assert hand_in is not None  # cell_for() says GRADED only of a hand-in
    plan = next(a for a in grades.assignments if a.name == assignment)
    got = {t.grade_id: hand_in.points.get(t.grade_id) or 0.0 for t in plan.tasks}
    lost = [
        f"{t.grade_id} {points_text(got[t.grade_id])}/{points_text(t.max_points)}"
        for t in plan.tasks
        if got[t.grade_id] < t.max_points
    ]
    if hand_in.penalty:
        lost.append(f"迟交扣分 late penalty {points_text(hand_in.penalty)}")
    return f"丢分 lost points: {'; '.join(lost)}" if lost else "满分 full marks"


def _moodle_key(grades: ClassGrades, roster: Roster) -> str:
    """The roster column Moodle finds students by: the first it has, unless some of its ids need
    a formula guard (Moodle compares ids exactly, so a guarded one is not found); then the one
    whose ids find the most students as they are (the first of those)."""
    present = [c for c in ROSTER_COLUMNS["moodle"] if c in roster.columns]
    students = _students(grades, roster)
    if not any(needs_guard(roster.value(s, present[0])) for s in students):
        return present[0]

    def found(column: str) -> int:
        return sum(
            bool(v) and not needs_guard(v) for v in (roster.value(s, column) for s in students)
        )

    return max(present, key=found)


def _moodle(grades, roster, per_task, missing, excused, feedback) -> Export:
    key = _moodle_key(grades, roster)
    header, map_to = MOODLE_IDENTIFIERS[key]
    columns = columns_for(grades, per_task, totals=not per_task)
    identified, left_out = _kept(grades, roster, lambda s: bool(roster.value(s, key)))
    kept = [s for s in identified if not needs_guard(roster.value(s, key))]
    unsafe = [s for s in identified if s not in kept]
    rows = _grid(grades, kept, columns, excused)
    head = [header]
    for column in columns:
        head.append(f"{column.label} (Real)")
        if feedback and column.grade_id is None:
            head.append(f"{column.label} (Feedback)")
    lines = [head]
    for student, cells in rows:
        line = [roster.value(student, key)]
        for column, cell in zip(columns, cells, strict=True):
            line.append(_cell_text(cell, missing))
            if feedback and column.grade_id is None:
                line.append(_lost_points(grades, student, column.assignment, cell))
        lines.append(line)
    return Export(
        to_csv(lines),
        tuple(kept),
        (
            *_warnings("moodle", rows, left_out, roster, grades, per_task),
            *_guard_warning(
                "moodle",
                unsafe,
                "在名单里加一列不以这些符号开头的 idnumber 或 email，或在 Moodle 里手动录入",
                "add an idnumber or email column whose ids do not start so, or enter their "
                "grades in Moodle by hand",
            ),
        ),
        f"Moodle：成绩 → 导入 → CSV 文件（编码 UTF-8），Map from “{header}” → Map to “{map_to}”，"
        f"每列选对应的成绩项 / Moodle: Grades → Import → CSV file (encoding UTF-8), map from "
        f"'{header}' to '{map_to}', then pick the grade item for each column",
    )


def _brightspace(grades, roster, per_task, missing, excused, feedback) -> Export:
    keys = [c for c in ROSTER_COLUMNS["brightspace"] if c in roster.columns]
    columns = columns_for(grades, per_task, totals=not per_task)
    kept, left_out = _kept(grades, roster, lambda s: any(roster.value(s, k) for k in keys))
    rows = _grid(grades, kept, columns, excused)
    lines = [
        [
            *(BRIGHTSPACE_IDENTIFIERS[k] for k in keys),
            *(f"{c.label} Points Grade" for c in columns),
            BRIGHTSPACE_END,
        ]
    ]
    for student, cells in rows:
        ids = [roster.value(student, k) for k in keys]
        lines.append(
            [
                *(f"#{value}" if value else "" for value in ids),
                *(_cell_text(c, missing) for c in cells),
                "#",
            ]
        )
    return Export(
        to_csv(lines),
        tuple(kept),
        tuple(_warnings("brightspace", rows, left_out, roster, grades, per_task)),
        "Brightspace：成绩 → 输入成绩 → 导入 / Brightspace: Grades → Enter Grades → Import",
    )


def _excel(grades, roster, per_task, missing, excused, feedback) -> Export:
    columns = columns_for(grades, per_task=True, totals=True)
    students = _students(grades, roster)
    rows = _grid(grades, students, columns, excused)
    names = {s: _name(grades, roster, s) for s in students}
    with_names = any(names.values())
    lines = [
        [
            EXCEL_STUDENT,
            *([EXCEL_NAME] if with_names else []),
            *(c.label for c in columns),
            EXCEL_NOTES,
        ]
    ]
    for student, cells in rows:
        notes = [
            f"{column.assignment} {STATE_NOTES[cell.state]}"
            for column, cell in zip(columns, cells, strict=True)
            if column.grade_id is None and cell.state != GRADED
        ]
        lines.append(
            [
                student,
                *([names[student]] if with_names else []),
                *(_cell_text(c, missing, decimals=2) for c in cells),
                "; ".join(notes),
            ]
        )
    return Export(
        to_csv(lines, bom=True),
        tuple(students),
        tuple(_warnings("excel", rows, [], roster, grades, per_task)),
        "用 Excel 打开，按学号复制成绩列粘贴到教学平台 / open it in Excel and paste the grade "
        "columns into your platform by student id",
    )
