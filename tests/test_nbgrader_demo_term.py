"""The whole term end to end: ``crmkit course demo``, then report, feedback, export and
one-student grading.

The demo generates the course into a scratch folder, enrolls a made-up class, hands in a seeded
spread of submissions (solutions, partly solved, typical mistakes, blank, one missing, one
attempt to cheat the grader, and copied work), autogrades them with real nbgrader in parallel
sandboxed kernels, writes feedback and the report. A class of eight, the smallest that copies,
keeps this module near a minute; the plan of the default class of twelve is checked without
grading it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from course_cli import crmkit
from graded_cells import cell_errors

from crmkit.errors import CrmkitError, UsageError
from crmkit.grading import scores as grades
from crmkit.grading.demo.class_term import (
    CLASS_SIZE,
    COPY_MIN_CLASS_SIZE,
    DEMO_SEED,
    class_roster,
    plan_class,
)
from crmkit.grading.demo.copies import COPY_KINDS, OWN_SHORT, PASTED, PUBLISHED_COPY
from crmkit.grading.demo.mistakes import CODE_MISTAKES, WIDGET_MISTAKES
from crmkit.grading.report import REASON_MISSING, REASON_TAMPER
from crmkit.grading.submissions import notebook_path, read_notebook

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
ASSIGNMENTS = ["complaints", "loyalty", "segmentation"]
CLASS = COPY_MIN_CLASS_SIZE
PLAN = plan_class(ASSIGNMENTS, CLASS, DEMO_SEED)
FIXTURES = REPO / "exercises" / "answers" / "wrong"


def of_kind(kind: str) -> list[tuple[str, str]]:
    return [(p.student, p.assignment) for p in PLAN if p.kind == kind]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    """The demo course, graded once: its folder and what the command printed."""
    import contextlib
    import io

    folder = tmp_path_factory.mktemp("demo") / "course-demo"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = crmkit(
            "course",
            "demo",
            "--course",
            str(COURSE),
            "--dir",
            str(folder),
            "--students",
            str(CLASS),
        )
    assert status == 0, printed.getvalue()
    return folder, printed.getvalue()


def score_of(folder: Path, student: str, assignment: str) -> grades.Score:
    return next(
        s for s in grades.scores(folder) if s.student == student and s.assignment == assignment
    )


def report_rows(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((folder / "reports" / "scores.csv").open(encoding="utf-8-sig")))


# ---------------------------------------------------------------- the plan (no grading)


@pytest.mark.parametrize("size", [CLASS, 8, CLASS_SIZE, 30])
@pytest.mark.parametrize("seed", [DEMO_SEED, 1, 7])
def test_every_assignment_gets_the_whole_spread(size, seed):
    plan = plan_class(ASSIGNMENTS, size, seed)
    assert len(plan) == size * len(ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        kinds = {p.kind for p in plan if p.assignment == assignment}
        assert {"correct", "partial", "wrong", "blank"} <= kinds
    kinds = [p.kind for p in plan]
    assert kinds.count("tamper") == 1 and kinds.count("missing") == 1
    assert all(p.kind == "correct" for p in plan if p.student == "s01-wang")
    assert all(p.wrong_tasks for p in plan if p.kind == "wrong")


@pytest.mark.parametrize("size", [5, CLASS, CLASS_SIZE, 30])
def test_a_class_of_eight_or_more_copies_between_distinct_students(size):
    plan = plan_class(ASSIGNMENTS, size, DEMO_SEED)
    copies = [p for p in plan if p.kind in COPY_KINDS]
    if size < COPY_MIN_CLASS_SIZE:
        assert copies == []
        return
    single = (PASTED, PUBLISHED_COPY)  # one student; the other kinds are pairs
    assert sorted(p.kind for p in copies) == sorted(
        [*COPY_KINDS, *(k for k in COPY_KINDS if k not in single)]
    )
    assert "s01-wang" not in {p.student for p in copies}
    for assignment in ASSIGNMENTS:  # within an assignment, each student copies once at most
        students = [p.student for p in copies if p.assignment == assignment]
        assert len(set(students)) == len(students), assignment
    for entry in copies:
        partner = {p.student: p for p in copies if p.assignment == entry.assignment}.get(
            entry.partner
        )
        if entry.kind == PASTED:
            assert entry.partner != entry.student  # whose numbers: anyone else in the class
        elif entry.kind == PUBLISHED_COPY:
            assert entry.partner == ""  # the published solution, not a classmate
        else:
            assert partner.partner == entry.student and partner.first != entry.first


def test_wrong_submissions_make_different_mistakes_while_there_are_enough():
    for seed in range(20):
        plan = plan_class(ASSIGNMENTS, CLASS_SIZE, seed)
        for assignment, mistakes in CODE_MISTAKES.items():
            made = [
                p.wrong_tasks[0] for p in plan if p.kind == "wrong" and p.assignment == assignment
            ]
            if len(made) <= len(mistakes):
                assert len(set(made)) == len(made), (seed, assignment, made)


def test_the_plan_depends_only_on_the_seed():
    assert plan_class(ASSIGNMENTS, CLASS_SIZE, 5) == plan_class(ASSIGNMENTS, CLASS_SIZE, 5)
    assert plan_class(ASSIGNMENTS, CLASS_SIZE, 5) != plan_class(ASSIGNMENTS, CLASS_SIZE, 6)


def test_student_ids_look_real_and_are_ascii():
    roster = class_roster(CLASS_SIZE)
    assert roster[:3] == ["s01-wang", "s02-li", "s03-zhang"] and len(set(roster)) == CLASS_SIZE
    assert all(s.isascii() for s in roster)
    with pytest.raises(UsageError, match="5–99"):
        class_roster(2)


def test_the_demo_mistakes_are_vetted_wrong_answers_by_name():
    """tests/test_nbgrader_wrong_answers.py proves each answer in exercises/answers/wrong loses its
    task's points; the demo names the ones it hands in (never a junk one)."""
    for assignment, mistakes in CODE_MISTAKES.items():
        for mistake in mistakes:
            assert (FIXTURES / assignment / f"{mistake.name}.py").is_file(), mistake
            assert "__junk_" not in mistake.name
    for assignment, widget in WIDGET_MISTAKES.items():
        path = FIXTURES / assignment / f"{widget.name}.json"
        assert json.loads(path.read_text(encoding="utf-8"))["answers"], widget


