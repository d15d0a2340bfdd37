"""What students get (`crmkit course student-pack`): the pack and its zip hold what a student
needs and none of the answer key; building is refused where it could lose or publish something.

The quick tests build from the kit's own course with the release check left out (the committed
``release/`` is up to date, which tests/test_nbgrader_release.py checks); the slow ones run the
command as an instructor does, and regenerate a stale release.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pack_files import files_of_folder, files_of_zip, leaks_in_folder, leaks_in_zip

from crmkit.datasets import CASES
from crmkit.errors import CrmkitError
from crmkit.grading.course_folder import source_assignments
from crmkit.grading.release.key_leaks import read_answer_key
from crmkit.grading.release.student_pack import (
    MANIFEST,
    ZIP_TIME,
    broken_links,
    build_student_pack,
    tracked_repository,
)

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
ASSIGNMENTS = source_assignments(COURSE)
NOTEBOOKS = sorted(path.name for path in (REPO / "notebooks").glob("*.ipynb"))


def no_release_check(course: Path, assignments: list[str]) -> list[str]:
    return []


def build(out: Path, **options):
    return build_student_pack(COURSE, out, release_check=no_release_check, **options)


def expected_layout() -> set[str]:
    files = {"README.md"}
    files |= {f"notebooks/{name}" for name in NOTEBOOKS}
    files |= {f"cases/{path.name}" for path in (REPO / "cases").glob("*.md")}
    files |= {
        f"datasets/{case}/{name}" for case in CASES for name in ("README.md", "datapackage.json")
    }
    files |= {f"assignments/{a}/{a}.ipynb" for a in ASSIGNMENTS}
    return files


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """The kit's student pack with its zip, built once for the quick tests."""
    return build(tmp_path_factory.mktemp("pack") / "crm-student", make_zip=True)


def test_the_pack_holds_what_a_student_needs_and_nothing_else(pack):
    on_disk = set(files_of_folder(pack.folder)) - {MANIFEST}
    assert on_disk == set(pack.files) == expected_layout()
    assert not [p for p in on_disk if p.endswith(".csv")]  # the data come with crmkit
    for name in ("source", "tests", "docs", "exercises", "gradebook.db", "nbgrader_config.py"):
        assert not [p for p in on_disk if name in p.split("/")], name
    for assignment in ASSIGNMENTS:
        released = COURSE / "release" / assignment / f"{assignment}.ipynb"
        assert pack.files[f"assignments/{assignment}/{assignment}.ipynb"] == released.read_bytes()


def test_neither_the_folder_nor_the_zip_holds_the_answer_key(pack):
    key = read_answer_key(COURSE)
    assert leaks_in_folder(pack.folder, key) == []
    assert leaks_in_zip(pack.archive, key) == []


def test_a_source_notebook_planted_in_a_pack_is_caught(pack, tmp_path):
    """The check above can fail: a copy of the pack with one source notebook slipped in."""
    planted = tmp_path / "pack"
    shutil.copytree(pack.folder, planted)
    source = COURSE / "source" / "loyalty" / "loyalty.ipynb"
    shutil.copy2(source, planted / "assignments" / "loyalty" / "loyalty_copy.ipynb")
    leaks = leaks_in_folder(planted, read_answer_key(COURSE))
    assert leaks and {leak.path for leak in leaks} == {"assignments/loyalty/loyalty_copy.ipynb"}


def test_the_zip_is_the_folder_under_one_top_folder(pack):
    assert pack.archive == pack.folder.with_name("crm-student.zip")
    zipped = files_of_zip(pack.archive)
    assert zipped == {f"crm-student/{path}": data for path, data in pack.files.items()}
    with zipfile.ZipFile(pack.archive) as archive:
        names = [info.filename for info in archive.infolist()]
        assert names[0] == "crm-student/" and not archive.testzip()
        assert {info.date_time for info in archive.infolist()} == {ZIP_TIME}
    files = [name for name in names if not name.endswith("/")]
    assert files == sorted(files)


