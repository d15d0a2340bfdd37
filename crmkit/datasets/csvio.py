"""Reading and writing a case's tables as CSV: UTF-8 with a byte-order mark for Excel,
fixed formats so that the same data always give the same bytes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import CrmkitError
from .schema import CSV_ENCODING, DATETIME_FORMAT, Table


def to_csv_text(df: pd.DataFrame, table: Table) -> str:
    """The CSV text of ``df`` as the data dictionary formats it (no byte-order mark)."""
    out = {}
    for spec in table.fields:
        column = df[spec.name]
        if spec.type in ("date", "datetime"):
            fmt = DATETIME_FORMAT if spec.type == "datetime" else "%Y-%m-%d"
            column = pd.to_datetime(column).dt.strftime(fmt)
        elif spec.type == "number":
            column = column.map("{:.2f}".format, na_action="ignore")
        elif spec.type == "boolean":
            column = column.map({True: "true", False: "false"})
        out[spec.name] = column
    return pd.DataFrame(out).to_csv(index=False, lineterminator="\n")


def write_table(df: pd.DataFrame, table: Table, folder: Path) -> Path:
    """Write ``df`` to ``folder/<table>.csv`` and return the path."""
    path = Path(folder) / f"{table.name}.csv"
    tmp = path.with_suffix(".csv.tmp")
    tmp.write_text(to_csv_text(df, table), encoding=CSV_ENCODING, newline="")
    tmp.replace(path)  # never leave a half-written CSV where a good one was
    return path


def apply_dtypes(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Give each column the dtype the data dictionary declares (categoricals, datetimes, …)."""
    out = {}
    for spec in table.fields:
        column = df[spec.name]
        dtype = spec.pandas_dtype()
        if spec.type in ("date", "datetime"):
            column = pd.to_datetime(column, format="ISO8601")
        elif spec.type == "boolean":
            column = column.map({True: True, False: False, "true": True, "false": False, "True": True, "False": False})
        out[spec.name] = column.astype(dtype)
    return pd.DataFrame(out, index=df.index)


def read_table(path: Path | str, table: Table) -> pd.DataFrame:
    """Read one CSV of a case, checking its columns against the data dictionary.

    Used for the kit's own data and for an instructor's CSV that follows the dictionary.
    """
    path = Path(path)
    if not path.exists():
        raise CrmkitError(f"找不到文件 {path} / File not found: {path}. 先运行 `crmkit data build` / Run `crmkit data build` first")
    try:
        df = pd.read_csv(path, encoding=CSV_ENCODING, dtype=str, keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise CrmkitError(
            f"{path.name} 不是可读的 UTF-8 CSV / {path.name} is not a readable UTF-8 CSV ({type(error).__name__}). "
            "请另存为“CSV UTF-8” / Save it as 'CSV UTF-8' and try again"
        ) from None
    missing = [name for name in table.field_names if name not in df.columns]
    if missing:
        raise CrmkitError(
            f"{path.name} 缺少列 / is missing columns: {', '.join(missing)}. "
            f"表 {table.name} 需要 / table {table.name} needs: {', '.join(table.field_names)}"
        )
    try:
        return apply_dtypes(df, table)
    except (ValueError, TypeError) as error:
        raise CrmkitError(
            f"{path.name} 有不符合数据字典的值 / has values that do not fit the data dictionary ({error}). "
            f"运行 `crmkit data validate {path.parent}` 查看具体行 / Run `crmkit data validate {path.parent}` to see which rows"
        ) from None
