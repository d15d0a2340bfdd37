"""Whose data a notebook uses: autograde folder > JupyterHub login > saved id >
instructor preview."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmkit.course import identity
from crmkit.course.id_box import student_id_box
from crmkit.course.identity import ID_FILE, find_student_id, set_student_id, student_id
from crmkit.errors import CrmkitError, UsageError


def folder(root: Path, *parts: str) -> Path:
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_autograde_folder_decides_over_hub_and_saved_id(tmp_path):
    graded = folder(tmp_path, "course", "autograded", "s042", "segmentation")
    (graded / ID_FILE).write_text("classmate\n", encoding="utf-8")
    env = {"JUPYTERHUB_USER": "instructor-on-hub", "NBGRADER_EXECUTION": "autograde"}
    assert find_student_id(graded, env) == identity.StudentId("s042", "autograde")


def test_autograding_outside_nbgraders_layout_is_an_error_not_a_guess(tmp_path):
    elsewhere = folder(tmp_path, "graded", "s042", "segmentation")
    (elsewhere / ID_FILE).write_text("classmate\n", encoding="utf-8")
    with pytest.raises(CrmkitError, match="directory_structure"):
        find_student_id(elsewhere, {"NBGRADER_EXECUTION": "autograde"})


def test_on_jupyterhub_the_login_is_the_id(tmp_path):
    home = folder(tmp_path, "segmentation")
    (home / ID_FILE).write_text("someone-else\n", encoding="utf-8")
    assert find_student_id(home, {"JUPYTERHUB_USER": "s007"}) == identity.StudentId(
        "s007", "jupyterhub"
    )


def test_elsewhere_the_saved_id_is_used(tmp_path):
    home = folder(tmp_path, "segmentation")
    assert find_student_id(home, {}) is None
    assert set_student_id("  2023012345 ", home, {}) == "2023012345"
    assert (home / ID_FILE).read_text(encoding="utf-8") == "2023012345\n"
    assert find_student_id(home, {}) == identity.StudentId("2023012345", "file")


def test_an_instructor_previewing_source_gets_the_preview_id(tmp_path):
    course = folder(tmp_path, "course")
    (course / "nbgrader_config.py").write_text("c = get_config()\n", encoding="utf-8")
    source = folder(course, "source", "segmentation")
    assert find_student_id(source, {}) == identity.StudentId("instructor", "source")
    # the same folder layout without an nbgrader course is just a folder
    assert find_student_id(folder(tmp_path, "other", "source", "segmentation"), {}) is None


def test_no_id_yet_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(CrmkitError, match=r"还没有学号.*No student id yet"):
        student_id(folder(tmp_path, "segmentation"))


@pytest.mark.parametrize("bad", ["", "   ", "a/b", "x" * 65, "line\nbreak"])
def test_unusable_ids_are_refused(tmp_path, bad):
    with pytest.raises(UsageError, match="cannot be used"):
        set_student_id(bad, tmp_path, {})


def test_the_id_cannot_be_changed_where_it_is_fixed(tmp_path):
    with pytest.raises(UsageError, match="fixed to 's007'"):
        set_student_id("classmate", tmp_path, {"JUPYTERHUB_USER": "s007"})
    assert set_student_id("s007", tmp_path, {"JUPYTERHUB_USER": "s007"}) == "s007"
    graded = folder(tmp_path, "autograded", "s042", "loyalty")
    with pytest.raises(UsageError, match="fixed to 's042'"):
        set_student_id("classmate", graded, {})
    assert not (graded / ID_FILE).exists()


def test_the_id_box_saves_what_the_student_types(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    home = folder(tmp_path, "segmentation")
    box = student_id_box(home)
    text, button = box.children[0].children
    message = box.children[1]
    text.value = "s123"
    button.click()
    assert (home / ID_FILE).read_text(encoding="utf-8") == "s123\n"
    assert "s123" in message.value
    text.value = "a/b"
    button.click()
    assert "cannot be used" in message.value


def test_the_id_box_flags_a_saved_id_that_differs_while_grading(tmp_path):
    graded = folder(tmp_path, "autograded", "s042", "segmentation")
    (graded / ID_FILE).write_text("classmate\n", encoding="utf-8")
    lines = [label.value for label in student_id_box(graded).children]
    assert "s042" in lines[0] and "classmate" in lines[1]


def test_where_the_box_cannot_be_drawn_it_reads_as_the_id(tmp_path, monkeypatch):
    """A feedback page shows a widget's text: the id, not ``VBox(children=(Label(...),))``."""
    graded = folder(tmp_path, "course", "autograded", "2023001", "segmentation")
    shown = student_id_box(graded)._repr_mimebundle_()["text/plain"]
    assert shown.startswith("学号 / Student id: 2023001") and "VBox" not in shown
    home = folder(tmp_path, "home")
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    box = student_id_box(home)
    box.children[0].children[0].value = "s123"
    assert box._repr_mimebundle_()["text/plain"].startswith("学号 / Student id: s123")
