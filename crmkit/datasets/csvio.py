"""Reading and writing a case's tables as CSV: UTF-8 with a byte-order mark for Excel,
fixed formats so that the same data always give the same bytes."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import CrmkitError
from ..files import atomic_write
from .schema import CSV_ENCODING, Table


def to_arrow(df: pd.DataFrame, table: Table) -> pa.Table:
    """``df`` as an Arrow table with the column types the data dictionary declares."""
    types = {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("s"),
    }
    columns = {}
    for spec in table.fields:
        array = pa.array(df[spec.name], from_pandas=True)
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if spec.type == "date" and pa.types.is_timestamp(array.type):
            array = array.cast(pa.timestamp("s")).cast(pa.date32())
        columns[spec.name] = array.cast(types[spec.type])
    return pa.table(columns)


def write_table(df: pd.DataFrame, table: Table, folder: Path) -> Path:
    """Write ``df`` to ``folder/<table>.csv`` and return the path.

    Arrow's CSV writer: the same data always give the same bytes, and a million rows take a
    fraction of a second. The byte-order mark lets Excel read the Chinese text as UTF-8.
    """
    path = Path(folder) / f"{table.name}.csv"
    data = to_arrow(df, table)
    _check_nothing_needs_quotes(data, table)
    with atomic_write(path) as partial, open(partial, "wb") as out:
        out.write(codecs.BOM_UTF8)
        pacsv.write_csv(data, out, pacsv.WriteOptions(quoting_style="none"))
    return path


def _check_nothing_needs_quotes(data: pa.Table, table: Table) -> None:
    """Generated text has no separators, so it is written unquoted (smaller, plainer files)."""
    import pyarrow.compute as pc

    for spec in table.fields:
        if (
            spec.type == "string"
            and _may_need_quotes(data[spec.name])
            and pc.any(pc.match_substring_regex(data[spec.name], r'[,"\r\n]')).as_py()
        ):
            raise ValueError(
                f"{table.name}.{spec.name} has a comma, quote or line break; it would need quoting"
            )


def _may_need_quotes(column: pa.ChunkedArray) -> bool:
    """Whether any of the column's character bytes is a comma, quote or line break: a search of
    its data buffers (milliseconds for millions of rows, where a regular expression per value
    takes a second). A buffer may hold bytes outside the column's rows, so True only means
    "look closer"; False is certain."""
    for chunk in column.chunks:
        data = chunk.buffers()[2]
        if data is None:
            continue
        text = data.to_pybytes()
        if any(text.find(character) >= 0 for character in (b",", b'"', b"\r", b"\n")):
            return True
    return False


def apply_dtypes(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Give each column the dtype the data dictionary declares (categoricals, datetimes, …).

    Raises ValueError naming the column and an offending value when one does not fit.
    """
    out = {}
    for spec in table.fields:
        column = df[spec.name]
        try:
            if spec.type in ("date", "datetime"):
                column = pd.to_datetime(column, format="ISO8601")
            elif spec.type == "boolean":
                as_text = column.astype("string").str.lower()
                column = as_text.map({"true": True, "false": False, "1": True, "0": False})
                column = column.where(as_text.notna())
                _check_all_converted(as_text, column, spec.name)
            if spec.enum and not isinstance(column.dtype, pd.CategoricalDtype):
                allowed = column.isin(list(spec.enum)) | column.isna()
                _check_all_converted(
                    column, column.where(allowed), spec.name, allowed=list(spec.enum)
                )
            converted = column.astype(spec.pandas_dtype())
        except (ValueError, TypeError) as error:
            if str(error).startswith("column '"):
                raise
            raise ValueError(f"column '{spec.name}' ({spec.type}): {error}") from None
        out[spec.name] = converted
    return pd.DataFrame(out, index=df.index)


def _check_all_converted(
    before: pd.Series, after: pd.Series, name: str, allowed: list | None = None
) -> None:
    lost = before.notna() & pd.isna(after)
    if lost.any():
        examples = ", ".join(repr(v) for v in pd.unique(before[lost])[:3])
        hint = f"; allowed: {', '.join(map(str, allowed))}" if allowed else ""
        raise ValueError(f"column '{name}' has values that do not fit: {examples}{hint}")


def _check_required(df: pd.DataFrame, table: Table) -> None:
    """A blank cell where the dictionary requires a value is an error: never read as False,
    NaN or 0 in silence (a blank boolean would otherwise count as True or False)."""
    for spec in table.fields:
        blank = df[spec.name].isna()
        if spec.required and blank.any():
            raise ValueError(
                f"column '{spec.name}' is required but blank in {int(blank.sum())} row(s), the "
                f"first in row {int(blank.to_numpy().argmax()) + 2}"
            )


def read_table(path: Path | str, table: Table, check: str = "") -> pd.DataFrame:
    """Read one CSV of a case, checking its columns against the data dictionary.

    Used for the kit's own data and for an instructor's CSV that follows the dictionary. Each
    message says what to do next: a missing file of the kit's data is regenerated with
    ``crmkit data build``; an instructor's folder is checked row by row with
    ``crmkit data validate`` (never rebuilt: that would not make their data); ``check`` is that
    command for the folder at hand.
    """
    from .validation import is_kit_data

    path = Path(path)
    check = check or f"crmkit data validate {path.parent}"
    columns = ", ".join(table.field_names)
    if not path.exists():
        if is_kit_data(path.parent):
            raise CrmkitError(
                f"找不到文件 {path} / File not found: {path}. 先运行 `crmkit data build` / Run "
                "`crmkit data build` first"
            )
        raise CrmkitError(
            f"找不到文件 {path}：把表 {table.name} 存成这个文件名的 CSV（列：{columns}），"
            f"或检查文件夹路径 / File not found: {path}. Save table {table.name} under this name "
            f"(columns {columns}), or check the folder; then run `{check}`"
        )
    try:
        df = pd.read_csv(
            path, encoding=CSV_ENCODING, dtype=str, keep_default_na=False, na_values=[""]
        )
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise CrmkitError(
            f"{path.name} 不是可读的 UTF-8 CSV / {path.name} is not a readable UTF-8 CSV "
            f"({type(error).__name__}). 请另存为“CSV UTF-8”，再运行 `{check}` / Save it as "
            f"'CSV UTF-8', then run `{check}`"
        ) from None
    missing = [name for name in table.field_names if name not in df.columns]
    if missing:
        raise CrmkitError(
            f"{path.name} 缺少列 / is missing columns: {', '.join(missing)}. "
            f"表 {table.name} 需要 / table {table.name} needs: {', '.join(table.field_names)}"
        )
    try:
        _check_required(df, table)
        return apply_dtypes(df, table)
    except ValueError as error:
        raise CrmkitError(
            f"{path.name} 有不符合数据字典的值 / has values that do not fit the data dictionary: "
            f"{error}. 运行 `{check}` 查看具体行 / Run `{check}` to see which rows"
        ) from None
