"""The files of a student pack, its zip or any folder, read for the answer-key search
(:func:`crmkit.grading.release.key_leaks.leaks_in_files`) the way the tests run it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from crmkit.grading.release.key_leaks import AnswerKey, Leak, leaks_in_files


def files_of_folder(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by its path relative to ``folder``."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def files_of_zip(archive: Path) -> dict[str, bytes]:
    """Every file in the zip ``archive``, by its name there."""
    with zipfile.ZipFile(archive) as opened:
        return {info.filename: opened.read(info) for info in opened.infolist() if not info.is_dir()}


def leaks_in_folder(folder: Path, key: AnswerKey) -> list[Leak]:
    return leaks_in_files(files_of_folder(folder), key)


def leaks_in_zip(archive: Path, key: AnswerKey) -> list[Leak]:
    return leaks_in_files(files_of_zip(archive), key)