def test_the_same_inputs_give_the_same_bytes(pack, tmp_path):
    again = build(tmp_path / "crm-student", make_zip=True)
    assert again.archive.read_bytes() == pack.archive.read_bytes()
    assert files_of_folder(again.folder) == files_of_folder(pack.folder)


def test_every_link_and_path_in_the_pack_lands_in_the_pack(pack):
    assert pack.broken_links == []
    # the exercises name the case texts from the pack's top folder
    release = pack.files["assignments/loyalty/loyalty.ipynb"].decode()
    assert "`cases/concepts.md`" in release and "cases/concepts.md" in pack.files


def test_the_link_check_sees_what_is_not_in_the_pack():
    note = "see [the tests](../tests/test_lessons.py), `cases/no_such_case.md` and `notebooks/`"
    notebook = {"cells": [{"cell_type": "markdown", "source": note}]}
    files = {
        "notebooks/x.ipynb": json.dumps(notebook).encode(),
        "cases/a.md": b"[back](../notebooks/x.ipynb) and [gone](../datasets/a/README.md#fields)",
    }
    assert broken_links(files) == [
        "cases/a.md -> ../datasets/a/README.md",
        "notebooks/x.ipynb -> ../tests/test_lessons.py",
        "notebooks/x.ipynb -> cases/no_such_case.md",
    ]


def test_the_readme_says_how_to_open_and_where_to_start_chinese_first(pack):
    readme = pack.files["README.md"].decode()
    assert "00_start_here.ipynb" in readme and "jupyter lab" in readme
    for assignment in ASSIGNMENTS:
        assert f"`{assignment}`" in readme
    for line in readme.splitlines():
        if " / " in line and line.startswith(("#", "-", "1.", "2.", "3.")):
            zh, en = line.split(" / ", 1)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), line


# ---------------------------------------------------------------- building again, and refusing


def small_kit(folder: Path) -> Path:
    """A kit with one notebook and one case text, to change between builds."""
    (folder / "notebooks").mkdir(parents=True)
    shutil.copy2(REPO / "notebooks" / "00_start_here.ipynb", folder / "notebooks")
    shutil.copytree(REPO / "cases", folder / "cases")
    shutil.copytree(REPO / "datasets", folder / "datasets", ignore=shutil.ignore_patterns("*.csv"))
    return folder


def test_building_again_keeps_what_the_student_changed_or_made(tmp_path):
    kit = small_kit(tmp_path / "kit")
    out = tmp_path / "pack"
    build_student_pack(COURSE, out, kit=kit, release_check=no_release_check)
    mine = out / "notebooks" / "00_start_here.ipynb"
    mine.write_text('{"cells": [], "note": "my work"}', encoding="utf-8")
    assignment = out / "assignments" / "loyalty"
    (assignment / "widget_answers.json").write_text("{}", encoding="utf-8")
    (assignment / "student_id.txt").write_text("2023001\n", encoding="utf-8")
    # the kit changes: one case text is gone, another is new, the notebook is updated
    (kit / "cases" / "retail_chain.md").unlink()
    (kit / "cases" / "new_case.md").write_text("# 新案例 / A new case\n", encoding="utf-8")
    (kit / "notebooks" / "00_start_here.ipynb").write_text('{"cells": []}', encoding="utf-8")

    again = build_student_pack(COURSE, out, kit=kit, release_check=no_release_check)
    assert again.kept == ["notebooks/00_start_here.ipynb"]
    assert "my work" in mine.read_text(encoding="utf-8")
    assert (assignment / "widget_answers.json").is_file() and (
        assignment / "student_id.txt"
    ).is_file()
    assert not (out / "cases" / "retail_chain.md").exists()
    assert (out / "cases" / "new_case.md").is_file()
    # the zip is made from the pack, never from a student's folder
    zipped = build_student_pack(COURSE, out, kit=kit, release_check=no_release_check, make_zip=True)
    assert files_of_zip(zipped.archive)["pack/notebooks/00_start_here.ipynb"] == b'{"cells": []}'
    assert not [name for name in files_of_zip(zipped.archive) if "student_id" in name]