# ---------------------------------------------------------------- the graded class


def test_demo_prints_scores_tamper_flags_and_where_the_report_is(demo):
    folder, printed = demo
    assert "学生 student" in printed and "自动分 auto" in printed
    for student in class_roster(CLASS):
        handed_in = sum(p.student == student and p.kind != "missing" for p in PLAN)
        assert sum(line.startswith(student) for line in printed.splitlines()) == handed_in
    [(student, assignment)] = of_kind("tamper")
    assert "需要查看 check" in printed and any(
        line.startswith(assignment) and student in line for line in printed.splitlines()
    )
    assert f"报告在 / report: {folder / 'reports' / 'report.html'}" in printed
    assert f"{CLASS} students" in printed and "1 missing" in printed and "1 flagged" in printed
    assert "integrity: 4 items of evidence" in printed  # the four planted copies
    # what to do next, for this course: grade the written answers, export the grades
    assert f"cd {folder} && jupyter lab" in printed and "Nbgrader › Formgrader" in printed
    assert f"`crmkit course export --course {folder} --format excel`" in printed


@pytest.mark.parametrize("student,assignment", of_kind("correct"))
def test_solutions_score_full_automatic_points(demo, student, assignment):
    score = score_of(demo[0], student, assignment)
    assert score.auto_max > 0 and score.auto_score == score.auto_max
    assert score.manual_score is None, "the discussion answer waits for the instructor"


@pytest.mark.parametrize("student,assignment", of_kind("blank"))
def test_release_notebooks_score_zero_and_autograde_without_crashing(demo, student, assignment):
    folder = demo[0]
    score = score_of(folder, student, assignment)
    assert score.auto_score == 0 and score.manual_score == 0
    errors = cell_errors(folder, assignment, student)
    # every test cell ran and failed on the missing answer, none on the grading machinery
    assert set(errors.values()) <= {"NameError", "NotImplementedError", "AssertionError"}, errors


