"""The grader's small parts: test-cell declarations, reading submissions,
capping output, outcomes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from crmkit.course.checks import CHECKS_MIMETYPE
from crmkit.grading.run import answer_store, test_cells
from crmkit.grading.run.notebook_grading import MAX_WIDGET_BYTES, outcome_outputs, widget_answers
from crmkit.grading.run.submission_files import (
    MAX_FILE_BYTES,
    read_submission,
    submission_timestamp,
    write_files,
)
from crmkit.grading.safe_output.inert import inert
from crmkit.grading.safe_output.spreadsheet import csv_text, needs_guard, sheet_cell
from crmkit.grading.sandbox.executor import TRUNCATED, CellRun, Outputs

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["segmentation", "complaints", "loyalty"]


def cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    new = nbformat.v4.new_code_cell(source)
    if nbgrader:
        new.metadata["nbgrader"] = nbgrader
    return new


# ---------------------------------------------------------------- declarations


def test_declarations_are_read_from_the_first_lines():
    source = (
        "#| answers: rfm, rfm_scores\n# a comment\n#| widgets: core_cutoff\n"
        "assert rfm is not None\n#| answers: late"
    )
    assert test_cells.declarations(source) == (("rfm", "rfm_scores"), ("core_cutoff",))


def test_a_declaration_that_is_not_a_name_is_refused():
    with pytest.raises(ValueError, match="not a variable name"):
        test_cells.declarations("#| answers: rfm, 2x")


def test_undeclared_names_are_found_and_context_names_are_not():
    notebook = nbformat.v4.new_notebook(
        cells=[
            cell(
                "import pandas as pd\nvisits = 1",
                locked=True,
                grade=False,
                solution=False,
                grade_id="load",
            ),
            cell("rfm = 1", solution=True, grade=False, grade_id="rfm_answer"),
            cell(
                "#| answers: rfm\nassert rfm == visits\nassert helper(rfm)\n_x = pd.Series()",
                grade=True,
                solution=False,
                grade_id="rfm_tests",
                points=1,
            ),
        ]
    )
    assert test_cells.undeclared_names(notebook) == {"rfm_tests": ["helper"]}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_cell_of_the_course_declares_what_it_reads(assignment):
    """A test that reads an undeclared name would fail a correct answer with NameError."""
    notebook = nbformat.read(
        REPO / "exercises" / "source" / assignment / f"{assignment}.ipynb", as_version=4
    )
    assert test_cells.undeclared_names(notebook) == {}
    assert test_cells.test_cells(notebook), "the assignment has test cells"


# ---------------------------------------------------------------- reading a submission


def test_a_submission_is_read_without_links_special_files_or_odd_names(tmp_path):
    folder = tmp_path / "sub"
    (folder / "data").mkdir(parents=True)
    (folder / "a.ipynb").write_text("{}")
    (folder / "data" / "b.csv").write_text("x")
    (folder / "link.db").symlink_to("/etc/passwd")
    (folder / "dirlink").symlink_to(tmp_path)
    os.mkfifo(folder / "pipe")
    Path(os.fsdecode(os.fsencode(folder) + b"/\xff.txt")).write_text("odd")
    (folder / "big.bin").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("{}")
    found = read_submission(folder)
    assert sorted(found.files) == ["a.ipynb", "data/b.csv"]
    notes = " ".join(found.notes)
    for why in ("link", "special file", "not UTF-8", "too large"):
        assert why in notes, notes
    assert "dirlink" in notes and "link.db" in notes


def test_the_hand_in_time_is_read_safely(tmp_path):
    stamp = tmp_path / "timestamp.txt"
    assert submission_timestamp(tmp_path) is None
    stamp.write_text("2024-05-01 10:00:00.000000 UTC")
    assert submission_timestamp(tmp_path).year == 2024
    for make in (
        lambda: stamp.write_text("not a time"),
        lambda: stamp.symlink_to("/etc/passwd"),
        lambda: os.mkfifo(stamp),
        lambda: stamp.write_bytes(b"\xff" * 5000),
    ):
        stamp.unlink(missing_ok=True)
        make()
        assert submission_timestamp(tmp_path) is None


def test_copies_are_written_only_inside_the_target(tmp_path):
    write_files({"a.txt": b"1", "sub/b.txt": b"2", "../escape.txt": b"3"}, tmp_path / "out")
    assert (tmp_path / "out" / "sub" / "b.txt").read_bytes() == b"2"
    assert not (tmp_path / "escape.txt").exists()


def test_widget_answers_that_cannot_be_used_are_noted_not_fatal():
    declared = {"core_cutoff"}
    assert widget_answers({}, declared) == ({}, [])
    good, notes = widget_answers(
        {"widget_answers.json": b'{"answers": {"core_cutoff": 3000.0}}'}, declared
    )
    assert good == {"core_cutoff": 3000.0} and notes == []
    too_large = b'{"answers": {"core_cutoff": "' + b"x" * MAX_WIDGET_BYTES + b'"}}'
    for raw in (
        b"\xff\xfe",
        b"[" * 50000 + b"]" * 50000,
        b'{"answers": 5}',
        b"not json",
        too_large,
        b'{"answers": {"core_cutoff": [' + b"[]," * 250_000 + b"[]]}}",  # lists counted first
    ):
        answers, notes = widget_answers({"widget_answers.json": raw}, declared)
        assert answers == {} and (notes or raw == b'{"answers": 5}')
    # an undeclared widget is dropped before it is checked: its junk costs nothing
    kept, notes = widget_answers(
        {"widget_answers.json": b'{"answers": {"core_cutoff": 1, "x": {"$frame": 1}}}'}, declared
    )
    assert kept == {"core_cutoff": 1} and notes == []


# ---------------------------------------------------------------- output and outcomes


def test_output_is_capped_in_bytes_per_cell_and_per_notebook():
    budget = [10_000]
    outputs = Outputs(budget, max_cell_bytes=4_000)
    outputs.add("stream", {"name": "stdout", "text": "x" * 3_000})
    outputs.add("stream", {"name": "stdout", "text": "y" * 3_000})  # over the cell's budget
    outputs.add("display_data", {"data": {"image/png": "z" * 5_000}})  # dropped
    outputs.add(
        "error", {"ename": "ValueError", "evalue": "v" * 2_000, "traceback": ["t" * 50_000]}
    )
    text = "".join(o.get("text", "") for o in outputs.items)
    assert outputs.truncated and TRUNCATED in text and len(text) < 5_000
    assert outputs.items[-1]["output_type"] == "error" and len(outputs.items[-1]["evalue"]) <= 500
    assert not any(o["output_type"] == "display_data" for o in outputs.items)
    assert budget[0] < 10_000  # the notebook's budget went down too


def test_one_long_line_is_cut_like_many():
    outputs = Outputs([10**9], max_cell_bytes=1_000)
    outputs.add("stream", {"name": "stdout", "text": "x" * 10**6})
    assert outputs.truncated and sum(len(o.get("text", "")) for o in outputs.items) < 1_000


def test_a_full_score_shows_its_maximum_and_no_check_messages():
    scored = CellRun(
        outputs=[
            {
                "output_type": "execute_result",
                "data": {
                    "text/plain": "3",
                    CHECKS_MIMETYPE: {
                        "max_points": 3.0,
                        "checks": [{"passed": True, "message": "R 不对 / R is wrong"}],
                    },
                },
            }
        ]
    )
    (result,) = outcome_outputs(scored)
    assert result["data"]["text/markdown"] == "**3 / 3**\n\n- ✓ 全部通过 / every check passed"


def test_partial_points_are_shown_with_two_decimals_and_graded_with_four():
    partial = CellRun(
        outputs=[
            {
                "output_type": "execute_result",
                "data": {
                    "text/plain": "0.6667",
                    CHECKS_MIMETYPE: {
                        "max_points": 2.0,
                        "checks": [{"passed": True, "message": "a"}]
                        + [{"passed": False, "message": "b / b"}] * 2,
                    },
                },
            }
        ]
    )
    (result,) = outcome_outputs(partial)
    assert result["data"]["text/plain"] == "0.6667"  # what nbgrader reads
    assert result["data"]["text/markdown"].startswith("**0.67 / 2**")


def test_a_test_outcome_keeps_only_the_error_or_the_score():
    failed = CellRun(
        outputs=[
            {"output_type": "stream", "name": "stdout", "text": "hidden detail"},
            {
                "output_type": "error",
                "ename": "AssertionError",
                "evalue": "\x1b[31m错 / wrong\nmore",
                "traceback": ["File hidden.py, line 3", "_expected = 1"],
            },
        ],
        status="error",
    )
    (error,) = outcome_outputs(failed)
    assert error["output_type"] == "error" and error["traceback"] == [
        "AssertionError: 错 / wrong\nmore"
    ]
    scored = CellRun(
        outputs=[
            {
                "output_type": "execute_result",
                "data": {
                    "text/plain": "1.5",
                    CHECKS_MIMETYPE: {
                        "checks": [
                            {"passed": False, "message": "<b>频次</b>"},
                            {"passed": True, "message": "列名"},
                        ]
                    },
                },
            }
        ]
    )
    (result,) = outcome_outputs(scored)
    assert result["data"]["text/plain"] == "1.5" and "&lt;b&gt;" in result["data"]["text/markdown"]
    # a passed check's message says what would be wrong, so only the count of passed ones shows
    assert "列名" not in result["data"]["text/markdown"]
    assert "- ✓ 其余 1 项检查通过 / the other 1 checks passed" in result["data"]["text/markdown"]
    assert (
        outcome_outputs(
            CellRun(outputs=[{"output_type": "stream", "name": "stdout", "text": "ok"}])
        )
        == []
    )
    (died,) = outcome_outputs(CellRun(status="died"))
    assert died["ename"] == "DeadKernelError"


# ---------------------------------------------------------------- text a student chose


def test_control_and_direction_characters_are_shown_not_run():
    shown = inert("a\x1b]0;title\x07b\x1b[2K\u202ec\x9bd")
    assert shown == "a\\x1b]0;title\\x07b\\x1b[2K\\u202ec\\x9bd"
    assert inert("第一行\n\tsecond\r") == "第一行\\n\\tsecond\\r"
    assert inert("第一行\n\tsecond\r", lines=True) == "第一行\n\tsecond\\r"
    assert inert("张三 2023001 ok-file.txt") == "张三 2023001 ok-file.txt"


@pytest.mark.parametrize(
    ("text", "guarded"),
    [
        ("=1+1", True), ("+86", True), ("-x", True), ("@a", True), (" =1", True),
        ("\t=1", True), ("\r+1", True), ("-2", False), ("-2.5", False), ("12", False),
        ("张三", False), ("", False), ("a=b", False), ("#=1", False),
    ],
)  # fmt: skip
def test_the_formula_guard_covers_formula_starts_and_leaves_numbers(text, guarded):
    assert needs_guard(text) is guarded


def test_every_csv_cell_is_inert_and_guarded():
    text = csv_text([["id", "name", "points"], ["=1+2", "Zhang, \x1b[2K", -2.5], [None, True, 3]])
    assert text == 'id,name,points\n\'=1+2,"Zhang, \\x1b[2K",-2.5\n,True,3\n'
    assert sheet_cell("line\n-two", lines=True) == "line\n-two"


# ---------------------------------------------------------------- the answer store


def test_an_answer_three_tests_read_is_stored_once_and_read_back_per_test(tmp_path):
    big = {"$frame": {"values": list(range(100_000))}}
    sent = {
        "rfm_tests": {"answers": {"rfm": big}, "widgets": {}},
        "scores_tests": {"answers": {"rfm": big, "rfm_scores": [1, 2]}, "widgets": {}},
        "segments_tests": {"answers": {"rfm": big}, "widgets": {"core_cutoff": 3000}},
    }
    packed, notes = answer_store.pack(sent, [answer_store.MAX_STORED_BYTES])
    assert notes == [] and len(packed.values) == 3
    answer_store.store_answers(tmp_path, "a", "s", {"nb": packed})
    size = answer_store.answers_path(tmp_path, "a", "s").stat().st_size
    one = len(json.dumps(big, separators=(",", ":")))
    assert one < size < 1.1 * one
    assert answer_store.stored_answers(tmp_path, "a", "s") == {"nb": sent}


def test_answers_past_the_budget_are_not_stored_and_noted(tmp_path):
    sent = {
        "t1": {"answers": {"small": 1, "huge": "x" * 5000}, "widgets": {}},
        "t2": {"answers": {"huge": "x" * 5000}, "widgets": {}},
    }
    packed, notes = answer_store.pack(sent, [1000])
    assert len(notes) == 1 and "t1" in notes[0] and "huge" in notes[0] and "too large" in notes[0]
    answer_store.store_answers(tmp_path, "a", "s", {"nb": packed})
    assert answer_store.stored_answers(tmp_path, "a", "s") == {
        "nb": {"t1": {"answers": {"small": 1}, "widgets": {}}, "t2": {"answers": {}, "widgets": {}}}
    }


def test_a_store_of_the_first_format_is_still_read(tmp_path):
    path = answer_store.answers_path(tmp_path, "a", "s")
    path.parent.mkdir(parents=True)
    first = {"nb": {"t1": {"answers": {"x": 1}, "widgets": {}}}}
    path.write_text(json.dumps(first), encoding="utf-8")
    assert answer_store.stored_answers(tmp_path, "a", "s") == first
