"""Checking a folder of CSVs against the kit's own data dictionary, one line per problem.

Nothing but the CSVs is needed: the columns, types, allowed values, keys and foreign keys come
from the case's schema (:mod:`crmkit.datasets.schema`), the same one ``load()`` reads with, so a
folder that passes here loads, and every value ``load()`` would refuse or misread is named here
with its file, row, column and what to write instead. Rows are numbered as a spreadsheet shows
them: the header is row 1, the first record row 2.

A table that is not in the folder is a problem when the notebook at hand reads it, and a note
otherwise. By default the notebook at hand is the case's own (``notebooks/0N_<case>.ipynb``),
which reads every table of its case; ``needed`` names the tables a notebook of one's own reads
(``load(case, table, folder=...)`` reads one table at a time).
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import CrmkitError, UsageError
from .registry import CASE_NOTEBOOKS, CASES, get_case, get_table
from .schema import Case, Field, ForeignKey, Table

SHOWN_ROWS = 3  # rows named per column and kind of problem; the rest are counted in one line
BOOLEAN_TEXT = {"true": True, "false": False, "1": True, "0": False}  # what load() accepts
EXAMPLE = {"date": "2024-03-05", "datetime": "2024-03-05 14:30:00"}


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


@dataclass
class FolderCheck:
    """What checking one case's folder found: problems (errors) and notes (fine, but worth
    knowing), and which tables were there."""

    case: Case
    folder: Path
    present: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- which folders, which case


def is_kit_data(folder: Path) -> bool:
    """Whether ``folder`` is (a case folder of) the kit's own generated data, which
    ``crmkit data build`` can regenerate; an instructor's folder never is."""
    from . import CHECKOUT_DATA, PACKAGED_DATA

    kit = {p.resolve() for p in (PACKAGED_DATA, CHECKOUT_DATA) if p.is_dir()}
    here = Path(folder).resolve()
    return here in kit or here.parent in kit