def autograded_points(assignment: str) -> dict[str, float]:
    solution = read_notebook(notebook_path(COURSE, "source", assignment))
    return {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }


@pytest.mark.parametrize("student,assignment", of_kind("partial"))
def test_partly_solved_submissions_get_partial_credit(demo, student, assignment):
    folder = demo[0]
    score = score_of(folder, student, assignment)
    assert 0 < score.auto_score < score.auto_max
    points = autograded_points(assignment)
    cells = grades.cell_scores(folder, assignment, student)
    solved = [cell for cell in points if cells[cell] == points[cell]]
    assert solved == list(points)[: len(solved)], "the first tasks are solved, the rest are not"
    assert all(cells[cell] == 0 for cell in list(points)[len(solved) :])


@pytest.mark.parametrize(
    "entry", [p for p in PLAN if p.kind == "wrong"], ids=lambda p: f"{p.student}-{p.assignment}"
)
def test_typical_mistakes_lose_points_on_their_tasks_to_failed_checks(demo, entry):
    folder = demo[0]
    cells = grades.cell_scores(folder, entry.assignment, entry.student)
    errors = cell_errors(folder, entry.assignment, entry.student)
    points = autograded_points(entry.assignment)
    for task in entry.wrong_tasks:
        assert cells[f"{task}_tests"] < points[f"{task}_tests"], (task, cells)
        # caught by its checks (a partial score) or a requirement (AssertionError), never a crash
        assert errors.get(f"{task}_tests") in (None, "AssertionError"), (task, errors)
    others = [cell for cell in points if cell.removesuffix("_tests") not in entry.wrong_tasks]
    assert all(cells[cell] == points[cell] for cell in others), cells


def test_the_tamper_attempt_is_flagged_in_the_report(demo):
    folder, _ = demo
    [(student, assignment)] = of_kind("tamper")
    row = next(
        r for r in report_rows(folder) if (r["student"], r["assignment"]) == (student, assignment)
    )
    assert (
        row["needs_attention"].startswith(REASON_TAMPER)
        and "deleted or renamed" in row["needs_attention"]
    )
    # silencing errors earns no unsolved task, and the deleted test's points are not given away
    submitted = read_notebook(folder / "submitted" / student / assignment / f"{assignment}.ipynb")
    unsolved = [
        c.metadata["nbgrader"]["grade_id"].replace("_answer", "_tests")
        for c in submitted.cells
        if c.metadata.get("nbgrader", {}).get("solution") and "NotImplementedError" in c.source
    ]
    cells = grades.cell_scores(folder, assignment, student)
    # (an unsolved task whose test was deleted has no score at all: checked below)
    assert all(not cells.get(test) for test in unsolved), (unsolved, cells)
    deleted = set(autograded_points(assignment)) - {
        c.metadata.get("nbgrader", {}).get("grade_id") for c in submitted.cells
    }
    assert deleted and all(cells.get(test) is None for test in deleted), (deleted, cells)


def copied_pairs() -> set[tuple[str, str]]:
    return {
        tuple(sorted((p.student, p.partner)))
        for p in PLAN
        if p.kind in COPY_KINDS and p.kind not in (OWN_SHORT, PUBLISHED_COPY)
    }


