"""Reading a student's submission folder safely, and writing copies of it.

A submission is the student's to shape: links to the gradebook, device files, names that are not
UTF-8, a thousand files, a file of 500 MB. Everything that reads one here takes only regular
files and folders, never follows a link (``O_NOFOLLOW``, ``lstat``), caps sizes and counts, and
says in one line per thing what it left out and why.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

# nbgrader's own ignore list, plus the grader's marker
IGNORED = {".ipynb_checkpoints", "__pycache__", "feedback", ".crmkit-graded"}
MAX_FILE_BYTES = 20 * 1024**2
MAX_TOTAL_BYTES = 50 * 1024**2
MAX_FILES = 200
MAX_DEPTH = 8


@dataclass
class Submitted:
    """The files of a submission (relative path -> bytes) and notes on what was left out."""

    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())


def read_regular_file(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link) of at most ``limit`` bytes."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return read_at_most(handle, limit)
    finally:
        os.close(handle)


def read_at_most(handle: int, limit: int) -> bytes | None:
    """What open file ``handle`` holds, or None when it holds more than ``limit`` bytes. Reads one
    byte past the limit, never more, since a file may grow after its size was checked."""
    chunks, left = [], limit + 1
    while left > 0:
        chunk = os.read(handle, min(left, 1024**2))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    data = b"".join(chunks)
    return data if len(data) <= limit else None


def read_submission(folder: Path) -> Submitted:
    """Every regular file of ``folder`` that fits the limits, by its path relative to ``folder``."""
    found = Submitted()
    _read_into(found, os.fsencode(folder), b"", 0)
    return found


def _read_into(found: Submitted, root: bytes, relative: bytes, depth: int) -> None:
    here = os.path.join(root, relative) if relative else root
    try:
        entries = sorted(os.scandir(here), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = entry.name
        rel = os.path.join(relative, name) if relative else name
        try:
            shown = rel.decode("utf-8")
        except UnicodeDecodeError:
            found.notes.append(
                f"文件名不是 UTF-8，未收 / a file name that is not UTF-8 was left out: "
                f"{rel.decode('utf-8', 'backslashreplace')[:80]}"
            )
            continue
        if name.decode("utf-8") in IGNORED:
            continue
        if entry.is_symlink():
            found.notes.append(f"链接未收 / a link was left out: {shown}")
        elif entry.is_dir(follow_symlinks=False):
            if depth >= MAX_DEPTH:
                found.notes.append(
                    f"目录太深，未收 / a folder nested too deep was left out: {shown}"
                )
            else:
                _read_into(found, root, rel, depth + 1)
        elif not entry.is_file(follow_symlinks=False):
            found.notes.append(f"特殊文件未收 / a special file was left out: {shown}")
        elif len(found.files) >= MAX_FILES:
            found.notes.append(f"文件太多，未收 / too many files, left out: {shown}")
        else:
            data = read_regular_file(Path(os.fsdecode(os.path.join(root, rel))), MAX_FILE_BYTES)
            if data is None:
                found.notes.append(
                    f"文件太大或不可读，未收 / too large or unreadable, left out: {shown}"
                )
            elif found.size + len(data) > MAX_TOTAL_BYTES:
                found.notes.append(
                    f"提交总量超限，未收 / over the submission's size limit, left out: {shown}"
                )
            else:
                found.files[shown] = data


def write_files(files: dict[str, bytes], target: Path) -> None:
    """Write ``files`` under ``target``, a folder the grader just made (nothing in it yet)."""
    for relative, data in files.items():
        path = target / relative
        if (
            ".." in Path(relative).parts
            or path.resolve().parent != (target / relative).parent.resolve()
        ):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)


def submission_timestamp(folder: Path):
    """When the submission was handed in (nbgrader's ``timestamp.txt``), read
    safely; None if unknown.

    nbgrader's own reader opens the file as it is, through a link or on a FIFO; this one reads
    only a small regular file, and an unreadable time counts as none (the submission is graded).
    """
    from nbgrader.utils import parse_utc

    data = read_regular_file(folder / "timestamp.txt", 1024)
    if not data or not data.strip():
        return None
    try:
        return parse_utc(data.decode("utf-8").strip())
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None
