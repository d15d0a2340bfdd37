"""crmkit.files.atomic_write: a file is written whole or not at all, and nothing is left behind."""

from __future__ import annotations

import os
import stat

import pytest

from crmkit.course.answers import save_answer
from crmkit.files import atomic_write
from crmkit.grading.run.answer_store import PackedAnswers, answers_path, store_answers


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_successful_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as partial:
        assert partial.parent == tmp_path and partial != target  # same folder: a rename
        assert target.read_bytes() == b"old", "the target changes only at the end"
        with open(partial, "wb") as out:
            out.write(b"new " * 1000)
    assert target.read_bytes() == b"new " * 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failure_mid_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, error):
    target = tmp_path / "answers.json"
    target.write_text('{"kept": true}', encoding="utf-8")
    with pytest.raises(type(error)), atomic_write(target) as partial:
        with open(partial, "w", encoding="utf-8") as out:
            out.write('{"half":')
        raise error
    assert target.read_text(encoding="utf-8") == '{"kept": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.json"]


def test_a_failed_first_write_makes_no_file(tmp_path):
    with pytest.raises(ValueError), atomic_write(tmp_path / "new.csv") as partial:
        partial.write_bytes(b"a,b\n")
        raise ValueError("bad row")
    assert list(tmp_path.iterdir()) == []


def test_by_default_the_file_gets_the_mode_open_gives_a_new_file(tmp_path):
    old_umask = os.umask(0o027)
    try:
        (tmp_path / "opened").write_bytes(b"")
        with atomic_write(tmp_path / "written") as partial:
            partial.write_bytes(b"x")
    finally:
        os.umask(old_umask)
    assert mode(tmp_path / "written") == mode(tmp_path / "opened") == 0o640


@pytest.mark.parametrize("permissions", [0o600, 0o644])
def test_permissions_are_set_exactly_whatever_the_umask(tmp_path, permissions):
    target = tmp_path / "cache.pickle"
    target.write_bytes(b"old")
    target.chmod(0o666)
    old_umask = os.umask(0o077)
    try:
        with atomic_write(target, permissions=permissions) as partial:
            assert mode(partial) & ~permissions == 0, "never wider than asked while writing"
            partial.write_bytes(b"new")
    finally:
        os.umask(old_umask)
    assert mode(target) == permissions


def test_saved_widget_answers_stay_private_to_the_student(tmp_path):
    save_answer("core_cutoff", 27700, tmp_path)
    assert mode(tmp_path / "widget_answers.json") == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["widget_answers.json"]


def test_stored_answers_are_readable_by_the_grader_only(tmp_path):
    store_answers(tmp_path, "a1", "s1", {"nb": PackedAnswers(values=["1"])})
    assert mode(answers_path(tmp_path, "a1", "s1")) == 0o600