def test_the_integrity_section_finds_the_four_copies_and_nobody_else(demo):
    folder, _ = demo
    rows = list(csv.DictReader((folder / "reports" / "integrity.csv").open(encoding="utf-8-sig")))
    # the published solution with the term's constants: one row, naming the student
    [published] = [r for r in rows if r["signal"] == "published_solution"]
    [copier] = [p for p in PLAN if p.kind == PUBLISHED_COPY]
    assert (published["student"], published["assignment"]) == (copier.student, copier.assignment)
    assert published["other"] == "(published)" and float(published["score"]) >= 0.9
    assert published["excerpt"] and published["other_excerpt"]
    rows = [r for r in rows if r["signal"] != "published_solution"]
    found = {
        (r["signal"], r["assignment"], r["task"], *sorted((r["student"], r["other"]))) for r in rows
    }
    planned = {
        (
            {"pasted": "other_data", "shared_code": "similar_code", "shared_text": "similar_text"}[
                p.kind
            ],
            p.assignment,
            p.task,
            *sorted((p.student, p.partner)),
        )  # fmt: skip
        for p in PLAN
        if p.kind in COPY_KINDS and p.kind not in (OWN_SHORT, PUBLISHED_COPY)
    }
    assert found == planned
    pasted = next(r for r in rows if r["signal"] == "other_data")
    student = next(p for p in PLAN if p.kind == PASTED)
    assert (pasted["student"], pasted["other"]) == (student.student, student.partner)
    honest = {tuple(sorted((p.student, p.partner))) for p in PLAN if p.kind == OWN_SHORT}
    assert len(honest) == 1 and not honest & {
        tuple(sorted((r["student"], r["other"]))) for r in rows
    }
    page = (folder / "reports" / "report.html").read_text(encoding="utf-8")
    for first, second in copied_pairs():
        assert first in page.split("诚信")[-1] and second in page.split("诚信")[-1]
    assert (
        copier.student in page.split("诚信")[-1] and "公开的参考答案 / published solution" in page
    )


@pytest.mark.parametrize(
    "entry", [p for p in PLAN if p.kind in COPY_KINDS], ids=lambda p: f"{p.student}-{p.kind}"
)
def test_copied_and_look_alike_work_is_graded_on_its_merits(demo, entry):
    """Copies that work on the student's own data earn their points; pasted numbers do not."""
    cells = grades.cell_scores(demo[0], entry.assignment, entry.student)
    points = autograded_points(entry.assignment)
    lost = {cell for cell in points if cells[cell] < points[cell]}
    assert lost == ({f"{entry.task}_tests"} if entry.kind == PASTED else set()), cells


def test_the_missing_submission_is_in_the_report_attention_list(demo):
    folder, _ = demo
    [(student, assignment)] = of_kind("missing")
    assert not (folder / "submitted" / student / assignment).exists()
    row = next(
        r for r in report_rows(folder) if (r["student"], r["assignment"]) == (student, assignment)
    )
    assert row["auto_score"] == "" and row["needs_attention"] == REASON_MISSING
    page = (folder / "reports" / "report.html").read_text(encoding="utf-8")
    attention = page.split("需要关注的学生 / Students who need attention")[1]
    assert f"<td>{student}</td><td>{assignment}</td><td>{REASON_MISSING}</td>" in attention


def test_report_files_exist_and_a_rerun_gives_the_same_bytes(demo, capsys):
    folder, _ = demo
    reports = folder / "reports"
    expected = {"report.html", "scores.csv", "items.csv", "integrity.csv"} | {
        f"{kind}_{a}.png" for kind in ("scores", "items") for a in ASSIGNMENTS
    }
    assert expected <= {p.name for p in reports.iterdir()}
    assert len(report_rows(folder)) == CLASS * len(ASSIGNMENTS)
    items = list(csv.DictReader((reports / "items.csv").open(encoding="utf-8-sig")))
    assert {i["assignment"] for i in items} == set(ASSIGNMENTS) and all(
        i["grade_id"].endswith("_tests") for i in items
    )
    # a sibling folder, so the links to the notebooks (relative to the report) are the same
    again = folder / "reports-again"
    assert crmkit("course", "report", "--course", str(folder), "--out", str(again)) == 0
    assert "报告在 / report:" in capsys.readouterr().out
    for name in expected:
        assert (again / name).read_bytes() == (reports / name).read_bytes(), name