def test_a_folder_in_the_tracked_part_of_the_repository_is_refused():
    target = REPO / "cases" / "pack"
    with pytest.raises(CrmkitError, match="tracked part of the git repository"):
        build(target)
    assert not target.exists()
    assert tracked_repository(REPO / "build" / "student-pack") is None  # ignored: allowed


def test_a_folder_with_other_things_in_it_is_refused(tmp_path):
    (tmp_path / "thesis.docx").write_text("years of work")
    with pytest.raises(CrmkitError, match="not an earlier student pack") as refused:
        build(tmp_path)
    assert "\n" not in str(refused.value) and "学生包" in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]


def test_a_zip_that_is_not_a_pack_is_not_overwritten(tmp_path):
    (tmp_path / "pack.zip").write_bytes(b"someone's archive")
    with pytest.raises(CrmkitError, match="not overwritten"):
        build(tmp_path / "pack", make_zip=True)
    assert (tmp_path / "pack.zip").read_bytes() == b"someone's archive"
    assert not (tmp_path / "pack").exists()


def test_a_pack_that_would_hold_the_key_is_not_written(tmp_path):
    kit = small_kit(tmp_path / "kit")
    shutil.copy2(COURSE / "source" / "segmentation" / "segmentation.ipynb", kit / "notebooks")
    out = tmp_path / "pack"
    with pytest.raises(CrmkitError, match="answer key, so nothing was written") as refused:
        build_student_pack(COURSE, out, kit=kit, release_check=no_release_check)
    assert "notebooks/segmentation.ipynb" in str(refused.value)
    assert not out.exists()


# ---------------------------------------------------------------- the command


def crmkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crmkit", *args], capture_output=True, text=True, timeout=900
    )


def test_the_command_refuses_in_one_bilingual_line(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    refused = crmkit("course", "student-pack", "--out", str(tmp_path))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().count("\n") == 0 and "不是空目录" in refused.stderr
    missing = crmkit("course", "student-pack")
    assert missing.returncode == 2 and "--out" in missing.stderr


@pytest.mark.slow
def test_the_command_builds_the_pack_and_its_zip(tmp_path):
    built = crmkit("course", "student-pack", "--out", str(tmp_path / "pack"), "--zip")
    assert built.returncode == 0, built.stderr
    assert "student pack" in built.stdout and "3 个作业 assignments" in built.stdout
    key = read_answer_key(COURSE)
    assert set(files_of_folder(tmp_path / "pack")) - {MANIFEST} == expected_layout()
    assert leaks_in_folder(tmp_path / "pack", key) == []
    assert leaks_in_zip(tmp_path / "pack.zip", key) == []


@pytest.mark.slow
def test_a_missing_or_stale_release_is_generated_first(new_course, tmp_path):
    course = new_course(tmp_path / "course")
    released = (course / "release" / "loyalty" / "loyalty.ipynb").read_bytes()
    shutil.rmtree(course / "release" / "loyalty")
    stale = course / "release" / "complaints" / "complaints.ipynb"
    stale.write_text(stale.read_text(encoding="utf-8").replace("帕累托", "Pareto"), "utf-8")
    result = build_student_pack(course, tmp_path / "pack")
    assert result.regenerated == ["complaints", "loyalty"]
    assert (course / "release" / "loyalty" / "loyalty.ipynb").read_bytes() == released
    assert "帕累托" in stale.read_text(encoding="utf-8")
    assert result.files["assignments/loyalty/loyalty.ipynb"] == released
    # up to date now: nothing to regenerate
    assert build_student_pack(course, tmp_path / "pack").regenerated == []