def case_folders(folder: Path, case: str | None = None) -> list[tuple[Case, Path]]:
    """The (case, folder) pairs to check under ``folder``.

    With ``case``: ``folder`` holds that case's CSVs (or has a subfolder named after it). Without:
    ``folder`` holds one subfolder per case (the ``CRMKIT_DATA_DIR`` layout), or is named after a
    case, or its CSV names are the tables of exactly one case.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CrmkitError(
            f"找不到文件夹 {folder} / No such folder: {folder}. 请检查路径 / Check the path"
        )
    if case is not None:
        spec = get_case(case)
        inner = folder / spec.key
        if not any(folder.glob("*.csv")) and inner.is_dir():
            return [(spec, inner)]
        return [(spec, folder)]
    cases = sorted(p for p in folder.iterdir() if p.is_dir() and p.name in CASES)
    if cases:
        return [(CASES[p.name], p) for p in cases]
    if folder.name in CASES:
        return [(CASES[folder.name], folder)]
    return [(_case_from_file_names(folder), folder)]


def _case_from_file_names(folder: Path) -> Case:
    names = {p.stem for p in folder.glob("*.csv")}
    valid = ", ".join(CASES)
    if not names:
        raise CrmkitError(
            f"{folder} 里没有 CSV 文件：把每张表存成以表名命名的 CSV（如 orders.csv），再用 --case "
            f"指定案例（{valid}）/ No CSV files in {folder}: save each table as a CSV named after "
            f"it (e.g. orders.csv), then pass --case (one of {valid})"
        )
    overlap = {key: len(names & set(spec.table_names)) for key, spec in CASES.items()}
    best = max(overlap.values())
    fits = [key for key, count in overlap.items() if count == best]
    if best == 0:
        listed = ", ".join(sorted(names))
        raise UsageError(
            f"{folder} 里的 CSV（{listed}）都不是案例的表名；按数据字典给文件改名，"
            f"并用 --case 指定案例 / None of the CSVs in {folder} ({listed}) is "
            f"named after a table; rename them as the data dictionary names the tables and pass "
            f"--case (one of {valid})"
        )
    if len(fits) > 1:
        raise UsageError(
            f"看不出 {folder} 是哪个案例的数据（{' 或 '.join(fits)}）；用 --case 指定 / "
            f"Cannot tell which case {folder} holds ({' or '.join(fits)}); pass --case CASE"
        )
    return CASES[fits[0]]


# ---------------------------------------------------------------- one folder


def check_folder(
    folder: Path, case: Case | str, needed: Sequence[str] | None = None, shown: int = SHOWN_ROWS
) -> FolderCheck:
    """Check every CSV of ``case`` in ``folder``; ``needed`` is the tables the notebook at hand
    reads (default: all, as the case's notebook does)."""
    spec = get_case(case) if isinstance(case, str) else case
    folder = Path(folder)
    wanted = spec.table_names if needed is None else [get_table(spec, n).name for n in needed]
    result = FolderCheck(spec, folder)
    frames: dict[str, pd.DataFrame] = {}
    missing_files: list[Problem] = []
    for table in spec.tables:
        path = folder / f"{table.name}.csv"
        label = f"{folder.name}/{table.name}.csv"
        if not path.is_file():
            _absent(result, missing_files, table, label, table.name in wanted, needed is None)
            continue
        result.present.append(table.name)
        found: list[Problem] = []
        frame = _read(path, label, found)
        if frame is not None:
            renamed = _check_columns(frame, table, label, found, result.notes)
            if len(renamed) == len(table.fields):
                frames[table.name] = frame
            _check_values(frame, table, renamed, label, found, shown)
        result.problems += sorted(found, key=_order)
    for table in spec.tables:
        if table.name in frames:
            found = []
            _check_references(
                frames, table, f"{folder.name}/{table.name}.csv", found, result, shown
            )
            result.problems += found
    result.problems += missing_files
    known = set(spec.table_names)
    others = sorted(p.name for p in folder.glob("*.csv") if p.stem not in known)
    if others:
        result.notes.append(
            f"{', '.join(others)} 不是案例 {spec.key} 的表，没有检查 / not tables of "
            f"{spec.key}, so not checked (its tables: {', '.join(spec.table_names)})"
        )
    return result


def _order(problem: Problem) -> tuple[int, int]:
    """The file's own problems first, then by row as in the file, then the counts of the rest."""
    if problem.row is not None:
        return (1, problem.row)
    return (2, 0) if problem.column else (0, 0)


def _absent(
    result: FolderCheck,
    problems: list[Problem],
    table: Table,
    label: str,
    needed: bool,
    default: bool,
) -> None:
    notebook = CASE_NOTEBOOKS.get(result.case.key, "your notebook")
    columns = ", ".join(table.field_names)
    if needed and default:
        problems.append(
            Problem(
                label,
                None,
                None,
                f"缺少这个文件，而 {notebook} 读取案例的每一张表 / file missing, and {notebook} "
                f"reads every table of the case: add it (columns {columns}), or name the tables "
                "your notebook reads with --tables",
            )
        )
    elif needed:
        problems.append(
            Problem(
                label,
                None,
                None,
                f"缺少这个文件，而 --tables 列出了它 / file missing, and --tables names it: add it "
                f"(columns {columns})",
            )
        )
    else:
        result.notes.append(
            f"{label} 不在文件夹里；--tables 列出的表用不到它（{notebook} 会读它）/ not in the "
            f"folder: fine for the tables --tables names ({notebook} reads it)"
        )


def _read(path: Path, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """The CSV as text columns (blank cells as NaN, as ``load()`` reads them), or None after
    naming why it cannot be read."""
    raw = path.read_bytes()
    if not raw.removeprefix(b"\xef\xbb\xbf").strip():
        problems.append(
            Problem(
                label, None, None, "文件是空的 / the file is empty; the first row names columns"
            )
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = raw[: error.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            kind = "是 GBK 编码（Excel 的“CSV”格式）/ is GBK-encoded (Excel's plain 'CSV')"
        except UnicodeDecodeError:
            kind = "不是 UTF-8 文本 / is not UTF-8 text"
        problems.append(
            Problem(
                label,
                row,
                None,
                f"文件{kind}；在 Excel 里另存为“CSV UTF-8” / save it from Excel as 'CSV UTF-8'",
            )
        )
        return None
    try:
        return pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as error:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if found:
            expected, line, saw = found.groups()
            reason = (
                f"有 {saw} 个值，表头只有 {expected} 列；含逗号的值要加引号 / has {saw} values but "
                f"the header names {expected} columns; a value with a comma needs quotes"
            )
            problems.append(Problem(label, int(line), None, reason))
        else:
            first = str(error).splitlines()[0]
            problems.append(Problem(label, None, None, f"无法读取 / cannot be read: {first}"))
        return None


def _check_columns(
    frame: pd.DataFrame, table: Table, label: str, problems: list[Problem], notes: list[str]
) -> dict[str, str]:
    """Name each missing column, with a column of the file that looks like it; returns the
    file's column for each field (the look-alike where one is missing, so that its values are
    checked too). Columns the dictionary does not have are a note: load() skips them."""
    columns = {f.name: f.name for f in table.fields if f.name in frame.columns}
    extra = [c for c in frame.columns if c not in table.field_names]
    for spec in table.fields:
        if spec.name in columns:
            continue
        guess = _look_alike(spec, [c for c in extra if c not in columns.values()], frame)
        hint = ""
        if guess:
            columns[spec.name] = guess
            hint = f"；'{guess}' 像是它，改成这个列名 / '{guess}' looks like it: rename it"
        meaning = f"{spec.zh} / {spec.en}, {spec.type}"
        problems.append(
            Problem(label, 1, spec.name, f"缺少这一列 / column missing ({meaning}){hint}")
        )
    unused = [c for c in extra if c not in columns.values()]
    if unused:
        notes.append(
            f"{label}: 列 {', '.join(unused)} 不在数据字典里，读取时忽略 / columns not in the data "
            f"dictionary, ignored when loading"
        )
    return {name: columns[name] for name in table.field_names if name in columns}


def _normal(text: str) -> str:
    return re.sub(r"[\s\-_/]+", "_", str(text).strip().lower())


def _look_alike(spec: Field, candidates: list[str], frame: pd.DataFrame) -> str | None:
    """The file's column that is probably ``spec`` under another name: the same name in other
    spelling, its Chinese or English meaning, a close or shortened name, or the only column of
    dates where a date is missing."""
    names = {_normal(spec.name), _normal(spec.zh), _normal(spec.en)}
    for column in candidates:
        if _normal(column) in names:
            return column
    for column in candidates:
        short = _normal(column)
        if len(short) >= 3 and (spec.name.startswith(short) or spec.name.endswith(short)):
            return column
    close = difflib.get_close_matches(spec.name, candidates, n=1, cutoff=0.7)
    if close:
        return close[0]
    if spec.type in EXAMPLE:
        dated = [c for c in candidates if _mostly_dates(frame[c])]
        if len(dated) == 1:
            return dated[0]
    return None


def _mostly_dates(column: pd.Series) -> bool:
    values = column.dropna().head(200)
    if values.empty or values.str.fullmatch(r"\s*[+-]?\d+(\.\d*)?\s*").all():
        return False
    return pd.to_datetime(values, format="ISO8601", errors="coerce").notna().mean() > 0.9


# ---------------------------------------------------------------- values


def _report(
    problems: list[Problem],
    label: str,
    column: str,
    mask: pd.Series,
    values: pd.Series,
    reason: Callable[[str, int], str],
    shown: int,
) -> None:
    """A line for each of the first ``shown`` rows in ``mask``, and one counting the rest."""
    count = int(mask.sum())
    if not count:
        return
    where = mask[mask].index[:shown]
    for index in where:
        value = values.loc[index]
        problems.append(Problem(label, int(index) + 2, column, reason(value, int(index) + 2)))
    if count > shown:
        rest = count - shown
        problems.append(
            Problem(
                label,
                None,
                column,
                f"另有 {rest:,} 行同样的问题 / {rest:,} more row(s) with the same problem",
            )
        )


def _allowed(spec: Field) -> str:
    codes = list(spec.enum or {})
    return ", ".join(codes[:10]) + (", …" if len(codes) > 10 else "")


def _check_values(
    frame: pd.DataFrame,
    table: Table,
    columns: dict[str, str],
    label: str,
    problems: list[Problem],
    shown: int,
) -> None:
    """Each field's values in the file's column for it (``columns``: field -> column)."""
    for spec in table.fields:
        if spec.name in columns:
            _check_field(frame, spec, columns[spec.name], label, problems, shown)
    key = [columns.get(k, "") for k in table.primary_key]
    if len(key) > 1 and all(key):
        _check_unique(frame, key, label, problems, shown)


def _check_field(
    frame: pd.DataFrame,
    spec: Field,
    column: str,
    label: str,
    problems: list[Problem],
    shown: int,
) -> None:
    """One field's values, in ``column`` of the file."""
    text = frame[column]
    blank = text.isna()
    if spec.required:
        need = "；填 true 或 false / write true or false" if spec.type == "boolean" else ""
        _report(
            problems,
            label,
            column,
            blank,
            text,
            lambda v, r: f"必填却是空的 / required but blank{need}",
            shown,
        )
    numbers = _check_type(text, blank, spec, column, label, problems, shown)
    if spec.enum:
        outside = ~blank & ~text.isin(list(spec.enum))
        _report(
            problems,
            label,
            column,
            outside,
            text,
            lambda v, r: (
                f"'{v}' 不是可用的取值 / is not an allowed value; allowed: {_allowed(spec)}"
            ),
            shown,
        )
    if numbers is not None:
        if spec.minimum is not None:
            _report(
                problems,
                label,
                column,
                numbers < spec.minimum,
                text,
                lambda v, r: (
                    f"{v} 小于最小值 {spec.minimum:g} / is below the minimum {spec.minimum:g}"
                ),
                shown,
            )
        if spec.maximum is not None:
            _report(
                problems,
                label,
                column,
                numbers > spec.maximum,
                text,
                lambda v, r: (
                    f"{v} 大于最大值 {spec.maximum:g} / is above the maximum {spec.maximum:g}"
                ),
                shown,
            )
    if spec.unique:
        _check_unique(frame, [column], label, problems, shown)


def _check_type(
    text: pd.Series, blank: pd.Series, spec: Field, column: str, label: str, problems, shown: int
) -> pd.Series | None:
    """Values ``load()`` would refuse for the field's type; returns the numbers (for min/max)."""
    if spec.type == "integer":
        whole = text.str.fullmatch(r"\s*[+-]?\d+\s*").fillna(False).astype(bool)
        _report(
            problems,
            label,
            column,
            ~blank & ~whole,
            text,
            lambda v, r: f"'{v}' 不是整数 / is not a whole number",
            shown,
        )
        return pd.to_numeric(text.where(whole), errors="coerce")
    if spec.type == "number":
        numbers = pd.to_numeric(text, errors="coerce")
        _report(
            problems,
            label,
            column,
            ~blank & numbers.isna(),
            text,
            lambda v, r: f"'{v}' 不是数字 / is not a number{_number_hint(v)}",
            shown,
        )
        return numbers
    if spec.type == "boolean":
        known = text.str.lower().isin(list(BOOLEAN_TEXT))
        _report(
            problems,
            label,
            column,
            ~blank & ~known,
            text,
            lambda v, r: (
                f"'{v}' 不是 true/false / is not true or false; write true or false (or 1 and 0)"
            ),
            shown,
        )
        return None
    if spec.type in EXAMPLE:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        zh, en = ("日期", "a date") if spec.type == "date" else ("日期时间", "a date and time")
        example = EXAMPLE[spec.type]
        _report(
            problems,
            label,
            column,
            ~blank & parsed.isna(),
            text,
            lambda v, r: f"'{v}' 不是{zh}，写成 {example} / is not {en}; write it as {example}",
            shown,
        )
    return None


def _number_hint(value: str) -> str:
    if any(sign in value for sign in "¥￥$元"):
        return "; 去掉货币符号 / drop the currency sign"
    if "," in value or "，" in value:
        return "; 去掉千位分隔符 / drop the thousands separator"
    if "%" in value:
        return "; 写成小数，如 0.25 / write a share as a decimal, e.g. 0.25"
    return ""


def _check_unique(
    frame: pd.DataFrame, columns: list[str], label: str, problems: list[Problem], shown: int
) -> None:
    keys = frame[columns]
    complete = keys.notna().all(axis=1)
    repeated = keys.duplicated(keep="first") & complete
    if not repeated.any():
        return
    hashes = pd.util.hash_pandas_object(keys, index=False)
    first = hashes[~hashes.duplicated(keep="first")]
    first_row = pd.Series(first.index, index=first.to_numpy())
    joined = ", ".join(columns)
    shown_keys = keys[repeated]  # only these rows are quoted
    values = (
        shown_keys.astype(str).agg(", ".join, axis=1)
        if len(columns) > 1
        else shown_keys[columns[0]]
    )

    def reason(value: str, row: int) -> str:
        earlier = int(first_row[hashes[row - 2]]) + 2
        return (
            f"'{value}' 与第 {earlier} 行重复；{joined} 每个值只能出现一次 / repeats row "
            f"{earlier}; each {joined} must appear once"
        )

    _report(problems, label, joined, repeated, values, reason, shown)


def _check_references(
    frames: dict[str, pd.DataFrame],
    table: Table,
    label: str,
    problems: list[Problem],
    result: FolderCheck,
    shown: int,
) -> None:
    """Foreign keys: each id must be in the table it refers to, when that table is there."""
    frame = frames[table.name]
    for fk in table.foreign_keys:
        target = frames.get(fk.table)
        if target is None:
            if fk.table not in result.present:
                result.notes.append(
                    f"{label}: {fk.fields} 没有和 {fk.table}.csv 核对（文件不在）/ {fk.fields} not "
                    f"checked against {fk.table}.csv, which is not in the folder"
                )
            continue
        _check_foreign_key(frame[fk.fields], target[fk.reference], fk, label, problems, shown)


def _check_foreign_key(
    text: pd.Series,
    reference: pd.Series,
    fk: ForeignKey,
    label: str,
    problems: list[Problem],
    shown: int,
) -> None:
    """Each id in ``text`` must be among the ``reference`` column's."""
    known = reference.dropna()
    _report(
        problems,
        label,
        fk.fields,
        text.notna() & ~text.isin(known),
        text,
        lambda v, r: (
            f"'{v}' 在 {fk.table}.csv 的 {fk.reference} 里找不到 / not found "
            f"in {fk.table}.csv column {fk.reference}"
        ),
        shown,
    )
