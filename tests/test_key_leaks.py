"""The answer-key search (crmkit/grading/release/key_leaks.py): it finds the key however a file
shows it, and does not cry wolf at what students are given anyway."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from pack_files import leaks_in_folder, leaks_in_zip

from crmkit.grading.release.key_leaks import (
    MIN_LINE,
    answer_key_of,
    leaks_in_files,
    leaks_in_text,
    read_answer_key,
    readable_text,
)

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"

SOLUTION = [
    'completed = orders[orders["status"] == "completed"]',
    'spend = completed.groupby("customer_id")["amount_yuan"].agg(["size", "sum"])',
    'is_one_off = (spend["size"] == 1) & (spend["sum"] >= 3000)',
]
HIDDEN = [
    '_expected = set(spend.index[(spend["size"] == 1) & (spend["sum"] >= 3000)])',
    'check.that(lambda: set(one_off_buyers) == _expected, "wrong buyers")',
]


def cell(source: str, cell_type: str = "code", **nbgrader) -> dict:
    metadata = {"nbgrader": nbgrader} if nbgrader else {}
    return {"cell_type": cell_type, "metadata": metadata, "source": source}


def source_notebook() -> dict:
    public_test = "from crmkit.course.checks import Checks\ncheck = Checks(points=2)\n"
    return {
        "cells": [
            cell(
                "### BEGIN SOLUTION\n" + "\n".join(SOLUTION) + "\n### END SOLUTION\none_off_buyers",
                grade_id="one_off_answer",
                solution=True,
            ),
            cell(
                public_test + "### BEGIN HIDDEN TESTS\n" + "\n".join(HIDDEN) + "\n"
                "### END HIDDEN TESTS\ncheck.score()",
                grade_id="one_off_tests",
                grade=True,
            ),
            cell(
                "x = 1\n### BEGIN ANSWER KEY\nchoice.preset('the_right_tier_for_everyone')\n"
                "### END ANSWER KEY\nchoice"
            ),
            cell(
                "A long reference answer a grader reads, never a student.",
                "markdown",
                grade_id="discussion",
                solution=True,
            ),
        ]
    }


@pytest.fixture
def key():
    return answer_key_of({"shop.ipynb": source_notebook()})


def test_every_region_becomes_part_of_the_key(key):
    kinds = [(region.where, region.kind, len(region.lines)) for region in key.regions]
    assert kinds == [
        ("shop.ipynb, one_off_answer", "SOLUTION", 3),
        ("shop.ipynb, one_off_tests", "HIDDEN TESTS", 2),
        ("shop.ipynb, cell 3", "ANSWER KEY", 1),
        ("shop.ipynb, discussion", "SOLUTION", 1),  # a solution cell without delimiters
    ]


def test_a_delimiter_is_a_leak_even_with_nothing_else(key):
    assert leaks_in_text("###  BEGIN HIDDEN TESTS", key) == ["a delimiter ###BEGINHIDDENTESTS"]
    assert leaks_in_text("# END SOLUTION (one hash is not nbgrader's)", key) == []


def test_two_lines_of_a_region_are_a_leak_one_shared_line_is_not(key):
    assert leaks_in_text(SOLUTION[0], key) == []  # a case notebook may well filter orders so
    found = leaks_in_text("x = 1\n" + SOLUTION[0] + "\n# and\n" + SOLUTION[2], key)
    assert len(found) == 1 and "2 line(s) of the solution of shop.ipynb, one_off_answer" in found[0]


def test_a_region_of_one_line_leaks_with_that_line(key):
    assert leaks_in_text("they say: A long reference answer a grader reads", key) == []
    assert leaks_in_text("A long reference answer a grader reads, never a student.", key)
    assert leaks_in_text("choice.preset('the_right_tier_for_everyone')", key)


def test_spacing_and_indentation_do_not_hide_a_line(key):
    respaced = "\n".join("    " + line.replace(" ", "  ") for line in HIDDEN)
    assert leaks_in_text(respaced, key)


def test_public_lines_and_short_lines_are_not_the_key():
    notebook = {
        "cells": [
            cell(
                "### BEGIN SOLUTION\nn = len(stores)\nshare = visits['purchased'].mean()  # share\n"
                "### END SOLUTION",
                grade_id="a",
                solution=True,
            ),
            cell("print(f'{share:.1%}')\nshare = visits['purchased'].mean()  # share"),
        ]
    }
    (region,) = answer_key_of({"nb.ipynb": notebook}).regions
    assert region.lines == ()  # one line is too short, the other is in the public cell
    assert len("n=len(stores)") < MIN_LINE


def test_a_notebook_file_is_read_as_its_cells_not_as_escaped_json(key):
    leaked = {"cells": [cell("\n".join(SOLUTION))], "metadata": {}}
    data = json.dumps(leaked, indent=1).encode()
    assert '"status"' not in data.decode()  # the quotes are escaped in the file itself
    (found,) = leaks_in_files({"notebooks/leak.ipynb": data}, key)
    assert found.path == "notebooks/leak.ipynb" and "one_off_answer" in found.what


def test_images_are_skipped_and_binary_files_are_not_text():
    assert readable_text("chart.png", bytes(range(256))) is None
    image = {"outputs": [{"data": {"image/png": "iVBOR" + "A" * 5000, "text/plain": "<Figure>"}}]}
    assert readable_text("x.ipynb", json.dumps(image).encode()) == "<Figure>"


def test_a_page_that_highlights_the_code_still_shows_it(key):
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    page = "<html><body>" + highlight("\n".join(HIDDEN), PythonLexer(), HtmlFormatter())
    assert "<span" in page and "&amp;" in page and "&gt;=" in page
    (found,) = leaks_in_files({"notebooks/x.html": page.encode()}, key)
    assert "hidden tests of shop.ipynb, one_off_tests" in found.what


def test_folders_and_zips_are_searched_through_every_file(key, tmp_path):
    folder = tmp_path / "pack"
    (folder / "deep" / "deeper").mkdir(parents=True)
    (folder / "clean.md").write_text("nothing here")
    (folder / "deep" / "deeper" / ".hidden.py").write_text("\n".join(SOLUTION))
    assert [leak.path for leak in leaks_in_folder(folder, key)] == ["deep/deeper/.hidden.py"]
    archive = tmp_path / "pack.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        opened.writestr("pack/clean.md", "nothing here")
        opened.writestr("pack/a/b.txt", "### BEGIN ANSWER KEY")
    assert [leak.path for leak in leaks_in_zip(archive, key)] == ["pack/a/b.txt"]


# ---------------------------------------------------------------- the kit's own course


def test_the_kits_key_covers_every_task_of_every_assignment():
    key = read_answer_key(COURSE)
    assert len(key.regions) >= 30
    # every region but a rare tiny one has lines to recognise it by
    assert sum(1 for region in key.regions if region.lines) == len(key.regions)
    assert {region.kind for region in key.regions} == {"SOLUTION", "HIDDEN TESTS", "ANSWER KEY"}


@pytest.mark.parametrize("path", sorted((COURSE / "source").glob("*/*.ipynb")), ids=str)
def test_a_source_notebook_is_found_with_and_without_its_delimiters(path):
    key = read_answer_key(COURSE)
    data = path.read_bytes()
    assert leaks_in_files({"x.ipynb": data}, key)
    notebook = json.loads(data)
    for each in notebook["cells"]:
        text = "".join(each["source"])
        each["source"] = "\n".join(line for line in text.splitlines() if "### " not in line)
    stripped = leaks_in_files({"x.ipynb": json.dumps(notebook).encode()}, key)
    assert stripped and not any("delimiter" in leak.what for leak in stripped)
    # every task of it, not just one
    name = str(path.relative_to(COURSE / "source"))
    regions = {r.where for r in key.regions if r.where.startswith(f"{name}, ") and r.lines}
    found = {w for leak in stripped for w in regions if f" of {w}, e.g." in leak.what}
    assert found == regions


def test_what_students_are_given_today_holds_no_key():
    """The released assignments, case notebooks, texts and data dictionaries."""
    key = read_answer_key(COURSE)
    given = [
        *sorted((COURSE / "release").glob("*/*.ipynb")),
        *sorted((REPO / "notebooks").glob("*.ipynb")),
        *sorted((REPO / "cases").glob("*.md")),
        *sorted((REPO / "datasets").glob("*/README.md")),
    ]
    files = {str(path.relative_to(REPO)): path.read_bytes() for path in given}
    assert len(files) >= 20
    assert leaks_in_files(files, key) == []
