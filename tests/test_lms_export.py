"""``crmkit course export --format canvas|moodle|brightspace|excel``: files as importers read them.

A small class is written straight into a real nbgrader gradebook (students, submissions, points
per cell), then exported. The checks follow what each importer reads (see
``crmkit/grading/export/lms_export.py`` for where each rule comes from): Canvas's header and its
``Points Possible`` row, ``EX`` and blank cells; Moodle's ``(Real)`` columns read back the way its
CSV import maps them; Brightspace's ``#`` ids and ``End-of-Line Indicator``; Excel's BOM, a
column per task and formula-safe text; and the one-line error for a roster that lacks a column.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crmkit.cli import main as crmkit_main
from crmkit.errors import UsageError
from crmkit.grading.course_folder import in_course_folder
from crmkit.grading.export.class_grades import (
    AssignmentTasks,
    ClassGrades,
    HandIn,
    Task,
    read_class_grades,
)
from crmkit.grading.export.lms_export import (
    BRIGHTSPACE_END,
    CANVAS_HEADER,
    EXCEL_NOTES,
    EXCEL_STUDENT,
    export_lms,
    points_text,
)
from crmkit.grading.export.roster import parse_excused, parse_roster
from crmkit.grading.gradebook import open_gradebook
from crmkit.grading.safe_output.spreadsheet import excel_text
from crmkit.grading.steps import export_for_lms, export_grades

ZHANG, LI, WANG, ZHAO = "2023001", "2023002", "2023003", "2023004"
ROSTER = f"""\
student_id,name,canvas_id,sis_user_id,sis_login_id,section,username,org_defined_id,email,excused
{ZHANG},"=Zhang, San",41,S{ZHANG},zhangsan,CRM 1,zhangsan,00{ZHANG},zs@example.edu,
{LI},"Li, Si",42,S{LI},lisi,CRM 2,lisi,00{LI},ls@example.edu,loyalty
{ZHAO},"Zhao, Liu",44,S{ZHAO},zhaoliu,CRM 1,zhaoliu,00{ZHAO},zl@example.edu,
"""
# WANG hands in but is not in the roster; ZHAO is in the roster but never handed anything in.


def _grade(gradebook, assignment: str, student: str, points: dict[str, float | None]) -> None:
    """A submission with these points per grade id; cells not named get full marks."""
    submission = gradebook.update_or_create_submission(assignment, student)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            value = points.get(grade.name, grade.max_score)
            if grade.cell.cell_type == "markdown":
                grade.manual_score = value  # None: a written answer nobody has graded yet
            else:
                grade.auto_score = value
    gradebook.db.commit()


@pytest.fixture(scope="module")
def course(new_course, tmp_path_factory) -> Path:
    folder = new_course(tmp_path_factory.mktemp("lms") / "course")
    with in_course_folder(folder), open_gradebook(folder) as gradebook:
        for student, first, last in (
            (ZHANG, "San", "Zhang"),
            (LI, "Si", "Li"),
            (WANG, "Wu", "Wang"),
        ):
            gradebook.update_or_create_student(student, first_name=first, last_name=last)
        _grade(gradebook, "segmentation", ZHANG, {"rfm_tests": 0, "discussion": 2})
        _grade(gradebook, "complaints", ZHANG, {"discussion": None})  # still to grade by hand
        _grade(gradebook, "segmentation", LI, {"tiers_tests": 1.5})
        _grade(gradebook, "complaints", LI, {})
        _grade(gradebook, "loyalty", LI, {"nps_tests": 0})  # excused in the roster all the same
        _grade(gradebook, "segmentation", WANG, {})
    return folder


@pytest.fixture(scope="module")
def roster_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    path.write_bytes(("\ufeff" + ROSTER).encode("utf-8"))  # as Excel saves "CSV UTF-8"
    return path


@pytest.fixture(scope="module")
def grades(course) -> ClassGrades:
    return read_class_grades(course)


def export(course, roster_file, tmp_path, fmt, **options):
    destination, result = export_for_lms(
        course, tmp_path / f"{fmt}.csv", fmt, roster_file=roster_file, **options
    )
    return destination.read_bytes(), result


def rows_of(data: bytes, bom: bool = False) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf") is bom
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def expected_total(grades: ClassGrades, student: str, assignment: str) -> float | None:
    hand_in = grades.hand_in(student, assignment)
    return 0.0 if hand_in is None else hand_in.total()


# --- reading the gradebook ---------------------------------------------------------------


def test_the_gradebook_is_read_as_tasks_in_notebook_order_and_points(grades):
    segmentation = next(a for a in grades.assignments if a.name == "segmentation")
    ids = [t.grade_id for t in segmentation.tasks]
    assert ids[0] == "rfm_tests" and ids[-1] == "discussion" and "tiers_tests" in ids
    assert segmentation.max_points == 20
    assert grades.hand_in(ZHANG, "segmentation").total() == 20 - 2 - 1  # rfm 0/2, discussion 2/3
    assert grades.hand_in(LI, "segmentation").total() == 20 - 1.5
    pending = grades.hand_in(ZHANG, "complaints")
    assert pending.pending and pending.total() is None
    assert grades.hand_in(ZHANG, "loyalty") is None
    assert grades.names[ZHANG] == "San Zhang"


# --- Canvas --------------------------------------------------------------------------------


def canvas_accepts_header(row: list[str]) -> bool:
    """canvas-lms ``GradebookImporter#header?`` with ``#update_column_count`` (no custom columns):
    the first two columns name Student and ID, and the last student column is Section."""
    if not (len(row) > 3 and "Student" in row[0] and "ID" in row[1]):
        return False
    columns = 3
    if re.search(r"SIS\s+Login\s+ID", row[2]):
        columns += 1
    elif re.search(r"SIS\s+User\s+ID", row[2]) and re.search(r"SIS\s+Login\s+ID", row[3]):
        extra = 1 if re.search(r"Integration\s+ID", row[4]) else 0
        columns += 2 + extra
        if re.search(r"Root\s+Account", row[4 + extra]):
            columns += 1
    return "Section" in row[columns - 1]


def test_canvas_file_has_the_header_points_possible_ex_and_blanks(
    course, roster_file, tmp_path, grades
):
    data, result = export(course, roster_file, tmp_path, "canvas")
    rows = rows_of(data)  # UTF-8, no byte-order mark
    header, points_possible, *students = rows
    assert header == [*CANVAS_HEADER, "complaints", "loyalty", "segmentation"]
    assert canvas_accepts_header(header)
    assert not canvas_accepts_header([c for c in header if c != "Section"])
    assert points_possible == ["Points Possible", "", "", "", "", "14", "19", "20"]
    assert all(len(row) == len(header) for row in rows)
    by_student = {row[3]: dict(zip(header, row, strict=True)) for row in students}
    assert set(by_student) == {"zhangsan", "lisi", "zhaoliu"}  # WANG is not in the roster
    zhang = by_student["zhangsan"]
    assert zhang["Student"] == "'=Zhang, San" and zhang["ID"] == "41"  # not a formula
    assert zhang["SIS User ID"] == f"S{ZHANG}" and zhang["Section"] == "CRM 1"
    assert zhang["complaints"] == ""  # written answer still to grade by hand: no score yet
    assert zhang["loyalty"] == "0"  # never handed in (default --missing zero)
    segmentation = expected_total(grades, ZHANG, "segmentation")
    assert zhang["segmentation"] == points_text(segmentation) == "17"
    assert by_student["lisi"]["loyalty"] == "EX"
    assert by_student["lisi"]["segmentation"] == "18.5"
    assert [by_student["zhaoliu"][a] for a in ("complaints", "loyalty", "segmentation")] == [
        "0"
    ] * 3
    pending, stranger, left_out = result.warnings
    assert "still to grade by hand" in pending and ZHANG in pending
    assert stranger.endswith(f"match no student in the gradebook and were exported as missing "
                             f"work; if one is a typo, fix it to the nbgrader id and export "
                             f"again: {ZHAO}")  # fmt: skip
    assert "left out" in left_out and WANG in left_out and "roster.csv" in left_out
    assert "1 with grades" in left_out


def test_canvas_can_leave_missing_work_blank(course, roster_file, tmp_path):
    data, _ = export(course, roster_file, tmp_path, "canvas", missing="blank")
    header, _, *students = rows_of(data)
    zhao = next(dict(zip(header, row, strict=True)) for row in students if row[1] == "44")
    assert [zhao[a] for a in ("complaints", "loyalty", "segmentation")] == ["", "", ""]


def test_canvas_ids_must_be_numbers():
    roster = parse_roster("student_id,canvas_id\n2023001,zhangsan\n")
    grades = ClassGrades((), ("2023001",), {}, ())
    with pytest.raises(UsageError, match="canvas_id of 2023001"):
        export_lms("canvas", grades, roster)


# --- Moodle --------------------------------------------------------------------------------


def moodle_import(
    data: bytes, map_from: str, map_to: str, users: dict[str, str], items: dict[str, str]
) -> dict[tuple[str, str], float | None]:
    """What Moodle's CSV grade import (gradeimport_csv_load_data) stores from ``data``.

    The teacher maps column ``map_from`` to ``map_to`` (username, useridnumber or useremail) and
    each column to a grade item (``items``: header -> item); other columns are ignored. ``users``
    maps the chosen user field to Moodle's user id. As in Moodle: the byte-order mark is dropped,
    headers are trimmed, every line has as many fields as the header, an unknown user aborts
    the whole import, ``""`` or ``-`` is no grade and anything else must be a number.
    """
    text = data.decode("utf-8")
    text = text.removeprefix("\ufeff")
    header, *lines = list(csv.reader(io.StringIO(text.strip())))
    header = [h.strip() for h in header]
    assert all(len(line) == len(header) for line in lines), "csvweirdcolumns"
    assert map_to in ("username", "useridnumber", "useremail")
    stored = {}
    for line in lines:
        values = dict(zip(header, (v.strip() for v in line), strict=True))
        if values[map_from] not in users:
            raise LookupError(f"usermappingerror: {values[map_from]}")
        user = users[values[map_from]]
        for column, item in items.items():
            value = values[column]
            stored[(user, item)] = None if value in ("", "-") else float(value)
    return stored


def test_moodle_real_columns_round_trip(course, roster_file, tmp_path, grades):
    data, result = export(course, roster_file, tmp_path, "moodle")
    header, *_ = rows_of(data)
    assert header == ["Username", "complaints (Real)", "loyalty (Real)", "segmentation (Real)"]
    items = {h: h.removesuffix(" (Real)") for h in header[1:]}  # the teacher's mapping
    users = {"zhangsan": ZHANG, "lisi": LI, "zhaoliu": ZHAO}
    stored = moodle_import(data, "Username", "username", users, items)
    excused = {(LI, "loyalty")}
    expected = {
        (student, assignment): None
        if (student, assignment) in excused
        else expected_total(grades, student, assignment)
        for student in users.values()
        for assignment in items.values()
    }
    assert stored == expected
    assert stored[(ZHANG, "complaints")] is None  # pending: Moodle records no grade
    assert "map from 'Username' to 'username'" in result.hint
    assert any("excused" in w and "Excluded" in w for w in result.warnings)


def test_moodle_task_columns_and_feedback_round_trip(course, roster_file, tmp_path, grades):
    data, _ = export(course, roster_file, tmp_path, "moodle", per_task=True)
    header, *_ = rows_of(data)
    assert "segmentation: rfm_tests (Real)" in header and "segmentation (Real)" not in header
    items = {h: h.removesuffix(" (Real)") for h in header[1:]}
    users = {"zhangsan": ZHANG, "lisi": LI, "zhaoliu": ZHAO}
    stored = moodle_import(data, "Username", "username", users, items)
    assert stored[(ZHANG, "segmentation: rfm_tests")] == 0
    assert stored[(ZHANG, "segmentation: discussion")] == 2
    assert stored[(ZHANG, "complaints: discussion")] is None
    assert stored[(ZHANG, "complaints: service_tests")] == 3

    data, _ = export(course, roster_file, tmp_path, "moodle", feedback=True)
    header, *students = rows_of(data)
    at = header.index("segmentation (Real)")
    assert header[at + 1] == "segmentation (Feedback)"  # feedback beside its grade column
    zhang = dict(zip(header, students[0], strict=True))
    assert "rfm_tests 0/2" in zhang["segmentation (Feedback)"]
    assert zhang["complaints (Feedback)"].startswith("待评")


def test_moodle_feedback_goes_with_assignment_columns_only(grades):
    roster = parse_roster(f"student_id,username\n{ZHANG},zhangsan\n")
    with pytest.raises(UsageError, match="--tasks"):
        export_lms("moodle", grades, roster, per_task=True, feedback=True)
    with pytest.raises(UsageError, match="moodle only"):
        export_lms("excel", grades, roster, feedback=True)


def test_moodle_uses_the_first_identifier_the_roster_has(grades):
    roster = parse_roster(f"student_id,email\n{ZHANG},zs@example.edu\n")
    result = export_lms("moodle", grades, roster)
    header, row = rows_of(result.data)[:2]
    assert header[0] == "Email address" and row[0] == "zs@example.edu"
    assert "'useremail'" in result.hint


# --- Brightspace ---------------------------------------------------------------------------


def test_brightspace_file_has_hash_ids_points_grade_and_end_of_line(course, roster_file, tmp_path):
    data, _ = export(course, roster_file, tmp_path, "brightspace")
    header, *students = rows_of(data)
    assert header == [
        "OrgDefinedId",
        "Username",
        "complaints Points Grade",
        "loyalty Points Grade",
        "segmentation Points Grade",
        BRIGHTSPACE_END,
    ]
    assert all(len(row) == len(header) and row[-1] == "#" for row in students)
    zhang = dict(zip(header, students[0], strict=True))
    assert zhang["OrgDefinedId"] == f"#00{ZHANG}" and zhang["Username"] == "#zhangsan"
    assert zhang["segmentation Points Grade"] == "17" and zhang["complaints Points Grade"] == ""
    li = dict(zip(header, students[1], strict=True))
    assert li["loyalty Points Grade"] == ""  # excused: exempt it in Brightspace


# --- Excel ---------------------------------------------------------------------------------


def test_excel_sheet_has_bom_a_column_per_task_notes_and_safe_text(course, roster_file, tmp_path):
    data, result = export(course, roster_file, tmp_path, "excel")
    header, *students = rows_of(data, bom=True)
    assert header[:2] == [EXCEL_STUDENT, "姓名 name"] and header[-1] == EXCEL_NOTES
    assert header[2] == "complaints" and "complaints: discussion" in header
    assert header.index("segmentation") < header.index("segmentation: rfm_tests")
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in students}
    assert set(by_id) == {ZHANG, LI, WANG, ZHAO}  # no LMS ids needed: everyone is in it
    zhang = by_id[ZHANG]
    assert zhang["姓名 name"] == "'=Zhang, San"  # not a formula
    assert zhang["segmentation"] == "17" and zhang["segmentation: rfm_tests"] == "0"
    assert zhang["complaints"] == "" and zhang["complaints: discussion"] == ""
    assert zhang["complaints: service_tests"] == "3"
    assert zhang[EXCEL_NOTES] == "complaints 待评 pending; loyalty 缺交 missing"
    assert by_id[LI]["loyalty"] == "" and by_id[LI][EXCEL_NOTES] == "loyalty 免做 excused"
    assert by_id[WANG]["姓名 name"] == "Wu Wang"  # the gradebook's name when the roster has none
    assert not any("left out" in w for w in result.warnings)
    [unlisted] = [w for w in result.warnings if "no row in roster.csv" in w]
    assert unlisted.endswith(f"are in the sheet without the roster's details; add them and "
                             f"export again: {WANG}")  # fmt: skip


def test_excel_text_guards_formula_starts():
    assert [excel_text(t) for t in ("=1+1", "+86", "-x", "@a", "张三", "")] == [
        "'=1+1",
        "'+86",
        "'-x",
        "'@a",
        "张三",
        "",
    ]


# --- roster and excused files ---------------------------------------------------------------


def test_roster_reads_bom_spaces_and_case():
    roster = parse_roster("\ufeff Student_ID , Username \n2023001, zhangsan \n\n")
    assert roster.columns == ("student_id", "username")
    assert roster.value("2023001", "username") == "zhangsan"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("id,username\n1,a\n", "no student_id column"),
        ("student_id,username\n1,a\n1,b\n", "appears twice"),
        ("", "is empty"),
    ],
)
def test_roster_problems_are_one_line_errors(text, fragment):
    with pytest.raises(UsageError, match=fragment) as error:
        parse_roster(text)
    assert "\n" not in str(error.value)


def test_excused_file_names_known_assignments():
    known = ["complaints", "loyalty", "segmentation"]
    assert parse_excused("student_id,assignment\n1,loyalty\n", known) == {("1", "loyalty")}
    with pytest.raises(UsageError, match="loyality"):
        parse_excused("student_id,assignment\n1,loyality\n", known)


def test_pure_export_of_a_made_up_class():
    grades = ClassGrades(
        (AssignmentTasks("quiz", (Task("q1", 1.0), Task("q2", 2.0))),),
        ("s1", "s2"),
        {},
        (HandIn("s1", "quiz", {"q1": 1.0, "q2": 0.5}, penalty=0.25),),
    )
    roster = parse_roster("student_id,org_defined_id\ns1,007\ns2,\n")
    result = export_lms("brightspace", grades, roster, missing="blank")
    assert rows_of(result.data) == [
        ["OrgDefinedId", "quiz Points Grade", BRIGHTSPACE_END],
        ["#007", "1.25", "#"],
    ]
    assert any("s2" in w and "left out" in w and "no Brightspace id" in w for w in result.warnings)


def test_a_roster_id_that_matches_no_student_is_named_and_a_student_without_a_row_too():
    grades = ClassGrades(
        (AssignmentTasks("quiz", (Task("q1", 1.0),)),),
        ("2023001", "2023002"),
        {},
        (HandIn("2023001", "quiz", {"q1": 1.0}), HandIn("2023002", "quiz", {"q1": 0.5})),
    )
    roster = parse_roster("student_id,canvas_id\n2023001,41\n2023020,42\n")  # 02 mistyped
    result = export_lms("canvas", grades, roster)
    assert [row[1:] for row in rows_of(result.data)[2:]] == [
        ["41", "", "", "", "1"],
        ["42", "", "", "", "0"],
    ]
    [stranger] = [w for w in result.warnings if "match no student" in w]
    assert stranger.endswith(": 2023020") and "1 个学号" in stranger
    [unlisted] = [w for w in result.warnings if "no row in roster.csv" in w]
    assert "(1 with grades)" in unlisted and unlisted.endswith(": 2023002")
    assert "left out of the file" in unlisted


def test_lms_files_keep_the_gradebooks_precision_and_people_read_two_decimals():
    grades = ClassGrades(
        (AssignmentTasks("quiz", (Task("q1", 1.0), Task("q2", 3.0))),),
        ("s1",),
        {},
        (HandIn("s1", "quiz", {"q1": 0.6667, "q2": 2.1429}),),
    )
    roster = parse_roster(
        "student_id,canvas_id,username,org_defined_id\ns1,41,ada,007\n", "roster.csv"
    )
    canvas = rows_of(export_lms("canvas", grades, roster).data)
    assert canvas[2][-1] == "2.8096"
    moodle = rows_of(export_lms("moodle", grades, roster, feedback=True).data)
    assert moodle[1] == ["ada", "2.8096", "丢分 lost points: q1 0.67/1; q2 2.14/3"]
    tasks = rows_of(export_lms("brightspace", grades, roster, per_task=True).data)
    assert tasks[1][2:4] == ["0.6667", "2.1429"]
    header, row = rows_of(export_lms("excel", grades, roster).data, bom=True)
    assert dict(zip(header, row, strict=True)) == {
        EXCEL_STUDENT: "s1",
        "quiz": "2.81",
        "quiz: q1": "0.67",
        "quiz: q2": "2.14",
        EXCEL_NOTES: "",
    }


# --- the command ----------------------------------------------------------------------------


def run_crmkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crmkit", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("fmt", "roster", "fragments"),
    [
        ("moodle", "student_id,name\n2023001,Zhang\n", ("username or idnumber or email", "Moodle")),
        ("brightspace", "student_id,email\n2023001,a@b\n", ("org_defined_id or username",)),
        ("canvas", "name,canvas_id\nZhang,41\n", ("student_id",)),
    ],
)
def test_a_roster_without_the_needed_column_is_one_line_exit_2(
    course, tmp_path, fmt, roster, fragments
):
    path = tmp_path / "roster.csv"
    path.write_text(roster, encoding="utf-8")
    target = tmp_path / "out.csv"
    result = run_crmkit(
        "course",
        "export",
        "--course",
        str(course),
        "--format",
        fmt,
        "--roster",
        str(path),
        "--to",
        str(target),
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    for fragment in fragments:
        assert fragment in message
    assert not target.exists()


def test_an_lms_format_without_a_roster_says_what_to_add(course, tmp_path, capsys):
    status = crmkit_main(["course", "export", "--course", str(course), "--format", "canvas"])
    assert status == 2
    assert "--roster FILE" in capsys.readouterr().err


def test_export_command_writes_the_file_and_prints_warnings(course, roster_file, tmp_path, capsys):
    target = tmp_path / "grades_moodle.csv"
    args = ["course", "export", "segmentation", "--course", str(course), "--format", "moodle"]
    status = crmkit_main([*args, "--roster", str(roster_file), "--to", str(target)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert rows_of(target.read_bytes())[0] == ["Username", "segmentation (Real)"]
    assert "left out" in out and WANG in out
    assert "3 student(s) exported" in out and "Map from" in out


def test_generic_export_refuses_lms_options(course, roster_file, capsys):
    args = ["course", "export", "--course", str(course), "--roster", str(roster_file)]
    assert crmkit_main(args) == 2
    assert "--format canvas|moodle|brightspace|excel" in capsys.readouterr().err


# --- formula guard: every cell of every file, and each LMS still finds the student -----------
#
# Ids a student can influence (usernames, LMS names) may start with = + - @, which a spreadsheet
# runs as a formula when the instructor opens the file. Each check below reads the file the way
# the LMS's importer reads it (see docs/lms_export.md, "Formula guard"), so a guard that would
# stop the LMS finding the student fails here.

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARDED = ("=1+2", "-2+3", "@SUM(1+1)", "+cmd")
# nbgrader id -> the LMS's own record of that student
LMS_SIDE = {
    "s1": {"canvas_id": "51", "sis_user_id": "=1+2", "sis_login_id": "-2+3", "name": "@SUM(1+1)"},
    "s2": {"canvas_id": "", "sis_user_id": "S2", "sis_login_id": "+cmd", "name": "=Li"},
    "s3": {"canvas_id": "", "sis_user_id": "", "sis_login_id": "@c", "name": "Wang"},
    "s4": {"canvas_id": "54", "sis_user_id": "S4", "sis_login_id": "zhao", "name": "Zhao"},
}
GUARD_CLASS = ClassGrades(
    (AssignmentTasks("quiz", (Task("q1", 1.0), Task("q2", 2.0))),),
    ("s1", "s2", "s3", "s4"),
    {},
    tuple(HandIn(s, "quiz", {"q1": 1.0, "q2": 1.5}) for s in ("s1", "s2", "s3", "s4")),
)


def formula_cells(rows: list[list[str]]) -> list[str]:
    def number(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    return [c for row in rows for c in row if c[:1] in FORMULA_STARTS and not number(c)]


def canvas_finds(row: dict[str, str], people: dict[str, dict[str, str]]) -> str | None:
    """canvas-lms ``GradebookImporter#process_student``: the Canvas ID, then SIS User ID, then
    SIS Login ID, then the name, each compared exactly (nothing stripped)."""
    for column, field in (
        ("ID", "canvas_id"),
        ("SIS User ID", "sis_user_id"),
        ("SIS Login ID", "sis_login_id"),
        ("Student", "name"),
    ):
        if row[column]:
            found = [s for s, p in people.items() if p[field] and p[field] == row[column]]
            if found:
                return found[0]
    return None


def test_canvas_guards_every_cell_and_finds_each_student_by_an_unguarded_id():
    roster = parse_roster(
        "student_id,name,canvas_id,sis_user_id,sis_login_id\n"
        + "".join(
            f'{s},"{p["name"]}",{p["canvas_id"]},"{p["sis_user_id"]}","{p["sis_login_id"]}"\n'
            for s, p in LMS_SIDE.items()
        )
    )
    result = export_lms("canvas", GUARD_CLASS, roster)
    header, _, *students = rows_of(result.data)
    assert not formula_cells([header, *students])
    found = {canvas_finds(dict(zip(header, row, strict=True)), LMS_SIDE) for row in students}
    assert found == {"s1", "s2", "s4"}  # s1 by its ID, s2 by its SIS User ID
    s1 = next(dict(zip(header, r, strict=True)) for r in students if r[1] == "51")
    assert s1["SIS User ID"] == "'=1+2" and s1["Student"] == "'@SUM(1+1)"  # guarded, shown
    # s3 has no id Canvas could match once guarded: left out and named, with what to add
    assert any("s3" in w and "canvas_id" in w for w in result.warnings), result.warnings


def test_moodle_uses_an_id_column_that_needs_no_guard_and_finds_everyone(grades):
    roster = parse_roster(
        "student_id,username,idnumber\n"
        + "".join(f'{s},"{p["sis_login_id"]}",{s.upper()}\n' for s, p in LMS_SIDE.items())
    )
    result = export_lms("moodle", GUARD_CLASS, roster)
    header, *students = rows_of(result.data)
    assert header[0] == "ID number" and "'useridnumber'" in result.hint
    assert not formula_cells([header, *students])
    users = {s.upper(): s for s in LMS_SIDE}
    stored = moodle_import(result.data, "ID number", "useridnumber", users, {"quiz (Real)": "quiz"})
    assert {user for user, _ in stored} == set(LMS_SIDE)


def test_moodle_leaves_out_a_student_whose_only_id_needs_a_guard():
    roster = parse_roster(
        "student_id,username\n"
        + "".join(f'{s},"{p["sis_login_id"]}"\n' for s, p in LMS_SIDE.items())
    )
    result = export_lms("moodle", GUARD_CLASS, roster)
    rows = rows_of(result.data)
    assert not formula_cells(rows)
    stored = moodle_import(
        result.data, "Username", "username", {"@c": "s3", "zhao": "s4"}, {"quiz (Real)": "quiz"}
    )
    assert {user for user, _ in stored} == {"s4"} and set(result.students) == {"s4"}
    warning = next(w for w in result.warnings if "s1" in w)
    assert all(s in warning for s in ("s1", "s2", "s3")) and "formula" in warning


def test_moodle_switches_id_column_only_to_find_more_students():
    roster = parse_roster(
        "student_id,username,idnumber\ns1,-bob,\ns2,li,\ns3,wang,S3\ns4,zhao,S4\n"
    )
    result = export_lms("moodle", GUARD_CLASS, roster)
    assert rows_of(result.data)[0][0] == "Username" and result.students == ("s2", "s3", "s4")
    assert any("s1" in w and "formula" in w for w in result.warnings)


def test_brightspace_hash_guard_is_dropped_on_import_and_finds_everyone():
    roster = parse_roster(
        "student_id,org_defined_id,username\n"
        + "".join(
            f'{s},"{p["sis_user_id"] or s}","{p["sis_login_id"]}"\n' for s, p in LMS_SIDE.items()
        )
    )
    header, *students = rows_of(export_lms("brightspace", GUARD_CLASS, roster).data)
    assert not formula_cells([header, *students])
    # Brightspace drops the # before an id (UW-Madison KB 4330) and matches the rest exactly
    read = {row[1].removeprefix("#") for row in students}
    assert read == {p["sis_login_id"] for p in LMS_SIDE.values()}
    assert "#=1+2" in {row[0] for row in students}


def test_excel_guards_ids_and_names_and_they_read_back_as_written():
    roster = parse_roster("student_id,name\n" + "".join(f'"{g}","{g}"\n' for g in GUARDED))
    grades = ClassGrades(GUARD_CLASS.assignments, GUARDED, {}, ())
    header, *students = rows_of(export_lms("excel", grades, roster).data, bom=True)
    assert not formula_cells([header, *students])
    assert sorted(row[0].removeprefix("'") for row in students) == sorted(GUARDED)


def test_cells_are_inert_as_well_as_guarded():
    roster = parse_roster('student_id,name\ns1,"Zhang\x1b]0;t\x07 \u202eevil"\n')
    grades = ClassGrades(GUARD_CLASS.assignments, ("s1",), {}, ())
    text = export_lms("excel", grades, roster).data.decode("utf-8-sig")
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "Zhang\\x1b]0;t\\x07 \\u202eevil" in text


def test_generic_export_is_nbgraders_with_every_cell_guarded(course, tmp_path):
    """nbgrader's own CSV export (its rows, its zero for missing work), every text cell guarded
    and quoted where needed, so a comma in a name cannot shift a column either."""
    with in_course_folder(course), open_gradebook(course) as gradebook:
        gradebook.update_or_create_student("=1+2", first_name="-x, y", last_name="@z", email="+e")
    try:
        path = export_grades(course, tmp_path / "grades.csv")
        header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert header[:4] == ["assignment", "duedate", "timestamp", "student_id"]
        assert all(len(row) == len(header) for row in rows) and not formula_cells(rows)
        evil = [dict(zip(header, r, strict=True)) for r in rows if r[3] == "'=1+2"]
        assert len(evil) == 3 and evil[0]["first_name"] == "'-x, y" and evil[0]["score"] == "0.0"
        zhang = next(dict(zip(header, r, strict=True)) for r in rows
                     if r[3] == ZHANG and r[0] == "segmentation")  # fmt: skip
        assert zhang["score"] == "17.0" and zhang["first_name"] == "San"
    finally:
        with in_course_folder(course), open_gradebook(course) as gradebook:
            gradebook.remove_student("=1+2")
