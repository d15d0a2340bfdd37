"""The course folder itself: committed ``release/`` is what nbgrader makes from ``source/``, the
solution notebooks pass ``nbgrader validate`` and nbval, and every task follows the house rhythm
(points, both languages, public and hidden checks with bilingual messages and partial credit, a
hand-graded case discussion whose length is stated alike in both languages).

Source notebooks are committed without outputs: nbgrader clears them for the release anyway,
and widget outputs would carry fresh model ids on every run. So nbval runs with ``--nbval-lax``:
every cell must run without error (which includes all public and hidden asserts), and no output
is compared.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from crmkit.grading import course_folder
from crmkit.grading.submissions import notebook_path, read_notebook

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
ASSIGNMENTS = course_folder.source_assignments(COURSE)
CASES = ["futures_broker", "car_detailing", "airline_frequent_flyer", "retail_chain", "online_shop"]
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def env_with_venv_on_path() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def comparable(notebook: nbformat.NotebookNode) -> dict:
    """What must not differ between committed and regenerated release notebooks."""
    return {
        "metadata": dict(notebook.metadata),
        "cells": [
            (c.cell_type, c.get("id"), c.source, dict(c.metadata), c.get("outputs", []))
            for c in notebook.cells
        ],
    }


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory, new_course) -> Path:
    """A private copy: nbgrader validate and nbval run the source notebooks inside it."""
    return new_course(tmp_path_factory.mktemp("course") / "course")


def test_there_are_at_least_three_assignments():
    assert {"segmentation", "complaints", "loyalty"} <= set(ASSIGNMENTS)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_matches_what_generate_assignment_makes_from_source(course_copy, assignment):
    committed = read_notebook(notebook_path(COURSE, "release", assignment))
    generated = read_notebook(notebook_path(course_copy, "release", assignment))
    assert comparable(committed) == comparable(generated), (
        "release/ is out of date: run `crmkit course generate` and commit exercises/release"
    )
    committed_files = sorted(p.name for p in (COURSE / "release" / assignment).iterdir())
    generated_files = sorted(p.name for p in (course_copy / "release" / assignment).iterdir())
    assert committed_files == generated_files


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_carries_no_solution_hidden_test_or_answer_key(assignment):
    text = notebook_path(COURSE, "release", assignment).read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "ANSWER KEY", ".preset(", "_expected"):
        assert marker not in text, marker
    notebook = read_notebook(notebook_path(COURSE, "release", assignment))
    nbformat.validate(notebook)  # opens in plain JupyterLab, nbgrader or not
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebooks_pass_nbgrader_validate(course_copy, assignment):
    result = subprocess.run(
        ["nbgrader", "validate", str(notebook_path(course_copy, "source", assignment))],
        cwd=course_copy,
        env=env_with_venv_on_path(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Success! Your notebook passes all the tests." in result.stdout, (
        result.stdout + result.stderr
    )


@pytest.mark.slow
def test_source_notebooks_pass_nbval(course_copy):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            *[str(notebook_path(course_copy, "source", a)) for a in ASSIGNMENTS],
        ],
        cwd=course_copy,
        env=env_with_venv_on_path(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def nbgrader_cells(assignment: str):
    notebook = read_notebook(notebook_path(COURSE, "source", assignment))
    return [(c, c.metadata.get("nbgrader", {})) for c in notebook.cells]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_shows_its_points_and_has_public_and_hidden_tests(assignment):
    cells = nbgrader_cells(assignment)
    markdown_so_far = ""
    for cell, meta in cells:
        if cell.cell_type == "markdown":
            markdown_so_far = cell.source
        elif meta.get("grade"):
            points = meta["points"]
            unit = "point" if points == 1 else "points"
            assert f"（{points} 分 / {points} {unit}）" in markdown_so_far, (
                meta["grade_id"],
                points,
            )
            public, hidden = cell.source.split("### BEGIN HIDDEN TESTS")
            assert re.search(r"check\.(require|that)\(", public), meta["grade_id"]
            assert "check.that(" in hidden, meta["grade_id"]
            assert cell.source.rstrip().endswith("check.score()"), meta["grade_id"]


def graded_code_cells(assignment: str):
    return [
        (meta["grade_id"], cell.source)
        for cell, meta in nbgrader_cells(assignment)
        if cell.cell_type == "code" and meta.get("grade")
    ]


def message_texts(node: ast.AST) -> list[str]:
    """The text of a message expression: its literal parts, each branch of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)]
    if isinstance(node, ast.IfExp):
        return message_texts(node.body) + message_texts(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return message_texts(node.left)  # the message, then a note added to it
    return []


def checks_of(source: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("that", "require")
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "check"
    ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_grade_with_checks_not_bare_asserts(assignment):
    """A bare ``assert`` stops a cell at its first failure: no partial credit, often no message."""
    for grade_id, source in graded_code_cells(assignment):
        tree = ast.parse(source)
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.Assert)], grade_id
        assert "Checks(points=" in source, grade_id


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_check_has_a_bilingual_message(assignment):
    for grade_id, source in graded_code_cells(assignment):
        checks = checks_of(source)
        assert checks, grade_id
        for call in checks:
            message = (
                call.args[1]
                if len(call.args) > 1
                else next((k.value for k in call.keywords if k.arg == "message"), None)
            )
            texts = message_texts(message) if message is not None else []
            assert texts, (grade_id, ast.unparse(call)[:120])
            for text in texts:
                chinese, slash, english = text.partition("/ ")
                assert slash and HAN.search(chinese) and LATIN_WORD.search(english), (
                    grade_id,
                    text,
                )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_written_answer_length_is_stated_alike_in_both_languages(assignment):
    """Characters and words are counted in a stated ratio: one English word, two characters."""
    [prompt] = [
        cell.source
        for cell, meta in nbgrader_cells(assignment)
        if cell.cell_type == "markdown" and re.match(r"## (\d+\. )?案例讨论", cell.source)
    ]
    zh = re.search(r"中文约 (\d+)–(\d+) 字，或英文约 (\d+)–(\d+) 词", prompt)
    en = re.search(r"about (\d+)–(\d+) Chinese characters or (\d+)–(\d+) English words", prompt)
    assert zh and en and zh.groups() == en.groups(), prompt[-300:]
    low_zh, high_zh, low_en, high_en = (int(n) for n in zh.groups())
    assert (low_zh, high_zh) == (2 * low_en, 2 * high_en)
    assert (
        "一个英文词大致相当于两个汉字" in prompt
        and "one English word is roughly two Chinese" in prompt
    )


