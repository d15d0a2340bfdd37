"""The class roster an LMS export needs, and the list of excused work, read from CSV files.

``roster.csv`` has one row per student: ``student_id`` (the nbgrader id) plus the columns the
chosen LMS needs (see :data:`crmkit.grading.export.lms_export.ROSTER_COLUMNS`), for example::

    student_id,name,canvas_id,sis_user_id,sis_login_id,section,excused
    2023001,"Zhang, San",41,S2023001,zhangsan,CRM 1,loyalty
    2023002,"Li, Si",42,S2023002,lisi,CRM 1,

An optional ``excused`` column lists the assignments a student is excused from (separated by
``;``). ``--excused FILE`` does the same as its own CSV with ``student_id`` and ``assignment``
columns, one row per excused piece of work. Both files are read as UTF-8, with or without a
byte-order mark (Excel writes one), and column names are matched without surrounding spaces or
case.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import UsageError, unknown_name

STUDENT_ID = "student_id"
EXCUSED = "excused"


@dataclass(frozen=True)
class Roster:
    """The roster's columns (lower case) and its rows by student id (values stripped)."""

    columns: tuple[str, ...]
    rows: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    source: str = "roster.csv"

    def value(self, student: str, column: str) -> str:
        """The student's value in ``column`` ("" if the student or the column is not there)."""
        return self.rows.get(student, {}).get(column, "")


def _read_text(path: Path, what_zh: str, what_en: str) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UsageError(
            f"找不到{what_zh} {path} / {what_en} {path} not found; check the path"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(
            f"{path} 不是 UTF-8 编码；在 Excel 里另存为“CSV UTF-8” / {path} is not UTF-8; "
            'save it from Excel as "CSV UTF-8"'
        ) from None


def _table(text: str, source: str) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise UsageError(
            f"{source} 是空的；第一行应是列名 / {source} is empty; its first row must name "
            "the columns"
        )
    columns = tuple(h.strip().lower() for h in header)
    rows = []
    for line in reader:
        if not any(cell.strip() for cell in line):
            continue
        rows.append(
            {c: (line[i].strip() if i < len(line) else "") for i, c in enumerate(columns) if c}
        )
    return columns, rows


def parse_roster(text: str, source: str = "roster.csv") -> Roster:
    """A roster from CSV text; a missing ``student_id`` column or a repeated id is a UsageError."""
    columns, rows = _table(text, source)
    if STUDENT_ID not in columns:
        raise UsageError(
            f"{source} 缺少 {STUDENT_ID} 列（nbgrader 的学号）/ {source} has no {STUDENT_ID} "
            "column (the nbgrader student id); add it as a column name in the first row"
        )
    by_student: dict[str, dict[str, str]] = {}
    for row in rows:
        student = row.get(STUDENT_ID, "")
        if not student:
            continue
        if student in by_student:
            raise UsageError(
                f"{source} 里学号 {student} 出现了两次；每位学生只留一行 / student {student} "
                f"appears twice in {source}; keep one row per student"
            )
        by_student[student] = row
    return Roster(columns, by_student, source)


def read_roster(path: Path) -> Roster:
    """The roster in ``path`` (UTF-8 with or without a byte-order mark)."""
    return parse_roster(_read_text(path, "名单", "Roster"), path.name)


def _check_assignment(name: str, known: Iterable[str]) -> str:
    known = list(known)
    if name not in known:
        raise unknown_name("作业", "assignment", name, known)
    return name


def roster_excused(roster: Roster, known: Iterable[str]) -> set[tuple[str, str]]:
    """(student, assignment) pairs the roster's ``excused`` column lists; names are checked."""
    if EXCUSED not in roster.columns:
        return set()
    known = list(known)
    return {
        (student, _check_assignment(name.strip(), known))
        for student, row in roster.rows.items()
        for name in row.get(EXCUSED, "").replace("；", ";").split(";")
        if name.strip()
    }


def parse_excused(
    text: str, known: Iterable[str], source: str = "excused.csv"
) -> set[tuple[str, str]]:
    """(student, assignment) pairs from an excused-work CSV (``student_id``, ``assignment``)."""
    columns, rows = _table(text, source)
    for needed in (STUDENT_ID, "assignment"):
        if needed not in columns:
            raise UsageError(
                f"{source} 缺少 {needed} 列 / {source} has no {needed} column; it needs "
                f"{STUDENT_ID} and assignment"
            )
    known = list(known)
    return {
        (row[STUDENT_ID], _check_assignment(row["assignment"], known))
        for row in rows
        if row.get(STUDENT_ID) and row.get("assignment")
    }


def read_excused(path: Path, known: Iterable[str]) -> set[tuple[str, str]]:
    """The excused work listed in ``path``."""
    return parse_excused(_read_text(path, "免做名单", "Excused-work file"), known, path.name)