def test_feedback_was_written_for_every_graded_submission(demo):
    folder = demo[0]
    for student, assignment in [(p.student, p.assignment) for p in PLAN if p.kind != "missing"]:
        page = folder / "feedback" / student / assignment / f"{assignment}.html"
        assert page.is_file(), (student, assignment)
        # markdown rendered, not shown as escaped tags (tests/test_feedback_browser.py looks)
        body = page.read_text(encoding="utf-8").split("<body", 1)[1]
        assert "&lt;h1" not in body and "&lt;p&gt;" not in body and "<h1" in body, page
        assert "VBox(children" not in body, page
    page = (folder / "feedback" / "s01-wang" / "segmentation" / "segmentation.html").read_text(
        encoding="utf-8"
    )
    # the total says what it holds, and the written answer waits for the instructor
    assert (
        "自动评分 17 / 17（书面回答待评，3 分）/ "
        "17 / 17 autograded (written answer pending, 3 points)" in page
    )
    assert "待评 / pending（满分 3 / out of 3）" in page and "Score: 0.0 / 3.0" not in page


def test_feedback_keeps_hidden_tests_hidden(demo):
    folder = demo[0]
    student = next(s for s, a in of_kind("blank") if a == "segmentation")
    blank = (folder / "feedback" / student / "segmentation" / "segmentation.html").read_text(
        encoding="utf-8"
    )
    assert (
        "BEGIN HIDDEN TESTS" not in blank
        and "_expected" not in blank
        and "student=course.student_id()" not in blank
    )
    assert "NotImplementedError" in blank  # the student still sees why a task scored 0
    assert "公开测试" in blank  # and the public tests they could run


def test_export_command_writes_one_row_per_student_and_assignment(demo, capsys):
    folder = demo[0]
    destination = folder / "grades.csv"
    assert crmkit("course", "export", "--course", str(folder), "--to", str(destination)) == 0
    rows = list(csv.DictReader(destination.open(encoding="utf-8")))
    assert len(rows) == CLASS * len(
        ASSIGNMENTS
    )  # the class is enrolled, so a missing one has a row too
    correct = {
        r["assignment"]: float(r["raw_score"]) for r in rows if r["student_id"] == "s01-wang"
    }
    assert correct == {"complaints": 11.0, "loyalty": 16.0, "segmentation": 17.0}
    assert "成绩已导出到 / grades exported to" in capsys.readouterr().out


def test_autograde_command_grades_only_the_named_student(demo, capsys):
    folder = demo[0]
    student, assignment = of_kind("blank")[0]
    before = {(s.student, s.assignment): s.auto_score for s in grades.scores(folder)}
    stamp = (
        (folder / "autograded" / "s01-wang" / assignment / f"{assignment}.ipynb").stat().st_mtime_ns
    )
    assert (
        crmkit("course", "autograde", "--course", str(folder), "--student", student, assignment)
        == 0
    )
    printed = capsys.readouterr().out
    assert student in printed and "s01-wang" not in printed
    assert (
        folder / "autograded" / "s01-wang" / assignment / f"{assignment}.ipynb"
    ).stat().st_mtime_ns == stamp
    assert {(s.student, s.assignment): s.auto_score for s in grades.scores(folder)} == before


def test_unknown_assignment_is_a_usage_error_naming_the_valid_ones(demo):
    with pytest.raises(UsageError, match="segmentation"):
        crmkit("course", "autograde", "--course", str(demo[0]), "segmentaton")
    with pytest.raises(UsageError, match="segmentation"):
        crmkit("course", "report", "--course", str(demo[0]), "segmentaton")


def test_autograde_of_a_missing_student_says_what_to_do(demo):
    with pytest.raises(CrmkitError, match="collect it first"):
        crmkit("course", "autograde", "--course", str(demo[0]), "--student", "nobody")


def test_demo_never_empties_a_folder_it_did_not_make(tmp_path):
    precious = tmp_path / "work"
    precious.mkdir()
    (precious / "thesis.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(CrmkitError, match="pass a new or empty --dir"):
        crmkit("course", "demo", "--course", str(COURSE), "--dir", str(precious))
    assert (precious / "thesis.txt").read_text(encoding="utf-8") == "keep me"


def test_a_folder_that_is_not_a_course_is_refused(tmp_path):
    with pytest.raises(CrmkitError, match="--course"):
        crmkit("course", "generate", "--course", str(tmp_path))