def prose(markdown: str) -> str:
    """Markdown without code spans, acronyms (RFM, NPS) and numbering,
    to see which language leads."""
    return re.sub(r"`[^`]*`|\b[A-Z]{2,}\b|^#+\s*[\d.]*", " ", markdown, flags=re.M)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_instructions_are_in_chinese_first_then_english(assignment):
    for cell, _ in nbgrader_cells(assignment):
        if cell.cell_type != "markdown" or "BEGIN SOLUTION" in cell.source:
            continue
        text = prose(cell.source)
        assert HAN.search(text) and LATIN_WORD.search(text), cell.source[:80]
        assert HAN.search(text).start() < LATIN_WORD.search(text).start(), cell.source[:80]
        for heading in (line for line in cell.source.splitlines() if line.startswith("#")):
            chinese, _, english = heading.partition(" / ")
            assert HAN.search(chinese) and LATIN_WORD.search(english), heading


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_assignment_draws_on_two_cases_and_has_a_hand_graded_discussion(assignment):
    cells = nbgrader_cells(assignment)
    loads = next(c.source for c, meta in cells if meta.get("grade_id") == "load_data")
    assert sum(f'"{case}"' in loads for case in CASES) >= 2
    manual = [
        meta
        for c, meta in cells
        if c.cell_type == "markdown" and meta.get("grade") and meta.get("solution")
    ]
    assert len(manual) == 1 and manual[0]["points"] > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_widget_tasks_keep_their_answer_key_out_of_graded_and_locked_cells(assignment):
    for cell, meta in nbgrader_cells(assignment):
        if "### BEGIN ANSWER KEY" in cell.source:
            assert not (meta.get("grade") or meta.get("solution") or meta.get("locked")), meta
            assert "course." in cell.source  # a widget from crmkit.course
