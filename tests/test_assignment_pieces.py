"""The small pieces of the course: answer-key removal, tickets, tables, submissions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbgrader.converters import GenerateAssignment

from crmkit.course.tickets import STEPS, TICKETS, tickets_for
from crmkit.errors import CrmkitError, UsageError
from crmkit.grading import course_folder, tables
from crmkit.grading import scores as grades
from crmkit.grading.preprocessors import (
    AllowErrorsInTaskCells,
    ClearAnswerKeys,
    ShortenTestTracebacks,
    feedback_preprocessors,
    generate_preprocessors,
)
from crmkit.grading.preprocessors.answer_keys import remove_answer_key
from crmkit.grading.submissions import (
    graded_cell_ids,
    insert_cell_after,
    notebook_path,
    partly_solved,
    read_notebook,
    replace_solution,
)

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"


def test_answer_key_regions_are_removed_and_the_rest_kept():
    source = "w = make()\n### BEGIN ANSWER KEY\nw.preset(1)\n### END ANSWER KEY\nw"
    assert remove_answer_key(source) == ("w = make()\nw", True)
    assert remove_answer_key("x = 1") == ("x = 1", False)


@pytest.mark.parametrize(
    "broken",
    [
        "### BEGIN ANSWER KEY\nx",
        "x\n### END ANSWER KEY",
        "### BEGIN ANSWER KEY\n### BEGIN ANSWER KEY\n### END ANSWER KEY",
    ],
)
def test_unbalanced_answer_key_regions_are_errors(broken):
    with pytest.raises(RuntimeError):
        remove_answer_key(broken)


@pytest.mark.parametrize(
    "flags", [{"grade": True, "points": 1}, {"solution": True}, {"locked": True}]
)
def test_answer_keys_are_refused_in_cells_restored_from_the_gradebook(flags):
    meta = {
        "nbgrader": {
            "grade": False,
            "solution": False,
            "locked": False,
            "grade_id": "x",
            "schema_version": 3,
            **flags,
        }
    }
    cell = nbformat.v4.new_code_cell(
        "### BEGIN ANSWER KEY\nw.preset(1)\n### END ANSWER KEY", metadata=meta
    )
    with pytest.raises(RuntimeError, match="ordinary code cell"):
        ClearAnswerKeys().preprocess_cell(cell, {}, 0)


def test_generate_pipeline_is_nbgraders_own_plus_clear_answer_keys_before_saving():
    ours = generate_preprocessors()
    added = (ClearAnswerKeys, AllowErrorsInTaskCells)
    assert [p for p in ours if p not in added] == list(
        GenerateAssignment.class_traits()["preprocessors"].default()
    )
    names = [p.__name__ for p in ours]
    assert names.index("ClearAnswerKeys") < names.index("SaveCells")


def test_student_versions_of_task_cells_let_run_all_continue():
    meta = {
        "nbgrader": {
            "grade": False,
            "solution": True,
            "locked": False,
            "grade_id": "a",
            "schema_version": 3,
        }
    }
    answer = nbformat.v4.new_code_cell("raise NotImplementedError()", metadata=meta)
    plain = nbformat.v4.new_code_cell("widget")
    for cell in (answer, plain):
        AllowErrorsInTaskCells().preprocess_cell(cell, {}, 0)
    assert answer.metadata["tags"] == ["raises-exception"] and "tags" not in plain.metadata
    release = read_notebook(notebook_path(COURSE, "release", "segmentation"))
    source = read_notebook(notebook_path(COURSE, "source", "segmentation"))

    def tagged(nb):
        return [
            c.metadata.get("nbgrader", {}).get("grade_id")
            for c in nb.cells
            if "raises-exception" in c.metadata.get("tags", [])
        ]

    assert "rfm_answer" in tagged(release) and "rfm_tests" in tagged(release) and not tagged(source)


def test_feedback_shows_a_failed_test_as_its_message_only():
    meta = {
        "nbgrader": {
            "grade": True,
            "solution": False,
            "locked": True,
            "grade_id": "t",
            "points": 1,
            "schema_version": 3,
        }
    }
    cell = nbformat.v4.new_code_cell("assert x == secret_formula()", metadata=meta)
    cell.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="AssertionError",
            evalue="错 / wrong",
            traceback=["---> 1 assert x == secret_formula()", "AssertionError: 错 / wrong"],
        )
    ]
    ShortenTestTracebacks().preprocess_cell(cell, {}, 0)
    assert cell.outputs[0]["traceback"] == ["AssertionError: 错 / wrong"]
    names = [p.__name__ for p in feedback_preprocessors()]
    assert (
        names.index("GetGrades")
        < names.index("ClearHiddenTests")
        < names.index("ShortenTestTracebacks")
    )


def test_tickets_are_fixed_per_student_and_differ_between_students():
    alice = tickets_for("alice")
    assert alice.equals(tickets_for(" Alice "))  # same normalisation as the data
    assert list(alice.columns) == ["ticket_id", "text_zh", "text_en"] and len(alice) == 6
    assert set(alice["text_zh"]) <= {zh for zh, _ in TICKETS.values()}
    assert not set(alice["ticket_id"]) & set(TICKETS)  # the ids shown are not the pool's keys
    drawn = {tuple(tickets_for(f"s{i:03d}")["ticket_id"]) for i in range(40)}
    assert len(drawn) > 30
    assert len(STEPS) == 4


def test_tables_line_up_with_chinese_text():
    rows = [("张三", "10 / 14"), ("bob", "0 / 14")]
    lines = tables.format_table(["学生 student", "分 points"], rows).splitlines()
    first_column = tables.text_width("学生 student")
    assert lines[1].startswith("-" * first_column + "  ")
    for line, second in zip(
        [lines[0], *lines[2:]], ["分 points", *[r[1] for r in rows]], strict=True
    ):
        assert tables.text_width(line[: line.index(second)]) == first_column + 2, line


def test_score_table_marks_pending_written_answers_one_way_and_explains_it():
    rows = [
        grades.Score("a", "seg", 14, 14, None, 3),
        grades.Score("b", "seg", 7, 14, 0, 3),
        grades.Score("c", "seg", 14, 14, 2, 3),
    ]
    table = tables.score_table(rows)
    lines = table.splitlines()
    assert f"{grades.PENDING} / 3" in lines[2] and f"14 / 17（{grades.PENDING} 3）" in lines[2]
    assert (
        "0 / 3" in lines[3]
        and "7 / 17" in lines[3]
        and "2 / 3" in lines[4]
        and "16 / 17" in lines[4]
    )
    assert "—" not in table and lines[-1] == grades.PENDING_NOTE


def test_scores_show_two_decimals_at_most_and_keep_the_gradebooks_precision_for_files():
    assert [grades.points_text(v) for v in (14.8096, 0.6667, 2.1429, 17.0, 0.005, -0.0)] == [
        "14.81",
        "0.67",
        "2.14",
        "17",
        "0.01",
        "0",
    ]
    assert grades.points_text(2.1429, grades.GRADEBOOK_DECIMALS) == "2.1429"
    table = tables.score_table([grades.Score("a", "seg", 14.8096, 17, 0.6667, 3)])
    assert "14.81 / 17" in table and "0.67 / 3" in table and "15.48 / 20" in table
    assert "14.8096" not in table and "0.6667" not in table


def test_unknown_assignments_are_named_with_the_valid_ones():
    with pytest.raises(UsageError, match="Valid assignments: complaints, loyalty, segmentation"):
        course_folder.pick_assignments(COURSE, ["segmentaton"])
    assert course_folder.pick_assignments(COURSE, []) == ["complaints", "loyalty", "segmentation"]


def test_a_folder_without_nbgrader_config_is_not_a_course(tmp_path):
    with pytest.raises(CrmkitError, match="pass --course DIR"):
        course_folder.check_course_dir(tmp_path)
    assert course_folder.check_course_dir(COURSE) == COURSE.resolve()


def test_env_bin_goes_first_on_path(monkeypatch):
    import os
    import sys

    monkeypatch.setenv("PATH", "/usr/bin")
    course_folder.ensure_env_bin_on_path()
    assert os.environ["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


def test_a_partly_solved_notebook_keeps_the_first_half_of_the_solution():
    solution = read_notebook(notebook_path(COURSE, "source", "segmentation"))
    release = read_notebook(notebook_path(COURSE, "release", "segmentation"))
    half = partly_solved(solution, release)
    sources = [c.source for c in half.cells]
    assert sources[:6] == [c.source for c in solution.cells[:6]]
    assert sources[-3:] == [c.source for c in release.cells[-3:]]
    assert graded_cell_ids(half) == graded_cell_ids(solution)


def test_replacing_a_solution_keeps_the_lines_around_it():
    solution = read_notebook(notebook_path(COURSE, "source", "segmentation"))
    changed = replace_solution(solution, "rfm_answer", "rfm = None")
    cell = next(
        c for c in changed.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "rfm_answer"
    )
    assert cell.source.splitlines() == [
        (
            "# R 算到 REFERENCE_DAY（上面的只读格）/ "
            "R counts the days to REFERENCE_DAY (the read-only cell above)"
        ),
        "rfm = None",
        "rfm.head()",
    ]
    with pytest.raises(KeyError):
        replace_solution(solution, "no_such_cell", "")


def test_a_cell_can_be_added_after_a_task():
    solution = read_notebook(notebook_path(COURSE, "source", "segmentation"))
    added = insert_cell_after(solution, "load_data", "x = 1")
    index = [c.metadata.get("nbgrader", {}).get("grade_id") for c in added.cells].index("load_data")
    assert added.cells[index + 1].source == "x = 1" and len(added.cells) == len(solution.cells) + 1


def test_progress_off_a_terminal_is_a_line_per_ten_notebooks_or_per_assignment(capsys):
    """`make demo` in a log or CI: no bar, and no minute-long silence either."""
    from crmkit.progress import progress

    assert list(progress(list(range(25)), "autograde")) == list(range(25))
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        f"自动评分 / autograde: {n}/25 份 / notebooks" for n in (10, 20, 25)
    ]
    list(progress(["complaints", "loyalty"], "generate", "assignment"))
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "生成学生版 / generate: 1/2 个作业 / assignments",
        "生成学生版 / generate: 2/2 个作业 / assignments",
    ]
    list(progress(iter(range(13)), "feedback"))  # a total nobody knows: the last count too
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "写反馈 / feedback: 10 份 / notebooks",
        "写反馈 / feedback: 13 份 / notebooks",
    ]
    list(progress(range(13), "integrity", "variant"))
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "诚信检查 / integrity: 10/13 份学生数据 / students' data",
        "诚信检查 / integrity: 13/13 份学生数据 / students' data",
    ]
