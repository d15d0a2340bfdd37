"""Checking CSVs against their Frictionless data package, with messages that name the place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CrmkitError


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data folder: where it is and why."""

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" 第 {self.row} 行 row {self.row}"
        if self.column:
            where += f", 列 column '{self.column}'"
        return f"{where}: {self.reason}"


def case_folders(folder: Path) -> list[Path]:
    """The case folders under ``folder``: itself if it holds a datapackage.json,
    else its children."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CrmkitError(
            f"找不到文件夹 {folder} / No such folder: {folder}. 请检查路径 / Check the path"
        )
    if (folder / "datapackage.json").exists():
        return [folder]
    found = sorted(p.parent for p in folder.glob("*/datapackage.json"))
    if not found:
        raise CrmkitError(
            f"{folder} 中没有 datapackage.json / No datapackage.json in {folder}. "
            "先运行 `crmkit data build` / Run `crmkit data build` first"
        )
    return found


def validate_folder(folder: Path, limit: int = 50) -> list[Problem]:
    """Every problem frictionless finds in one case folder (at most ``limit`` per file)."""
    from frictionless import Package

    folder = Path(folder)
    descriptor = folder / "datapackage.json"
    problems: list[Problem] = []
    try:
        package = Package(descriptor.name, basepath=str(folder))
        report = package.validate(limit_errors=limit)
    except Exception as error:  # frictionless raises its own types for unreadable descriptors
        return [
            Problem(
                descriptor.name,
                None,
                None,
                f"无法读取数据包 / cannot read the data package: {error}",
            )
        ]
    for task in report.tasks:
        name = f"{folder.name}/{task.place}"
        for error in task.errors:
            problems.append(
                Problem(
                    file=name,
                    row=getattr(error, "row_number", None),
                    column=getattr(error, "field_name", None),
                    reason=_reason(error),
                )
            )
    for error in report.errors:
        problems.append(Problem(descriptor.name, None, None, error.message))
    return problems


def _reason(error) -> str:
    note = getattr(error, "note", "") or ""
    cell = getattr(error, "cell", None)
    if cell is not None and error.type in ("type-error", "constraint-error"):
        return f"值 value '{cell}': {error.title.lower()} ({note})"
    return f"{error.title.lower()} ({note})" if note else error.message
